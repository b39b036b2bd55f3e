"""Coverage of the reference highlights: which highlights the summary covers, and ROUGE."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .. import text
from .base import Aligned, Document, Metric
from .similarity import SentenceIndex

if TYPE_CHECKING:
    from ..models import Embedder

NO_HIGHLIGHTS = "no highlights in this case"
# How much of a highlight the summary covers is the larger of two readings: the share of the
# highlight's content words the summary contains (stemmed), and how closely some summary
# passage means the same (cosine with all-MiniLM-L6-v2, from 0 at SOFT_FROM to 1 at SOFT_TO),
# so a paraphrase counts as well as a copy. Chosen on the dev splits of REALSumm and SummEval
# (bench/calibrate.py prints the comparison with the alternatives).
SOFT_FROM, SOFT_TO = 0.5, 0.9
# A highlight covered less than this is named in the evidence as missed.
MISSED_BELOW = 0.5
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "by",
        "with",
        "from",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "as",
        "he",
        "she",
        "they",
        "we",
        "you",
        "i",
        "his",
        "her",
        "their",
        "our",
        "your",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "said",
        "says",
        "say",
        "also",
        "not",
        "no",
        "than",
        "then",
        "there",
        "here",
        "who",
        "whom",
        "which",
        "what",
        "when",
        "where",
        "after",
        "before",
        "over",
        "into",
        "about",
        "up",
        "out",
    ]
)


def content_tokens(text_: str) -> list[str]:
    """Stemmed word tokens without English function words (all of them if that is all)."""
    tokens = _tokenizer().tokenize(text_)
    content = [t for t in tokens if t not in _STOPWORDS]
    return content or tokens


class CoverageScorer:
    """``coverage``: how much of the reference highlights the summary covers, on average.

    Each highlight is covered to the degree described above (``MISSED_BELOW`` and under is
    reported as missed); the case's coverage is the mean over its highlights.
    """

    names: tuple[str, ...] = ("coverage",)
    needs_model = True

    def highlight_support(
        self, docs: Sequence[Document], embedder: Embedder
    ) -> list[list[tuple[float, int]]]:
        """Per document, each highlight's best similarity with a summary passage, and which."""
        index = SentenceIndex(
            embedder, [s for d in docs for s in d.highlights + d.summary_passages]
        )
        return [index.best_matches(d.highlights, d.summary_passages) for d in docs]

    def degrees(
        self, docs: Sequence[Document], embedder: Embedder
    ) -> list[list[tuple[float, float, float, int]]]:
        """Per document and highlight: (degree covered, word share, cosine, the closest
        summary passage)."""
        result = []
        for doc, best in zip(docs, self.highlight_support(docs, embedder), strict=True):
            summary = set(_tokenizer().tokenize(doc.summary))
            per_doc = []
            for highlight, (similarity, passage) in zip(doc.highlights, best, strict=True):
                words = content_tokens(highlight)
                share = sum(w in summary for w in words) / len(words) if words else 0.0
                soft = min(max((similarity - SOFT_FROM) / (SOFT_TO - SOFT_FROM), 0.0), 1.0)
                per_doc.append((max(share, soft), share, similarity, passage))
            result.append(per_doc)
        return result

    def fingerprint(self, embedder: Embedder | None) -> str:
        return f"coverage:{embedder.fingerprint if embedder else ''}"

    def score(self, docs: Sequence[Document], embedder: Embedder | None) -> list[dict[str, Metric]]:
        assert embedder is not None
        results = []
        for doc, degrees in zip(docs, self.degrees(docs, embedder), strict=True):
            if not doc.highlights:
                results.append({"coverage": Metric(None, skipped=NO_HIGHLIGHTS)})
                continue
            missed = [
                f'missed highlight: "{text.clip(h, 100)}" ({share:.0%} of its words, '
                f"closest passage {similarity:.2f})"
                for h, (degree, share, similarity, _) in zip(doc.highlights, degrees, strict=True)
                if degree < MISSED_BELOW
            ]
            value = sum(degree for degree, *_ in degrees) / len(degrees)
            highlights = tuple(
                Aligned(
                    h,
                    degree,
                    (passage,) if passage >= 0 else (),
                    (round(similarity, 4),) if passage >= 0 else (),
                    (f"missed: {share:.0%} of its words",) if degree < MISSED_BELOW else (),
                    (False,) if degree < MISSED_BELOW else (),
                )
                for h, (degree, share, similarity, passage) in zip(
                    doc.highlights, degrees, strict=True
                )
            )
            results.append({"coverage": Metric(value, tuple(missed), aligned=highlights)})
        return results


@lru_cache(maxsize=1)
def _tokenizer() -> text.RougeTokenizer:
    return text.RougeTokenizer()


class RougeScorer:
    """``rouge1``, ``rouge2``, ``rougeL``: recall of the highlights by the summary.

    rouge-score with Porter stemming, fed a tokenizer that keeps non-Latin scripts.
    """

    names: tuple[str, ...] = ("rouge1", "rouge2", "rougeL")
    needs_model = False

    def fingerprint(self, embedder: Embedder | None) -> str:
        return "rouge"

    def score(self, docs: Sequence[Document], embedder: Embedder | None) -> list[dict[str, Metric]]:
        results = []
        for doc in docs:
            if not doc.highlights:
                results.append({name: Metric(None, skipped=NO_HIGHLIGHTS) for name in self.names})
                continue
            reference = "\n".join(doc.highlights)
            sizes = [len(_tokenizer().tokenize(part)) for part in (reference, doc.summary)]
            names = self.names if sizes[0] * sizes[1] <= ROUGE_L_MAX_PAIRS else self.names[:2]
            scores = _rouge(names).score(reference, doc.summary)
            metrics = {name: Metric(float(scores[name].recall)) for name in names}
            if "rougeL" not in metrics:
                metrics["rougeL"] = Metric(
                    None,
                    skipped=f"highlights and summary too long for ROUGE-L ({sizes[0]} x "
                    f"{sizes[1]} words, over {ROUGE_L_MAX_PAIRS:,} word pairs)",
                )
            results.append(metrics)
        return results


# ROUGE-L is a longest common subsequence: it costs the product of the two texts' lengths
# (4,000 words each took 3.2 s, 50,000 would take minutes). Past this many word pairs it is
# skipped, saying why; rouge1 and rouge2 count n-grams, in time linear in the texts.
ROUGE_L_MAX_PAIRS = 4_000_000


@lru_cache(maxsize=2)
def _rouge(names: tuple[str, ...] = ("rouge1", "rouge2", "rougeL")) -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(names), use_stemmer=True, tokenizer=_tokenizer())
