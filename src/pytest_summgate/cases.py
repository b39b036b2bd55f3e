"""Case files: YAML and JSONL loading, field mapping, and validation with ``path:line``.

A problem with one case becomes an :class:`InvalidCase` for that case alone, so the other
cases of the file are still scored. Only a file that cannot be read at all raises
:class:`~pytest_summgate.errors.CaseFileError`.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import files, gate, yaml_loader
from .baseline import parse_tolerances
from .errors import CaseFileError, SettingError, output_problem, quote
from .yaml_loader import MAX_DEPTH, Unusable, Written
from .yaml_loader import LongNumber as _LongNumber

FIELDS = ("id", "article", "summary", "highlights", "thresholds", "tolerance", "expect")
REQUIRED = ("article", "summary")
TEXTS = ("article", "summary", "highlights")

# Bounds on what a case file may hold (and MAX_DEPTH, its nesting). An id is one line of a
# node id.
MAX_ID_CHARS = 500
MAX_FILE_BYTES = 1024 * files.MB
# Characters an id cannot hold: control characters and line or paragraph separators (they
# would break the terminal's and CI's lines), and lone surrogates (not Unicode at all).
_BAD_ID_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_COLONS = re.compile("::+")


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
# A YAML mapping's value as written, when YAML read it as no text (nothing for JSONL).
AsWritten = Callable[[Mapping[Any, Any], object], Written | None]


def _nothing_written(mapping: Mapping[Any, Any], key: object) -> None:
    return None


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


def _read_text(path: Path, display: str) -> str:
    data = files.read_bounded(path, MAX_FILE_BYTES)  # OSError: "cannot be read: <why>"
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CaseFileError(
            display, line, f"not UTF-8 text (byte 0x{data[error.start]:02x}); save it as UTF-8"
        ) from None


def load(path: Path, display: str, field_map: Mapping[str, str]) -> list[Entry]:
    """All cases of one file, valid or not, in file order.

    ``display`` is the path as shown to the user; ``field_map`` the command line's and ini's
    field mapping (a YAML file's own ``defaults: fields:`` takes precedence over it).
    """
    with yaml_loader.collector_paused():
        return _load(_read_text(path, display), path.suffix, display, field_map)


def _load(text: str, suffix: str, display: str, field_map: Mapping[str, str]) -> list[Entry]:
    as_written: AsWritten = _nothing_written
    if suffix == ".jsonl":
        rows = list(_jsonl_rows(text, display))
        defaults: dict[str, Any] = {}
    else:
        rows, defaults, as_written = _yaml_rows(text, display)
    problem = _shape_problem(defaults)
    if problem:
        raise CaseFileError(display, None, f"in defaults: {problem}")
    fields = dict(field_map)
    file_fields = defaults.get("fields") or {}
    file_thresholds = defaults.get("thresholds") or {}
    try:
        # dict() of a list would raise ValueError, and str() of a list key would map a field.
        if not isinstance(file_fields, dict) or not all(
            isinstance(v, str) for v in file_fields.values()
        ):
            raise SettingError(
                "'fields' must be a mapping of FIELD: KEY (for example summary: chatgpt)"
            )
        fields.update(parse_field_map([f"{k}={v}" for k, v in file_fields.items()]))
        parsed_thresholds = _thresholds(file_thresholds, as_written, display)
        conflict = gate.contradiction(parsed_thresholds)
        if conflict:
            raise SettingError(f"thresholds: {conflict}")
    except (SettingError, AttributeError, TypeError) as error:
        raise CaseFileError(display, None, f"in defaults: {error}") from None
    return list(_validate_all(rows, display, fields, defaults, parsed_thresholds, as_written))


def _jsonl_rows(text: str, display: str) -> Iterator[tuple[int, Any]]:
    # Lines end at \n only (a trailing \r is JSON whitespace): splitlines() would also cut a
    # row at a U+2028 or NEL inside a string, which json.dumps(ensure_ascii=False) writes raw.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line, parse_int=_parse_int)
        except json.JSONDecodeError as error:
            yield number, _Unreadable(f"invalid JSON: {error.msg} at column {error.colno}")
        except RecursionError:
            yield number, _Unreadable(f"nested more than {MAX_DEPTH} levels deep")


@dataclass(frozen=True)
class _Unreadable:
    message: str


def _parse_int(text: str) -> int | _LongNumber:
    digits = len(text.lstrip("-"))
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    return _LongNumber(digits) if limit and digits > limit else int(text)


def _children(value: object) -> Iterable[object] | None:
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple, set, frozenset)):
        return value
    return None


def _shape_problem(value: object) -> str:
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


def _yaml_rows(text: str, display: str) -> tuple[list[tuple[int, Any]], dict[str, Any], AsWritten]:
    """Case rows with their line numbers, the file's ``defaults``, and how a value of one of
    its mappings was written."""
    try:
        document = yaml_loader.read(text, display)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        # A problem may quote the file (a tag, a key): cut like any quote of user input.
        problem = problem if len(problem) <= 200 else problem[:200] + "..."
        raise CaseFileError(display, _error_line(error, text), f"invalid YAML: {problem}") from None
    root, data, as_written = document.root, document.data, document.as_written
    if root is None or data is None:
        return [], {}, as_written
    if isinstance(root, yaml.SequenceNode) and isinstance(data, list):
        return _with_lines(root, data, document.alias_lines), {}, as_written
    if isinstance(root, yaml.MappingNode) and isinstance(data, dict):
        for value in data.values():  # a second 'cases:' or 'defaults:'
            if isinstance(value, yaml_loader.DuplicateKey):
                raise CaseFileError(display, value.line, value.problem)
        unknown = sorted(str(k) for k in data if k not in ("defaults", "cases"))
        if "cases" not in data or unknown:
            extra = f" (unexpected keys: {', '.join(unknown)})" if unknown else ""
            raise CaseFileError(
                display,
                root.start_mark.line + 1,
                f"not a case file: expected a list of cases, or a mapping with 'cases:' "
                f"and optional 'defaults:'{extra}",
            )
        defaults = data.get("defaults") or {}
        if not isinstance(defaults, dict):
            raise CaseFileError(display, None, "'defaults:' must be a mapping")
        cases = data["cases"]
        if cases is None:  # "cases:" with nothing under it yet
            return [], defaults, as_written
        node = _value_node(root, "cases")
        if not isinstance(cases, list) or not isinstance(node, yaml.SequenceNode):
            line = node.start_mark.line + 1 if node is not None else None
            raise CaseFileError(display, line, "'cases:' must be a list of cases")
        return _with_lines(node, cases, document.alias_lines), defaults, as_written
    raise CaseFileError(
        display,
        root.start_mark.line + 1,
        "not a case file: expected a list of cases or a mapping with 'cases:'",
    )


def _error_line(error: yaml.YAMLError, text: str) -> int | None:
    """The line to show for a YAML error: where the problem is, unless that is past the end.

    An unclosed bracket or quote is found at the end of the stream, after the last line; the
    line where the unclosed construct starts (the error's context) is the one to fix.
    """
    last = len(text.splitlines())
    marks = [getattr(error, "problem_mark", None), getattr(error, "context_mark", None)]
    lines = [int(mark.line) + 1 for mark in marks if mark is not None]
    position = getattr(error, "position", None)  # a ReaderError has no marks
    if isinstance(position, int):
        lines.append(text[:position].count("\n") + 1)
    inside = [line for line in lines if line <= last]
    if inside:
        return inside[0]
    return min(lines[0], max(last, 1)) if lines else None


def _value_node(mapping: yaml.MappingNode, key: str) -> yaml.Node | None:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            found: yaml.Node = value_node
            return found
    return None


def _with_lines(
    sequence: yaml.SequenceNode, items: list[Any], alias_lines: Mapping[tuple[int, int], int]
) -> list[tuple[int, Any]]:
    return [
        (alias_lines.get((id(sequence), index), node.start_mark.line + 1), item)
        for index, (node, item) in enumerate(zip(sequence.value, items, strict=True))
    ]


def _validate_all(
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
    ids = [_row_id(row, defaults, id_key, display, as_written) for _, row in rows]
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
            name = _unused(f"line-{line}", first, names)
        if problem:
            yield InvalidCase(name, display, line, problem)
        elif case_id is not None and name != case_id:
            yield InvalidCase(name, display, line, _duplicate(case_id, raw_id, display, first))
        else:
            place = _Place(display, line, name, as_written)
            yield _validate(row, place, fields, defaults, file_thresholds)


def _unused(name: str, ids: Mapping[str, int], names: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3``...: the first that no id of the file has and no
    other row was given; it is then given (added to ``names``)."""
    candidate, number = name, 1
    while candidate in ids or candidate in names:
        number += 1
        candidate = f"{name}-{number}"
    names.add(candidate)
    return candidate


def _duplicate(case_id: str, raw_id: object, display: str, first: Mapping[str, int]) -> str:
    message = (
        f"duplicate id {quote(case_id)} (first used at {display}:{first[case_id]}); ids must "
        f"be unique within a file"
    )
    if raw_id == case_id:
        return message
    return (
        f"{message}: {quote(raw_id)} is the id {quote(case_id)} (an id is text, trimmed, "
        f"with '::' as ':' and no leading ':')"
    )


def _row_id(
    row: Any,
    defaults: Mapping[str, Any],
    key: str,
    display: str = "",
    as_written: AsWritten = _nothing_written,
) -> tuple[str | None, object, str]:
    """A row's id as its node id holds it (None: the row has none), the id as written, and
    why the row cannot be used ("" when it can): its shape, or its id."""
    if not isinstance(row, dict):
        return None, None, ""
    shape = _shape_problem(row)
    if shape:
        return None, None, shape
    raw = row.get(key, defaults.get(key))
    named = "'id'" if key == "id" else f"'id' (read from {quote(key)})"
    if raw is None:
        return None, raw, ""
    # "id: 010" is 8 to YAML 1.1, "id: 1:30" is 90, "id: yes" is true: not the id written.
    written = as_written(row if key in row else defaults, key)
    if written is not None:
        reading = written.reading() or ("" if str(raw) == written.text else f"the number {raw}")
        if reading:
            return (
                None,
                raw,
                f"{named} {_misread(written, display, reading)}: quote it to keep it as written",
            )
    # bool is an int to isinstance; "id: yes" would silently become line-N.
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        kind = type(raw).__name__
        return None, raw, f"{named} must be text or a whole number, got a {kind}: {quote(raw)}"
    if isinstance(raw, int) and abs(raw) >= 10**MAX_ID_CHARS:  # str() of it may not work
        return None, raw, f"{named} is {quote(raw)}: ids are at most {MAX_ID_CHARS} characters"
    text = str(raw)
    if len(text) > MAX_ID_CHARS:
        too_long = f"{len(text)} characters long: ids are at most {MAX_ID_CHARS} characters"
        return None, raw, f"{named} is {too_long}"
    bad = _BAD_ID_CHARACTER.search(text)
    if bad:
        return (
            None,
            raw,
            f"{named} {quote(text)} holds {_character(bad.group())} at character "
            f"{bad.start() + 1}: an id is one line of text",
        )
    case_id = _case_id(text, "")
    # pytest prints node ids as they are (progress, -v, the short summary): an id with a
    # bidi override or zero-width character, or holding "##[", could hide text or forge a
    # GitHub workflow command there. Checked on the id as the node id holds it (":x" is "x").
    unprintable = output_problem(case_id)
    if unprintable:
        return None, raw, f"{named} {quote(text)} {unprintable}: pytest prints ids as they are"
    return case_id or None, raw, ""


def _character(character: str) -> str:
    kind = "a lone surrogate" if _SURROGATE.match(character) else "a control character"
    return f"{kind} ({ascii(character)[1:-1]})"


def text_problem(name: str, value: str | Iterable[str]) -> str:
    """Why a text (a case's field, a generated summary) cannot be scored, or "": a lone
    surrogate (a ``\\ud800`` escape in a file) is not Unicode, and no tokenizer, hash or
    terminal can take it."""
    for text in [value] if isinstance(value, str) else value:
        bad = _SURROGATE.search(text)
        if bad:
            return (
                f"{name} holds {_character(bad.group())} at character {bad.start() + 1}: "
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


def _validate(
    row: Any,
    place: _Place,
    fields: Mapping[str, str],
    defaults: Mapping[str, Any],
    file_thresholds: Mapping[str, float | None],
) -> Entry:
    case_id, display, line = place.case_id, place.display, place.line

    def invalid(message: str) -> InvalidCase:
        return InvalidCase(case_id, display, line, message)

    if isinstance(row, _Unreadable):
        return invalid(row.message)
    if not isinstance(row, dict):
        kind = type(row).__name__
        return invalid(f"a case must be a mapping with 'article' and 'summary', got a {kind}")
    merged = {**defaults, **row}
    keys = {name: fields.get(name, name) for name in FIELDS}
    texts: dict[str, str | None] = {}
    unsummarized = ""
    for name in REQUIRED:
        key = keys[name]
        named = f"'{name}'" if key == name else f"'{name}' (read from {quote(key)})"
        if key not in merged:
            missing = f"missing {named}{_hint(name, key, merged, keys)}"
            if name != "summary":
                return invalid(missing)
            # A model repo's conftest (or --summgate-predictions) may provide it; the item
            # decides when it runs, and reports this if nothing does.
            texts[name] = None
            unsummarized = missing
            continue
        value = merged[key]
        if not isinstance(value, str):
            return invalid(f"{named} must be text, got a {type(value).__name__}")
        if not value.strip():
            return invalid(f"{named} is empty")
        problem = text_problem(named, value)
        if problem:
            return invalid(problem)
        texts[name] = value
    highlights = merged.get(keys["highlights"])
    if highlights is not None:
        if isinstance(highlights, list):
            if not all(isinstance(h, str) for h in highlights):
                return invalid("'highlights' must be text or a list of texts")
            highlights = tuple(highlights)
            if not any(h.strip() for h in highlights):
                return invalid("'highlights' is empty (leave it out to skip coverage checks)")
        elif isinstance(highlights, str):
            if not highlights.strip():
                return invalid("'highlights' is empty (leave it out to skip coverage checks)")
        else:
            kind = type(highlights).__name__
            return invalid(f"'highlights' must be text or a list of texts, got a {kind}")
        problem = text_problem("'highlights'", highlights)
        if problem:
            return invalid(problem)
    try:
        thresholds = _case_thresholds(row.get(keys["thresholds"]), place, file_thresholds)
        tolerance = _tolerance(merged.get(keys["tolerance"]), place)
        expected_failure = _expected_failure(merged.get(keys["expect"]))
    except SettingError as error:
        return invalid(str(error))
    used = {keys[name] for name in FIELDS}
    metadata = {k: v for k, v in row.items() if k not in used}
    article = texts["article"]
    assert article is not None
    return Case(
        id=case_id,
        path=display,
        line=line,
        article=article,
        summary=texts["summary"],
        unsummarized=unsummarized,
        highlights=highlights,
        thresholds=thresholds,
        file_thresholds=file_thresholds,
        tolerance=tolerance,
        metadata=metadata,
        expected_failure=expected_failure,
    )


def _thresholds(
    raw: Mapping[Any, Any], as_written: AsWritten, display: str
) -> dict[str, float | None]:
    """A ``thresholds:`` mapping validated. A value YAML 1.1 reads as other than it looks
    (``010`` is 8, ``no`` is false) is refused where it is written; ``off``, which YAML reads
    as false too, switches the threshold off."""
    values: dict[Any, object] = {}
    for name, value in raw.items():
        written = as_written(raw, name)
        if written is not None and isinstance(name, str):
            if written.kind == "bool" and written.text.strip().lower() == gate.OFF:
                value = gate.OFF
            elif written.reading():
                hint = "a number, or off" if written.kind == "bool" else _DECIMAL
                problem = _misread(written, display, written.reading())
                raise SettingError(f"threshold {name} {problem}: write {hint}")
        values[name] = value
    return gate.parse_mapping(values)


def _case_thresholds(
    raw: object, place: _Place, file_thresholds: Mapping[str, float | None]
) -> dict[str, float | None]:
    """A case's own thresholds, which must leave a summary some way to pass together with
    its file's."""
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise SettingError("'thresholds' must be a mapping of NAME: VALUE")
    thresholds = _thresholds(raw, place.as_written, place.display)
    conflict = gate.contradiction({**file_thresholds, **thresholds})
    if conflict:
        sources = ", ".join(
            f"{name} from {'this case' if name in thresholds else 'its file defaults'}"
            for name in gate.BOUNDS
        )
        raise SettingError(f"thresholds: {conflict} ({sources})")
    return thresholds


def _tolerance(raw: object, place: _Place) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SettingError("'tolerance' must be a mapping of METRIC: VALUE")
    for name in raw:
        written = place.as_written(raw, name)
        if written is not None and written.reading() and isinstance(name, str):
            problem = _misread(written, place.display, written.reading())
            hint = "a number" if written.kind == "bool" else _DECIMAL
            raise SettingError(f"tolerance: tolerance {name} {problem}: write {hint}")
    return parse_tolerances(raw, "tolerance")


_DECIMAL = "the number in decimal digits (no leading zero, underscore, colon or 0x)"


def _misread(written: Written, display: str, reading: str) -> str:
    """``is written '010' at c.yaml:7, which YAML 1.1 reads as the octal number 8``."""
    return (
        f"is written {quote(written.text)} at {display}:{written.line}, which YAML 1.1 "
        f"reads as {reading}"
    )


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


def _case_id(raw: object, fallback: str) -> str:
    """An id as a node id holds it: trimmed text, with no "::" and no leading ":".

    "::" separates a node id's parts, so an id must stay one part; and with no id starting
    with ":", ``path::id`` splits one way only, at its last "::", even when a file name has
    "::" in it. Two files' node ids can then never be one: ``a.jsonl::b.jsonl`` with a case
    ``c`` is not ``a.jsonl`` with a case ``b.jsonl:::c`` (that one is ``b.jsonl:c``).
    """
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        return fallback
    if isinstance(raw, int) and abs(raw) >= 10**MAX_ID_CHARS:
        return fallback
    text, before = str(raw), None
    while text != before:  # " : :x" needs two rounds
        before = text
        text = _COLONS.sub(":", text.strip()).lstrip(":")
    return text or fallback


def _prediction_id(raw: object) -> str:
    """A case id, or a case's node id (``cases/a.jsonl::7``) when ids repeat across files."""
    # The last "::": a case id has none, a file name may (see _case_id).
    text = raw.strip() if isinstance(raw, str) else ""
    path, separator, case_id = text.rpartition("::")
    if separator and path and case_id.strip():
        return f"{path}::{_case_id(case_id, '')}"
    return _case_id(raw, "")


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


def load_predictions(path: Path, display: str, field_map: Mapping[str, str]) -> dict[str, str]:
    """Model outputs to join to cases: {case id or node id: summary} from a JSONL file.

    Each line holds an ``id`` and a ``summary`` (the field mapping applies, so a column named
    ``chatgpt`` works with ``--summgate-field summary=chatgpt``). Any problem is an error
    naming ``path:line``: a silently dropped prediction would hide a case.
    """
    id_key, summary_key = field_map.get("id", "id"), field_map.get("summary", "summary")
    predictions: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for number, row in _jsonl_rows(_read_text(path, display), display):
        if isinstance(row, _Unreadable):
            raise CaseFileError(display, number, row.message)
        if not isinstance(row, dict):
            raise CaseFileError(
                display,
                number,
                f"a prediction must be an object with {quote(id_key)} and {quote(summary_key)}",
            )
        raw_id, summary = row.get(id_key), row.get(summary_key)
        case_id = _prediction_id(raw_id)
        if not case_id or isinstance(raw_id, bool):
            shown = raw_id.problem if isinstance(raw_id, _LongNumber) else quote(raw_id)
            raise CaseFileError(display, number, f"missing or invalid {quote(id_key)}: {shown}")
        if not isinstance(summary, str) or not summary.strip():
            raise CaseFileError(display, number, f"{quote(summary_key)} must be non-empty text")
        problem = text_problem(quote(summary_key), summary)
        if problem:
            raise CaseFileError(display, number, problem)
        if case_id in predictions:
            raise CaseFileError(
                display,
                number,
                f"duplicate id {quote(case_id)} (first at line {first_line[case_id]})",
            )
        predictions[case_id] = summary
        first_line[case_id] = number
    return predictions
