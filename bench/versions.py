"""Calibrate the suite gate's paired decision on model versions that experts judged.

    HF_HUB_OFFLINE=1 python bench/versions.py [--benchmarks DIR] [--cache DIR] [--e2e N]

Every ordered pair of systems of a human-labelled dev set (baseline A, candidate B, over the
articles both summarized) is a model version change. Experts call B worse when its mean
score is lower than A's by at least a margin and the paired bootstrap interval of the
per-article difference lies below 0, and not worse when its mean is not lower. The gate
blocks the pair when the interval of a metric's paired mean change lies wholly below
``-max_mean_drop``. For each metric and setting this prints the share of worse and not-worse
pairs blocked, picks the defaults on dev by the rule of bench/versions_maths.py (the maths
lives there), reports them on SummEval test, and runs the real gate on a few pairs
(``--e2e``, bench/versions_e2e.py) to check that it decides as computed here. Last, the
gate's decision at its shipped suite defaults with each rule over hard evidence (none,
paired, any), against the targets on SummEval dev and reported on test.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from quality import table
from scipy.stats import kendalltau
from versions_e2e import e2e
from versions_maths import (
    BASELINES,
    CONFIDENCES,
    DROPS,
    GATE_METRICS,
    LARGE_DATASET,
    MAIN_DEFAULT,
    MAX_GOOD_BLOCKED,
    MAX_GOOD_BLOCKED_LARGE,
    NOT_WORSE,
    TARGETS,
    WORSE,
    Blocks,
    Grid,
    Pair,
    Row,
    Setting,
    decisions,
    gate_defaults,
    make_pairs,
    search,
    share,
)

from pytest_summgate.metrics import Document

BENCHMARKS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
CACHE = Path("/tmp/summgate-bench-cache")
REFERENCE_METRICS = ("coverage", "rouge1", "rouge2", "rougeL")
RULE = (
    f"the setting that blocks the most consistency-worse dev pairs, then relevance-worse,"
    f" among those that block at most {MAX_GOOD_BLOCKED:.0%} of the not-worse dev pairs"
    f" pooled and at most {MAX_GOOD_BLOCKED_LARGE:.0%} on any dataset with at least"
    f" {LARGE_DATASET} not-worse pairs"
)


@dataclass(frozen=True)
class Spec:
    """One labelled set of systems. ``margin`` is how much lower the candidate's expert mean
    must be to call it worse: 0.2 on SummEval's 1-5 scale, 0.05 (the same 5% of the range)
    on 0-1 scores and shares."""

    name: str
    filename: str
    split: str | None
    source: str | None = None  # FRANK's "cnndm" or "xsum"
    margin: float = 0.05
    reference_system: str | None = None  # a "system" that is the reference itself


DEV = (
    Spec("summeval", "summeval_dev.jsonl", None, margin=0.2),
    Spec("frank-cnndm", "frank.jsonl", "valid", "cnndm"),
    Spec("frank-xsum", "frank.jsonl", "valid", "xsum"),
    Spec("xsumfaith", "xsumfaith.jsonl", "dev", reference_system="Gold"),
)
TEST = Spec("summeval-test", "summeval_test.jsonl", None, margin=0.2)


def human_scores(record: Mapping[str, Any]) -> dict[str, float]:
    """SummEval's expert means (1-5); FRANK's factuality (share of sentences without an
    error, 0-1: finer than its all-or-nothing ``consistent``); XSumFaith's binary label."""
    human = record["human"]
    if "consistency" in human:
        return {"consistency": human["consistency"], "relevance": human["relevance"]}
    if "Factuality" in human:
        return {"consistency": float(human["Factuality"])}
    return {"consistency": float(record["faithful"])}


