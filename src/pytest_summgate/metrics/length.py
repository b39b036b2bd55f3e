"""Length: the summary's words, and its compression against the article."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .base import Document, Metric

if TYPE_CHECKING:
    from ..models import Embedder


class LengthScorer:
    """``length`` in words and ``compression`` (summary words / article words)."""

    names: tuple[str, ...] = ("length", "compression")
    needs_model = False

    def fingerprint(self, embedder: Embedder | None) -> str:
        return "length"

    def score(self, docs: Sequence[Document], embedder: Embedder | None) -> list[dict[str, Metric]]:
        return [
            {
                "length": Metric(float(doc.summary_words)),
                "compression": Metric(doc.summary_words / max(doc.article_words, 1)),
            }
            for doc in docs
        ]
