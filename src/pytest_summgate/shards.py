"""Splitting one run's cases over several jobs; what a shard's report says of its share.

``--summgate-shard K/N`` keeps the K-th of N contiguous ranges of the selected tests, taken
in one order every machine agrees on (file path, line, node id), so every job of a matrix
holds a share within one case of the others', and a case file is split only where a range
ends. A shard decides nothing on the run as a whole; its JSON report carries what the merge
needs (each case's content hash and failing checks, the terminal summary's tallies, digests
of the selection and of the baselines judged against, and its share: each test's node id
with the sha256 of its case's record). ``merging`` checks the N reports against all that.

Pure functions: no pytest, no model.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .decision import Contract
from .errors import SettingError, quote

PARTIAL = "the decision is made when the shards are merged"
NO_RECORD = ""  # a case of the share without a record: skipped, or not run (-x, --maxfail)


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (from 1) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"shard {self.index} of {self.count}"

    @property
    def partial(self) -> str:
        """What a shard's decision is, said where it would stand."""
        return f"{self}: {PARTIAL}"


def parse(text: str) -> Shard:
    """``K/N`` with 1 <= K <= N; SettingError quoting the value otherwise."""
    found = re.fullmatch(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", text)
    index, count = (int(found[1]), int(found[2])) if found else (0, 0)
    if not 1 <= index <= count:
        raise SettingError(
            f"expected K/N, shard K of N jobs with 1 <= K <= N (e.g. 2/3), got {quote(text)}"
        )
    return Shard(index, count)


def digest(lines: Iterable[str]) -> str:
    """sha256 of a set of lines, whatever their order."""
    return hashlib.sha256("\n".join(sorted(lines)).encode("utf-8", "backslashreplace")).hexdigest()


def selection_digest(tests: Iterable[str], cases: Collection[str]) -> str:
    """sha256 of the selected node ids, each marked as one of the gate's cases or another
    test: equal in every shard of one run, and what the merge checks the shares against."""
    return digest(json.dumps([nodeid, nodeid in cases]) for nodeid in tests)


@dataclass(frozen=True)
class Selection:
    """What a shard kept of the run's selection: the whole selection's size and digest (equal
    in every shard of one run), the node ids of its own share, and which of them are cases."""

    selected: int
    digest: str
    kept: frozenset[str]
    cases: frozenset[str] = frozenset()


def share_range(selected: int, shard: Shard) -> tuple[int, int]:
    """Where the share of ``shard`` starts and ends among ``selected`` ordered tests."""
    return (shard.index - 1) * selected // shard.count, shard.index * selected // shard.count


def select(
    tests: Sequence[tuple[str, int, str]], shard: Shard, cases: Collection[str] = frozenset()
) -> Selection:
    """The share of ``shard`` among ``tests`` given as ``(file, line, node id)``, of which
    ``cases`` are the gate's cases.

    Contiguous ranges of the tests sorted by file, line and node id: shares differ by at most
    one test, and consecutive cases of a file stay together (batched as one chunk) except
    where a range ends. The order is the tests' own, not the collection's, so a plugin that
    shuffles the run (pytest-randomly) does not move a case into another shard.
    """
    ordered = sorted(tests)
    start, end = share_range(len(ordered), shard)
    kept = frozenset(nodeid for _, _, nodeid in ordered[start:end])
    return Selection(
        len(ordered),
        selection_digest((nodeid for _, _, nodeid in ordered), cases),
        kept,
        kept & frozenset(cases),
    )


def share(selection: Selection, records: Mapping[str, Mapping[str, Any]]) -> dict[str, str | None]:
    """The share a shard's report lists: each test's node id, with the sha256 of its case's
    record (``NO_RECORD`` for a case without one: skipped, or not run), null for a test
    that is not one of the gate's cases. The merge checks the records against it."""
    return {
        nodeid: (
            (record_digest(records[nodeid]) if nodeid in records else NO_RECORD)
            if nodeid in selection.cases
            else None
        )
        for nodeid in sorted(selection.kept)
    }


def workflow_run(environ: Mapping[str, str]) -> str:
    """The CI run a shard ran in, as every shard of one run has it: on GitHub Actions, the
    workflow run's id and commit (a re-run of a failed job keeps both); "" elsewhere."""
    run_id, sha = environ.get("GITHUB_RUN_ID", ""), environ.get("GITHUB_SHA", "")
    return f"github run {run_id} at {sha}" if run_id else ""


def contract_digest(contract: Contract) -> str:
    """sha256 of the stored entries a run is judged against (the reference, the accepted
    changes and the removed entries), so a merge can tell that every shard and itself read
    the same baselines."""

    def entry(found: Any) -> Any:
        if found is None:
            return None
        failure = found.failure
        return [
            found.content,
            {m: round(v, 6) for m, v in sorted(found.scores.items())},
            None if failure is None else [list(failure.checks), failure.reason, failure.findings],
        ]

    payload = {
        "model": contract.model,
        "reference": {n: entry(e) for n, e in sorted(contract.reference.items())},
        "accepted": {
            n: [entry(a.base), entry(a.branch)] for n, a in sorted(contract.accepted.items())
        },
        "removed": {n: entry(e) for n, e in sorted(contract.removed.items())},
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def record_digest(record: Mapping[str, Any]) -> str:
    """sha256 of a case record as JSON, the same before it is written and once read back."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()
