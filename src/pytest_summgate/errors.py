"""The gate's own errors. Each name states the condition; each message says what to do."""

from __future__ import annotations

import os
import traceback
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
