"""The regression gate end to end: baselines, tolerances, suite gates, xdist (pytester).

Every run uses the lexical stand-in scorers (the ``gate`` fixture): faithfulness is the share
of the weakest summary sentence's words found in the article, so a summary with one word the
article never uses scores exactly n/(n+1), and every figure below is known in advance.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ARTICLE, GOOD_SUMMARY, case, jsonl

BASELINE = ".summgate/baseline.json"
UPDATE = "--summgate-update-baseline"

# 10 of 13 words in the article: faithfulness 0.77, above the 0.10 bar, 0.23 below 1.00.
WORSE_SUMMARY = "The city council approved a new budget on Tuesday with glee and fanfare."
# One sentence of 2/3: stored as 0.6667, measured as 0.666667.
TWO_THIRDS_SUMMARY = "The city council approved a new budget on Tuesday. Budget adds glee."
# The same 13 words long as WORSE_SUMMARY (a longer one would regress on compression), all
# of them in the article.
BETTER_SUMMARY = "The city council approved a new budget on Tuesday after a long debate."
SHORT_SUMMARY = "The city council approved a new budget on Tuesday."  # 9 words
ARTICLE_WORDS_TEXT = (
    "the mayor said the plan would help families across the city and the budget adds money "
    "for schools and parks after the council approved a new budget on Tuesday after a long "
    "debate and the vote was seven to two"
)  # 41 words, every one of them in ARTICLE


def long_summary(words: int, foreign: str = "") -> str:
    """One sentence of ``words`` article words, and optionally one word the article lacks."""
    chosen = ARTICLE_WORDS_TEXT.split()[:words]
    return " ".join([*chosen, foreign] if foreign else chosen).capitalize() + "."


@pytest.fixture
def gate(gate: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    # Off CI (and off GitHub): the short summary is one line, and no annotations are printed.
    # Not an xdist worker either, when this suite itself runs under -n: runs here start anew.
    for name in ("CI", "BUILD_NUMBER", "GITHUB_ACTIONS", "PYTEST_XDIST_WORKER"):
        monkeypatch.delenv(name, raising=False)
    # This file tests the per-case rule (tolerances, directions, the remedy), which fails a
    # case only when asked to, and the paired faithfulness gate, which is off by default
    # (these cases have no highlights for the default gates); test_decision.py tests the
    # defaults.
    addopts = " ".join(
        [
            os.environ.get("PYTEST_ADDOPTS", ""),
            "--summgate-case-regressions=fail",
            "--summgate-suite=max_mean_drop_faithfulness=0.01",
            "--summgate-suite=confidence=0.95",
        ]
    )
    monkeypatch.setenv("PYTEST_ADDOPTS", addopts)
    return gate


def write_cases(gate: pytest.Pytester, **summaries: str) -> None:
    gate.makefile(".jsonl", cases=jsonl(*(case(id=k, summary=v) for k, v in summaries.items())))


def run(gate: pytest.Pytester, *args: str) -> pytest.RunResult:
    result = gate.runpytest("--summgate", *args)
    assert_clean(result)
    return result


def assert_clean(result: pytest.RunResult) -> None:
    """No traceback, no internal error, no source line anywhere in the output."""
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output
    assert "INTERNALERROR" not in output
    assert not re.search(r"\.py:\d+", output), output


def stored(gate: pytest.Pytester, path: str = BASELINE) -> dict[str, dict[str, float]]:
    data = json.loads(gate.path.joinpath(path).read_text(encoding="utf-8"))
    return {nodeid: entry["scores"] for nodeid, entry in data["cases"].items()}


def baseline_line(compared: int, regressed: int, new: int, changed: int) -> str:
    # Drops fail their case in this file (summgate_case_regressions = fail).
    cases = "case" if compared == 1 else "cases"
    return (
        f"baseline {BASELINE}: {compared} {cases} compared, {regressed} regressed (failing); "
        f"{new} new and {changed} with a changed article or highlights (not compared)"
    )


# -- update, then compare -------------------------------------------------------------------


def test_update_writes_a_stable_file_and_says_so(gate: pytest.Pytester) -> None:
    write_cases(gate, b=GOOD_SUMMARY, a=TWO_THIRDS_SUMMARY)
    result = run(gate, UPDATE)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [f"baseline written: {BASELINE} now holds 2 cases (2 measured in this run)"]
    )
    text = gate.path.joinpath(BASELINE).read_text(encoding="utf-8")
    data = json.loads(text)
    assert list(data) == ["cases", "model", "version"]
    assert list(data["cases"]) == ["cases.jsonl::a", "cases.jsonl::b"]
    assert data["version"] == 1
    a = data["cases"]["cases.jsonl::a"]
    assert list(a) == ["content", "scores", "summary"]
    assert re.fullmatch(r"[0-9a-f]{16}", a["content"])
    # The summary it was scored on, one line under its scores: the diff of a pull request
    # shows the summary that changed with the scores that moved.
    assert a["summary"] == TWO_THIRDS_SUMMARY
    assert f'      "summary": {json.dumps(TWO_THIRDS_SUMMARY)}\n' in text
    assert list(a["scores"]) == sorted(a["scores"])
    assert a["scores"]["faithfulness"] == 0.6667
    assert a["scores"]["length"] == 12
    # Four decimals at most, one score a line, a final newline: a diff that reads well.
    assert re.findall(r"\d\.\d{5,}", text) == []
    assert '        "faithfulness": 0.6667,\n' in text
    assert text.endswith("}\n")
    assert [p.name for p in gate.path.joinpath(".summgate").iterdir()] == ["baseline.json"]


def test_the_same_scores_pass_and_the_file_is_left_alone(gate: pytest.Pytester) -> None:
    write_cases(gate, a=GOOD_SUMMARY, b=TWO_THIRDS_SUMMARY)
    run(gate, UPDATE)
    before = gate.path.joinpath(BASELINE).read_bytes()
    result = run(gate)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([baseline_line(compared=2, regressed=0, new=0, changed=0)])
    assert gate.path.joinpath(BASELINE).read_bytes() == before


def test_unchanged_scores_pass_with_zero_tolerance(gate: pytest.Pytester) -> None:
    write_cases(gate, a=TWO_THIRDS_SUMMARY)
    run(gate, UPDATE)
    result = run(
        gate,
        "--summgate-tolerance",
        "faithfulness=0",
        "--summgate-suite",
        "max_mean_drop_faithfulness=0",
    )
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK


def test_a_worse_summary_fails_as_a_regression_ending_with_the_remedy(
    gate: pytest.Pytester,
) -> None:
    write_cases(gate, a=GOOD_SUMMARY, b=GOOD_SUMMARY)
    run(gate, UPDATE)
    write_cases(gate, a=GOOD_SUMMARY, b=WORSE_SUMMARY)
    result = run(gate, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    verdict = "1 metric regressed against the baseline: faithfulness 0.77 (was 1.00)"
    result.stdout.fnmatch_lines(
        [
            "*_ case: b _*",
            verdict,
            "  check * score * rule * margin",
            "  faithfulness * 0.77 * >= 0.10 * +0.67 * ok",
            "  regressed * baseline * now * delta * tolerance",
            "  faithfulness * 1.00 * 0.77 * -0.23 * 0.05",
            '  least supported: "The city council approved a new budget on Tuesday with glee*',
            "  cases.jsonl:2",
            # pytester adds --basetemp to the command line: the remedy repeats it.
            "  to accept the new scores: pytest --summgate -p no:cacheprovider *"
            "--summgate-update-baseline",
            "*= summgate =*",
            "2 cases: 1 passed, 1 failed, 0 could not be checked",
            "  cases.jsonl::b: faithfulness (regressed)",
            baseline_line(compared=2, regressed=1, new=0, changed=0),
            "*= short test summary info =*",
            "FAILED cases.jsonl::b - 1 metric regressed against the baseline: faithfulness*",
        ]
    )
    # The remedy is the last line of the failure block.
    lines = result.stdout.lines
    remedy = next(i for i, line in enumerate(lines) if "to accept the new scores" in line)
    assert re.match(r"^=+ summgate =+$", lines[remedy + 1])


def test_the_summary_table_counts_a_regression_as_a_failure_of_its_metric(
    gate: pytest.Pytester,
) -> None:
    write_cases(gate, a=GOOD_SUMMARY, b=GOOD_SUMMARY)
    run(gate, UPDATE)
    write_cases(gate, a=GOOD_SUMMARY, b=WORSE_SUMMARY)
    result = run(gate)
    result.stdout.fnmatch_lines(
        ["  check * mean * min * failed", "  faithfulness * 0.88 * 0.77 * 1"]
    )


def regressed_with_a_ci_copy(gate: pytest.Pytester, folder: str) -> Path:
    """A case stored, then worse; the stored baseline copied outside the project, as a CI
    job copies main's baseline to its temporary directory."""
    write_cases(gate, a=GOOD_SUMMARY)
    run(gate, UPDATE)
    write_cases(gate, a=WORSE_SUMMARY)
    ci_copy = gate.path.parent / folder / "baseline.json"
    ci_copy.parent.mkdir()
    ci_copy.write_bytes(gate.path.joinpath(BASELINE).read_bytes())
    return ci_copy


