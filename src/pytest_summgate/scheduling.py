"""pytest-xdist scheduling that keeps each chunk of cases on one worker.

The gate scores cases in chunks (``items.BatchScorer``: up to 64 consecutive cases of a file)
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


def chunk_scheduler(
    config: pytest.Config, log: Any, globs: Sequence[str], chunk: int
) -> LoadScopeScheduling:
    class CaseChunkScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path, _, _ = nodeid.partition("::")
            name = path.rsplit("/", 1)[-1]
            if not any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(path, g) for g in globs):
                return str(super()._split_scope(nodeid))
            return f"{path}#chunk{self._positions()[nodeid] // chunk}"

        def _positions(self) -> dict[str, int]:
            cached: dict[str, int] | None = getattr(self, "_summgate_positions", None)
            if cached is None:
                cached = {}
                counts: dict[str, int] = {}
                for nodeid in self.collection or []:
                    path = nodeid.partition("::")[0]
                    cached[nodeid] = counts.get(path, 0)
                    counts[path] = cached[nodeid] + 1
                self._summgate_positions = cached
            return cached

    return CaseChunkScheduling(config, log)
