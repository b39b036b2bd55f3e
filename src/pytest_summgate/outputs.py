"""Reports that CI users read: the JSON report, the GitHub job summary, and annotations.

Pure functions from the run's records to text; the controller (the only process that writes
files) calls them at the end of the run. The JSON report's schema is
``report-schema.json`` beside this module (documented in the README).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .baseline import content_hash
from .gate import SPECS
from .report import count, fmt_score
from .suite import SuiteCheck

if TYPE_CHECKING:
    from .baseline import Regression
    from .cases import Case, InvalidCase
    from .engine import CaseResult

REPORT_VERSION = 1
SCHEMA_FILE = Path(__file__).with_name("report-schema.json")


def json_report(
    cases: Sequence[Mapping[str, Any]],
    suite_checks: Sequence[SuiteCheck],
    settings: Mapping[str, Any],
    model: Mapping[str, Any],
    version: str,
    baseline: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The whole run as one JSON-able document (see report-schema.json)."""
    outcomes = [c["outcome"] for c in cases]
    return {
        "report_version": REPORT_VERSION,
        "summgate_version": version,
        "model": dict(model),
        "settings": dict(settings),
        "totals": {
            "cases": len(cases),
            "passed": outcomes.count("passed"),
            "failed": outcomes.count("failed"),
            "errors": outcomes.count("error"),
        },
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
    hard = sum(bool(c.get("hard_evidence")) for c in failed)
    rules = sum(any(k["failed"] for k in c.get("checks", [])) for c in failed)
    drops = sum(any(d.get("blocking") for d in c.get("regressions", [])) for c in failed)
    phrases = [f"suite gate {c.name}" for c in suite_checks if c.failed]
    for cases_of, what in (
        (hard, "with hard evidence (a decisive claim check)"),
        (rules, "below a threshold"),
        (drops, "regressed (summgate_case_regressions = fail)"),
        (errors, "not checked (errors)"),
    ):
        if cases_of:
            phrases.append(f"{count(cases_of, 'case')} {what}")
    return phrases


def _escape_data(text: str) -> str:
    """GitHub workflow-command escaping of a message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_path(path: str, base: Path, workspace: str | None) -> str:
    """A case file's path (relative to ``base``) as GitHub wants it: relative to the checkout
    (GITHUB_WORKSPACE)."""
    full = (base / path).resolve() if not os.path.isabs(path) else Path(path)
    base = Path(workspace).resolve() if workspace else Path.cwd()
    try:
        return full.relative_to(base).as_posix()
    except ValueError:
        return full.as_posix()


def error_annotations(
    cases: Sequence[Mapping[str, Any]], base: Path, workspace: str | None
) -> list[str]:
    """One ``::error`` workflow command per failing case, at the case's line in its file."""
    lines = []
    for case in cases:
        if case["outcome"] == "passed":
            continue
        file = annotation_path(case["path"], base, workspace)
        title = f"summgate: {case['id']}"
        lines.append(
            f"::error file={_escape_property(file)},line={case['line']},"
            f"title={_escape_property(title)}::{_escape_data(case['message'])}"
        )
    return lines


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def step_summary(
    cases: Sequence[Mapping[str, Any]],
    suite_checks: Sequence[SuiteCheck],
    baseline: Mapping[str, Any] | None,
    decided: Mapping[str, Any] | None = None,
    max_failures: int = 30,
) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: the decision and what blocked it, checks,
    failing cases, accepted changes, listed drops."""
    # In node id order, as in the JSON report: under xdist, records arrive as workers finish.
    cases = sorted(cases, key=lambda c: c["nodeid"])
    failed = [c for c in cases if c["outcome"] in ("failed", "error")]
    if decided is not None:
        passed = bool(decided["decision"]["passed"])
    else:
        passed = not failed and not any(s.failed for s in suite_checks)
    known = sum(c["outcome"] == "xfailed" for c in cases)
    partial = decided["decision"].get("partial") if decided is not None else None
    out = [
        f"## summgate: {'passed' if passed else 'blocked'}"
        if not partial
        else f"## summgate: {partial.split(':')[0]}, its cases {'passed' if passed else 'blocked'}",
        "",
    ]
    if partial:
        out += [f"> {_md(partial)}", ""]
    if decided is not None:
        for notice in decided.get("notices", []):
            out += [f"> {_md(notice)}", ""]
        if not passed:
            out += [f"**Blocked by:** {_md('; '.join(decided['decision']['blocked_by']))}", ""]
    out += [
        f"{len(cases)} cases: {sum(c['outcome'] in ('passed', 'xpassed') for c in cases)} "
        f"passed, {sum(c['outcome'] == 'failed' for c in cases)} failed, "
        f"{sum(c['outcome'] == 'error' for c in cases)} errors"
        + (f", {known} known failures" if known else ""),
        "",
    ]
    metrics: dict[str, list[float]] = {}
    failures: dict[str, int] = {}
    for case in cases:
        for name, value in case.get("scores", {}).items():
            if value is not None:
                metrics.setdefault(name, []).append(value)
        # A case counts once per metric, whether it broke the rule or regressed (as in the
        # terminal summary).
        failing = [c["metric"] for c in case.get("checks", []) if c["failed"]]
        failing += list(case.get("hard_evidence", {}))
        blocking = [r["metric"] for r in case.get("regressions", []) if r.get("blocking", True)]
        for metric in dict.fromkeys([*failing, *blocking]):
            failures[metric] = failures.get(metric, 0) + 1
    if metrics:
        out += ["| check | mean | min | failed |", "|---|---|---|---|"]
        # In the terminal summary's order (the built-in checks' own), not the first case's:
        # a report read back from JSON (a merge of shards) holds its scores sorted by name.
        known = [spec.metric for spec in SPECS.values()]
        order = sorted(metrics, key=lambda m: known.index(m) if m in known else len(known))
        for name, values in ((m, metrics[m]) for m in order):
            out.append(
                f"| {name} | {fmt_score(name, sum(values) / len(values))} | "
                f"{fmt_score(name, min(values))} | {failures.get(name, 0)} |"
            )
        out.append("")
    if suite_checks:
        out += ["| suite gate | observed | rule | |", "|---|---|---|---|"]
        out += [
            f"| {_md(s.name)} | {_md(s.observed)} | {_md(s.rule)} | "
            f"{'**FAIL**' if s.failed else 'ok'} |"
            for s in suite_checks
        ]
        out.append("")
    if baseline:
        out += [
            f"Baseline `{baseline['path']}`: {baseline['compared']} compared, "
            f"{baseline['regressed']} regressed, {baseline['new']} new, "
            f"{baseline['changed']} changed.",
            "",
        ]
    if failed:
        out += ["| case | verdict | first reason |", "|---|---|---|"]
        for case in failed[:max_failures]:
            out.append(
                f"| `{_md(case['nodeid'])}` | {_md(case['verdict'])} | "
                f"{_md(case.get('reason', ''))} |"
            )
        if len(failed) > max_failures:
            out.append(f"\n... and {len(failed) - max_failures} more failing cases.")
        out.append("")
    if decided is not None and decided["accepted"]:
        accepted = decided["accepted"]
        out += [
            f"**Accepted in this pull request** ({len(accepted)} baseline entries):",
            "",
            "| case | metric | base | new | reproduced |",
            "|---|---|---|---|---|",
        ]
        for entry in accepted[:max_failures]:
            reproduced = {True: "yes", False: "**no**", None: "not run"}[entry["reproduced"]]
            for change in entry["changes"] or [{"metric": "-", "base": None, "now": None}]:
                base = "new" if change["base"] is None else f"{change['base']:.3f}"
                now = "-" if change["now"] is None else f"{change['now']:.3f}"
                out.append(
                    f"| `{_md(entry['nodeid'])}` | {_md(change['metric'])} | {base} | {now} "
                    f"| {reproduced} |"
                )
        if len(accepted) > max_failures:
            out.append(f"\n... and {len(accepted) - max_failures} more accepted entries.")
        out.append("")
    drops = (
        decided["drops"]
        if decided is not None
        else [
            {**r, "nodeid": c["nodeid"], "blocking": True}
            for c in cases
            for r in c.get("regressions", [])
        ]
    )
    if drops:
        listed = "" if any(d["blocking"] for d in drops) else " (listed, not blocking)"
        out += [
            f"**Drops against the baseline**{listed}, the largest first:",
            "",
            "| case | metric | baseline | now | delta |",
            "|---|---|---|---|---|",
        ]
        out += [
            f"| `{_md(d['nodeid'])}` | {_md(d['metric'])} | {d['baseline']:.3f} | "
            f"{d['now']:.3f} | {d['delta']:+.3f} |"
            for d in drops[:max_failures]
        ]
        if len(drops) > max_failures:
            out.append(f"\n... and {len(drops) - max_failures} more drops.")
        out.append("")
    return "\n".join(out)


def case_record(
    nodeid: str,
    entry: Case | InvalidCase,
    result: CaseResult | None = None,
    regressed: Sequence[Regression] = (),
    message: str = "",
    baseline_status: str = "",
    blocking: bool = True,
) -> dict[str, Any]:
    """One case as the JSON report holds it; a case without a result is an error."""
    record: dict[str, Any] = {
        "nodeid": nodeid,
        "id": entry.id,
        "path": entry.path,
        "line": entry.line,
        "baseline": baseline_status or None,
    }
    if result is None:
        first = message.splitlines()[0] if message else "error"
        return {
            **record,
            "outcome": "error",
            "verdict": first,
            "reason": first,
            "message": message,
            "scores": {},
            "checks": [],
            "regressions": [],
            "evidence": {},
            "hard_evidence": {},
            "content": None,
            "failing": [],
        }
    hard = result.hard_evidence
    failing = [c.rule.metric for c in result.checks if c.failed or c.below]
    failing += [*hard, *(r.metric for r in regressed)]
    evidence = {
        m: list(result.metrics[m].evidence)
        for m in dict.fromkeys(failing)
        if m in result.metrics and result.metrics[m].evidence
    }
    first_reason = next((lines[0] for lines in evidence.values() if lines), "")
    failed = any(c.failed for c in result.checks) or bool(hard) or (blocking and bool(regressed))
    return {
        **record,
        "outcome": "failed" if failed else "passed",
        "verdict": message.splitlines()[0] if message else "all checks passed",
        "reason": first_reason,
        "message": message,
        "scores": {k: (round(v, 6) if v is not None else None) for k, v in result.scores.items()},
        "checks": [
            {
                "rule": c.rule.name,
                "metric": c.rule.metric,
                "op": c.rule.op,
                "bound": c.rule.value,
                "score": c.score,
                "source": c.rule.source,
                "failed": c.failed,
                "advisory": c.advisory,
                "skipped": c.skipped or None,
            }
            for c in result.checks
        ],
        "hard_evidence": {metric: list(reasons) for metric, reasons in hard.items()},
        "regressions": [
            {
                "metric": r.metric,
                "baseline": r.baseline,
                "now": r.now,
                "delta": r.delta,
                "tolerance": r.tolerance,
                "blocking": blocking,
            }
            for r in regressed
        ],
        "evidence": evidence,
        # What a merge of shards needs to judge the run as a whole (known failures, accepted
        # changes, the paired change): as the controller tracks them in an unsharded run.
        "content": content_hash(result.case.article, result.case.highlights),
        "failing": result.failing(),
    }
