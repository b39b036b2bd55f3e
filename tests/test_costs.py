"""Costs that must grow with the text, not faster, counted in operations (not timed)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
import pytest

from conftest import python_steps
from pytest_summgate.metrics import Document, claims, faithfulness, numbers
from pytest_summgate.metrics.similarity import SentenceIndex

if TYPE_CHECKING:
    from pytest_summgate.models import Embedder


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


class RandomVectors:
    """An embedder of random unit vectors (one per distinct sentence, in the order asked)."""

    def __init__(self) -> None:
        self.generator = np.random.default_rng(0)

    def encode(self, sentences: Sequence[str]) -> npt.NDArray[np.float32]:
        found = self.generator.normal(size=(len(sentences), 8)).astype(np.float32)
        unit: npt.NDArray[np.float32] = found / np.linalg.norm(found, axis=1, keepdims=True)
        return unit


class CountedIndex(SentenceIndex):
    """A sentence index that remembers the largest block of rows it was asked to compare."""

    largest = 0

    def similarities(
        self, queries: Sequence[str], candidates: Sequence[str]
    ) -> npt.NDArray[np.float32]:
        self.largest = max(self.largest, len(queries))
        return super().similarities(queries, candidates)


def test_a_long_summary_is_compared_with_the_article_a_block_of_rows_at_a_time() -> None:
    article = " ".join(f"Sentence number {i} of the article." for i in range(300))
    summary = " ".join(f"Claim number {i} of the summary." for i in range(1_000))
    doc = Document(article, summary, [])
    embedder = cast("Embedder", RandomVectors())
    index = CountedIndex(embedder, [*doc.summary_sentences, *doc.article_sentences])
    nearest = faithfulness._nearest(doc, index)
    assert len(nearest) == 1_000
    assert index.largest <= faithfulness._ROWS  # memory bounded by a block, not the summary
    # The same passages, in the same order, as sorting every similarity would give.
    whole = index.similarities(doc.summary_sentences, doc.article_sentences)
    for row in (0, 499, 999):
        ranked = sorted(((float(s), j) for j, s in enumerate(whole[row])), reverse=True)
        assert nearest[row] == ranked[: faithfulness._PASSAGES]


def test_fragments_are_carried_with_their_word_count(monkeypatch: pytest.MonkeyPatch) -> None:
    # Thousands of bare stops ('." ' repeated) are fragments of no words, carried to the
    # next sentence: each piece's words are counted once (were recounted with all the carried
    # text: 16,000 stops took 9 s).
    from pytest_summgate import text

    counted: list[int] = []
    real = text.words

    def words(part: str) -> list[str]:
        counted.append(len(part))
        return real(part)

    monkeypatch.setattr(text, "words", words)
    sentences = text.split_sentences('." ' * 4_000 + "The council met on Tuesday.")
    assert sentences[0].endswith("The council met on Tuesday.")
    assert len(counted) <= 4_001
    assert sum(counted) <= 4 * 4_001  # a few characters a piece, never the carried run


@pytest.mark.parametrize("unit", ["!", ".?"])
def test_a_long_run_of_stops_is_split_in_linear_time(unit: str) -> None:
    # A boundary tried from inside a run of stops read the rest of the run each time (16,000
    # stops took 6 s). That scan is the regular expression's own, not a Python step, so the
    # property that keeps it linear is asserted itself: no boundary starts inside a run.
    from pytest_summgate import text

    stops = "a" + unit * 50 + " b"
    assert [m.start() for m in text._BOUNDARY.finditer(stops)] == [1]
    assert all(text._BOUNDARY.match(stops, i) is None for i in range(2, len(stops)))

    def split(n: int) -> int:
        return python_steps(lambda: text.split_sentences("a" + unit * n + "x"))

    assert split(32_000) < 5 * split(8_000)


def test_a_weights_file_is_hashed_again_only_when_it_changes(tmp_path: Path) -> None:
    import os

    from pytest_summgate import models

    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"first")
    first = models._file_sha256(weights)
    assert models._file_sha256(weights) == first
    weights.write_bytes(b"other")  # same size, a new write
    os.utime(weights, ns=(1, 1))
    assert models._file_sha256(weights) != first
