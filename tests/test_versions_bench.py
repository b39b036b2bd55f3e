"""bench/versions.py and bench/versions_maths.py: the experts' label of a version pair, the
gate's blocking maths and the rule that picks the defaults, on small synthetic data (no
model)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pytest_summgate import suite
from pytest_summgate.metrics import Document, claims

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import versions  # noqa: E402
import versions_maths as maths  # noqa: E402


@pytest.mark.parametrize(
    ("deltas", "expected"),
    [
        ([-0.5] * 20 + [-0.3] * 20, maths.WORSE),
        ([-0.2] * 30, maths.WORSE),  # exactly the margin counts
        ([0.0] * 40, maths.NOT_WORSE),
        ([1.0, -1.0] * 20, maths.NOT_WORSE),
        ([-1e-12] * 10, maths.NOT_WORSE),  # equal means that differ by rounding only
        ([-0.1] * 40, ""),  # lower, but by less than the margin
        ([-3.0, 2.6] * 20, ""),  # lower by the margin, but the interval reaches 0
    ],
)
def test_expert_label(deltas: list[float], expected: str) -> None:
    assert maths.expert_label(deltas, margin=0.2) == expected


def test_gate_deltas_round_like_the_baseline_and_sort_like_node_ids() -> None:
    baseline = {
        "b": {"faithfulness": 0.50004},
        "a": {"faithfulness": 0.9, "coverage": 0.5},
        "c": {"faithfulness": 0.1},
    }
    candidate = {"a": {"faithfulness": 0.8}, "b": {"faithfulness": 0.50001}, "d": {"x": 1.0}}
    assert maths.gate_deltas(baseline, candidate, "faithfulness") == pytest.approx([-0.1, 0.0])
    assert maths.gate_deltas(baseline, candidate, "faithfulness")[1] == 0.0
    assert maths.gate_deltas(baseline, candidate, "coverage") == []


def test_interval_high_is_the_gates_interval() -> None:
    deltas = list(np.random.default_rng(1).normal(-0.01, 0.05, 40))
    highs = [maths.interval_high(deltas, c) for c in maths.CONFIDENCES]
    for conf, high in zip(maths.CONFIDENCES, highs, strict=True):
        assert high == suite.bootstrap_mean(deltas, suite.DEFAULT_SEED, confidence=conf)[2]
    assert highs == sorted(highs)  # a higher confidence reaches higher
    assert maths.interval_high([-0.5] * (suite.MIN_PAIRED_CASES - 1), 0.95) == float("inf")


def _pair(dataset: str, labels: dict[str, str], **deltas: list[float]) -> Any:
    filled = {m: deltas.get(m, [0.0] * 10) for m in (*maths.GATE_METRICS, *maths.BASELINES)}
    return maths.Pair(dataset, "A", "B", 10, labels, filled, 0)


def test_blocked_needs_the_whole_interval_below_the_drop() -> None:
    worse = {"consistency": maths.WORSE}
    blocks = maths.Blocks([_pair("x", worse, faithfulness=[-0.02] * 10)])
    assert blocks.blocked(0.95, {"faithfulness": 0.01}).tolist() == [True]
    assert blocks.blocked(0.95, {"faithfulness": 0.02}).tolist() == [False]  # not below
    assert blocks.blocked(0.95, {"coverage": 0.0, "faithfulness": None}).tolist() == [False]
    few = maths.Blocks([_pair("x", worse, faithfulness=[-0.5] * 4)])
    assert few.blocked(0.95, {"faithfulness": 0.0}).tolist() == [False]


def test_figures_and_the_selection_rule() -> None:
    worse = {"consistency": maths.WORSE, "relevance": maths.NOT_WORSE}
    good = {"consistency": maths.NOT_WORSE, "relevance": maths.NOT_WORSE}
    pairs = [
        _pair("x", worse, faithfulness=[-0.1] * 10),
        _pair("x", worse, faithfulness=[-0.1] * 10, coverage=[-0.2] * 10),
        _pair("x", good, faithfulness=[-0.015] * 10),  # a small drop experts did not see
        _pair("y", good),
        _pair("y", {"consistency": ""}, faithfulness=[-0.5] * 10),  # ignored
    ]
    blocks = maths.Blocks(pairs)
    f = blocks.figures(blocks.blocked(0.95, {"faithfulness": 0.0}))
    assert (f["consistency"], f["good"], f["good_max"]) == (1.0, 0.5, 1.0)
    assert np.isnan(f["relevance"])  # no relevance-worse pair
    best = maths.search(blocks).best()
    assert best is not None
    # Every worse pair blocked and no good one: faithfulness alone suffices, at the widest
    # drop and the highest confidence that still block -0.1.
    assert best.figures["consistency"] == 1.0
    assert best.figures["good_max"] == 0.0
    assert best.confidence == 0.99
    assert best.drops == {"faithfulness": 0.05, **dict.fromkeys(maths.GATE_METRICS[1:])}


GOOD = {"consistency": maths.NOT_WORSE}
WORSE = {"consistency": maths.WORSE}


def _rule_pairs() -> list[Any]:
    """A small dataset of 10 not-worse pairs (coverage drops on one), a large one of 25 (rouge1
    drops on 3) and another large one of 40; one worse pair that only coverage sees and one
    that only rouge1 sees."""
    drop = [-0.2] * 10
    pairs = [_pair("small", GOOD, coverage=drop)] + [_pair("small", GOOD) for _ in range(9)]
    pairs += [_pair("big", GOOD, rouge1=drop) for _ in range(3)]
    pairs += [_pair("big", GOOD) for _ in range(22)]
    pairs += [_pair("other", GOOD) for _ in range(40)]
    return [*pairs, _pair("small", WORSE, coverage=drop), _pair("big", WORSE, rouge1=drop)]


@pytest.fixture(scope="module")
def rule_blocks() -> Any:
    return maths.Blocks(_rule_pairs())


def test_the_rule_allows_one_of_ten_on_a_small_dataset(rule_blocks: Any) -> None:
    assert rule_blocks.large == ["big", "other"]
    f = rule_blocks.setting(0.95, {"coverage": 0.01}).figures
    assert f["good small"] == pytest.approx(0.1)
    assert f["good"] == pytest.approx(1 / 75)
    assert f["good_large_max"] == 0.0
    assert maths.within(f)
    assert not maths.within(f, "good_max", 0.05)  # the rule of every dataset would refuse it


def test_the_rule_refuses_twelve_percent_on_a_large_dataset(rule_blocks: Any) -> None:
    f = rule_blocks.setting(0.95, {"rouge1": 0.01}).figures
    assert f["good big"] == pytest.approx(0.12)
    assert f["good"] == pytest.approx(3 / 75)
    assert maths.within(f, "good", maths.MAX_GOOD_BLOCKED)  # pooled alone would allow it
    assert not maths.within(f)


def test_the_search_picks_the_allowed_gate_and_agrees_with_blocks(rule_blocks: Any) -> None:
    grid = maths.search(rule_blocks)
    assert len(grid) == len(maths.CONFIDENCES) * ((len(maths.DROPS) + 1) ** 5 - 1)
    best = grid.best()
    assert best is not None
    assert best.metrics == ("coverage",)  # rouge1 would block the other worse pair, but
    assert best.figures["consistency"] == 0.5  # at 12% of the large dataset's good pairs
    assert (best.drops["coverage"], best.confidence) == (0.05, 0.99)  # widest, surest
    # The search's vectorized figures are those of the one setting, computed alone.
    for i in (int(grid.order[0]), int(grid.order[-1]), 12345):
        setting = grid.setting(i)
        alone = rule_blocks.setting(setting.confidence, setting.drops).figures
        assert setting.figures == pytest.approx(alone, nan_ok=True)
    ranked = grid.ranked()
    assert len(ranked) < len(grid)
    assert all(maths.within(grid.setting(i).figures) for i in ranked[:50])


@pytest.mark.parametrize(
    ("blocked", "bound", "at_least", "expected"),
    [
        (1, 0.05, False, "1/10 = 10%: NOT met, 5.0 pts short"),
        (0, 0.05, False, "0/10 = 0%: met, 5.0 pts to spare"),
        (9, 0.85, True, "9/10 = 90%: met, 5.0 pts to spare"),
        (8, 0.85, True, "8/10 = 80%: NOT met, 5.0 pts short"),
    ],
)
def test_target_cell_says_met_and_by_how_much(
    blocked: int, bound: float, at_least: bool, expected: str
) -> None:
    values = np.arange(10) < blocked
    group = np.ones(10, dtype=bool)
    assert versions.target_cell(values, group, bound, at_least) == expected


def test_judged_counts_only_faithfulness_where_relevance_was_not_judged() -> None:
    consistency_only = {"consistency": maths.NOT_WORSE}
    both = {"consistency": maths.NOT_WORSE, "relevance": maths.NOT_WORSE}
    pairs = [
        _pair("frank", consistency_only, coverage=[-0.2] * 10),
        _pair("summeval", both, coverage=[-0.2] * 10),
        _pair("summeval", both),
    ]
    blocks = maths.Blocks(pairs)
    f = blocks.setting(0.95, {"coverage": 0.01}).figures
    assert (f["good frank"], f["good summeval"], f["good_max"]) == (1.0, 0.5, 1.0)
    assert f["good_judged_max"] == 0.5  # the summeval block counts, the frank one does not
    f = blocks.setting(0.95, {"coverage": 0.01, "faithfulness": 0.0}).figures
    assert f["good_judged_max"] == 0.5
    frank_faithfulness = maths.Blocks([_pair("frank", consistency_only, faithfulness=[-0.2] * 10)])
    assert frank_faithfulness.setting(0.95, {"faithfulness": 0.0}).figures["good_judged_max"] == 1.0


def _row(
    system: str, doc: str, consistency: float, faithfulness: float, findings: tuple[str, ...] = ()
) -> Any:
    row = maths.Row(system, doc, Document("a", "s"), {"consistency": consistency})
    row.scores = {"faithfulness": faithfulness}
    row.findings = findings
    return row


NUMBER = ("faithfulness: number 45 is not in the article",)


def test_make_pairs_over_shared_articles() -> None:
    rows = [_row("new", f"d{i}", 3.0, 0.4, NUMBER if i < 3 else ()) for i in range(7)]
    rows += [_row("old", f"d{i}", 5.0, 0.8, NUMBER if i == 0 else ()) for i in range(8)]
    new_old, old_new = sorted(maths.make_pairs("x", rows, 0.2), key=lambda p: p.baseline)
    assert (old_new.baseline, old_new.candidate, old_new.cases) == ("old", "new", 7)
    assert old_new.labels == {"consistency": maths.WORSE}
    assert old_new.deltas["faithfulness"] == pytest.approx([-0.4] * 7)
    # d0 had the same finding before: a known failure; d1 and d2 are new; nothing is fixed.
    assert (old_new.hard, old_new.hard_new, old_new.hard_fixed, old_new.hard_tied) == (3, 2, 0, 0)
    assert new_old.labels == {"consistency": maths.NOT_WORSE}
    assert new_old.good
    # d0: the baseline had it too; d1 and d2 had it in the baseline and not any more: fixed.
    # d7 has no baseline summary (the new system never summarized it): not counted.
    assert (new_old.hard, new_old.hard_new, new_old.hard_fixed, new_old.hard_tied) == (1, 0, 2, 0)


OTHER = ("faithfulness: the name Smith is not in the article",)


@pytest.mark.parametrize(
    ("base", "cand", "gained_lost"),
    [
        ((), (), (False, False)),
        ((), NUMBER, (True, False)),  # new
        (NUMBER, (), (False, True)),  # fixed
        (NUMBER, NUMBER, (False, False)),  # the known failure again
        (NUMBER + OTHER, OTHER, (False, True)),  # one of its findings gone, none gained: fixed
        (NUMBER, OTHER, (True, True)),  # another finding: a tie
        (NUMBER, NUMBER + OTHER, (True, False)),  # new
    ],
)
def test_gained_and_lost_by_finding_sets(
    base: tuple[str, ...], cand: tuple[str, ...], gained_lost: tuple[bool, bool]
) -> None:
    pair = (_row("A", "d", 3.0, 0.5, base), _row("B", "d", 3.0, 0.5, cand))
    assert maths.hard_change(*pair) == gained_lost


def test_make_pairs_counts_new_fixed_and_tied_cases() -> None:
    base = [NUMBER, NUMBER, NUMBER + OTHER, (), (), OTHER]
    cand = [(), OTHER, OTHER, NUMBER, (), OTHER]  # fixed, tied, fixed, new, -, known again
    rows = [_row("A", f"d{i}", 3.0, 0.5, f) for i, f in enumerate(base)]
    rows += [_row("B", f"d{i}", 3.0, 0.5, f) for i, f in enumerate(cand)]
    a_b = next(p for p in maths.make_pairs("x", rows, 0.2) if p.baseline == "A")
    assert (a_b.hard, a_b.hard_new, a_b.hard_fixed, a_b.hard_tied) == (4, 2, 2, 1)


def _hard_pair(
    labels: dict[str, str], new: int, fixed: int, coverage: float = 0.0, tied: int = 0
) -> Any:
    """A pair whose cases gained a finding (``new``, of which ``tied`` also lost one) or
    lost one (``fixed``), and whose coverage changed by ``coverage`` on every case."""
    deltas = {m: [0.0] * 10 for m in (*maths.GATE_METRICS, *maths.BASELINES)}
    deltas["coverage"] = [coverage] * 10
    return maths.Pair("x", "A", "B", 10, labels, deltas, new, new, fixed, tied)


# (new, fixed, coverage change, tied): P(X >= new - tied) for X ~ Binomial(new - tied +
# fixed, 1/2) in the comments.
HARD_PAIRS = [
    (3, 0, 0.0, 0),  # p = 1/8 = 0.125
    (2, 0, 0.0, 0),  # p = 1/4
    (5, 3, 0.0, 0),  # p = 93/256 = 0.36
    (0, 4, 0.0, 0),  # nothing new: p = 1
    (0, 0, -0.2, 0),  # no hard evidence, the coverage mean falls by 0.2
    (7, 1, 0.0, 0),  # p = 9/256 = 0.035
    (1, 1, -0.2, 0),
    (4, 0, 0.0, 2),  # 2 new and 2 ties: p = 1/4 (4 new would be 1/16)
]


def test_the_three_rules_over_hard_evidence() -> None:
    pairs = [_hard_pair(WORSE, *spec) for spec in HARD_PAIRS]
    drops = {"coverage": 0.03, "faithfulness": None}
    blocked = {rule: v.tolist() for rule, v in maths.decisions(pairs, 0.80, drops).items()}
    assert blocked == {
        "none": [False, False, False, False, True, False, True, False],
        "paired": [True, False, False, False, True, True, True, False],  # p < 0.20
        "any": [True, True, True, False, True, True, True, True],
    }
    surer = maths.decisions(pairs, 0.95, drops)["paired"].tolist()  # p < 0.05
    assert surer == [False, False, False, False, True, True, True, False]
    loose = maths.decisions(pairs, 0.95, {"coverage": None})
    assert not loose["none"].any()  # no suite gate: only the rule blocks
    assert loose["paired"].tolist() == [False, False, False, False, False, True, False, False]
    with pytest.raises(ValueError, match="unknown hard-evidence rule"):
        maths.hard_blocks(pairs[0], "strict", 0.8)


def test_the_rules_use_the_gates_shipped_defaults() -> None:
    confidence, drops = maths.gate_defaults()
    assert confidence == suite.DEFAULT_CONFIDENCE
    assert drops == {m: suite.BUILTIN_MAX_MEAN_DROP[m] for m in maths.GATE_METRICS}


def test_print_rules_judges_the_targets_on_dev_only(capsys: pytest.CaptureFixture[str]) -> None:
    # Dev: one worse pair that only the paired test or "any" blocks, one not-worse pair with
    # one new finding that only "any" blocks. Test: the same pairs, reported.
    pairs = [_hard_pair(WORSE, 3, 0), _hard_pair(GOOD, 1, 0)]
    versions.print_rules({"dev": (pairs, True), "test": (pairs, False)})
    lines = {tuple(line.split()[:2]): line for line in capsys.readouterr().out.splitlines() if line}
    assert "0/1 = 0%: NOT met, 85.0 pts short" in lines[("dev", "none")]
    assert "0/1 = 0%: met, 5.0 pts to spare" in lines[("dev", "none")]
    assert "1/1 = 100%: met, 15.0 pts to spare" in lines[("dev", "paired")]
    assert "1/1 = 100%: NOT met, 95.0 pts short" in lines[("dev", "any")]
    assert lines[("test", "paired")].split()[2:] == ["1/1", "=", "100%", "0/1", "=", "0%"]
    assert "met" not in lines[("test", "any")]


def test_copy_rate() -> None:
    article = "The council approved the budget on Tuesday after a long debate."
    bigrams = claims.Source(article).bigrams
    assert versions.copy_rate(bigrams, "The council approved the budget.") == 1.0
    assert versions.copy_rate(bigrams, "Zebras sing loudly tonight.") == 0.0
    assert versions.copy_rate(bigrams, "council budget tonight") == 0.0
    assert versions.copy_rate(bigrams, "Council") == 0.0  # no word pair at all


def test_load_takes_the_reference_system_as_every_rows_highlights(tmp_path: Path) -> None:
    rows = [
        {"doc_id": "1", "system": "Gold", "summary": "ref one.", "faithful": True},
        {"doc_id": "1", "system": "M", "summary": "model one.", "faithful": False},
        {"doc_id": "2", "system": "M", "summary": "other split.", "faithful": True},
    ]
    splits = ["dev", "dev", "test"]
    lines = [
        json.dumps({**r, "article": "text", "human": {}, "split": s})
        for r, s in zip(rows, splits, strict=True)
    ]
    (tmp_path / "x.jsonl").write_text("\n".join(lines) + "\n")
    spec = versions.Spec("x", "x.jsonl", "dev", reference_system="Gold")
    gold, model = versions.load(tmp_path, spec)
    assert (gold.is_reference, model.is_reference) == (True, False)
    assert model.doc.raw_highlights == "ref one."
    assert model.human == {"consistency": 0.0}


def test_human_scores() -> None:
    summeval = {"human": {"consistency": 4.0, "relevance": 3.5, "fluency": 5.0}}
    assert versions.human_scores(summeval) == {"consistency": 4.0, "relevance": 3.5}
    frank = {"human": {"Factuality": 0.5, "RelE": 1.0}, "consistent": False}
    assert versions.human_scores(frank) == {"consistency": 0.5}
    assert versions.human_scores({"human": {}, "faithful": True}) == {"consistency": 1.0}


def test_missing_benchmarks_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert versions.main(["--benchmarks", str(tmp_path / "absent")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "--benchmarks" in err


def test_load_gives_every_version_of_an_article_one_reference(tmp_path: Path) -> None:
    def record(system: str, highlights: str) -> str:
        human = {"Factuality": 1.0}
        row = {"doc_id": "1", "system": system, "article": "text", "summary": "s."}
        return json.dumps({**row, "highlights": highlights, "human": human, "split": "valid"})

    lines = [
        record("cased", "Paul Merson ."),
        record("x", "paul merson ."),
        record("y", "paul merson ."),
    ]
    (tmp_path / "f.jsonl").write_text("\n".join(lines) + "\n")
    rows = versions.load(tmp_path, versions.Spec("f", "f.jsonl", "valid"))
    assert [r.doc.raw_highlights for r in rows] == ["paul merson ."] * 3
