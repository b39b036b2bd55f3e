"""Splitting and tokenizing real dataset text: news prose, CNN/DailyMail strings, other scripts."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_summgate import text
from pytest_summgate.metrics.coverage import _rouge


def test_seed_row_highlights_split_into_four(seed_row: dict[str, Any]) -> None:
    assert text.split_highlights(seed_row["highlights"]) == [
        "Separatists in eastern Ukraine urge Kremlin to help 'maintain order'",
        "They have asked Russia to send 'peacekeeping' troops to the region .",
        "News comes as NATO says Russia has 'broken the rules' in Ukraine .",
        "Anders Fogh Rasmussen also called Putin's actions in Ukraine 'illegal'",
    ]


def test_highlights_split_on_newlines() -> None:
    assert text.split_highlights("First highlight here\nSecond highlight here\n\n") == [
        "First highlight here",
        "Second highlight here",
    ]


def test_highlights_split_on_spaced_full_stops() -> None:
    joined = "Police arrested two men on Monday . The men were later released on bail ."
    assert text.split_highlights(joined) == [
        "Police arrested two men on Monday .",
        "The men were later released on bail .",
    ]


def test_highlights_split_after_a_closing_double_quote() -> None:
    joined = 'The minister called it "a disgrace" Parliament will vote on Friday .'
    assert text.split_highlights(joined) == [
        'The minister called it "a disgrace"',
        "Parliament will vote on Friday .",
    ]


def test_highlights_as_a_list_are_kept_as_given() -> None:
    given = ["One. Two three four.", "  spaced   out  ", "", "..."]
    assert text.split_highlights(given) == ["One. Two three four.", "spaced out"]


def test_no_highlights_is_an_empty_list() -> None:
    assert text.split_highlights(None) == []


@pytest.mark.parametrize(
    ("prose", "sentences"),
    [
        pytest.param(
            "Mr. Smith went to Washington. He met Dr. Jones at 5 p.m. on Friday.",
            ["Mr. Smith went to Washington.", "He met Dr. Jones at 5 p.m. on Friday."],
            id="abbreviations",
        ),
        pytest.param(
            "The court heard from V. Stiviano on Monday. She did not testify again.",
            ["The court heard from V. Stiviano on Monday.", "She did not testify again."],
            id="initials",
        ),
        pytest.param(
            "He said: 'We will win.' The crowd cheered loudly for him.",
            ["He said: 'We will win.'", "The crowd cheered loudly for him."],
            id="closing-quote",
        ),
        pytest.param(
            "the vote was close. the mayor lost by ten votes.",
            ["the vote was close.", "the mayor lost by ten votes."],
            id="lowercase",
        ),
        pytest.param(
            "By . Vladimir Putin is under pressure to act . He said nothing today .",
            ["By . Vladimir Putin is under pressure to act .", "He said nothing today ."],
            id="cnn-byline-fragments",
        ),
        pytest.param(
            "Он пришёл домой поздно. Она ушла на работу рано.",
            ["Он пришёл домой поздно.", "Она ушла на работу рано."],
            id="cyrillic",
        ),
        pytest.param(
            "Η βουλή ψήφισε τον νόμο χθες. Η αντιπολίτευση διαφώνησε έντονα.",
            ["Η βουλή ψήφισε τον νόμο χθες.", "Η αντιπολίτευση διαφώνησε έντονα."],
            id="greek",
        ),
        pytest.param(
            "我今天很高兴。你呢？我们明天见！",
            ["我今天很高兴。", "你呢?", "我们明天见!"],
            id="cjk-stops-without-spaces",
        ),
    ],
)
def test_split_sentences(prose: str, sentences: list[str]) -> None:
    assert text.split_sentences(prose) == sentences


def test_split_sentences_of_blank_text() -> None:
    assert text.split_sentences(" \n\t ") == []


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("Merson 's goal , in the region .", ["Merson", "s", "goal", "in", "the", "region"]),
        ("don’t stop", ["don’t", "stop"]),
        ("Привет, мир!", ["Привет", "мир"]),
        ("東京に行く", ["東", "京", "に", "行", "く"]),
        ("snake_case 3.5", ["snake", "case", "3", "5"]),
    ],
)
def test_words(sample: str, expected: list[str]) -> None:
    assert text.words(sample) == expected


def test_normalize_collapses_every_kind_of_space() -> None:
    assert text.normalize("a\u00a0b\t c\r\n d") == "a b c d"


def test_normalize_drops_the_backslash_of_an_escaped_quotation_mark() -> None:
    # Text written out by a program that escaped its quotes: "Swansea City\'s".
    assert text.normalize(r"Swansea City\'s \"new\" manager") == 'Swansea City\'s "new" manager'
    assert text.normalize(r"a path C:\data\x") == r"a path C:\data\x"


def test_clip_cuts_at_a_word_boundary_and_marks_the_cut() -> None:
    assert text.clip("short") == "short"
    assert text.clip("one two three four", limit=10) == "one two..."


def test_rouge_tokenizer_keeps_other_scripts_and_stems_latin_words() -> None:
    tokens = text.RougeTokenizer().tokenize("Привет мир Running 東京 Καλημέρα")
    assert tokens == ["привет", "мир", "run", "東", "京", "καλημέρα"]


@pytest.mark.parametrize(
    ("reference", "candidate"),
    [
        pytest.param("Президент подписал закон в понедельник", "Президент подписал закон", id="ru"),
        pytest.param("Ο πρωθυπουργός μίλησε στη βουλή", "Ο πρωθυπουργός μίλησε", id="el"),
        pytest.param("首相は国会で演説した", "首相は演説した", id="ja"),
        pytest.param("总统星期一签署了法律", "总统签署了法律", id="zh"),
    ],
)
def test_rouge_of_other_scripts_is_not_zero(reference: str, candidate: str) -> None:
    scores = _rouge().score(reference, candidate)
    assert scores["rouge1"].recall > 0.4
    assert scores["rougeL"].recall > 0.4


def test_rouge_uses_stemming() -> None:
    scores = _rouge().score("The ministers were running", "the minister runs")
    assert scores["rouge1"].recall == pytest.approx(0.75)
