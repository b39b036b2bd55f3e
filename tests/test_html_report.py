"""The HTML report (--summgate-html): what the page holds, in what order, escaped and bounded.

Runs use the lexical stand-in scorers with decisive numbers (no model): a summary sentence
with a number the article lacks is hard evidence, aligned with the article sentence that
shares most of its words. What a person sees in a browser is tests/test_html_browser.py's.
"""

from __future__ import annotations

import html
import json
import re
import textwrap
from html.parser import HTMLParser
from typing import Any

import pytest

from conftest import ARTICLE, GOOD_SUMMARY, case, jsonl
from pytest_summgate import alignment, html_report
from pytest_summgate.metrics import Aligned, Metric

DECISIVE_CONFTEST = textwrap.dedent(
    """
    import pytest
    from pytest_summgate.testing import lexical_engine, summgate_run

    @pytest.hookimpl(trylast=True)
    def pytest_configure(config):
        run = summgate_run(config)
        if run is not None:
            run.engine = lexical_engine(run.settings, run.engine, decisive_numbers=True)
    """
)
INVENTED = "The city council approved a new budget of 45 million on Tuesday."
# 10 of 13 words in the article: faithfulness 0.77, under the case's bar of 0.9.
WEAK = "The city council approved a new budget on Tuesday with glee and fanfare."
HOSTILE = (
    "The budget adds money for schools. <script>document.title='pwned'</script>"
    "<img src=x onerror=\"document.title='pwned'\"> and parks."
)


