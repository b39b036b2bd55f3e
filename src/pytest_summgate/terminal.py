"""What the user reads: the failure block of a case and the summary after a run.

Pure text: no pytest, no model. The failure block follows STYLE.md: one verdict line, every
check with score, rule and margin, the evidence of the failing checks, then ``path:line``.
Every line of both passes through ``errors.terminal_line``: what the user wrote (ids, file
names, summaries quoted as evidence) cannot start a line, colour the terminal or pose as a
GitHub workflow command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .engine import evidence_shown
from .errors import terminal_line
from .hard_evidence import verdict_text
from .metrics import Metric
from .suite import BOOTSTRAP_SAMPLES, Counts, SuiteCheck
from .thresholds import Check

if TYPE_CHECKING:
    from .baseline import Regression
    from .decision import AddedFailure, Changes, HardEvidenceTest
    from .hard_evidence import Tally

MAX_EVIDENCE_LINES = 6
MAX_NEW_FINDINGS = 3  # of a compared case's new decisive findings, without -v
# What a compared case's new decisive finding is: not its own verdict (hard_evidence.py).
_LEFT_TO_THE_TEST = "left to the run's hard-evidence test"
_WORD_METRICS = {"length"}


def fmt_score(metric: str, value: float) -> str:
    return f"{value:.0f} w" if metric in _WORD_METRICS else f"{value:.2f}"


def fmt_value(metric: str, value: float) -> str:
    """A stored or measured value as a change lists it: ``0.435``, or ``31 words``."""
    return f"{value:.0f} words" if metric in _WORD_METRICS else f"{value:.3f}"


def drop_text(drop: Mapping[str, Any]) -> str:
    """A drop against the baseline (``ci_outputs.RegressionRecord``):
    ``faithfulness 1.000 -> 0.909 (-0.091)``, ``length 31 words -> 23 words (-8)``."""
    metric = drop["metric"]
    return (
        f"{metric} {fmt_value(metric, drop['baseline'])} -> {fmt_value(metric, drop['now'])} "
        f"({fmt_change(metric, drop['delta'])})"
    )


def fmt_change(metric: str, delta: float) -> str:
    """A change as a drop lists it: ``-0.091``, or ``-8`` (words)."""
    return f"{delta:+.0f}" if metric in _WORD_METRICS else f"{delta:+.3f}"


def fmt_margin(metric: str, value: float) -> str:
    return f"{value:+.0f}" if metric in _WORD_METRICS else f"{value:+.2f}"


def _short(check: Check) -> str:
    """``faithfulness 0.31 < 0.80`` for the verdict line."""
    assert check.score is not None
    rule = check.rule
    opposite = "<" if rule.op == ">=" else ">"
    unit = " words" if rule.metric in _WORD_METRICS else ""
    bound = fmt_score(rule.metric, rule.value).removesuffix(" w")
    score = fmt_score(rule.metric, check.score).removesuffix(" w")
    return f"{rule.metric} {score}{unit} {opposite} {bound}"


def verdict(checks: Sequence[Check], hard_evidence: Mapping[str, Sequence[str]] = {}) -> str:
    failed = [c for c in checks if c.failed]
    judged = [c for c in checks if c.score is not None]
    parts = [f"{metric}: {reasons[0]}" for metric, reasons in hard_evidence.items() if reasons]
    if parts:
        head = f"hard evidence: {'; '.join(parts)}"
        return head + (f"; {', '.join(map(_short, failed))}" if failed else "")
    if not failed:
        return f"all {len(judged)} checks passed"
    return f"{len(failed)} of {len(judged)} checks failed: " + ", ".join(map(_short, failed))


def table(rows: Sequence[Sequence[str]], aligned: int | None = None) -> list[str]:
    """Rows as columns, two spaces in and three apart, without trailing spaces. Only the first
    ``aligned`` columns are padded (default: all); the rest is free text after them."""
    padded = len(rows[0]) if aligned is None else aligned
    widths = [max(len(row[i]) for row in rows) for i in range(padded)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:padded], widths, strict=True)]
        lines.append(("  " + "   ".join([*cells, *row[padded:]])).rstrip())
    return lines


def check_table(checks: Sequence[Check]) -> list[str]:
    rows = [("check", "score", "rule", "margin", "")]
    for check in checks:
        rule = check.rule
        bound = f"{rule.op} {fmt_score(rule.metric, rule.value)}"
        if check.score is None:
            rows.append((rule.metric, "-", bound, "", f"skipped: {check.skipped}"))
            continue
        # Signed room to spare, whichever way the rule points: negative means the check failed.
        margin = fmt_margin(rule.metric, rule.margin(check.score))
        status = f"FAIL  ({rule.name}, {rule.source})" if check.failed else "ok"
        if check.below and check.advisory:
            status = f"below  (advisory: {rule.source}; a baseline is in force)"
        rows.append((rule.metric, fmt_score(rule.metric, check.score), bound, margin, status))
    return table(rows, aligned=4)


def regression_verdict(regressed: Sequence[Regression], blocking: bool = True) -> str:
    parts = [
        f"{r.metric} {fmt_score(r.metric, r.now).removesuffix(' w')} "
        f"(was {fmt_score(r.metric, r.baseline).removesuffix(' w')})"
        for r in regressed
    ]
    noun = "metric" if len(regressed) == 1 else "metrics"
    how = "regressed against the baseline" if blocking else "dropped against the baseline"
    return f"{len(regressed)} {noun} {how}: " + ", ".join(parts)


def regression_table(regressed: Sequence[Regression], blocking: bool = True) -> list[str]:
    rows = [("regressed" if blocking else "dropped", "baseline", "now", "delta", "tolerance")]
    rows += [
        (
            r.metric,
            fmt_score(r.metric, r.baseline),
            fmt_score(r.metric, r.now),
            fmt_margin(r.metric, r.delta),
            fmt_score(r.metric, r.tolerance).removesuffix(" w"),
        )
        for r in regressed
    ]
    return table(rows)


def failure_block(
    checks: Sequence[Check],
    metrics: Mapping[str, Metric],
    location: str,
    regressed: Sequence[Regression] = (),
    remedy: str = "",
    hard_evidence: Mapping[str, Sequence[str]] = {},
    blocking: bool = True,
    verbose: bool = False,
    new_findings: Mapping[str, Sequence[str]] = {},
) -> str:
    """The text pytest shows for a failing case: verdict, checks, evidence, place, remedy.

    ``blocking``: whether the drops against the baseline fail the case or are only listed.
    ``new_findings``: a compared case's decisive findings that its baseline entry did not
    record, by metric; they fail nothing here (the run's hard-evidence test decides), and
    are listed after the evidence (the verdict, when nothing else fails).
    """
    failed = any(c.failed for c in checks) or bool(hard_evidence)
    new = [f"{metric}: {reason}" for metric, reasons in new_findings.items() for reason in reasons]
    head = verdict(checks, hard_evidence)
    if new and not failed:
        more = f" (and {len(new) - 1} more)" if len(new) > 1 else ""
        head = f"{count(len(new), 'new decisive finding')}, {_LEFT_TO_THE_TEST}: {new[0]}{more}"
    if regressed:
        head = (f"{head}; " if failed or new or not blocking else "") + regression_verdict(
            regressed, blocking
        )
    lines = [head, *(line.rstrip() for line in check_table(checks))]
    if regressed:
        lines.extend(regression_table(regressed, blocking))
    shown = evidence_shown(checks, metrics, {**hard_evidence, **new_findings}, regressed)
    evidence = [line for lines in shown.values() for line in _once(lines, verbose)]
    if len(evidence) > MAX_EVIDENCE_LINES and not verbose:
        hidden = len(evidence) - MAX_EVIDENCE_LINES
        evidence = [*evidence[:MAX_EVIDENCE_LINES], f"... and {hidden} more lines (-v shows all)"]
    lines.extend(f"  {line}" for line in evidence)
    unnamed = new if failed else new[1:]  # the verdict names the first
    listed = unnamed if verbose else unnamed[:MAX_NEW_FINDINGS]
    lines.extend(f"  new decisive finding, {_LEFT_TO_THE_TEST}: {finding}" for finding in listed)
    if len(listed) < len(unnamed):
        hidden = len(unnamed) - len(listed)
        lines.append(f"  ... and {hidden} more new decisive findings (-v shows all)")
    if location:  # none for the Python API's check()
        lines.append(f"  {location}")
    if regressed and blocking and remedy:
        lines.append(f"  to accept the new scores: {remedy}")
    # Each line as one line: a newline inside a quoted summary or a file name is shown as \n.
    return "\n".join(map(terminal_line, lines))


# A metric's evidence may hold a line that stands for the sentences after it ("also quote
# ... (2 more unsupported sentences)", metrics.faithfulness.also_line), then those
# sentences in full (for -v and the JSON report). Shown both ways, a quotation would be
# printed twice: the short block ends at the line that stands for the rest, -v drops it.
_STANDS_FOR_THE_REST = "also "


def _once(lines: Sequence[str], verbose: bool) -> list[str]:
    """A metric's evidence lines as the failure block shows them: each sentence once."""
    for number, line in enumerate(lines):
        if line.startswith(_STANDS_FOR_THE_REST) and number + 1 < len(lines):
            return [*lines[:number], *lines[number + 1 :]] if verbose else list(lines[: number + 1])
    return list(lines)


def suite_lines(checks: Sequence[SuiteCheck], seed: int) -> list[str]:
    """The suite gates' table: each gate, what was observed, its rule, its verdict."""
    rows = [("gate", "observed", "rule", "")]
    rows += [
        (c.name, c.observed, c.rule, ("FAIL" if c.failed else "ok") + f"  ({c.detail})")
        for c in checks
    ]
    out = table(rows, aligned=3)
    if any("vs baseline" in c.name for c in checks):
        out.append(f"  (bootstrap: {BOOTSTRAP_SAMPLES} resamples, seed {seed})")
    return out


def count(n: int, noun: str) -> str:
    """``1 case``, ``2 cases``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# -- the run's counts (suite.Counts), in the words the terminal and the job summary share ------


def counts_line(counts: Counts) -> str:
    """``12 cases: 5 passed, 1 failed, 0 could not be checked, 6 known failures``."""
    line = (
        f"{count(counts.cases, 'case')}: {counts.passed} passed, {counts.failed} failed, "
        f"{counts.errors} could not be checked"
    )
    if counts.known_failures:
        line += f", {count(counts.known_failures, 'known failure')} (xfail)"
    if counts.now_pass:
        now = "passes" if counts.now_pass == 1 else "pass"
        line += f", {count(counts.now_pass, 'known failure')} now {now} (XPASS)"
    return line


def metric_rows(counts: Counts) -> list[tuple[str, ...]]:
    """The checks' table: each metric's mean, minimum and failing cases (and the known
    failures on it, when there are any), with its header row; empty without scores."""
    if not counts.metrics:
        return []
    known = counts.known_failures > 0
    rows: list[tuple[str, ...]] = [
        ("check", "mean", "min", "failed", *(["known failures"] if known else []))
    ]
    rows += [
        (
            s.metric,
            fmt_score(s.metric, s.mean),
            fmt_score(s.metric, s.min),
            str(s.failed),
            *([str(s.known)] if known else []),
        )
        for s in counts.metrics
    ]
    return rows


def baseline_counts(counts: Counts) -> str:
    """How the cases compared with the stored entries (after the baseline's path)."""
    dropped = (
        f"{counts.dropped} regressed (failing)"
        if counts.drops_block
        else f"{counts.dropped} with drops (listed, not blocking)"
    )
    line = (
        f"{count(counts.compared, 'case')} compared, {dropped}; {counts.new} new and "
        f"{counts.changed} with a changed article or highlights (not compared)"
    )
    if counts.accepted:
        line += f"; {counts.accepted} accepted in this pull request"
    return line


@dataclass
class RunSummary:
    """Scores gathered from the reports of one run (on the xdist controller too)."""

    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # nodeid -> metric -> value
    failures: dict[str, list[str]] = field(default_factory=dict)  # nodeid -> failed metrics
    errors: dict[str, str] = field(default_factory=dict)  # nodeid -> first line

    def add(self, nodeid: str, scores: Mapping[str, float], failed: Iterable[str]) -> None:
        self.scores[nodeid] = dict(scores)
        failed = list(failed)
        if failed:
            self.failures[nodeid] = failed

    def lines(
        self, counts: Counts, worst: int = 5, display: Callable[[str], str] = str
    ) -> list[str]:
        """The summary section; ``display`` turns a node id into what the user sees."""
        if not self.scores and not self.errors:
            return []
        out = [counts_line(counts)]
        rows = metric_rows(counts)
        if rows:
            out.extend(table(rows))
        ranked = sorted(self.failures, key=lambda n: (-len(checks_of(self.failures[n])), n))
        if ranked[:worst]:
            out.append("worst cases:")
            out.extend(
                f"  {display(nodeid)}: {', '.join(checks_of(self.failures[nodeid]))}"
                for nodeid in ranked[:worst]
            )
        if self.errors:
            out.append("not checked:")
            out.extend(
                f"  {display(nodeid)}: {msg}" for nodeid, msg in sorted(self.errors.items())[:worst]
            )
        return [terminal_line(line) for line in out]


def checks_of(failed: Sequence[str]) -> list[str]:
    """A case's failed checks, each once: ``faithfulness (decisive)`` stands for a plain
    ``faithfulness`` too (the decisive finding failed it, whatever its score)."""
    by_metric: dict[str, str] = {}
    for name in failed:
        metric, _, how = name.partition(" (")
        if metric not in by_metric or (how and not by_metric[metric].partition(" (")[2]):
            by_metric[metric] = name
    return list(by_metric.values())


def gate_change_lines(
    changes: Changes, display: Callable[[str], str], verbose: bool, baseline: str
) -> list[str]:
    """What a pull request changes about the gate, first among the decision lines: accepted
    entries of ``baseline``, added known failures and removed entries, one line each kind
    with its largest drop (``-v``: every entry under it, with its own)."""
    more = "" if verbose else "; -v lists them"
    lines = []
    if changes.accepted:
        new = sum(a.base is None for a in changes.accepted)
        top = changes.accepted[0]
        lines.append(
            f"accepted in this pull request: {_entries(len(changes.accepted))} ({new} new "
            f"cases){_largest(top.nodeid, top.largest_fall(), display)}{more}"
        )
        for change in changes.accepted if verbose else []:
            shown = ", ".join(
                f"{m} {'new' if b is None else fmt_value(m, b)} -> {fmt_value(m, n)}"
                for m, b, n in change.changes()
            )
            lines.append(f"  {display(change.nodeid)}: {shown or 'known failure'}")
    if changes.known_failures:
        added = changes.known_failures
        named = ", ".join(display(a.nodeid) for a in added[:3])
        named += f" and {len(added) - 3} more" if len(added) > 3 else ""
        lines.append(
            f"known failures added in this pull request (accepted): {count(len(added), 'case')} "
            f"({named}){_largest(added[0].nodeid, added[0].fall, display)}{more}"
        )
        lines += [_added_failure(failure, display) for failure in (added if verbose else [])]
    if changes.removed:
        removed = changes.removed
        ran = sum(r.ran for r in removed)
        how = f"{ran} of their cases ran: judged against the base branch's entries"
        lines.append(
            f"removed from {baseline} in this pull request: {_entries(len(removed))} "
            f"({how if ran else 'their cases did not run'})"
            f"{_largest(removed[0].nodeid, removed[0].fall, display)}{more}"
        )
        for entry in removed if verbose else []:
            how = "judged against the base branch's entry" if entry.ran else "its case did not run"
            lines.append(f"  {display(entry.nodeid)}: {how}{_fall(entry.fall)}")
    if changes.not_compared:
        uncompared = changes.not_compared
        new = sum(status == "new" for _, status in uncompared)
        lines.append(
            f"not compared with the base branch: {count(len(uncompared), 'case')} ({new} new, "
            f"{len(uncompared) - new} with a changed article or highlights){more}"
        )
        lines += [
            f"  {display(nodeid)}: {'new' if status == 'new' else 'article or highlights changed'}"
            for nodeid, status in (uncompared if verbose else [])
        ]
    return lines


def _added_failure(failure: AddedFailure, display: Callable[[str], str]) -> str:
    fails = ", ".join(failure.checks) or "a check"
    found = f" ({'; '.join(failure.findings)})" if failure.findings else ""
    where = "its baseline entry" if failure.where == "baseline" else "its case file"
    return (
        f"  {display(failure.nodeid)}: fails on {fails}{found}; recorded in {where}"
        f"{_fall(failure.fall)}"
    )


def _entries(n: int) -> str:
    return "1 entry" if n == 1 else f"{n} entries"


def _largest(
    nodeid: str, fall: tuple[str, float, float] | None, display: Callable[[str], str]
) -> str:
    return f"; largest drop {display(nodeid)}{_fall(fall).removeprefix(';')}" if fall else ""


def _fall(fall: tuple[str, float, float] | None) -> str:
    if fall is None:
        return ""
    metric, before, now = fall
    return f"; {metric} {fmt_value(metric, before)} -> {fmt_value(metric, now)}"


HARD_EVIDENCE_CASES = 3  # of the cases with new decisive findings listed without -v


def hard_evidence_lines(
    found: Tally, test: HardEvidenceTest, display: Callable[[str], str], verbose: bool
) -> list[str]:
    """The hard-evidence test's line, then its cases: without ``-v`` the first few with new
    findings, each with its first; with ``-v`` every case's every new and fixed finding."""
    with_new = [(nodeid, record) for nodeid, record in found.cases if record["new"]]
    shown = found.cases if verbose else with_new[:HARD_EVIDENCE_CASES]
    hidden = len(found.cases) > len(shown) or any(len(r["new"]) > 1 for _, r in shown)
    lines = [f"hard evidence: {verdict_text(found, test)}"]
    if hidden and not verbose:
        lines[0] += "; -v lists all"
    for nodeid, record in shown:
        if not verbose:
            more = len(record["new"]) - 1
            lines.append(
                f"  {display(nodeid)}: {record['new'][0]}" + (f" (and {more} more)" if more else "")
            )
            continue
        lines += [f"  {display(nodeid)}: new: {finding}" for finding in record["new"]]
        lines += [f"  {display(nodeid)}: fixed: {finding}" for finding in record["fixed"]]
    return lines
