"""Costs that must grow with the text, not faster, counted in operations (not timed)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pytest_summgate.metrics import claims, numbers


class CountedPattern:
    """A compiled pattern that counts its ``fullmatch`` calls."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.calls = 0

    def fullmatch(self, text: str) -> Any:
        self.calls += 1
        return self.pattern.fullmatch(text)


def day_lookups(monkeypatch: pytest.MonkeyPatch, dates: int) -> int:
    after = CountedPattern(numbers._DAY_AFTER)
    before = CountedPattern(numbers._DAY_BEFORE)
    monkeypatch.setattr(numbers, "_DAY_AFTER", after)
    monkeypatch.setattr(numbers, "_DAY_BEFORE", before)
    # Days and months every way round: "14 March", "March 14", "14th of March", "March the 14".
    forms = ["on {d} March 2014", "on March {d}", "on the {d}th of May", "by June the {d}"]
    sentence = " and ".join(forms[i % 4].format(d=i % 28 + 1) for i in range(dates)) + "."
    # An article of the same dates, said another way: nothing is copied, every date is read.
    article = "The dates were " + sentence.replace(" and ", ", then ")
    claims.check(sentence, claims.Source(article), article)
    return after.calls + before.calls


def test_each_day_is_matched_with_its_nearest_months_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # A summary (or article) of thousands of dates: each day number looks at the month just
    # before it and the one just after, not at every month of the text (quadratic: 8,000
    # dates took 17 s).
    small = day_lookups(monkeypatch, 400)
    large = day_lookups(monkeypatch, 1600)
    assert small <= 4 * 400 * 2  # at most two look-ups per day, in the summary and the article
    assert large <= 4 * small + 8


def test_rouge_l_is_skipped_past_its_quadratic_bound_and_rouge_1_2_still_count() -> None:
    from pytest_summgate.metrics import Document
    from pytest_summgate.metrics.coverage import ROUGE_L_MAX_PAIRS, RougeScorer

    def doc(words: int) -> Document:
        summary = " ".join(f"word{i % 700}" for i in range(words)) + "."
        return Document("An article.", summary, [" ".join(f"word{i}" for i in range(words))])

    small, large = RougeScorer().score([doc(1_000), doc(3_000)], None)
    assert 1_000 * 1_000 <= ROUGE_L_MAX_PAIRS < 3_000 * 3_000
    assert small["rougeL"].value is not None
    assert large["rougeL"].value is None
    assert "too long for ROUGE-L (3000 x 3000 words" in large["rougeL"].skipped
    assert large["rouge1"].value == pytest.approx(700 / 3_000)
    assert large["rouge2"].value is not None
