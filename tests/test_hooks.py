"""A model repository's hooks: generating summaries, joining predictions, custom scorers.

Every run uses the lexical stand-in scorers (the ``gate`` fixture), so no model loads. The
conftest hooks below stand for a model repo's own: a lead-2 summarizer that records its
calls, and two custom scorers.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import pytest

from conftest import (
    ARTICLE,
    BAD_SUMMARY,
    GOOD_SUMMARY,
    LEXICAL_CONFTEST,
    case,
    install_entry_point_scorer,
    jsonl,
)

NO_SUMMARY_HINT = (
    "invalid case: missing 'summary'; or give it one from your model with a "
    "pytest_summgate_generate hook in conftest.py, or --summgate-predictions"
)
RAISED = "pytest_summgate_generate raised RuntimeError: GPU out of memory (batch of 2 cases)"
ONE_SENTENCE = "The city council approved a new budget on Tuesday after a long debate."

# The lead-2 summary of ARTICLE is GOOD_SUMMARY; ids starting "bad" get BAD_SUMMARY and ids
# starting "boom" make the model raise. Each call is logged as "<process> <ids>".
GENERATE_HOOK = f"""
import os

BAD = {BAD_SUMMARY!r}

def pytest_summgate_generate(cases, config):
    with open(config.rootpath / "calls.log", "a", encoding="utf-8") as log:
        who = os.environ.get("PYTEST_XDIST_WORKER", "controller")
        log.write(" ".join([who, *(case.id for case in cases)]) + "\\n")
    return [summarize(case) for case in cases]

def summarize(case):
    if case.id.startswith("boom"):
        raise RuntimeError("GPU out of memory")
    if case.id.startswith("bad"):
        return BAD
    return ". ".join(case.article.split(". ")[:2]) + "."
"""

SCORERS_CONFTEST = """
import pytest
from pytest_summgate.engine import Engine
from pytest_summgate.metrics import Metric
from pytest_summgate.testing import lexical_engine, summgate_run

class Brevity:
    names = ("brevity",)
    needs_model = False

    def score(self, docs, embedder):
        return [
            {"brevity": Metric(1 / len(d.summary_sentences),
                               (f"{len(d.summary_sentences)} sentences",))}
            for d in docs
        ]

class Hype:
    names = ("hype",)
    directions = {"hype": "<="}
    needs_model = False

    def score(self, docs, embedder):
        return [{"hype": Metric(float(d.summary.count("!")))} for d in docs]

def pytest_summgate_scorers(config):
    return [Brevity(), Hype()]

@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    run = summgate_run(config)
    if run is not None:
        # The lexical stand-ins for the built-ins, and the custom scorers the plugin added.
        custom = [s for s in run.engine.scorers if isinstance(s, (Brevity, Hype))]
        run.engine = Engine(run.settings, [*lexical_engine(run.settings).scorers, *custom])
