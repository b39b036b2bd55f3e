"""One row of a case file as a :class:`Case`, or the reason it is not one.

A row's id becomes its node id (unique within the file by construction), its texts are
checked (present, text, not empty, Unicode), its thresholds and tolerances are read as they
were written (a YAML 1.1 reading such as ``010`` for 8 is refused), and what is left is
metadata. A problem with one row is an :class:`InvalidCase` for that row alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import thresholds
from .baseline import parse_tolerances
from .case_ids import (
    SURROGATE,
    describe_character,
    duplicate_message,
    row_id,
    unused_name,
)
from .errors import SettingError, quote
from .yaml_loader import MAX_DEPTH, AsWritten, Unusable, misread

FIELDS = ("id", "article", "summary", "highlights", "thresholds", "tolerance", "expect")


REQUIRED = ("article", "summary")


TEXTS = ("article", "summary", "highlights")


@dataclass(frozen=True)
class Case:
    """One summary to check: the source ``article``, the candidate ``summary``, optional
    reference ``highlights``, the case's own ``thresholds``, and its place in its file.

    ``file_thresholds`` are the ``defaults: thresholds:`` of the case's file; ``metadata`` keeps
    every other key of the row (datasets carry extra columns).
    """

    id: str
    path: str
    line: int
    article: str
    summary: str | None  # None: to be generated (see hookspecs) or joined from predictions
    highlights: str | tuple[str, ...] | None = None
    thresholds: Mapping[str, float | None] = field(default_factory=dict)
    file_thresholds: Mapping[str, float | None] = field(default_factory=dict)
    tolerance: Mapping[str, float] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    unsummarized: str = ""  # why a case without a summary cannot run without a generator
    expected_failure: str | None = None  # ``expect: fail``: why this case is known to fail

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class InvalidCase:
    """A case that cannot be checked, and why (reported as that case's error)."""

    id: str
    path: str
    line: int
    message: str

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


Entry = Case | InvalidCase


def parse_field_map(assignments: list[str]) -> dict[str, str]:
    """``summary=chatgpt`` assignments into {case field: key in the file}."""
    mapping: dict[str, str] = {}
    for text in assignments:
        name, sep, key = text.partition("=")
        name, key = name.strip(), key.strip()
        if not sep or not name or not key:
            raise SettingError(
                f"expected FIELD=KEY (for example summary=chatgpt), got {quote(text)}"
            )
        if name not in FIELDS:
            raise SettingError(f"unknown case field {quote(name)}; fields: {', '.join(FIELDS)}")
        mapping[name] = key
    return mapping


@dataclass(frozen=True)
class Unreadable:
    message: str


def _children(value: object) -> Iterable[object] | None:
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple, set, frozenset)):
        return value
    return None


def shape_problem(value: object) -> str:
    """Why a value read from a case file cannot be used, or "": nested more than MAX_DEPTH
    levels (counting through YAML aliases), referring to itself, or holding an
    :class:`~pytest_summgate.yaml_loader.Unusable` value (a number too long to read, a key
    written twice).

    Without recursion, and in time linear in the distinct values: YAML aliases share
    values, so ``&a [*b, *b, ...]`` chains expand exponentially but are walked once each.
    """
    if isinstance(value, Unusable):
        return value.problem
    height: dict[int, int] = {}  # id of a finished container: levels below it, itself included
    stack: list[tuple[object, Iterator[object], list[int]]] = []
    children = _children(value)
    if children is None:
        return ""
    stack.append((value, iter(children), [1]))
    on_path = {id(value)}
    while stack:
        node, pending, below = stack[-1]
        for child in pending:
            if isinstance(child, Unusable):
                return child.problem
            grandchildren = _children(child)
            if grandchildren is None:
                continue
            if id(child) in on_path:
                return "a YAML alias refers to a value that holds it (a cycle)"
            if id(child) in height:
                below[0] = max(below[0], height[id(child)] + 1)
                if len(stack) + height[id(child)] > MAX_DEPTH:
                    return f"nested more than {MAX_DEPTH} levels deep"
                continue
            if len(stack) >= MAX_DEPTH:
                return f"nested more than {MAX_DEPTH} levels deep"
            stack.append((child, iter(grandchildren), [1]))
            on_path.add(id(child))
            break
        else:
            stack.pop()
            on_path.discard(id(node))
            height[id(node)] = below[0]
            if stack:
                parent_below = stack[-1][2]
                parent_below[0] = max(parent_below[0], below[0] + 1)
    return ""


