"""The learned faithfulness model on its own (no embedding model): the shipped weights load
and validate, a bad weights file is a clear error, and the probability is a deterministic
number in [0, 1] that moves the obvious way with each feature."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from pytest_summgate import thresholds
from pytest_summgate.metrics import claims
from pytest_summgate.metrics.faithfulness import (
    FEATURES,
    WEIGHTS_FILE,
    SentenceCheck,
    Weights,
    default_weights,
    probability,
)

# Features that can only lower the probability when they grow, and those that only raise it.
WORSE = (
    "novel_words",
    "novel_bigrams",
    "novel_content_pairs",
    "unseen_numbers",
    "unseen_names",
    "unsupported_quotes",
    "negation_flip",
    "swapped_names",
)
BETTER = ("support", "passage_precision")


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    return data


def features(rng: random.Random) -> list[float]:
    """A plausible feature vector: shares in [0, 1], capped counts, a log length."""
    caps = {"unseen_numbers": 2, "unseen_names": 2, "unsupported_quotes": 1}
    out = []
    for name in FEATURES:
        if name in caps:
            out.append(float(rng.randint(0, caps[name])))
        elif name in ("negation_flip", "swapped_names"):
            out.append(float(rng.random() < 0.2))
        elif name == "length":
            out.append(rng.uniform(0.0, 4.0))
        else:
            out.append(rng.random())
    return out


def test_shipped_weights_load_with_every_feature() -> None:
    weights = default_weights()
    assert weights.names == FEATURES
    assert len(weights.coefficients) == len(FEATURES)
    assert 0.0 < weights.threshold < 1.0
    assert shipped()["features"] == list(FEATURES)


def test_the_gate_default_is_the_learned_threshold() -> None:
    assert thresholds.BUILTIN_THRESHOLDS["faithfulness"] == default_weights().threshold


def test_shipped_signs_are_the_constrained_ones() -> None:
    weights = default_weights()
    coefficient = dict(zip(weights.names, weights.coefficients, strict=True))
    assert all(coefficient[name] <= 0.0 for name in WORSE)
    assert all(coefficient[name] >= 0.0 for name in BETTER)
    # An invented number, name or quote costs at least 2 in log-odds (learn_faithfulness).
    assert coefficient["unseen_numbers"] <= -2.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot use the faithfulness weights"),
        ("[1, 2]", "must be an object with 'coefficients'"),
        ('{"coefficients": {"support": 1.0}, "intercept": 0, "threshold": 0.5}', "lack features"),
    ],
)
def test_a_corrupt_weights_file_is_a_clear_error(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "weights.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as raised:
        Weights.read(path)
    assert str(path) in str(raised.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"intercept": "high"}, "'intercept' must be a finite number"),
        ({"threshold": 1.5}, "between 0 and 1"),
        ({"threshold": None}, "'threshold' must be a finite number"),
    ],
)
def test_a_bad_value_is_named(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Weights.from_json({**shipped(), **change})


def test_a_non_finite_coefficient_is_refused(tmp_path: Path) -> None:
    data = shipped()
    data["coefficients"]["support"] = float("nan")
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(data), encoding="utf-8")  # json writes NaN
    with pytest.raises(ValueError, match="'support' must be a finite number"):
        Weights.read(path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot use the faithfulness weights"):
        Weights.read(tmp_path / "absent.json")


def test_probability_is_in_the_unit_interval_even_at_extremes() -> None:
    weights = default_weights()
    rng = random.Random(7)
    for _ in range(500):
        assert 0.0 <= weights.probability(features(rng)) <= 1.0
    for extreme in (1e9, -1e9):
        assert 0.0 <= weights.probability([extreme] * len(FEATURES)) <= 1.0


@pytest.mark.parametrize("name", WORSE)
def test_more_of_a_failed_check_never_raises_it(name: str) -> None:
    weights = default_weights()
    i = FEATURES.index(name)
    rng = random.Random(name)
    for _ in range(200):
        row = features(rng)
        more = [*row]
        more[i] += 1.0
        assert weights.probability(more) <= weights.probability(row)


@pytest.mark.parametrize("name", BETTER)
def test_more_support_never_lowers_it(name: str) -> None:
    weights = default_weights()
    i = FEATURES.index(name)
    rng = random.Random(name)
    for _ in range(200):
        row = features(rng)
        more = [*row]
        more[i] += 0.5
        assert weights.probability(more) >= weights.probability(row)


def test_an_unseen_number_lowers_a_supported_sentence() -> None:
    weights = default_weights()
    row = [0.0] * len(FEATURES)
    row[FEATURES.index("support")] = 0.9
    row[FEATURES.index("passage_precision")] = 1.0
    row[FEATURES.index("length")] = 2.0
    with_number = [*row]
    with_number[FEATURES.index("unseen_numbers")] = 1.0
    assert weights.probability(with_number) < weights.probability(row) - 0.2


def test_probability_is_deterministic() -> None:
    rows = [features(random.Random(seed)) for seed in range(50)]
    first = [default_weights().probability(r) for r in rows]
    again = [Weights.read(WEIGHTS_FILE).probability(r) for r in rows]
    assert first == again


def test_a_decisive_finding_scores_zero_whatever_the_features() -> None:
    weights = default_weights()
    best = [1.0 if name in BETTER else 0.0 for name in FEATURES]
    supported = SentenceCheck("A sentence.", tuple(best), "A passage.", ())
    decisive = claims.finding("number", "number 45 is not in the article")
    assert decisive.decisive
    assert probability(weights, supported) == weights.probability(best) > 0.5
    assert probability(weights, SentenceCheck("A sentence.", tuple(best), "", (decisive,))) == 0.0
    reported = claims.finding("off_topic", "no article passage is close to it")
    not_decisive = SentenceCheck("A sentence.", tuple(best), "", (reported,))
    assert probability(weights, not_decisive) == weights.probability(best)
