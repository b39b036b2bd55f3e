"""The scorers' common ground: a Metric, the Document every scorer reads, the Scorer protocol.

Kept apart from the package's ``__init__`` (which chooses and runs the scorers), so the
scorers import it without importing each other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .. import text

if TYPE_CHECKING:
    from ..models import Embedder


@dataclass(frozen=True)
class Aligned:
    """One summary sentence (or one reference highlight) as a reviewer reads it beside its
    source, the way SummVis shows a summary: how well it is supported (or covered), the source
    sentences it was aligned with (indices into the article's sentences, or for a highlight
    into the summary's passages; closest first, with their similarity), and why it falls
    short (``decisive`` flags each reason that is hard evidence on its own)."""

    text: str
    score: float
    passages: tuple[int, ...] = ()
    similarities: tuple[float, ...] = ()
    reasons: tuple[str, ...] = ()
    decisive: tuple[bool, ...] = ()
    notes: tuple[str, ...] = ()  # true remarks shown after the reasons, never a reason


@dataclass(frozen=True)
class Metric:
    """A metric's value for one document and the evidence behind it.

    ``value`` is None when the metric does not apply (``skipped`` says why, for example a case
    without highlights has no coverage). ``evidence`` holds short lines for the failure text.
    ``decisive`` holds the reasons that are hard evidence on their own (a number, a date or a
    name the article does not have, a flipped negation): when it is not empty the case fails
    whatever the value says. ``aligned`` holds the same evidence per sentence (or highlight),
    for the HTML report: what was compared with what, and why each falls short.
    """

    value: float | None
    evidence: tuple[str, ...] = ()
    skipped: str = ""
    decisive: tuple[str, ...] = ()
    aligned: tuple[Aligned, ...] = ()


class Document:
    """The texts of one case, split once and shared by all scorers."""

    def __init__(
        self, article: str, summary: str, highlights: str | Sequence[str] | None = None
    ) -> None:
        self.article = article
        self.summary = summary
        self.raw_highlights = highlights

    @cached_property
    def key(self) -> str:
        """A digest of the texts: what a cached score of this document is looked up by."""
        texts = json.dumps([self.article, self.summary, self.raw_highlights], ensure_ascii=False)
        return hashlib.blake2b(texts.encode(), digest_size=20).hexdigest()

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
    A scorer whose metrics depend on nothing but the document's texts and what its
    ``fingerprint(embedder)`` string names (code, weights, models) may define that method:
    its metrics are then cached by fingerprint and texts (``score_documents``). Custom
    scorers without it run every time.
    """

    @property
    def names(self) -> tuple[str, ...]: ...

    @property
    def needs_model(self) -> bool: ...

    def score(
        self, docs: Sequence[Document], embedder: Embedder | None
    ) -> list[dict[str, Metric]]: ...
