"""The gate's own errors. Each name states the condition; each message says what to do."""

from __future__ import annotations

import math
import os
import traceback
from collections.abc import Iterator
from pathlib import Path


class SummgateError(Exception):
    """Base of every error the gate raises on purpose (never a bug)."""


class SettingError(SummgateError):
    """An option, ini value or threshold cannot be used as given."""


class CaseFileError(SummgateError):
    """A case file cannot be read at all (broken YAML, not a case file)."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class BaselineError(SummgateError):
    """A baseline file exists but cannot be used (unreadable, corrupt, another format)."""


class ModelUnavailable(SummgateError):
    """The embedding model cannot be had; the message is one line that says how to fix it."""


class ScorerFailed(SummgateError):
    """A custom scorer raised; the message names it and holds the user's own traceback."""


def user_traceback(error: BaseException) -> str:
    """The traceback of a user's hook or scorer, without pluggy's and this package's frames."""
    here = str(Path(__file__).parent)
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith(here) and f"{os.sep}pluggy{os.sep}" not in frame.filename
    ]
    lines = [
        "Traceback (most recent call last):\n",
        *traceback.format_list(frames),
        *traceback.format_exception_only(type(error), error),
    ]
    return "".join(lines).rstrip()


QUOTE_CHARS = 60  # how much of a user's value a message shows


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """A user's value as a message quotes it: bounded, whatever the value is.

    Text is ``repr``'d (control characters and lone surrogates come out escaped) and cut
    after ``limit`` characters; a container is shown as ``repr`` shows it when that is short,
    otherwise as its type, its size and a cut preview. The
    value is never walked past what is shown, so a YAML alias bomb (9 levels of 9 shared
    lists: 387 million strings once expanded) or a self-referring list costs ``limit``
    steps, and a whole number of 5,000 digits (too long for ``str``) is its length.
    """
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        shown = _cut(_pieces(value, limit), limit)
        if not shown.endswith("..."):
            return shown
        nouns = ("entry", "entries") if isinstance(value, dict) else ("item", "items")
        count = f"{len(value)} {nouns[len(value) != 1]}"
        return f"{_a(type(value).__name__)} of {count}: {shown}"
    if isinstance(value, (str, bytes)):
        shown, kept = repr(value[:limit]), limit
        while len(shown) > limit + 3 and kept > 1:  # escapes: \x00 is four characters
            kept //= 2
            shown = repr(value[:kept])
        if kept >= len(value):
            return shown
        unit = "characters" if isinstance(value, str) else "bytes"
        return f"{shown}... ({len(value)} {unit})"
    return _scalar(value, limit)


def _scalar(value: object, limit: int) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        if value and math.log10(abs(value)) >= limit - 1:  # str() may refuse it
            return f"a whole number of {_digits(abs(value))} digits"
        return repr(value)
    if isinstance(value, (str, bytes)):
        return repr(value[:limit])
    # Anything else (a date, a user's object): its type, never its own __repr__.
    return _a(type(value).__name__)


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def _digits(number: int) -> int:
    """How many digits a positive whole number has, without writing it out."""
    exponent = int(math.log10(number))  # may be one off either way near a power of ten
    if 10**exponent > number:
        exponent -= 1
    elif 10 ** (exponent + 1) <= number:
        exponent += 1
    return exponent + 1


def _pieces(value: object, limit: int) -> Iterator[str]:
    """The text of ``value`` piece by piece, each at least one character: whoever stops
    reading after N characters has visited at most N values."""
    if isinstance(value, dict):
        yield "{"
        for number, (key, item) in enumerate(value.items()):
            if number:
                yield ", "
            yield from _pieces(key, limit)
            yield ": "
            yield from _pieces(item, limit)
        yield "}"
    elif isinstance(value, (list, tuple, set, frozenset)):
        brackets = "[]" if isinstance(value, list) else "()" if isinstance(value, tuple) else "{}"
        yield brackets[0]
        for number, item in enumerate(value):
            if number:
                yield ", "
            yield from _pieces(item, limit)
        yield brackets[1]
    else:
        yield _scalar(value, limit)


def _cut(pieces: Iterator[str], limit: int) -> str:
    text = ""
    for piece in pieces:
        text += piece
        if len(text) > limit:
            return text[:limit] + "..."
    return text
