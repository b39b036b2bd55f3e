"""Case files: YAML and JSONL loading, field mapping, and validation with ``path:line``.

A problem with one case becomes an :class:`InvalidCase` for that case alone, so the other
cases of the file are still scored. Only a file that cannot be read at all raises
:class:`~pytest_summgate.errors.CaseFileError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import gate
from .baseline import parse_tolerances
from .errors import CaseFileError, SettingError

FIELDS = ("id", "article", "summary", "highlights", "thresholds", "tolerance", "expect")
REQUIRED = ("article", "summary")


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
            raise SettingError(f"expected FIELD=KEY (for example summary=chatgpt), got {text!r}")
        if name not in FIELDS:
            raise SettingError(f"unknown case field {name!r}; fields: {', '.join(FIELDS)}")
        mapping[name] = key
    return mapping


def _read_text(path: Path, display: str) -> str:
    data = path.read_bytes()
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
    text = _read_text(path, display)
    if path.suffix == ".jsonl":
        rows = list(_jsonl_rows(text, display))
        defaults: dict[str, Any] = {}
    else:
        rows, defaults = _yaml_rows(text, display)
    fields = dict(field_map)
    file_fields = defaults.pop("fields", None) or {}
    file_thresholds = defaults.pop("thresholds", None) or {}
    try:
        # dict() of a list would raise ValueError, and str() of a list key would map a field.
        if not isinstance(file_fields, dict) or not all(
            isinstance(v, str) for v in file_fields.values()
        ):
            raise SettingError(
                "'fields' must be a mapping of FIELD: KEY (for example summary: chatgpt)"
            )
        fields.update(parse_field_map([f"{k}={v}" for k, v in file_fields.items()]))
        parsed_thresholds = gate.parse_mapping(file_thresholds)
    except (SettingError, AttributeError, TypeError) as error:
        raise CaseFileError(display, None, f"in defaults: {error}") from None
    return list(_validate_all(rows, display, fields, defaults, parsed_thresholds))


def _jsonl_rows(text: str, display: str) -> Iterator[tuple[int, Any]]:
    # Lines end at \n only (a trailing \r is JSON whitespace): splitlines() would also cut a
    # row at a U+2028 or NEL inside a string, which json.dumps(ensure_ascii=False) writes raw.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            yield number, _Unreadable(f"invalid JSON: {error.msg} at column {error.colno}")


@dataclass(frozen=True)
class _Unreadable:
    message: str


class _Loader(yaml.SafeLoader):
    """A safe loader that remembers where each alias stands in its sequence.

    An alias composes to its anchor's node, marks and all: ``- *base`` would be reported at
    the anchor's line.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_lines: dict[tuple[int, int], int] = {}

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        # In a mapping, index is the key's node; only sequence positions matter here.
        if isinstance(index, int) and self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            self.alias_lines[(id(parent), index)] = event.start_mark.line + 1
        return super().compose_node(parent, index)


def _yaml_rows(text: str, display: str) -> tuple[list[tuple[int, Any]], dict[str, Any]]:
    """Case rows with their line numbers, and the file's ``defaults``."""
    try:
        # The reader checks the characters when the loader is made: a control character
        # (a NUL byte) is a YAMLError from here, not from parsing.
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise CaseFileError(display, _error_line(error, text), f"invalid YAML: {problem}") from None
    if root is None or data is None:
        return [], {}
    if isinstance(root, yaml.SequenceNode) and isinstance(data, list):
        return _with_lines(root, data, loader.alias_lines), {}
    if isinstance(root, yaml.MappingNode) and isinstance(data, dict):
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
            return [], dict(defaults)
        node = _value_node(root, "cases")
        if not isinstance(cases, list) or not isinstance(node, yaml.SequenceNode):
            line = node.start_mark.line + 1 if node is not None else None
            raise CaseFileError(display, line, "'cases:' must be a list of cases")
        return _with_lines(node, cases, loader.alias_lines), dict(defaults)
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
) -> Iterator[Entry]:
    first_line: dict[str, int] = {}
    for line, row in rows:
        entry = _validate(row, line, display, fields, defaults, file_thresholds)
        if entry.id in first_line:
            yield InvalidCase(
                entry.id,
                display,
                line,
                f"duplicate id {entry.id!r} (first used at {display}:{first_line[entry.id]}); "
                f"ids must be unique within a file",
            )
            continue
        first_line[entry.id] = line
        yield entry


