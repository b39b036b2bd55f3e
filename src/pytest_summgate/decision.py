"""What the run is judged against, and what a pull request accepted on purpose.

The base branch's baseline is the reference; a pull request's committed baseline only
proposes. When CI gives the base branch's baseline (``--summgate-base-baseline``, what
``git show <base ref>:<baseline>`` printed), every case that runs is judged against the
base's entry, unless the pull request's entry for it is an *accepted change* that this run
reproduces (the same article and highlights, every metric the run measures stored and
within 0.001, the same known failure). Accepted changes are listed for the reviewer and
left out of the suite gates; one that is not reproduced blocks the run. An entry the pull
request removed is judged as the base has it. ``changes`` gathers what a pull request
changes about the gate (accepted entries, added known failures, removed entries) for the
one block the reviewer reads first.

Pure functions: no pytest, no model.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from .baseline import CHANGED, DECIMALS, NEW, Baseline, KnownFailure, StoredCase
from .errors import quote
from .thresholds import metrics

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
        return largest_fall(self.base.scores, self.branch.scores) if self.base else None

    def largest_drop(self) -> float:
        """How far the score that fell most fell (0 when none fell)."""
        fall = self.largest_fall()
        return fall[1] - fall[2] if fall is not None else 0.0

    def adds_failure(self) -> bool:
        """Whether the pull request records a known failure that the base did not have."""
        failure = self.branch.failure
        if failure is None:
            return False
        before = self.base.failure if self.base is not None else None
        return before is None or not before.covers(failure.checks, failure.findings or ())


def largest_fall(
    before: Mapping[str, float], after: Mapping[str, float]
) -> tuple[str, float, float] | None:
    """``(metric, before, after)`` of the metric that fell most of those where higher is
    better (a shorter summary is no fall), or None when none fell."""
    falls = [
        (metric, before[metric], now)
        for metric, now in sorted(after.items())
        if metric in before
        and metrics().higher_is_better(metric)
        and round(now, DECIMALS) < round(before[metric], DECIMALS)
    ]
    return max(falls, key=lambda fall: fall[1] - fall[2], default=None)


@dataclass(frozen=True)
class Contract:
    """The entries this run is judged against: the reference (as the base branch has them,
    or every stored entry when no base baseline was given), the pull request's accepted
    changes, and the base's entries that the pull request removed."""

    reference: Mapping[str, StoredCase] = field(default_factory=lambda: MappingProxyType({}))
    accepted: Mapping[str, Accepted] = field(default_factory=lambda: MappingProxyType({}))
    notices: tuple[str, ...] = ()
    model: str | None = None
    removed: Mapping[str, StoredCase] = field(default_factory=lambda: MappingProxyType({}))
    against_base: bool = False  # a base branch's baseline was given: a pull request

    @property
    def in_force(self) -> bool:
        """Whether any stored entry takes part in this run's decision."""
        return bool(self.reference or self.accepted or self.removed)

    def entry(self, nodeid: str) -> StoredCase | None:
        """The stored entry of a case as proposed: the pull request's for an accepted
        change, otherwise the reference (a removed entry: the base's)."""
        if nodeid in self.accepted:
            return self.accepted[nodeid].branch
        return self.reference.get(nodeid, self.removed.get(nodeid))

    def base_entry(self, nodeid: str) -> StoredCase | None:
        """The base branch's entry of a case (the stored one when no base was given)."""
        if nodeid in self.accepted:
            return self.accepted[nodeid].base
        return self.reference.get(nodeid, self.removed.get(nodeid))

    def judged_against(self, nodeid: str, reproduced: bool) -> StoredCase | None:
        """The entry a case that ran is judged against: the base's, unless the pull
        request's entry for it is an accepted change that this run ``reproduced``."""
        if nodeid in self.accepted and reproduced:
            return self.accepted[nodeid].branch
        return self.base_entry(nodeid)

    def reference_baseline(self, unreproduced: Collection[str] = ()) -> Baseline:
        """What the suite gates pair this run's scores with: every entry but the accepted
        changes that this run reproduced (those were accepted on purpose)."""
        entries = {**self.removed, **self.reference}
        for nodeid in unreproduced:
            base = self.accepted[nodeid].base if nodeid in self.accepted else None
            if base is not None:
                entries[nodeid] = base
        return Baseline(self.model, entries)


