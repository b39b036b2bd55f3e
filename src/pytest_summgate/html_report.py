"""The HTML report (``--summgate-html``): one self-contained page of the run's evidence.

Made from the JSON report (``ci_outputs``), with each case's ``alignment``: the decision and
what blocked it first; then every case, the blocking ones first: the summary with each
unsupported sentence marked and its reasons, the article with the passages the sentences were
aligned with highlighted and linked both ways, the words the article never uses, missed
highlights, the scores against their rules, and the base branch's summary beside the pull
request's. Filters by outcome, metric and node id; keys j / k move between cases.

No network: the style and script are inline, and a Content-Security-Policy allows those two
(by their hashes) and nothing else, so the page fetches nothing and runs no other script.
Everything of the user's (ids, paths, summaries, articles, reasons) is escaped by ``_e``; the
page's own anchors are numbered, never made from an id. Bounded: at most ``DETAIL_CASES``
cases with their evidence (the rest one row each), each case's texts as ``alignment`` bounds
them. Pure: no pytest, no model.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import changes, text
from .terminal import count, fmt_score

DETAIL_CASES = 500  # cases shown with their evidence; the rest are one row each
TEXT_CHARS = 2000  # of a verdict, a reason or a message line
_HERE = Path(__file__).parent
# What sorts first: what blocks (hard evidence, then a rule, then an error), then known
# failures, then passing cases that moved against the baseline, then the rest.
_RANK = {"failed": 0, "error": 1, "xpassed": 2, "xfailed": 3, "passed": 4}
OUTCOMES = ("failed", "error", "xpassed", "xfailed", "passed")


def _e(text: object, limit: int = TEXT_CHARS) -> str:
    """User text as HTML text or a quoted attribute value: cut, then every ``<``, ``>``,
    ``&``, ``"`` and ``'`` escaped (and a lone surrogate, which UTF-8 cannot encode, shown
    as its escape)."""
    shown = str(text)
    if len(shown) > limit:
        shown = shown[:limit] + "…"
    shown = shown.encode("utf-8", "backslashreplace").decode("utf-8")
    return html.escape(shown, quote=True)


@lru_cache(maxsize=1)
def _assets() -> tuple[str, str]:
    return (
        (_HERE / "report.css").read_text(encoding="utf-8"),
        (_HERE / "report.js").read_text(encoding="utf-8"),
    )


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def policy() -> str:
    """The page's Content-Security-Policy: nothing from anywhere, except its own style and
    script, named by their hashes (an injected ``<script>`` or ``style=`` would not run)."""
    style, script = _assets()
    return (
        f"default-src 'none'; style-src {_hash(style)}; script-src {_hash(script)}; "
        f"base-uri 'none'; form-action 'none'"
    )


def order(cases: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Cases as the page lists them: what blocks first (hard evidence before a failed rule),
    then known failures, passing cases that moved against the baseline, the rest; each in
    node id order."""

    def key(case: Mapping[str, Any]) -> tuple[int, int, str]:
        hard = 0 if case.get("hard_evidence") else 1
        # A compared case's new decisive finding (left to the run's test) is a move too.
        paired = case.get("paired") or {}
        moved = 0 if case.get("regressions") or case.get("improvements") or paired.get("new") else 1
        return (_RANK.get(case["outcome"], 5), hard if case["outcome"] == "failed" else moved,
                case["nodeid"])  # fmt: skip

    return sorted(cases, key=key)


def involved(case: Mapping[str, Any]) -> list[str]:
    """The metrics a case's filter matches: failed or advised checks, hard evidence, drops."""
    names = [c["metric"] for c in case.get("checks", []) if c.get("failed")]
    names += list(case.get("hard_evidence", {}))
    names += [r["metric"] for r in (*case.get("regressions", []), *case.get("improvements", []))]
    return list(dict.fromkeys("".join(n.split()) for n in names))


