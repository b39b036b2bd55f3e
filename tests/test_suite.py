"""suite.py as plain functions: gate parsing, the bootstrap, paired changes, verdicts, text."""

from __future__ import annotations

import random

import pytest

from pytest_summgate import suite, terminal
from pytest_summgate.baseline import DECIMALS, Baseline, StoredCase
from pytest_summgate.errors import SettingError
from pytest_summgate.suite import Change, SuiteCheck
from pytest_summgate.thresholds import HIGHER_IS_BETTER

# -- parsing --------------------------------------------------------------------------------


def test_every_gate_is_named_after_a_higher_is_better_metric() -> None:
    assert set(suite.SUITE_GATES) == {
        "confidence",  # the interval's level, not a gate of its own
        "pass_rate",
        *(f"mean_{m}" for m in HIGHER_IS_BETTER),
        *(f"max_mean_drop_{m}" for m in HIGHER_IS_BETTER),
    }


def test_default_gates_are_the_ones_chosen_on_model_versions() -> None:
    # bench/versions.py: the most worse versions blocked with <= 5% of not-worse ones.
    assert suite.default_gates() == {
        "confidence": 0.80,
        "max_mean_drop_faithfulness": None,
        "max_mean_drop_coverage": 0.03,
        "max_mean_drop_rouge1": 0.005,
        "max_mean_drop_rouge2": None,
        "max_mean_drop_rougeL": 0.0,
    }


def test_parse_gates_reads_numbers_and_off() -> None:
    assert suite.parse_gates(
        {"pass_rate": "0.9", "mean_coverage": " 1 ", "max_mean_drop_rouge1": "OFF"}, "ini"
    ) == {"pass_rate": 0.9, "mean_coverage": 1.0, "max_mean_drop_rouge1": None}


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        (
            "pass_rat",
            "0.9",
            "ini: unknown suite gate 'pass_rat'; known: confidence, pass_rate, mean_",
        ),
        ("mean_length", "0.9", "ini: unknown suite gate 'mean_length'"),
        ("pass_rate", "most", "ini: suite gate pass_rate must be a number, not 'most'"),
        ("pass_rate", "90", "ini: suite gate pass_rate must be between 0 and 1, not '90'"),
        ("pass_rate", "-0.1", "ini: suite gate pass_rate must be between 0 and 1, not '-0.1'"),
        ("pass_rate", "nan", "ini: suite gate pass_rate must be between 0 and 1, not 'nan'"),
    ],
)
def test_parse_gates_rejects_bad_values_quoting_them(name: str, raw: str, message: str) -> None:
    with pytest.raises(SettingError) as excinfo:
        suite.parse_gates({name: raw}, "ini")
    assert str(excinfo.value).startswith(message)


# -- the bootstrap --------------------------------------------------------------------------

DELTAS = [-0.031, -0.012, 0.004, -0.027, 0.013, -0.044, -0.019, -0.008]


def test_bootstrap_is_reproducible_from_its_seed() -> None:
    first = suite.bootstrap_mean(DELTAS, seed=7)
    assert suite.bootstrap_mean(DELTAS, seed=7) == first
    assert suite.bootstrap_mean(list(DELTAS), seed=suite.DEFAULT_SEED) == suite.bootstrap_mean(
        DELTAS, seed=suite.DEFAULT_SEED
    )
    assert suite.bootstrap_mean(DELTAS, seed=8) != first  # the seed is what fixes it


def test_bootstrap_pins_its_interval_for_the_default_seed() -> None:
    # A change of numpy's generator or of the resampling would move every printed interval.
    mean, low, high = suite.bootstrap_mean(DELTAS, seed=suite.DEFAULT_SEED)
    assert (mean, round(low, 6), round(high, 6)) == pytest.approx((-0.0155, -0.02725, -0.002997))


def test_bootstrap_of_identical_deltas_is_that_delta() -> None:
    assert suite.bootstrap_mean([-0.02] * 5, seed=1) == pytest.approx((-0.02, -0.02, -0.02))


def test_bootstrap_of_one_delta() -> None:
    assert suite.bootstrap_mean([0.3], seed=1) == pytest.approx((0.3, 0.3, 0.3))


