"""Base branch vs pull request per case: summaries in the baseline, and the two summaries of
every listed drop, improvement, new decisive finding and accepted change, the changed words
marked, in the terminal (-v), the job summary, the JSON report and the HTML report.

Runs use the lexical stand-in scorers with decisive numbers (no model).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import GOOD_SUMMARY, case, jsonl
from pytest_summgate import baseline, changes
from pytest_summgate.errors import BaselineError
from test_html_report import DECISIVE_CONFTEST

# 10 of 13 words in the article: faithfulness 0.77, 0.23 under GOOD_SUMMARY's 1.00.
WORSE = "The city council approved a new budget on Tuesday with glee and fanfare."
INVENTED = "The city council approved a new budget of 45 million on Tuesday."
HOSTILE = "The budget adds money for schools <script>alert(1)</script> | `x` and parks."
BASELINE = ".summgate/baseline.json"


@pytest.fixture
def branch(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A base branch whose baseline stores four cases; the pull request's case file then
    changes three summaries (worse, better, one with an invented number) and its baseline
    is the base's (CI gives the base's copy as --summgate-base-baseline)."""
    for name in ("CI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE"):
        monkeypatch.delenv(name, raising=False)
    pytester.makeconftest(DECISIVE_CONFTEST)
    pytester.makeini("[pytest]\n")
    write(pytester, worse=GOOD_SUMMARY, better=WORSE, invented=GOOD_SUMMARY, same=GOOD_SUMMARY)
    pytester.runpytest("--summgate", "--summgate-update-baseline")
    shutil.copy(pytester.path / BASELINE, pytester.path / "base.json")
    write(pytester, worse=WORSE, better=GOOD_SUMMARY, invented=INVENTED, same=GOOD_SUMMARY)
    return pytester


def write(gate: pytest.Pytester, **summaries: str) -> None:
    gate.path.joinpath("cases.jsonl").write_text(
        jsonl(*(case(id=i, summary=s) for i, s in summaries.items())), encoding="utf-8"
    )


def run_pr(gate: pytest.Pytester, *args: str) -> pytest.RunResult:
    return gate.runpytest(
        "--summgate", "--summgate-base-baseline=base.json", "--summgate-report=r.json", *args
    )


def report(gate: pytest.Pytester) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gate.path.joinpath("r.json").read_text(encoding="utf-8"))
    return data


# -- summaries in the baseline --------------------------------------------------------------


def test_the_baseline_stores_each_summary_on_one_line_under_its_scores(
    branch: pytest.Pytester,
) -> None:
    text = branch.path.joinpath("base.json").read_text(encoding="utf-8")
    stored = baseline.load(branch.path / "base.json")
    assert stored is not None
    entry = stored.entries["cases.jsonl::better"]
    assert entry.summary == baseline.StoredSummary(WORSE)
    lines = text.splitlines()
    at = lines.index(f'      "summary": {json.dumps(WORSE)}')
    assert '"scores": {' in "\n".join(lines[max(0, at - 12) : at])  # the scores just above


def test_a_long_summary_is_stored_as_its_start_and_the_hash_of_the_whole(tmp_path: Path) -> None:
    long = "word " * 1000  # 5,000 characters
    stored = baseline.StoredSummary.of(long)
    assert len(stored.text) == baseline.SUMMARY_CHARS
    assert stored.sha256 is not None
    assert len(stored.sha256) == 64
    path = tmp_path / "b.json"
    entries = {"a.jsonl::x": baseline.StoredCase("c", {"faithfulness": 0.5}, None, stored)}
    baseline.write(path, baseline.Baseline("m", entries))
    again = baseline.load(path)
    assert again is not None
    assert again.entries["a.jsonl::x"].summary == stored
    assert '"summary_sha256": "' in path.read_text(encoding="utf-8")


