"""pytest-xdist scheduling that keeps each chunk of cases on one worker.

The gate scores cases in chunks (``items.BatchScorer``: consecutive cases of a file)
so their sentences are encoded in one batch. xdist's default ``load`` scheduling hands out
single tests, which would split chunks between workers and encode them twice. This scheduler
is xdist's LoadScope scheduling with a case file's chunk as the scope; other tests keep
LoadScope's grouping by module. Imported only when xdist runs.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

from .items import chunk_positions


def chunk_scheduler(config: pytest.Config, log: Any, globs: Sequence[str]) -> LoadScopeScheduling:
    class CaseChunkScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path, _, _ = nodeid.partition("::")
            name = path.rsplit("/", 1)[-1]
            if not any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(path, g) for g in globs):
                return str(super()._split_scope(nodeid))
            return f"{path}#chunk{self._chunks()[nodeid]}"

        def _chunks(self) -> dict[str, int]:
            cached: dict[str, int] | None = getattr(self, "_summgate_chunks", None)
            if cached is None:
                # Every node id of the collection: only case files' own are looked up.
                cached = chunk_positions(list(self.collection or []), len(self.nodes))
                self._summgate_chunks = cached
            return cached

    return CaseChunkScheduling(config, log)
