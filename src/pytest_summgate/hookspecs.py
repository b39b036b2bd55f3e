"""Hooks a model repository implements in its conftest.py (or a plugin) to plug in its model.

Example, a lead-3 summarizer producing the summaries of cases that have none::

    def pytest_summgate_generate(cases, config):
        return [" ".join(split_sentences(case.article)[:3]) for case in cases]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import pytest

    from .cases import Case
    from .metrics import Scorer

hookspec = pluggy.HookspecMarker("pytest")


@hookspec(firstresult=True)
def pytest_summgate_generate(cases: list[Case], config: pytest.Config) -> list[str] | None:
    """Produce summaries for ``cases`` that have none in their case file.

    Called with batches of at most ``summgate_batch_size`` cases (``--summgate-batch-size``),
    in the order the cases run. Return one summary per case, in the same order, or None to
    leave the batch to another implementation. An exception raised here is reported as the
    error of each case of the batch, with its traceback; the other cases are still scored.
    """


@hookspec
def pytest_summgate_scorers(config: pytest.Config) -> list[Scorer]:  # type: ignore[empty-body]
    """Add scorers: custom metrics (an LLM judge, a domain check) checked like the built-ins.

    Each scorer follows :class:`pytest_summgate.metrics.Scorer`. A metric it names becomes a
    threshold of the same name (``NAME=VALUE`` in a case, a file's defaults, the command
    line or the ini), a key in baselines, JUnit properties and the JSON report. By default a
    custom threshold is a minimum; a scorer may declare ``directions = {"name": "<="}`` for
    metrics where lower is better. Scorers can also be registered by an installed package
    under the entry point group ``pytest_summgate.scorers`` (a callable returning scorers).
    """
