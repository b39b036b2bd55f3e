"""Reports that CI users read: the JSON report, the GitHub job summary, and annotations.

Pure functions from the run's records to text; the controller (the only process that writes
files) calls them at the end of the run. The JSON report's schema is
``report-schema.json`` beside this module (documented in the README).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .report import fmt_score
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
    max_failures: int = 30,
) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: checks, failing cases, baseline deltas."""
    # In node id order, as in the JSON report: under xdist, records arrive as workers finish.
    cases = sorted(cases, key=lambda c: c["nodeid"])
    failed = [c for c in cases if c["outcome"] != "passed"]
    verdict = "passed" if not failed and not any(s.failed for s in suite_checks) else "failed"
    out = [
        f"## summgate: {verdict}",
        "",
        f"{len(cases)} cases: {len(cases) - len(failed)} passed, "
        f"{sum(c['outcome'] == 'failed' for c in cases)} failed, "
        f"{sum(c['outcome'] == 'error' for c in cases)} errors",
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
        for metric in dict.fromkeys(
            [*failing, *(r["metric"] for r in case.get("regressions", []))]
        ):
            failures[metric] = failures.get(metric, 0) + 1
    if metrics:
        out += ["| check | mean | min | failed |", "|---|---|---|---|"]
        for name, values in metrics.items():
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
    deltas = [(c, r) for c in cases for r in c.get("regressions", [])]
    if deltas:
        out += ["| case | metric | baseline | now | delta |", "|---|---|---|---|---|"]
        out += [
            f"| `{_md(c['nodeid'])}` | {r['metric']} | {r['baseline']:.3f} | "
            f"{r['now']:.3f} | {r['delta']:+.3f} |"
            for c, r in deltas[:max_failures]
        ]
        out.append("")
    return "\n".join(out)


def case_record(
    nodeid: str,
    entry: Case | InvalidCase,
    result: CaseResult | None = None,
    regressed: Sequence[Regression] = (),
    message: str = "",
    baseline_status: str = "",
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
        }
    failing = [c.rule.metric for c in result.checks if c.failed] + [r.metric for r in regressed]
    evidence = {
        m: list(result.metrics[m].evidence)
        for m in dict.fromkeys(failing)
        if m in result.metrics and result.metrics[m].evidence
    }
    first_reason = next((lines[0] for lines in evidence.values() if lines), "")
    failed = bool(failing)
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
                "skipped": c.skipped or None,
            }
            for c in result.checks
        ],
        "regressions": [
            {
                "metric": r.metric,
                "baseline": r.baseline,
                "now": r.now,
                "delta": r.delta,
                "tolerance": r.tolerance,
            }
            for r in regressed
        ],
        "evidence": evidence,
    }