def test_an_older_baseline_without_summaries_loads_with_none(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(
        json.dumps({"version": 1, "model": "m", "cases": {"a::x": {"content": "c", "scores": {}}}}),
        encoding="utf-8",
    )
    loaded = baseline.load(path)
    assert loaded is not None
    assert loaded.entries["a::x"].summary is None  # absent, not invented
    # A summary never makes an entry differ for the gate: only its scores, content, failure.
    with_text = baseline.StoredCase("c", {}, None, baseline.StoredSummary("new text"))
    assert loaded.entries["a::x"].same_as(with_text)


@pytest.mark.parametrize(
    ("summary", "problem"),
    [("x" * 2001, "at most 2000 characters"), (7, "summary must be text")],
)
def test_a_stored_summary_that_this_module_never_wrote_is_corrupt(
    tmp_path: Path, summary: object, problem: str
) -> None:
    path = tmp_path / "b.json"
    entry = {"content": "c", "scores": {}, "summary": summary}
    path.write_text(json.dumps({"version": 1, "cases": {"a::x": entry}}), encoding="utf-8")
    with pytest.raises(BaselineError, match=problem):
        baseline.load(path)


# -- the word diff --------------------------------------------------------------------------


def test_the_word_diff_marks_the_words_each_side_has_alone() -> None:
    diff = changes.word_diff("The council voted for the bridge.", "The council voted against it.")
    assert diff == [
        ("=", "The council voted"),
        ("-", " for the bridge"),
        ("+", " against it"),
        ("=", "."),
    ]
    assert changes.plain(diff, "-") == "The council voted [-for the bridge-]."
    assert changes.plain(diff, "+") == "The council voted {+against it+}."


def test_the_word_diff_compares_what_a_baseline_stores() -> None:
    long = "word " * 5000
    diff = changes.word_diff(long, long + "more")
    assert diff == [("=", long[: baseline.SUMMARY_CHARS].rstrip())]


# -- the pull request's run -----------------------------------------------------------------


def test_every_listed_case_has_both_summaries_in_the_json_report(branch: pytest.Pytester) -> None:
    run_pr(branch)
    data = report(branch)
    compared = {c["nodeid"].split("::")[1]: c for c in data["compared"]["cases"]}
    assert data["compared"]["total"] == 3
    assert [c["nodeid"] for c in data["compared"]["cases"]] == [
        "cases.jsonl::invented",  # a new decisive finding first
        "cases.jsonl::worse",  # then drops, then improvements
        "cases.jsonl::better",
    ]
    worse = compared["worse"]
    assert worse["why"] == ["drop"]
    assert (worse["base"]["summary"], worse["now"]["summary"]) == (GOOD_SUMMARY, WORSE)
    assert changes.plain(worse["diff"], "-") == (
        "The city council approved a new budget on Tuesday. [-The budget adds money for "
        "schools and parks.-]"
    )
    assert changes.plain(worse["diff"], "+") == (
        "The city council approved a new budget on Tuesday {+with glee and fanfare+}."
    )
    assert compared["better"]["why"] == ["improvement"]
    assert compared["invented"]["why"] == ["new decisive finding", "drop"]
    assert changes.plain(compared["invented"]["diff"], "+") == (
        "The city council approved a new budget {+of 45 million+} on Tuesday."
    )
    improvement = data["improvements"][0]
    assert (improvement["nodeid"], improvement["metric"]) == ("cases.jsonl::better", "faithfulness")
    assert improvement["delta"] == pytest.approx(0.2308, abs=1e-4)


def test_the_terminal_lists_improvements_and_with_v_both_summaries(
    branch: pytest.Pytester,
) -> None:
    quiet = run_pr(branch)
    quiet.stdout.fnmatch_lines(
        [
            "improvements against the baseline (listed): 1 improvement in 1 case; largest "
            "cases.jsonl::better faithfulness 0.769* -> 1.000* (+0.23*); -v lists all",
            "base vs pull request: 3 cases to read side by side (-v shows both summaries*",
        ]
    )
    verbose = run_pr(branch, "-v")
    verbose.stdout.fnmatch_lines(
        [
            "base vs pull request: 3 cases, the changed words marked",
            "  cases.jsonl::invented: new decisive finding, drop; faithfulness 1.000 -> 0.750",
            "    base: The city council approved a new budget on Tuesday. [-The budget adds *",
            "    now : The city council approved a new budget {+of 45 million+} on Tuesday.",
            "  cases.jsonl::worse: drop; faithfulness 1.000 -> 0.769",
            "    base: The city council approved a new budget on Tuesday. [-The budget adds *",
            "    now : The city council approved a new budget on Tuesday {+with glee and *",
        ]
    )


def test_the_job_summary_has_a_collapsed_block_per_case(
    branch: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = branch.path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    write(branch, worse=HOSTILE, better=GOOD_SUMMARY, invented=INVENTED, same=GOOD_SUMMARY)
    run_pr(branch)
    text = summary.read_text(encoding="utf-8")
    assert (
        "**Base vs pull request** (3 cases: each summary, the words it alone has marked):" in text
    )
    start = "<details><summary><code>cases.jsonl::worse: new decisive finding, drop</code>"
    block = text[text.index(start) :]
    block = block[: block.index("</details>")]
    assert "faithfulness 1.000 → 0." in block
    assert "**base branch:** <del>The city council approved a new budget on Tuesday.</del>" in block
    # The pull request's own words in <ins>, escaped: no tag, pipe or backtick of the user's.
    assert "<ins>" in block
    assert "<ins>&lt;script>alert(1)&lt;/script> \\| \\`x\\`</ins>" in block
    assert "<script>" not in text
    assert "**Improvements against the baseline** (listed)" in text


def test_an_older_base_baseline_says_it_stores_no_summary(branch: pytest.Pytester) -> None:
    base = json.loads(branch.path.joinpath("base.json").read_text(encoding="utf-8"))
    for entry in base["cases"].values():
        del entry["summary"]
    branch.path.joinpath("base.json").write_text(json.dumps(base), encoding="utf-8")
    run_pr(branch)
    worse = next(c for c in report(branch)["compared"]["cases"] if c["nodeid"].endswith("worse"))
    assert worse["base"]["summary"] is None
    assert "stores no summary" in worse["base"]["missing"]
    assert worse["diff"] == []


def test_an_accepted_change_shows_both_summaries(branch: pytest.Pytester) -> None:
    # The pull request stores its new scores and summaries: accepted changes.
    branch.runpytest("--summgate", "--summgate-update-baseline")
    run_pr(branch)
    data = report(branch)
    worse = next(c for c in data["compared"]["cases"] if c["nodeid"].endswith("worse"))
    assert "accepted change" in worse["why"]
    assert worse["base"]["summary"] == GOOD_SUMMARY
    assert worse["now"]["summary"] == WORSE
    assert "faithfulness" in [move["metric"] for move in worse["moves"]]


def test_the_html_page_shows_the_two_summaries_with_the_changed_words(
    branch: pytest.Pytester,
) -> None:
    run_pr(branch, "--summgate-html=page.html")
    page = branch.path.joinpath("page.html").read_text(encoding="utf-8")
    assert page.count("<h3>Base vs pull request</h3>") == 3
    assert "Tuesday <ins>with glee and fanfare</ins>." in page
    assert "Tuesday. <del>The budget adds money for schools and parks.</del>" in page