def load(benchmarks: Path, spec: Spec) -> list[Row]:
    records = []
    with (benchmarks / spec.filename).open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if spec.split is not None and record.get("split") != spec.split:
                continue
            if spec.source is not None and record.get("source") != spec.source:
                continue
            records.append(record)
    # A case keeps one article and one reference whichever version summarizes it (the gate
    # compares only cases whose article and highlights are unchanged). FRANK gives one
    # system's rows cased highlights and the others' lowercased: take the most common.
    # XSumFaith's one-sentence reference is its Gold "system".
    texts: dict[str, Counter[Any]] = {}
    for r in records:
        reference = r["summary"] if r["system"] == spec.reference_system else r.get("highlights")
        if reference:
            texts.setdefault(r["doc_id"], Counter())[reference] += 1
    references = {doc: counts.most_common(1)[0][0] for doc, counts in texts.items()}
    return [
        Row(
            r["system"],
            r["doc_id"],
            Document(r["article"], r["summary"], references.get(r["doc_id"])),
            human_scores(r),
            is_reference=r["system"] == spec.reference_system,
        )
        for r in records
    ]


def copy_rate(article_bigrams: set[tuple[str, str]], summary: str) -> float:
    """1 - the novel-bigram rate: the share of the summary's word pairs the article has."""
    from pytest_summgate.metrics import claims

    pairs = list(itertools.pairwise(claims.tokens(summary)))
    return sum(p in article_bigrams for p in pairs) / len(pairs) if pairs else 0.0


def score_rows(rows: Sequence[Row], embedder: Any, cache: Any) -> None:
    """The gate's metrics through the real scoring API, and the two lexical baselines."""
    from pytest_summgate import baseline
    from pytest_summgate.metrics import claims, coverage, default_scorers, score_documents

    results = score_documents([r.doc for r in rows], default_scorers(), embedder, cache)
    sources: dict[str, set[tuple[str, str]]] = {}
    for row, metrics in zip(rows, results, strict=True):
        row.scores = {
            m: float(metric.value)
            for m in GATE_METRICS
            if (metric := metrics.get(m)) is not None
            and metric.value is not None
            # The reference scored against itself covers everything: no information.
            and not (row.is_reference and m in REFERENCE_METRICS)
        }
        row.findings = baseline.findings_of({m: metric.decisive for m, metric in metrics.items()})
        article = row.doc.article
        if article not in sources:
            sources[article] = claims.Source(article).bigrams
        row.scores["copy-rate"] = copy_rate(sources[article], row.doc.summary)
        rouge = coverage._rouge().score(article, row.doc.summary)
        row.scores["rouge2-precision"] = float(rouge["rouge2"].precision)


# Bounds on the not-worse pairs blocked: the rule the defaults are chosen by, then others, to
# show what each would buy or cost.
BOUNDS = (
    ("the rule", "rule", 0.0),
    (f"<= {MAX_GOOD_BLOCKED:.0%} on every dataset", "good_max", MAX_GOOD_BLOCKED),
    ("<= 10% on every dataset", "good_max", 0.10),
    (f"<= {MAX_GOOD_BLOCKED:.0%} pooled only", "good", MAX_GOOD_BLOCKED),
    (f"<= {MAX_GOOD_BLOCKED:.0%} on summeval", "good summeval", MAX_GOOD_BLOCKED),
    (f"<= {MAX_GOOD_BLOCKED:.0%} judged, every set", "good_judged_max", MAX_GOOD_BLOCKED),
)


def pct(value: float) -> str:
    return "-" if np.isnan(value) else f"{100 * value:.0f}"


def count(blocked: np.ndarray, group: np.ndarray) -> str:
    n = int(group.sum())
    return f"{int(blocked[group].sum())}/{n} ({pct(share(blocked[group]))}%)" if n else "-"


def describe(setting: Setting) -> str:
    gated = ", ".join(f"{m} {setting.drops[m]:g}" for m in setting.metrics)
    return f"confidence {setting.confidence:.2f}; max_mean_drop: {gated}; the others off"