def validate_rows(
    rows: list[tuple[int, Any]],
    display: str,
    fields: Mapping[str, str],
    defaults: Mapping[str, Any],
    file_thresholds: Mapping[str, float | None],
    as_written: AsWritten,
) -> Iterator[Entry]:
    """Each row as a Case or an InvalidCase, under a name unique within the file.

    The name is the case's id, which its node id (``path::id``) is made of. A row whose id
    is missing or unusable, or repeats an earlier row's, is named ``line-N``; that name
    never takes an id written in the file (``line-N-2`` then), so a node id, and the record,
    verdict and error keyed by it, always belongs to one case.
    """
    id_key = fields.get("id", "id")
    ids = [
        (None, None, shape)
        if isinstance(row, dict) and (shape := shape_problem(row))
        else row_id(row, defaults, id_key, display, as_written)
        for _, row in rows
    ]
    first: dict[str, int] = {}  # id: the line of the first row that has it
    owner: dict[str, int] = {}  # id: that row's position
    for position, ((line, _), (case_id, _, problem)) in enumerate(zip(rows, ids, strict=True)):
        if case_id is not None and not problem and case_id not in first:
            first[case_id], owner[case_id] = line, position
    names: set[str] = set()
    for position, ((line, row), (case_id, raw_id, problem)) in enumerate(
        zip(rows, ids, strict=True)
    ):
        if case_id is not None and not problem and owner[case_id] == position:
            name = case_id
        else:
            name = unused_name(f"line-{line}", first, names)
        if problem:
            yield InvalidCase(name, display, line, problem)
        elif case_id is not None and name != case_id:
            yield InvalidCase(
                name, display, line, duplicate_message(case_id, raw_id, display, first)
            )
        else:
            place = _Place(display, line, name, as_written)
            entry: Entry
            try:
                entry = _case(row, place, fields, defaults, file_thresholds)
            except (_Refused, SettingError) as error:
                entry = InvalidCase(name, display, line, str(error))
            yield entry


def text_problem(name: str, value: str | Iterable[str]) -> str:
    """Why a text (a case's field, a generated summary) cannot be scored, or "": a lone
    surrogate (a ``\\ud800`` escape in a file) is not Unicode, and no tokenizer, hash or
    terminal can take it."""
    for text in [value] if isinstance(value, str) else value:
        bad = SURROGATE.search(text)
        if bad:
            return (
                f"{name} holds {describe_character(bad.group())} at character {bad.start() + 1}: "
                f"not Unicode text (a \\u escape of half a character pair?)"
            )
    return ""


@dataclass(frozen=True)
class _Place:
    """Where a row stands, the name it is given, and how its file's values were written."""

    display: str
    line: int
    case_id: str
    as_written: AsWritten


class _Refused(Exception):
    """Why a row is no case: its InvalidCase's message."""


def _case(
    row: Any,
    place: _Place,
    fields: Mapping[str, str],
    defaults: Mapping[str, Any],
    file_thresholds: Mapping[str, float | None],
) -> Case:
    if isinstance(row, Unreadable):
        raise _Refused(row.message)
    if not isinstance(row, dict):
        kind = type(row).__name__
        raise _Refused(f"a case must be a mapping with 'article' and 'summary', got a {kind}")
    merged = {**defaults, **row}
    keys = {name: fields.get(name, name) for name in FIELDS}
    article, summary, unsummarized = _texts(merged, keys)
    used = {keys[name] for name in FIELDS}
    return Case(
        id=place.case_id,
        path=place.display,
        line=place.line,
        article=article,
        summary=summary,
        unsummarized=unsummarized,
        highlights=_highlights(merged.get(keys["highlights"])),
        thresholds=_case_thresholds(row.get(keys["thresholds"]), place, file_thresholds),
        file_thresholds=file_thresholds,
        tolerance=_tolerance(merged.get(keys["tolerance"]), place),
        metadata={k: v for k, v in row.items() if k not in used},
        expected_failure=_expected_failure(merged.get(keys["expect"])),
    )


def _texts(merged: Mapping[str, Any], keys: Mapping[str, str]) -> tuple[str, str | None, str]:
    """The article, the summary (None: to be generated or joined from predictions) and, for
    a case without one, why it cannot run without a generator."""
    texts: dict[str, str | None] = {}
    unsummarized = ""
    for name in REQUIRED:
        key = keys[name]
        named = f"'{name}'" if key == name else f"'{name}' (read from {quote(key)})"
        if key not in merged:
            missing = f"missing {named}{_hint(name, key, merged, keys)}"
            if name != "summary":
                raise _Refused(missing)
            # A model repo's conftest (or --summgate-predictions) may provide it; the item
            # decides when it runs, and reports this if nothing does.
            texts[name] = None
            unsummarized = missing
            continue
        value = merged[key]
        if not isinstance(value, str):
            raise _Refused(f"{named} must be text, got a {type(value).__name__}")
        if not value.strip():
            raise _Refused(f"{named} is empty")
        problem = text_problem(named, value)
        if problem:
            raise _Refused(problem)
        texts[name] = value
    article = texts["article"]
    assert article is not None
    return article, texts["summary"], unsummarized