def test_the_remedy_leaves_out_a_ci_copy_of_the_baseline_and_report_options(
    gate: pytest.Pytester,
) -> None:
    ci_copy = regressed_with_a_ci_copy(gate, "runner-temp")
    result = run(gate, "-n", "0", f"--summgate-baseline={ci_copy}",
                 "--summgate-report=r.json", "--junitxml", "j.xml")  # fmt: skip
    result.assert_outcomes(failed=1)
    remedy = next(line for line in result.stdout.lines if "to accept the new scores" in line)
    # (pytester adds --basetemp to every command line: the remedy repeats it.)
    assert re.search(r"pytest --summgate -n 0 --basetemp=\S+ --summgate-update-baseline$", remedy)
    for left_out in ("runner-temp", "r.json", "j.xml", "--junitxml", "--summgate-report"):
        assert left_out not in remedy
    # A baseline inside the project is the one to update: it stays.
    result = run(gate, "--summgate-baseline", BASELINE, "-n", "0")
    remedy = next(line for line in result.stdout.lines if "to accept the new scores" in line)
    assert f"--summgate-baseline {BASELINE} -n 0 " in remedy


def test_a_path_option_that_would_move_the_rootdir_is_refused(gate: pytest.Pytester) -> None:
    outside = regressed_with_a_ci_copy(gate, "runner-temp-2")
    # pytest takes the separate value for a test path when it picks the rootdir: the node
    # ids would change and no stored case would be compared.
    result = gate.runpytest("--summgate", "--summgate-baseline", str(outside))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            f"*summgate: --summgate-baseline {outside}: pytest chose its rootdir "
            f"({outside.parent.parent}) from this path, *; "
            f"write --summgate-baseline={outside}"
        ]
    )
    # Written with "=", or with the cases' path (an ini file is then found), it is compared.
    for args in ([f"--summgate-baseline={outside}"], ["cases.jsonl", "--summgate-baseline",
                                                      str(outside)]):  # fmt: skip
        result = gate.runpytest("--summgate", *args)
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(["1 metric regressed against the baseline: faithfulness*"])


