"""What CI reads of a run: the JSON report and GitHub's annotations.

Pure functions from the run's records; the controller (the only process that writes files)
calls them at the end of the run. A case's record (``case_record``) is the JSON report's
entry, as ``report-schema.json`` beside this module describes it (documented in the README);
the job summary (``job_summary``) is made from the same records. What the user wrote is
escaped for where it goes: ``command_data`` and ``command_property`` for workflow commands;
the JSON report is ``json.dumps``'s, which escapes every control character and surrogate.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from . import hard_evidence
from .alignment import AlignmentRecord
from .baseline import content_hash
from .engine import evidence_shown
from .errors import visible
from .hard_evidence import PairedRecord
from .suite import Counts, SuiteCheck
from .terminal import count

if TYPE_CHECKING:
    from .baseline import Regression
    from .cases import Case, InvalidCase
    from .engine import CaseResult
    from .thresholds import Check

REPORT_VERSION = 1
SCHEMA_FILE = Path(__file__).with_name("report-schema.json")


def json_report(
    cases: Sequence[Mapping[str, Any]],
    suite_checks: Sequence[SuiteCheck],
    settings: Mapping[str, Any],
    model: Mapping[str, Any],
    version: str,
    baseline: Mapping[str, Any] | None,
    counts: Counts,
) -> dict[str, Any]:
    """The whole run as one JSON-able document (see report-schema.json); its totals and
    checks are ``counts``, as the terminal and the job summary show them."""
    return {
        "report_version": REPORT_VERSION,
        "summgate_version": version,
        "model": dict(model),
        "settings": dict(settings),
        "totals": {
            "cases": counts.cases,
            "passed": counts.passed,
            "failed": counts.failed,
            "errors": counts.errors,
            "known_failures": counts.known_failures,
            "now_pass": counts.now_pass,
        },
        "checks": [
            {
                "metric": s.metric,
                "mean": s.mean,
                "min": s.min,
                "failed": s.failed,
                "known_failures": s.known,
            }
            for s in counts.metrics
        ],
        "suite": [
            {
                "gate": c.name,
                "observed": c.observed,
                "rule": c.rule,
                "failed": c.failed,
                "detail": c.detail,
            }
            for c in suite_checks
        ],
        "baseline": dict(baseline) if baseline is not None else None,
        "cases": sorted((dict(c) for c in cases), key=lambda c: c["nodeid"]),
    }


def blocked_by(
    cases: Iterable[Mapping[str, Any]], suite_checks: Sequence[SuiteCheck], errors: int
) -> list[str]:
    """What blocks a run, one phrase each (empty when it passes): its failed suite gates, and
    its failed cases by kind; ``errors`` counts the cases that could not be checked. The
    controller and a merge of shards both decide with it."""
    failed = [c for c in cases if c.get("outcome") == "failed"]
    # Not a compared case's new findings: the hard-evidence test judges those (a suite check).
    hard = sum(bool(hard_evidence.blocking_metrics(c)) for c in failed)
    rules = sum(any(k["failed"] for k in c.get("checks", [])) for c in failed)
    drops = sum(any(d.get("blocking") for d in c.get("regressions", [])) for c in failed)
    phrases = [
        hard_evidence.blocked_phrase(c.observed, c.rule)
        if c.name == hard_evidence.GATE
        else f"suite gate {c.name}"
        for c in suite_checks
        if c.failed
    ]
    for cases_of, what in (
        (hard, "with hard evidence (a decisive claim check)"),
        (rules, "below a threshold"),
        (drops, "regressed (summgate_case_regressions = fail)"),
        (errors, "not checked (errors)"),
    ):
        if cases_of:
            phrases.append(f"{count(cases_of, 'case')} {what}")
    return phrases


# GitHub's limits. A step shows at most 10 error, 10 warning and 10 notice annotations (and a
# job 50) and drops the rest without a word (actions/toolkit, docs/problem-matchers.md,
# "Limitations").
ANNOTATIONS_PER_STEP = 10
ANNOTATION_CHARS = 4000  # of an annotation's message: the failure block, about 15 lines


# -- escaping, one function per destination ---------------------------------------------------


def command_data(text: str) -> str:
    """``text`` as the message of a GitHub workflow command (``::error ...::<message>``):
    ``visible`` except for line breaks, then GitHub's escapes (``%`` as ``%25``, CR ``%0D``,
    LF ``%0A``), so the message is one line of the log that GitHub shows as several."""
    lines = [visible(line) for line in text.split("\n")]
    return "%0A".join(line.replace("%", "%25").replace("\r", "%0D") for line in lines)


def command_property(text: str) -> str:
    """``text`` as a property of a workflow command (``file=``, ``title=``): ``visible``, then
    GitHub's escapes of a property (``%``, CR, LF, and ``:`` as ``%3A``, ``,`` as ``%2C``)."""
    return visible(text).replace("%", "%25").replace(":", "%3A").replace(",", "%2C")


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# -- annotations --------------------------------------------------------------------------------


