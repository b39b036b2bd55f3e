"""Metrics: one small Scorer protocol, and the documents the scorers share.

A :class:`Document` splits its texts once (sentences, highlights, words) so every scorer
reads the same pieces. A :class:`Scorer` turns a batch of documents into named
:class:`Metric` values with their evidence. Heavy imports (torch, sentence-transformers,
rouge-score) happen inside the scorers, on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .. import text

if TYPE_CHECKING:
    from ..models import Embedder


@dataclass(frozen=True)
class Metric:
    """A metric's value for one document and the evidence behind it.

    ``value`` is None when the metric does not apply (``skipped`` says why, for example a case
    without highlights has no coverage). ``evidence`` holds short lines for the failure text.
    """

    value: float | None
    evidence: tuple[str, ...] = ()
    skipped: str = ""


class Document:
    """The texts of one case, split once and shared by all scorers."""

    def __init__(
        self, article: str, summary: str, highlights: str | Sequence[str] | None = None
    ) -> None:
        self.article = article
        self.summary = summary
        self.raw_highlights = highlights

    @cached_property
    def article_sentences(self) -> list[str]:
        return text.split_sentences(self.article)

    @cached_property
    def summary_sentences(self) -> list[str]:
        return text.split_sentences(self.summary)

    @cached_property
    def summary_passages(self) -> list[str]:
        """Summary sentences, plus overlapping word windows over any overlong sentence.

        Model output without punctuation comes out as one long "sentence"; matching a short
        highlight against all of it would dilute the match.
        """
        return text.passages(self.summary_sentences)

    @cached_property
    def highlights(self) -> list[str]:
        return text.split_highlights(self.raw_highlights)

    @cached_property
    def article_words(self) -> int:
        return text.word_count(self.article)

    @cached_property
    def summary_words(self) -> int:
        return text.word_count(self.summary)


@runtime_checkable
class Scorer(Protocol):
    """Computes the metrics named in ``names`` for a batch of documents.

    ``needs_model`` tells the gate to load the embedding model before calling ``score``;
    ``score`` returns one mapping per document, from each name in ``names`` to its Metric.
    A scorer with a model of its own may also define ``load_model()``: the gate calls it
    before scoring, so an unavailable model is one clear error per case, not a traceback.
    """

    @property
    def names(self) -> tuple[str, ...]: ...

    @property
    def needs_model(self) -> bool: ...

    def score(
        self, docs: Sequence[Document], embedder: Embedder | None
    ) -> list[dict[str, Metric]]: ...


def default_scorers(faithfulness_model: str | None = None) -> list[Scorer]:
    """The built-in scorers, in the order their checks are shown.

    With ``faithfulness_model`` (an NLI cross-encoder, hub id or local path) faithfulness
    comes from that model instead of the embedded default.
    """
    from .coverage import CoverageScorer, RougeScorer
    from .length import LengthScorer

    faithfulness: Scorer
    if faithfulness_model:
        from ..models import get_nli_model
        from .nli import NLIFaithfulnessScorer

        faithfulness = NLIFaithfulnessScorer(get_nli_model(faithfulness_model))
    else:
        from .faithfulness import FaithfulnessScorer

        faithfulness = FaithfulnessScorer()
    return [faithfulness, CoverageScorer(), RougeScorer(), LengthScorer()]


def score_documents(
    docs: Sequence[Document], scorers: Sequence[Scorer], embedder: Embedder | None
) -> list[dict[str, Metric]]:
    """Every scorer over every document: one mapping of metric name to Metric per document."""
    results: list[dict[str, Metric]] = [{} for _ in docs]
    for scorer in scorers:
        for merged, scored in zip(
            results, scorer.score(docs, embedder if scorer.needs_model else None), strict=True
        ):
            merged.update(scored)
    return results
