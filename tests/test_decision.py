"""The gate's decision when a model changes (pytester, lexical stand-in scorers).

Faithfulness here is the share of the weakest summary sentence's words found in the article
(``testing.LexicalScorer``), so a sentence of n article words and one foreign word scores
n/(n+1); a number in digits that the article lacks is hard evidence.
"""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from conftest import LEXICAL_CONFTEST, case, jsonl
from pytest_summgate import decision
from pytest_summgate.baseline import Baseline, KnownFailure, StoredCase

BASELINE = ".summgate/baseline.json"
UPDATE = "--summgate-update-baseline"
WORDS = " ".join(
    [
        "the mayor said the plan would help families across the city and the budget adds",
        "money for schools and parks after the council approved a new budget on Tuesday",
    ]
).split(" ")


def sentence(start: int, foreign: str = "") -> str:
    """Ten article words from ``start``, and optionally a word the article lacks (10/11)."""
    chosen = WORDS[start : start + 10]
    return " ".join([*chosen, foreign] if foreign else chosen).capitalize() + "."


GOOD = {f"c{i}": sentence(i) for i in range(8)}  # faithfulness 1.0 each
WORSE = {f"c{i}": sentence(i, "zeppelin") for i in range(8)}  # 0.909 each: all drop 0.09


@pytest.fixture
def gate(gate: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("CI", "BUILD_NUMBER", "GITHUB_ACTIONS", "PYTEST_XDIST_WORKER"):
        monkeypatch.delenv(name, raising=False)
    # Digits the article lacks are hard evidence, as the real claim checks make them.
    conftest = LEXICAL_CONFTEST.replace("run.engine)\n", "run.engine, True)\n")
    assert conftest != LEXICAL_CONFTEST
    gate.makeconftest(conftest)
    # These cases have no highlights, so the built-in gates (coverage and ROUGE) have
    # nothing to judge: a team gating on faithfulness says so.
    gate.makeini("[pytest]\nsummgate_suite = max_mean_drop_faithfulness=0.01\n")
    return gate


def write(gate: pytest.Pytester, summaries: dict[str, str], **extra: Mapping[str, object]) -> None:
    rows = [case(id=k, summary=v, **extra.get(k, {})) for k, v in summaries.items()]
    gate.path.joinpath("cases.jsonl").write_text(jsonl(*rows), encoding="utf-8")


def run(gate: pytest.Pytester, *args: str) -> pytest.RunResult:
    result = gate.runpytest("--summgate", "cases.jsonl", *args)
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output, output
    assert "INTERNALERROR" not in output, output
    return result


# -- the decision rules, on small synthetic baselines ---------------------------------------


def test_drops_that_are_noise_are_listed_and_pass(gate: pytest.Pytester) -> None:
    # Half the cases lose 0.09 and half gain it: every drop is past its 0.05 tolerance, the
    # paired mean change is 0.
    before = {k: (v if i % 2 else WORSE[k]) for i, (k, v) in enumerate(GOOD.items())}
    after = {k: (WORSE[k] if i % 2 else v) for i, (k, v) in enumerate(GOOD.items())}
    write(gate, before)
    run(gate, UPDATE).assert_outcomes(passed=8)
    write(gate, after)
    result = run(gate)
    result.assert_outcomes(passed=8)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "decision: passed",
            "drops against the baseline (listed, not blocking): 4 drops in 4 cases; largest "
            "cases.jsonl::c1 faithfulness 1.000 -> 0.909 (-0.091); -v lists all",
        ]
    )
    verbose = run(gate, "-v")
    verbose.stdout.fnmatch_lines(["  cases.jsonl::c7 faithfulness 1.000 -> 0.909 (-0.091)"])


def test_a_consistent_drop_blocks_with_the_suite_gate_named(gate: pytest.Pytester) -> None:
    write(gate, GOOD)
    run(gate, UPDATE)
    write(gate, WORSE)
    result = run(gate)
    result.assert_outcomes(passed=8, failed=1)  # every case passes; the suite gate does not
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["FAILED summgate::suite-gates - 1 suite gate failed: faithfulness*"]
    )
    result.stdout.fnmatch_lines(["decision: blocked by suite gate faithfulness vs baseline"])