def page(report: Mapping[str, Any], detail: int = DETAIL_CASES) -> str:
    """The whole page for a JSON report (``controller._json_report``)."""
    style, script = _assets()
    cases = order(report.get("cases", []))
    compared = {c["nodeid"]: c for c in (report.get("compared") or {}).get("cases", [])}
    passed = bool(report.get("decision", {}).get("passed", True))
    title = "passed" if passed else "blocked"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(policy(), 10_000)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>summgate: {title}</title><style>{style}</style></head><body>",
        _header(report, cases, title),
        _filters(cases),
        "<main>",
    ]
    parts += [_case(n, case, compared.get(case["nodeid"])) for n, case in enumerate(cases[:detail])]
    if len(cases) > detail:
        parts.append(_rest(cases[detail:], detail))
    parts += ["</main>", f"<script>{script}</script>", "</body></html>"]
    return "\n".join(parts) + "\n"


# pytest-html's page has its own style: a case's extra brings only what marks its evidence.
_FRAGMENT_STYLE = (
    ".summgate-extra .sent.unsupported{background:#fde7e5;text-decoration:underline wavy #b3261e}"
    ".summgate-extra .passage.aligned{background:#dbe9ff}"
    ".summgate-extra .passage.aligned-unsupported{background:#ffd9a8}"
    ".summgate-extra mark.novel{background:#f6d0f2}.summgate-extra .columns{display:grid;"
    "grid-template-columns:1fr 1fr;gap:1rem}.summgate-extra .article-text{max-height:24rem;"
    "overflow:auto}.summgate-extra .gap{display:block;font-style:italic}"
    ".summgate-extra .decisive,.summgate-extra .fail,.summgate-extra .marker{color:#b3261e}"
)


def fragment(case: Mapping[str, Any]) -> str:
    """One case's evidence for pytest-html's report (its ``extras``): the case's section of
    the page, without the page's script, under a style of its own."""
    return (
        f'<div class="summgate-extra"><style>{_FRAGMENT_STYLE}</style>{_case(0, case, None)}</div>'
    )


def _header(report: Mapping[str, Any], cases: Sequence[Mapping[str, Any]], title: str) -> str:
    decision = report.get("decision", {})
    out = ["<header>", f'<h1 class="{title}" id="decision">summgate: {title}</h1>']
    partial = decision.get("partial")
    if partial:
        out.append(f'<p class="notice">{_e(partial)}</p>')
    blocked = decision.get("blocked_by") or []
    if blocked:
        items = "".join(f"<li>{_e(b)}</li>" for b in blocked)
        out.append(f'<div class="blocked-by"><strong>Blocked by:</strong><ol>{items}</ol></div>')
    out += [f'<p class="notice">{_e(n)}</p>' for n in report.get("notices", [])]
    counts = {o: sum(c["outcome"] == o for c in cases) for o in OUTCOMES}
    out.append(
        f"<p>{len(cases)} cases: {counts['passed'] + counts['xpassed']} passed, "
        f"{counts['failed']} failed, {counts['error']} errors"
        + (f", {count(counts['xfailed'], 'known failure')}" if counts["xfailed"] else "")
        + "</p>"
    )
    suite = report.get("suite", [])
    if suite:
        rows = "".join(
            f"<tr><td>{_e(s['gate'])}</td><td>{_e(s['observed'])}</td><td>{_e(s['rule'])}</td>"
            f"<td>{'<span class=fail>FAIL</span>' if s['failed'] else 'ok'}</td>"
            f"<td class=muted>{_e(s['detail'])}</td></tr>"
            for s in suite
        )
        out.append(
            "<table><caption class=muted>suite gates</caption><tr><th>gate</th><th>observed</th>"
            f"<th>rule</th><th></th><th></th></tr>{rows}</table>"
        )
    out.append("</header>")
    return "\n".join(out)


