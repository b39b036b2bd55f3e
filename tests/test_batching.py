"""Chunked batching: which cases are scored together, in which process, and how often.

A custom scorer (registered by the ``pytest_summgate_scorers`` hook, beside the lexical
stand-ins of the ``gate`` fixture) logs every ``score`` call: the process, then the ids of the
cases it was given. Each case's article ends with its id, so the scorer can tell them apart.
"""

from __future__ import annotations

import collections
import itertools
import json

import pytest

from conftest import BAD_SUMMARY, LEXICAL_CONFTEST, case, jsonl
from pytest_summgate import batching
from pytest_summgate.batching import MAX_CHUNK, MIN_CHUNK, chunk_positions, chunk_size

PROBE_CONFTEST = (
    LEXICAL_CONFTEST
    + """
import os
import re
from pathlib import Path

from pytest_summgate.metrics import Metric

HERE = Path(__file__).parent

class Probe:
    names = ("probe",)
    needs_model = False

    def score(self, docs, embedder):
        ids = [re.search(r"Reference (\\w+)\\.$", d.article).group(1) for d in docs]
        who = os.environ.get("PYTEST_XDIST_WORKER", "main")
        # One log per process: two workers never write to the same file.
        with open(HERE / f"calls-{who}.log", "a", encoding="utf-8") as log:
            log.write(" ".join([who, *ids]) + "\\n")
        return [{"probe": Metric(1.0)} for _ in docs]

def pytest_summgate_scorers(config):
    return [Probe()]
"""
)

Call = tuple[str, list[str]]  # (process, ids of the cases scored in one call)


