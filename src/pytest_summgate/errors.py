"""The gate's own errors. Each name states the condition; each message says what to do.

And how a message or a terminal line shows what the user wrote: ``quote`` (a bounded
``repr``), ``visible`` (text on one line, nothing hidden) and ``terminal_line`` (a line that
is never a GitHub workflow command).
"""

from __future__ import annotations

import math
import os
import re
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


# Characters that must not reach a terminal or a CI log as they are: control characters (ESC
# starts ANSI sequences, CR and LF start lines, NUL), line and paragraph separators, lone
# surrogates, and the invisible format characters (Unicode category Cf: bidi overrides such
# as U+202E reorder what is shown, zero-width spaces and tag characters hide text). Not
# U+200C and U+200D (zero-width non-joiner and joiner): Persian, Indic scripts and emoji
# need them. The class is the categories Cc, Cf, Cs, Zl and Zp of Unicode 15 (tested against
# unicodedata); U+13439-1343F are format characters since Unicode 15.
_UNSHOWABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff"
    "\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    if character in _NAMED:
        return _NAMED[character]
    number = ord(character)
    if number < 0x100:
        return f"\\x{number:02x}"
    return f"\\u{number:04x}" if number < 0x10000 else f"\\U{number:08x}"


def visible(text: str) -> str:
    """``text`` on one line with nothing hidden: each control, format or separator character
    is written as its escape, as a Python string literal writes it (``\\x1b``, ``\\n``,
    ``\\u202e``, ``\\ud800``). A backslash of the text itself is left as it is, so a
    summary that quotes ``\\x1b`` reads the same as one that holds ESC: both are shown, and
    neither colours the terminal."""
    return _UNSHOWABLE.sub(_escape, text)


# Characters GitHub's runner may skip when it looks for a command (it compares with the
# current culture, where these are ignorable) and that ``visible`` leaves in place.
_IGNORABLE = "\u200c\u200d\u034f\ufe00-\ufe0f\U000e0100-\U000e01ef"
# The runner takes a line for a workflow command when, less leading white space, it starts
# with "::" (``::error file=x::forged``), or when it holds "##[" anywhere (the older form,
# ``##[error]forged``), see actions/runner ActionCommand.TryParseV2 and TryParse.
_COMMAND_START = re.compile(f"^[\\s{_IGNORABLE}]*:")
_OLD_COMMAND = re.compile(f"#[{_IGNORABLE}]*#[{_IGNORABLE}]*\\[")


def terminal_line(line: str) -> str:
    """One line for the terminal, which on CI is the job's log: ``visible``, and never a
    GitHub workflow command. A line whose first character other than white space is ``:``
    has it written ``\\x3a``, and each ``##[`` is written ``##\\x5b``: the runner would act
    on either (``::error ...`` adds an annotation, ``::stop-commands::`` silences the gate's
    own)."""
    line = visible(line)
    line = _COMMAND_START.sub(lambda found: found.group()[:-1] + "\\x3a", line, count=1)
    return _OLD_COMMAND.sub(lambda found: found.group()[:-1] + "\\x5b", line)


def output_problem(text: str) -> str:
    """Why ``text`` (a case file's path, an id) cannot be printed as it is by code that does
    not escape it, such as pytest's own progress and summary lines; "" when it can."""
    found = _UNSHOWABLE.search(text)
    if found:
        kind = (
            "a lone surrogate"
            if 0xD800 <= ord(found.group()) <= 0xDFFF
            else ("a control or invisible format character")
        )
        return f"holds {kind} ({visible(found.group())}) at character {found.start() + 1}"
    if _COMMAND_START.match(text):
        return "starts with ':', as a GitHub workflow command does (::error ...)"
    found = _OLD_COMMAND.search(text)
    if found:
        return (
            f"holds '##[' at character {found.start() + 1}, which GitHub's runner reads as "
            f"a workflow command (##[error]...)"
        )
    return ""
