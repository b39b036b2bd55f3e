"""A run split over jobs (--summgate-shard K/N) and decided on the whole (--summgate-merge).

The merge must decide exactly as one unsharded run: the same JSON report, job summary,
summary lines and exit status, on suites with a baseline, known failures, errors, new cases
and accepted changes (pytester, lexical stand-in scorers as in test_decision.py).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import LEXICAL_CONFTEST, case, jsonl
from pytest_summgate import shards

UPDATE = "--summgate-update-baseline"
BASELINE = ".summgate/baseline.json"
ARTICLE_WORDS = (
    "the mayor said the plan would help families across the city and the budget adds money "
    "for schools and parks after the council approved a new budget on Tuesday"
)
WORDS = ARTICLE_WORDS.split()
STRICT = {"thresholds": {"faithfulness": 0.95}}


def sentence(start: int, foreign: str = "") -> str:
    """Ten article words from ``start`` (faithfulness 1.0), and a foreign word (10/11)."""
    chosen = WORDS[start : start + 10]
    return " ".join([*chosen, foreign] if foreign else chosen).capitalize() + "."


def good(i: int) -> str:
    return sentence(i % 12)


def worse(i: int) -> str:
    return sentence(i % 12, "zeppelin")


@pytest.fixture
def gate(gate: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("CI", "BUILD_NUMBER", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    conftest = LEXICAL_CONFTEST.replace("run.engine)\n", "run.engine, True)\n")
    assert conftest != LEXICAL_CONFTEST  # digits the article lacks are hard evidence
    gate.makeconftest(conftest)
    gate.makeini(
        "[pytest]\nsummgate_suite =\n    max_mean_drop_faithfulness=0.01\n    pass_rate=0.5\n"
    )
    return gate


def write(gate: pytest.Pytester, name: str, rows: dict[str, tuple[str, dict[str, Any]]]) -> None:
    body = jsonl(*(case(id=k, summary=s, **extra) for k, (s, extra) in rows.items()))
    gate.path.joinpath(name).write_text(body, encoding="utf-8")


def run(gate: pytest.Pytester, *args: str) -> pytest.RunResult:
    result = gate.runpytest(*args)
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output, output
    assert "INTERNALERROR" not in output, output
    return result


def section(result: pytest.RunResult) -> list[str]:
    """The lines a person reads after the run: the summgate sections, not the progress."""
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if " summgate " in line and "===" in line)
    end = next(
        (i for i, line in enumerate(lines) if i > start and "short test summary" in line),
        next(
            i
            for i, line in enumerate(lines)
            if i > start
            and line.startswith("=====")
            and (" passed" in line or " failed" in line or "no tests ran" in line)
        ),
    )
    # The shards' jobs annotated their cases (failing: ::error, known failures: ::warning or
    # ::notice); the merge does not repeat them. (After a run's progress line, the terminal
    # reporter starts the section with a blank line.)
    annotation = ("::error ", "::warning ", "::notice ")
    return [line for line in lines[start:end] if line and not line.startswith(annotation)]


def decide(gate: pytest.Pytester, tag: str, *args: str, shard: str = "") -> pytest.RunResult:
    """A run with its report and job summary under ``tag``."""
    summary = gate.path / f"{tag}.md"
    summary.parent.mkdir(exist_ok=True)
    summary.write_text("", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_STEP_SUMMARY", str(summary))
        return run(gate, *args, f"--summgate-report={tag}.json", "--summgate-github=on")


def compare_with_shards(gate: pytest.Pytester, *args: str, count: int = 3) -> pytest.RunResult:
    """Run whole, then in ``count`` shards and merged; assert both decide alike."""
    whole = decide(gate, "whole", "--summgate", "a.jsonl", "b.jsonl", *args)
    shard_runs = [
        decide(
            gate,
            f"shards/{k}",
            "--summgate",
            "a.jsonl",
            "b.jsonl",
            *args,
            f"--summgate-shard={k}/{count}",
        )
        for k in range(1, count + 1)
    ]
    for result in shard_runs:  # a shard never fails on suite gates
        assert "suite-gates" not in result.stdout.str()
        result.stdout.fnmatch_lines(
            [
                f"decision: not made here: shard * of {count}: the decision is made when the "
                "shards are merged"
            ]
        )
    merged = decide(gate, "merged", "--summgate-merge=shards/*.json", *args)
    assert merged.ret == whole.ret

    def read(tag: str) -> Any:
        return json.loads(gate.path.joinpath(f"{tag}.json").read_text("utf-8"))

    def md(tag: str) -> str:
        return gate.path.joinpath(f"{tag}.md").read_text("utf-8")

    assert read("merged") == read("whole")
    kept = [c["nodeid"] for k in range(1, count + 1) for c in read(f"shards/{k}")["cases"]]
    assert sorted(kept) == sorted(c["nodeid"] for c in read("whole")["cases"])
    assert md("merged") == md("whole")
    assert section(merged) == section(whole)
    return merged


@pytest.fixture
def suite(gate: pytest.Pytester) -> pytest.Pytester:
    """A baseline of 12 good cases over two files, one of them a known failure."""
    write(gate, "a.jsonl", {f"a{i}": (good(i), {}) for i in range(7)})
    rows: dict[str, tuple[str, dict[str, Any]]] = {f"b{i}": (good(i), {}) for i in range(4)}
    write(gate, "b.jsonl", {**rows, "k": (worse(1), STRICT)})
    assert run(gate, "--summgate", "a.jsonl", "b.jsonl", UPDATE).ret == 0
    return gate


def test_a_worse_model_is_blocked_by_the_merge_as_by_one_run(suite: pytest.Pytester) -> None:
    write(suite, "a.jsonl", {f"a{i}": (worse(i), {}) for i in range(7)})
    write(
        suite,
        "b.jsonl",
        {
            "b0": (good(0), {}),
            "b1": (good(1).replace(".", " 1999."), {}),  # a new decisive finding
            "b2": ("", {}),  # an error
            "b3": (worse(3), {}),
            "k": (worse(1), STRICT),  # fails as recorded: xfailed
            "new": (good(5).replace(".", " 2001."), {}),  # hard evidence, no entry
        },
    )
    merged = compare_with_shards(suite)
    assert merged.ret == pytest.ExitCode.TESTS_FAILED
    # b1's finding is left to the hard-evidence test (one case: not blocking); the new
    # case's fails it.
    merged.stdout.fnmatch_lines(
        [
            "decision: blocked by suite gate faithfulness vs baseline; 1 case with hard "
            "evidence (a decisive claim check); 1 case not checked (errors)",
            "hard evidence: 1 case with new decisive findings, 0 fixed: p = 0.500 at 0.80: "
            "not blocking",
            "  b.jsonl::b1: faithfulness: number 1999 is not in the article",
            "known failures: 1 failed as recorded (xfail)",
            "FAILED summgate::suite-gates - 1 suite gate failed: faithfulness*",
        ]
    )


def test_the_hard_evidence_test_decides_the_merge_as_one_run(suite: pytest.Pytester) -> None:
    # Five compared cases gain a decisive finding, none loses one: the paired test blocks,
    # from the shards' records as in one run (the mean drop's gate is off: the test alone).
    write(
        suite,
        "a.jsonl",
        {f"a{i}": (good(i).replace(".", " 1999.") if i < 5 else good(i), {}) for i in range(7)},
    )
    off = "--summgate-suite=max_mean_drop_faithfulness=off"
    merged = compare_with_shards(suite, off, "-v")
    assert merged.ret == pytest.ExitCode.TESTS_FAILED
    merged.stdout.fnmatch_lines(
        [
            "decision: blocked by the hard-evidence test (5 new, 0 fixed: p = 0.031 < 0.20)",
            "hard evidence: 5 cases with new decisive findings, 0 fixed: p = 0.031 at 0.80: "
            "blocking",
            "  a.jsonl::a0: new: faithfulness: number 1999 is not in the article",
        ]
    )
    report = json.loads(suite.path.joinpath("merged.json").read_text(encoding="utf-8"))
    assert report["hard_evidence_test"]["new"] == 5
    # Under any, each of the five fails its case, merged as in one run.
    strict = compare_with_shards(suite, off, "--summgate-hard-evidence=any")
    strict.stdout.fnmatch_lines(
        ["decision: blocked by 5 cases with hard evidence (a decisive claim check)"]
    )


def test_an_unchanged_model_passes_the_merge(suite: pytest.Pytester) -> None:
    merged = compare_with_shards(suite, count=2)
    assert merged.ret == pytest.ExitCode.OK
    merged.stdout.fnmatch_lines(["decision: passed"])


def test_accepted_changes_are_checked_over_every_shard(suite: pytest.Pytester) -> None:
    shutil.copy(suite.path / BASELINE, suite.path / "base.json")
    write(suite, "a.jsonl", {f"a{i}": (worse(i) if i < 3 else good(i), {}) for i in range(7)})
    run(suite, "--summgate", "a.jsonl", "b.jsonl", UPDATE)
    merged = compare_with_shards(suite, "--summgate-base-baseline=base.json")
    assert merged.ret == pytest.ExitCode.OK
    merged.stdout.fnmatch_lines(["accepted in this pull request: 3 entries*", "decision: passed"])

    # A number edited by hand is not reproduced, in whichever shard its case ran.
    path = suite.path / BASELINE
    stored = json.loads(path.read_text(encoding="utf-8"))
    stored["cases"]["a.jsonl::a2"]["scores"]["faithfulness"] = 1.0
    path.write_text(json.dumps(stored), encoding="utf-8")
    edited = compare_with_shards(suite, "--summgate-base-baseline=base.json")
    assert edited.ret == pytest.ExitCode.TESTS_FAILED
    edited.stdout.fnmatch_lines(["*accepted entries 2 of 3 reproduced*"])


def test_a_pull_requests_changes_to_the_gate_are_judged_over_every_shard(
    suite: pytest.Pytester,
) -> None:
    # The pull request adds a known failure (a year invented in a2), drops b3's case and
    # prunes its entry, and deletes a4's entry although a4 still runs.
    shutil.copy(suite.path / BASELINE, suite.path / "base.json")
    write(
        suite,
        "a.jsonl",
        {f"a{i}": (good(i).replace(".", " 1999.") if i == 2 else good(i), {}) for i in range(7)},
    )
    rows: dict[str, tuple[str, dict[str, Any]]] = {f"b{i}": (good(i), {}) for i in range(3)}
    write(suite, "b.jsonl", {**rows, "k": (worse(1), STRICT)})
    run(suite, "--summgate", "a.jsonl", "b.jsonl", UPDATE, "--summgate-prune-baseline")
    path = suite.path / BASELINE
    stored = json.loads(path.read_text(encoding="utf-8"))
    del stored["cases"]["a.jsonl::a4"]
    path.write_text(json.dumps(stored), encoding="utf-8")
    merged = compare_with_shards(suite, "--summgate-base-baseline=base.json")
    assert merged.ret == pytest.ExitCode.OK
    merged.stdout.fnmatch_lines(
        [
            "accepted in this pull request: 1 entry (0 new cases)*",
            "known failures added in this pull request (accepted): 1 case (a.jsonl::a2)*",
            f"removed from {BASELINE} in this pull request: 2 entries (1 of their cases ran: *",
            "decision: passed",
        ]
    )


def test_shards_split_the_selection_evenly_and_deterministically() -> None:
    tests = [(f"f{i % 2}.jsonl", i, f"f{i % 2}.jsonl::c{i}") for i in range(10)]
    shares = [shards.select(tests, shards.Shard(k, 3)) for k in (1, 2, 3)]
    assert [len(s.kept) for s in shares] == [3, 3, 4]
    assert set().union(*(s.kept for s in shares)) == {n for _, _, n in tests}
    assert sum(len(s.kept) for s in shares) == 10
    # The collection's order does not matter (pytest-randomly), only the tests.
    again = shards.select(list(reversed(tests)), shards.Shard(2, 3))
    assert again == shares[1]
    # A file's cases are consecutive in a share: f0's, then f1's.
    assert sorted(shares[0].kept) == ["f0.jsonl::c0", "f0.jsonl::c2", "f0.jsonl::c4"]
    assert len({s.digest for s in shares}) == 1


@pytest.mark.parametrize("value", ["0/3", "4/3", "3", "a/b", "-1/2", "1/0"])
def test_a_bad_shard_is_a_usage_error_quoting_it(gate: pytest.Pytester, value: str) -> None:
    write(gate, "a.jsonl", {"a": (good(0), {})})
    result = run(gate, "--summgate", "a.jsonl", f"--summgate-shard={value}", "--summgate-report=r")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--summgate-shard: expected K/N*got '{value}'"])


def test_a_shard_needs_a_report_and_no_update(gate: pytest.Pytester) -> None:
    write(gate, "a.jsonl", {"a": (good(0), {})})
    result = run(gate, "--summgate", "a.jsonl", "--summgate-shard=1/2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: summgate: --summgate-shard 1/2 needs --summgate-report*"])
    result = run(
        gate, "--summgate", "a.jsonl", "--summgate-shard=1/2", "--summgate-report=r", UPDATE
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*update the baseline in one run"])


def test_a_shard_never_fails_on_suite_gates_and_an_empty_share_passes(
    suite: pytest.Pytester,
) -> None:
    write(suite, "a.jsonl", {f"a{i}": (worse(i), {}) for i in range(7)})
    for k in (1, 2):
        shard = run(
            suite, "--summgate", "a.jsonl", f"--summgate-shard={k}/2", f"--summgate-report={k}.json"
        )
        assert shard.ret == pytest.ExitCode.OK, shard.stdout.str()
        report = json.loads(suite.path.joinpath(f"{k}.json").read_text(encoding="utf-8"))
        assert report["suite"] == []
        assert report["decision"]["partial"].startswith(f"shard {k} of 2: ")
        assert report["shard"]["index"] == k
        assert report["shard"]["selected"] == 7
    whole = run(suite, "--summgate", "a.jsonl")
    assert whole.ret == pytest.ExitCode.TESTS_FAILED  # the suite gate, in one run
    # More shards than cases: a shard with nothing to run passes; its report says so.
    write(suite, "a.jsonl", {"a0": (good(0), {})})
    empty = run(suite, "--summgate", "a.jsonl", "--summgate-shard=1/2", "--summgate-report=e.json")
    assert empty.ret == pytest.ExitCode.OK
    assert json.loads(suite.path.joinpath("e.json").read_text(encoding="utf-8"))["cases"] == []


@pytest.fixture
def three(suite: pytest.Pytester) -> pytest.Pytester:
    """Three shard reports of one run in shards/."""
    for k in (1, 2, 3):
        run(
            suite,
            "--summgate",
            "a.jsonl",
            "b.jsonl",
            f"--summgate-shard={k}/3",
            f"--summgate-report=shards/{k}.json",
        )
    return suite


def merge_error(gate: pytest.Pytester, *args: str) -> pytest.RunResult:
    result = run(gate, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    return result


def test_the_merge_refuses_reports_that_are_not_one_runs_shards(three: pytest.Pytester) -> None:
    shards_dir = three.path / "shards"
    (shards_dir / "2.json").rename(three.path / "two.json")
    merge_error(three, "--summgate-merge=shards/*.json").stderr.fnmatch_lines(
        ["ERROR: summgate: merge: shard 2 of 3 missing: given shards/1.json, shards/3.json"]
    )
    # The same file named twice is read once; two files of one shard are refused.
    passed = run(
        three,
        "--summgate-merge=shards/*.json",
        "--summgate-merge=two.json",
        "--summgate-merge=two.json",
    )
    assert passed.ret == pytest.ExitCode.OK
    shutil.copy(shards_dir / "1.json", three.path / "one.json")
    merge_error(
        three,
        "--summgate-merge=shards/*.json",
        "--summgate-merge=two.json",
        "--summgate-merge=one.json",
    ).stderr.fnmatch_lines(["*shard 1 of 3 is given twice: shards/1.json, one.json"])
    # Shard 1's cases given again as shard 2.
    report = json.loads((shards_dir / "1.json").read_text(encoding="utf-8"))
    report["shard"]["index"] = 2
    (three.path / "two.json").write_text(json.dumps(report), encoding="utf-8")
    merge_error(
        three, "--summgate-merge=shards/*.json", "--summgate-merge=two.json"
    ).stderr.fnmatch_lines(
        ["ERROR: summgate: merge: case 'a.jsonl::a0' is in two shards: shards/1.json, two.json"]
    )
    # Another run's shard: other settings.
    run(
        three,
        "--summgate",
        "a.jsonl",
        "b.jsonl",
        "--summgate-shard=2/3",
        "--summgate-threshold=coverage=0.2",
        "--summgate-report=two.json",
    )
    merge_error(
        three, "--summgate-merge=shards/*.json", "--summgate-merge=two.json"
    ).stderr.fnmatch_lines(
        ["*two.json and shards/1.json are not shards of one run: the settings differ"]
    )
    # Another selection: shards of a run over a.jsonl alone.
    run(three, "--summgate", "a.jsonl", "--summgate-shard=2/3", "--summgate-report=two.json")
    merge_error(
        three, "--summgate-merge=shards/*.json", "--summgate-merge=two.json"
    ).stderr.fnmatch_lines(["*not shards of one run: the selection of tests*differ"])
    # Another count.
    run(
        three,
        "--summgate",
        "a.jsonl",
        "b.jsonl",
        "--summgate-shard=2/4",
        "--summgate-report=two.json",
    )
    merge_error(
        three, "--summgate-merge=shards/*.json", "--summgate-merge=two.json"
    ).stderr.fnmatch_lines(["*not shards of one run: the shard count differ"])


def test_the_merge_refuses_other_settings_baselines_and_whole_reports(
    three: pytest.Pytester,
) -> None:
    merge_error(three, "--summgate-merge=none/*.json").stderr.fnmatch_lines(
        ["ERROR: summgate: merge: no shard report matches 'none/*.json'"]
    )
    merge_error(three, "--summgate-merge=shards/*.json", "--summgate-seed=7").stderr.fnmatch_lines(
        ["*the shards ran with other settings than this merge (bootstrap_seed differ)*"]
    )
    stored = json.loads((three.path / BASELINE).read_text(encoding="utf-8"))
    stored["cases"]["a.jsonl::a0"]["scores"]["faithfulness"] = 0.5
    (three.path / "other.json").write_text(json.dumps(stored), encoding="utf-8")
    merge_error(three, "--summgate-merge=shards/*.json", "--summgate-baseline=other.json")
    run(three, "--summgate", "a.jsonl", "--summgate-report=whole.json")
    merge_error(three, "--summgate-merge=whole.json").stderr.fnmatch_lines(
        ["*whole.json is the report of a whole run, not of a shard (--summgate-shard K/N)"]
    )
    merge_error(three, "--summgate-merge=shards/1.json", "--summgate-shard=1/3")


@pytest.mark.slow  # xdist workers: a second a run
def test_a_shard_under_xdist_merges_with_shards_run_in_one_process(
    three: pytest.Pytester,
) -> None:
    result = three.runpytest(
        "--summgate",
        "a.jsonl",
        "b.jsonl",
        "-n",
        "2",
        "-p",
        "no:cacheprovider",
        "--summgate-shard=2/3",
        "--summgate-report=x2.json",
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    xdist = json.loads((three.path / "x2.json").read_text(encoding="utf-8"))
    alone = json.loads((three.path / "shards" / "2.json").read_text(encoding="utf-8"))
    assert xdist["shard"] == alone["shard"]
    assert [c["nodeid"] for c in xdist["cases"]] == [c["nodeid"] for c in alone["cases"]]
    (three.path / "shards" / "2.json").unlink()
    merged = run(three, "--summgate-merge=shards/*.json", "--summgate-merge=x2.json")
    assert merged.ret == pytest.ExitCode.OK
    merged.stdout.fnmatch_lines(["decision: passed"])


def test_the_merge_reads_the_ini_and_ignores_its_workers(three: pytest.Pytester) -> None:
    three.makeini(
        "[pytest]\naddopts = -n 2\nsummgate_suite =\n    max_mean_drop_faithfulness=0.01\n"
        "    pass_rate=0.5\n"
    )
    merged = run(three, "--summgate-merge=shards/*.json")
    assert merged.ret == pytest.ExitCode.OK, merged.stdout.str()
    merged.stdout.fnmatch_lines(["decision: passed"])


def test_shards_are_deselected_after_k(suite: pytest.Pytester, tmp_path: Path) -> None:
    kept = []
    for k in (1, 2):
        result = run(
            suite,
            "--summgate",
            "a.jsonl",
            "b.jsonl",
            "-k",
            "not b",
            f"--summgate-shard={k}/2",
            f"--summgate-report=k{k}.json",
        )
        report = json.loads((suite.path / f"k{k}.json").read_text(encoding="utf-8"))
        kept += [c["nodeid"] for c in report["cases"]]
        assert report["shard"]["selected"] == 7, result.stdout.str()
    assert sorted(kept) == sorted(f"a.jsonl::a{i}" for i in range(7))


# -- shard reports edited after an honest run: the merge decides on the selected cases only --


@pytest.fixture
def blocked(suite: pytest.Pytester) -> pytest.Pytester:
    """Three shard reports of a run the gate blocks, kept in pristine/: a case below its
    threshold, one with hard evidence, one that could not be checked, a known failure.
    (Under summgate_hard_evidence = any: b1's new finding fails it.)"""
    ini = suite.path.joinpath("tox.ini")
    ini.write_text(ini.read_text(encoding="utf-8").rstrip() + "\nsummgate_hard_evidence = any\n")
    write(
        suite,
        "b.jsonl",
        {
            "b0": (good(0), {}),
            "b1": (good(1).replace(".", " 1999."), {}),  # hard evidence
            "b2": ("", {}),  # an error
            "b3": (worse(3), STRICT),  # below its threshold
            "k": (worse(1), STRICT),  # fails as recorded: xfailed
        },
    )
    for k in (1, 2, 3):
        run(
            suite,
            "--summgate",
            "a.jsonl",
            "b.jsonl",
            f"--summgate-shard={k}/3",
            f"--summgate-report=shards/{k}.json",
        )
    shutil.copytree(suite.path / "shards", suite.path / "pristine")
    honest = run(suite, "--summgate-merge=shards/*.json")
    assert honest.ret == pytest.ExitCode.TESTS_FAILED, honest.stdout.str()
    honest.stdout.fnmatch_lines(["decision: blocked by *1 case not checked (errors)"])
    return suite


def report_of(gate: pytest.Pytester, nodeid: str) -> tuple[Path, dict[str, Any]]:
    """The shard report that holds ``nodeid``'s record (restored from pristine/)."""
    for k in (1, 2, 3):
        shutil.copy(gate.path / "pristine" / f"{k}.json", gate.path / "shards" / f"{k}.json")
    for k in (1, 2, 3):
        path = gate.path / "shards" / f"{k}.json"
        report = json.loads(path.read_text(encoding="utf-8"))
        if nodeid in report["shard"]["share"]:
            return path, report
    raise AssertionError(nodeid)


def record_in(report: dict[str, Any], nodeid: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in report["cases"] if c["nodeid"] == nodeid)
    return found


def save(path: Path, report: dict[str, Any], reseal: bool = False) -> None:
    """Write an edited report; ``reseal``: with each record's sha256 recomputed, as someone
    who knows the format would."""
    if reseal:
        for record in report["cases"]:
            report["shard"]["share"][record["nodeid"]] = shards.record_digest(record)
    path.write_text(json.dumps(report), encoding="utf-8")


def refused(gate: pytest.Pytester, *lines: str, args: tuple[str, ...] = ()) -> str:
    """The merge of shards/ is a usage error (exit 4) whose message matches ``lines``."""
    result = merge_error(gate, "--summgate-merge=shards/*.json", *args)
    patterns = [f"ERROR: summgate: merge: {line}".replace("[", "[[]") for line in lines]
    result.stderr.fnmatch_lines(patterns)  # "[" is the message's own, "*" the pattern's
    assert len(result.stderr.str()) < 2000, result.stderr.str()  # bounded, whatever the report
    return result.stderr.str()


def test_a_failing_case_deleted_from_its_report_is_refused(blocked: pytest.Pytester) -> None:
    path, report = report_of(blocked, "b.jsonl::b3")
    report["cases"] = [c for c in report["cases"] if c["nodeid"] != "b.jsonl::b3"]
    save(path, report)
    refused(
        blocked,
        f"shards/{path.stem}.json: case 'b.jsonl::b3' of shard {path.stem} of 3 has no record: "
        "the report is incomplete or was edited",
    )
    # ... and from the share and the shard's list of failures too: the share's size is the
    # selection's, split as the shards split it.
    del report["shard"]["share"]["b.jsonl::b3"]
    del report["shard"]["failed"]["b.jsonl::b3"]
    save(path, report)
    refused(
        blocked,
        f"shards/{path.stem}.json: shard {path.stem} of 3 lists 3 tests in its share, but its "
        "share of the 12 selected tests is 4: the report is incomplete or was edited",
    )


def test_an_emptied_report_is_refused(blocked: pytest.Pytester) -> None:
    path, report = report_of(blocked, "a.jsonl::a0")
    report["cases"] = []
    save(path, report)
    refused(blocked, "shards/1.json: case 'a.jsonl::a0' of shard 1 of 3 has no record: *")
    report["shard"].update(share={}, failed={}, not_checked={})
    save(path, report)
    refused(blocked, "shards/1.json: shard 1 of 3 lists 0 tests in its share, but its share*")


def test_a_record_edited_from_failed_to_passed_is_refused(blocked: pytest.Pytester) -> None:
    path, report = report_of(blocked, "b.jsonl::b3")
    record = record_in(report, "b.jsonl::b3")
    record["outcome"] = "passed"
    save(path, report)
    refused(
        blocked,
        f"shards/{path.stem}.json: case 'b.jsonl::b3': the record is not the one the shard "
        "wrote (its sha256 differs): the report was edited or damaged",
    )
    # Resealed, it contradicts its own checks, then the shard's tallies, then its score.
    save(path, report, reseal=True)
    refused(blocked, "*case 'b.jsonl::b3': the record says passed, but its checks say failed")
    for check in record["checks"]:
        check["failed"] = False
    record["failing"] = []
    save(path, report, reseal=True)
    refused(
        blocked,
        "*case 'b.jsonl::b3': checks[0].failed is false, but its score 0.909091 breaks the "
        "rule 'faithfulness' >= 0.95",
    )
    record["checks"][0]["score"] = 0.96
    save(path, report, reseal=True)
    refused(blocked, "*case 'b.jsonl::b3': checks[0].score is 0.96, but scores has 0.909091")
    # A known failure's outcome given to a new failure.
    path, report = report_of(blocked, "b.jsonl::b3")
    record_in(report, "b.jsonl::b3")["outcome"] = "xfailed"
    save(path, report, reseal=True)
    refused(blocked, "*case 'b.jsonl::b3': the record says xfailed, but shard.failed lists it*")


@pytest.mark.parametrize(
    ("nodeid", "error"),
    [
        ("b.jsonl::b2", "the record says passed, but shard.not_checked lists it"),
        ("b.jsonl::b1", "the record says passed, but its checks say failed"),
    ],
)
def test_an_error_or_hard_evidence_edited_to_pass_is_refused(
    blocked: pytest.Pytester, nodeid: str, error: str
) -> None:
    path, report = report_of(blocked, nodeid)
    record_in(report, nodeid)["outcome"] = "passed"
    save(path, report, reseal=True)
    refused(blocked, f"*case {nodeid!r}: {error}")


def test_a_record_that_disagrees_with_its_shards_tallies_is_refused(
    blocked: pytest.Pytester,
) -> None:
    path, report = report_of(blocked, "b.jsonl::b3")
    del report["shard"]["failed"]["b.jsonl::b3"]
    save(path, report)
    refused(
        blocked,
        "*case 'b.jsonl::b3': the record says failed (faithfulness), but shard.failed does "
        "not list it",
    )
    path, report = report_of(blocked, "a.jsonl::a0")
    report["shard"]["not_checked"]["a.jsonl::a0"] = "forged"
    save(path, report)
    refused(blocked, "*case 'a.jsonl::a0': the record says passed, but shard.not_checked lists it")
    path, report = report_of(blocked, "a.jsonl::a0")
    report["shard"]["failed"]["a.jsonl::nowhere"] = ["faithfulness"]
    save(path, report)
    refused(
        blocked,
        "shards/1.json: shard.failed names case 'a.jsonl::nowhere', which has no record in the "
        "report",
    )
    # The run has a baseline, so the built-in faithfulness bar only advises: a check that
    # says it decides contradicts the run (and one that says it advises where it decides
    # would hide a failure).
    path, report = report_of(blocked, "a.jsonl::a0")
    check = next(c for c in record_in(report, "a.jsonl::a0")["checks"] if c["advisory"])
    check["advisory"] = False
    save(path, report, reseal=True)
    refused(blocked, "*case 'a.jsonl::a0': checks[*].advisory is false, but in this run the*")


def test_a_record_of_a_case_in_no_case_file_is_refused(blocked: pytest.Pytester) -> None:
    path, report = report_of(blocked, "a.jsonl::a0")
    ghost = {**record_in(report, "a.jsonl::a0"), "nodeid": "c.jsonl::ghost", "id": "ghost"}
    report["cases"].append(ghost)
    save(path, report)
    refused(
        blocked,
        "shards/1.json: case 'c.jsonl::ghost' is not a case of shard 1 of 3: its record was "
        "added to the report (a case of no case file, or of another shard)",
    )
    # Listed in the share too: one test more than the share.
    save(path, report, reseal=True)
    refused(blocked, "shards/1.json: shard 1 of 3 lists 5 tests in its share, but its share*")
    # In place of a case of the share: the shares are no longer the selection.
    del report["shard"]["share"]["a.jsonl::a0"]
    report["cases"] = [c for c in report["cases"] if c["nodeid"] != "a.jsonl::a0"]
    save(path, report, reseal=True)
    refused(
        blocked,
        "the shards' shares are not the selection they were split from (its sha256 differs): "
        "a report was edited or comes from another run: shards/1.json, shards/2.json, "
        "shards/3.json",
    )
    # A case taken for another test (null: not a case) and its record dropped.
    path, report = report_of(blocked, "b.jsonl::b3")
    report["shard"]["share"]["b.jsonl::b3"] = None
    del report["shard"]["failed"]["b.jsonl::b3"]
    report["cases"] = [c for c in report["cases"] if c["nodeid"] != "b.jsonl::b3"]
    save(path, report)
    refused(blocked, "the shards' shares are not the selection they were split from*")


def test_a_case_twice_is_refused(blocked: pytest.Pytester) -> None:
    path, report = report_of(blocked, "a.jsonl::a0")
    report["cases"].append(record_in(report, "a.jsonl::a0"))
    save(path, report)
    refused(blocked, "shards/1.json: case 'a.jsonl::a0' has two records")


def test_a_shard_stopped_early_is_refused(blocked: pytest.Pytester) -> None:
    """-x: the shard wrote its report with cases it never ran (an incomplete artifact)."""
    result = run(
        blocked,
        "--summgate",
        "a.jsonl",
        "b.jsonl",
        "-x",
        "--summgate-shard=3/3",
        "--summgate-report=shards/3.json",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    refused(
        blocked,
        "shards/3.json: case 'b.jsonl::b2' of shard 3 of 3 has no record: the shard skipped "
        "it or stopped before it (-x, --maxfail); the merge decides on every selected case, "
        "so rerun the shard",
    )
    # A report cut short (an upload that did not finish) is not JSON.
    text = (blocked.path / "pristine" / "3.json").read_text(encoding="utf-8")
    (blocked.path / "shards" / "3.json").write_text(text[: len(text) // 2], encoding="utf-8")
    refused(blocked, "shard report shards/3.json is not JSON (*)")


def test_a_huge_shard_count_is_refused_in_bounded_time_and_output(
    blocked: pytest.Pytester,
) -> None:
    report_of(blocked, "a.jsonl::a0")  # every report as the shards wrote it
    for k in (1, 2, 3):
        path = blocked.path / "shards" / f"{k}.json"
        report = json.loads(path.read_text(encoding="utf-8"))
        report["shard"]["count"] = 1_000_000_000
        save(path, report)
    refused(blocked, "shards/1.json: shard.count must be from 1 to 999999, got 1000000000")
    for k in (1, 2, 3):
        path = blocked.path / "shards" / f"{k}.json"
        report = json.loads(path.read_text(encoding="utf-8"))
        report["shard"]["count"] = 999_999
        save(path, report)
    refused(
        blocked,
        "shards 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 and 999986 more of 999999 missing: given "
        "shards/1.json, shards/2.json, shards/3.json",
    )


Edit = Callable[[dict[str, Any]], object]
# A report's shape broken one way, and the error naming the field (in shards/1.json).
MALFORMED: dict[str, tuple[Edit, str]] = {
    "no model": (lambda r: r.pop("model"), "model is missing"),
    "a list as the shard index": (
        lambda r: r["shard"].update(index=[1]),
        "shard.index must be a whole number, got [1]",
    ),
    "a count that is not a number": (
        lambda r: r["shard"].update(count="3"),
        "shard.count must be a whole number, got '3'",
    ),
    "cases as numbers": (
        lambda r: r.update(cases=[1, 2]),
        "cases[0] must be a case record, got 1",
    ),
    "failed as text": (
        lambda r: r["shard"].update(failed="b.jsonl::b3"),
        "shard.failed must be an object, got 'b.jsonl::b3'",
    ),
    "records without scores": (
        lambda r: [c.pop("scores") for c in r["cases"]],
        "case 'a.jsonl::a0': cases[0].scores is missing",
    ),
    "a numeric node id": (
        lambda r: r["cases"][0].update(nodeid=7),
        "cases[0].nodeid must be text, got 7",
    ),
    "a boolean for a number": (
        lambda r: r["cases"][0].update(line=True),
        "case 'a.jsonl::a0': cases[0].line must be a whole number, got True",
    ),
    "an unknown outcome": (
        lambda r: r["cases"][0].update(outcome="skipped"),
        "case 'a.jsonl::a0': cases[0].outcome must be one of passed, failed, error, xfailed, "
        "xpassed, got 'skipped'",
    ),
    "a field no record has": (
        lambda r: r["cases"][0].update(trusted=True),
        "case 'a.jsonl::a0': cases[0].trusted is not a field of a case record",
    ),
    "a check's score as text": (
        lambda r: r["cases"][0]["checks"][0].update(score="1.0"),
        "case 'a.jsonl::a0': cases[0].checks[0].score must be a number or null, got '1.0'",
    ),
    "no share": (lambda r: r["shard"].pop("share"), "shard.share is missing"),
    "a share entry that is no sha256": (
        lambda r: r["shard"]["share"].update({"a": "x"}),
        "shard.share['a'] must be a sha256 (64 hex digits), got 'x'",
    ),
    "a shard that is a list": (
        lambda r: r.update(shard=[1, 3]),
        "shard must be an object, got [1, 3]",
    ),
    "a negative selection": (
        lambda r: r["shard"].update(selected=-1),
        "shard.selected must be 0 or more, got -1",
    ),
    "an index past the count": (
        lambda r: r["shard"].update(index=4),
        "shard.index must be from 1 to shard.count (3), got 4",
    ),
    "paired findings as text": (
        lambda r: r["cases"][0].update(paired="yes"),
        "case 'a.jsonl::a0': cases[0].paired must be an object of new and fixed findings or "
        "null, got 'yes'",
    ),
    "a paired finding as a number": (
        lambda r: r["cases"][0].update(paired={"new": [7], "fixed": []}),
        "case 'a.jsonl::a0': cases[0].paired.new[0] must be text, got 7",
    ),
    "paired findings without the fixed ones": (
        lambda r: r["cases"][0].update(paired={"new": []}),
        "case 'a.jsonl::a0': cases[0].paired.fixed is missing",
    ),
}


@pytest.mark.parametrize("shape", list(MALFORMED))
def test_a_malformed_report_is_a_usage_error_naming_the_file_and_field(
    blocked: pytest.Pytester, shape: str
) -> None:
    path, report = report_of(blocked, "a.jsonl::a0")
    edit, error = MALFORMED[shape]
    edit(report)
    save(path, report)
    refused(blocked, f"shards/1.json: {error}")


def test_paired_findings_that_contradict_their_case_are_refused(three: pytest.Pytester) -> None:
    # Resealed (each record's sha256 recomputed), as someone who knows the format would.
    shutil.copytree(three.path / "shards", three.path / "pristine")
    finding = "faithfulness: number 7 is not in the article"
    edits: list[tuple[Edit, str]] = [
        (
            lambda r: r.update(paired={"new": [finding], "fixed": []}),
            f"paired.new lists '{finding}', which is not a finding of its hard_evidence",
        ),
        (
            lambda r: r.update(baseline="new"),
            "paired is set, but the case was not compared (its baseline is 'new')",
        ),
    ]
    for edit, error in edits:
        path, report = report_of(three, "a.jsonl::a0")
        edit(record_in(report, "a.jsonl::a0"))
        save(path, report, reseal=True)
        refused(three, f"shards/{path.stem}.json: case 'a.jsonl::a0': {error}")
    # Paired records merged under any: the merge judges hard evidence another way.
    report_of(three, "a.jsonl::a0")
    refused(
        three,
        "shards/1.json: case 'a.jsonl::a0': paired is set, but this merge's "
        "summgate_hard_evidence is any",
        args=("--summgate-hard-evidence=any",),
    )


def test_what_a_report_says_is_quoted_bounded_and_escaped(blocked: pytest.Pytester) -> None:
    path, report = report_of(blocked, "a.jsonl::a0")
    long_id = "\x1b[31m::error::forged\n" + "x" * 1_000_000
    report["cases"].append({**record_in(report, "a.jsonl::a0"), "nodeid": long_id})
    save(path, report)
    message = refused(blocked, "shards/1.json: case '\\x1b[31m::error::forged\\nxxx*")
    assert "\x1b" not in message
    assert "\n::error" not in message
    path, report = report_of(blocked, "a.jsonl::a0")
    report["settings"].update({f"key{i}": i for i in range(100_000)})
    save(path, report)
    for k in (2, 3):  # alike in every shard, so the merge compares them with its own
        other = json.loads((blocked.path / "shards" / f"{k}.json").read_text(encoding="utf-8"))
        other["settings"] = report["settings"]
        save(blocked.path / "shards" / f"{k}.json", other)
    refused(
        blocked,
        "the shards ran with other settings than this merge (100000 unknown keys differ): give "
        "the merge the shards' ini file and options",
    )


def test_a_report_of_another_version_is_refused(blocked: pytest.Pytester) -> None:
    path, report = report_of(blocked, "a.jsonl::a0")
    report["summgate_version"] = "0.0.1"
    save(path, report)
    refused(
        blocked,
        "shards/1.json was written by pytest-summgate '0.0.1', this merge is *: run the "
        "shards and the merge with one version",
    )


def test_a_shard_of_another_workflow_run_is_refused(
    blocked: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stale report (an earlier run's artifact, or one left in the folder) of the same
    selection, settings and baselines: on GitHub Actions each shard names its run."""
    monkeypatch.setenv("GITHUB_RUN_ID", "7")
    monkeypatch.setenv("GITHUB_SHA", "a" * 40)
    for k in (1, 2, 3):
        run(
            blocked,
            "--summgate",
            "a.jsonl",
            "b.jsonl",
            f"--summgate-shard={k}/3",
            f"--summgate-report=shards/{k}.json",
            "--summgate-github=off",
        )
    report = json.loads((blocked.path / "shards" / "2.json").read_text(encoding="utf-8"))
    assert report["shard"]["run"] == f"github run 7 at {'a' * 40}"
    assert run(blocked, "--summgate-merge=shards/*.json").ret == pytest.ExitCode.TESTS_FAILED
    shutil.copy(blocked.path / "pristine" / "2.json", blocked.path / "shards" / "2.json")
    refused(blocked, "shards/2.json and shards/1.json are not shards of one run: the workflow run*")