def print_pairs(title: str, pairs: Sequence[Pair], systems: Mapping[str, int]) -> None:
    print(f"\n{title}: ordered system pairs and expert labels (worse / not worse / ignored)")
    lines = []
    for name, n in systems.items():
        mine = [p for p in pairs if p.dataset == name]
        cases = [p.cases for p in mine]
        cells = [name, str(n), str(len(mine)), f"{min(cases)}-{max(cases)}"]
        for dim in ("consistency", "relevance"):
            labels = [p.labels[dim] for p in mine if dim in p.labels]
            cells.append(
                "/".join(str(labels.count(x)) for x in (WORSE, NOT_WORSE, "")) if labels else "-"
            )
        cells.append(str(sum(p.good for p in mine)))
        lines.append(cells)
    print(
        table(["dataset", "systems", "pairs", "cases", "consistency", "relevance", "good"], lines)
    )


def print_grid(blocks: Blocks) -> None:
    print(
        "\nShare of pairs blocked (%), dev, one metric gating alone: consistency-worse /"
        " relevance-worse / not-worse pooled / not-worse on the large dataset where highest"
        f" ({', '.join(blocks.large) or 'none'})"
    )
    lines = []
    for metric in (*GATE_METRICS, *BASELINES):
        for conf in CONFIDENCES:
            cells = [metric, f"{conf:.2f}"]
            for drop in DROPS:
                f = blocks.figures(blocks.blocked(conf, {metric: drop}))
                shares = ("consistency", "relevance", "good", "good_large_max")
                cells.append("/".join(pct(f[k]) for k in shares))
            lines.append(cells)
    print(table(["metric", "conf", *(f"drop {d:g}" for d in DROPS)], lines))


def system_tau(rows: Sequence[Row], metric: str, dim: str) -> float:
    """Kendall tau between the systems' mean metric and their mean expert score, over the
    systems that have the metric (XSumFaith's reference has no coverage of itself)."""
    ours: dict[str, list[float]] = {}
    theirs: dict[str, list[float]] = {}
    for row in rows:
        if metric in row.scores:
            ours.setdefault(row.system, []).append(row.scores[metric])
            theirs.setdefault(row.system, []).append(row.human[dim])
    systems = sorted(ours)
    x = [np.mean(ours[s]) for s in systems]
    return float(kendalltau(x, [np.mean(theirs[s]) for s in systems]).statistic)


def print_taus(rows_by: Mapping[str, Sequence[Row]]) -> None:
    print("\nSystem-level Kendall tau: the metric's system means vs the experts' (all articles)")
    columns = [(n, d) for n, rows in rows_by.items() for d in rows[0].human]
    lines = [
        [m, *(f"{system_tau(rows_by[n], m, d):+.2f}" for n, d in columns)]
        for m in (*GATE_METRICS, *BASELINES)
    ]
    header = [f"{n} {d[:4]}." for n, d in columns]
    print(table(["metric", *header], lines))


def setting_cells(setting: Setting, blocks: Blocks) -> list[str]:
    """Metrics, confidence, drops, % of worse and not-worse pairs blocked, and the count of
    not-worse pairs blocked on each dataset (a share of 6 or 10 pairs hides how few)."""
    f = setting.figures
    drops = " ".join(f"{setting.drops[m]:g}" for m in setting.metrics)
    cells = ["+".join(setting.metrics), f"{setting.confidence:.2f}", drops]
    cells += [pct(f["consistency"]), pct(f["relevance"]), pct(f["good"])]
    for name in blocks.datasets:
        n = int((blocks.good & blocks.of[name]).sum())
        cells.append(f"{round(np.nan_to_num(f[f'good {name}']) * n)}/{n}")
    return cells