def test_case_regressions_fail_restores_per_case_blocking(gate: pytest.Pytester) -> None:
    write(gate, GOOD)
    run(gate, UPDATE)
    write(gate, {**GOOD, "c0": WORSE["c0"]})
    assert run(gate).ret == pytest.ExitCode.OK  # one drop: listed
    result = run(gate, "--summgate-case-regressions=fail")
    result.assert_outcomes(passed=7, failed=1)
    result.stdout.fnmatch_lines(["*1 metric regressed against the baseline: faithfulness 0.91*"])
    gate.makeini("[pytest]\nsummgate_case_regressions = fail\n")
    run(gate).assert_outcomes(passed=7, failed=1)


def test_hard_evidence_blocks_a_single_case_whatever_the_score(gate: pytest.Pytester) -> None:
    write(gate, GOOD)
    run(gate, UPDATE)
    # 10 of 11 words in the article, above every bar; "1999" is not in the article.
    write(gate, {**GOOD, "c3": sentence(3).replace(".", " 1999.")})
    # Compared with its entry, one new finding is left to the paired test (test_hard_evidence.py);
    # with summgate_hard_evidence = any it fails its case by itself.
    run(gate).assert_outcomes(passed=8)
    result = run(gate, "--summgate-hard-evidence=any")
    result.assert_outcomes(passed=7, failed=1)
    result.stdout.fnmatch_lines(
        [
            "hard evidence: faithfulness: number 1999 is not in the article; *",
            "decision: blocked by 1 case with hard evidence (a decisive claim check)",
        ]
    )


def test_built_in_score_bars_advise_once_a_baseline_is_in_force(gate: pytest.Pytester) -> None:
    weak = "Zeppelins over harbour lights. " + sentence(0)  # weakest sentence 0.0
    write(gate, {"w": weak})
    no_baseline = run(gate)
    no_baseline.assert_outcomes(failed=1)  # without a baseline the built-in bar decides
    run(gate, UPDATE).assert_outcomes(passed=1)
    result = run(gate)
    result.assert_outcomes(passed=1)
    write(gate, {"w": weak}, w={"thresholds": {"faithfulness": 0.5}})
    run(gate, UPDATE)  # a bar the user set decides, with a baseline too: a known failure
    stored = json.loads(gate.path.joinpath(BASELINE).read_text(encoding="utf-8"))
    assert stored["cases"]["cases.jsonl::w"]["known_failure"]["checks"] == ["faithfulness"]


# -- known failures ---------------------------------------------------------------------------


def test_known_failures_are_xfail_and_a_new_way_to_fail_fails(gate: pytest.Pytester) -> None:
    strict = {"thresholds": {"faithfulness": 0.95}}
    write(gate, {"k": WORSE["c0"], "ok": GOOD["c1"]}, k=strict)
    update = run(gate, UPDATE)
    update.assert_outcomes(passed=1, xfailed=1)
    known = json.loads(gate.path.joinpath(BASELINE).read_text(encoding="utf-8"))
    record = known["cases"]["cases.jsonl::k"]["known_failure"]
    assert record["checks"] == ["faithfulness"]
    assert "known_failure" not in known["cases"]["cases.jsonl::ok"]

    again = run(gate, "-rx", "--junitxml=junit.xml", "--summgate-report=report.json")
    again.assert_outcomes(passed=1, xfailed=1)
    assert again.ret == pytest.ExitCode.OK
    again.stdout.fnmatch_lines(["XFAIL cases.jsonl::k - known failure: *"])
    again.stdout.fnmatch_lines(["known failures: 1 failed as recorded (xfail)"])
    assert "<skipped" in gate.path.joinpath("junit.xml").read_text(encoding="utf-8")
    report = json.loads(gate.path.joinpath("report.json").read_text(encoding="utf-8"))
    assert {c["id"]: c["outcome"] for c in report["cases"]} == {"k": "xfailed", "ok": "passed"}

    # The same case failing on a new check (hard evidence) is a failure under any; under
    # paired (the default) it fails as recorded, its new finding left to the run's test.
    write(gate, {"k": WORSE["c0"].replace(".", " 1999."), "ok": GOOD["c1"]}, k=strict)
    new_check = run(gate, "--summgate-hard-evidence=any")
    new_check.assert_outcomes(passed=1, failed=1)
    new_check.stdout.fnmatch_lines(["  not the known failure recorded: it has no decisive *"])
    paired = run(gate)
    paired.assert_outcomes(passed=1, xfailed=1)
    paired.stdout.fnmatch_lines(["hard evidence: 1 case with new decisive findings, 0 fixed: *"])

    # Fixed: XPASS, said in the summary; the next update drops the record.
    write(gate, {"k": GOOD["c0"], "ok": GOOD["c1"]}, k=strict)
    fixed = run(gate)
    fixed.assert_outcomes(passed=1, xpassed=1)
    fixed.stdout.fnmatch_lines(["known failures: 0 failed as recorded (xfail), 1 now pass*"])
    run(gate, UPDATE).assert_outcomes(passed=2)
    assert "known_failure" not in gate.path.joinpath(BASELINE).read_text(encoding="utf-8")