def test_the_remedy_accepts_the_new_scores(gate: pytest.Pytester) -> None:
    write_cases(gate, a=GOOD_SUMMARY)
    run(gate, UPDATE)
    write_cases(gate, a=WORSE_SUMMARY)
    run(gate).assert_outcomes(failed=1)
    run(gate, UPDATE).assert_outcomes(passed=1)
    assert stored(gate)["cases.jsonl::a"]["faithfulness"] == 0.7692
    run(gate).assert_outcomes(passed=1)


def test_a_better_summary_passes(gate: pytest.Pytester) -> None:
    write_cases(gate, a=WORSE_SUMMARY)
    run(gate, UPDATE)
    write_cases(gate, a=BETTER_SUMMARY)
    result = run(gate)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([baseline_line(compared=1, regressed=0, new=0, changed=0)])


def test_new_and_changed_cases_are_not_compared_and_are_counted(gate: pytest.Pytester) -> None:
    write_cases(gate, same=GOOD_SUMMARY, edited=GOOD_SUMMARY)
    run(gate, UPDATE)
    gate.makefile(
        ".jsonl",
        cases=jsonl(
            case(id="same", summary=GOOD_SUMMARY),
            # The article changed: its stored scores say nothing about this summary.
            case(id="edited", summary=WORSE_SUMMARY, article=ARTICLE + " It rained."),
            case(id="added", summary=WORSE_SUMMARY),
        ),
    )
    result = run(gate)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([baseline_line(compared=1, regressed=0, new=1, changed=1)])


def test_changed_highlights_make_a_case_changed(gate: pytest.Pytester) -> None:
    gate.makefile(".jsonl", cases=jsonl(case(id="a", highlights=["The council approved"])))
    run(gate, UPDATE)
    gate.makefile(".jsonl", cases=jsonl(case(id="a", highlights=["Taxes will rise"])))
    # Coverage fell from 1 to 0, but against other highlights: not compared. With a baseline
    # in force only a bar the user set decides: here the ini's.
    gate.makeini("[pytest]\nsummgate_thresholds = coverage=0.4\n")
    result = run(gate)
    result.assert_outcomes(failed=1)  # the absolute coverage bar, not a regression
    result.stdout.fnmatch_lines([baseline_line(compared=0, regressed=0, new=0, changed=1)])
    assert "regressed against the baseline" not in result.stdout.str()