def _filters(cases: Sequence[Mapping[str, Any]]) -> str:
    present = [o for o in OUTCOMES if any(c["outcome"] == o for c in cases)]
    boxes = "".join(
        f'<label><input type="checkbox" name="outcome" value="{o}" checked> {o} '
        f"({sum(c['outcome'] == o for c in cases)})</label>"
        for o in present
    )
    metrics = sorted({m for c in cases for m in involved(c)})
    options = "".join(f'<option value="{_e(m)}">{_e(m)}</option>' for m in metrics)
    return (
        '<nav class="filters" aria-label="Filter the cases">'
        f"<fieldset><legend>Outcome</legend>{boxes}</fieldset>"
        f'<label>Metric <select id="metric"><option value="">any</option>{options}</select>'
        '</label><label>Case <input type="search" id="find" placeholder="node id"></label>'
        f'<p id="shown" aria-live="polite">{len(cases)} cases</p>'
        '<p class="keys">keys: <kbd>j</kbd> / <kbd>k</kbd> next / previous case, '
        "<kbd>/</kbd> find</p></nav>"
    )


def _data(case: Mapping[str, Any]) -> str:
    return (
        f'data-outcome="{_e(case["outcome"])}" data-metrics="{_e(" ".join(involved(case)))}" '
        f'data-find="{_e(case["nodeid"].lower(), 1000)}"'
    )


def _case(n: int, case: Mapping[str, Any], compared: Mapping[str, Any] | None) -> str:
    outcome = case["outcome"]
    out = [
        f'<section class="case {_e(outcome)}" id="case-{n}" tabindex="-1" {_data(case)} '
        f'aria-labelledby="case-{n}-title">',
        f'<h2 id="case-{n}-title"><span class="badge {_e(outcome)}">{_e(outcome)}</span>'
        f"<code>{_e(case['nodeid'], 1000)}</code></h2>",
        f'<p class="verdict-line">{_e(case["verdict"])}</p>',
        f'<p class="where"><code>{_e(case["path"], 1000)}:{int(case["line"])}</code></p>',
    ]
    out.append(_checks(case.get("checks", [])))
    alignment = case.get("alignment")
    if alignment:
        out.append(_aligned(n, alignment))
    elif case.get("summary"):
        out += ["<h3>Summary</h3>", f'<p class="text">{_e(case["summary"], 20_000)}</p>']
    if compared is not None:
        out.append(_compared(compared))
    evidence = [line for lines in case.get("evidence", {}).values() for line in lines]
    if case.get("message") or evidence:
        text = case.get("message") or "\n".join(evidence)
        out.append(
            f"<details><summary>as the terminal shows it</summary><pre>{_e(text, 20_000)}</pre>"
            "</details>"
        )
    out.append("</section>")
    return "\n".join(out)


def _checks(checks: Sequence[Mapping[str, Any]]) -> str:
    if not checks:
        return ""
    rows = []
    for check in checks:
        metric, score = check["metric"], check["score"]
        status = "skipped" if check.get("skipped") else "ok"
        margin = ""
        if score is not None and not check.get("skipped"):
            signed = score - check["bound"] if check["op"] == ">=" else check["bound"] - score
            margin = f"{signed:+.0f}" if metric == "length" else f"{signed:+.2f}"
        if check["failed"]:
            status = '<span class="fail">FAIL</span>'
        elif check.get("advisory") and margin.startswith("-"):
            status = "advised"
        shown = fmt_score(metric, score) if score is not None else "-"
        rows.append(
            f"<tr><td>{_e(check['rule'])}</td><td class=num>{_e(shown)}</td>"
            f"<td>{_e(check['op'])} {check['bound']:g}</td><td class=num>{margin}</td>"
            f"<td>{status}</td>"
            f"<td class=muted>{_e(check.get('skipped') or check['source'])}</td></tr>"
        )
    return (
        "<h3>Scores against their rules</h3><table><tr><th>check</th><th>score</th><th>rule</th>"
        f"<th>margin</th><th></th><th>rule from</th></tr>{''.join(rows)}</table>"
    )


