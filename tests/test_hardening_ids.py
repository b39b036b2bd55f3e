"""Issue 14, class 3: a node id belongs to one case, so no record, verdict or error is lost
or shared, with or without xdist, in any of its distribution modes.

Records, verdicts and errors are keyed by node id (``path::id``). Ids that read the same
once normalised (trimmed text, ``::`` as ``:``, no leading ``:``) are duplicates within a
file: the later case is an error under a name of its own (``line-N``). Across files, no id
can complete another file's name into the same node id, whatever ``::`` the names hold.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import BAD_SUMMARY, GOOD_SUMMARY, case
from test_plugin import assert_no_traceback

# Pairs of ids, each of which reads as the same node id: (first, second).
COLLIDING = [
    ("1", 1),
    ("a b", " a b "),
    ("x::y", "x:y"),
    ("p:::q", "p:q"),
    (":z", "z"),
    ("nbsp", "nbsp\u00a0"),  # trimmed like any whitespace
    ("caf\u00e9", "cafe\u0301"),  # é, and e with a combining accent: one id (NFC)
    ("same", "same"),
    (7, "7"),
]
# (-n 2 and its mode) or none: the same outcome in every way of running. Runs with xdist's
# workers are slow (a second each): the everyday loop has the run without them.
DIST = [
    pytest.param((), id="no-xdist"),
    pytest.param(("-n", "2"), id="load", marks=pytest.mark.slow),
    pytest.param(("-n", "2", "--dist", "loadfile"), id="loadfile", marks=pytest.mark.slow),
    pytest.param(("-n", "2", "--dist", "worksteal"), id="worksteal", marks=pytest.mark.slow),
]


# A bar the bad summary misses and the good one clears, whatever the built-in defaults.
BAR = {"faithfulness": 0.9}


def row(case_id: Any, summary: str = GOOD_SUMMARY) -> str:
    return json.dumps(case(id=case_id, summary=summary, thresholds=BAR)) + "\n"


def run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, Any]]:
    result = pytester.runpytest(
        "--summgate", "-p", "no:cacheprovider", "--summgate-report=r.json", "-rA", *args
    )
    report = json.loads(pytester.path.joinpath("r.json").read_text(encoding="utf-8"))
    return result, report


@pytest.mark.parametrize("dist", DIST)
def test_ids_that_read_the_same_are_each_a_case_of_their_own(
    gate: pytest.Pytester, dist: tuple[str, ...]
) -> None:
    # Each second of a pair fails if it were scored (a bad summary): it must be an error,
    # never a pass taken from the first, and never lost.
    lines = "".join(row(first) + row(second, BAD_SUMMARY) for first, second in COLLIDING)
    lines += row("line-4") + row(None) + row("end")  # an explicit line-N id, and none
    gate.path.joinpath("c.jsonl").write_text(lines, encoding="utf-8")
    result, report = run(gate, *dist)
    assert_no_traceback(result)
    rows = 2 * len(COLLIDING) + 3
    nodeids = [record["nodeid"] for record in report["cases"]]
    assert len(nodeids) == len(set(nodeids)) == rows
    errors = {record["line"]: record for record in report["cases"] if record["outcome"] == "error"}
    assert sorted(errors) == [2 * n + 2 for n in range(len(COLLIDING))]
    for number in range(len(COLLIDING)):
        error = errors[2 * number + 2]
        # line-4 is a case's id: the duplicate on line 4 takes the next free name.
        name = "line-4-2" if number == 1 else f"line-{2 * number + 2}"
        assert error["nodeid"] == f"c.jsonl::{name}"
        assert f"(first used at c.jsonl:{2 * number + 1})" in error["message"]
    passed = [record for record in report["cases"] if record["outcome"] == "passed"]
    assert len(passed) == len(COLLIDING) + 3
    # The case without an id is named after its line.
    assert {r["nodeid"] for r in passed} >= {"c.jsonl::line-4", f"c.jsonl::line-{rows - 1}"}
    result.assert_outcomes(passed=len(COLLIDING) + 3, errors=len(COLLIDING))
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_the_duplicate_says_which_written_id_it_repeats(gate: pytest.Pytester) -> None:
    gate.path.joinpath("c.jsonl").write_text(row("x::y") + row(" x:y") + row("1") + row(1))
    result = gate.runpytest("--summgate", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        [
            "invalid case: duplicate id 'x:y' (first used at c.jsonl:1); ids must be unique "
            "within a file: ' x:y' is the id 'x:y' (an id is text, trimmed, in composed "
            "Unicode (NFC), with '::' as ':' and no leading ':')",
            "  c.jsonl:2",
            "invalid case: duplicate id '1' (first used at c.jsonl:3); ids must be unique "
            "within a file: 1 is the id '1'*",
        ]
    )


def test_a_yaml_flow_list_of_cases_on_one_line_gets_a_name_each(gate: pytest.Pytester) -> None:
    one = json.dumps(case(summary=GOOD_SUMMARY))
    gate.path.joinpath("c.yaml").write_text(f"[{one}, {one}, {one}]\n")
    result = gate.runpytest("--summgate", "--collect-only", "-q")
    collected = [line for line in result.stdout.lines if line.startswith("c.yaml::")]
    assert collected == ["c.yaml::line-1", "c.yaml::line-1-2", "c.yaml::line-1-3"]


# (file, id) pairs whose node ids were one before ids were normalised to hold no "::" and
# start with no ":": the first case is bad and would have passed with the second's result.
CROSS_FILE = [
    (("a.jsonl", "b.jsonl:::c"), ("a.jsonl::b.jsonl", "c")),
    (("a.jsonl", "b.jsonl::c"), ("a.jsonl::b.jsonl", "c")),
    (("a.jsonl", ":b.jsonl::c"), ("a.jsonl:::b.jsonl", "c")),
    (("x.jsonl", "::y.jsonl::z"), ("x.jsonl::::y.jsonl", "z")),
    (("d/a.yaml", "b.yaml::c"), ("d/a.yaml::b.yaml", "c")),
]


@pytest.mark.parametrize("dist", DIST)
def test_a_case_never_shares_another_files_node_id(
    gate: pytest.Pytester, dist: tuple[str, ...]
) -> None:
    # Each pair in a directory of its own, all in one run.
    for number, pair in enumerate(CROSS_FILE):
        for (name, case_id), summary in zip(pair, (BAD_SUMMARY, GOOD_SUMMARY), strict=True):
            path = gate.path / f"p{number}" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if name.endswith(".jsonl"):
                path.write_text(row(case_id, summary), encoding="utf-8")
            else:
                path.write_text(json.dumps([case(id=case_id, summary=summary, thresholds=BAR)]))
    result, report = run(gate, *dist)
    assert_no_traceback(result)
    assert len(report["cases"]) == 2 * len(CROSS_FILE)
    assert len({r["nodeid"] for r in report["cases"]}) == 2 * len(CROSS_FILE)
    outcomes = {r["path"]: r["outcome"] for r in report["cases"]}
    for number, (bad, good) in enumerate(CROSS_FILE):
        assert outcomes[f"p{number}/{bad[0]}"] == "failed"
        assert outcomes[f"p{number}/{good[0]}"] == "passed"
    result.assert_outcomes(passed=len(CROSS_FILE), failed=len(CROSS_FILE))


# -- --summgate-prune-baseline with "::" in a file name --------------------------------------


@pytest.mark.parametrize("name", ["a.jsonl::b.jsonl", "x::y.jsonl", "p:::q.jsonl", "d::e/f.jsonl"])
def test_pruning_keeps_the_cases_of_a_file_whose_name_holds_colons(
    gate: pytest.Pytester, name: str
) -> None:
    odd = gate.path / name
    odd.parent.mkdir(exist_ok=True)
    odd.write_text(row("kept") + row("removed"), encoding="utf-8")
    gate.path.joinpath("other.jsonl").write_text(row("o"), encoding="utf-8")
    update = ("--summgate", "-p", "no:cacheprovider", "--summgate-update-baseline")
    gate.runpytest(*update).assert_outcomes(passed=3)
    stored = gate.path / ".summgate" / "baseline.json"
    assert len(json.loads(stored.read_text())["cases"]) == 3
    # The odd file loses one case; a pruning run of the other file alone keeps the one left.
    odd.write_text(row("kept"), encoding="utf-8")
    result = gate.runpytest(*update, "--summgate-prune-baseline", "other.jsonl")
    result.assert_outcomes(passed=1)
    entries = set(json.loads(stored.read_text())["cases"])
    assert entries == {f"{name}::kept", "other.jsonl::o"}


def test_predictions_keyed_by_node_id_find_a_file_whose_name_holds_colons(
    gate: pytest.Pytester,
) -> None:
    for name in ("a.jsonl", "a.jsonl::b.jsonl"):
        gate.path.joinpath(name).write_text(
            json.dumps({"id": "c", "article": case()["article"], "thresholds": BAR})
        )
    predictions = [
        {"id": "a.jsonl::c", "summary": BAD_SUMMARY},
        {"id": "a.jsonl::b.jsonl::c", "summary": GOOD_SUMMARY},
    ]
    Path(gate.path / "p.ndjson").write_text("".join(json.dumps(p) + "\n" for p in predictions))
    _, report = run(gate, "--summgate-predictions=p.ndjson")
    assert {r["nodeid"]: r["outcome"] for r in report["cases"]} == {
        "a.jsonl::c": "failed",
        "a.jsonl::b.jsonl::c": "passed",
    }
    assert report["unmatched_predictions"] == []
