"""pytest-xdist scheduling that keeps each chunk of cases on one worker.

The gate scores cases in chunks (``batching.BatchScorer``: consecutive cases of a file)
so their sentences are encoded in one batch. xdist's default ``load`` scheduling hands out
single tests, which would split chunks between workers and encode them twice. This scheduler
is xdist's LoadScope scheduling with a case file's chunk as the scope; other tests keep
LoadScope's grouping by module. Imported only when xdist runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

from . import shards
from .batching import chunk_positions, is_case_file
from .run import lookahead, the_run


class XdistHooks:
    """Registered only when pytest-xdist is installed."""

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["summgate_lookahead"] = lookahead(node.config)

    @pytest.hookimpl(trylast=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if self._announced:
            return
        self._announced = True
        reporter = node.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            model = the_run(node.config).settings.model
            reporter.write_line(
                f"summgate: each worker loads {model} once, on its first case that the model "
                f"cache cannot answer"
            )

    _announced = False

    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """A shard's selection, as a worker saw it (the xdist controller collects nothing)."""
        found = getattr(node, "workeroutput", {}).get("summgate_selection")
        controller = the_run(node.config).controller
        if found and controller.selection is None:
            selected, digest, kept, cases = found
            controller.selection = shards.Selection(
                int(selected), str(digest), frozenset(kept), frozenset(cases)
            )

    @pytest.hookimpl(trylast=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        """Under ``--dist load`` (xdist's default), hand out chunks of cases rather than single
        cases, so each chunk's batch is encoded (and generated) once, by the worker running it.
        """
        if config.getoption("dist", None) != "load":
            return None
        return chunk_scheduler(config, log, the_run(config).settings.globs)


def chunk_scheduler(config: pytest.Config, log: Any, globs: Sequence[str]) -> LoadScopeScheduling:
    class CaseChunkScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path, _, _ = nodeid.partition("::")
            if not is_case_file(path, globs):
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