def test_cases_not_run_keep_their_stored_scores(gate: pytest.Pytester) -> None:
    write_cases(gate, a=GOOD_SUMMARY, b=GOOD_SUMMARY)
    run(gate, UPDATE)
    write_cases(gate, a=WORSE_SUMMARY, b=WORSE_SUMMARY)
    result = run(gate, UPDATE, "--deselect", "cases.jsonl::b")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(
        [f"baseline written: {BASELINE} now holds 2 cases (1 measured in this run)"]
    )
    scores = stored(gate)
    assert scores["cases.jsonl::a"]["faithfulness"] == 0.7692
    assert scores["cases.jsonl::b"]["faithfulness"] == 1.0


def test_prune_drops_stored_cases_that_no_longer_exist(gate: pytest.Pytester) -> None:
    write_cases(gate, a=GOOD_SUMMARY, b=GOOD_SUMMARY, c=GOOD_SUMMARY)
    gate.makefile(".jsonl", other=jsonl(case(id="x")))
    run(gate, UPDATE)
    write_cases(gate, a=GOOD_SUMMARY, b=GOOD_SUMMARY)  # c is gone
    result = run(gate, UPDATE, "--summgate-prune-baseline")
    result.stdout.fnmatch_lines(
        [f"baseline written: {BASELINE} now holds 3 cases (3 measured in this run, 1 pruned)"]
    )
    assert list(stored(gate)) == ["cases.jsonl::a", "cases.jsonl::b", "other.jsonl::x"]
    # Cases that still exist are kept, whether or not this run selected them.
    run(gate, UPDATE, "--summgate-prune-baseline", "--deselect", "cases.jsonl::b")
    run(gate, UPDATE, "--summgate-prune-baseline", "cases.jsonl")
    assert list(stored(gate)) == ["cases.jsonl::a", "cases.jsonl::b", "other.jsonl::x"]
    # A deleted case file takes its cases with it.
    gate.path.joinpath("other.jsonl").unlink()
    result = run(gate, UPDATE, "--summgate-prune-baseline")
    result.stdout.fnmatch_lines(
        [f"baseline written: {BASELINE} now holds 2 cases (2 measured in this run, 1 pruned)"]
    )
    assert list(stored(gate)) == ["cases.jsonl::a", "cases.jsonl::b"]


def test_without_update_nothing_is_written(gate: pytest.Pytester) -> None:
    write_cases(gate, a=GOOD_SUMMARY)
    result = run(gate, "--summgate-prune-baseline")
    result.stdout.fnmatch_lines(
        [
            f"no baseline at {BASELINE}: run with --summgate-update-baseline to store these "
            f"scores and gate later runs against them"
        ]
    )
    assert not gate.path.joinpath(".summgate").exists()


# -- the baseline file: where, and when it is broken ----------------------------------------


def test_the_baseline_path_from_the_command_line_and_the_ini(gate: pytest.Pytester) -> None:
    write_cases(gate, a=GOOD_SUMMARY)
    run(gate, UPDATE, "--summgate-baseline", "gate/cli.json")
    assert list(stored(gate, "gate/cli.json")) == ["cases.jsonl::a"]
    gate.makeini("[pytest]\nsummgate_baseline = gate/ini.json\n")
    run(gate, UPDATE)
    assert list(stored(gate, "gate/ini.json")) == ["cases.jsonl::a"]
    assert not gate.path.joinpath(BASELINE).exists()


