"""The faithfulness scorer with the real default model: reasons, decisive findings, evidence,
the seed row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_summgate.metrics import Document, Metric
from pytest_summgate.metrics.faithfulness import FaithfulnessScorer, default_weights
from pytest_summgate.models import get_embedder

SEED_ROW = Path(__file__).resolve().parents[1] / "examples" / "cnn_dm_chatgpt_row.jsonl"
ARTICLE = (
    "A Ukrainian military helicopter was shot down near Slavyansk on Tuesday, killing nine "
    "people, officials said. The army said the crew had come under fire from separatists. "
    "Komoyedov warned that the week-long ceasefire was not holding in eastern Ukraine. "
    "NATO head Anders Fogh Rasmussen said Russia 'has broken the rules and eroded the trust'. "
    "Residents of Slavyansk have had no electricity or running water for a week."
)
LIBRARY = (
    "The Riverside library will not charge late fees from March, Mayor Helen Ortega said on "
    "Saturday. Maria Lopez, the head librarian, organised the book fair in 2019. Tom Baker, "
    "the caretaker, did not attend the opening. The fair raised 2,000 dollars for 40 new "
    "computers. Activists supporting Moscow in the Lugansk district criticised the plan."
)
THRESHOLD = default_weights().threshold
pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def scorer() -> FaithfulnessScorer:
    return FaithfulnessScorer()


def faithfulness(scorer: FaithfulnessScorer, summary: str, article: str = ARTICLE) -> Metric:
    return scorer.score([Document(article, summary)], get_embedder())[0]["faithfulness"]


def value(metric: Metric) -> float:
    assert metric.value is not None
    return metric.value


def evidence(metric: Metric) -> str:
    return "\n".join(metric.evidence)


def test_faithful_paraphrase_passes(scorer: FaithfulnessScorer) -> None:
    metric = faithfulness(
        scorer,
        "Separatists brought down an army helicopter close to Slavyansk, and nine people "
        "were killed. The truce in the east of Ukraine is not holding, Komoyedov warned.",
    )
    assert value(metric) >= THRESHOLD, evidence(metric)


def test_number_not_in_the_article_fails(scorer: FaithfulnessScorer) -> None:
    metric = faithfulness(scorer, "A Ukrainian helicopter was downed and 45 people died.")
    assert value(metric) < THRESHOLD
    assert "unsupported" in metric.evidence[0]
    assert "number 45 is not in the article" in evidence(metric)
    assert "closest source:" in evidence(metric)


def test_spelled_number_not_in_the_article(scorer: FaithfulnessScorer) -> None:
    metric = faithfulness(scorer, "A Ukrainian helicopter was shot down, killing twelve people.")
    assert "number twelve is not in the article" in evidence(metric)
    assert value(metric) < value(
        faithfulness(scorer, "A Ukrainian helicopter was shot down, killing nine people.")
    )


def test_name_not_in_the_article(scorer: FaithfulnessScorer) -> None:
    metric = faithfulness(
        scorer, "Angela Merkel said Russia has broken the rules and eroded the trust."
    )
    assert value(metric) < THRESHOLD
    assert "name Angela Merkel is not in the article" in evidence(metric)


def test_lowercased_summary_of_a_mixed_case_article(scorer: FaithfulnessScorer) -> None:
    metric = faithfulness(
        scorer, "nato head anders fogh rasmussen said russia has broken the rules ."
    )
    assert value(metric) >= THRESHOLD, evidence(metric)


def test_invented_quote(scorer: FaithfulnessScorer) -> None:
    metric = faithfulness(
        scorer, 'Rasmussen said "Russia has shown contempt for every treaty it ever signed".'
    )
    assert value(metric) < THRESHOLD
    assert 'quote "Russia has shown contempt' in evidence(metric)


def test_negation_is_named(scorer: FaithfulnessScorer) -> None:
    metric = faithfulness(scorer, "Komoyedov said the week-long ceasefire was holding.")
    assert 'the article negates "holding", the summary does not' in evidence(metric)


@pytest.mark.parametrize(
    ("summary", "reason"),
    [
        (
            "The Riverside library will charge late fees from March.",
            'negation flipped: the article negates "charge", the summary does not',
        ),
        (
            "Tom Baker, the caretaker, attended the opening.",
            'negation flipped: the article negates "attended", the summary does not',
        ),
        (
            "The fair raised 20,000 dollars for 40 new computers.",
            "number 20,000 is not in the article (2,000 is)",
        ),
        (
            "Maria Lopez, the head librarian, organised the book fair in 2017.",
            "date 2017 is not in the article (2019 is)",
        ),
        (
            "The Riverside library will not charge late fees, Mayor Helen Ortega said on Sunday.",
            "date Sunday is not in the article (Saturday is)",
        ),
    ],
)
def test_a_decisive_finding_fails_the_case_whatever_the_score(
    scorer: FaithfulnessScorer, summary: str, reason: str
) -> None:
    metric = faithfulness(scorer, summary, LIBRARY)
    assert metric.value == 0.0
    assert metric.decisive == (reason,)
    assert metric.evidence[0] == f'unsupported (decisive): "{summary}"'
    assert metric.evidence[1].startswith(f"  {reason} [decisive]; closest source: ")


@pytest.mark.parametrize(
    "summary",
    [
        "Maria Lopez, the head librarian, organised the book fair in 2019.",
        "maria lopez , the head librarian , organised the book fair in 2019 .",
        "The library will not charge late fees, Mayor Helen Ortega said. Tom Baker stayed away "
        "from the opening. The fair raised two thousand dollars for forty new computers.",
        "Pro-Moscow activists in Luhansk criticised the plan of Ortega.",
    ],
)
def test_a_faithful_summary_has_no_decisive_finding(
    scorer: FaithfulnessScorer, summary: str
) -> None:
    metric = faithfulness(scorer, summary, LIBRARY)
    assert metric.decisive == ()
    assert "decisive" not in evidence(metric)
    assert "is not in the article" not in evidence(metric)


def test_a_copied_sentence_gets_no_reason(scorer: FaithfulnessScorer) -> None:
    metric = faithfulness(scorer, "Tom Baker, the caretaker, did not attend the opening.", LIBRARY)
    assert metric.evidence[1].startswith('  closest source: "Tom Baker, the caretaker')


def test_another_person_of_the_article_in_the_role_is_named(scorer: FaithfulnessScorer) -> None:
    metric = faithfulness(scorer, "Tom Baker, the head librarian, organised the fair.", LIBRARY)
    assert "wrong name: the article says Maria Lopez here, not Tom Baker" in evidence(metric)


def test_no_close_passage(scorer: FaithfulnessScorer) -> None:
    metric = faithfulness(scorer, "The central bank raised interest rates to curb inflation.")
    assert value(metric) < THRESHOLD
    assert "no article passage is close to it" in evidence(metric)


def test_score_is_a_probability_and_evidence_is_short(scorer: FaithfulnessScorer) -> None:
    metric = faithfulness(
        scorer,
        "A helicopter was downed and 45 died. Angela Merkel blamed Moscow. Rates rose.",
    )
    assert 0.0 <= value(metric) <= 1.0
    assert 2 <= len(metric.evidence) <= 6
    assert all(len(line) < 300 for line in metric.evidence)


def test_evidence_reads_sentence_then_reason_and_source(scorer: FaithfulnessScorer) -> None:
    metric = faithfulness(scorer, "A Ukrainian helicopter was downed and 45 people died.")
    sentence, reason = metric.evidence
    assert (
        sentence
        == 'unsupported (decisive): "A Ukrainian helicopter was downed and 45 people died."'
    )
    assert reason.startswith("  number 45 is not in the article (nine is) [decisive]; closest ")
    assert "killing nine" in reason


def test_summary_without_sentences_is_skipped(scorer: FaithfulnessScorer) -> None:
    metric = faithfulness(scorer, "   ")
    assert metric.value is None
    assert metric.skipped == "summary has no sentences"


def test_seed_row() -> None:
    row = json.loads(SEED_ROW.read_text(encoding="utf-8").splitlines()[0])
    docs = [Document(row["article"], row["highlights"]), Document(row["article"], row["chatgpt"])]
    highlights, chatgpt = (
        m["faithfulness"] for m in FaithfulnessScorer().score(docs, get_embedder())
    )
    assert value(highlights) >= THRESHOLD, evidence(highlights)
    assert value(chatgpt) == 0.0
    # Both quotations ChatGPT invented for Rasmussen are decisive reasons, beside the year and
    # the names it brings in; the evidence shows the first two decisive sentences and a line
    # for the rest.
    decisive = "\n".join(chatgpt.decisive)
    assert "quote \"Russia's illegal annexation of Crimea" in decisive
    assert 'quote "The situation in Ukraine remains deeply concerning' in decisive
    assert "date 2014 is not in the article" in decisive
    assert chatgpt.evidence[0].startswith('unsupported (decisive): "')
    # The two weakest sentences and the 'also' line first; then every other unsupported one.
    assert chatgpt.evidence[4].startswith("also ")
    assert len(chatgpt.evidence) == 5 + 2 * int(chatgpt.evidence[4].split("(")[-1].split()[0])


def test_every_unsupported_sentence_is_in_the_evidence(scorer: FaithfulnessScorer) -> None:
    # Five invented sentences: the first two are described first, the "also" line names one
    # of the rest, and every one of them follows (the failure text cuts; -v and JSON do not).
    invented = [
        f"The {thing} cost {amount} pounds in {year}."
        for thing, amount, year in [
            ("ferry", "31", "1987"),
            ("bridge", "52", "1991"),
            ("tunnel", "73", "1995"),
            ("airport", "94", "1999"),
            ("harbour", "15", "2003"),
        ]
    ]
    metric = faithfulness(scorer, " ".join(invented))
    shown = evidence(metric)
    assert all(sentence[:-1] in shown for sentence in invented), shown
    assert any(line.startswith("also ") for line in metric.evidence)


def test_a_sentence_opening_with_a_quote_is_quoted_once(scorer: FaithfulnessScorer) -> None:
    metric = faithfulness(scorer, '"We will build a palace on the moon," the mayor said.')
    first = metric.evidence[0]
    assert '""' not in first
    assert first.endswith(': "We will build a palace on the moon," the mayor said.')
