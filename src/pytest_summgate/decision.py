"""What the run is judged against, and what a pull request accepted on purpose.

A pull request's committed baseline is the contract. When CI also gives the base branch's
baseline (``--summgate-base-baseline``, what ``git show <base ref>:<baseline>`` printed), the
entries the pull request left as they were on the base branch are the *reference* of this
run (suite gates, listed drops, known failures); the entries it changed or added are
*accepted changes*: listed for the reviewer, left out of the suite gates, and each must be
reproduced by this run, so a hand-edited number cannot pass.

Pure functions: no pytest, no model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from .baseline import DECIMALS, Baseline, StoredCase

# An accepted entry's stored score and this run's may differ by this much (floating point
# on another machine), and no more.
REPRODUCE_TOLERANCE = 0.001


@dataclass(frozen=True)
class Accepted:
    """An entry the pull request changed or added: the base branch's (None: a new case) and
    the branch's."""

    nodeid: str
    base: StoredCase | None
    branch: StoredCase

    def changes(self) -> list[tuple[str, float | None, float]]:
        """``(metric, base value, new value)`` for each score the pull request changed."""
        before = self.base.scores if self.base is not None else {}
        return [
            (metric, before.get(metric), now)
            for metric, now in sorted(self.branch.scores.items())
            if metric not in before or round(before[metric], DECIMALS) != round(now, DECIMALS)
        ]

    def largest_fall(self) -> tuple[str, float, float] | None:
        """``(metric, base value, new value)`` of the score that fell most, or None when none
        fell: what a reviewer looks at first."""
        falls = [(m, b, n) for m, b, n in self.changes() if b is not None and n < b]
        return max(falls, key=lambda c: c[1] - c[2], default=None)

    def largest_drop(self) -> float:
        """How far the score that fell most fell (0 when none fell)."""
        fall = self.largest_fall()
        return fall[1] - fall[2] if fall is not None else 0.0


@dataclass(frozen=True)
class Contract:
    """The entries this run is judged against, and the pull request's accepted changes."""

    reference: Mapping[str, StoredCase] = field(default_factory=lambda: MappingProxyType({}))
    accepted: Mapping[str, Accepted] = field(default_factory=lambda: MappingProxyType({}))
    notices: tuple[str, ...] = ()
    model: str | None = None

    @property
    def in_force(self) -> bool:
        """Whether any stored entry takes part in this run's decision."""
        return bool(self.reference or self.accepted)

    def entry(self, nodeid: str) -> StoredCase | None:
        """The stored entry of a case, reference or accepted."""
        found = self.reference.get(nodeid)
        if found is None and nodeid in self.accepted:
            found = self.accepted[nodeid].branch
        return found

    def reference_baseline(self) -> Baseline:
        return Baseline(self.model, self.reference)


def contract(
    branch: Baseline | None,
    base: Baseline | None,
    base_given: bool,
    branch_where: str,
    base_where: str,
) -> Contract:
    """Split the stored entries into the reference and the accepted changes.

    Without a base baseline option, every stored entry is the reference (a local run). With
    one whose file does not exist (the first pull request of a repository), the branch's
    entries are all accepted changes, with a notice.
    """
    if not base_given:
        entries = branch.entries if branch is not None else {}
        return Contract(MappingProxyType(dict(entries)), model=branch.model if branch else None)
    if base is None:
        notice = f"no baseline on the base branch ({base_where} does not exist)"
        if branch is None:
            return Contract(notices=(f"{notice}, and none at {branch_where}",))
        added = {n: Accepted(n, None, e) for n, e in branch.entries.items()}
        return Contract(
            accepted=MappingProxyType(added),
            notices=(f"{notice}: every entry of {branch_where} is new in this pull request",),
            model=branch.model,
        )
    if branch is None:
        return Contract(
            MappingProxyType(dict(base.entries)),
            notices=(f"no baseline at {branch_where}: this run is compared with {base_where}",),
            model=base.model,
        )
    reference: dict[str, StoredCase] = {}
    accepted: dict[str, Accepted] = {}
    for nodeid, entry in branch.entries.items():
        before = base.entries.get(nodeid)
        if before is not None and before.same_as(entry):
            reference[nodeid] = entry
        else:
            accepted[nodeid] = Accepted(nodeid, before, entry)
    return Contract(MappingProxyType(reference), MappingProxyType(accepted), model=branch.model)


@dataclass(frozen=True)
class Unreproduced:
    """An accepted entry that this run did not produce: what it says, and what was measured."""

    nodeid: str
    problem: str


def unreproduced(
    accepted: Mapping[str, Accepted],
    scores: Mapping[str, Mapping[str, float]],
    contents: Mapping[str, str],
    failures: Mapping[str, Sequence[str]],
) -> list[Unreproduced]:
    """Accepted entries that this run's scores do not reproduce (cases that did not run are
    not judged: a selection with ``-k`` cannot tell)."""
    found = []
    for nodeid, change in sorted(accepted.items()):
        if nodeid not in scores:
            continue
        entry = change.branch
        problem = _mismatch(entry, scores[nodeid], contents.get(nodeid, ""))
        if not problem and entry.failure is not None:
            now = sorted(failures.get(nodeid, ()))
            if now and not entry.failure.covers(now):
                problem = f"fails on {', '.join(now)}, recorded {', '.join(entry.failure.checks)}"
        if problem:
            found.append(Unreproduced(nodeid, problem))
    return found


def _mismatch(entry: StoredCase, scores: Mapping[str, float], content: str) -> str:
    if entry.content != content:
        return "its article or highlights are not the case's"
    for metric, stored in sorted(entry.scores.items()):
        now = scores.get(metric)
        if now is None:
            return f"{metric} was not measured by this run"
        if not math.isclose(stored, now, abs_tol=REPRODUCE_TOLERANCE + 0.5 * 10**-DECIMALS):
            return f"{metric} stored {stored:.4f}, this run {now:.4f}"
    return ""


def ranked(accepted: Mapping[str, Accepted]) -> list[Accepted]:
    """Accepted changes, the largest drop first (then by node id)."""
    return sorted(accepted.values(), key=lambda a: (-a.largest_drop(), a.nodeid))
