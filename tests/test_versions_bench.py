"""bench/versions.py: the experts' label of a version pair and the gate's blocking maths, on
small synthetic data (no model)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pytest_summgate import suite
from pytest_summgate.metrics import Document, claims

BENCH = Path(__file__).resolve().parent.parent / "bench" / "versions.py"


def _load() -> Any:
    spec = importlib.util.spec_from_file_location("bench_versions", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their own module up
    spec.loader.exec_module(module)
    return module


versions = _load()


@pytest.mark.parametrize(
    ("deltas", "expected"),
    [
        ([-0.5] * 20 + [-0.3] * 20, versions.WORSE),
        ([-0.2] * 30, versions.WORSE),  # exactly the margin counts
        ([0.0] * 40, versions.NOT_WORSE),
        ([1.0, -1.0] * 20, versions.NOT_WORSE),
        ([-1e-12] * 10, versions.NOT_WORSE),  # equal means that differ by rounding only
        ([-0.1] * 40, ""),  # lower, but by less than the margin
        ([-3.0, 2.6] * 20, ""),  # lower by the margin, but the interval reaches 0
    ],
)
def test_expert_label(deltas: list[float], expected: str) -> None:
    assert versions.expert_label(deltas, margin=0.2) == expected


def test_gate_deltas_round_like_the_baseline_and_sort_like_node_ids() -> None:
    baseline = {
        "b": {"faithfulness": 0.50004},
        "a": {"faithfulness": 0.9, "coverage": 0.5},
        "c": {"faithfulness": 0.1},
    }
    candidate = {"a": {"faithfulness": 0.8}, "b": {"faithfulness": 0.50001}, "d": {"x": 1.0}}
    assert versions.gate_deltas(baseline, candidate, "faithfulness") == pytest.approx([-0.1, 0.0])
    assert versions.gate_deltas(baseline, candidate, "faithfulness")[1] == 0.0
    assert versions.gate_deltas(baseline, candidate, "coverage") == []


def test_interval_high_is_the_gates_interval() -> None:
    deltas = list(np.random.default_rng(1).normal(-0.01, 0.05, 40))
    highs = [versions.interval_high(deltas, c) for c in versions.CONFIDENCES]
    for conf, high in zip(versions.CONFIDENCES, highs, strict=True):
        assert high == suite.bootstrap_mean(deltas, suite.DEFAULT_SEED, confidence=conf)[2]
    assert highs == sorted(highs)  # a higher confidence reaches higher
    assert versions.interval_high([-0.5] * (suite.MIN_PAIRED_CASES - 1), 0.95) == float("inf")


def _pair(dataset: str, labels: dict[str, str], **deltas: list[float]) -> Any:
    filled = {m: deltas.get(m, [0.0] * 10) for m in (*versions.GATE_METRICS, *versions.BASELINES)}
    return versions.Pair(dataset, "A", "B", 10, labels, filled, 0)


def test_blocked_needs_the_whole_interval_below_the_drop() -> None:
    worse = {"consistency": versions.WORSE}
    blocks = versions.Blocks([_pair("x", worse, faithfulness=[-0.02] * 10)])
    assert blocks.blocked(0.95, {"faithfulness": 0.01}).tolist() == [True]
    assert blocks.blocked(0.95, {"faithfulness": 0.02}).tolist() == [False]  # not below
    assert blocks.blocked(0.95, {"coverage": 0.0, "faithfulness": None}).tolist() == [False]
    few = versions.Blocks([_pair("x", worse, faithfulness=[-0.5] * 4)])
    assert few.blocked(0.95, {"faithfulness": 0.0}).tolist() == [False]


def test_figures_and_the_selection_rule() -> None:
    worse = {"consistency": versions.WORSE, "relevance": versions.NOT_WORSE}
    good = {"consistency": versions.NOT_WORSE, "relevance": versions.NOT_WORSE}
    pairs = [
        _pair("x", worse, faithfulness=[-0.1] * 10),
        _pair("x", worse, faithfulness=[-0.1] * 10, coverage=[-0.2] * 10),
        _pair("x", good, faithfulness=[-0.015] * 10),  # a small drop experts did not see
        _pair("y", good),
        _pair("y", {"consistency": ""}, faithfulness=[-0.5] * 10),  # ignored
    ]
    blocks = versions.Blocks(pairs)
    f = blocks.figures(blocks.blocked(0.95, {"faithfulness": 0.0}))
    assert (f["consistency"], f["good"], f["good_max"]) == (1.0, 0.5, 1.0)
    assert np.isnan(f["relevance"])  # no relevance-worse pair
    best = next(s for s in versions.search(blocks) if versions.within(s))
    # Every worse pair blocked and no good one: faithfulness alone suffices, at the widest
    # drop and the highest confidence that still block -0.1.
    assert best.figures["consistency"] == 1.0
    assert best.figures["good_max"] == 0.0
    assert best.confidence == 0.99
    assert best.drops == {"faithfulness": 0.05, **dict.fromkeys(versions.GATE_METRICS[1:])}


def test_judged_counts_only_faithfulness_where_relevance_was_not_judged() -> None:
    consistency_only = {"consistency": versions.NOT_WORSE}
    both = {"consistency": versions.NOT_WORSE, "relevance": versions.NOT_WORSE}
    pairs = [
        _pair("frank", consistency_only, coverage=[-0.2] * 10),
        _pair("summeval", both, coverage=[-0.2] * 10),
        _pair("summeval", both),
    ]
    blocks = versions.Blocks(pairs)
    f = blocks.setting(0.95, {"coverage": 0.01}).figures
    assert (f["good frank"], f["good summeval"], f["good_max"]) == (1.0, 0.5, 1.0)
    assert f["good_judged_max"] == 0.5  # the summeval block counts, the frank one does not
    f = blocks.setting(0.95, {"coverage": 0.01, "faithfulness": 0.0}).figures
    assert f["good_judged_max"] == 0.5
    frank_faithfulness = versions.Blocks(
        [_pair("frank", consistency_only, faithfulness=[-0.2] * 10)]
    )
    assert frank_faithfulness.setting(0.95, {"faithfulness": 0.0}).figures["good_judged_max"] == 1.0


def _row(system: str, doc: str, consistency: float, faithfulness: float, hard: bool) -> Any:
    row = versions.Row(system, doc, Document("a", "s"), {"consistency": consistency})
    row.scores = {"faithfulness": faithfulness}
    row.hard = hard
    return row


def test_make_pairs_over_shared_articles() -> None:
    rows = [_row("new", f"d{i}", 3.0, 0.4, hard=i < 3) for i in range(7)]
    rows += [_row("old", f"d{i}", 5.0, 0.8, hard=i == 0) for i in range(8)]
    new_old, old_new = sorted(versions.make_pairs("x", rows, 0.2), key=lambda p: p.baseline)
    assert (old_new.baseline, old_new.candidate, old_new.cases) == ("old", "new", 7)
    assert old_new.labels == {"consistency": versions.WORSE}
    assert old_new.deltas["faithfulness"] == pytest.approx([-0.4] * 7)
    assert (old_new.hard, old_new.hard_new) == (3, 2)  # d0 had hard evidence before
    assert new_old.labels == {"consistency": versions.NOT_WORSE}
    assert new_old.good
    assert (new_old.hard, new_old.hard_new) == (1, 0)  # d0: the baseline had it too


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
