"""Splitting one run's cases over several jobs, and deciding on the whole from their reports.

``--summgate-shard K/N`` keeps the K-th of N contiguous ranges of the selected tests, taken
in one order every machine agrees on (file path, line, node id), so every job of a matrix
holds a share within one case of the others', and a case file is split only where a range
ends. A shard decides nothing on the run as a whole; its JSON report carries what the merge
needs (each case's content hash and failing checks, the terminal summary's tallies, digests
of the selection and of the baselines judged against). ``--summgate-merge`` checks that the
reports are the N shards of one run and hands their cases to the controller, which decides
with the same code as an unsharded run.

Pure functions: no pytest, no model.
"""

from __future__ import annotations

import glob
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import files
from .decision import Contract
from .errors import SettingError, SummgateError, quote

# A merged suite of tens of thousands of cases is a report of hundreds of megabytes.
REPORT_LIMIT = 2048 * files.MB
PARTIAL = "the decision is made when the shards are merged"


class ShardMismatch(SummgateError):
    """Shard reports that are not the N shards of one run (the message names the files)."""


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


@dataclass(frozen=True)
class Selection:
    """What a shard kept of the run's selection: the whole selection's size and digest (equal
    in every shard of one run), and the node ids of its own share."""

    selected: int
    digest: str
    kept: frozenset[str]


def select(tests: Sequence[tuple[str, int, str]], shard: Shard) -> Selection:
    """The share of ``shard`` among ``tests`` given as ``(file, line, node id)``.

    Contiguous ranges of the tests sorted by file, line and node id: shares differ by at most
    one test, and consecutive cases of a file stay together (batched as one chunk) except
    where a range ends. The order is the tests' own, not the collection's, so a plugin that
    shuffles the run (pytest-randomly) does not move a case into another shard.
    """
    ordered = sorted(tests)
    start = (shard.index - 1) * len(ordered) // shard.count
    end = shard.index * len(ordered) // shard.count
    return Selection(
        len(ordered),
        digest(nodeid for _, _, nodeid in ordered),
        frozenset(nodeid for _, _, nodeid in ordered[start:end]),
    )


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


# -- merging --------------------------------------------------------------------------------


@dataclass
class Merged:
    """The shards of one run, checked, as one: every case record and the summary's tallies."""

    files: list[str]
    count: int
    version: str
    model: dict[str, Any]
    settings: dict[str, Any]
    contract: str
    records: list[dict[str, Any]] = field(default_factory=list)
    failed: dict[str, list[str]] = field(default_factory=dict)  # nodeid -> failed checks
    not_checked: dict[str, str] = field(default_factory=dict)  # nodeid -> error line
    unmatched: list[str] = field(default_factory=list)


def expand(patterns: Sequence[str], base: Path) -> list[Path]:
    """The files named by ``patterns`` (globs, relative to ``base``), sorted, each once."""
    found: dict[Path, None] = {}
    for pattern in patterns:
        full = str(base / Path(pattern).expanduser())
        matches = sorted(glob.glob(full, recursive=True)) if glob.has_magic(pattern) else [full]
        if glob.has_magic(pattern) and not matches:
            raise ShardMismatch(f"no shard report matches {quote(pattern)}")
        found.update((Path(match), None) for match in matches)
    return list(found)


def _read(path: Path, shown: str) -> dict[str, Any]:
    try:
        report = json.loads(files.read_bounded(path, REPORT_LIMIT))
    except FileNotFoundError:
        raise ShardMismatch(f"shard report {shown} does not exist") from None
    except OSError as error:
        raise ShardMismatch(f"shard report {shown} cannot be read: {error.strerror}") from None
    except (ValueError, RecursionError) as error:
        raise ShardMismatch(f"shard report {shown} is not JSON ({error})") from None
    if not isinstance(report, dict) or report.get("report_version") != 1:
        raise ShardMismatch(f"{shown} is not a summgate JSON report (report_version 1)")
    shard = report.get("shard")
    if not isinstance(shard, dict):
        raise ShardMismatch(
            f"{shown} is the report of a whole run, not of a shard (--summgate-shard K/N)"
        )
    return report


# What every shard of one run has alike, and what a difference means.
_ALIKE: tuple[tuple[str, Callable[[dict[str, Any]], object]], ...] = (
    ("the shard count", lambda r: r["shard"]["count"]),
    ("the pytest-summgate version", lambda r: r.get("summgate_version")),
    ("the model", lambda r: (r["model"].get("name"), r["model"].get("sha256"))),
    ("the settings", lambda r: r.get("settings")),
    (
        "the selection of tests (paths, -k, --deselect, case files)",
        lambda r: (r["shard"].get("selected"), r["shard"].get("selection")),
    ),
    ("the baselines judged against", lambda r: r["shard"].get("contract")),
)


def load(paths: Sequence[Path], shown: Callable[[Path], str] = str) -> Merged:
    """Read and check shard reports: one run's N shards, each once, alike in settings,
    model, selection and baselines, no case in two. ShardMismatch names the files."""
    if not paths:
        raise ShardMismatch("no shard reports given")
    reports = [(shown(path), _read(path, shown(path))) for path in paths]
    first_name, first = reports[0]
    for name, report in reports[1:]:
        for what, key in _ALIKE:
            if key(report) != key(first):
                raise ShardMismatch(
                    f"{name} and {first_name} are not shards of one run: {what} differ"
                )
    count = int(first["shard"]["count"])
    by_index: dict[int, str] = {}
    for name, report in reports:
        index = report["shard"]["index"]
        if index in by_index:
            raise ShardMismatch(
                f"shard {index} of {count} is given twice: {by_index[index]}, {name}"
            )
        by_index[index] = name
    missing = [str(k) for k in range(1, count + 1) if k not in by_index]
    if missing:
        raise ShardMismatch(
            f"shard{'s' if len(missing) > 1 else ''} {', '.join(missing)} of {count} "
            f"missing: given {', '.join(name for name, _ in reports)}"
        )
    merged = Merged(
        [name for name, _ in reports],
        count,
        str(first.get("summgate_version")),
        dict(first["model"]),
        dict(first["settings"]),
        str(first["shard"].get("contract")),
    )
    owner: dict[str, str] = {}
    unmatched: set[str] | None = None
    for name, report in reports:
        for record in report.get("cases", []):
            nodeid = record["nodeid"]
            if nodeid in owner:
                raise ShardMismatch(
                    f"case {quote(nodeid)} is in two shards: {owner[nodeid]}, {name}"
                )
            owner[nodeid] = name
            merged.records.append(record)
        shard: Mapping[str, Any] = report["shard"]
        merged.failed.update(shard.get("failed", {}))
        merged.not_checked.update(shard.get("not_checked", {}))
        # An id that matches no case of any shard (each shard's own list holds the ids of
        # the other shards' cases too).
        own = set(report.get("unmatched_predictions", []))
        unmatched = own if unmatched is None else unmatched & own
    merged.records.sort(key=lambda r: r["nodeid"])
    merged.unmatched = sorted(unmatched or ())
    return merged
