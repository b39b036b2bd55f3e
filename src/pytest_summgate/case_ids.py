"""A case's id: read as written, checked, and made unique within its file.

An id becomes part of a node id (``path::id``), which pytest prints and every record, verdict
and baseline entry is keyed by: so it is one line of printable text, trimmed, without
``::``, and a row without a usable id is named ``line-N``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from .errors import output_problem, quote
from .yaml_loader import AsWritten, misread, nothing_written

# Bounds on what a case file may hold (and MAX_DEPTH, its nesting). An id is one line of a
# node id.
MAX_ID_CHARS = 500


# Characters an id cannot hold: control characters and line or paragraph separators (they
# would break the terminal's and CI's lines), and lone surrogates (not Unicode at all).
_BAD_ID_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


SURROGATE = re.compile("[\ud800-\udfff]")


_COLONS = re.compile("::+")


def unused_name(name: str, ids: Mapping[str, int], names: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3``...: the first that no id of the file has and no
    other row was given; it is then given (added to ``names``)."""
    candidate, number = name, 1
    while candidate in ids or candidate in names:
        number += 1
        candidate = f"{name}-{number}"
    names.add(candidate)
    return candidate


def duplicate_message(case_id: str, raw_id: object, display: str, first: Mapping[str, int]) -> str:
    message = (
        f"duplicate id {quote(case_id)} (first used at {display}:{first[case_id]}); ids must "
        f"be unique within a file"
    )
    if raw_id == case_id:
        return message
    return (
        f"{message}: {quote(raw_id)} is the id {quote(case_id)} (an id is text, trimmed, "
        f"in composed Unicode (NFC), with '::' as ':' and no leading ':')"
    )


def row_id(
    row: Any,
    defaults: Mapping[str, Any],
    key: str,
    display: str = "",
    as_written: AsWritten = nothing_written,
) -> tuple[str | None, object, str]:
    """A row's id as its node id holds it (None: the row has none), the id as written, and
    why the row cannot be used by its id ("" when it can)."""
    if not isinstance(row, dict):
        return None, None, ""
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
                f"{named} {misread(written, display, reading)}: quote it to keep it as written",
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
            f"{named} {quote(text)} holds {describe_character(bad.group())} at character "
            f"{bad.start() + 1}: an id is one line of text",
        )
    case_id = normalized_id(text, "")
    # pytest prints node ids as they are (progress, -v, the short summary): an id with a
    # bidi override or zero-width character, or holding "##[", could hide text or forge a
    # GitHub workflow command there. Checked on the id as the node id holds it (":x" is "x").
    unprintable = output_problem(case_id)
    if unprintable:
        return None, raw, f"{named} {quote(text)} {unprintable}: pytest prints ids as they are"
    return case_id or None, raw, ""


def describe_character(character: str) -> str:
    kind = "a lone surrogate" if SURROGATE.match(character) else "a control character"
    return f"{kind} ({ascii(character)[1:-1]})"


def normalized_id(raw: object, fallback: str) -> str:
    """An id as a node id holds it: trimmed text in Unicode's composed form (NFC), with no
    "::" and no leading ":".

    An id that reads the same is the same id: "café" written with a combining accent is
    "café", so two cases cannot look alike in every output and still be two node ids.

    "::" separates a node id's parts, so an id must stay one part; and with no id starting
    with ":", ``path::id`` splits one way only, at its last "::", even when a file name has
    "::" in it. Two files' node ids can then never be one: ``a.jsonl::b.jsonl`` with a case
    ``c`` is not ``a.jsonl`` with a case ``b.jsonl:::c`` (that one is ``b.jsonl:c``).
    """
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        return fallback
    if isinstance(raw, int) and abs(raw) >= 10**MAX_ID_CHARS:
        return fallback
    text, before = unicodedata.normalize("NFC", str(raw)), None
    while text != before:  # " : :x" needs two rounds
        before = text
        text = _COLONS.sub(":", text.strip()).lstrip(":")
    return text or fallback


def prediction_id(raw: object) -> str:
    """A case id, or a case's node id (``cases/a.jsonl::7``) when ids repeat across files."""
    # The last "::": a case id has none, a file name may (see normalized_id).
    text = raw.strip() if isinstance(raw, str) else ""
    path, separator, case_id = text.rpartition("::")
    if separator and path and case_id.strip():
        return f"{path}::{normalized_id(case_id, '')}"
    return normalized_id(raw, "")