def _validate(
    row: Any,
    line: int,
    display: str,
    fields: Mapping[str, str],
    defaults: Mapping[str, Any],
    file_thresholds: Mapping[str, float | None],
) -> Entry:
    fallback_id = f"line-{line}"
    if isinstance(row, _Unreadable):
        return InvalidCase(fallback_id, display, line, row.message)
    if not isinstance(row, dict):
        kind = type(row).__name__
        return InvalidCase(
            fallback_id,
            display,
            line,
            f"a case must be a mapping with 'article' and 'summary', got a {kind}",
        )
    merged = {**defaults, **row}
    keys = {name: fields.get(name, name) for name in FIELDS}
    raw_id = merged.get(keys["id"])
    case_id = _case_id(raw_id, fallback_id)

    def invalid(message: str) -> InvalidCase:
        return InvalidCase(case_id, display, line, message)

    # bool is an int to isinstance; "id: yes" would silently become line-N.
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, (str, int))):
        return invalid(
            f"'id' must be text or a whole number, got a {type(raw_id).__name__}: {raw_id!r}"
        )
    texts: dict[str, str | None] = {}
    unsummarized = ""
    for name in REQUIRED:
        key = keys[name]
        named = f"'{name}'" if key == name else f"'{name}' (read from {key!r})"
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
    raw_thresholds = row.get(keys["thresholds"]) or {}
    if not isinstance(raw_thresholds, dict):
        return invalid("'thresholds' must be a mapping of NAME: VALUE")
    try:
        thresholds = gate.parse_mapping(raw_thresholds)
    except SettingError as error:
        return invalid(str(error))
    raw_tolerance = merged.get(keys["tolerance"]) or {}
    if not isinstance(raw_tolerance, dict):
        return invalid("'tolerance' must be a mapping of METRIC: VALUE")
    try:
        tolerance = parse_tolerances(raw_tolerance, "tolerance")
    except SettingError as error:
        return invalid(str(error))
    expect = merged.get(keys["expect"])
    try:
        expected_failure = _expected_failure(expect)
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


def _expected_failure(raw: object) -> str | None:
    """``expect: fail`` or ``expect: "fail: why"`` (``pass``, the default, or absent: None)."""
    if raw is None:
        return None
    text = raw.strip() if isinstance(raw, str) else ""
    outcome, _, reason = text.partition(":")
    if outcome.strip().lower() == "pass" and not reason:
        return None
    if outcome.strip().lower() != "fail":
        shown = text[:40] if isinstance(raw, str) else f"a {type(raw).__name__}"
        raise SettingError(f"'expect' must be 'fail', 'fail: <reason>' or 'pass', not {shown!r}")
    return reason.strip() or "expected to fail (expect: fail in its case file)"


def _case_id(raw: object, fallback: str) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        return fallback
    text = str(raw).strip()
    # "::" separates pytest node id parts; an id must stay one part.
    return text.replace("::", ":") if text else fallback


def _prediction_id(raw: object) -> str:
    """A case id, or a case's node id (``cases/a.jsonl::7``) when ids repeat across files."""
    path, separator, case_id = raw.strip().partition("::") if isinstance(raw, str) else ("", "", "")
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
        f"; this case has {', '.join(repr(k) for k in texts[:6])}: map one with "
        f"--summgate-field {name}={texts[0]}"
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
                f"a prediction must be an object with {id_key!r} and {summary_key!r}",
            )
        raw_id, summary = row.get(id_key), row.get(summary_key)
        case_id = _prediction_id(raw_id)
        if not case_id or isinstance(raw_id, bool):
            raise CaseFileError(display, number, f"missing or invalid {id_key!r}")
        if not isinstance(summary, str) or not summary.strip():
            raise CaseFileError(display, number, f"{summary_key!r} must be non-empty text")
        if case_id in predictions:
            raise CaseFileError(
                display, number, f"duplicate id {case_id!r} (first at line {first_line[case_id]})"
            )
        predictions[case_id] = summary
        first_line[case_id] = number
    return predictions