def _marked(sentence: str, novel: Sequence[str]) -> str:
    """A sentence with the words the article never uses marked (SummVis's novel words)."""
    if not novel:
        return _e(sentence)
    wanted = set(novel)
    out, at = [], 0
    for found in text.word_spans(sentence):
        if found.group() in wanted:
            out += [
                _e(sentence[at : found.start()]),
                f'<mark class="novel">{_e(found.group())}</mark>',
            ]
            at = found.end()
    out.append(_e(sentence[at:]))
    return "".join(out)


def _aligned(n: int, alignment: Mapping[str, Any]) -> str:
    """The summary beside the article: sentences marked and linked to their passages."""
    sentences = alignment["sentences"]
    article = {index: sentence for index, sentence in alignment["article"]}
    used: dict[int, list[int]] = {}
    bad: set[int] = set()
    for number, sentence in enumerate(sentences):
        for passage in (
            sentence["passages"][:1] if not sentence["unsupported"] else sentence["passages"]
        ):
            used.setdefault(passage, []).append(number)
            if sentence["unsupported"]:
                bad.add(passage)
    summary, reasons = [], []
    for number, sentence in enumerate(sentences):
        anchor = f"case-{n}-s{number}"
        cls = "sent unsupported" if sentence["unsupported"] else "sent"
        marker = '<span class="marker">✗ unsupported</span>' if sentence["unsupported"] else ""
        summary.append(
            f'<span class="{cls}" id="{anchor}"><span class="num-tag">S{number + 1}</span>'
            f"{_marked(sentence['text'], sentence['novel'])}{marker}</span>"
        )
        if sentence["unsupported"] or sentence["reasons"]:
            reasons.append(_reasons(n, number, sentence, article))
    if alignment["sentences_total"] > len(sentences):
        summary.append(f'<span class="gap">… {alignment["sentences_total"] - len(sentences)} '
                       "more sentences not shown</span>")  # fmt: skip
    left = [
        "<div><h3>Summary</h3>",
        '<p class="legend muted"><span><mark class="novel">word</mark> not in the article</span>'
        '<span class="sent unsupported">unsupported sentence</span></p>',
        f'<p class="text">{" ".join(summary)}</p>',
    ]
    if reasons:
        left.append(f'<h3>Unsupported sentences</h3><ol class="reasons">{"".join(reasons)}</ol>')
    left.append(_highlights(alignment))
    left.append("</div>")
    return (
        '<div class="columns">'
        + "\n".join(left)
        + _article(n, article, alignment["article_total"], used, bad)
        + "</div>"
    )


def _reasons(n: int, number: int, sentence: Mapping[str, Any], article: Mapping[int, str]) -> str:
    why = [
        f'<span class="decisive">{_e(r["text"])} [decisive]</span>'
        if r["decisive"]
        else _e(r["text"])
        for r in sentence["reasons"]
    ]
    why += [f'<span class="muted">{_e(note)}</span>' for note in sentence["notes"]]
    links = [
        f'<a href="#case-{n}-a{p}">article sentence {p + 1}</a> ({s:.2f})'
        for p, s in zip(sentence["passages"], sentence["similarities"], strict=False)
        if p in article
    ]
    score = sentence["score"]
    strength = "" if score is None else f" (support {score:.2f})"
    said = "; ".join(why) or "weak support"
    return (
        f'<li><a href="#case-{n}-s{number}">S{number + 1}</a>{strength}: {said}'
        + (f"<br>closest: {', '.join(links)}" if links else "")
        + "</li>"
    )


def _article(
    n: int, article: Mapping[int, str], total: int, used: Mapping[int, list[int]], bad: set[int]
) -> str:
    out, last = [], -1
    for index in sorted(article):
        if index > last + 1:
            out.append(f'<span class="gap">… {index - last - 1} sentences not shown …</span>')
        last = index
        cls = "passage"
        if index in bad:
            cls += " aligned-unsupported"
        elif index in used:
            cls += " aligned"
        back = "".join(
            f'<a class="back" href="#case-{n}-s{s}" title="summary sentence {s + 1}">↩S{s + 1}</a>'
            for s in used.get(index, [])
        )
        out.append(f'<span class="{cls}" id="case-{n}-a{index}">{_e(article[index])}{back}</span>')
    if total > last + 1:
        out.append(f'<span class="gap">… {total - last - 1} sentences not shown …</span>')
    return (
        '<div><h3>Article</h3><p class="legend muted"><span class="passage aligned-unsupported">'
        'closest to an unsupported sentence</span><span class="passage aligned">closest to a '
        f'sentence</span></p><div class="article-text text" tabindex="0" aria-label="article">'
        f"{' '.join(out)}</div></div>"
    )


