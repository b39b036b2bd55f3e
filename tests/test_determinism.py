"""Issue 7, determinism: the same scores, to 1e-6, run after run and with or without xdist.

Real model, in subprocesses, comparing the ``--summgate-report`` JSON of the runs: the
examples (twice with one pytest cache dir, where a model cache would live, then ``-n 2``)
and a 30-row sample of SummEval dev (``tests/data``, so CI needs no ../shared) with ``-n 0``
and ``-n 2``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

SAMPLE = Path(__file__).parent / "data" / "summeval_dev_sample.jsonl"
Scores = dict[str, dict[str, float | None]]


def gate_scores(cwd: Path, report: Path, *args: str) -> Scores:
    """Run the gate in a subprocess and return each case's scores from its JSON report."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["HF_HUB_OFFLINE"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--summgate", "-q", f"--summgate-report={report}",
         *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), done.stdout
    cases = json.loads(report.read_text())["cases"]
    return {case["nodeid"]: case["scores"] for case in cases}


def assert_same(first: Scores, second: Scores) -> None:
    assert first.keys() == second.keys()
    for nodeid, scores in first.items():
        assert scores.keys() == second[nodeid].keys(), nodeid
        for name, value in scores.items():
            other = second[nodeid][name]
            if value is None or other is None:
                assert value is other, (nodeid, name)
            else:
                assert math.isclose(value, other, rel_tol=0, abs_tol=1e-6), (nodeid, name)


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Scores]:
    tmp = tmp_path_factory.mktemp("examples")
    # pytest's cache (and any model cache kept in it) outside the repository: the second
    # run reads what the first one stored, the -n 2 run starts cold.
    cache = ("-o", f"cache_dir={tmp / 'cache'}")
    return {
        "cold": gate_scores(REPO, tmp / "cold.json", "examples/", *cache),
        "warm": gate_scores(REPO, tmp / "warm.json", "examples/", *cache),
        "n2": gate_scores(REPO, tmp / "n2.json", "examples/", "-n", "2", "-o",
                          f"cache_dir={tmp / 'cache-n2'}"),
    }  # fmt: skip


@pytest.mark.model
def test_the_examples_score_the_same_in_two_runs(examples: dict[str, Scores]) -> None:
    assert len(examples["cold"]) == 4
    assert all(scores for scores in examples["cold"].values())
    assert_same(examples["cold"], examples["warm"])


@pytest.mark.model
def test_the_examples_score_the_same_with_two_workers(examples: dict[str, Scores]) -> None:
    assert_same(examples["cold"], examples["n2"])


@pytest.mark.model
def test_a_summeval_sample_scores_the_same_with_and_without_workers(
    tmp_path: Path,
) -> None:
    shutil.copy(SAMPLE, tmp_path / "summeval.jsonl")
    tmp_path.joinpath("pytest.ini").write_text("[pytest]\n")
    one = gate_scores(tmp_path, tmp_path / "n0.json", "-o", "cache_dir=cache-n0")
    two = gate_scores(tmp_path, tmp_path / "n2.json", "-n", "2", "-o", "cache_dir=cache-n2")
    assert len(one) == 30
    assert all(s["faithfulness"] is not None and s["coverage"] is not None for s in one.values())
    assert_same(one, two)
