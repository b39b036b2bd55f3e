"""Shared fixtures: a pytester project with the gate switched on and no model behind it."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

# Imported here so pytester's in-process runs find these modules already loaded: pytester
# drops every module a run imports, and reimporting nltk for every run is slow.
import rouge_score.rouge_scorer  # noqa: F401

REPO = Path(__file__).resolve().parent.parent
# The seed row, as copied into examples/ from ../shared/examples (the repo must not need
# ../shared to test: GitHub's runners do not have it).
SEED_ROW = REPO / "examples" / "cnn_dm_chatgpt_row.jsonl"

LEXICAL_CONFTEST = textwrap.dedent(
    """
    import pytest
    from pytest_summgate.testing import lexical_engine, summgate_run

    @pytest.hookimpl(trylast=True)
    def pytest_configure(config):
        run = summgate_run(config)
        if run is not None:
            run.engine = lexical_engine(run.settings, run.engine)
    """
)

ARTICLE = (
    "The city council approved a new budget on Tuesday. The budget adds money for schools "
    "and parks. The mayor said the plan would help families across the city. Opponents "
    "said taxes would rise next year. The vote was seven to two after a long debate."
)
GOOD_SUMMARY = (
    "The city council approved a new budget on Tuesday. The budget adds money for schools "
    "and parks."
)
# Not one word of ARTICLE: the lexical faithfulness is 0.00, under any bar.
BAD_SUMMARY = (
    "Zeppelins hovered above distant marshes, dazzling curious pelicans everywhere tonight, "
    "somehow silently."
)


def case(**fields: Any) -> dict[str, Any]:
    """A valid case row, with ``fields`` added or replacing the defaults."""
    row: dict[str, Any] = {"article": ARTICLE, "summary": GOOD_SUMMARY}
    row.update(fields)
    return row


def jsonl(*rows: dict[str, Any]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


@pytest.fixture
def seed_row() -> dict[str, Any]:
    """The CNN/DailyMail row with a ChatGPT summary that issue 2 is built around."""
    row: dict[str, Any] = json.loads(SEED_ROW.read_text(encoding="utf-8"))
    return row


@pytest.fixture
def gate(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester project whose gate uses the lexical stand-in scorers (no model, no torch)."""
    # Hypothesis's terminal summary imports hypothesis anew in every in-process run (pytester
    # drops the modules a run imports): 1.5 s a run, for a plugin these runs never use.
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:hypothesispytest")
    pytester.makeconftest(LEXICAL_CONFTEST)
    pytester.makeini("[pytest]\n")
    return pytester


# A third-party scorer package's module, for the entry-point group pytest_summgate.scorers
# (a shouting summary scores 1; lower is better).
ENTRY_POINT_MODULE = """
from pytest_summgate.metrics import Metric


class Shouting:
    names = ("shouting",)
    needs_model = False
    directions = {"shouting": "<="}

    def score(self, docs, embedder):
        return [{"shouting": Metric(float(d.summary.isupper()))} for d in docs]


def scorers(config):
    return [Shouting()]
"""