"""


@pytest.fixture
def gate(gate: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    # Off CI and GitHub; not an xdist worker either, when this suite itself runs under -n.
    for name in ("CI", "BUILD_NUMBER", "GITHUB_ACTIONS", "PYTEST_XDIST_WORKER"):
        monkeypatch.delenv(name, raising=False)
    return gate


@pytest.fixture
def model_repo(gate: pytest.Pytester) -> pytest.Pytester:
    """The gate project with the lead-2 generation hook in its conftest.py."""
    gate.makeconftest(LEXICAL_CONFTEST + GENERATE_HOOK)
    return gate


@pytest.fixture
def scorers(gate: pytest.Pytester) -> pytest.Pytester:
    """The gate project with the custom scorers ``brevity`` (1/sentences) and ``hype`` (the
    number of exclamation marks, a maximum)."""
    gate.makeconftest(SCORERS_CONFTEST)
    return gate


def unsummarized(*ids: str) -> str:
    return jsonl(*({"id": i, "article": ARTICLE} for i in ids))


def calls(gate: pytest.Pytester) -> list[str]:
    return gate.path.joinpath("calls.log").read_text(encoding="utf-8").splitlines()


def raised_at(location: str) -> list[str]:
    """A case's error when the batch it was in raised: the user's frames, then its place."""
    return [
        RAISED,
        "Traceback (most recent call last):",
        '  File "*conftest.py", line *, in pytest_summgate_generate',
        "    return [summarize(case) for case in cases]",
        '  File "*conftest.py", line *, in summarize',
        '    raise RuntimeError("GPU out of memory")',
        "RuntimeError: GPU out of memory",
        f"  {location}",
    ]


def assert_clean(result: pytest.RunResult) -> None:
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output
    assert "/pluggy/" not in output
    assert "pytest_summgate/" not in output  # none of the plugin's own frames


# -- generation ------------------------------------------------------------------------------


def test_a_case_without_summary_and_no_generator_is_an_error(gate: pytest.Pytester) -> None:
    gate.makefile(".jsonl", cases=unsummarized("a") + jsonl(case(id="given")))
    result = gate.runpytest("--summgate")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([NO_SUMMARY_HINT, "  cases.jsonl:1"])
    assert "Traceback" not in result.stdout.str()


@pytest.mark.parametrize(
    ("args", "ini", "expected"),
    [
        (
            ["--summgate-batch-size", "2"],
            "",
            ["a1 a2", "a3 a4", "a5", "b1 bad"],
        ),
        ([], "summgate_batch_size = 2\n", ["a1 a2", "a3 a4", "a5", "b1 bad"]),
        ([], "", ["a1 a2 a3 a4 a5", "b1 bad"]),
    ],
    ids=["command line", "ini", "default 16"],
)
def test_the_hook_summarizes_cases_in_batches_within_a_file(
    model_repo: pytest.Pytester, args: list[str], ini: str, expected: list[str]
) -> None:
    model_repo.makeini(f"[pytest]\n{ini}")
    cases = unsummarized("a1", "a2") + jsonl(case(id="given")) + unsummarized("a3", "a4", "a5")
    model_repo.makefile(".jsonl", a=cases, b=unsummarized("b1", "bad"))
    result = model_repo.runpytest("--summgate", *args)
    # The generated summaries are scored like written ones: "bad" got the invented one.
    result.assert_outcomes(passed=7, failed=1)
    result.stdout.fnmatch_lines(['  least supported: "Zeppelins hovered*', "  b.jsonl:2"])
    assert calls(model_repo) == [f"controller {ids}" for ids in expected]


def test_a_raising_hook_errors_each_case_of_its_batch_with_the_users_traceback(
    model_repo: pytest.Pytester,
) -> None:
    model_repo.makefile(".jsonl", cases=unsummarized("a", "boom", "c", "d"))
    result = model_repo.runpytest(
        "--summgate", "--summgate-batch-size", "2", "--summgate-report", "report.json"
    )
    result.assert_outcomes(passed=2, errors=2)
    for line in (2, 1):
        result.stdout.fnmatch_lines(raised_at(f"cases.jsonl:{line}"))
    assert_clean(result)
    report = json.loads(model_repo.path.joinpath("report.json").read_text(encoding="utf-8"))
    outcomes = {c["id"]: (c["outcome"], c["line"]) for c in report["cases"]}
    assert outcomes == {
        "a": ("error", 1),
        "boom": ("error", 2),
        "c": ("passed", 3),
        "d": ("passed", 4),
    }
    boom = next(c for c in report["cases"] if c["id"] == "boom")
    assert "RuntimeError: GPU out of memory" in boom["message"]


@pytest.mark.parametrize(
    ("returned", "problem"),
    [
        ("[]", "must return a list of 2 summaries, one per case; got 0 items"),
        ("'one text'", "must return a list of 2 summaries, one per case; got 'one text'"),
        ("['A summary of it.', 3]", "returned an empty or non-text summary at position 1 of*"),
        ("['A summary of it.', ' ']", "returned an empty or non-text summary at position 1 of*"),
        ("None", "returned None (no implementation produced summaries for this batch)"),
    ],
)
def test_a_hook_returning_the_wrong_thing_is_a_clear_error(
    gate: pytest.Pytester, returned: str, problem: str
) -> None:
    gate.makeconftest(
        LEXICAL_CONFTEST
        + f"\ndef pytest_summgate_generate(cases, config):\n    return {returned}\n"
    )
    gate.makefile(".jsonl", cases=unsummarized("a", "b"))
    result = gate.runpytest("--summgate")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines([f"pytest_summgate_generate {problem}", "  cases.jsonl:1"])
    result.stdout.fnmatch_lines([f"pytest_summgate_generate {problem}", "  cases.jsonl:2"])
    assert "Traceback" not in result.stdout.str()


def test_a_conftest_in_a_subdirectory_generates_for_its_directory_only(
    gate: pytest.Pytester,
) -> None:
    for name, summary in (("mine", GOOD_SUMMARY), ("theirs", BAD_SUMMARY)):
        directory = gate.mkdir(name)
        directory.joinpath("conftest.py").write_text(
            "def pytest_summgate_generate(cases, config):\n"
            f"    with open({str(gate.path / 'calls.log')!r}, 'a') as log:\n"
            f"        log.write(' '.join([{name!r}, *(c.id for c in cases)]) + '\\n')\n"
            f"    return [{summary!r}] * len(cases)\n",
            encoding="utf-8",
        )
    for name in ("mine", "theirs", "other"):
        gate.path.joinpath(name, "cases.jsonl").parent.mkdir(exist_ok=True)
        gate.path.joinpath(name, "cases.jsonl").write_text(
            unsummarized(f"{name}1", f"{name}2"), encoding="utf-8"
        )
    result = gate.runpytest("--summgate", "-v")
    result.assert_outcomes(passed=2, failed=2, errors=2)
    result.stdout.fnmatch_lines_random(
        [
            "mine/cases.jsonl::mine1 PASSED*",
            "theirs/cases.jsonl::theirs1 FAILED*",
            "other/cases.jsonl::other1 ERROR*",
            NO_SUMMARY_HINT,
        ]
    )
    assert calls(gate) == ["mine mine1 mine2", "theirs theirs1 theirs2"]


@pytest.mark.slow  # xdist workers: a second a run
def test_generation_under_two_workers(model_repo: pytest.Pytester) -> None:
    model_repo.makefile(
        ".jsonl", a=unsummarized("a1", "a2", "a3", "bad"), b=unsummarized("b1", "boom", "b3")
    )
    # --dist loadfile: a file's cases on one worker, batched as in a serial run (see below for
    # --dist load).
    result = model_repo.runpytest(
        "--summgate", "-n", "2", "--dist", "loadfile", "-p", "no:cacheprovider",
        "--summgate-batch-size", "2",
    )  # fmt: skip
    result.assert_outcomes(passed=4, failed=1, errors=2)
    for line in (1, 2):
        result.stdout.fnmatch_lines(raised_at(f"b.jsonl:{line}"))
    assert_clean(result)
    batches = sorted(line.split(maxsplit=1)[1] for line in calls(model_repo))
    assert batches == ["a1 a2", "a3 bad", "b1 boom", "b3"]
    assert {line.split()[0] for line in calls(model_repo)} <= {"gw0", "gw1"}


# -- predictions -----------------------------------------------------------------------------


# Runs with xdist's workers are slow (a second each): the everyday loop has the serial run.
TWO_WORKERS = pytest.param("2", marks=pytest.mark.slow)
PREDICTIONS = jsonl(
    {"id": "a", "summary": GOOD_SUMMARY},
    {"id": "b", "summary": BAD_SUMMARY},
    {"id": "extra", "summary": GOOD_SUMMARY},
    {"id": 7, "summary": GOOD_SUMMARY},
)


@pytest.mark.parametrize("workers", [None, TWO_WORKERS], ids=["serial", "-n 2"])
def test_predictions_are_joined_by_id_and_missing_ids_are_reported_both_ways(
    gate: pytest.Pytester, workers: str | None
) -> None:
    gate.makefile(
        ".jsonl", cases=unsummarized("a", "b", "missing") + jsonl(case(id=7)), preds=PREDICTIONS
    )
    # The predictions file is not a case file: only cases.jsonl is collected.
    gate.makeini("[pytest]\nsummgate_globs = cases.jsonl\n")
    args = ["--summgate", "--summgate-predictions", "preds.jsonl", "--summgate-report", "r.json"]
    if workers:
        result = gate.runpytest(*args, "-n", workers, "-p", "no:cacheprovider")
    else:
        result = gate.runpytest(*args)
    result.assert_outcomes(passed=2, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "invalid case: no prediction with id 'missing' in preds.jsonl",
            "  cases.jsonl:3",
        ]
    )
    result.stdout.fnmatch_lines(["1 predictions match no case of this run: 'extra'"])
    assert result.stdout.str().count("match no case of this run") == 1
    report = json.loads(gate.path.joinpath("r.json").read_text(encoding="utf-8"))
    assert report["unmatched_predictions"] == ["extra"]
    assert {c["id"]: c["outcome"] for c in report["cases"]} == {
        "a": "passed",
        "b": "failed",
        "missing": "error",
        "7": "passed",
    }


@pytest.mark.parametrize("workers", [None, TWO_WORKERS], ids=["serial", "-n 2"])
def test_an_id_shared_by_two_case_files_needs_predictions_keyed_by_node_id(
    gate: pytest.Pytester, workers: str | None
) -> None:
    # Dataset rows numbered from 1 in each file: a plain id would join one prediction to both.
    gate.makefile(".jsonl", a=unsummarized("1", "2"), b=unsummarized("1"))
    gate.makefile(
        ".txt",
        preds=jsonl(
            {"id": "1", "summary": GOOD_SUMMARY},
            {"id": "2", "summary": GOOD_SUMMARY},
            {"id": "b.jsonl::1", "summary": BAD_SUMMARY},
        ),
    )
    args = ["--summgate", "--summgate-predictions", "preds.txt", "--summgate-report", "r.json"]
    if workers:
        result = gate.runpytest(*args, "-n", workers, "-p", "no:cacheprovider")
    else:
        result = gate.runpytest(*args)
    # b.jsonl::1 has its own prediction; a.jsonl::1 takes the plain "1", which now no other
    # file's case shares; "2" is a's alone.
    result.assert_outcomes(passed=2, failed=1)
    report = json.loads(gate.path.joinpath("r.json").read_text(encoding="utf-8"))
    assert {c["nodeid"]: c["outcome"] for c in report["cases"]} == {
        "a.jsonl::1": "passed",
        "a.jsonl::2": "passed",
        "b.jsonl::1": "failed",
    }
    assert report["unmatched_predictions"] == []


def test_a_plain_id_matching_cases_of_two_files_is_an_error_for_each(
    gate: pytest.Pytester,
) -> None:
    gate.makefile(".jsonl", a=unsummarized("1", "2"), b=unsummarized("1"))
    gate.makefile(
        ".txt",
        preds=jsonl({"id": "1", "summary": GOOD_SUMMARY}, {"id": "2", "summary": GOOD_SUMMARY}),
    )
    result = gate.runpytest("--summgate", "--summgate-predictions", "preds.txt", "-k", "a")
    # -k selects a.jsonl's cases only; the id is ambiguous all the same.
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "invalid case: prediction id '1' matches cases in 2 files (a.jsonl, b.jsonl); "
            "give this case's prediction the id 'a.jsonl::1'",
            "  a.jsonl:1",
        ]
    )


def test_predictions_follow_the_field_mapping_and_the_ini(gate: pytest.Pytester) -> None:
    gate.makefile(".jsonl", cases=jsonl({"key": "a", "article": ARTICLE}))
    gate.path.joinpath("out").mkdir()
    gate.path.joinpath("out", "preds.json").write_text(
        jsonl({"key": "a", "chatgpt": GOOD_SUMMARY}), encoding="utf-8"
    )
    gate.makeini("[pytest]\nsummgate_predictions = out/preds.json\n")
    result = gate.runpytest(
        "--summgate", "--summgate-field", "id=key", "--summgate-field", "summary=chatgpt"
    )
    result.assert_outcomes(passed=1)
    assert "match no case" not in result.stdout.str()


# -- custom scorers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "source"),
    [
        ("case", "case thresholds"),
        ("file", "file defaults of cases.yaml"),
        ("command line", "--summgate-threshold"),
        ("ini", "ini summgate_thresholds"),
    ],
)
def test_a_custom_metric_is_a_threshold_at_every_layer(
    scorers: pytest.Pytester, where: str, source: str
) -> None:
    own = "    thresholds: {brevity: 0.8}\n" if where == "case" else ""
    defaults = "defaults:\n  thresholds: {brevity: 0.8}\n" if where == "file" else ""
    scorers.makefile(
        ".yaml",
        cases=f"{defaults}cases:\n"
        f"  - id: two\n    article: {ARTICLE}\n    summary: {GOOD_SUMMARY}\n{own}"
        f"  - id: one\n    article: {ARTICLE}\n    summary: {ONE_SENTENCE}\n{own}",
    )
    scorers.makeini(
        "[pytest]\n" + ("summgate_thresholds = brevity=0.8\n" if where == "ini" else "")
    )
    args = ["--summgate-threshold", "brevity=0.8"] if where == "command line" else []
    result = scorers.runpytest("--summgate", *args)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "1 of 5 checks failed: brevity 0.50 < 0.80",
            f"  brevity * 0.50 * >= 0.80 * -0.30 * FAIL  (brevity, {source})",
            "  2 sentences",
            "*= summgate =*",
            "  brevity * 0.75 * 0.50 * 1",
            "  cases.yaml::two: brevity",
        ]
    )


def test_a_custom_metric_declared_lower_is_better_is_a_maximum(scorers: pytest.Pytester) -> None:
    loud = ONE_SENTENCE.replace(".", "!!")
    scorers.makefile(".jsonl", cases=jsonl(case(id="calm"), case(id="loud", summary=loud)))
    result = scorers.runpytest("--summgate", "--summgate-threshold", "hype=1")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "1 of 5 checks failed: hype 2.00 > 1.00",
            "  hype * 2.00 * <= 1.00 * -1.00 * FAIL  (hype, --summgate-threshold)",
        ]
    )
    # A mean gate is a minimum: there is none for a metric where lower is better.
    result = scorers.runpytest("--summgate", "--summgate-suite", "mean_hype=1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown suite gate 'mean_hype'*"])


def test_custom_metrics_in_the_baseline_regress_in_their_own_direction(
    scorers: pytest.Pytester,
) -> None:
    scorers.makefile(".jsonl", cases=jsonl(case(id="a", summary=ONE_SENTENCE)))
    scorers.runpytest("--summgate", "--summgate-update-baseline").assert_outcomes(passed=1)
    stored = json.loads(scorers.path.joinpath(".summgate/baseline.json").read_text())
    scores = stored["cases"]["cases.jsonl::a"]["scores"]
    assert (scores["brevity"], scores["hype"]) == (1.0, 0.0)
    louder = GOOD_SUMMARY.replace(".", "!")  # two sentences, two exclamation marks
    scorers.makefile(".jsonl", cases=jsonl(case(id="a", summary=louder)))
    result = scorers.runpytest("--summgate", "--summgate-case-regressions=fail")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*2 metrics regressed against the baseline: brevity 0.50 (was 1.00), hype 2.00 (was 0.00)"]
    )
    # Fewer exclamation marks than stored is an improvement, not a regression.
    scorers.runpytest("--summgate", "--summgate-update-baseline").assert_outcomes(passed=1)
    scorers.makefile(".jsonl", cases=jsonl(case(id="a", summary=GOOD_SUMMARY)))
    scorers.runpytest("--summgate", "--summgate-case-regressions=fail").assert_outcomes(passed=1)


@pytest.mark.slow  # xdist workers: a second a run
def test_a_custom_metric_in_suite_gates_the_report_and_junit_under_two_workers(
    scorers: pytest.Pytester,
) -> None:
    scorers.makefile(
        ".jsonl",
        cases=jsonl(
            case(id="two"),
            case(id="one", summary=ONE_SENTENCE),
            case(id="also-one", summary=ONE_SENTENCE),
        ),
    )
    result = scorers.runpytest(
        "--summgate",
        "-n",
        "2",
        "-p",
        "no:cacheprovider",
        "--summgate-suite",
        "mean_brevity=0.9",
        "--summgate-threshold",
        "hype=0",
        "--summgate-report",
        "r.json",
        "--junitxml",
        "j.xml",
    )
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*1 suite gate failed: mean_brevity 0.833 (rule >= 0.90)*"])
    report = json.loads(scorers.path.joinpath("r.json").read_text(encoding="utf-8"))
    assert report["settings"]["thresholds"]["hype"] == {
        "value": 0,
        "source": "--summgate-threshold",
    }
    assert report["settings"]["suite_gates"]["mean_brevity"] == 0.9
    assert report["suite"][0]["gate"] == "mean_brevity"
    two = next(c for c in report["cases"] if c["id"] == "two")
    assert (two["scores"]["brevity"], two["scores"]["hype"]) == (0.5, 0.0)
    assert {c["rule"]: c["op"] for c in two["checks"]}["hype"] == "<="
    junit = ET.parse(scorers.path / "j.xml").getroot()
    names = [p.get("name") for p in junit.iter("property")]
    assert names.count("brevity") == 3
    assert names.count("hype") == 3
    assert '<property name="mean_brevity" value="0.833"' in (scorers.path / "j.xml").read_text()


@pytest.mark.slow  # xdist workers: a second a run
@pytest.mark.parametrize("dist", ["loadfile", "load", "worksteal"])
def test_under_two_workers_each_case_is_generated_once(
    model_repo: pytest.Pytester, dist: str
) -> None:
    model_repo.makefile(
        ".jsonl", a=unsummarized("a1", "a2", "a3", "a4"), b=unsummarized("b1", "b2", "b3", "b4")
    )
    result = model_repo.runpytest("--summgate", "-n", "2", "--dist", dist, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=8)
    generated = [i for line in calls(model_repo) for i in line.split()[1:]]
    assert sorted(generated) == ["a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4"]


def test_a_scorer_from_an_installed_package_entry_point(
    gate: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = gate.mkdir("site")
    install_entry_point_scorer(site)
    paths = [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    gate.makefile(
        ".jsonl",
        c=jsonl(case(id="calm"), case(id="loud", summary=GOOD_SUMMARY.upper())),
    )
    result = gate.runpytest_subprocess(
        "--summgate", "--summgate-threshold", "shouting=0", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*1 of * checks failed: shouting 1.00 > 0.00*", "*shouting * 1.00 * <= 0.00 * FAIL*"]
    )