def test_expect_fail_in_the_case_file(gate: pytest.Pytester) -> None:
    expect = {"expect": "fail: the model invents years", "thresholds": {"faithfulness": 0.95}}
    write(gate, {"x": WORSE["c0"]}, x=expect)
    result = run(gate, "-rx")
    result.assert_outcomes(xfailed=1)
    result.stdout.fnmatch_lines(["XFAIL cases.jsonl::x - known failure: the model invents years"])
    write(gate, {"x": GOOD["c0"]}, x=expect)
    run(gate).assert_outcomes(xpassed=1)
    write(gate, {"x": GOOD["c0"]}, x={"expect": "sometimes"})
    bad = run(gate)
    bad.assert_outcomes(errors=1)
    bad.stdout.fnmatch_lines(["*'expect' must be 'fail', 'fail: <reason>' or 'pass'*"])


# -- the workflow's run in a git repository -------------------------------------------------


def git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(["git", *args], cwd=root, capture_output=True, env=env, check=False)


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    assert git(root, "commit", "-qm", message).returncode == 0


def ci(gate: pytest.Pytester, *args: str, base: str = "main") -> pytest.RunResult:
    """What the workflow runs on a pull request: the base branch's baseline, as git shows
    it (no file when the base branch has none), then the gate with it (and ``args``)."""
    temp = gate.path.parent / f"{gate.path.name}-runner-temp"
    temp.mkdir(exist_ok=True)
    base_file = temp / "base-baseline.json"
    shown = git(gate.path, "show", f"{base}:{BASELINE}")
    if shown.returncode == 0:
        base_file.write_bytes(shown.stdout)
    else:
        base_file.unlink(missing_ok=True)
    return run(gate, f"--summgate-base-baseline={base_file}", *args)


def model_repository(gate: pytest.Pytester) -> pytest.Pytester:
    """Make ``gate`` a model repository: main has the cases and a committed baseline; the
    pull request's branch ``feature`` is checked out."""
    gate.path.joinpath(".gitignore").write_text(".pytest_cache/\n__pycache__/\n")
    assert git(gate.path, "init", "-q", "-b", "main").returncode == 0
    write(gate, GOOD)
    run(gate, UPDATE)
    commit(gate.path, "cases and baseline")
    git(gate.path, "checkout", "-q", "-b", "feature")
    return gate


@pytest.fixture
def repo(gate: pytest.Pytester) -> pytest.Pytester:
    """A model repository: main has the cases and a committed baseline; a feature branch."""
    return model_repository(gate)


def test_workflow_passes_an_unchanged_model(repo: pytest.Pytester) -> None:
    result = ci(repo)
    result.assert_outcomes(passed=8)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["decision: passed"])


def test_workflow_blocks_a_worse_model_naming_the_suite_gate(repo: pytest.Pytester) -> None:
    write(repo, WORSE)
    commit(repo.path, "worse model")
    result = ci(repo)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["decision: blocked by suite gate faithfulness vs baseline"])


def test_workflow_passes_a_branch_that_accepted_its_change(repo: pytest.Pytester) -> None:
    write(repo, WORSE)
    run(repo, UPDATE)
    commit(repo.path, "worse model, accepted")
    result = ci(repo)
    result.assert_outcomes(passed=8)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "accepted in this pull request: 8 entries (0 new cases); largest drop "
            "cases.jsonl::c0 faithfulness 1.000 -> 0.909; -v lists them",
            "decision: passed",
        ]
    )