@pytest.fixture
def probed(gate: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """The gate project with the logging scorer in its conftest.py."""
    # Not an xdist worker, when this suite itself runs under -n: runs with -n 0 log as "main".
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    gate.makeconftest(PROBE_CONFTEST)
    return gate


def ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{number:03d}" for number in range(count)]


def case_file(prefix: str, count: int) -> str:
    """``count`` passing cases with ids ``<prefix>000`` on, each article ending with its id."""
    return jsonl(
        *(case(id=i, article=case()["article"] + f" Reference {i}.") for i in ids(prefix, count))
    )


def calls(gate: pytest.Pytester) -> list[Call]:
    logged = []
    for log in sorted(gate.path.glob("calls-*.log")):
        for line in log.read_text(encoding="utf-8").splitlines():
            who, *scored = line.split()
            logged.append((who, scored))
    return logged


def scored_once(logged: list[Call]) -> collections.Counter[str]:
    return collections.Counter(i for _, scored in logged for i in scored)


# -- chunk sizes and positions ---------------------------------------------------------------


@pytest.mark.parametrize("cases_in_file", [1, 10, 130, 512, 513, 1000, 100_000])
def test_one_process_takes_the_largest_chunk(cases_in_file: int) -> None:
    assert chunk_size(cases_in_file, 1) == MAX_CHUNK
    assert chunk_size(cases_in_file, 0) == MAX_CHUNK


def test_each_worker_gets_at_least_two_chunks_of_a_file() -> None:
    assert chunk_size(1000, 2) == 250
    assert chunk_size(300, 2) == 75
    assert chunk_size(1001, 2) == 251  # rounded up: still four chunks, not five


def test_a_chunk_is_never_smaller_than_min_nor_larger_than_max() -> None:
    for cases_in_file, workers in itertools.product(
        [0, 1, 63, 64, 100, 300, 1000, 4096, 5000, 100_000], [2, 3, 4, 8, 64]
    ):
        size = chunk_size(cases_in_file, workers)
        assert MIN_CHUNK <= size <= MAX_CHUNK, (cases_in_file, workers)


def test_the_bounds_are_reached() -> None:
    assert chunk_size(100, 4) == MIN_CHUNK  # not 13: two chunks for each of four workers
    assert chunk_size(100_000, 2) == MAX_CHUNK


def test_chunk_positions_count_from_zero_in_each_file() -> None:
    a = [f"a.jsonl::a{n}" for n in range(300)]
    b = [f"sub/b.yaml::b{n}" for n in range(70)]
    # Interleaved in the collection: each file's cases still count among their own file's.
    positions = chunk_positions([*a[:100], *b, *a[100:]], 2)
    assert [positions[nodeid] for nodeid in a] == [n // 75 for n in range(300)]
    assert [positions[nodeid] for nodeid in b] == [0] * 64 + [1] * 6  # 70 cases: MIN_CHUNK
    assert chunk_positions(a + b, 1) == {nodeid: 0 for nodeid in a + b}


def test_chunk_positions_are_consecutive_cases() -> None:
    nodeids = [f"cases.jsonl::c{n}" for n in range(1000)]
    positions = [chunk_positions(nodeids, 2)[nodeid] for nodeid in nodeids]
    assert positions == sorted(positions)
    assert collections.Counter(positions) == {0: 250, 1: 250, 2: 250, 3: 250}


# -- one process -----------------------------------------------------------------------------


def test_one_process_scores_each_file_in_one_call(probed: pytest.Pytester) -> None:
    probed.makefile(".jsonl", a=case_file("a", 130), b=case_file("b", 20))
    probed.runpytest("--summgate", "-n", "0").assert_outcomes(passed=150)
    assert calls(probed) == [("main", ids("a", 130)), ("main", ids("b", 20))]


def test_a_file_larger_than_a_chunk_is_scored_chunk_by_chunk(
    probed: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batching, "MAX_CHUNK", 50)  # the run is in this process
    probed.makefile(".jsonl", a=case_file("a", 130))
    probed.runpytest("--summgate").assert_outcomes(passed=130)
    every = ids("a", 130)
    assert calls(probed) == [("main", every[:50]), ("main", every[50:100]), ("main", every[100:])]


def test_a_selection_scores_only_the_selected_cases_once(probed: pytest.Pytester) -> None:
    probed.makefile(".jsonl", a=case_file("a", 130))
    result = probed.runpytest("--summgate", "-n", "0", "-k", "a00 or a12")
    result.assert_outcomes(passed=20, deselected=110)
    selected = ids("a", 10) + ids("a", 130)[120:]
    logged = calls(probed)
    assert sum(len(scored) for _, scored in logged) == 20
    assert scored_once(logged) == dict.fromkeys(selected, 1)
    assert logged == [("main", selected)]  # the selection is one chunk


def test_last_failed_rescores_only_the_failing_cases_together(probed: pytest.Pytester) -> None:
    rows = [json.loads(row) for row in case_file("a", 40).splitlines()]
    for row in rows[5::10]:  # a005, a015, a025, a035 fail faithfulness
        row["summary"] = BAD_SUMMARY
    probed.makefile(".jsonl", a=jsonl(*rows))
    probed.runpytest("--summgate").assert_outcomes(passed=36, failed=4)
    for log in probed.path.glob("calls-*.log"):
        log.unlink()
    result = probed.runpytest("--summgate", "--lf")
    result.assert_outcomes(failed=4)
    assert calls(probed) == [("main", ["a005", "a015", "a025", "a035"])]


def test_cases_with_generated_summaries_are_scored_once_and_together(
    probed: pytest.Pytester,
) -> None:
    # Every other case has no summary: the model repo's hook writes it (lead-2).
    probed.makeconftest(
        PROBE_CONFTEST
        + """
def pytest_summgate_generate(cases, config):
    return [". ".join(case.article.split(". ")[:2]) + "." for case in cases]
"""
    )
    rows = [json.loads(row) for row in case_file("g", 130).splitlines()]
    for row in rows[::2]:
        del row["summary"]
    probed.makefile(".jsonl", g=jsonl(*rows))
    probed.runpytest("--summgate").assert_outcomes(passed=130)
    assert scored_once(calls(probed)) == dict.fromkeys(ids("g", 130), 1)
    # Generated ahead for the chunk (in the hook's batches of 16), so scored in one call.
    assert calls(probed) == [("main", ids("g", 130))]


# -- under pytest-xdist ----------------------------------------------------------------------

XDIST = ("--summgate", "-n", "2", "-p", "no:cacheprovider")


@pytest.mark.slow  # xdist workers: a second a run
@pytest.mark.parametrize(
    ("selection", "first", "size"),
    [
        ((), 0, 75),  # 300 cases, two workers: four chunks of 75
        (("-k", "not c0"), 100, MIN_CHUNK),  # 200 selected: 64, 64, 64 and 8
    ],
)
def test_two_workers_score_each_chunk_once_on_one_worker(
    probed: pytest.Pytester, selection: tuple[str, ...], first: int, size: int
) -> None:
    probed.makefile(".jsonl", cases=case_file("c", 300))
    # (xdist's controller does not count the cases its workers deselected)
    probed.runpytest(*XDIST, *selection).assert_outcomes(passed=300 - first)
    selected = ids("c", 300)[first:]
    logged = calls(probed)
    assert scored_once(logged) == dict.fromkeys(selected, 1)
    # Chunks of consecutive selected cases; each scored whole, in one call, by one worker.
    chunks = [selected[start : start + size] for start in range(0, len(selected), size)]
    assert len(chunks) == 4
    assert sorted(scored for _, scored in logged) == chunks
    assert {who for who, _ in logged} == {"gw0", "gw1"}


@pytest.mark.slow  # xdist workers: a second a run
@pytest.mark.parametrize("dist", ["worksteal", "loadfile"])
def test_other_distributions_score_each_case_once(probed: pytest.Pytester, dist: str) -> None:
    probed.makefile(".jsonl", cases=case_file("c", 300))
    probed.runpytest(*XDIST, "--dist", dist).assert_outcomes(passed=300)
    logged = calls(probed)
    assert scored_once(logged) == dict.fromkeys(ids("c", 300), 1)
    # worksteal scores one case at a time (a stolen case would be scored twice); loadfile
    # keeps the file on one worker, which scores it chunk by chunk.
    for _, scored in logged:
        assert len({int(i[1:]) // 75 for i in scored}) == 1
