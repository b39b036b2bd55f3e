"""Sentence similarity on top of the embedder: encode a batch once, then look up pairs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ..models import Embedder


class SentenceIndex:
    """Embeddings of a set of sentences, encoded in one batch (each distinct text once)."""

    def __init__(self, embedder: Embedder, sentences: Sequence[str]) -> None:
        unique = list(dict.fromkeys(sentences))
        self._row = {s: i for i, s in enumerate(unique)}
        self._vectors = embedder.encode(unique)

    def best_matches(
        self, queries: Sequence[str], candidates: Sequence[str]
    ) -> list[tuple[float, int]]:
        """For each query, the highest cosine similarity among candidates and its index.

        A query with no candidates gets (0.0, -1).
        """
        if not candidates:
            return [(0.0, -1) for _ in queries]
        sims = self.similarities(queries, candidates)
        best = sims.argmax(axis=1)
        return [(max(float(sims[i, j]), 0.0), int(j)) for i, j in enumerate(best)]

    def similarities(
        self, queries: Sequence[str], candidates: Sequence[str]
    ) -> npt.NDArray[np.float32]:
        """Cosine similarity of every query (rows) with every candidate (columns)."""
        q = self._vectors[[self._row[s] for s in queries]]
        c = self._vectors[[self._row[s] for s in candidates]]
        sims: npt.NDArray[np.float32] = q @ c.T
        return sims
