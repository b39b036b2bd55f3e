"""Case files: YAML and JSONL loading, field mapping, predictions, with ``path:line``.

Each row becomes a :class:`Case` or an :class:`InvalidCase` (``case_rows``), so a problem
with one case is that case's alone and the other cases of the file are still scored. Only a
file that cannot be read at all raises :class:`~pytest_summgate.errors.CaseFileError`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import files, thresholds, yaml_loader
from .case_ids import prediction_id
from .case_rows import (
    FIELDS,
    Case,
    Entry,
    InvalidCase,
    Unreadable,
    parse_field_map,
    shape_problem,
    text_problem,
    thresholds_of,
    validate_rows,
)
from .errors import CaseFileError, SettingError, quote
from .yaml_loader import MAX_DEPTH, AsWritten, nothing_written
from .yaml_loader import LongNumber as _LongNumber

__all__ = [
    "FIELDS",
    "Case",
    "Entry",
    "InvalidCase",
    "Predictions",
    "load",
    "load_predictions",
    "parse_field_map",
    "text_problem",
]


MAX_FILE_BYTES = 1024 * files.MB


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
    as_written: AsWritten = nothing_written
    if suffix == ".jsonl":
        rows = list(_jsonl_rows(text, display))
        defaults: dict[str, Any] = {}
    else:
        rows, defaults, as_written = _yaml_rows(text, display)
    problem = shape_problem(defaults)
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
        parsed_thresholds = thresholds_of(file_thresholds, as_written, display)
        conflict = thresholds.contradiction(parsed_thresholds)
        if conflict:
            raise SettingError(f"thresholds: {conflict}")
    except (SettingError, AttributeError, TypeError) as error:
        raise CaseFileError(display, None, f"in defaults: {error}") from None
    return list(validate_rows(rows, display, fields, defaults, parsed_thresholds, as_written))


def _jsonl_rows(text: str, display: str) -> Iterator[tuple[int, Any]]:
    # Lines end at \n only (a trailing \r is JSON whitespace): splitlines() would also cut a
    # row at a U+2028 or NEL inside a string, which json.dumps(ensure_ascii=False) writes raw.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line, parse_int=_parse_int)
        except json.JSONDecodeError as error:
            yield number, Unreadable(f"invalid JSON: {error.msg} at column {error.colno}")
        except RecursionError:
            yield number, Unreadable(f"nested more than {MAX_DEPTH} levels deep")


def _parse_int(text: str) -> int | _LongNumber:
    digits = len(text.lstrip("-"))
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    return _LongNumber(digits) if limit and digits > limit else int(text)


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


@dataclass(frozen=True)
class Predictions:
    """Summaries from a predictions file, by case id, and the file as the user named it."""

    summaries: dict[str, str]
    display: str


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
        if isinstance(row, Unreadable):
            raise CaseFileError(display, number, row.message)
        if not isinstance(row, dict):
            raise CaseFileError(
                display,
                number,
                f"a prediction must be an object with {quote(id_key)} and {quote(summary_key)}",
            )
        raw_id, summary = row.get(id_key), row.get(summary_key)
        case_id = prediction_id(raw_id)
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