def print_choices(grid: Grid, blocks: Blocks, shown: int = 12) -> None:
    """The best setting of each set of gating metrics under the rule, then the best setting
    under each bound on not-worse pairs: what another bound would buy."""
    gating = (~np.isnan(grid.drops)) @ (1 << np.arange(len(GATE_METRICS)))
    best: dict[int, int] = {}
    for i in grid.ranked():
        best.setdefault(int(gating[i]), i)
    print(
        f"\nCombinations (blocked when any gating metric blocks), dev: the best of {len(grid):,}"
        f" settings for each set of gating metrics within the rule ({len(best)} of"
        f" {2 ** len(GATE_METRICS) - 1} sets can; the best {min(shown, len(best))} shown);"
        " % blocked, and not-worse pairs blocked per dataset"
    )
    header = ["metrics", "conf", "drops", "cons-worse %", "rel-worse %", "not-worse %"]
    header += blocks.datasets
    lines = [setting_cells(grid.setting(i), blocks) for i in list(best.values())[:shown]]
    today = setting_cells(blocks.setting(*MAIN_DEFAULT), blocks)
    lines.append(["main today (all five)", *today[1:]])
    print(table(header, lines))
    print("\nThe best setting under each bound on the not-worse pairs blocked (dev)")
    lines = []
    for label, figure, bound in BOUNDS:
        chosen = grid.best(figure, bound)
        if chosen is not None:
            lines.append([label, *setting_cells(chosen, blocks)])
    print(table(["bound", *header], lines))


def print_setting(title: str, blocks: Blocks, setting: Setting) -> np.ndarray:
    """Per dataset: the pairs' case counts and what ``setting`` blocks of each group."""
    blocked = blocks.blocked(setting.confidence, setting.drops)
    print(f"\n{title}: {describe(setting)}")
    lines = []
    for name in [*blocks.datasets, "all"]:
        of = blocks.of.get(name, np.ones(len(blocks.pairs), dtype=bool))
        cases = [p.cases for p, here in zip(blocks.pairs, of, strict=True) if here]
        lines.append(
            [
                name,
                f"{min(cases)}-{max(cases)}",
                count(blocked, blocks.worse["consistency"] & of),
                count(blocked, blocks.worse["relevance"] & of),
                count(blocked, blocks.good & of),
            ]
        )
    header = ["dataset", "cases", "consistency-worse blocked", "relevance-worse blocked"]
    print(table([*header, "not-worse blocked"], lines))
    return blocked


def target_cell(blocked: np.ndarray, group: np.ndarray, bound: float, at_least: bool) -> str:
    """``k/n = s%: met|NOT met, d pts to spare|short`` for one target."""
    n = int(group.sum())
    if not n:
        return "-"
    value = share(blocked[group])
    spare = 100 * (value - bound if at_least else bound - value)
    verdict = "met" if spare >= -1e-7 else "NOT met"
    by = f"{abs(spare):.1f} pts {'to spare' if spare >= -1e-7 else 'short'}"
    return f"{int(blocked[group].sum())}/{n} = {pct(value)}%: {verdict}, {by}"


def target_cells(blocks: Blocks, blocked: np.ndarray) -> list[str]:
    """The three targets (pooled over the datasets) and the rule's per-dataset bound."""
    cells = [target_cell(blocked, blocks.good, MAX_GOOD_BLOCKED, at_least=False)]
    for dim in ("consistency", "relevance"):
        cells.append(target_cell(blocked, blocks.worse[dim], TARGETS[dim], at_least=True))
    if blocks.large:
        # The large dataset where the share blocked is highest decides the bound.
        worst = max(blocks.large, key=lambda d: share(blocked[blocks.good & blocks.of[d]]))
        group = blocks.good & blocks.of[worst]
        cells.append(f"{target_cell(blocked, group, MAX_GOOD_BLOCKED_LARGE, False)} ({worst})")
    else:
        cells.append("-")
    return cells


def print_targets(columns: Mapping[str, tuple[Blocks, np.ndarray]]) -> None:
    rows = [
        f"not-worse blocked <= {MAX_GOOD_BLOCKED:.0%}",
        f"consistency-worse blocked >= {TARGETS['consistency']:.0%}",
        f"relevance-worse blocked >= {TARGETS['relevance']:.0%}",
        f"(rule) <= {MAX_GOOD_BLOCKED_LARGE:.0%} on a set with >= {LARGE_DATASET} not-worse",
    ]
    cells = [target_cells(blocks, blocked) for blocks, blocked in columns.values()]
    lines = [[row, *(c[i] for c in cells)] for i, row in enumerate(rows)]
    print(table(["target (pooled over datasets)", *columns], lines))