def test_a_baseline_path_on_the_command_line_is_relative_to_where_pytest_runs(
    gate: pytest.Pytester,
) -> None:
    sub = gate.mkdir("sub")
    sub.joinpath("cases.jsonl").write_text(jsonl(case(id="a")), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(sub)
        run(gate, UPDATE, "--summgate-baseline", "mine.json", str(sub))
    assert sub.joinpath("mine.json").exists()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "Expecting property name enclosed in double quotes*"),
        ('{"version": 2, "cases": {}}', "expected a version 1 summgate baseline"),
        ('{"version": 1}', "'cases'"),
        (
            '{"version": 1, "cases": {"cases.jsonl::a": {"content": "x", "scores": '
            '{"faithfulness": NaN}}}}',
            "score nan is not a finite number",
        ),
    ],
    ids=["not JSON", "wrong version", "missing key", "NaN score"],
)
def test_a_corrupt_baseline_is_a_usage_error_and_is_left_alone(
    gate: pytest.Pytester, text: str, problem: str
) -> None:
    write_cases(gate, a=GOOD_SUMMARY)
    gate.path.joinpath(".summgate").mkdir()
    gate.path.joinpath(BASELINE).write_text(text, encoding="utf-8")
    result = run(gate)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            f"ERROR: summgate: baseline {gate.path / BASELINE} is corrupt ({problem}); restore "
            f"it from version control, or recreate it with --summgate-update-baseline"
        ]
    )
    assert gate.path.joinpath(BASELINE).read_text(encoding="utf-8") == text


def test_a_corrupt_baseline_is_replaced_when_updating(gate: pytest.Pytester) -> None:
    write_cases(gate, a=GOOD_SUMMARY)
    gate.path.joinpath(".summgate").mkdir()
    gate.path.joinpath(BASELINE).write_text("<<<<<<< HEAD\n", encoding="utf-8")
    result = run(gate, UPDATE)
    result.assert_outcomes(passed=1)
    assert list(stored(gate)) == ["cases.jsonl::a"]


def test_an_unreadable_baseline_is_a_usage_error(gate: pytest.Pytester) -> None:
    write_cases(gate, a=GOOD_SUMMARY)
    gate.path.joinpath(BASELINE).mkdir(parents=True)  # a directory where the file should be
    result = run(gate)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: summgate: baseline * cannot be read: Is a directory"])


# -- direction and tolerance ----------------------------------------------------------------

LONG = long_summary(40)  # 40 words


def test_a_shorter_summary_never_fails_when_only_max_words_is_set(gate: pytest.Pytester) -> None:
    only_max = ("--summgate-threshold", "min_words=off")
    write_cases(gate, a=LONG)
    run(gate, UPDATE, *only_max)
    write_cases(gate, a=SHORT_SUMMARY)  # 9 words: 31 fewer, tolerance 10
    result = run(gate, *only_max)
    # LONG broke max_compression when stored (a known failure); the short one passes: XPASS.
    result.assert_outcomes(xpassed=1)
    result.stdout.fnmatch_lines([baseline_line(compared=1, regressed=0, new=0, changed=0)])


def test_a_longer_summary_fails_when_max_words_is_set(gate: pytest.Pytester) -> None:
    # A bound the user set: built-in length bounds do not make growth a regression.
    thresholds = (
        "--summgate-threshold",
        "min_words=off",
        "--summgate-threshold",
        "max_compression=off",
        "--summgate-threshold",
        "max_words=150",
    )
    write_cases(gate, a=SHORT_SUMMARY)
    run(gate, UPDATE, *thresholds)
    write_cases(gate, a=LONG)
    result = run(gate, *thresholds)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "1 metric regressed against the baseline: length 40 (was 9)",
            "  regressed * baseline * now * delta * tolerance",
            "  length * 9 w * 40 w * +31 * 10",
        ]
    )


def test_a_longer_summary_inside_the_built_in_bounds_is_no_regression(
    gate: pytest.Pytester,
) -> None:
    # max_words=150 stays the built-in one: 9 to 40 words is no regression towards it.
    args = ("--summgate-threshold", "min_words=off", "--summgate-threshold", "max_compression=off")
    write_cases(gate, a=SHORT_SUMMARY)
    run(gate, UPDATE, *args)
    write_cases(gate, a=LONG)
    run(gate, *args).assert_outcomes(passed=1)


def test_a_longer_summary_passes_when_no_length_bound_is_set(gate: pytest.Pytester) -> None:
    thresholds = [
        f"--summgate-threshold={t}=off" for t in ("min_words", "max_words", "max_compression")
    ]
    write_cases(gate, a=SHORT_SUMMARY)
    run(gate, UPDATE, *thresholds)
    write_cases(gate, a=LONG)
    run(gate, *thresholds).assert_outcomes(passed=1)


def test_a_shorter_summary_fails_when_only_min_words_is_set(gate: pytest.Pytester) -> None:
    only_min = ("--summgate-threshold", "max_words=off", "--summgate-threshold", "min_words=10")
    write_cases(gate, a=long_summary(30))
    run(gate, UPDATE, *only_min, "--summgate-threshold", "max_compression=off")
    write_cases(gate, a=GOOD_SUMMARY)  # 17 words: 13 fewer
    result = run(gate, *only_min)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["1 metric regressed against the baseline: length 17 (was 30)"])


