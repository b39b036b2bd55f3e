"""CI reports: the JSON report and its schema, the GitHub job summary and ::error annotations.

Every run uses the lexical stand-in scorers (the ``gate`` fixture), so no model loads; a
summary with one word the article never uses in a 13-word sentence scores 12/13.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from conftest import ARTICLE, BAD_SUMMARY, GOOD_SUMMARY, case, jsonl
from pytest_summgate import ci_outputs, job_summary, suite
from pytest_summgate.thresholds import BUILTIN_THRESHOLDS

# 10 of 13 words in the article: faithfulness 0.77, above the built-in bar, 0.23 below 1.00.
WORSE_SUMMARY = "The city council approved a new budget on Tuesday with glee and fanfare."
GITHUB_ENV = ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE")

# Counts the report writes of each process (the controller, or an xdist worker).
COUNTING_CONFTEST = """
import os
from pytest_summgate import controller

_write = controller.write_atomic

def _counted(path, text):
    with open("writers.log", "a", encoding="utf-8") as log:
        log.write(os.environ.get("PYTEST_XDIST_WORKER", "controller") + "\\n")
    _write(path, text)

controller.write_atomic = _counted

def pytest_unconfigure(config):
    controller.write_atomic = _write  # an in-process run leaves this process's module as it was
