"""GitHub's job summary of a run: Markdown tables of its cases, drops and accepted changes.

Made from the JSON report's records (``ci_outputs``). What the user wrote is escaped by
``markdown`` (text) and ``markdown_code`` (ids and paths in code spans), and the whole stays
under GitHub's size limit (rows are cut, with a note of how many).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import changes, hard_evidence
from .decision import HardEvidenceTest
from .errors import visible
from .suite import Counts, SuiteCheck
from .terminal import (
    baseline_counts,
    count,
    counts_line,
    fmt_change,
    fmt_value,
    metric_rows,
)

if TYPE_CHECKING:
    pass
from .ci_outputs import cut

# A step's job summary over 1 MiB is not shown at all: "$GITHUB_STEP_SUMMARY upload aborted,
# supports content up to a size of 1024k" (workflow commands documentation, "Adding a job
# summary").
SUMMARY_LIMIT = 1024 * 1024
# The gate's share of a step's summary: the action prints its own lines after pytest, and a
# workflow may have written to the same step's summary before.
SUMMARY_BUDGET = SUMMARY_LIMIT - 64 * 1024
CELL_CHARS = 300  # of a user's text in one table cell (a node id: 500 characters and a path)


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
    shown = visible(cut(text, limit)).translate(_MARKDOWN)
    shown = _UNDERSCORES.sub(_underscores, shown)
    return _AUTOLINK.sub(lambda found: "\\" + found.group(), shown)


def markdown_code(text: str, limit: int = CELL_CHARS) -> str:
    """``text`` as a code span in a table cell: its fence one backtick longer than any run of
    backticks in it, ``|`` escaped (GitHub's tables split cells first), ``visible``."""
    shown = visible(cut(text, limit)).replace("|", "\\|")
    fence = "`" * (1 + max(map(len, re.findall("`+", shown)), default=0))
    # One space each side is dropped from a span that starts and ends with one.
    pad = " " if shown[:1] in ("`", " ") or shown[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


# -- the job summary ----------------------------------------------------------------------------


@dataclass
class _Table:
    """A Markdown table of the job summary whose rows may be cut to fit GitHub's limit."""

    head: list[str]  # what comes before the rows: a title, the header and its rule
    rows: list[str]
    more: str = ""  # the note on rows left out by count ("... and 3 more drops.")
    kept: int = -1  # rows kept to fit (-1: all)
    first: bool = False  # its rows are fitted before the other tables' (the failing cases)

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
    they fit, the failing cases first, then the earlier tables; each cut says so."""
    note = 200  # bytes for a table's note on cut rows
    left = budget - sum(_size(p.head) + note if isinstance(p, _Table) else _size(p) for p in parts)
    tables = [part for part in parts if isinstance(part, _Table)]
    for table in sorted(tables, key=lambda table: not table.first):
        left -= _size([table.more])
        for kept, row in enumerate(table.rows):
            if _size([row]) > left:
                table.kept = kept
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
    *,
    counts: Counts,
) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: the decision and what blocked it, checks,
    failing cases, accepted changes, listed drops; at most ``max_bytes`` bytes (UTF-8). The
    counts are the run's (``suite.Counts``), as the terminal and the JSON report show them.

    Everything of the user's (ids, paths, verdicts quoting summaries, metric and gate names)
    goes through ``markdown`` or ``markdown_code``."""
    # In node id order, as in the JSON report: under xdist, records arrive as workers finish.
    cases = sorted(cases, key=lambda c: c["nodeid"])
    failed = [c for c in cases if c["outcome"] in ("failed", "error")]
    parts: list[list[str] | _Table] = [_head(counts, suite_checks, failed, decided)]
    # What the pull request changes about the gate comes first: it is what a reviewer
    # approves (the failing cases still get their share of the size limit first).
    if decided is not None:
        parts += _gate_changes(decided, max_failures)
        paired = decided.get("hard_evidence_test")
        if paired and paired["total"]:
            parts.append(_hard_evidence(paired, max_failures))
    checks = metric_rows(counts)
    if checks:
        head, *rows = [f"| {' | '.join(map(markdown, row))} |" for row in checks]
        parts.append(_Table([head, "|---" * len(checks[0]) + "|"], rows))
    if suite_checks:
        parts.append(_suite_gates(suite_checks))
    if baseline:
        parts.append(
            [
                f"Baseline {markdown_code(str(baseline['path']))}: "
                f"{markdown(baseline_counts(counts))}.",
                "",
            ]
        )
    # The failing cases first: when the summary must be cut, the drops go before them.
    if failed:
        parts.append(_failing(failed, max_failures))
    # The two summaries of each case the reviewer reads side by side, before the drops.
    compared = (decided or {}).get("compared") or {}
    if compared.get("cases"):
        parts.append(_compared(compared, max_failures))
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
        parts.append(_drops(drops, max_failures, counts))
    improvements = (decided or {}).get("improvements") or []
    if improvements:
        parts.append(_improvements(improvements, max_failures))
    return "\n".join(_fit(parts, max_bytes))


SUMMARY_TEXT_CHARS = 2000  # of one side's summary in a collapsed block (as the baseline stores it)


def _compared(compared: Mapping[str, Any], max_cases: int) -> _Table:
    """Each case's base and pull request summaries in a collapsed ``<details>``, the words
    each has alone marked (``<del>``, ``<ins>``). The ``<summary>`` line is an HTML block, so
    what it quotes is HTML-escaped; the two summaries are Markdown paragraphs, escaped by
    ``markdown`` (no ``<`` of the user's reaches the page)."""
    rows = []
    for pair in compared["cases"][:max_cases]:
        moves = ", ".join(
            f"{m['metric']} {'new' if m['base'] is None else format(m['base'], '.3f')} → "
            f"{m['now']:.3f}"
            for m in pair["moves"]
        )
        title = html.escape(visible(cut(f"{pair['nodeid']}: {', '.join(pair['why'])}", 1000)))
        sides = []
        for label, mine, tag in (("base branch", "-", "del"), ("pull request", "+", "ins")):
            side = pair["base"] if mine == "-" else pair["now"]
            if side["summary"] is None:
                text = f"_{markdown(side['missing'])}_"
            elif pair["diff"]:
                text = _marked(pair["diff"], mine, tag)
            else:
                text = markdown(side["summary"], SUMMARY_TEXT_CHARS)
            cut_note = f" _{markdown(side['cut'])}_" if side.get("cut") else ""
            sides.append(f"**{label}:** {text}{cut_note}")
        same = ["_The same summary: the scores moved with the code or the model._", ""]
        rows.append(
            "\n".join(
                [
                    f"<details><summary><code>{title}</code>"
                    + (f" {html.escape(visible(cut(moves, 1000)))}" if moves else "")
                    + "</summary>",
                    "",
                    *(same if pair["same"] else []),
                    sides[0],
                    "",
                    sides[1],
                    "",
                    "</details>",
                    "",
                ]
            )
        )
    more = compared["total"] - len(rows)
    return _Table(
        [
            f"**Base vs pull request** ({count(compared['total'], 'case')}: each summary, "
            "the words it alone has marked):",
            "",
        ],
        rows,
        f"\n... and {more} more cases (the JSON report has {min(compared['total'], 1000)})."
        if more > 0
        else "",
    )


def _marked(diff: Sequence[Sequence[str]], mine: str, tag: str) -> str:
    """One side of a word diff as Markdown: the words both sides have, and this side's own
    in ``<tag>`` (``del`` or ``ins``, which GitHub shows struck out and underlined)."""
    return changes.side(
        diff,
        mine,
        lambda words: f"<{tag}>{markdown(words, SUMMARY_TEXT_CHARS)}</{tag}>",
        lambda words: markdown(words, SUMMARY_TEXT_CHARS),
    )


def _improvements(improvements: Sequence[Mapping[str, Any]], max_rows: int) -> _Table:
    more = len(improvements) - max_rows
    return _Table(
        [
            "**Improvements against the baseline** (listed), the largest first:",
            "",
            "| case | metric | baseline | now | delta |",
            "|---|---|---|---|---|",
        ],
        [
            f"| {markdown_code(i['nodeid'], 1000)} | {markdown(i['metric'])} | "
            f"{i['baseline']:.3f} | {i['now']:.3f} | {i['delta']:+.3f} |"
            for i in improvements[:max_rows]
        ],
        f"\n... and {more} more improvements." if more > 0 else "",
    )


def _suite_gates(suite_checks: Sequence[SuiteCheck]) -> _Table:
    rows = [
        f"| {markdown(s.name)} | {markdown(s.observed)} | {markdown(s.rule)} | "
        f"{'**FAIL**' if s.failed else 'ok'} |"
        for s in suite_checks
    ]
    return _Table(["| suite gate | observed | rule | |", "|---|---|---|---|"], rows)


def _failing(failed: Sequence[Mapping[str, Any]], max_failures: int) -> _Table:
    rows = [
        f"| {markdown_code(case['nodeid'], 1000)} | {markdown(case['verdict'])} | "
        f"{markdown(case.get('reason', ''))} |"
        for case in failed[:max_failures]
    ]
    more = len(failed) - max_failures
    return _Table(
        ["| case | verdict | first reason |", "|---|---|---|"],
        rows,
        f"\n... and {more} more failing cases." if more > 0 else "",
        first=True,
    )


def _head(
    counts: Counts,
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
    return [*out, markdown(counts_line(counts)), ""]


def _gate_changes(decided: Mapping[str, Any], max_entries: int) -> list[list[str] | _Table]:
    """What the pull request changes about the gate: accepted entries, added known failures,
    removed entries, each with its largest drop (one table each, one after the other)."""
    parts: list[list[str] | _Table] = []
    if decided["accepted"]:
        parts.append(_accepted(decided["accepted"], max_entries))
    added = decided.get("known_failures_added", [])
    if added:
        rows = [
            f"| {markdown_code(a['nodeid'], 1000)} | {markdown(', '.join(a['checks']))} | "
            f"{markdown('; '.join(a['findings']) or '-')} | "
            f"{'its baseline entry' if a['recorded_in'] == 'baseline' else 'its case file'} | "
            f"{_worst(a['worst'])} |"
            for a in added[:max_entries]
        ]
        more = len(added) - max_entries
        parts.append(
            _Table(
                [
                    f"**Known failures added in this pull request** (accepted, {len(added)}):",
                    "",
                    "| case | fails on | decisive findings | recorded in | largest drop |",
                    "|---|---|---|---|---|",
                ],
                rows,
                f"\n... and {more} more known failures." if more > 0 else "",
            )
        )
    removed = decided.get("removed", [])
    if removed:
        judged = "ran: judged against the base branch's entry"
        rows = [
            f"| {markdown_code(r['nodeid'], 1000)} | {judged if r['ran'] else 'did not run'} | "
            f"{_worst(r['worst'])} |"
            for r in removed[:max_entries]
        ]
        more = len(removed) - max_entries
        parts.append(
            _Table(
                [
                    f"**Removed from the baseline in this pull request** ({len(removed)} entries):",
                    "",
                    "| case | its case | largest drop |",
                    "|---|---|---|",
                ],
                rows,
                f"\n... and {more} more removed entries." if more > 0 else "",
            )
        )
    uncompared = decided.get("not_compared", [])
    if uncompared:
        new = sum(case["baseline"] == "new" for case in uncompared)
        parts.append(
            [
                f"**Not compared with the base branch:** {count(len(uncompared), 'case')} ({new} "
                f"new, {len(uncompared) - new} with a changed article or highlights).",
                "",
            ]
        )
    return parts


def _hard_evidence(paired: Mapping[str, Any], max_cases: int) -> _Table:
    """The hard-evidence test (the JSON report's ``hard_evidence_test``), and each compared
    case whose decisive findings changed: its new ones, then its fixed ones."""
    found = hard_evidence.Tally([], paired["new"], paired["fixed"], paired["both"])
    test = HardEvidenceTest(paired["new"], paired["fixed"], paired["confidence"], paired["p_value"])
    rows = [
        f"| {markdown_code(case['nodeid'], 1000)} | "
        f"{markdown('; '.join(case['new']), 1000) or '-'} | "
        f"{markdown('; '.join(case['fixed']), 1000) or '-'} |"
        for case in paired["cases"][:max_cases]
    ]
    more = paired["total"] - len(rows)
    return _Table(
        [
            f"**Hard evidence** (new against fixed decisive findings of the compared cases): "
            f"{markdown(hard_evidence.verdict_text(found, test))}.",
            "",
            "| case | new decisive findings | fixed |",
            "|---|---|---|",
        ],
        rows,
        f"\n... and {more} more cases (the JSON report has {len(paired['cases'])})."
        if more > 0
        else "",
    )


def _worst(fall: Mapping[str, Any] | None) -> str:
    if fall is None:
        return "-"
    metric = fall["metric"]
    before, now = fmt_value(metric, fall["base"]), fmt_value(metric, fall["now"])
    return f"{markdown(metric)} {before} → {now}"


def _accepted(accepted: Sequence[Mapping[str, Any]], max_entries: int) -> _Table:
    rows = []
    for entry in accepted[:max_entries]:
        reproduced = {True: "yes", False: "**no**", None: "not run"}[entry["reproduced"]]
        for change in entry["changes"] or [{"metric": "-", "base": None, "now": None}]:
            metric = change["metric"]
            base = "new" if change["base"] is None else fmt_value(metric, change["base"])
            now = "-" if change["now"] is None else fmt_value(metric, change["now"])
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


def _drops(drops: Sequence[Mapping[str, Any]], max_drops: int, counts: Counts) -> _Table:
    how = "failing" if counts.drops_block else "listed, not blocking"
    more = len(drops) - max_drops
    return _Table(
        [
            f"**Drops against the baseline** ({how}): {count(counts.drops, 'drop')} in "
            f"{count(counts.dropped, 'case')}, the largest first:",
            "",
            "| case | metric | baseline | now | delta |",
            "|---|---|---|---|---|",
        ],
        [
            f"| {markdown_code(d['nodeid'], 1000)} | {markdown(d['metric'])} | "
            f"{fmt_value(d['metric'], d['baseline'])} | {fmt_value(d['metric'], d['now'])} | "
            f"{fmt_change(d['metric'], d['delta'])} |"
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
