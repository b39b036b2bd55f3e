"""The gate's decision when a model changes (pytester, lexical stand-in scorers).

Faithfulness here is the share of the weakest summary sentence's words found in the article
(``testing.LexicalScorer``), so a sentence of n article words and one foreign word scores
n/(n+1); a number in digits that the article lacks is hard evidence.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from conftest import LEXICAL_CONFTEST, case, jsonl

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
            "drops against the baseline (listed, not blocking): 4 cases; largest "
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
    result = run(gate)
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

    # The same case failing on a new check (hard evidence) is a failure.
    write(gate, {"k": WORSE["c0"].replace(".", " 1999."), "ok": GOOD["c1"]}, k=strict)
    run(gate).assert_outcomes(passed=1, failed=1)

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


def ci(gate: pytest.Pytester, base: str = "main") -> pytest.RunResult:
    """What the workflow runs on a pull request: the base branch's baseline, as git shows
    it (no file when the base branch has none), then the gate with it."""
    temp = gate.path.parent / f"{gate.path.name}-runner-temp"
    temp.mkdir(exist_ok=True)
    base_file = temp / "base-baseline.json"
    shown = git(gate.path, "show", f"{base}:{BASELINE}")
    if shown.returncode == 0:
        base_file.write_bytes(shown.stdout)
    else:
        base_file.unlink(missing_ok=True)
    return run(gate, f"--summgate-base-baseline={base_file}")


@pytest.fixture
def repo(gate: pytest.Pytester) -> pytest.Pytester:
    """A model repository: main has the cases and a committed baseline; a feature branch."""
    gate.path.joinpath(".gitignore").write_text(".pytest_cache/\n__pycache__/\n")
    assert git(gate.path, "init", "-q", "-b", "main").returncode == 0
    write(gate, GOOD)
    run(gate, UPDATE)
    commit(gate.path, "cases and baseline")
    git(gate.path, "checkout", "-q", "-b", "feature")
    return gate


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
            "decision: passed",
            "accepted in this pull request: 8 entries (0 new cases); largest drop "
            "cases.jsonl::c0 faithfulness 1.000 -> 0.909; -v lists them",
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
    result.stdout.fnmatch_lines(
        [
            "*suite gate failed: accepted entries 0 of 8 reproduced*",
            "baseline entries not produced by a run*",
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