def test_workflow_fails_a_baseline_edited_by_hand(repo: pytest.Pytester) -> None:
    write(repo, WORSE)
    run(repo, UPDATE)
    path = repo.path / BASELINE
    text = path.read_text(encoding="utf-8").replace('"faithfulness": 0.9091', '"faithfulness": 1')
    path.write_text(text, encoding="utf-8")
    commit(repo.path, "worse model, numbers from main")
    result = ci(repo)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # Judged against the base's entries (the forged ones are not reproduced): the worse
    # model is blocked, and the forged entries named.
    result.stdout.fnmatch_lines(
        [
            "*2 suite gates failed: faithfulness vs baseline *, accepted entries 0 of 8 "
            "reproduced*",
            f"baseline entries not produced by a run in {BASELINE} (edited by hand, *",
            "  cases.jsonl::c0: faithfulness stored 1.0000, this run 0.9091",
        ]
    )


def test_workflow_passes_the_first_pull_request_with_a_notice(gate: pytest.Pytester) -> None:
    gate.path.joinpath(".gitignore").write_text(".pytest_cache/\n__pycache__/\n")
    git(gate.path, "init", "-q", "-b", "main")
    gate.path.joinpath("README").write_text("a model\n")
    commit(gate.path, "empty repository")
    git(gate.path, "checkout", "-q", "-b", "feature")
    write(gate, GOOD)
    run(gate, UPDATE)
    commit(gate.path, "add the gate")
    result = ci(gate)
    result.assert_outcomes(passed=8)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "no baseline on the base branch (*base-baseline.json does not exist): every entry "
            f"of {BASELINE} is new in this pull request",
            "decision: passed",
        ]
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "it is empty"),
        ("{not json", "Expecting property name*"),
        ('{"version": 99, "cases": {}}', "expected a version 1 summgate baseline"),
        ('{"version": 1, "cases": {"a::b": {"content": "x"}}}', "'scores'"),
    ],
    ids=["empty", "corrupt", "other-schema", "missing-scores"],
)
def test_a_bad_base_baseline_is_one_line_naming_the_file(
    repo: pytest.Pytester, content: str, problem: str
) -> None:
    base = repo.path.parent / "bad-base.json"
    base.write_text(content, encoding="utf-8")
    result = run(repo, f"--summgate-base-baseline={base}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: summgate: base branch's baseline {base} is corrupt ({problem})*"]
    )


# -- what a pull request's own baseline cannot do ----------------------------------------------
# The base branch's baseline is the reference: each attack below, once blocked, names the
# baseline file, the case and what is wrong with it.

EVERY_CHECK = ["compression", "coverage", "decisive", "faithfulness", "length", "rouge1"]
YEAR = sentence(3).replace(".", " 1999.")  # hard evidence: number 1999 is not in the article


def edit_baseline(repo: pytest.Pytester, edit: Callable[[dict[str, Any]], object]) -> None:
    """Change the branch's committed baseline as a pull request could, by hand."""
    path = repo.path / BASELINE
    stored = json.loads(path.read_text(encoding="utf-8"))
    edit(stored)
    path.write_text(json.dumps(stored, indent=2), encoding="utf-8")


def report(repo: pytest.Pytester) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(repo.path.joinpath("report.json").read_text("utf-8"))
    return found


@pytest.mark.parametrize("removed", [7, 8], ids=["seven-entries", "the-whole-file"])
def test_deleting_baseline_entries_does_not_hide_a_worse_model(
    repo: pytest.Pytester, removed: int
) -> None:
    write(repo, WORSE)
    if removed == 8:
        (repo.path / BASELINE).unlink()
    else:
        edit_baseline(repo, lambda b: [b["cases"].pop(f"cases.jsonl::c{i}") for i in range(1, 8)])
    commit(repo.path, "worse model, its baseline's entries deleted")
    result = ci(repo, "--summgate-report=report.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            f"removed from {BASELINE} in this pull request: {removed} entries ({removed} of "
            "their cases ran: judged against the base branch's entries); largest drop "
            f"cases.jsonl::c{8 - removed} faithfulness 1.000 -> 0.909; -v lists them",
            "decision: blocked by suite gate faithfulness vs baseline",
        ]
    )
    removed_entries = report(repo)["removed"]
    assert [r["nodeid"] for r in removed_entries][:1] == [f"cases.jsonl::c{8 - removed}"]
    assert all(r["ran"] for r in removed_entries)
    assert removed_entries[0]["worst"] == {"metric": "faithfulness", "base": 1.0, "now": 0.909091}


