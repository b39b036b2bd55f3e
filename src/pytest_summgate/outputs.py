"""Reports that CI users read: the JSON report, the GitHub job summary, and annotations.

Pure functions from the run's records to text; the controller (the only process that writes
files) calls them at the end of the run. The JSON report's schema is
``report-schema.json`` beside this module (documented in the README). What the user wrote is
escaped for where it goes by one function each: ``markdown`` and ``markdown_code`` for the
job summary, ``command_data`` and ``command_property`` for workflow commands; the JSON report
is ``json.dumps``'s, which escapes every control character and surrogate.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .baseline import content_hash
from .errors import visible
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


# GitHub's limits. A step shows at most 10 error, 10 warning and 10 notice annotations (and a
# job 50) and drops the rest without a word (actions/toolkit, docs/problem-matchers.md,
# "Limitations"). A step's job summary over 1 MiB is not shown at all: "$GITHUB_STEP_SUMMARY
# upload aborted, supports content up to a size of 1024k" (workflow commands documentation,
# "Adding a job summary").
ANNOTATIONS_PER_STEP = 10
SUMMARY_LIMIT = 1024 * 1024
# The gate's share of a step's summary: the action prints its own lines after pytest, and a
# workflow may have written to the same step's summary before.
SUMMARY_BUDGET = SUMMARY_LIMIT - 64 * 1024
CELL_CHARS = 300  # of a user's text in one table cell (a node id: 500 characters and a path)
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


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# What GitHub's Markdown would read as syntax in a table cell: backslash escapes, code spans,
# emphasis, strikethrough, links (and so images), the cell's end, headings, maths. Each is
# backslash-escaped; < and & are entities, so no raw "<" of the user's reaches the page (">"
# is syntax only at the start of a line, where a cell never is).
_MARKDOWN = str.maketrans({**{c: "\\" + c for c in "\\`*~[]|#$"}, "<": "&lt;", "&": "&amp;"})
# "_" opens or closes emphasis unless it is inside a word (pass_rate): a run of them with a
# letter or digit on both sides is left as written.
_UNDERSCORES = re.compile(r"_+")
# GitHub's autolinks that are not syntax: http://... and www.... (mail addresses still link).
_AUTOLINK = re.compile(r"(?i)(?<=[a-z]):(?=//)|(?<=www)\.")


def _underscores(found: re.Match[str]) -> str:
    text, start, end = found.string, found.start(), found.end()
    if text[start - 1 : start].isalnum() and text[end : end + 1].isalnum():
        return found.group()
    return "\\_" * len(found.group())


def markdown(text: str, limit: int = CELL_CHARS) -> str:
    """``text`` as plain text in GitHub's Markdown, one line of a table cell: cut after
    ``limit`` characters, ``visible``, and every character Markdown would read as syntax
    escaped, so it cannot end the cell, start a heading, link, embed HTML or emphasise."""
    shown = visible(_cut(text, limit)).translate(_MARKDOWN)
    shown = _UNDERSCORES.sub(_underscores, shown)
    return _AUTOLINK.sub(lambda found: "\\" + found.group(), shown)


def markdown_code(text: str, limit: int = CELL_CHARS) -> str:
    """``text`` as a code span in a table cell: its fence one backtick longer than any run of
    backticks in it, ``|`` escaped (GitHub's tables split cells first), ``visible``."""
    shown = visible(_cut(text, limit)).replace("|", "\\|")
    fence = "`" * (1 + max(map(len, re.findall("`+", shown)), default=0))
    # One space each side is dropped from a span that starts and ends with one.
    pad = " " if shown[:1] in ("`", " ") or shown[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


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


def error_annotations(
    cases: Sequence[Mapping[str, Any]],
    base: Path,
    workspace: str | None,
    limit: int = ANNOTATIONS_PER_STEP - 1,
) -> list[str]:
    """One ``::error`` workflow command per failing case, at the case's line in its file.

    At most ``limit`` (GitHub shows 10 a step; the action's own decision is the tenth), the
    cases that block first (failed, errors), then known failures; when more cases fail, one
    ``::warning`` says how many are not annotated."""
    failing = [c for c in cases if c["outcome"] != "passed"]
    failing.sort(key=lambda c: c["outcome"] not in ("failed", "error"))  # stable: node id order
    lines = []
    for case in failing[:limit]:
        file = annotation_path(case["path"], base, workspace)
        title = f"summgate: {case['id']}"
        message = _cut(case["message"], ANNOTATION_CHARS)
        lines.append(
            f"::error file={command_property(file)},line={int(case['line'])},"
            f"title={command_property(title)}::{command_data(message)}"
        )
    if len(failing) > limit:
        rest = count(len(failing) - limit, "more failing case")
        lines.append(
            f"::warning title=summgate::{rest} not annotated: GitHub shows "
            f"{ANNOTATIONS_PER_STEP} error annotations a step; the log, the job summary and "
            f"the JSON report have every case"
        )
    return lines


# -- the job summary ----------------------------------------------------------------------------


@dataclass
class _Table:
    """A Markdown table of the job summary whose rows may be cut to fit GitHub's limit."""

    head: list[str]  # what comes before the rows: a title, the header and its rule
    rows: list[str]
    more: str = ""  # the note on rows left out by count ("... and 3 more drops.")
    kept: int = -1  # rows kept to fit (-1: all)

    def lines(self) -> list[str]:
        kept = len(self.rows) if self.kept < 0 else self.kept
        out = [*self.head, *self.rows[:kept]]
        if kept < len(self.rows):
            out.append(
                f"\n... {count(len(self.rows) - kept, 'more row')} cut: the job summary stays "
                f"under GitHub's {SUMMARY_LIMIT // (1024 * 1024)} MiB limit (the JSON report "
                f"and the log have every case)."
            )
        if self.more:
            out.append(self.more)
        return [*out, ""]


def _size(lines: Iterable[str]) -> int:
    return sum(len(line.encode("utf-8", "surrogatepass")) + 1 for line in lines)


def _fit(parts: list[list[str] | _Table], budget: int) -> list[str]:
    """The summary's lines within ``budget`` bytes: tables keep their rows in order while
    they fit, the earlier tables (the failing cases) first; each cut says so."""
    note = 200  # bytes for a table's note on cut rows
    left = budget - sum(_size(p.head) + note if isinstance(p, _Table) else _size(p) for p in parts)
    for part in parts:
        if isinstance(part, _Table):
            left -= _size([part.more])
            for kept, row in enumerate(part.rows):
                if _size([row]) > left:
                    part.kept = kept
                    break
                left -= _size([row])
    lines = [line for p in parts for line in (p.lines() if isinstance(p, _Table) else p)]
    if _size(lines) > budget:  # only when the head alone is too long: cut it, and say so
        cut = "... the rest is cut: the job summary stays under GitHub's limit."
        while lines and _size([*lines, cut]) > budget:
            lines.pop()
        lines.append(cut)
    return lines


def step_summary(
    cases: Sequence[Mapping[str, Any]],
    suite_checks: Sequence[SuiteCheck],
    baseline: Mapping[str, Any] | None,
    decided: Mapping[str, Any] | None = None,
    max_failures: int = 30,
    max_bytes: int = SUMMARY_BUDGET,
) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: the decision and what blocked it, checks,
    failing cases, accepted changes, listed drops; at most ``max_bytes`` bytes (UTF-8).

    Everything of the user's (ids, paths, verdicts quoting summaries, metric and gate names)
    goes through ``markdown`` or ``markdown_code``."""
    # In node id order, as in the JSON report: under xdist, records arrive as workers finish.
    cases = sorted(cases, key=lambda c: c["nodeid"])
    failed = [c for c in cases if c["outcome"] in ("failed", "error")]
    parts: list[list[str] | _Table] = [_head(cases, suite_checks, failed, decided)]
    checks = _check_rows(cases)
    if checks:
        parts.append(_Table(["| check | mean | min | failed |", "|---|---|---|---|"], checks))
    if suite_checks:
        rows = [
            f"| {markdown(s.name)} | {markdown(s.observed)} | {markdown(s.rule)} | "
            f"{'**FAIL**' if s.failed else 'ok'} |"
            for s in suite_checks
        ]
        parts.append(_Table(["| suite gate | observed | rule | |", "|---|---|---|---|"], rows))
    if baseline:
        parts.append(
            [
                f"Baseline {markdown_code(str(baseline['path']))}: {baseline['compared']} "
                f"compared, {baseline['regressed']} regressed, {baseline['new']} new, "
                f"{baseline['changed']} changed.",
                "",
            ]
        )
    # The failing cases first: when the summary must be cut, the drops go before them.
    if failed:
        rows = [
            f"| {markdown_code(case['nodeid'], 1000)} | {markdown(case['verdict'])} | "
            f"{markdown(case.get('reason', ''))} |"
            for case in failed[:max_failures]
        ]
        more = len(failed) - max_failures
        parts.append(
            _Table(
                ["| case | verdict | first reason |", "|---|---|---|"],
                rows,
                f"\n... and {more} more failing cases." if more > 0 else "",
            )
        )
    if decided is not None and decided["accepted"]:
        parts.append(_accepted(decided["accepted"], max_failures))
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
        parts.append(_drops(drops, max_failures))
    return "\n".join(_fit(parts, max_bytes))


def _head(
    cases: Sequence[Mapping[str, Any]],
    suite_checks: Sequence[SuiteCheck],
    failed: Sequence[Mapping[str, Any]],
    decided: Mapping[str, Any] | None,
) -> list[str]:
    """The decision, what blocked it, and the cases' outcomes."""
    if decided is not None:
        passed = bool(decided["decision"]["passed"])
    else:
        passed = not failed and not any(s.failed for s in suite_checks)
    verdict = "passed" if passed else "blocked"
    partial = decided["decision"].get("partial") if decided is not None else None
    title = f"{markdown(partial.split(':')[0])}, its cases {verdict}" if partial else verdict
    out = [f"## summgate: {title}", ""]
    if partial:
        out += [f"> {markdown(partial)}", ""]
    if decided is not None:
        for notice in decided.get("notices", []):
            out += [f"> {markdown(notice, 2000)}", ""]
        if not passed:
            blocked = "; ".join(decided["decision"]["blocked_by"])
            out += [f"**Blocked by:** {markdown(blocked, 2000)}", ""]
    known = sum(c["outcome"] == "xfailed" for c in cases)
    out += [
        f"{len(cases)} cases: {sum(c['outcome'] in ('passed', 'xpassed') for c in cases)} "
        f"passed, {sum(c['outcome'] == 'failed' for c in cases)} failed, "
        f"{sum(c['outcome'] == 'error' for c in cases)} errors"
        + (f", {known} known failures" if known else ""),
        "",
    ]
    return out


def _check_rows(cases: Sequence[Mapping[str, Any]]) -> list[str]:
    """Per check: mean, min, and the cases that failed it."""
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
    # In the terminal summary's order (the built-in checks' own), not the first case's: a
    # report read back from JSON (a merge of shards) holds its scores sorted by name.
    known = [spec.metric for spec in SPECS.values()]
    order = sorted(metrics, key=lambda m: known.index(m) if m in known else len(known))
    return [
        f"| {markdown(name)} | {fmt_score(name, sum(values) / len(values))} | "
        f"{fmt_score(name, min(values))} | {failures.get(name, 0)} |"
        for name, values in ((m, metrics[m]) for m in order)
    ]


def _accepted(accepted: Sequence[Mapping[str, Any]], max_entries: int) -> _Table:
    rows = []
    for entry in accepted[:max_entries]:
        reproduced = {True: "yes", False: "**no**", None: "not run"}[entry["reproduced"]]
        for change in entry["changes"] or [{"metric": "-", "base": None, "now": None}]:
            base = "new" if change["base"] is None else f"{change['base']:.3f}"
            now = "-" if change["now"] is None else f"{change['now']:.3f}"
            rows.append(
                f"| {markdown_code(entry['nodeid'], 1000)} | {markdown(change['metric'])} | "
                f"{base} | {now} | {reproduced} |"
            )
    more = len(accepted) - max_entries
    return _Table(
        [
            f"**Accepted in this pull request** ({len(accepted)} baseline entries):",
            "",
            "| case | metric | base | new | reproduced |",
            "|---|---|---|---|---|",
        ],
        rows,
        f"\n... and {more} more accepted entries." if more > 0 else "",
    )


def _drops(drops: Sequence[Mapping[str, Any]], max_drops: int) -> _Table:
    listed = "" if any(d["blocking"] for d in drops) else " (listed, not blocking)"
    more = len(drops) - max_drops
    return _Table(
        [
            f"**Drops against the baseline**{listed}, the largest first:",
            "",
            "| case | metric | baseline | now | delta |",
            "|---|---|---|---|---|",
        ],
        [
            f"| {markdown_code(d['nodeid'], 1000)} | {markdown(d['metric'])} | "
            f"{d['baseline']:.3f} | {d['now']:.3f} | {d['delta']:+.3f} |"
            for d in drops[:max_drops]
        ],
        f"\n... and {more} more drops." if more > 0 else "",
    )


def summary_budget(path: Path) -> int:
    """The bytes the gate's job summary may take in ``path`` ($GITHUB_STEP_SUMMARY): its
    budget less what the step has written there already."""
    try:
        written = path.stat().st_size if path.is_file() else 0
    except OSError:
        written = 0
    return max(0, SUMMARY_BUDGET - written)


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
