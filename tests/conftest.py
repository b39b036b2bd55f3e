"""Shared fixtures: a pytester project with the gate switched on and no model behind it.

Also the test run's own settings: hypothesis profiles (``dev``, the everyday default, and
``ci``), and the third-party plugins kept out of the runs that tests start.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import settings

# Modules that every gate run imports, imported once here: pytester drops the modules an
# in-process run imports, and importing these anew (nltk under ROUGE; the stand-in scorers and
# xdist's schedulers, which pytest rewrites and compiles again) cost each run 20 to 40 ms.
PRELOADED = (
    "rouge_score.rouge_scorer",
    "xdist.remote",
    "xdist.scheduler",
    "xdist.workermanage",
    "pytest_summgate.metrics.faithfulness",
    "pytest_summgate.scheduling",
    "pytest_summgate.testing",
)
for _name in PRELOADED:
    importlib.import_module(_name)

UNUSED_PLUGINS = "-p no:hypothesispytest -p no:anyio"

# Hypothesis: the everyday loop tries a fifth of the examples that CI tries (hypothesis's own
# "ci" profile, 100 a test, derandomized: GitHub sets CI, .ci/run sets HYPOTHESIS_PROFILE=ci).
# HYPOTHESIS_PROFILE or --hypothesis-profile picks a profile by name. A test that wants more
# than the default asks for a multiple of settings().max_examples.
settings.register_profile("dev", max_examples=20)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if "CI" in os.environ else "dev")
)

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
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester, with the runs it starts kept to pytest, xdist and the gate."""
    # Plugins of this environment that no run of the gate uses, loaded again by every run
    # (pytester drops the modules a run imports) and by every process a run starts, xdist's
    # workers too (they read PYTEST_ADDOPTS): hypothesis's costs 0.4 s a process, anyio's 0.15 s.
    monkeypatch.setenv("PYTEST_ADDOPTS", UNUSED_PLUGINS)
    # A run a test starts is never an xdist worker itself, when this suite runs under -n.
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)
    return pytester


@pytest.fixture
def gate(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester project whose gate uses the lexical stand-in scorers (no model, no torch).

    Runs under xdist (``-n 2``) are in-process runs too: the controller runs in this process
    and only the workers start Python anew: a quarter less than ``runpytest_subprocess``.
    """
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


def install_entry_point_scorer(site: Path) -> None:
    """The scorer package of ENTRY_POINT_MODULE in ``site``, as pip installs one: its module
    and its dist-info (metadata and the entry point)."""
    site.joinpath("shouting_scorer.py").write_text(ENTRY_POINT_MODULE, encoding="utf-8")
    info = site / "shouting_scorer-0.1.dist-info"
    info.mkdir()
    info.joinpath("METADATA").write_text(
        "Metadata-Version: 2.1\nName: shouting-scorer\nVersion: 0.1\n", encoding="utf-8"
    )
    info.joinpath("entry_points.txt").write_text(
        "[pytest_summgate.scorers]\nshouting = shouting_scorer:scorers\n", encoding="utf-8"
    )


def python_steps(function: Callable[[], object]) -> int:
    """How many Python steps (lines, calls, returns) ``function`` runs, with all it calls: the
    operations counted by the tests that bound a cost by the input's size. The same on any
    machine and under any load, unlike a timing. A regular expression's own scan is one step,
    so scans are bounded by their own counts (test_costs, test_claims_quotes)."""
    steps = 0

    def count(frame: FrameType, event: str, arg: Any) -> Any:  # a TraceFunction
        nonlocal steps
        steps += 1
        return count

    previous = sys.gettrace()
    sys.settrace(count)
    try:
        function()
    finally:
        sys.settrace(previous)
    return steps