def print_hard(
    pairs_by: Mapping[str, Sequence[Pair]], rows_by: Mapping[str, Sequence[Row]]
) -> None:
    print(
        "\nHard evidence (decisive evidence of a metric: the real gate fails that case):"
        " candidate cases with it per pair (mean) and pairs with at least one; 'new': cases"
        " with a decisive finding the baseline summary's did not include (a known failure"
        " excuses only the findings it recorded); 'fixed': cases that lost a finding of the"
        " baseline summary and gained none; 'tied': gained one and lost one"
    )
    lines = []
    for name, pairs in pairs_by.items():
        rows = rows_by[name]
        case_share = f"{100 * sum(r.hard for r in rows) / len(rows):.1f}%"
        for group, mine in (
            ("consistency-worse", [p for p in pairs if p.labels["consistency"] == WORSE]),
            ("not-worse", [p for p in pairs if p.good]),
        ):
            cells = [name, case_share, group, str(len(mine))]
            for counts in (
                [p.hard for p in mine],
                [p.hard_new for p in mine],
                [p.hard_fixed for p in mine],
                [p.hard_tied for p in mine],
            ):
                cells.append(f"{np.mean(counts):.2f}" if counts else "-")
                cells.append(pct(share(np.array([c > 0 for c in counts]))) + "%")
            lines.append(cells)
    header = ["dataset", "cases with it", "pairs", "n", "mean", "pairs >= 1"]
    header += ["new: mean", "pairs >= 1", "fixed: mean", "pairs >= 1", "tied: mean", "pairs >= 1"]
    print(table(header, lines))


def rule_cell(blocked: np.ndarray, group: np.ndarray, bound: float | None, at_least: bool) -> str:
    """``k/n = s%``, judged against ``bound`` (``target_cell``) unless None: report only."""
    if bound is not None:
        return target_cell(blocked, group, bound, at_least)
    n = int(group.sum())
    return f"{int(blocked[group].sum())}/{n} = {pct(share(blocked[group]))}%" if n else "-"


def print_rules(splits: Mapping[str, tuple[Sequence[Pair], bool]]) -> None:
    """For each split (its pairs, and whether the targets are judged on it) and each rule
    over hard evidence, the consistency-worse and not-worse pairs that the gate blocks at
    its shipped defaults: a suite gate or the rule."""
    confidence, drops = gate_defaults()
    gated = ", ".join(f"{m} {d:g}" for m, d in drops.items() if d is not None)
    print(
        f"\nThe gate's decision with each rule over hard evidence: blocked when a suite gate"
        f" blocks (confidence {confidence:.2f}; max_mean_drop: {gated}) or the rule does."
        " none: suite gates only; paired: the cases with new decisive findings (and none"
        " fixed) outnumber the fixed ones (and none new), one-sided exact sign test,"
        f" p < {1 - confidence:.2f}; any: any case with a new finding. Targets judged on dev"
        " only, test is reported"
    )
    lines = []
    for name, (pairs, judged) in splits.items():
        worse = np.array([p.labels.get("consistency") == WORSE for p in pairs], dtype=bool)
        good = np.array([p.good for p in pairs], dtype=bool)
        for rule, blocked in decisions(pairs, confidence, drops).items():
            cells = [name, rule]
            cells.append(
                rule_cell(blocked, worse, TARGETS["consistency"] if judged else None, True)
            )
            cells.append(rule_cell(blocked, good, MAX_GOOD_BLOCKED if judged else None, False))
            lines.append(cells)
    header = ["split", "rule", f"consistency-worse blocked (>= {TARGETS['consistency']:.0%})"]
    print(table([*header, f"not-worse blocked (<= {MAX_GOOD_BLOCKED:.0%})"], lines))


