"""The disk cache of model outputs: hits and misses, bounds, corruption, concurrency, and the
gate's scores with it cold, warm and off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO
from pytest_summgate.cache import ModelCache

DIM = 8


def vectors(*texts: str) -> dict[str, np.ndarray]:
    return {t: np.full(DIM, float(len(t)), dtype=np.float32) for t in texts}


def test_a_stored_vector_comes_back_and_others_miss(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path / "m.sqlite")
    cache.put("model-a", vectors("one", "three"))
    found = cache.get("model-a", ["one", "two", "three"])
    assert sorted(found) == ["one", "three"]
    assert found["three"].tolist() == [5.0] * DIM
    assert (cache.hits, cache.misses) == (2, 1)


def test_keys_include_the_model(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path / "m.sqlite")
    cache.put("model-a", vectors("one"))
    assert cache.get("model-b", ["one"]) == {}


def test_the_file_stays_under_its_bound(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path / "m.sqlite", max_mb=1)
    big = {f"text {i}": np.zeros(4096, dtype=np.float32) for i in range(200)}  # 16 KB each
    for start in range(0, 200, 20):
        cache.put("m", dict(list(big.items())[start : start + 20]))
    stored = cache.get("m", list(big))
    assert 0 < len(stored) * 4096 * 4 <= 1024 * 1024
    assert "text 199" in stored  # the newest survive, the oldest went first
    assert "text 0" not in stored


def test_an_unusable_place_turns_the_cache_off(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = ModelCache(blocker / "m.sqlite")  # its directory is a file
    assert cache.get("m", ["one"]) == {}
    cache.put("m", vectors("one"))
    assert "turned off" in cache.problem


# A writer process: only the cache and numpy to import (a spawned multiprocessing child
# imports this test module, and with it the conftest: a second more per process).
WRITER = f"""
import sys
from pathlib import Path

import numpy as np

from pytest_summgate.cache import ModelCache

cache = ModelCache(Path(sys.argv[1]))
for round_ in range(20):
    texts = [f"w{{sys.argv[2]}} r{{round_}} t{{i}}" for i in range(10)]
    cache.put("m", {{t: np.full({DIM}, float(len(t)), dtype=np.float32) for t in texts}})
"""


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    ModelCache(path).get("m", ["warm-up"])  # create the file first, as a run would
    workers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(w)]) for w in range(3)
    ]
    assert [worker.wait(600) for worker in workers] == [0, 0, 0]  # a hang guard only
    wanted = [f"w{w} r{r} t{i}" for w in range(3) for r in range(20) for i in range(10)]
    found = ModelCache(path).get("m", wanted)
    assert len(found) == len(wanted)
    assert all(found[t].tolist() == [float(len(t))] * DIM for t in wanted)


def report_scores(path: Path) -> dict[str, dict[str, float]]:
    report = json.loads(path.read_text(encoding="utf-8"))
    return {case["nodeid"]: case["scores"] for case in report["cases"]}


def run_examples(tmp_path: Path, name: str, *args: str) -> dict[str, dict[str, float]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["HF_HUB_OFFLINE"] = "1"
    report = tmp_path / f"{name}.json"
    subprocess.run(
        [sys.executable, "-m", "pytest", "--summgate", "examples/", "-p", "no:cacheprovider",
         f"--summgate-report={report}", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    return report_scores(report)


@pytest.mark.model
def test_scores_are_the_same_with_the_cache_cold_warm_and_off(tmp_path: Path) -> None:
    cache = tmp_path / "models.sqlite"
    cold = run_examples(tmp_path, "cold", f"--summgate-cache={cache}")
    assert cache.exists()
    warm = run_examples(tmp_path, "warm", f"--summgate-cache={cache}")
    off = run_examples(tmp_path, "off", "--summgate-cache=off")
    assert cold.keys() == warm.keys() == off.keys()
    assert len(cold) == 4
    for nodeid, scores in cold.items():
        for metric, value in scores.items():
            assert warm[nodeid][metric] == pytest.approx(value, abs=1e-6), (nodeid, metric)
            assert off[nodeid][metric] == pytest.approx(value, abs=1e-6), (nodeid, metric)