def _highlights(highlights: object) -> str | tuple[str, ...] | None:
    """The reference highlights: one text, or a list of texts (a tuple)."""
    if highlights is None:
        return None
    empty = "'highlights' is empty (leave it out to skip coverage checks)"
    if isinstance(highlights, list):
        if not all(isinstance(h, str) for h in highlights):
            raise _Refused("'highlights' must be text or a list of texts")
        found: str | tuple[str, ...] = tuple(highlights)
        if not any(h.strip() for h in found):
            raise _Refused(empty)
    elif isinstance(highlights, str):
        if not highlights.strip():
            raise _Refused(empty)
        found = highlights
    else:
        kind = type(highlights).__name__
        raise _Refused(f"'highlights' must be text or a list of texts, got a {kind}")
    problem = text_problem("'highlights'", found)
    if problem:
        raise _Refused(problem)
    return found


def thresholds_of(
    raw: Mapping[Any, Any], as_written: AsWritten, display: str
) -> dict[str, float | None]:
    """A ``thresholds:`` mapping validated. A value YAML 1.1 reads as other than it looks
    (``010`` is 8, ``no`` is false) is refused where it is written; ``off``, which YAML reads
    as false too, switches the threshold off."""
    values: dict[Any, object] = {}
    for name, value in raw.items():
        written = as_written(raw, name)
        if written is not None and isinstance(name, str):
            if written.kind == "bool" and written.text.strip().lower() == thresholds.OFF:
                value = thresholds.OFF
            elif written.reading():
                hint = "a number, or off" if written.kind == "bool" else _DECIMAL
                problem = misread(written, display, written.reading())
                raise SettingError(f"threshold {name} {problem}: write {hint}")
        values[name] = value
    return thresholds.parse_mapping(values)


def _case_thresholds(
    raw: object, place: _Place, file_thresholds: Mapping[str, float | None]
) -> dict[str, float | None]:
    """A case's own thresholds, which must leave a summary some way to pass together with
    its file's."""
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise SettingError("'thresholds' must be a mapping of NAME: VALUE")
    own = thresholds_of(raw, place.as_written, place.display)
    conflict = thresholds.contradiction({**file_thresholds, **own})
    if conflict:
        sources = ", ".join(
            f"{name} from {'this case' if name in own else 'its file defaults'}"
            for name in thresholds.BOUNDS
        )
        raise SettingError(f"thresholds: {conflict} ({sources})")
    return own


def _tolerance(raw: object, place: _Place) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SettingError("'tolerance' must be a mapping of METRIC: VALUE")
    for name in raw:
        written = place.as_written(raw, name)
        if written is not None and written.reading() and isinstance(name, str):
            problem = misread(written, place.display, written.reading())
            hint = "a number" if written.kind == "bool" else _DECIMAL
            raise SettingError(f"tolerance: tolerance {name} {problem}: write {hint}")
    return parse_tolerances(raw, "tolerance")


_DECIMAL = "the number in decimal digits (no leading zero, underscore, colon or 0x)"


def _expected_failure(raw: object) -> str | None:
    """``expect: fail`` or ``expect: "fail: why"`` (``pass``, the default, or absent: None)."""
    if raw is None:
        return None
    text = raw.strip() if isinstance(raw, str) else ""
    outcome, _, reason = text.partition(":")
    if outcome.strip().lower() == "pass" and not reason:
        return None
    if outcome.strip().lower() != "fail":
        raise SettingError(
            f"'expect' must be 'fail', 'fail: <reason>' or 'pass', not {quote(raw, 40)}"
        )
    return reason.strip() or "expected to fail (expect: fail in its case file)"


def _hint(name: str, key: str, row: Mapping[str, Any], keys: Mapping[str, str]) -> str:
    used = set(keys.values())
    others = [k for k in row if isinstance(k, str) and k not in used]
    texts = [k for k in others if isinstance(row[k], str)]
    if not texts:
        return ""
    return (
        f"; this case has {', '.join(quote(k) for k in texts[:6])}: map one with "
        f"--summgate-field {name}={quote(texts[0])[1:-1] if len(texts[0]) <= 60 else '...'}"
    )