def _highlights(alignment: Mapping[str, Any]) -> str:
    highlights = alignment["highlights"]
    missed = [h for h in highlights if h["missed"]]
    if not missed:
        return ""
    items = "".join(
        f'<li class="missed">{_e(h["text"])} '
        f'<span class="muted">({"; ".join(map(_e, h["reasons"]))}'
        + (f"; closest summary passage: “{_e(h['closest'])}”" if h["closest"] else "")
        + ")</span></li>"
        for h in missed
    )
    return f'<h3>Missed highlights</h3><ul class="highlights">{items}</ul>'


def _compared(compared: Mapping[str, Any]) -> str:
    """The base branch's summary beside the pull request's, the changed words marked, and
    how each score moved."""
    why = ", ".join(_e(w) for w in compared.get("why", []))
    base, now = compared["base"], compared["now"]
    moves = "".join(
        f"<tr><td>{_e(m['metric'])}</td><td class=num>{_num(m['metric'], m['base'])}</td>"
        f"<td class=num>{_num(m['metric'], m['now'])}</td><td class=num>"
        + ("" if m["base"] is None else f"{m['now'] - m['base']:+.3f}")
        + "</td></tr>"
        for m in compared.get("moves", [])
    )
    table = (
        "<table><tr><th>metric</th><th>base</th><th>pull request</th><th>change</th></tr>"
        f"{moves}</table>"
        if moves
        else ""
    )
    same = (
        '<p class="muted">The same summary: the scores moved with the code or the model.</p>'
        if compared.get("same")
        else ""
    )
    return (
        f'<h3>Base vs pull request</h3><p class="muted">listed for: {why}</p>{table}{same}'
        f'<div class="diff"><div><h3>base branch</h3><p class="text">{_side(base, compared, "-")}'
        f'</p></div><div><h3>pull request</h3><p class="text">{_side(now, compared, "+")}</p>'
        "</div></div>"
    )


def _num(metric: str, value: float | None) -> str:
    return "new" if value is None else _e(fmt_score(metric, value))


def _side(side: Mapping[str, Any], compared: Mapping[str, Any], mine: str) -> str:
    """One side of the diff: its words, the ones only it has marked (``<del>`` on the base's
    side, ``<ins>`` on the pull request's)."""
    if side.get("summary") is None:
        return f'<span class="muted">{_e(side.get("missing") or "no summary stored")}</span>'
    diff = compared.get("diff")
    if not diff:
        return _e(side["summary"], 20_000)
    tag = "del" if mine == "-" else "ins"
    out = changes.side(diff, mine, lambda w: f"<{tag}>{_e(w, 20_000)}</{tag}>", _e)
    cut = f' <span class="muted">{_e(side["cut"])}</span>' if side.get("cut") else ""
    return out + cut


def _rest(cases: Sequence[Mapping[str, Any]], shown: int) -> str:
    rows = "".join(
        f'<tr {_data(c)}><td><span class="badge {_e(c["outcome"])}">{_e(c["outcome"])}</span></td>'
        f"<td><code>{_e(c['nodeid'], 1000)}</code></td><td>{_e(c['verdict'], 300)}</td></tr>"
        for c in cases
    )
    return (
        f'<section id="rest"><h2>{len(cases)} more cases, one row each</h2><p class="muted">The '
        f"page shows the evidence of the first {shown} cases; the JSON report has every case."
        f"</p><table><tr><th></th><th>case</th><th>verdict</th></tr>{rows}</table></section>"
    )