def annotation_path(path: str, base: Path, workspace: str | None) -> str:
    """A case file's path (relative to ``base``) as GitHub wants it: relative to the checkout
    (GITHUB_WORKSPACE)."""
    full = (base / path).resolve() if not os.path.isabs(path) else Path(path)
    base = Path(workspace).resolve() if workspace else Path.cwd()
    try:
        return full.relative_to(base).as_posix()
    except ValueError:
        return full.as_posix()


# How each outcome is annotated: what blocks is an error; a known failure that failed as
# recorded is a warning (it blocks nothing); one that now passes is a notice.
_ANNOTATED = {
    "failed": ("error", ""),
    "error": ("error", ""),
    "xfailed": ("warning", " (known failure)"),
    "xpassed": ("notice", " (known failure, now passes)"),
}
_XPASSED = (
    "recorded as a known failure, this case now passes (XPASS); the next "
    "--summgate-update-baseline drops its record"
)


def case_annotations(
    cases: Sequence[Mapping[str, Any]],
    base: Path,
    workspace: str | None,
    limit: int = ANNOTATIONS_PER_STEP - 1,
) -> list[str]:
    """Workflow commands at each case's line in its file: ``::error`` for a case that blocks
    (failed, an error), ``::warning`` for a known failure, ``::notice`` for a known failure
    that now passes; blockers first, each kind in node id order.

    At most ``limit`` of each kind (GitHub shows 10 of each a step: the action's own
    ``summgate: blocked`` is the tenth error, and one ``::warning`` says how many cases were
    not annotated)."""
    kinds: dict[str, list[Mapping[str, Any]]] = {"error": [], "warning": [], "notice": []}
    for case in cases:
        if case["outcome"] in _ANNOTATED:
            kinds[_ANNOTATED[case["outcome"]][0]].append(case)
    lines = []
    for kind, annotated in kinds.items():
        for case in annotated[:limit]:
            file = annotation_path(case["path"], base, workspace)
            title = f"summgate: {case['id']}{_ANNOTATED[case['outcome']][1]}"
            message = case["message"] if case["outcome"] != "xpassed" else _XPASSED
            lines.append(
                f"::{kind} file={command_property(file)},line={int(case['line'])},"
                f"title={command_property(title)}::{command_data(cut(message, ANNOTATION_CHARS))}"
            )
    left = [
        f"{len(annotated) - limit} more {one if len(annotated) - limit == 1 else many}"
        for annotated, one, many in (
            (kinds["error"], "failing case", "failing cases"),
            (kinds["warning"], "known failure", "known failures"),
            (kinds["notice"], "known failure that now passes", "known failures that now pass"),
        )
        if len(annotated) > limit
    ]
    if left:
        lines.append(
            f"::warning title=summgate::{' and '.join(left)} not annotated: GitHub shows "
            f"{ANNOTATIONS_PER_STEP} annotations of each kind a step; the log, the job summary "
            f"and the JSON report have every case"
        )
    return lines


class CheckRecord(TypedDict):
    """One rule's verdict on a case (the report's ``cases[].checks[]``)."""

    rule: str
    metric: str
    op: str
    bound: float
    score: float | None
    source: str
    failed: bool
    advisory: bool
    skipped: str | None


class RegressionRecord(TypedDict):
    """A metric's drop against the baseline (the report's ``cases[].regressions[]``)."""

    metric: str
    baseline: float
    now: float
    delta: float
    tolerance: float
    blocking: bool


class CaseRecord(TypedDict):
    """One case as the JSON report holds it (``cases[]`` of report-schema.json)."""

    nodeid: str
    id: str
    path: str
    line: int
    baseline: str | None  # how it compared: compared, new, accepted, ... (None: no baseline)
    outcome: str  # passed, failed, error, xfailed, xpassed
    verdict: str
    reason: str
    message: str
    scores: dict[str, float | None]
    checks: list[CheckRecord]
    hard_evidence: dict[str, list[str]]
    regressions: list[RegressionRecord]
    evidence: dict[str, list[str]]
    # What a merge of shards needs to judge the run as a whole (known failures, accepted
    # changes, the paired change): as the controller tracks them in an unsharded run.
    content: str | None
    failing: list[str]
    # The summary as scored (None: the case has none), cut after SUMMARY_CHARS, and the
    # sha256 of the whole.
    summary: str | None
    summary_sha256: str | None
    # Scores that moved the right way by more than their tolerance (listed as drops are).
    improvements: list[RegressionRecord]
    # What the HTML report shows beside the article (None unless a page was asked for).
    alignment: AlignmentRecord | None
    # A compared case's new and fixed decisive findings against its entry, when the paired
    # hard-evidence test judges them (None: not compared, or summgate_hard_evidence = any).
    paired: PairedRecord | None


