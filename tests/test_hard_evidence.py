"""The hard-evidence test: new against fixed decisive findings, as a one-sided sign test."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from pytest_summgate.decision import HardEvidenceTest, hard_evidence_test

# -- the sign test's maths ------------------------------------------------------------------


def tail(new: int, fixed: int) -> Fraction:
    """P(X >= new) for X ~ Binomial(new + fixed, 1/2), summed term by term."""
    trials = new + fixed
    return Fraction(sum(math.comb(trials, k) for k in range(new, trials + 1)), 2**trials)


@pytest.mark.parametrize(
    ("new", "fixed", "p_value"),
    [
        (1, 0, Fraction(1, 2)),
        (3, 0, Fraction(1, 8)),
        (5, 0, Fraction(1, 32)),
        (3, 1, Fraction(5, 16)),  # (4 + 1) / 16
        (10, 2, Fraction(79, 4096)),  # (66 + 12 + 1) / 4096
        (1, 1, Fraction(3, 4)),
        (2, 5, Fraction(120, 128)),  # 1 - (1 + 7) / 128
    ],
)
def test_the_p_value_is_the_binomial_upper_tail(new: int, fixed: int, p_value: Fraction) -> None:
    test = hard_evidence_test(new, fixed, 0.95)
    assert test.p_value == float(p_value)
    assert (test.new, test.fixed, test.confidence) == (new, fixed, 0.95)


def test_the_tail_agrees_with_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    for new, fixed in [(4, 9), (17, 3), (40, 40), (120, 80)]:
        expected = stats.binomtest(new, new + fixed, 0.5, alternative="greater").pvalue
        assert hard_evidence_test(new, fixed, 0.8).p_value == pytest.approx(expected, rel=1e-9)


def test_no_new_finding_or_no_case_at_all_is_p_1_and_never_blocks() -> None:
    assert hard_evidence_test(0, 0, 0.8) == HardEvidenceTest(0, 0, 0.8, 1.0)
    assert hard_evidence_test(0, 12, 0.8).p_value == 1.0
    assert not hard_evidence_test(0, 0, 0.99).blocks
    assert not hard_evidence_test(0, 12, 0.5).blocks


def test_it_blocks_below_one_minus_the_confidence_and_not_at_it() -> None:
    # 3 new, none fixed: p = 0.125, below 0.2 (confidence 0.80), above 0.05 (0.95).
    assert hard_evidence_test(3, 0, 0.80).blocks
    assert not hard_evidence_test(3, 0, 0.95).blocks
    # 5 new, none fixed: p = 1/32 = 0.03125 < 0.05.
    assert hard_evidence_test(5, 0, 0.95).blocks
    # p exactly at the level does not block: 1 new, 0 fixed is p = 0.5 at confidence 0.5.
    assert not hard_evidence_test(1, 0, 0.5).blocks
    # As many fixed as new never blocks at a level a suite may set (at least 0.5).
    assert not any(hard_evidence_test(n, n, 0.5).blocks for n in range(1, 60))


def test_more_fixed_cases_never_make_it_block() -> None:
    previous = 0.0
    for fixed in range(30):
        p_value = hard_evidence_test(6, fixed, 0.9).p_value
        assert p_value >= previous
        previous = p_value
    assert [hard_evidence_test(6, f, 0.9).blocks for f in range(4)] == [True, True, False, False]


def test_a_large_suite_is_exact_and_stays_a_probability() -> None:
    assert hard_evidence_test(600, 400, 0.8).p_value == float(tail(600, 400))
    assert hard_evidence_test(400, 600, 0.8).p_value == float(tail(400, 600))
    # 2**3000 overflows a float; the integer division does not.
    assert 0.0 <= hard_evidence_test(3000, 0, 0.8).p_value < 1e-300
    assert hard_evidence_test(1500, 1500, 0.8).p_value == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize(
    ("new", "fixed", "confidence", "message"),
    [
        (-1, 0, 0.8, "must not be negative, not -1 new and 0 fixed"),
        (0, -2, 0.8, "must not be negative, not 0 new and -2 fixed"),
        (1, 1, 1.0, "confidence must lie between 0 and 1, not 1.0"),
        (1, 1, 0.0, "confidence must lie between 0 and 1, not 0.0"),
        (1, 1, math.nan, "confidence must lie between 0 and 1, not nan"),
    ],
)
def test_impossible_counts_or_levels_are_refused(
    new: int, fixed: int, confidence: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        hard_evidence_test(new, fixed, confidence)