def test_bootstrap_interval_covers_a_known_mean_about_95_in_100_times() -> None:
    rng = random.Random(2026)
    trials, covered = 200, 0
    for trial in range(trials):
        sample = [rng.gauss(-0.02, 0.05) for _ in range(40)]
        _, low, high = suite.bootstrap_mean(sample, seed=trial, samples=500)
        covered += low <= -0.02 <= high
    # The percentile bootstrap runs a little narrow at n=40; 95% of 200 is 190 (sd about 3).
    assert 176 <= covered <= 199


def test_bootstrap_interval_narrows_with_more_cases() -> None:
    rng = random.Random(5)
    few = [rng.gauss(0, 0.05) for _ in range(10)]
    many = [rng.gauss(0, 0.05) for _ in range(1000)]
    _, low_few, high_few = suite.bootstrap_mean(few, seed=1)
    _, low_many, high_many = suite.bootstrap_mean(many, seed=1)
    assert high_many - low_many < (high_few - low_few) / 3


# -- paired changes -------------------------------------------------------------------------


def stored(**entries: dict[str, float]) -> Baseline:
    return Baseline("m", {f"f::{k}": StoredCase(f"hash-{k}", v) for k, v in entries.items()})


def test_paired_changes_use_only_cases_with_the_same_content_and_metric() -> None:
    old = stored(a={"faithfulness": 0.9, "coverage": 1.0}, b={"faithfulness": 0.8}, c={})
    scores = {
        "f::a": {"faithfulness": 0.8, "coverage": 0.5, "length": 10},
        "f::b": {"faithfulness": 0.7},  # content changed: not paired
        "f::c": {"faithfulness": 0.1},  # nothing stored for faithfulness
        "f::new": {"faithfulness": 0.0},  # not in the baseline
    }
    contents = {"f::a": "hash-a", "f::b": "other", "f::c": "hash-c", "f::new": "x"}
    changes = suite.paired_changes(scores, contents, old, seed=1)
    assert [(c.metric, c.cases) for c in changes] == [("coverage", 1), ("faithfulness", 1)]
    assert changes[1].mean == pytest.approx(-0.1)


def test_paired_changes_do_not_depend_on_the_order_of_cases() -> None:
    old = stored(**{str(i): {"faithfulness": 0.9} for i in range(20)})
    scores = {f"f::{i}": {"faithfulness": 0.9 - i / 200} for i in range(20)}
    contents = {f"f::{i}": f"hash-{i}" for i in range(20)}
    backwards = dict(reversed(list(scores.items())))
    assert suite.paired_changes(scores, contents, old, 3) == suite.paired_changes(
        backwards, contents, old, 3
    )


def test_unchanged_scores_make_no_change_at_the_stored_precision() -> None:
    # The file holds 4 decimals; the run measures more: 2/3 against its stored 0.6667.
    old = stored(**{str(i): {"faithfulness": round(2 / 3, DECIMALS)} for i in range(10)})
    scores = {f"f::{i}": {"faithfulness": 2 / 3} for i in range(10)}
    contents = {f"f::{i}": f"hash-{i}" for i in range(10)}
    (change,) = suite.paired_changes(scores, contents, old, 1)
    assert (change.mean, change.low, change.high) == (0.0, 0.0, 0.0)
    (verdict,) = suite.evaluate({"max_mean_drop_faithfulness": 0.0}, scores, 0, 0, [change])
    assert not verdict.failed


# -- verdicts -------------------------------------------------------------------------------

SCORES = {
    "f::a": {"faithfulness": 0.9, "coverage": 1.0},
    "f::b": {"faithfulness": 0.7},
    "f::c": {"faithfulness": 0.5, "coverage": 0.5},
}


def test_no_gate_set_no_check() -> None:
    assert suite.evaluate({}, SCORES, 1, 0, []) == []


def test_pass_rate_counts_cases_that_could_not_be_checked() -> None:
    (check,) = suite.evaluate({"pass_rate": 0.5}, SCORES, failed=1, errors=1, changes=[])
    assert check == SuiteCheck("pass_rate", "0.50", ">= 0.50", False, "2 of 4 cases passed")
    (check,) = suite.evaluate({"pass_rate": 0.51}, SCORES, failed=1, errors=1, changes=[])
    assert check.failed


