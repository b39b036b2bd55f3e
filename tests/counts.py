"""The test suite's counts that README.md and docs/development.md state, generated here.

    python tests/counts.py          # print them
    python tests/counts.py --write  # write them between the <!-- test-counts --> markers
    python tests/counts.py --check  # exit 1 when a file states other counts

tests/test_counts.py runs ``--check`` on CI, so a test added without ``--write`` fails there
with this command as the remedy. The counts come from pytest's own collection (the
markers as the tests carry them), never typed by hand.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FILES = ("README.md", "docs/development.md")
BLOCK = re.compile(r"(<!-- test-counts -->)(.*?)(<!-- /test-counts -->)", re.S)
WRITE = "python tests/counts.py --write"


@dataclass(frozen=True)
class Counts:
    total: int
    model: int
    slow: int  # slow and not model

    @property
    def everyday(self) -> int:
        return self.total - self.model - self.slow

    def text(self) -> str:
        return (
            f"{self.total:,} tests: {self.everyday:,} in the everyday loop "
            f'(`-m "not model and not slow"`), {self.slow:,} more that run pytest in other '
            f"processes (`slow`) and {self.model:,} that load the embedding model (`model`)"
        )


class Recorder:
    def __init__(self) -> None:
        self.marks: list[set[str]] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.marks = [{m.name for m in item.iter_markers()} for item in session.items]


def collect() -> Counts:
    recorder = Recorder()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = pytest.main(
            ["--collect-only", "-q", "-p", "no:cacheprovider", str(REPO / "tests")],
            plugins=[recorder],
        )
    if code != pytest.ExitCode.OK:
        sys.exit(f"{printed.getvalue()[-3000:]}\ncollecting the tests failed (exit {code})")
    marks = recorder.marks
    model = sum("model" in m for m in marks)
    slow = sum("slow" in m and "model" not in m for m in marks)
    return Counts(len(marks), model, slow)


def stated(text: str) -> list[str]:
    return [m.group(2) for m in BLOCK.finditer(text)]


def main(argv: list[str]) -> int:
    counts = collect()
    if not argv:
        print(counts.text())
        return 0
    stale = []
    for name in FILES:
        path = REPO / name
        text = path.read_text(encoding="utf-8")
        if not stated(text):
            stale.append(f"{name}: no <!-- test-counts --> block")
        elif set(stated(text)) != {counts.text()}:
            stale.append(f"{name} states: {stated(text)[0]}")
            if argv == ["--write"]:
                path.write_text(BLOCK.sub(rf"\g<1>{counts.text()}\g<3>", text), encoding="utf-8")
    if argv == ["--check"] and stale:
        print("\n".join([*stale, f"collected: {counts.text()}", f"run: {WRITE}"]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