@pytest.mark.parametrize("kept", [(), ("length",)], ids=["no-scores", "only-length"])
def test_entries_without_their_scores_are_not_produced_by_a_run(
    repo: pytest.Pytester, kept: tuple[str, ...]
) -> None:
    write(repo, WORSE)

    def strip(stored: dict[str, Any]) -> None:
        for entry in stored["cases"].values():
            entry["scores"] = {m: v for m, v in entry["scores"].items() if m in kept}

    edit_baseline(repo, strip)
    commit(repo.path, "worse model, its baseline's scores deleted")
    result = ci(repo)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*accepted entries 0 of 8 reproduced*",
            f"baseline entries not produced by a run in {BASELINE} *",
            "  cases.jsonl::c0: compression is not stored (this run 0.2444)",
            "decision: blocked by suite gate faithfulness vs baseline; suite gate accepted entries",
        ]
    )


def test_an_edited_content_hash_is_not_produced_by_a_run(repo: pytest.Pytester) -> None:
    # "Changed" cases are not compared: a pull request cannot make its cases changed by
    # editing the hash its baseline stores.
    write(repo, WORSE)
    run(repo, UPDATE)

    def rehash(stored: dict[str, Any]) -> None:
        for entry in stored["cases"].values():
            entry["content"] = "0" * 16

    edit_baseline(repo, rehash)
    commit(repo.path, "worse model, content hashes edited")
    result = ci(repo)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "  cases.jsonl::c0: its article or highlights are not the case's (content "
            "'0000000000000000', the case's *)",
            "decision: blocked by suite gate faithfulness vs baseline; suite gate accepted entries",
        ]
    )


def test_entries_moved_to_other_node_ids_leave_their_cases_judged_by_the_base(
    repo: pytest.Pytester,
) -> None:
    write(repo, WORSE)

    def move(stored: dict[str, Any]) -> None:
        stored["cases"] = {f"{k}-moved": v for k, v in stored["cases"].items()}

    edit_baseline(repo, move)
    commit(repo.path, "worse model, entries under other ids")
    result = ci(repo)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "accepted in this pull request: 8 entries (8 new cases); -v lists them",
            f"removed from {BASELINE} in this pull request: 8 entries (8 of their cases ran: *",
            "decision: blocked by suite gate faithfulness vs baseline",
        ]
    )


def test_known_failures_added_to_an_unchanged_model_are_refused(repo: pytest.Pytester) -> None:
    # Recorded first, with the model unchanged, they would excuse any failure later.
    def every_check(stored: dict[str, Any]) -> None:
        for entry in stored["cases"].values():
            entry["known_failure"] = {"checks": EVERY_CHECK, "reason": "flaky"}

    edit_baseline(repo, every_check)
    commit(repo.path, "known failures, model unchanged")
    result = ci(repo)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*accepted entries 0 of 8 reproduced*",
            f"baseline entries not produced by a run in {BASELINE} *",
            f"  cases.jsonl::c0: stored as a known failure on {', '.join(EVERY_CHECK)}, this "
            "run passes",
            "known failures added in this pull request (accepted): 8 cases (cases.jsonl::c0, "
            "cases.jsonl::c1, cases.jsonl::c2 and 5 more); -v lists them",
            "decision: blocked by suite gate accepted entries",
        ]
    )


@pytest.mark.parametrize(
    "findings",
    [None, ["faithfulness: number 2001 is not in the article"]],
    ids=["an-earlier-versions-record", "another-finding"],
)
def test_a_known_failure_of_every_check_does_not_cover_a_new_finding(
    repo: pytest.Pytester, findings: list[str] | None
) -> None:
    # The base branch itself records a failure of every check for c3 (without its findings,
    # as an earlier version wrote it, or with another number's): a model that now invents a
    # year there is blocked all the same.
    git(repo.path, "checkout", "-q", "main")
    record: dict[str, Any] = {"checks": EVERY_CHECK, "reason": "lead-3"}
    if findings is not None:
        record["findings"] = findings
    edit_baseline(repo, lambda b: b["cases"]["cases.jsonl::c3"].update(known_failure=record))
    commit(repo.path, "c3 is a known failure")
    git(repo.path, "checkout", "-q", "-b", "invents-a-year")
    write(repo, {**GOOD, "c3": YEAR})
    commit(repo.path, "a model that invents a year in c3")
    # An earlier version's record is never paired: it fails in either mode. Another finding
    # recorded is, for the paired test, a tie (test_hard_evidence.py): the strict rule says so.
    result = ci(repo, *([] if findings is None else ["--summgate-hard-evidence=any"]))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=7, failed=1)
    result.stdout.fnmatch_lines(
        [
            "  not the known failure recorded: it has no decisive finding 'faithfulness: "
            "number 1999 is not in the article'",
            "decision: blocked by 1 case with hard evidence (a decisive claim check)",
        ]
    )