def test_pass_rate_of_a_run_with_no_cases_is_not_judged() -> None:
    assert suite.evaluate({"pass_rate": 0.9}, {}, 0, 0, []) == []


def test_mean_gates_average_the_cases_that_have_the_metric() -> None:
    checks = suite.evaluate({"mean_faithfulness": 0.7, "mean_coverage": 0.8}, SCORES, 0, 0, [])
    assert checks == [
        SuiteCheck("mean_coverage", "0.750", ">= 0.80", True, "over 2 cases"),
        SuiteCheck("mean_faithfulness", "0.700", ">= 0.70", False, "over 3 cases"),
    ]


def test_a_mean_gate_on_a_metric_no_case_has_is_not_judged() -> None:
    assert suite.evaluate({"mean_rouge2": 0.5}, SCORES, 0, 0, []) == []


@pytest.mark.parametrize(
    ("high", "failed"),
    [(-0.011, True), (-0.01, False), (0.02, False)],
)
def test_a_drop_fails_only_when_the_whole_interval_is_below_the_allowed_drop(
    high: float, failed: bool
) -> None:
    change = Change("faithfulness", 30, -0.02, -0.03, high)
    (check,) = suite.evaluate({"max_mean_drop_faithfulness": 0.01}, SCORES, 0, 0, [change])
    assert check.failed is failed
    assert check.name == "faithfulness vs baseline"
    assert check.observed == f"-0.020 [80% CI -0.030, {high:+.3f}]"  # the default level
    assert check.rule == "CI not all below -0.010"
    assert check.detail == "paired over 30 cases"


@pytest.mark.parametrize("cases", [1, 2, 4])
def test_too_few_pairs_are_shown_but_not_judged(cases: int) -> None:
    # One case's interval is its own change: judging it would overrule its tolerance.
    change = Change("faithfulness", cases, -0.03, -0.03, -0.03)
    (check,) = suite.evaluate({"max_mean_drop_faithfulness": 0.01}, SCORES, 0, 0, [change])
    assert not check.failed
    assert check.detail == f"paired over {cases} cases; too few to judge, 5 needed"


def test_five_pairs_are_judged() -> None:
    change = Change("faithfulness", 5, -0.03, -0.03, -0.03)
    (check,) = suite.evaluate({"max_mean_drop_faithfulness": 0.01}, SCORES, 0, 0, [change])
    assert check.failed


def test_a_drop_gate_switched_off_is_not_judged() -> None:
    change = Change("coverage", 30, -0.5, -0.6, -0.4)
    assert suite.evaluate({"max_mean_drop_coverage": None}, SCORES, 0, 0, [change]) == []


# -- text -----------------------------------------------------------------------------------


def test_lines_show_every_gate_with_its_figures_and_the_seed() -> None:
    checks = [
        SuiteCheck("pass_rate", "0.67", ">= 0.90", True, "2 of 3 cases passed"),
        SuiteCheck(
            "faithfulness vs baseline",
            "-0.020 [95% CI -0.030, -0.011]",
            "CI not all below -0.010",
            True,
            "paired over 30 cases",
        ),
    ]
    assert terminal.suite_lines(checks, seed=42) == [
        "  gate                       observed                         rule",
        "  pass_rate                  0.67                             >= 0.90"
        "                   FAIL  (2 of 3 cases passed)",
        "  faithfulness vs baseline   -0.020 [95% CI -0.030, -0.011]   CI not all below -0.010"
        "   FAIL  (paired over 30 cases)",
        "  (bootstrap: 2000 resamples, seed 42)",
    ]


def test_lines_without_a_baseline_do_not_mention_the_bootstrap() -> None:
    text = terminal.suite_lines(
        [SuiteCheck("mean_coverage", "0.750", ">= 0.50", False, "over 2")], 1
    )
    assert text[-1] == "  mean_coverage   0.750      >= 0.50   ok  (over 2)"
