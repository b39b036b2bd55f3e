"""Summaries from the model repository's own code: the ``pytest_summgate_generate`` hook.

Cases without a summary get one from the hook, in batches: when a case runs, it and the next
cases of this process that also lack a summary are generated together. A batch that raises
is every one of its cases' error, with the user's traceback; other batches go on.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .cases import Case

if TYPE_CHECKING:
    from .items import CaseItem

DEFAULT_BATCH_SIZE = 16


class GenerationFailed(Exception):
    """The user's hook raised or returned something unusable; the message says which."""


class SummaryGenerator:
    """Calls the hook in batches and remembers each case's summary or failure."""

    def __init__(self, config: pytest.Config, batch_size: int) -> None:
        self.config = config
        self.batch_size = batch_size
        self._done: dict[str, str | GenerationFailed] = {}

    def available(self, item: CaseItem) -> bool:
        """Whether a conftest.py that applies to this case (or a plugin) implements the hook."""
        return bool(item.ihook.pytest_summgate_generate.get_hookimpls())

    def summary_for(self, item: CaseItem) -> str:
        if item.nodeid not in self._done:
            self._generate(self._batch(item))
        outcome = self._done[item.nodeid]
        if isinstance(outcome, GenerationFailed):
            raise outcome
        return outcome

    def _batch(self, item: CaseItem) -> list[CaseItem]:
        """This item and the next ones of its file, in this process, that need a summary.

        One file at a time: hooks are looked up by path (a conftest.py applies to its own
        directory), so a batch must not mix cases that different conftests would generate.
        """
        from .items import CaseItem

        items = item.session.items
        start = items.index(item) if item in items else len(items)
        batch = [item]
        for other in items[start + 1 :]:
            if len(batch) >= self.batch_size or other.path != item.path:
                break
            if (
                isinstance(other, CaseItem)
                and isinstance(other.entry, Case)
                and other.entry.summary is None
                and other.nodeid not in self._done
            ):
                batch.append(other)
        return batch

    def _generate(self, batch: list[CaseItem]) -> None:
        cases = [item.entry for item in batch]
        try:
            summaries = batch[0].ihook.pytest_summgate_generate(cases=cases, config=self.config)
        except Exception as error:
            failure = GenerationFailed(
                f"pytest_summgate_generate raised {type(error).__name__}: {error} "
                f"(batch of {len(batch)} cases)\n{_user_traceback(error)}"
            )
            self._done.update({item.nodeid: failure for item in batch})
            return
        problem = _check(summaries, len(batch))
        for index, item in enumerate(batch):
            if problem:
                self._done[item.nodeid] = GenerationFailed(f"pytest_summgate_generate {problem}")
            else:
                self._done[item.nodeid] = summaries[index]


def _user_traceback(error: BaseException) -> str:
    """The traceback of the user's hook, without pluggy's and this package's frames."""
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


def _check(summaries: object, expected: int) -> str:
    if summaries is None:
        return "returned None (no implementation produced summaries for this batch)"
    if not isinstance(summaries, (list, tuple)) or len(summaries) != expected:
        got = f"{len(summaries)} items" if isinstance(summaries, (list, tuple)) else repr(summaries)
        return f"must return a list of {expected} summaries, one per case; got {got}"
    bad = [i for i, s in enumerate(summaries) if not isinstance(s, str) or not s.strip()]
    if bad:
        return f"returned an empty or non-text summary at position {bad[0]} of the batch"
    return ""
