"""Coverage of the reference highlights: which highlights the summary covers, and ROUGE."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .. import text
from . import Document, Metric
from .similarity import SentenceIndex

if TYPE_CHECKING:
    from ..models import Embedder

NO_HIGHLIGHTS = "no highlights in this case"
# A highlight counts as covered when some summary sentence has at least this cosine
# similarity with it (all-MiniLM-L6-v2). bench/calibrate.py prints the measurement on the
# REALSumm dev split that chose it.
MATCH_SIMILARITY = 0.55


class CoverageScorer:
    """``coverage``: the share of highlights matched by some summary sentence."""

    names: tuple[str, ...] = ("coverage",)
    needs_model = True

    def __init__(self, match_similarity: float = MATCH_SIMILARITY) -> None:
        self.match_similarity = match_similarity

    def highlight_support(
        self, docs: Sequence[Document], embedder: Embedder
    ) -> list[list[tuple[float, int]]]:
        """Per document, each highlight's best similarity with a summary passage, and which."""
        index = SentenceIndex(
            embedder, [s for d in docs for s in d.highlights + d.summary_passages]
        )
        return [index.best_matches(d.highlights, d.summary_passages) for d in docs]

    def score(self, docs: Sequence[Document], embedder: Embedder | None) -> list[dict[str, Metric]]:
        assert embedder is not None
        results = []
        for doc, best in zip(docs, self.highlight_support(docs, embedder), strict=True):
            if not doc.highlights:
                results.append({"coverage": Metric(None, skipped=NO_HIGHLIGHTS)})
                continue
            missed = [
                f'missed highlight: "{text.clip(h, 100)}" (best match {sim:.2f})'
                for h, (sim, _) in zip(doc.highlights, best, strict=True)
                if sim < self.match_similarity
            ]
            covered = len(doc.highlights) - len(missed)
            results.append({"coverage": Metric(covered / len(doc.highlights), tuple(missed))})
        return results


class RougeScorer:
    """``rouge1``, ``rouge2``, ``rougeL``: recall of the highlights by the summary.

    rouge-score with Porter stemming, fed a tokenizer that keeps non-Latin scripts.
    """

    names: tuple[str, ...] = ("rouge1", "rouge2", "rougeL")
    needs_model = False

    def score(self, docs: Sequence[Document], embedder: Embedder | None) -> list[dict[str, Metric]]:
        results = []
        for doc in docs:
            if not doc.highlights:
                results.append({name: Metric(None, skipped=NO_HIGHLIGHTS) for name in self.names})
                continue
            scores = _rouge().score("\n".join(doc.highlights), doc.summary)
            results.append({name: Metric(float(scores[name].recall)) for name in self.names})
        return results


@lru_cache(maxsize=1)
def _rouge() -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(
        ["rouge1", "rouge2", "rougeL"], use_stemmer=True, tokenizer=text.RougeTokenizer()
    )
