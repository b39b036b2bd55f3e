"""Faithfulness from an NLI cross-encoder, scored SummaC-style (zero-shot).

For users who can download a model (for example ``cross-encoder/nli-deberta-v3-xsmall``):
each summary sentence is checked for entailment against windows of the article, its support
is the highest entailment probability over the windows, and the case's score is its weakest
sentence's support. Articles longer than the model's input are split into overlapping windows
of whole sentences that fit it.

The claim checks of :mod:`.claims` run here too, against each sentence's best-entailed window:
a sentence with a decisive finding (a number the article does not state, say) scores 0.0
whatever the model says, and the evidence names the finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import text
from . import analysis, claims
from .base import Document, Metric

if TYPE_CHECKING:
    from ..models import Embedder, NLIModel

# Words per window, from the model's token limit: English runs about 1.3 tokens a word, and
# the summary sentence and special tokens share the same input.
_TOKENS_PER_WORD = 1.5
_RESERVED_TOKENS = 96


def windows(sentences: Sequence[str], max_words: int) -> list[str]:
    """Overlapping windows of consecutive sentences, each at most ``max_words`` words.

    Each window starts halfway into the previous one, so a claim that spans two sentences
    is seen whole; a single sentence longer than the budget is cut into word chunks.
    """
    pieces: list[str] = []
    for sentence in sentences:
        tokens = sentence.split()
        if len(tokens) <= max_words:
            pieces.append(sentence)
        else:
            pieces.extend(
                " ".join(tokens[i : i + max_words]) for i in range(0, len(tokens), max_words)
            )
    result: list[str] = []
    start = 0
    while start < len(pieces):
        window: list[str] = []
        size = 0
        for piece in pieces[start:]:
            n = len(piece.split())
            if window and size + n > max_words:
                break
            window.append(piece)
            size += n
        result.append(" ".join(window))
        if start + len(window) >= len(pieces):
            break
        start += max(1, len(window) // 2)
    return list(dict.fromkeys(result))


class NLIFaithfulnessScorer:
    """``faithfulness``: min over summary sentences of max entailment over article windows."""

    names: tuple[str, ...] = ("faithfulness",)
    needs_model = False  # it brings its own model, not the embedder

    def __init__(self, model: NLIModel) -> None:
        self.model = model

    def fingerprint(self, embedder: Embedder | None) -> str:
        return f"nli:{self.model.fingerprint}"

    def load_model(self) -> None:
        analysis.check()  # the claim checks' pipeline, before a long model load
        self.model.load()
        self.model.entailment_index()

    def score(self, docs: Sequence[Document], embedder: Embedder | None) -> list[dict[str, Metric]]:
        budget = max(int((self.model.max_tokens - _RESERVED_TOKENS) / _TOKENS_PER_WORD), 16)
        per_doc = [windows(doc.article_sentences, budget) for doc in docs]
        pairs = [
            (window, sentence)
            for doc, wins in zip(docs, per_doc, strict=True)
            for sentence in doc.summary_sentences
            for window in wins
        ]
        probs = self.model.entailment(pairs).tolist()
        sources: dict[str, claims.Source] = {}
        results = []
        at = 0
        for doc, wins in zip(docs, per_doc, strict=True):
            if not doc.summary_sentences or not wins:
                results.append({"faithfulness": Metric(None, skipped="nothing to compare")})
                continue
            if doc.article not in sources:  # summaries of one article share its reading
                sources[doc.article] = claims.Source(doc.article)
            source = sources[doc.article]
            checked = []
            for sentence in doc.summary_sentences:
                row = probs[at : at + len(wins)]
                at += len(wins)
                best = max(range(len(wins)), key=row.__getitem__)
                found = claims.check(sentence, source, wins[best])
                checked.append(Entailed(sentence, row[best], wins[best], found.findings))
            results.append({"faithfulness": _metric(checked)})
        return results


@dataclass(frozen=True)
class Entailed:
    """One summary sentence: its best entailment, that window, and its claim findings."""

    sentence: str
    entailment: float
    window: str
    findings: tuple[claims.Finding, ...]

    @property
    def decisive(self) -> tuple[str, ...]:
        return tuple(f.text for f in self.findings if f.decisive)

    @property
    def support(self) -> float:
        """The entailment, or 0.0 with a decisive finding."""
        return 0.0 if self.decisive else self.entailment


def _metric(checked: list[Entailed]) -> Metric:
    """The weakest sentence's support, with two evidence lines: the sentence, then its
    findings (decisive ones first and marked) and its best article window."""
    weakest = min(checked, key=lambda c: c.support)
    findings = sorted(weakest.findings, key=lambda f: not f.decisive)
    why = [f"{f.text} [decisive]" if f.decisive else f.text for f in findings[:2]]
    clip = text.clip(weakest.window, 90)
    why.append(f'best article window (entailment {weakest.entailment:.2f}): "{clip}"')
    label = "unsupported (decisive)" if weakest.decisive else "least entailed"
    evidence = (f'{label}: "{text.clip(weakest.sentence, 160)}"', "  " + "; ".join(why))
    decisive = tuple(dict.fromkeys(d for c in checked for d in c.decisive))
    return Metric(float(weakest.support), evidence, decisive=decisive)