@pytest.mark.parametrize(
    "where",
    ["command line", "ini", "case"],
)
def test_tolerance_from_the_command_line_the_ini_or_the_case(
    gate: pytest.Pytester, where: str
) -> None:
    write_cases(gate, a=GOOD_SUMMARY)
    run(gate, UPDATE)
    args: list[str] = []
    row = case(id="a", summary=WORSE_SUMMARY)  # a drop of 0.23
    if where == "command line":
        args = ["--summgate-tolerance", "faithfulness=0.25"]
    elif where == "ini":
        gate.makeini("[pytest]\nsummgate_tolerance =\n    faithfulness=0.25\n")
    else:
        row["tolerance"] = {"faithfulness": 0.25}
    gate.makefile(".jsonl", cases=jsonl(row))
    run(gate, *args).assert_outcomes(passed=1)


def test_a_case_tolerance_wins_over_the_command_line(gate: pytest.Pytester) -> None:
    write_cases(gate, a=GOOD_SUMMARY, b=GOOD_SUMMARY)
    run(gate, UPDATE)
    gate.makefile(
        ".jsonl",
        cases=jsonl(
            case(id="a", summary=WORSE_SUMMARY, tolerance={"faithfulness": 0.1}),
            case(id="b", summary=WORSE_SUMMARY),
        ),
    )
    result = run(gate, "--summgate-tolerance", "faithfulness=0.25")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["  faithfulness * 1.00 * 0.77 * -0.23 * 0.10"])
    result.stdout.fnmatch_lines(["FAILED cases.jsonl::a - 1 metric regressed*"])


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--summgate-tolerance=faithfulnes=0.1", "unknown metric 'faithfulnes' for a tolerance"),
        ("--summgate-tolerance=coverage=-1", "tolerance coverage must be 0 or more, not '-1'"),
        ("--summgate-suite=pass_rate=2", "suite gate pass_rate must be between 0 and 1, not '2'"),
        ("--summgate-suite=mean_lenght=0.5", "unknown suite gate 'mean_lenght'"),
    ],
)
def test_a_bad_tolerance_or_suite_gate_is_a_usage_error(
    gate: pytest.Pytester, option: str, message: str
) -> None:
    write_cases(gate, a=GOOD_SUMMARY)
    result = run(gate, option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: summgate: --summgate-*: {message}*"])


# -- suite gates ----------------------------------------------------------------------------


def test_passing_suite_gates_print_their_figures_and_add_no_test(gate: pytest.Pytester) -> None:
    write_cases(gate, a=GOOD_SUMMARY, b=WORSE_SUMMARY)
    result = run(
        gate,
        "--summgate-suite",
        "pass_rate=1",
        "--summgate-suite",
        "mean_faithfulness=0.8",
        "--junitxml=out.xml",
    )
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*= summgate suite gates =*",
            "  gate * observed * rule",
            "  pass_rate * 1.00 * >= 1.00 * ok  (2 of 2 cases passed)",
            "  mean_faithfulness * 0.885 * >= 0.80 * ok  (over 2 cases)",
        ]
    )
    assert "suite-gates" not in result.stdout.str()
    assert "suite-gates" not in gate.path.joinpath("out.xml").read_text()


