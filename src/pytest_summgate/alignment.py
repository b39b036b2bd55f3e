"""What a reviewer looks at for one case, the way SummVis shows a summary: its sentences
beside the article's, each aligned with the article passages closest to it, the unsupported
ones with their reasons, the words the article never uses, and the reference highlights the
summary missed.

Built from a case's metrics (``Metric.aligned``) for the HTML report and pytest-html's
extras; JSON-able (the JSON report's ``cases[].alignment``) and bounded: a case's record holds
at most ``ARTICLE_CHARS`` of its article (the aligned passages first, with their neighbours),
``MAX_SENTENCES`` summary sentences and ``MAX_HIGHLIGHTS`` highlights, each cut after
``SENTENCE_CHARS``. Pure: no pytest, no model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, TypedDict

from . import text
from .metrics.base import Aligned, Document

if TYPE_CHECKING:
    from .metrics import Metric

SENTENCE_CHARS = 1000  # of one sentence, highlight or passage
ARTICLE_CHARS = 20_000  # of the article's sentences in one case's record
MAX_SENTENCES = 200  # summary sentences
MAX_HIGHLIGHTS = 50
MAX_NOVEL = 12  # words of a sentence of which the article uses no form, marked


class Reason(TypedDict):
    text: str
    decisive: bool


class SentenceView(TypedDict):
    """One summary sentence: its support, its reasons, and the article sentences it was
    aligned with (indices into the article's sentences, closest first)."""

    text: str
    score: float | None  # None: the scorer scores the summary as a whole, not per sentence
    unsupported: bool
    reasons: list[Reason]
    notes: list[str]
    passages: list[int]
    similarities: list[float]
    novel: list[str]


class HighlightView(TypedDict):
    """One reference highlight: how much of it the summary covers, and the closest summary
    passage."""

    text: str
    score: float
    missed: bool
    reasons: list[str]
    closest: str
    similarity: float | None


class AlignmentRecord(TypedDict):
    """A case's evidence beside its article (the JSON report's ``cases[].alignment``)."""

    metric: str  # whose sentences: faithfulness
    sentences: list[SentenceView]
    sentences_total: int
    article: list[tuple[int, str]]  # (index, sentence) of the sentences kept, in order
    article_total: int
    highlights: list[HighlightView]
    highlights_total: int


def _clip(sentence: str) -> str:
    return sentence if len(sentence) <= SENTENCE_CHARS else text.clip(sentence, SENTENCE_CHARS)


def alignment(
    article: str,
    summary: str,
    highlights: str | Sequence[str] | None,
    metrics: Mapping[str, Metric],
    bar: float | None = None,
) -> AlignmentRecord:
    """The case's evidence view. ``bar``: the faithfulness threshold in force, under which a
    sentence is marked unsupported (a decisive reason marks it whatever its score)."""
    doc = Document(article, summary, highlights)
    faithful = metrics.get("faithfulness")
    aligned = faithful.aligned if faithful is not None else ()
    if not aligned:  # a scorer without sentences (NLI, a custom one): the sentences alone
        aligned = tuple(_bare(s) for s in doc.summary_sentences)
    vocabulary = _vocabulary(article)
    sentences = [_sentence(a, vocabulary, bar) for a in aligned[:MAX_SENTENCES]]
    wanted = [i for s in sentences for i in s["passages"]]
    covered = metrics.get("coverage")
    passages = doc.summary_passages if covered is not None and covered.aligned else []
    shown = [_highlight(h, passages) for h in (covered.aligned if covered is not None else ())][
        :MAX_HIGHLIGHTS
    ]
    return AlignmentRecord(
        metric="faithfulness",
        sentences=sentences,
        sentences_total=len(aligned),
        article=_article(doc.article_sentences, wanted),
        article_total=len(doc.article_sentences),
        highlights=shown,
        highlights_total=len(covered.aligned) if covered is not None else 0,
    )


def _bare(sentence: str) -> Aligned:
    return Aligned(sentence, math.nan)


@lru_cache(maxsize=16)  # many summaries of one article are scored one after another
def _vocabulary(article: str) -> frozenset[str]:
    return frozenset(_STEMS.tokenize(article))


@lru_cache(maxsize=65_536)
def _stems(word: str) -> frozenset[str]:
    return frozenset(_STEMS.tokenize(word))


_STEMS = text.RougeTokenizer()


def _sentence(aligned: Aligned, vocabulary: frozenset[str], bar: float | None) -> SentenceView:
    score = None if math.isnan(aligned.score) else round(aligned.score, 4)
    below = bar is not None and score is not None and score < bar
    # Novel: no form of it in the article (stemmed as coverage and ROUGE stem: sends, send);
    # short lowercase words (of, to, its) are function words, not claims.
    novel = [
        w
        for w in text.words(aligned.text)
        if (len(w) > 3 or not w.islower()) and not _stems(w) <= vocabulary
    ]
    return SentenceView(
        text=_clip(aligned.text),
        score=score,
        unsupported=any(aligned.decisive) or below,
        reasons=[
            Reason(text=_clip(r), decisive=d)
            for r, d in zip(
                aligned.reasons, _padded(aligned.decisive, aligned.reasons), strict=True
            )
        ],
        notes=[_clip(n) for n in aligned.notes],
        passages=list(aligned.passages),
        similarities=[round(s, 4) for s in aligned.similarities],
        novel=list(dict.fromkeys(novel))[:MAX_NOVEL],
    )


def _padded(flags: Sequence[bool], reasons: Sequence[str]) -> list[bool]:
    return [*flags, *([False] * (len(reasons) - len(flags)))]


def _highlight(aligned: Aligned, passages: Sequence[str]) -> HighlightView:
    index = aligned.passages[0] if aligned.passages else -1
    closest = passages[index] if 0 <= index < len(passages) else ""
    return HighlightView(
        text=_clip(aligned.text),
        score=round(aligned.score, 4),
        missed=bool(aligned.reasons),
        reasons=[_clip(r) for r in aligned.reasons],
        closest=_clip(closest),
        similarity=aligned.similarities[0] if aligned.similarities else None,
    )


def _article(sentences: Sequence[str], wanted: Sequence[int]) -> list[tuple[int, str]]:
    """The article's sentences within ``ARTICLE_CHARS``: all of them when they fit; else the
    aligned ones and their neighbours first, then the rest from the start while they fit."""
    clipped = [_clip(s) for s in sentences]
    if sum(map(len, clipped)) <= ARTICLE_CHARS:
        return list(enumerate(clipped))
    order = [
        *(n for i in dict.fromkeys(wanted) for n in (i, i - 1, i + 1)),
        *range(len(sentences)),
    ]
    kept: set[int] = set()
    left = ARTICLE_CHARS
    for index in dict.fromkeys(order):
        if 0 <= index < len(clipped) and len(clipped[index]) <= left:
            kept.add(index)
            left -= len(clipped[index])
    return [(index, clipped[index]) for index in sorted(kept)]