def score_all(
    benchmarks: Path, cache_dir: Path
) -> tuple[dict[str, list[Row]], dict[str, list[Pair]]]:
    from pytest_summgate.cache import ModelCache
    from pytest_summgate.models import get_embedder

    cache = ModelCache(cache_dir / "models.sqlite", max_mb=4096)
    embedder = get_embedder()
    embedder.cache = cache  # sentence vectors from the bench's disk cache: reruns skip the model
    rows_by: dict[str, list[Row]] = {}
    pairs_by: dict[str, list[Pair]] = {}
    for spec in (*DEV, TEST):
        rows = rows_by[spec.name] = load(benchmarks, spec)
        for start in range(0, len(rows), 512):  # the gate's chunk size: bounded memory
            score_rows(rows[start : start + 512], embedder, cache)
        pairs_by[spec.name] = make_pairs(spec.name, rows, spec.margin)
    return rows_by, pairs_by


def report(rows_by: Mapping[str, Sequence[Row]], pairs_by: Mapping[str, Sequence[Pair]]) -> Setting:
    """Every dev table, the chosen defaults, and their figures on SummEval test."""
    dev_pairs = [p for s in DEV for p in pairs_by[s.name]]
    print_pairs("Dev", dev_pairs, {s.name: len({r.system for r in rows_by[s.name]}) for s in DEV})
    blocks = Blocks(dev_pairs)
    print_grid(blocks)
    print_taus(rows_by)
    grid = search(blocks)
    print_choices(grid, blocks)
    chosen = grid.best()
    if chosen is None:
        raise SystemExit("versions: no setting keeps within the rule")
    print(f"\nThe rule: {RULE}.")
    dev_blocked = print_setting("Chosen defaults on DEV", blocks, chosen)
    today = blocks.setting(*MAIN_DEFAULT)
    print_setting("Main today on DEV", blocks, today)
    print_hard(pairs_by, rows_by)
    test = Blocks(pairs_by[TEST.name])
    print("\n=== SummEval TEST: 42 other articles, the same 16 systems; report only ===")
    print_pairs(
        "Test", pairs_by[TEST.name], {TEST.name: len({r.system for r in rows_by[TEST.name]})}
    )
    test_blocked = print_setting("Chosen defaults on TEST", test, chosen)
    print_setting("Main today on TEST", test, today)
    print(f"\nThe chosen defaults against the targets ({describe(chosen)})")
    print_targets({"dev (chosen on it)": (blocks, dev_blocked), "test": (test, test_blocked)})
    print_rules(
        {
            "summeval dev": (pairs_by[DEV[0].name], True),
            "summeval test": (pairs_by[TEST.name], False),
            **{f"{s.name} dev (report)": (pairs_by[s.name], False) for s in DEV[1:]},
        }
    )
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--benchmarks", type=Path, default=BENCHMARKS)
    parser.add_argument("--cache", type=Path, default=CACHE, help="bench cache directory")
    parser.add_argument(
        "--e2e", type=int, default=6, metavar="N", help="pairs run through the real gate (0: none)"
    )
    args = parser.parse_args(argv)
    needed = sorted({s.filename for s in (*DEV, TEST)})
    missing = [f for f in needed if not (args.benchmarks / f).is_file()]
    if missing:
        print(
            f"versions: the labelled data is not at {args.benchmarks} (no {', '.join(missing)});"
            " point --benchmarks at shared/benchmarks",
            file=sys.stderr,
        )
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    started = time.perf_counter()
    rows_by, pairs_by = score_all(args.benchmarks, args.cache)
    scored = time.perf_counter() - started
    chosen = report(rows_by, pairs_by)
    print(f"\nscoring {scored:.0f} s; tables {time.perf_counter() - started - scored:.0f} s")
    if args.e2e > 0:
        dev_pairs = [p for s in DEV for p in pairs_by[s.name]]
        e2e(dev_pairs, rows_by, args.e2e, chosen, args.cache)
    print(f"total run time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