def test_a_known_failure_accepted_in_the_pull_request_is_listed_first(
    repo: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, {**GOOD, "c3": YEAR})
    run(repo, UPDATE)  # records c3's failure, with its finding
    stored = json.loads((repo.path / BASELINE).read_text(encoding="utf-8"))
    finding = "faithfulness: number 1999 is not in the article"
    assert stored["cases"]["cases.jsonl::c3"]["known_failure"]["findings"] == [finding]
    commit(repo.path, "c3 invents a year, accepted as a known failure")
    summary = repo.path.parent / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = ci(repo, "--summgate-report=report.json", "--summgate-github=on")
    result.assert_outcomes(passed=7, xfailed=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "accepted in this pull request: 1 entry (0 new cases); largest drop cases.jsonl::c3 "
            "faithfulness 1.000 -> 0.909; -v lists them",
            "known failures added in this pull request (accepted): 1 case (cases.jsonl::c3); "
            "largest drop cases.jsonl::c3 faithfulness 1.000 -> 0.909; -v lists them",
            "decision: passed",
        ]
    )
    verbose = ci(repo, "-v")
    verbose.stdout.fnmatch_lines(
        [
            f"  cases.jsonl::c3: fails on decisive ({finding}); recorded in its baseline entry; "
            "faithfulness 1.000 -> 0.909"
        ]
    )
    assert report(repo)["known_failures_added"] == [
        {
            "nodeid": "cases.jsonl::c3",
            "checks": ["decisive"],
            "findings": [finding],
            "recorded_in": "baseline",
            "worst": {"metric": "faithfulness", "base": 1.0, "now": 0.909091},
        }
    ]
    text = summary.read_text(encoding="utf-8")
    block = text.index("**Known failures added in this pull request** (accepted, 1):")
    assert text.index("**Accepted in this pull request**") < block < text.index("| check |")

    # The same record does not excuse another number invented there.
    write(repo, {**GOOD, "c3": sentence(3).replace(".", " 2001.")})
    result = ci(repo)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "  cases.jsonl::c3: its known failure does not record the decisive finding "
            "'faithfulness: number 2001 is not in the article'",
        ]
    )


def test_a_known_failure_said_by_the_case_file_is_listed(repo: pytest.Pytester) -> None:
    expect = {"expect": "fail: zeppelins", "thresholds": {"faithfulness": 0.95}}
    write(repo, {**GOOD, "c3": WORSE["c3"]}, c3=expect)
    commit(repo.path, "c3 is expected to fail")
    result = ci(repo, "-v")
    result.assert_outcomes(passed=7, xfailed=1)
    result.stdout.fnmatch_lines(
        [
            "known failures added in this pull request (accepted): 1 case (cases.jsonl::c3); "
            "largest drop cases.jsonl::c3 faithfulness 1.000 -> 0.909",
            "  cases.jsonl::c3: fails on faithfulness; recorded in its case file; faithfulness "
            "1.000 -> 0.909",
            "decision: passed",
        ]
    )
    # A case file's word does not cover hard evidence that the base's entry did not record:
    # under any it fails; under paired the finding is left to the run's test, listed.
    write(repo, {**GOOD, "c3": YEAR}, c3={"expect": "fail"})
    result = ci(repo, "--summgate-hard-evidence=any")
    result.assert_outcomes(passed=7, failed=1)
    result.stdout.fnmatch_lines(["decision: blocked by 1 case with hard evidence*"])
    paired = ci(repo)
    paired.assert_outcomes(passed=7, xpassed=1)
    paired.stdout.fnmatch_lines(["hard evidence: 1 case with new decisive findings, 0 fixed: *"])


def test_pruning_cases_that_no_longer_exist_passes_and_lists_them(repo: pytest.Pytester) -> None:
    write(repo, {k: v for k, v in GOOD.items() if k != "c7"})
    run(repo, UPDATE, "--summgate-prune-baseline")
    commit(repo.path, "c7 is gone")
    result = ci(repo, "-v")
    result.assert_outcomes(passed=7)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            f"removed from {BASELINE} in this pull request: 1 entry (their cases did not run)",
            "  cases.jsonl::c7: its case did not run",
            "decision: passed",
        ]
    )


