"""Hard evidence against a baseline: a case's new and fixed decisive findings, and the run's
paired test of the one against the other.

A decisive finding (``CaseResult.hard_evidence``) fails its case by itself when nothing
stored judges it: a new case, an edited article or highlights, no baseline. A case compared
with its reference entry (the same content hash) is judged in pairs instead, by default
(``summgate_hard_evidence = paired``): its *new* findings are those its entry's known
failure did not record, its *fixed* ones those it recorded that no longer appear. New
findings fail no case by themselves: they are listed, and the run is blocked when the cases
that gained one outnumber those that lost one beyond chance (``decision.hard_evidence_test``,
a one-sided sign test at the suite's confidence). With ``any``, every case with a new
finding fails, as it did before the paired test.

A case that both gained and lost a finding counts for neither side: it is a tie, which a
sign test leaves out, since a finding gained is not known to weigh more or less than one
lost. Its new findings are still listed.

Pure functions: no pytest, no model.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from .baseline import KnownFailure, finding
from .decision import HardEvidenceTest, hard_evidence_test

PAIRED, ANY = "paired", "any"
MODES = (PAIRED, ANY)
GATE = "hard evidence"  # the suite check's name, when the test could block
LISTED_CASES = 1000  # of the cases the JSON report lists (as many as it pairs summaries of)


class PairedRecord(TypedDict):
    """A compared case's decisive findings against its reference entry (the report's
    ``cases[].paired``): ``new``, not recorded by the entry's known failure; ``fixed``,
    recorded and no longer found."""

    new: list[str]
    fixed: list[str]


def paired(findings: Iterable[str], recorded: KnownFailure | None) -> PairedRecord | None:
    """A compared case's new and fixed findings against its entry's known failure
    (``recorded``; None: the entry passed). None when the record was written before findings
    were recorded: what it covered is unknown, so the case is judged as before (it fails
    until ``--summgate-update-baseline`` records them)."""
    if recorded is not None and recorded.findings is None:
        return None
    found = set(findings)
    said = set(recorded.findings or ()) if recorded is not None else set()
    return PairedRecord(new=sorted(found - said), fixed=sorted(said - found))


def split(
    hard_evidence: Mapping[str, Sequence[str]], new: Collection[str]
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """A case's hard evidence by metric, in two: what fails the case by itself (every
    finding but the ``new`` ones), and the new findings, left to the run's test."""
    kept: dict[str, tuple[str, ...]] = {}
    left: dict[str, tuple[str, ...]] = {}
    for metric, reasons in hard_evidence.items():
        for reason in reasons:
            side = left if finding(metric, reason) in new else kept
            side[metric] = (*side.get(metric, ()), reason)
    return kept, left


def judged(
    failing: Sequence[str], findings: Sequence[str], record: Mapping[str, Any] | None
) -> tuple[list[str], tuple[str, ...]]:
    """What a case fails on and its decisive findings, as its own verdict reads them: without
    its new findings (``record``: its ``paired`` record, None when it was not paired), and
    without ``decisive`` when no other finding is left."""
    new = set(record["new"]) if record else set()
    kept = tuple(f for f in findings if f not in new)
    return [c for c in failing if c != "decisive" or kept], kept


# -- the run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """The compared cases whose decisive findings changed: ``cases`` (node id, its paired
    record), those with new findings first; how many gained one and lost none (``new``),
    lost one and gained none (``fixed``), or both (``both``, counted for neither)."""

    cases: list[tuple[str, PairedRecord]] = field(default_factory=list)
    new: int = 0
    fixed: int = 0
    both: int = 0


def tally(records: Iterable[Mapping[str, Any]]) -> Tally:
    """The paired records of a run's cases, tallied."""
    changed = [
        (r["nodeid"], PairedRecord(new=list(p["new"]), fixed=list(p["fixed"])))
        for r in records
        if (p := r.get("paired")) and (p["new"] or p["fixed"])
    ]
    changed.sort(key=lambda pair: (not pair[1]["new"], pair[0]))
    new = sum(bool(p["new"]) and not p["fixed"] for _, p in changed)
    fixed = sum(bool(p["fixed"]) and not p["new"] for _, p in changed)
    return Tally(changed, new, fixed, len(changed) - new - fixed)


def judge(
    records: Iterable[Mapping[str, Any]], confidence: float
) -> tuple[Tally, HardEvidenceTest]:
    """The run's tally and its sign test at ``confidence``."""
    found = tally(records)
    return found, hard_evidence_test(found.new, found.fixed, confidence)


def p_text(p_value: float) -> str:
    """A p-value as the lines show it: three decimals, or two digits when smaller."""
    return f"{p_value:.3f}" if p_value >= 0.001 else f"{p_value:.1e}"


def counts_text(found: Tally) -> str:
    """``3 cases with new decisive findings, 1 fixed`` (and the ties, when there are any)."""
    cases = "1 case" if found.new == 1 else f"{found.new} cases"
    text = f"{cases} with new decisive findings, {found.fixed} fixed"
    if found.both:
        text += f", {found.both} with both (a tie, counted for neither)"
    return text


def verdict_text(found: Tally, test: HardEvidenceTest) -> str:
    """``3 cases with new decisive findings, 1 fixed: p = 0.312 at 0.80: not blocking``."""
    how = "blocking" if test.blocks else "not blocking"
    return f"{counts_text(found)}: p = {p_text(test.p_value)} at {test.confidence:.2f}: {how}"


def observed_text(found: Tally, test: HardEvidenceTest) -> str:
    """The test as its suite check shows it: ``5 new, 0 fixed: p = 0.031``."""
    return f"{found.new} new, {found.fixed} fixed: p = {p_text(test.p_value)}"


def rule_text(confidence: float) -> str:
    """``p >= 0.20``: the p-value below which the test blocks."""
    return f"p >= {1 - confidence:.2f}"


def blocked_phrase(observed: str, rule: str) -> str:
    """How the decision names a blocking test (its suite check's ``observed`` and ``rule``):
    ``the hard-evidence test (5 new, 0 fixed: p = 0.031 < 0.20)``."""
    return f"the hard-evidence test ({observed} < {rule.removeprefix('p >= ')})"


def blocking_metrics(record: Mapping[str, Any]) -> list[str]:
    """The metrics of a case record whose hard evidence fails the case by itself: all of
    them, but those whose every finding is new (``paired``)."""
    paired_record = record.get("paired")
    hard, _ = split(record.get("hard_evidence", {}), paired_record["new"] if paired_record else ())
    return list(hard)


def report(found: Tally, test: HardEvidenceTest) -> dict[str, Any]:
    """The JSON report's ``hard_evidence_test``: the counts, the test, and the cases (at most
    LISTED_CASES, those with new findings first)."""
    return {
        "mode": PAIRED,
        "new": found.new,
        "fixed": found.fixed,
        "both": found.both,
        "p_value": test.p_value,
        "confidence": test.confidence,
        "blocks": test.blocks,
        "total": len(found.cases),
        "cases": [
            {"nodeid": nodeid, "new": record["new"], "fixed": record["fixed"]}
            for nodeid, record in found.cases[:LISTED_CASES]
        ],
    }