def test_a_failing_suite_gate_is_a_failed_test_of_its_own(gate: pytest.Pytester) -> None:
    write_cases(gate, a=GOOD_SUMMARY, b=WORSE_SUMMARY)
    result = run(gate, "--summgate-suite", "mean_faithfulness=0.9", "--junitxml=out.xml")
    result.assert_outcomes(passed=2, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    verdict = "1 suite gate failed: mean_faithfulness 0.885 (rule >= 0.90)"
    result.stdout.fnmatch_lines(
        [
            "*_ suite gates _*",
            verdict,
            "  gate * observed * rule",
            "  mean_faithfulness * 0.885 * >= 0.90 * FAIL  (over 2 cases)",
            "*= summgate suite gates =*",
            "  mean_faithfulness * 0.885 * >= 0.90 * FAIL  (over 2 cases)",
            "*= short test summary info =*",
            "FAILED summgate::suite-gates - 1 suite gate failed: mean_faithfulness 0.885*",
            "*= 1 failed, 2 passed in *",
        ]
    )
    suite_case = junit_case(gate, "suite-gates")
    assert suite_case.get("classname") == "summgate"
    failure = suite_case.find("failure")
    assert failure is not None
    assert verdict in (failure.get("message") or "")
    properties = {p.get("name"): p.get("value") for p in suite_case.iter("property")}
    assert properties == {"mean_faithfulness": "0.885"}


def junit_case(gate: pytest.Pytester, name: str) -> ET.Element:
    root = ET.parse(gate.path / "out.xml").getroot()
    (found,) = [c for c in root.iter("testcase") if c.get("name") == name]
    suite_element = root.find("testsuite")
    assert suite_element is not None
    assert suite_element.get("failures") == "1"
    return found


def test_a_failing_suite_is_never_green_dots_then_a_traceback(gate: pytest.Pytester) -> None:
    write_cases(gate, a=GOOD_SUMMARY, b=GOOD_SUMMARY, c=GOOD_SUMMARY)
    result = run(gate, "--summgate-suite", "mean_faithfulness=1")
    result.assert_outcomes(passed=3)  # nothing fails: no suite test either
    write_cases(gate, a=GOOD_SUMMARY, b=WORSE_SUMMARY, c=WORSE_SUMMARY)
    result = run(gate, "--summgate-suite", "mean_faithfulness=0.9")
    result.assert_outcomes(passed=3, failed=1)
    # The suite's F is on a line of its own, like any failing test, and the count adds up.
    result.stdout.fnmatch_lines(
        ["cases.jsonl ... * [[] 75%[]]", "summgate F * [[]100%[]]", "", "*= FAILURES =*"]
    )


def test_pass_rate_counts_failed_and_unchecked_cases(gate: pytest.Pytester) -> None:
    gate.makefile(
        ".jsonl",
        cases=jsonl(
            case(id="ok"), case(id="worse", summary=WORSE_SUMMARY), case(id="bad", summary="")
        ),
    )
    result = run(
        gate, "--summgate-suite", "pass_rate=0.5", "--summgate-threshold", "faithfulness=0.9"
    )
    result.assert_outcomes(passed=1, failed=2, errors=1)
    result.stdout.fnmatch_lines(["  pass_rate * 0.33 * >= 0.50 * FAIL  (1 of 3 cases passed)"])


def drops(gate: pytest.Pytester, foreign: str = "") -> None:
    """Six cases of long article sentences; with ``foreign``, each one word off the article."""
    rows = [case(id=f"c{n}", summary=long_summary(n, foreign)) for n in range(30, 42, 2)]
    gate.makefile(".jsonl", drops=jsonl(*rows))


NO_LENGTH = ("--summgate-threshold", "max_compression=off")


def test_many_small_drops_within_tolerance_fail_the_run(gate: pytest.Pytester) -> None:
    drops(gate)
    run(gate, UPDATE, *NO_LENGTH)
    drops(gate, foreign="yesterday")  # faithfulness 1.00 -> n/(n+1): -0.024 to -0.032
    result = run(gate, *NO_LENGTH)
    result.assert_outcomes(passed=6, failed=1)  # every case is within its 0.05
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "1 suite gate failed: faithfulness vs baseline -0.028 [[]95% CI -0.03*, -0.02*[]] "
            "(rule CI not all below -0.010)",
            baseline_line(compared=6, regressed=0, new=0, changed=0),
            "*= summgate suite gates =*",
            "  gate * observed * rule",
            "  faithfulness vs baseline * -0.028 [[]95% CI -0.03*, -0.02*[]] * CI not all below "
            "-0.010 * FAIL  (paired over 6 cases)",
            "  (bootstrap: 2000 resamples, seed 20261125)",
            "FAILED summgate::suite-gates - 1 suite gate failed: faithfulness vs baseline*",
        ]
    )
    # Allowing a larger mean drop, or switching the gate off, lets the run pass.
    for allowed in ("0.05", "off"):
        result = run(gate, *NO_LENGTH, f"--summgate-suite=max_mean_drop_faithfulness={allowed}")
        result.assert_outcomes(passed=6)


def test_suite_gates_from_the_ini(gate: pytest.Pytester) -> None:
    gate.makeini("[pytest]\nsummgate_suite =\n    pass_rate=0.9\n    mean_faithfulness=0.5\n")
    write_cases(gate, a=GOOD_SUMMARY, b=WORSE_SUMMARY)
    result = run(gate, "--summgate-threshold", "faithfulness=0.9")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["1 suite gate failed: pass_rate 0.50 (rule >= 0.90)"])


