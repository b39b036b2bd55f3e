"""Which files are case files, and how their cases are scored together, in chunks.

A case file is matched by ``summgate_globs``: a pattern with a ``/`` matches the path from
the rootdir, any other the file's name. Collection and the xdist scheduler both ask here,
and both cut a file's cases into the same chunks (``chunk_positions``).
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard

from . import cases
from .generation import CaseHolder, GenerationFailed

if TYPE_CHECKING:
    import pytest

    from .decision import Contract
    from .engine import CaseResult, Engine
    from .generation import SummaryGenerator
    from .settings import Settings


class RunState(Protocol):
    """What the batch scorer reads of the run (``run.SummgateRun``), when it scores: a test
    may have put another engine in its place."""

    @property
    def engine(self) -> Engine: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def contract(self) -> Contract: ...

    @property
    def generator(self) -> SummaryGenerator | None: ...


def is_case_file(relative: str, globs: Sequence[str]) -> bool:
    """Whether the file at ``relative`` (POSIX path from the rootdir) holds cases."""
    name = relative.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(relative if "/" in g else name, g) for g in globs)


def holds_a_case(item: pytest.Item) -> TypeGuard[CaseHolder]:
    """Whether a collected item is one of the gate's cases (an ``items.CaseItem``)."""
    entry: Any = getattr(item, "entry", None)
    return isinstance(entry, (cases.Case, cases.InvalidCase))


# Cases per chunk. Sentence-transformers sorts a call's sentences by length before batching
# them; over a few hundred cases the batches pad little. Encoding 1,000 cases' sentences
# (3,522) took 19.2 s in chunks of 64 cases, 11.5 s in chunks of 512, 11.0 s in one call.
MIN_CHUNK = 64
MAX_CHUNK = 512


def chunk_size(cases_in_file: int, workers: int) -> int:
    """Cases per chunk of a file: as many as MAX_CHUNK in one process; under xdist small
    enough that each worker gets at least two chunks of the file (never under MIN_CHUNK)."""
    if workers <= 1:
        return MAX_CHUNK
    return max(MIN_CHUNK, min(MAX_CHUNK, -(-cases_in_file // (2 * workers))))


def chunk_positions(nodeids: list[str], workers: int) -> dict[str, int]:
    """Each case's chunk number within its file, from the collection's node ids in order.

    The xdist scheduler (controller) and BatchScorer (worker) both call this on the same
    collection, so they agree on the chunks.
    """
    files: dict[str, list[str]] = {}
    for nodeid in nodeids:
        files.setdefault(nodeid.partition("::")[0], []).append(nodeid)
    chunks: dict[str, int] = {}
    for members in files.values():
        size = chunk_size(len(members), workers)
        for position, nodeid in enumerate(members):
            chunks[nodeid] = position // size
    return chunks


class BatchScorer:
    """Scores cases in chunks, so their sentences are encoded together in large batches.

    A chunk is consecutive cases of one file (by their place in the collection, so every
    process and every -k/--lf selection agrees on it), ``chunk_size`` of them. The first case
    of a chunk to run scores all of the chunk's cases that are ready; each case then takes
    its own result. Under xdist the scheduler keeps a chunk on one worker (scheduling.py).

    The session's cases are indexed by chunk once, on first use: a case's cost is then its
    chunk's, whatever the number of files or cases (scanning every item for each chunk made
    5,000 one-case files take about 5 times as long as 5,000 cases of one file).
    """

    def __init__(self, run: RunState, lookahead: bool = True, workers: int = 1) -> None:
        self.run = run  # its engine is looked up when scoring: tests may swap it
        self.lookahead = lookahead
        self.workers = workers
        self._results: dict[str, CaseResult] = {}
        self._scored: set[str] = set()
        self._chunks: dict[str, tuple[str, int]] = {}  # node id: (its file, chunk number)
        self._members: dict[tuple[str, int], list[CaseHolder]] = {}  # chunk: its cases, in order
        self._indexed: tuple[int, int] = (0, -1)  # the items list indexed: (its id, length)
        self._one_by_one: set[tuple[str, int]] = set()  # chunks where a batch raised

    def result_for(self, item: CaseHolder) -> CaseResult:
        if item.nodeid not in self._results:
            batch = self._batch(item)
            run = self.run
            engine = run.engine
            in_force = run.settings.update_baseline or run.contract.in_force
            try:
                scored = engine.check([case for _, case in batch], in_force)
            except Exception:
                if len(batch) == 1:
                    raise
                # A scorer raised for some case of the batch (a custom scorer, say): score
                # this chunk case by case, so only the case that raises fails.
                self._one_by_one.add(self._chunk_of(item))
                return self.result_for(item)
            for (member, _), result in zip(batch, scored, strict=True):
                self._results[member.nodeid] = result
                self._scored.add(member.nodeid)
        return self._results.pop(item.nodeid)

    def rest_of_chunk(self, item: CaseHolder) -> list[CaseHolder]:
        """The cases after ``item`` in its chunk, in collection order: scored (and generated)
        together with it. None without lookahead, or for a case outside the collection."""
        chunk = self._chunk_of(item)
        if not self.lookahead or chunk[1] < 0:
            return []
        members = self._members.get(chunk, [])
        return members[members.index(item) + 1 :] if item in members else []

    def _chunk_of(self, item: CaseHolder) -> tuple[str, int]:
        """The item's chunk: (its file, chunk number); number -1 for a case not among the
        session's items, which is scored alone."""
        items = item.session.items
        if self._indexed != (id(items), len(items)):  # a plugin may replace the list
            self._index(items)
        return self._chunks.get(item.nodeid, (item.nodeid.partition("::")[0], -1))

    def _index(self, items: list[pytest.Item]) -> None:
        own = [other for other in items if holds_a_case(other)]
        positions = chunk_positions([other.nodeid for other in own], self.workers)
        self._chunks = {n: (n.partition("::")[0], c) for n, c in positions.items()}
        self._members = {}
        for other in own:
            self._members.setdefault(self._chunks[other.nodeid], []).append(other)
        self._indexed = (id(items), len(items))

    def _batch(self, item: CaseHolder) -> list[tuple[CaseHolder, cases.Case]]:
        """The item and the other unscored cases of its chunk that have (or get) a summary."""
        chunk = self._chunk_of(item)
        assert isinstance(item.entry, cases.Case)
        batch = [(item, item.entry)]
        if not self.lookahead or chunk in self._one_by_one:
            return batch
        for other in self._members.get(chunk, []):
            if other is not item and other.nodeid not in self._scored:
                case = self._ready(other)
                if case is not None:
                    batch.append((other, case))
        return batch

    def _ready(self, item: CaseHolder) -> cases.Case | None:
        """The case with its summary: given, or generated now by the hook (in the hook's own
        batches; the case's setup later takes the same summary). None when it has none."""
        entry = item.entry
        if not isinstance(entry, cases.Case):
            return None
        if entry.summary is not None:
            return entry
        generator = self.run.generator
        if generator is None or not generator.available(item):
            return None
        try:
            summary = generator.summary_for(item)
        except GenerationFailed:
            return None  # its setup reports the failure
        return dataclasses.replace(entry, summary=summary)