def test_cases_the_case_files_take_out_of_the_comparison_are_listed(repo: pytest.Pytester) -> None:
    # A pull request's case files are its own (review them like code): cases under new ids,
    # or with an edited article, are compared with no base entry. The reviewer sees how many,
    # first, with the pull request's other changes to the gate.
    write(repo, {f"renamed-{k}": v for k, v in WORSE.items() if k != "c0"})
    commit(repo.path, "worse model, its cases renamed")
    result = ci(repo, "-v", "--summgate-report=report.json")
    result.stdout.fnmatch_lines(
        [
            "not compared with the base branch: 7 cases (7 new, 0 with a changed article or "
            "highlights)",
            "  cases.jsonl::renamed-c1: new",
            "decision: *",
        ]
    )
    assert report(repo)["not_compared"][0] == {
        "nodeid": "cases.jsonl::renamed-c1",
        "baseline": "new",
    }


# -- the contract, as plain functions ------------------------------------------------------------

SCORES = {"faithfulness": 0.8, "length": 40.0}
FINDING = "faithfulness: number 45 is not in the article"


def stored_case(failure: KnownFailure | None = None, **scores: float) -> StoredCase:
    return StoredCase("hash", {**SCORES, **scores}, failure)


@pytest.mark.parametrize(
    ("entry", "failing", "findings", "problem"),
    [
        (stored_case(), [], [], ""),
        (stored_case(faithfulness=0.8009), [], [], ""),  # within 0.001
        (stored_case(faithfulness=0.81), [], [], "faithfulness stored 0.8100, this run 0.8000"),
        (
            StoredCase("hash", {"length": 40.0}),
            [],
            [],
            "faithfulness is not stored (this run 0.8000)",
        ),
        (stored_case(rouge1=0.5), [], [], "rouge1 was not measured by this run"),
        (StoredCase("other", SCORES), [], [], "its article or highlights are not the case's *"),
        (stored_case(), ["length"], [], "stored as passing, this run fails on length"),
        (
            stored_case(KnownFailure(("faithfulness", "length"), "", ())),
            [],
            [],
            "stored as a known failure on faithfulness, length, this run passes",
        ),
        (
            stored_case(KnownFailure(("faithfulness", "length"), "", ())),
            ["length"],
            [],
            "stored as a known failure on faithfulness, length, this run fails on length",
        ),
        (stored_case(KnownFailure(("decisive",), "", (FINDING,))), ["decisive"], [FINDING], ""),
        (
            stored_case(KnownFailure(("decisive",), "", None)),
            ["decisive"],
            [FINDING],
            "its known failure records no decisive findings (an earlier version wrote it)",
        ),
        (
            stored_case(KnownFailure(("decisive",), "", ())),
            ["decisive"],
            [FINDING],
            f"its known failure does not record the decisive finding '{FINDING}'",
        ),
    ],
)
def test_an_accepted_entry_is_reproduced_only_when_the_run_would_write_it(
    entry: StoredCase, failing: list[str], findings: list[str], problem: str
) -> None:
    found = decision.reproduction(entry, SCORES, "hash", failing, findings)
    assert fnmatch.fnmatchcase(found, problem), found


def test_the_base_branch_is_the_reference_of_what_the_pull_request_removed_or_changed() -> None:
    base = Baseline("m", {"a": stored_case(), "b": stored_case(), "c": stored_case()})
    changed = stored_case(faithfulness=0.5)
    branch = Baseline("m", {"a": stored_case(), "b": changed, "new": stored_case()})
    contract = decision.contract(branch, base, True, "branch.json", "base.json")
    assert set(contract.reference) == {"a"}
    assert set(contract.accepted) == {"b", "new"}
    assert set(contract.removed) == {"c"}
    assert contract.judged_against("b", reproduced=True) == changed
    assert contract.judged_against("b", reproduced=False) == base.entries["b"]
    assert contract.judged_against("c", reproduced=False) == base.entries["c"]
    assert contract.judged_against("new", reproduced=False) is None
    assert set(contract.reference_baseline(["b"]).entries) == {"a", "b", "c"}
    assert set(contract.reference_baseline().entries) == {"a", "c"}
    # Without a base baseline (a local run) there is nothing to list.
    local = decision.contract(branch, None, False, "branch.json", "")
    assert not local.removed
    assert not local.accepted
    assert decision.changes(local, {}, {}, {}) == decision.Changes()
