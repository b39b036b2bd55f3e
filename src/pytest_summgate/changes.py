"""Base branch vs pull request, per case: the summary each produced, the words that changed.

A reviewer deciding whether the model got worse reads the two summaries side by side. For
every case the run lists (a drop beyond its tolerance, an improvement beyond it, a decisive
finding the base entry did not record, an accepted change), :func:`compared` pairs the base
branch's stored summary with the one this run scored, and :func:`word_diff` marks the words
each side has alone. The terminal (``-v``), the job summary, the JSON report (``compared``)
and the HTML report show the same records. Pure: no pytest, no model.

A baseline stores a summary as its first ``SUMMARY_CHARS`` characters and, when it is longer,
the sha256 of the whole (``baseline.StoredSummary``), so the two sides compare like with like.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from .baseline import SUMMARY_CHARS, StoredCase, StoredSummary

if TYPE_CHECKING:
    from .decision import Accepted

COMPARED_CASES = 1000  # cases compared in one run's reports (the most telling first)
# A word (with its inner apostrophes) or a run of punctuation, each with the space before it:
# the tokens put back together are the text (less trailing space), and "Tuesday." against
# "Tuesday" differs in the stop alone.
_TOKENS = re.compile(r"\s*(?:\w+(?:['’]\w+)*|[^\w\s]+)")

# Why a case is listed, in the order a reviewer reads them.
NEW_DECISIVE, DROP, ACCEPTED, IMPROVEMENT = (
    "new decisive finding",
    "drop",
    "accepted change",
    "improvement",
)
_ORDER = (NEW_DECISIVE, DROP, ACCEPTED, IMPROVEMENT)


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """The two texts word by word: runs of ``("=", text)`` both have, ``("-", text)`` only
    ``before`` has and ``("+", text)`` only ``after`` has, in reading order; each run keeps
    the space before it, so a side's runs put together are its text (an ``=`` run is
    ``after``'s). Each text is compared within ``SUMMARY_CHARS`` (what a baseline stores),
    so the cost is bounded."""
    old = _TOKENS.findall(before[:SUMMARY_CHARS])
    new = _TOKENS.findall(after[:SUMMARY_CHARS])
    runs: list[tuple[str, str]] = []

    def add(op: str, tokens: Sequence[str]) -> None:
        if not tokens:
            return
        if runs and runs[-1][0] == op:
            runs[-1] = (op, runs[-1][1] + "".join(tokens))
        else:
            runs.append((op, "".join(tokens)))

    matcher = difflib.SequenceMatcher(
        None, [t.strip() for t in old], [t.strip() for t in new], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("=", new[j1:j2])
        else:
            add("-", old[i1:i2])
            add("+", new[j1:j2])
    return runs


def side(
    diff: Sequence[Sequence[str]],
    mine: str,
    mark: Callable[[str], str],
    plain: Callable[[str], str],
) -> str:
    """One side of a word diff (``mine``: ``-`` the base's, ``+`` the pull request's): the
    text both have through ``plain``, its own through ``mark``, the space before each run
    kept outside the mark."""
    out, marked = [], False
    for op, text in diff:
        if op in ("=", mine):
            words = text.lstrip()
            # An = run carries the pull request's spacing: after a run of the base's own,
            # a word still needs the space the base had before it.
            space = " " if len(words) < len(text) or (marked and words[:1].isalnum()) else ""
            out.append(space + (plain(words) if op == "=" else mark(words)))
            marked = op != "="
    return "".join(out).strip()


def plain(diff: Sequence[Sequence[str]], mine: str) -> str:
    """One side of a word diff as text, its own words marked as ``git diff --word-diff``
    marks them: ``[-removed-]`` on the base's side, ``{+added+}`` on the pull request's."""
    mark = "[-{}-]" if mine == "-" else "{{+{}+}}"
    return side(diff, mine, mark.format, str)


class Side(TypedDict):
    """One side's summary: its text (None: none to show, ``missing`` says why), and a note
    when it is only the start of a longer summary."""

    summary: str | None
    sha256: str | None
    missing: str
    cut: str


class Compared(TypedDict):
    """A case whose two summaries a reviewer should read (the JSON report's
    ``compared.cases[]``)."""

    nodeid: str
    why: list[str]
    moves: list[dict[str, Any]]  # metric, base (None: new), now
    base: Side
    now: Side
    same: bool  # the same summary: the scores moved with the code or the model
    diff: list[tuple[str, str]]


def compared(
    records: Sequence[Mapping[str, Any]],
    base_entry: Callable[[str], StoredCase | None],
    accepted: Mapping[str, Accepted],
    findings_of: Callable[[Mapping[str, Sequence[str]]], tuple[str, ...]],
    limit: int = COMPARED_CASES,
) -> tuple[list[Compared], int]:
    """The cases to read side by side, the most telling first (new decisive findings, then
    drops, accepted changes and improvements; within each the largest move first), at most
    ``limit`` of them; and how many there are."""
    found = []
    for record in records:
        nodeid = record["nodeid"]
        entry = base_entry(nodeid)
        why, moves = _why(record, entry, accepted.get(nodeid), findings_of)
        if why:
            found.append((_rank(why, moves), nodeid, record, entry, why, moves))
    found.sort(key=lambda item: (item[0], item[1]))
    # Only the cases kept are paired and diffed.
    return [_pair(*item[2:]) for item in found[:limit]], len(found)


def _why(
    record: Mapping[str, Any],
    entry: StoredCase | None,
    change: Accepted | None,
    findings_of: Callable[[Mapping[str, Sequence[str]]], tuple[str, ...]],
) -> tuple[list[str], list[dict[str, Any]]]:
    why, moves = [], []
    hard = record.get("hard_evidence") or {}
    if hard:
        recorded = entry.failure.findings if entry is not None and entry.failure else None
        if not set(findings_of(hard)) <= set(recorded or ()):
            why.append(NEW_DECISIVE)
    for kind, key in ((DROP, "regressions"), (IMPROVEMENT, "improvements")):
        found = record.get(key) or []
        if found:
            why.append(kind)
            moves += [
                {"metric": r["metric"], "base": r["baseline"], "now": r["now"]} for r in found
            ]
    if change is not None:
        why.append(ACCEPTED)
        seen = {m["metric"] for m in moves}
        moves += [
            {"metric": m, "base": b, "now": n} for m, b, n in change.changes() if m not in seen
        ]
    return why, moves


def _rank(why: Sequence[str], moves: Sequence[Mapping[str, Any]]) -> tuple[int, float]:
    largest = max((abs(m["now"] - m["base"]) for m in moves if m["base"] is not None), default=0)
    return (min(_ORDER.index(w) for w in why), -largest)


def _pair(
    record: Mapping[str, Any],
    entry: StoredCase | None,
    why: list[str],
    moves: list[dict[str, Any]],
) -> Compared:
    text = record.get("summary")
    if text is None:
        now = Side(summary=None, sha256=None, missing="no summary", cut="")
    else:
        mine = StoredSummary.of(text)
        sha = record.get("summary_sha256") if mine.sha256 else None  # of the whole summary
        now = Side(summary=mine.text, sha256=sha, missing="", cut=_cut(sha))
    stored = entry.summary if entry is not None else None
    if entry is None:
        base = Side(summary=None, sha256=None, missing="a new case: no base entry", cut="")
    elif stored is None:
        missing = "the base branch's baseline stores no summary (written before summaries were)"
        base = Side(summary=None, sha256=None, missing=missing, cut="")
    else:
        base = Side(summary=stored.text, sha256=stored.sha256, missing="", cut=_cut(stored.sha256))
    same = base["summary"] is not None and (base["summary"], base["sha256"]) == (
        now["summary"],
        now["sha256"],
    )
    diff = (
        word_diff(base["summary"] or "", now["summary"] or "")
        if base["summary"] is not None and now["summary"] is not None
        else []
    )
    return Compared(
        nodeid=record["nodeid"],
        why=why,
        moves=moves,
        base=base,
        now=now,
        same=same,
        diff=diff,
    )


def _cut(sha: str | None) -> str:
    return f"(the first {SUMMARY_CHARS:,} characters; sha256 {sha[:12]})" if sha else ""