@pytest.fixture
def evidence(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return evidence_project(pytester, monkeypatch)


def evidence_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """cases.jsonl: good (passes), invented (a number the article lacks: hard evidence),
    hostile (markup in its id, summary and article), weak (a rule fails, nothing decisive)."""
    for name in ("CI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    pytester.makeconftest(DECISIVE_CONFTEST)
    pytester.makeini("[pytest]\n")
    pytester.makefile(
        ".jsonl",
        cases=jsonl(
            case(id="good"),
            case(id="invented", summary=f"{GOOD_SUMMARY.split('. ')[1]} {INVENTED}"),
            case(
                id="<b>hostile</b>",
                summary=HOSTILE,
                article=ARTICLE + " </span><script>document.title='pwned'</script>",
            ),
            case(id="weak", summary=WEAK, thresholds={"faithfulness": 0.9}),
        ),
    )
    return pytester


def run_page(gate: pytest.Pytester, *args: str) -> str:
    gate.runpytest("--summgate", "--summgate-html=page.html", *args)
    return gate.path.joinpath("page.html").read_text(encoding="utf-8")


class _Tags(HTMLParser):
    """The page's elements as a parser reads them: (tag, attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def test_the_page_leads_with_the_decision_then_the_blocking_case(
    evidence: pytest.Pytester,
) -> None:
    page = run_page(evidence)
    assert page.index("summgate: blocked") < page.index("Blocked by:")
    assert "<li>1 case with hard evidence (a decisive claim check)</li>" in page
    sections = re.findall(r'<section class="case (\w+)" id="case-(\d+)"', page)
    assert [outcome for outcome, _ in sections] == ["failed", "failed", "passed", "passed"]
    first = page[page.index('id="case-0"') : page.index('id="case-1"')]
    assert "cases.jsonl::invented" in first  # hard evidence before a failed rule
    assert "weak" in page[page.index('id="case-1"') : page.index('id="case-2"')]


def test_an_unsupported_sentence_is_marked_and_linked_to_its_closest_passage(
    evidence: pytest.Pytester,
) -> None:
    page = run_page(evidence)
    first = page[page.index('id="case-0"') : page.index('id="case-1"')]
    marked = re.search(
        r'<span class="sent unsupported" id="case-0-s(\d)">(.*?)</span></span>', first
    )
    assert marked is not None
    assert "45" in marked.group(2)
    assert "✗ unsupported" in marked.group(2)
    assert '<mark class="novel">45</mark>' in marked.group(2)  # the word the article lacks
    reason = re.search(
        r'number 45 is not in the article \[decisive\].*?href="#case-0-a(\d+)"', first
    )
    assert reason is not None
    passage = re.search(
        rf'<span class="passage aligned-unsupported" id="case-0-a{reason.group(1)}">(.*?)<a',
        first,
    )
    assert passage is not None
    assert "approved a new budget" in passage.group(1)
    # ... and the passage links back to the sentence.
    assert f'href="#case-0-s{marked.group(1)}"' in first[first.index("Article") :]


def test_every_user_string_is_escaped_and_only_the_pages_script_runs(
    evidence: pytest.Pytester,
) -> None:
    page = run_page(evidence)
    assert [t for t, _ in tags(page)].count("script") == 1  # the page's own
    assert not [t for t, a in tags(page) if t == "img" or "onerror" in a]
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page
    assert "&lt;b&gt;hostile&lt;/b&gt;" in page
    assert "<b>hostile" not in page
    assert "&lt;/span&gt;&lt;script&gt;" in page  # the article's markup is text too
    # No anchor is made of an id: every id attribute is the page's own numbering.
    ids = [a["id"] or "" for _, a in tags(page) if a.get("id")]
    assert all(
        re.fullmatch(r"(case-\d+(-(title|s\d+|a\d+))?|decision|metric|find|shown)", i) for i in ids
    )


def test_the_page_fetches_nothing_and_allows_only_its_own_style_and_script(
    evidence: pytest.Pytester,
) -> None:
    page = run_page(evidence)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None
    content = html.unescape(policy.group(1))
    directives = dict(d.strip().split(" ", 1) for d in content.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"].startswith("'sha256-")
    assert directives["style-src"].startswith("'sha256-")
    for tag, attributes in tags(page):
        assert not {"src", "srcset"} & set(attributes), tag
        assert tag not in ("link", "iframe", "object", "embed", "base"), tag
        href = attributes.get("href")
        assert href is None or href.startswith("#"), href


def test_filters_list_the_outcomes_and_metrics_present(evidence: pytest.Pytester) -> None:
    page = run_page(evidence)
    outcomes = [a["value"] for t, a in tags(page) if t == "input" and a.get("name") == "outcome"]
    assert outcomes == ["failed", "passed"]
    metrics = [a["value"] for t, a in tags(page) if t == "option"]
    assert metrics == ["", "faithfulness"]
    assert 'data-outcome="failed" data-metrics="faithfulness"' in page


def test_the_json_report_holds_the_alignment_only_when_a_page_is_asked_for(
    evidence: pytest.Pytester,
) -> None:
    evidence.runpytest("--summgate", "--summgate-report=plain.json")
    plain = json.loads(evidence.path.joinpath("plain.json").read_text(encoding="utf-8"))
    assert all(c["alignment"] is None for c in plain["cases"])
    assert {c["id"]: c["summary"] for c in plain["cases"]}["good"] == GOOD_SUMMARY
    run_page(evidence, "--summgate-report=full.json")
    full = json.loads(evidence.path.joinpath("full.json").read_text(encoding="utf-8"))
    invented = next(c for c in full["cases"] if c["id"] == "invented")["alignment"]
    assert invented["article_total"] == 5
    assert [s["unsupported"] for s in invented["sentences"]] == [False, True]
    assert invented["sentences"][1]["reasons"] == [
        {"text": "number 45 is not in the article", "decisive": True}
    ]


def test_the_page_path_can_come_from_the_ini(evidence: pytest.Pytester) -> None:
    evidence.makeini("[pytest]\nsummgate_html = out/page.html\n")
    evidence.mkdir("out")
    evidence.runpytest("--summgate")
    assert "summgate: blocked" in evidence.path.joinpath("out/page.html").read_text()


def test_a_page_that_cannot_be_written_is_a_problem_of_the_run(evidence: pytest.Pytester) -> None:
    evidence.mkdir("page.html")
    result = evidence.runpytest("--summgate", "--summgate-html=page.html")
    result.stdout.fnmatch_lines(["error: cannot write page.html: *"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


# -- bounds, without a run ------------------------------------------------------------------


def _record(n: int, outcome: str = "passed") -> dict[str, Any]:
    return {
        "nodeid": f"cases.jsonl::c{n}",
        "id": f"c{n}",
        "path": "cases.jsonl",
        "line": n + 1,
        "outcome": outcome,
        "verdict": "all checks passed",
        "message": "",
        "checks": [],
        "evidence": {},
        "hard_evidence": {},
        "regressions": [],
        "summary": "A summary.",
        "alignment": None,
    }


def test_past_the_detail_bound_a_case_is_one_row_and_the_page_grows_linearly() -> None:
    report: dict[str, Any] = {"decision": {"passed": True, "blocked_by": []}, "cases": []}
    sizes = {}
    for cases in (1000, 2000):
        report["cases"] = [_record(n) for n in range(cases)]
        page = html_report.page(report, detail=100)
        assert page.count('<section class="case') == 100
        assert page.count("<tr data-outcome") == cases - 100
        sizes[cases] = len(page)
    extra = sizes[2000] - sizes[1000]
    assert extra < 1000 * 300  # each further case: one row of a few hundred bytes


def test_an_articles_record_keeps_the_aligned_sentences_first_within_its_bound() -> None:
    sentences = [f"Sentence number {i} of a very long article." for i in range(3000)]
    article = " ".join(sentences)
    metrics = {
        "faithfulness": Metric(0.1, aligned=(Aligned("A claim.", 0.1, (2500, 7), (0.9, 0.5)),))
    }
    record = alignment.alignment(article, "A claim.", None, metrics, 0.5)
    kept = dict(record["article"])
    assert record["article_total"] == 3000
    assert {2499, 2500, 2501, 6, 7, 8} <= set(kept)  # the aligned ones and their neighbours
    assert sum(map(len, kept.values())) <= alignment.ARTICLE_CHARS
    assert record["sentences"][0]["unsupported"] is True  # 0.1 under the bar of 0.5


def test_a_scorer_without_sentences_shows_the_summarys_sentences_unscored() -> None:
    record = alignment.alignment(ARTICLE, GOOD_SUMMARY, None, {"faithfulness": Metric(0.9)})
    assert [s["score"] for s in record["sentences"]] == [None, None]
    assert not any(s["unsupported"] for s in record["sentences"])
    page = html_report.page(
        {"decision": {"passed": True}, "cases": [{**_record(0), "alignment": record}]}
    )
    assert "S2</span>The budget adds money" in page


def test_pytest_htmls_report_carries_each_cases_evidence(evidence: pytest.Pytester) -> None:
    pytest.importorskip("pytest_html")
    evidence.runpytest("--summgate", "--html=ecosystem.html", "-p", "html")
    page = evidence.path.joinpath("ecosystem.html").read_text(encoding="utf-8")
    assert page.count("summgate-extra") >= 4  # one extra per case
    assert "number 45 is not in the article" in page
    assert "<script>document.title" not in page  # escaped within the extra, and as data
