"""A run split over jobs (--summgate-shard K/N) and decided on the whole (--summgate-merge).

The merge must decide exactly as one unsharded run: the same JSON report, job summary,
summary lines and exit status, on suites with a baseline, known failures, errors, new cases
and accepted changes (pytester, lexical stand-in scorers as in test_decision.py).
"""

from __future__ import annotations

import json
import shutil
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
    # The shards' jobs annotated their failing cases; the merge does not repeat them. (After
    # a run's progress line, the terminal reporter starts the section with a blank line.)
    return [line for line in lines[start:end] if line and not line.startswith("::error ")]


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
            "b1": (good(1).replace(".", " 1999."), {}),  # hard evidence
            "b2": ("", {}),  # an error
            "b3": (worse(3), {}),
            "k": (worse(1), STRICT),  # fails as recorded: xfailed
            "new": (good(5), {}),
        },
    )
    merged = compare_with_shards(suite)
    assert merged.ret == pytest.ExitCode.TESTS_FAILED
    merged.stdout.fnmatch_lines(
        [
            "decision: blocked by suite gate faithfulness vs baseline; 1 case with hard "
            "evidence (a decisive claim check); 1 case not checked (errors)",
            "known failures: 1 failed as recorded (xfail)",
            "FAILED summgate::suite-gates - 1 suite gate failed: faithfulness*",
        ]
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
