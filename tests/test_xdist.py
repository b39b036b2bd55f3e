"""Under pytest-xdist (``-n 2``): outcomes, the summary on the controller, junit properties."""

from __future__ import annotations

import pytest

from conftest import BAD_SUMMARY, case, jsonl

pytestmark = pytest.mark.slow  # xdist workers: a second a run


@pytest.fixture
def spread(gate: pytest.Pytester) -> pytest.Pytester:
    """Two files with six cases, two of them failing and one invalid."""
    gate.makefile(".jsonl", a=jsonl(case(id="a1"), case(id="a2", summary=BAD_SUMMARY),
                                    case(id="a3")))  # fmt: skip
    gate.makefile(".jsonl", b=jsonl(case(id="b1"), case(id="b2", summary=BAD_SUMMARY),
                                    case(id="b3", summary="")))  # fmt: skip
    return gate


def test_outcomes_and_summary_under_two_workers(spread: pytest.Pytester) -> None:
    result = spread.runpytest("--summgate", "-n", "2", "-p", "no:cacheprovider",
                              "--junitxml=out.xml")  # fmt: skip
    result.assert_outcomes(passed=3, failed=2, errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines_random(
        [
            "6 cases: 3 passed, 2 failed, 1 could not be checked",
            "  faithfulness * 2",
            "  a.jsonl::a2: faithfulness",
            "  b.jsonl::b2: faithfulness",
            "  b.jsonl::b3: invalid case: 'summary' is empty",
            "*1 of 4 checks failed: faithfulness 0.00 < 0.10*",
            "  b.jsonl:3",
        ]
    )
    xml = spread.path.joinpath("out.xml").read_text()
    assert xml.count('<property name="faithfulness" value="') == 5
    assert xml.count('<property name="length" value="') == 5


def test_every_case_runs_once_under_two_workers(spread: pytest.Pytester) -> None:
    result = spread.runpytest("--summgate", "-n", "2", "-v", "-p", "no:cacheprovider")
    ids = [
        line.split()[-1] for line in result.stdout.lines if line.startswith("[gw") and "::" in line
    ]
    assert sorted(ids) == sorted(
        ["a.jsonl::a1", "a.jsonl::a2", "a.jsonl::a3", "b.jsonl::b1", "b.jsonl::b2", "b.jsonl::b3"]
    )
