"""Quotations are found in time linear in the sentence (issue 14, class 7), and they are the
ones the regular expression used before found: that expression, kept here as the oracle, is
what "the same behaviour" means."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import python_steps
from pytest_summgate.metrics import claims, quotes
from pytest_summgate.metrics.quotes import find_quotes

_LONGEST = 400
# The scan before issue 14: bounded per mark, but cubic in a run of spaces after a mark.
ORACLE = re.compile(
    rf"``\s*([^\n]{{1,{_LONGEST}}}?)\s*''"
    rf"|\"\s*([^\"\n]{{1,{_LONGEST}}}?)\s*\""
    rf"|“\s*([^”\n]{{1,{_LONGEST}}}?)\s*”"
    rf"|(?<![\w'’`])['‘`](?!(?:s|re|ve|ll|d|m|t)\b)\s*([^\n]{{1,{_LONGEST}}}?)\s*['’](?![\w'’])"
)


def oracle(sentence: str) -> list[tuple[str, tuple[int, int]]]:
    found = []
    for match in ORACLE.finditer(sentence):
        words = next(g for g in match.groups() if g)
        inner = words.strip("\"'“”‘’`" + " ,;:\\").removesuffix(".")
        if inner:
            found.append((inner, match.span()))
    return found


def found(sentence: str) -> list[tuple[str, tuple[int, int]]]:
    return [(q.text, q.span) for q in find_quotes(sentence)]


SENTENCES = [
    'The mayor said "the plan would help families" on Tuesday.',
    "He called it 'a disgrace' and left; it's not the first time they've said 'no'.",
    "`` We will rebuild , '' said the minister , `` and soon . ''",
    "Fans chanted ` we want more ' as the band's bus left.",
    "She wrote: “I am hopeful” and “we are ready”.",
    "‘It’s over,’ he said, ‘for now.’",
    'An unclosed "quote runs to the end of the sentence',
    "Rock 'n' roll, the '90s and the players' union.",
    '"" and " " and “ ” are empty; "  spaced  " is not.',
    'A quotation over two lines "first\nsecond" is none.',
    '"' + "a" * 400 + '" fits and "' + "b" * 401 + '" does not.',
]


@pytest.mark.parametrize("sentence", SENTENCES)
def test_the_quotations_of_real_sentences_are_the_oracles(sentence: str) -> None:
    assert found(sentence) == oracle(sentence)


def test_the_examples_read_as_a_reader_reads_them() -> None:
    assert [q for q, _ in found(SENTENCES[0])] == ["the plan would help families"]
    assert [q.strip() for q, _ in found(SENTENCES[2])] == ["We will rebuild", "and soon"]
    assert [q for q, _ in found(SENTENCES[4])] == ["I am hopeful", "we are ready"]
    assert found(SENTENCES[6]) == []


# Marks of every kind, the clitics that open no quotation, spaces and line breaks, words.
PIECES = [
    "`", "``", "'", "''", '"', "“", "”", "‘", "’", " ", "  ", "\n", "\t", "a", "s", "re",
    "t", "word", ".", ",", "x y", "'s", "n't",
]  # fmt: skip


@settings(max_examples=settings().max_examples * 25, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_any_mix_of_marks_gives_the_oracles_quotations(pieces: list[str]) -> None:
    sentence = "".join(pieces)
    assert found(sentence) == oracle(sentence)


@settings(max_examples=settings().max_examples * 5, deadline=None)
@given(
    st.lists(st.sampled_from(PIECES), max_size=12),
    st.sampled_from(["a", " ", "\n", "word "]),
    st.integers(min_value=1, max_value=60),
    st.lists(st.sampled_from(PIECES), max_size=12),
)
def test_long_runs_give_the_oracles_quotations(
    before: list[str], unit: str, times: int, after: list[str]
) -> None:
    # Runs of spaces and words near the 400-character limit of a quotation.
    sentence = "".join(before) + unit * (times * 7) + "".join(after)
    assert found(sentence) == oracle(sentence)


# Units repeated 8,000 times: unclosed marks of every kind, marks followed by spaces (the
# old scan was cubic in those), marks that close only past the limit.
UNCLOSED = {
    "double": '"a ',
    "bare double": '"',
    "curly": "“a ",
    "single": "'a ",
    "left single": " ‘",
    "tokenized": "`` a ",
    "backtick": "`a ",
    "curly and spaces": "“" + " " * 100,
    "double and line breaks": '"\n\n\n',
    "closing past the limit": "“" + "a" * 500,
}


@pytest.mark.parametrize("unit", list(UNCLOSED.values()), ids=list(UNCLOSED))
def test_unclosed_quotation_marks_are_scanned_in_linear_time(unit: str) -> None:
    small, large = unit * 2_000, unit * 8_000
    find_quotes(unit * 100)
    # Four times the marks, about four times the Python steps: a quadratic scan takes sixteen.
    # (The searches' own scans are counted by the next test.)
    ratio = python_steps(lambda: find_quotes(large)) / python_steps(lambda: find_quotes(small))
    assert ratio < 5, ratio


class Counting(quotes._Ahead):
    """A cursor that adds up how much text its searches go over."""

    searched = 0

    def first(self, position: int) -> int:
        if self.asked <= position <= self.found:
            return self.found
        found = super().first(position)
        Counting.searched += found - position
        return found


@pytest.mark.parametrize("unit", list(UNCLOSED.values()), ids=list(UNCLOSED))
def test_each_stretch_of_text_is_searched_a_bounded_number_of_times(
    unit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quotes, "_Ahead", Counting)
    for sentence in (unit * 1_000, unit * 4_000, "x" + unit * 4_000 + "”'\"''"):
        Counting.searched = 0
        find_quotes(sentence)
        # Three cursors for each of four kinds of quotation, each over the text at most once.
        assert Counting.searched <= 12 * len(sentence)


def test_a_summary_of_unclosed_quotes_is_checked_in_linear_time() -> None:
    source = claims.Source("The council met on Tuesday. “It went well,” the mayor said.")

    def summary(marks: int) -> int:
        text = "“" * marks + " " + "“a " * marks
        return python_steps(lambda: claims.check(text, source, "The council met on Tuesday."))

    summary(500)
    assert summary(8_000) < 5 * summary(2_000)