# Of a summary in a case's record: a summary is text a model wrote, so a record quotes it whole
# unless it is far longer than any summary a rule lets pass.
SUMMARY_CHARS = 20_000


def case_record(
    nodeid: str,
    entry: Case | InvalidCase,
    result: CaseResult | None = None,
    regressed: Sequence[Regression] = (),
    message: str = "",
    baseline_status: str = "",
    blocking: bool = True,
    aligned: bool = False,
    improved: Sequence[Regression] = (),
    paired: PairedRecord | None = None,
) -> CaseRecord:
    """One case as the JSON report holds it; a case without a result is an error.
    ``aligned``: with the evidence beside the article that the HTML report shows;
    ``improved``: its scores that moved the right way beyond their tolerance; ``paired``:
    its new and fixed decisive findings, when the paired test judges them (its new
    findings then fail nothing by themselves)."""
    first = message.splitlines()[0] if message else ""
    summary = getattr(entry, "summary", None)
    summary = summary if isinstance(summary, str) else None
    sha = hashlib.sha256(summary.encode("utf-8", "surrogatepass")).hexdigest() if summary else None
    if summary is not None and len(summary) > SUMMARY_CHARS:
        summary = summary[:SUMMARY_CHARS] + "…"
    if result is None:
        return CaseRecord(
            nodeid=nodeid,
            id=entry.id,
            path=entry.path,
            line=entry.line,
            baseline=baseline_status or None,
            outcome="error",
            verdict=first or "error",
            reason=first or "error",
            message=message,
            scores={},
            checks=[],
            hard_evidence={},
            regressions=[],
            evidence={},
            content=None,
            failing=[],
            summary=summary,
            summary_sha256=sha,
            improvements=[],
            alignment=None,
            paired=None,
        )
    hard = result.hard_evidence
    evidence = evidence_shown(result.checks, result.metrics, hard, regressed)
    blocking_hard, _ = hard_evidence.split(hard, paired["new"] if paired else ())
    failed = (
        any(c.failed for c in result.checks)
        or bool(blocking_hard)
        or (blocking and bool(regressed))
    )
    return CaseRecord(
        nodeid=nodeid,
        id=entry.id,
        path=entry.path,
        line=entry.line,
        baseline=baseline_status or None,
        outcome="failed" if failed else "passed",
        verdict=first or "all checks passed",
        reason=next((lines[0] for lines in evidence.values() if lines), ""),
        message=message,
        scores={k: (round(v, 6) if v is not None else None) for k, v in result.scores.items()},
        checks=[_check_record(check) for check in result.checks],
        hard_evidence={metric: list(reasons) for metric, reasons in hard.items()},
        regressions=[_regression_record(r, blocking) for r in regressed],
        evidence={metric: list(lines) for metric, lines in evidence.items() if lines},
        content=content_hash(result.case.article, result.case.highlights),
        failing=result.failing(),
        summary=summary,
        summary_sha256=sha,
        improvements=[_regression_record(r, False) for r in improved],
        alignment=_alignment(result) if aligned else None,
        paired=paired,
    )


def _alignment(result: CaseResult) -> AlignmentRecord:
    from .alignment import alignment

    case = result.case
    bars = [c.rule.value for c in result.checks if c.rule.name == "faithfulness"]
    assert case.summary is not None  # a scored case has one
    return alignment(
        case.article, case.summary, case.highlights, result.metrics, bars[0] if bars else None
    )


def _check_record(check: Check) -> CheckRecord:
    rule = check.rule
    return CheckRecord(
        rule=rule.name,
        metric=rule.metric,
        op=rule.op,
        bound=rule.value,
        score=check.score,
        source=rule.source,
        failed=check.failed,
        advisory=check.advisory,
        skipped=check.skipped or None,
    )


def _regression_record(regression: Regression, blocking: bool) -> RegressionRecord:
    return RegressionRecord(
        metric=regression.metric,
        baseline=regression.baseline,
        now=regression.now,
        delta=regression.delta,
        tolerance=regression.tolerance,
        blocking=blocking,
    )