"""


@pytest.fixture
def gate(gate: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    # Off CI and off GitHub unless a test says otherwise; not an xdist worker either, when
    # this suite itself runs under -n.
    for name in ("CI", "BUILD_NUMBER", "PYTEST_XDIST_WORKER", *GITHUB_ENV):
        monkeypatch.delenv(name, raising=False)
    return gate


@pytest.fixture
def project(gate: pytest.Pytester) -> pytest.Pytester:
    """cases/news.yaml: good (line 1), bad (line 4); cases/more.jsonl: fine, empty (line 2)."""
    cases = gate.mkdir("cases")
    cases.joinpath("news.yaml").write_text(
        "".join(
            f"- id: {name}\n  article: {ARTICLE}\n  summary: {summary}\n"
            for name, summary in (("good", GOOD_SUMMARY), ("bad", BAD_SUMMARY))
        ),
        encoding="utf-8",
    )
    cases.joinpath("more.jsonl").write_text(
        jsonl(case(id="fine"), case(id="empty", summary="")), encoding="utf-8"
    )
    return gate


@pytest.fixture
def github(gate: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """GitHub Actions' environment; the job summary file, already holding an earlier step's."""
    summary = gate.path / "step_summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(gate.path))
    return summary


def read_report(gate: pytest.Pytester, path: str = "report.json") -> dict[str, Any]:
    report: dict[str, Any] = json.loads(gate.path.joinpath(path).read_text(encoding="utf-8"))
    return report


def validate(report: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(ci_outputs.SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)


def annotation_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if line.startswith("::")]


# -- the JSON report ----------------------------------------------------------------------


def test_the_json_report_holds_every_case_and_follows_its_schema(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest("--summgate", "--summgate-report", "report.json")
    result.assert_outcomes(passed=2, failed=1, errors=1)
    report = read_report(project)
    validate(report)
    assert report["totals"] == {
        "cases": 4,
        "passed": 2,
        "failed": 1,
        "errors": 1,
        "known_failures": 0,
        "now_pass": 0,
    }
    assert report["baseline"] is None
    assert report["suite"] == []
    assert report["unmatched_predictions"] == []
    assert report["settings"]["thresholds"]["faithfulness"] == {
        "value": BUILTIN_THRESHOLDS["faithfulness"],
        "source": "built-in default",
    }
    by_id = {c["id"]: c for c in report["cases"]}
    assert [c["nodeid"] for c in report["cases"]] == [
        "cases/more.jsonl::empty",
        "cases/more.jsonl::fine",
        "cases/news.yaml::bad",
        "cases/news.yaml::good",
    ]
    bad = by_id["bad"]
    assert (bad["path"], bad["line"], bad["outcome"]) == ("cases/news.yaml", 4, "failed")
    assert bad["verdict"].startswith("1 of 4 checks failed: faithfulness 0.")
    assert bad["reason"].startswith('least supported: "Zeppelins hovered')
    assert bad["message"].splitlines()[0] == bad["verdict"]
    assert (bad["checks"][0]["rule"], bad["checks"][0]["failed"]) == ("faithfulness", True)
    assert set(bad["scores"]) == {
        "faithfulness",
        "rouge1",
        "rouge2",
        "rougeL",
        "length",
        "compression",
        "coverage",
    }
    assert bad["scores"]["coverage"] is None  # no highlights
    good = by_id["good"]
    assert (good["outcome"], good["verdict"], good["message"]) == (
        "passed",
        "all checks passed",
        "",
    )
    empty = by_id["empty"]
    assert (empty["outcome"], empty["line"], empty["scores"]) == ("error", 2, {})
    assert empty["reason"] == "invalid case: 'summary' is empty"


def test_the_report_path_can_come_from_the_ini(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nsummgate_report = out/summgate.json\n")
    project.runpytest("--summgate").assert_outcomes(passed=2, failed=1, errors=1)
    assert read_report(project, "out/summgate.json")["totals"]["cases"] == 4


def test_baseline_and_suite_gates_in_the_report_and_the_job_summary(
    gate: pytest.Pytester, github: Path
) -> None:
    gate.makefile(".jsonl", cases=jsonl(case(id="a"), case(id="b")))
    gate.runpytest("--summgate", "--summgate-update-baseline", "--summgate-report", "first.json")
    validate(first := read_report(gate, "first.json"))
    assert first["baseline"] is None  # being updated, not compared
    assert {c["baseline"] for c in first["cases"]} == {None}
    gate.makefile(
        ".jsonl", cases=jsonl(case(id="a", summary=WORSE_SUMMARY), case(id="b"), case(id="n"))
    )
    github.write_text("", encoding="utf-8")
    result = gate.runpytest(
        "--summgate",
        "--summgate-report",
        "report.json",
        "--summgate-suite",
        "pass_rate=0.9",
        "--summgate-suite",
        "max_mean_drop_faithfulness=0.01",
        "--summgate-case-regressions=fail",
    )
    result.assert_outcomes(passed=2, failed=2)  # a regressed, and the suite gate
    report = read_report(gate)
    validate(report)
    assert report["baseline"] == {
        "path": ".summgate/baseline.json",
        "compared": 2,
        "dropped": 1,
        "regressed": 1,
        "drops": 1,
        "new": 1,
        "changed": 0,
        "accepted": 0,
    }
    by_id = {c["id"]: c for c in report["cases"]}
    assert [c["baseline"] for c in report["cases"]] == ["compared", "compared", "new"]
    (regression,) = by_id["a"]["regressions"]
    assert regression["metric"] == "faithfulness"
    assert (regression["baseline"], round(regression["now"], 4)) == (1.0, 0.7692)
    assert by_id["a"]["outcome"] == "failed"
    assert by_id["a"]["reason"] == 'least supported: "' + WORSE_SUMMARY + '"'
    assert report["suite"][0] == {
        "gate": "pass_rate",
        "observed": "0.67",
        "rule": ">= 0.90",
        "failed": True,
        "detail": "2 of 3 cases passed",
    }
    # Two pairs are shown but too few to judge.
    assert report["suite"][1]["gate"] == "faithfulness vs baseline"
    assert report["suite"][1]["failed"] is False
    summary = github.read_text(encoding="utf-8")
    assert (
        "Baseline `.summgate/baseline.json`: 2 cases compared, 1 regressed (failing); 1 new and "
        "0 with a changed article or highlights (not compared)."
    ) in summary
    assert "| pass_rate | 0.67 | >= 0.90 | **FAIL** |" in summary
    assert "| `cases.jsonl::a` | faithfulness | 1.000 | 0.769 | -0.231 |" in summary


# -- GitHub: the job summary and annotations -------------------------------------------------


def test_on_github_the_job_summary_is_appended_and_failures_annotated(
    project: pytest.Pytester, github: Path
) -> None:
    result = project.runpytest("--summgate")
    result.assert_outcomes(passed=2, failed=1, errors=1)
    summary = github.read_text(encoding="utf-8")
    assert summary.startswith("earlier step\n## summgate: blocked\n")
    lines = summary.splitlines()
    assert "4 cases: 2 passed, 1 failed, 1 could not be checked" in lines
    assert lines[lines.index("| check | mean | min | failed |") + 2].startswith("| faithfulness | ")
    faithfulness = next(line for line in lines if line.startswith("| faithfulness |"))
    assert faithfulness.endswith(" | 1 |")
    assert next(line for line in lines if line.startswith("| length |")).endswith(" w | 0 |")
    assert "| `cases/news.yaml::bad` | 1 of 4 checks failed: faithfulness 0." in summary
    assert '| least supported: "Zeppelins hovered above distant marshes' in summary
    assert (
        "| `cases/more.jsonl::empty` | invalid case: 'summary' is empty "
        "| invalid case: 'summary' is empty |" in lines
    )
    found = annotation_lines(result)
    assert len(found) == 2
    assert found[0].startswith(
        "::error file=cases/more.jsonl,line=2,title=summgate%3A empty::"
        "invalid case: 'summary' is empty%0A  cases/more.jsonl:2"
    )
    assert found[1].startswith(
        "::error file=cases/news.yaml,line=4,title=summgate%3A bad::1 of 4 checks failed: "
    )
    assert found[1].endswith("%0A  cases/news.yaml:4")


def test_annotation_paths_are_relative_to_the_workspace(
    project: pytest.Pytester, github: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The repository is checked out one level up: paths start with the project's directory.
    monkeypatch.setenv("GITHUB_WORKSPACE", str(project.path.parent))
    result = project.runpytest("--summgate", "-k", "bad")
    assert annotation_lines(result)[0].startswith(
        f"::error file={project.path.name}/cases/news.yaml,line=4,"
    )


def test_annotation_paths_when_pytest_runs_in_a_subdirectory(
    project: pytest.Pytester, github: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project.path / "cases")
    result = project.runpytest("--summgate", "-k", "bad", f"--rootdir={project.path}")
    assert annotation_lines(result)[0].startswith("::error file=cases/news.yaml,line=4,")


@pytest.mark.parametrize(
    ("github_actions", "args", "ini"),
    [
        (None, [], ""),
        ("true", ["--summgate-github", "off"], ""),
        ("true", [], "summgate_github = off\n"),
    ],
    ids=["GITHUB_ACTIONS unset", "--summgate-github off", "ini summgate_github = off"],
)
def test_no_github_output_unless_on_github(
    project: pytest.Pytester,
    github: Path,
    monkeypatch: pytest.MonkeyPatch,
    github_actions: str | None,
    args: list[str],
    ini: str,
) -> None:
    if github_actions is None:
        monkeypatch.delenv("GITHUB_ACTIONS")
    project.makeini(f"[pytest]\n{ini}")
    result = project.runpytest("--summgate", *args)
    result.assert_outcomes(passed=2, failed=1, errors=1)
    assert annotation_lines(result) == []
    assert github.read_text(encoding="utf-8") == "earlier step\n"


def test_github_output_switched_on_off_github(
    project: pytest.Pytester, github: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS")
    result = project.runpytest("--summgate", "--summgate-github", "on")
    assert len(annotation_lines(result)) == 2
    assert "## summgate: blocked" in github.read_text(encoding="utf-8")


def test_a_passing_run_says_so_and_annotates_nothing(gate: pytest.Pytester, github: Path) -> None:
    gate.makefile(".jsonl", cases=jsonl(case(id="a")))
    result = gate.runpytest("--summgate")
    result.assert_outcomes(passed=1)
    assert annotation_lines(result) == []
    assert "## summgate: passed" in github.read_text(encoding="utf-8")


def test_the_job_summary_does_not_depend_on_the_order_cases_finished() -> None:
    # Under xdist the controller receives reports in whatever order the workers finish.
    records = [
        {
            "nodeid": f"c.jsonl::{n}",
            "outcome": "failed",
            "verdict": f"v{n}",
            "reason": str(n),
            "scores": {"faithfulness": 0.1 * n},
            "checks": [],
            "regressions": [],
        }
        for n in range(1, 5)
    ]
    counts = suite.counts_of(records)
    assert job_summary.step_summary(records, [], None, counts=counts) == (
        job_summary.step_summary(records[::-1], [], None, counts=suite.counts_of(records[::-1]))
    )


def test_regressions_count_as_failures_in_the_job_summary_as_in_the_terminal() -> None:
    record = {
        "nodeid": "c.jsonl::a",
        "outcome": "failed",
        "verdict": "1 metric regressed against the baseline: faithfulness 0.77 (was 1.00)",
        "reason": "",
        "scores": {"faithfulness": 0.77},
        "checks": [{"metric": "faithfulness", "failed": False}],
        "regressions": [{"metric": "faithfulness", "baseline": 1.0, "now": 0.77, "delta": -0.23}],
    }
    counts = suite.counts_of([record])
    summary = job_summary.step_summary([record], [], None, counts=counts)
    assert "| faithfulness | 0.77 | 0.77 | 1 |" in summary


# -- under xdist ------------------------------------------------------------------------------


@pytest.mark.slow  # xdist workers: a second a run
def test_two_workers_one_report_the_same_report_and_every_score_in_junit(
    project: pytest.Pytester, github: Path
) -> None:
    project.makeconftest(project.path.joinpath("conftest.py").read_text() + COUNTING_CONFTEST)
    runs = {}
    for workers in ("0", "2"):
        github.write_text("", encoding="utf-8")
        result = project.runpytest(
            "--summgate",
            "-n",
            workers,
            "-p",
            "no:cacheprovider",
            f"--summgate-report=report-{workers}.json",
            f"--junitxml=junit-{workers}.xml",
        )
        result.assert_outcomes(passed=2, failed=1, errors=1)
        runs[workers] = (annotation_lines(result), github.read_text(encoding="utf-8"))
    assert project.path.joinpath("writers.log").read_text() == "controller\ncontroller\n"
    serial, parallel = read_report(project, "report-0.json"), read_report(project, "report-2.json")
    validate(parallel)
    assert parallel == serial
    assert runs["2"] == runs["0"]  # the same annotations, one identical job summary
    assert runs["2"][1].count("## summgate: blocked") == 1
    junit = ET.parse(project.path / "junit-2.xml").getroot()
    properties = {
        case.get("name"): {p.get("name"): float(p.get("value", "")) for p in case.iter("property")}
        for case in junit.iter("testcase")
    }
    assert properties == {
        c["id"]: {k: v for k, v in c["scores"].items() if v is not None} for c in parallel["cases"]
    }