def contract(
    branch: Baseline | None,
    base: Baseline | None,
    base_given: bool,
    branch_where: str,
    base_where: str,
) -> Contract:
    """Split the stored entries into the reference, the accepted changes and the removed
    entries.

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
            return Contract(notices=(f"{notice}, and none at {branch_where}",), against_base=True)
        added = {n: Accepted(n, None, e) for n, e in branch.entries.items()}
        return Contract(
            accepted=MappingProxyType(added),
            notices=(f"{notice}: every entry of {branch_where} is new in this pull request",),
            model=branch.model,
            against_base=True,
        )
    if branch is None:
        return Contract(
            notices=(f"no baseline at {branch_where}: this run is compared with {base_where}",),
            model=base.model,
            removed=MappingProxyType(dict(base.entries)),
            against_base=True,
        )
    reference: dict[str, StoredCase] = {}
    accepted: dict[str, Accepted] = {}
    for nodeid, entry in branch.entries.items():
        before = base.entries.get(nodeid)
        if before is not None and before.same_as(entry):
            reference[nodeid] = before
        else:
            accepted[nodeid] = Accepted(nodeid, before, entry)
    removed = {n: e for n, e in base.entries.items() if n not in branch.entries}
    return Contract(
        MappingProxyType(reference),
        MappingProxyType(accepted),
        model=branch.model,
        removed=MappingProxyType(removed),
        against_base=True,
    )


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
    findings: Mapping[str, Sequence[str]],
) -> list[Unreproduced]:
    """Accepted entries that this run's scores do not reproduce (cases that did not run are
    not judged: a selection with ``-k`` cannot tell)."""
    found = []
    for nodeid, change in sorted(accepted.items()):
        if nodeid not in scores:
            continue
        problem = reproduction(
            change.branch,
            scores[nodeid],
            contents.get(nodeid, ""),
            failures.get(nodeid, ()),
            findings.get(nodeid, ()),
        )
        if problem:
            found.append(Unreproduced(nodeid, problem))
    return found


def reproduction(
    entry: StoredCase,
    scores: Mapping[str, float],
    content: str,
    failing: Iterable[str],
    findings: Iterable[str],
) -> str:
    """Why ``entry`` is not what this run of the case would store ("" when it is): its
    content hash, every metric measured (``scores``, the measured ones) stored and within
    REPRODUCE_TOLERANCE, and the same known failure (its checks and decisive findings)."""
    if entry.content != content:
        return (
            f"its article or highlights are not the case's (content {quote(entry.content, 40)}, "
            f"the case's {content})"
        )
    for metric in sorted({*entry.scores, *scores}):
        stored, now = entry.scores.get(metric), scores.get(metric)
        if now is None:
            return f"{metric} was not measured by this run"
        if stored is None:
            return f"{metric} is not stored (this run {now:.4f})"
        if not math.isclose(stored, now, abs_tol=REPRODUCE_TOLERANCE + 0.5 * 10**-DECIMALS):
            return f"{metric} stored {stored:.4f}, this run {now:.4f}"
    return _failure_mismatch(entry.failure, sorted(failing), sorted(findings))


def _failure_mismatch(stored: KnownFailure | None, failing: list[str], findings: list[str]) -> str:
    if stored is None:
        return f"stored as passing, this run fails on {', '.join(failing)}" if failing else ""
    recorded = ", ".join(stored.checks) or "no check"
    if not failing:
        return f"stored as a known failure on {recorded}, this run passes"
    if stored.same_as(failing, findings):
        return ""
    if stored.checks != tuple(failing):
        return f"stored as a known failure on {recorded}, this run fails on {', '.join(failing)}"
    if stored.findings is None:
        return "its known failure records no decisive findings (an earlier version wrote it)"
    new = [f for f in findings if f not in stored.findings]
    if new:
        return f"its known failure does not record the decisive finding {quote(new[0])}"
    gone = [f for f in stored.findings if f not in findings]
    return f"its known failure records a decisive finding this run does not make: {quote(gone[0])}"


def ranked(accepted: Mapping[str, Accepted]) -> list[Accepted]:
    """Accepted changes, the largest drop first (then by node id)."""
    return sorted(accepted.values(), key=lambda a: (-a.largest_drop(), a.nodeid))


# -- what a pull request changes about the gate --------------------------------------------

BASELINE_RECORD, CASE_FILE = "baseline", "case file"  # where an added known failure is said


@dataclass(frozen=True)
class AddedFailure:
    """A known failure that the base branch did not have: recorded in the pull request's
    baseline (an accepted change) or said by its case file (``expect: fail``); ``fall`` is
    the worst score change against the base's entry."""

    nodeid: str
    checks: tuple[str, ...]
    findings: tuple[str, ...]
    where: str
    fall: tuple[str, float, float] | None