def test_no_suite_judgement_while_updating(gate: pytest.Pytester) -> None:
    drops(gate)
    run(gate, UPDATE, *NO_LENGTH)
    drops(gate, foreign="yesterday")
    result = run(gate, UPDATE, *NO_LENGTH)
    result.assert_outcomes(passed=6)
    assert "vs baseline" not in result.stdout.str()


def test_the_bootstrap_is_reproducible_from_its_seed(gate: pytest.Pytester) -> None:
    drops(gate)
    run(gate, UPDATE, *NO_LENGTH)
    drops(gate, foreign="yesterday")
    gate.makefile(
        ".jsonl",
        more=jsonl(*(case(id=f"m{n}", summary=long_summary(n)) for n in range(20, 30))),
    )

    def interval(*args: str) -> list[str]:
        lines = run(gate, *NO_LENGTH, *args).stdout.lines
        return [
            line for line in lines if line.startswith("  (bootstrap") or "  faithfulness vs" in line
        ]

    first = interval("--summgate-seed", "7")
    assert first[-1] == "  (bootstrap: 2000 resamples, seed 7)"
    assert interval("--summgate-seed", "7") == first
    assert interval("--summgate-seed", "7", "-p", "no:randomly") == first
    assert interval("--summgate-seed", "8")[:-1] != first[:-1]


# -- xdist ----------------------------------------------------------------------------------

COUNTING_CONFTEST = """
import os
from pytest_summgate import baseline

_write = baseline.write

def _counted(path, data):
    who = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    with open("writers.log", "a", encoding="utf-8") as log:
        log.write(who + "\\n")
    _write(path, data)

baseline.write = _counted

def pytest_unconfigure(config):
    baseline.write = _write  # an in-process run leaves this process's module as it was
"""


def xdist_run(gate: pytest.Pytester, workers: str, *args: str) -> pytest.RunResult:
    result = gate.runpytest(
        "--summgate", "-n", workers, "-p", "no:cacheprovider", *NO_LENGTH, *args
    )
    assert_clean(result)
    return result


@pytest.mark.slow  # xdist workers: a second a run
def test_two_workers_write_the_same_bytes_and_only_the_controller_writes(
    gate: pytest.Pytester,
) -> None:
    gate.makeconftest(gate.path.joinpath("conftest.py").read_text() + COUNTING_CONFTEST)
    drops(gate)
    write_cases(gate, a=GOOD_SUMMARY, b=WORSE_SUMMARY)
    xdist_run(gate, "0", UPDATE, "--summgate-baseline", "serial.json")
    xdist_run(gate, "2", UPDATE, "--summgate-baseline", "parallel.json")
    serial = gate.path.joinpath("serial.json").read_bytes()
    assert gate.path.joinpath("parallel.json").read_bytes() == serial
    assert len(json.loads(serial)["cases"]) == 8
    assert gate.path.joinpath("writers.log").read_text() == "controller\ncontroller\n"
    assert sorted(p.name for p in gate.path.iterdir() if p.suffix == ".json") == [
        "parallel.json",
        "serial.json",
    ]


@pytest.mark.slow  # xdist workers: a second a run
def test_two_workers_give_the_same_outcomes(gate: pytest.Pytester) -> None:
    drops(gate)
    write_cases(gate, a=GOOD_SUMMARY, b=GOOD_SUMMARY)
    run(gate, UPDATE, *NO_LENGTH)
    drops(gate, foreign="yesterday")  # six small drops: the suite fails
    write_cases(gate, a=GOOD_SUMMARY, b=WORSE_SUMMARY)  # one regression

    def outcome(workers: str) -> tuple[object, ...]:
        result = xdist_run(gate, workers, "--junitxml=out.xml")
        result.assert_outcomes(passed=7, failed=2)
        lines = result.stdout.lines
        suite_lines = [line for line in lines if "vs baseline" in line]
        summary = [line for line in lines if line.startswith(("baseline ", "8 cases"))]
        failed = sorted(line for line in lines if line.startswith("FAILED "))
        xml = ET.parse(gate.path / "out.xml").getroot().find("testsuite")
        assert xml is not None
        counts = (xml.get("tests"), xml.get("failures"), xml.get("errors"))
        return result.ret, suite_lines, summary, failed, counts

    serial = outcome("0")
    assert serial[0] == pytest.ExitCode.TESTS_FAILED
    assert serial[4] == ("9", "2", "0")
    assert outcome("2") == serial
