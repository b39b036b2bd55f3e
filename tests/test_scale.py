"""What keeps large runs fast and small: the terminal reporter's kept reports, heap release."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import BAD_SUMMARY, LEXICAL_CONFTEST, case, jsonl
from pytest_summgate import models

# Writes, at the end of the run, which reports the terminal reporter kept without a category
# (passed setup and teardown): pytest scans that list once per failing test.
KEPT_CONFTEST = (
    LEXICAL_CONFTEST
    + """
import json

def pytest_terminal_summary(terminalreporter):
    kept = [(r.nodeid, r.when) for r in terminalreporter.stats.get("", [])]
    with open("kept.json", "w") as out:
        json.dump(kept, out)


def test_plain():
    pass
"""
)


# Runs with xdist's workers are slow (a second each): the everyday loop has the in-process run.
TWO_WORKERS = pytest.param(["-n", "2"], marks=pytest.mark.slow)


def kept(gate: pytest.Pytester) -> list[list[str]]:
    result: list[list[str]] = json.loads(gate.path.joinpath("kept.json").read_text())
    return result


@pytest.mark.parametrize("workers", [[], TWO_WORKERS], ids=["in-process", "xdist"])
def test_passed_setup_and_teardown_of_cases_are_not_kept(
    gate: pytest.Pytester, workers: list[str]
) -> None:
    gate.makeconftest(KEPT_CONFTEST)
    gate.makefile(".jsonl", cases=jsonl(case(id="good"), case(id="bad", summary=BAD_SUMMARY)))
    args = ["--summgate", "-p", "no:cacheprovider", "conftest.py", "cases.jsonl", *workers]
    result = gate.runpytest(*args, "-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*1 of * checks failed: faithfulness*", "  cases.jsonl:2"])
    # The plain test's phases are kept as pytest keeps them; the cases' are not.
    phases = kept(gate)
    assert all(nodeid.startswith("conftest.py") for nodeid, _ in phases), phases
    assert sorted(when for _, when in phases) == ["setup", "teardown"]


def test_a_case_error_in_setup_is_still_reported(gate: pytest.Pytester) -> None:
    gate.makeconftest(KEPT_CONFTEST)
    gate.makefile(".jsonl", cases=jsonl(case(id="empty", summary=""), case(id="good")))
    result = gate.runpytest("--summgate", "-p", "no:cacheprovider", "cases.jsonl")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*invalid case: 'summary' is empty*"])
    assert kept(gate) == []


def test_release_memory_returns_free_heap_pages() -> None:
    models.release_memory()  # never raises, on any platform
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            glibc = hasattr(ctypes.CDLL(None), "malloc_trim")
        except OSError:
            glibc = False
        assert (models._malloc_trim() is not None) == glibc


CACHE_PROBE = """
import pytest
from pytest_summgate.testing import summgate_run

@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    run = summgate_run(config)
    if run is not None:
        with open("cache-in-use.txt", "w") as out:
            out.write(str(run.engine.cache is not None))
"""


@pytest.mark.parametrize("tracked", [True, False], ids=["committed", "local"])
def test_a_model_cache_tracked_by_git_is_not_used(gate: pytest.Pytester, tracked: bool) -> None:
    # A pull request could commit a cache whose records make its own cases pass.
    gate.makeconftest(CACHE_PROBE)
    gate.makefile(".jsonl", cases=jsonl(case(id="a")))
    cache = gate.path / "cache" / "m.sqlite"
    cache.parent.mkdir()
    cache.write_bytes(b"")
    subprocess.run(["git", "init", "-q"], cwd=gate.path, check=True)
    if tracked:
        subprocess.run(["git", "add", "-f", "cache/m.sqlite"], cwd=gate.path, check=True)
    result = gate.runpytest("--summgate", "--summgate-cache=cache/m.sqlite", "--collect-only")
    in_use = gate.path.joinpath("cache-in-use.txt").read_text()
    assert in_use == str(not tracked)
    warning = "warning: model cache cache/m.sqlite is tracked by git and was not used*"
    if tracked:
        result.stdout.fnmatch_lines([warning])
    else:
        result.stdout.no_fnmatch_line(warning)


KEEP_CACHE = """
import pytest
from pytest_summgate.testing import lexical_engine, summgate_run

@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    run = summgate_run(config)
    if run is not None:
        real = run.engine
        run.engine = lexical_engine(run.settings, real)
        run.engine.cache = real.cache  # ROUGE and length use it
"""


@pytest.mark.parametrize("workers", [[], TWO_WORKERS], ids=["in-process", "xdist"])
def test_a_cache_turned_off_is_said_once_and_the_cases_are_scored(
    gate: pytest.Pytester, workers: list[str]
) -> None:
    gate.makeconftest(KEEP_CACHE)
    gate.makefile(".jsonl", cases=jsonl(*(case(id=f"c{n}") for n in range(4))))
    gate.path.joinpath("blocker").write_text("a file where the cache's folder should be")
    args = ["--summgate", "--summgate-cache=blocker/m.sqlite", "-p", "no:cacheprovider"]
    result = gate.runpytest(*args, *workers)
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["warning: model cache *blocker/m.sqlite turned off: *"])
    assert result.stdout.str().count("turned off") == 1


# Counts each visit of an item in the session's list: pytest's run loop visits every item
# once, the gate's chunk index once more. A scan of every item per chunk (each one-case file
# is a chunk) visits n files' items n times: 5,000 one-case files took 5 times as long as
# 5,000 cases of one file (16.0 s against 3.4 s with the lexical scorers).
COUNTING_CONFTEST = (
    LEXICAL_CONFTEST
    + """
import json


class CountedItems(list):
    visits = 0

    def __iter__(self):
        for item in super().__iter__():
            CountedItems.visits += 1
            yield item


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    session.items = CountedItems(session.items)


def pytest_sessionfinish(session):
    with open("visits.json", "w") as out:
        json.dump(CountedItems.visits, out)
"""
)


def item_visits(gate: pytest.Pytester, cases: int, one_file: bool) -> int:
    for old in gate.path.glob("*.jsonl"):
        old.unlink()
    if one_file:
        gate.makefile(".jsonl", cases=jsonl(*(case(id=f"c{n}") for n in range(cases))))
    else:
        gate.makefile(".jsonl", **{f"f{n:04d}": jsonl(case(id="c")) for n in range(cases)})
    result = gate.runpytest("--summgate", "-p", "no:cacheprovider", "--summgate-cache=off")
    result.assert_outcomes(passed=cases)
    visits: int = json.loads(gate.path.joinpath("visits.json").read_text())
    return visits


@pytest.mark.parametrize("one_file", [False, True], ids=["one-case-files", "one-file"])
def test_batching_costs_the_same_per_case_at_any_number_of_files(
    gate: pytest.Pytester, one_file: bool
) -> None:
    gate.makeconftest(COUNTING_CONFTEST)
    small, large = item_visits(gate, 120, one_file), item_visits(gate, 240, one_file)
    # A constant number of visits per case (2 when measured), the same at twice the cases.
    assert small <= 4 * 120, small
    assert large <= 4 * 240, large
    assert large <= 2.1 * small, (small, large)