@dataclass(frozen=True)
class Removed:
    """A base branch's entry that the pull request's baseline does not have: when its case
    ran (``ran``), the case was judged against it; ``fall`` is the worst score change."""

    nodeid: str
    ran: bool
    fall: tuple[str, float, float] | None


@dataclass(frozen=True)
class Changes:
    """What a pull request changes about the gate, each list the largest fall first: the
    one block the reviewer reads before the decision."""

    accepted: list[Accepted] = field(default_factory=list)
    known_failures: list[AddedFailure] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    # Cases that ran but were compared with no base entry: (node id, NEW or CHANGED). A pull
    # request's case files can make them so (a new id, an edited article); the reviewer
    # sees how many.
    not_compared: list[tuple[str, str]] = field(default_factory=list)


def changes(
    contract: Contract,
    scores: Mapping[str, Mapping[str, float]],
    contents: Mapping[str, str],
    known: Mapping[str, tuple[Sequence[str], Sequence[str]]],
    statuses: Mapping[str, str] = MappingProxyType({}),
) -> Changes:
    """The accepted changes, added known failures and removed entries of a pull request, and
    the cases compared with no base entry (nothing without a base baseline). ``known``: the
    cases that failed as known failures in this run, with their failing checks and decisive
    findings; ``statuses``: how each case compared (baseline.COMPARED, NEW, ...)."""
    if not contract.against_base:
        return Changes()
    added: dict[str, AddedFailure] = {}
    for nodeid, change in contract.accepted.items():
        failure = change.branch.failure
        if failure is not None and change.adds_failure():
            before = change.base.scores if change.base is not None else {}
            fall = largest_fall(before, scores.get(nodeid, change.branch.scores))
            said = failure.findings or ()
            added[nodeid] = AddedFailure(nodeid, failure.checks, said, BASELINE_RECORD, fall)
    for nodeid, (failing, findings) in sorted(known.items()):
        base = contract.base_entry(nodeid)
        recorded = base.failure if base is not None else None
        if nodeid in added or (recorded is not None and recorded.covers(failing, findings)):
            continue
        fall = largest_fall(base.scores if base is not None else {}, scores.get(nodeid, {}))
        checks = tuple(sorted(failing))
        added[nodeid] = AddedFailure(nodeid, checks, tuple(sorted(findings)), CASE_FILE, fall)
    removed = []
    for nodeid, entry in contract.removed.items():
        ran = nodeid in scores
        same = ran and contents.get(nodeid) == entry.content
        removed.append(
            Removed(nodeid, ran, largest_fall(entry.scores, scores[nodeid]) if same else None)
        )
    return Changes(
        ranked(contract.accepted),
        sorted(added.values(), key=lambda a: (-_drop(a.fall), a.nodeid)),
        sorted(removed, key=lambda r: (-_drop(r.fall), r.nodeid)),
        sorted((n, s) for n, s in statuses.items() if s in (NEW, CHANGED)),
    )


def _drop(fall: tuple[str, float, float] | None) -> float:
    return fall[1] - fall[2] if fall is not None else 0.0


# -- the hard-evidence test ------------------------------------------------------------------


@dataclass(frozen=True)
class HardEvidenceTest:
    """The paired test of new against fixed decisive findings: ``new`` compared cases gained
    a decisive finding their reference entry did not record, ``fixed`` lost one it recorded.
    ``p_value`` is P(X >= new) for X ~ Binomial(new + fixed, 1/2): how often a model no
    worse than its predecessor would gain at least this many of the cases that changed."""

    new: int
    fixed: int
    confidence: float
    p_value: float

    @property
    def blocks(self) -> bool:
        """Whether the new findings outnumber the fixed ones beyond chance at
        ``confidence`` (one-sided)."""
        return self.p_value < 1.0 - self.confidence


def hard_evidence_test(new: int, fixed: int, confidence: float) -> HardEvidenceTest:
    """The one-sided exact sign test of ``new`` against ``fixed`` cases at ``confidence``.

    No case changed (0 and 0) or none gained a finding: p = 1, nothing blocks. Exact in
    integers: a tail of n terms costs n multiplications of n-bit numbers, well within a run
    of any size a suite has.
    """
    if new < 0 or fixed < 0:
        raise ValueError(f"case counts must not be negative, not {new} new and {fixed} fixed")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie between 0 and 1, not {confidence!r}")
    trials = new + fixed
    tail, term = 0, 1  # term: comb(trials, k), from k = 0 up
    for k in range(trials + 1):
        if k >= new:
            tail += term
        term = term * (trials - k) // (k + 1)
    return HardEvidenceTest(new, fixed, confidence, tail / 2**trials)
