"""Faithfulness: is every summary sentence supported by the article?

First scorer: a summary sentence's support is its highest cosine similarity with an article
sentence (the default embedding model); the case's score is its weakest sentence's support.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .. import text
from . import Document, Metric
from .similarity import SentenceIndex

if TYPE_CHECKING:
    from ..models import Embedder


class FaithfulnessScorer:
    """``faithfulness``: the minimum over summary sentences of their best article support."""

    names = ("faithfulness",)
    needs_model = True

    def score(
        self, docs: Sequence[Document], embedder: Embedder | None
    ) -> list[dict[str, Metric]]:
        assert embedder is not None
        index = SentenceIndex(
            embedder, [s for d in docs for s in d.article_sentences + d.summary_sentences]
        )
        results = []
        for doc in docs:
            support = index.best_matches(doc.summary_sentences, doc.article_sentences)
            if not support:
                results.append({"faithfulness": Metric(None, skipped="summary has no sentences")})
                continue
            weakest = min(range(len(support)), key=lambda i: support[i][0])
            value, source = support[weakest]
            evidence = (
                f'least supported: "{text.clip(doc.summary_sentences[weakest], 160)}"',
                f'  closest source ({value:.2f}): '
                f'"{text.clip(doc.article_sentences[source], 90)}"',
            )
            results.append({"faithfulness": Metric(value, evidence)})
        return results
