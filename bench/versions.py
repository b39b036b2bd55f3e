"""Calibrate the suite gate's paired decision on model versions that experts judged.

    HF_HUB_OFFLINE=1 python bench/versions.py [--benchmarks DIR] [--cache DIR] [--e2e N]

Every ordered pair of systems of a human-labelled dev set (baseline A, candidate B, over the
articles both summarized) is a model version change. Experts call B worse when its mean
score is lower than A's by at least a margin and the paired bootstrap interval of the
per-article difference lies below 0, and not worse when its mean is not lower. The gate
blocks the pair when the interval of a metric's paired mean change lies wholly below
``-max_mean_drop`` (``suite.bootstrap_mean``, as ``suite.paired_changes`` does). For each
metric and setting this prints the share of worse and not-worse pairs blocked, picks the
defaults on dev, reports them on SummEval test, and runs the real gate on a few pairs
(``--e2e``) to check that it decides as computed here.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import kendalltau

from pytest_summgate import suite
from pytest_summgate.baseline import DECIMALS
from pytest_summgate.metrics import Document

BENCHMARKS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
CACHE = Path("/tmp/summgate-bench-cache")
GATE_METRICS = ("faithfulness", "coverage", "rouge1", "rouge2", "rougeL")
BASELINES = ("copy-rate", "rouge2-precision")
REFERENCE_METRICS = ("coverage", "rouge1", "rouge2", "rougeL")
DROPS = (0.0, 0.005, 0.01, 0.02, 0.03, 0.05)
CONFIDENCES = (0.90, 0.95, 0.99)
MAX_GOOD_BLOCKED = 0.05  # the share of not-worse versions the gate may block, on every dataset
TARGETS = {"consistency": 0.85, "relevance": 0.60}
MAIN_DEFAULT = (0.95, {m: suite.DEFAULT_MAX_MEAN_DROP for m in GATE_METRICS})
SEED = suite.DEFAULT_SEED
WORSE, NOT_WORSE = "worse", "not worse"


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


@dataclass
class Row:
    """One system's summary of one article, its expert scores and, once scored, its metrics."""

    system: str
    doc_id: str
    doc: Document
    human: dict[str, float]
    is_reference: bool = False
    scores: dict[str, float] = field(default_factory=dict)
    hard: bool = False  # a metric named decisive evidence: the real gate fails this case


@dataclass
class Pair:
    """A version change from ``baseline`` to ``candidate`` over the articles both have."""

    dataset: str
    baseline: str
    candidate: str
    cases: int
    labels: dict[str, str]  # dimension -> WORSE, NOT_WORSE or "" (in between: ignored)
    deltas: dict[str, list[float]]  # metric -> paired changes, in the gate's case order
    hard: int  # candidate cases with decisive evidence
    hard_new: int = 0  # of those, cases whose baseline summary had none

    @property
    def good(self) -> bool:
        """Not worse on every dimension the experts judged."""
        return all(label == NOT_WORSE for label in self.labels.values())


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
        row.hard = any(getattr(metric, "decisive", ()) for metric in metrics.values())
        article = row.doc.article
        if article not in sources:
            sources[article] = claims.Source(article).bigrams
        row.scores["copy-rate"] = copy_rate(sources[article], row.doc.summary)
        rouge = coverage._rouge().score(article, row.doc.summary)
        row.scores["rouge2-precision"] = float(rouge["rouge2"].precision)


def expert_label(deltas: Sequence[float], margin: float) -> str:
    """WORSE when the mean per-article difference (candidate - baseline) is at most -margin
    and its 95% paired bootstrap interval lies below 0; NOT_WORSE when the mean is not below
    0; "" in between."""
    mean, _, high = suite.bootstrap_mean(deltas, SEED)
    if mean > -1e-9:  # expert scores are means of three: equal means differ by rounding only
        return NOT_WORSE
    if mean <= -margin + 1e-9 and high < 0:
        return WORSE
    return ""


def gate_deltas(
    baseline: Mapping[str, Mapping[str, float]],
    candidate: Mapping[str, Mapping[str, float]],
    metric: str,
) -> list[float]:
    """Per shared case (sorted by id, as the gate sorts node ids) the change of ``metric`` at
    the precision the baseline stores, where both cases have it."""
    return [
        round(candidate[case][metric], DECIMALS) - round(baseline[case][metric], DECIMALS)
        for case in sorted(baseline.keys() & candidate.keys())
        if metric in baseline[case] and metric in candidate[case]
    ]


def interval_high(deltas: Sequence[float], confidence: float) -> float:
    """The upper end of the gate's interval; +inf when too few cases to judge."""
    if len(deltas) < suite.MIN_PAIRED_CASES:
        return float("inf")
    return suite.bootstrap_mean(deltas, SEED, confidence=confidence)[2]


def make_pairs(dataset: str, rows: Sequence[Row], margin: float) -> list[Pair]:
    by_system: dict[str, dict[str, Row]] = {}
    for row in rows:
        by_system.setdefault(row.system, {})[row.doc_id] = row
    pairs = []
    for a, b in itertools.permutations(sorted(by_system), 2):
        shared = sorted(by_system[a].keys() & by_system[b].keys())
        base, cand = by_system[a], by_system[b]
        labels = {
            dim: expert_label([cand[d].human[dim] - base[d].human[dim] for d in shared], margin)
            for dim in base[shared[0]].human
        }
        a_scores = {d: base[d].scores for d in shared}
        b_scores = {d: cand[d].scores for d in shared}
        deltas = {m: gate_deltas(a_scores, b_scores, m) for m in (*GATE_METRICS, *BASELINES)}
        hard = sum(cand[d].hard for d in shared)
        new = sum(cand[d].hard and not base[d].hard for d in shared)
        pairs.append(Pair(dataset, a, b, len(shared), labels, deltas, hard, new))
    return pairs


class Blocks:
    """Which pairs each (metric, max_mean_drop, confidence) blocks, and the shares that
    a setting blocks of each expert group."""

    def __init__(self, pairs: Sequence[Pair]) -> None:
        self.pairs = pairs
        metrics = (*GATE_METRICS, *BASELINES)
        self.high = {
            (m, c): np.array([interval_high(p.deltas[m], c) for p in pairs])
            for m in metrics
            for c in CONFIDENCES
        }
        self.worse = {
            dim: np.array([p.labels.get(dim) == WORSE for p in pairs])
            for dim in ("consistency", "relevance")
        }
        self.good = np.array([p.good for p in pairs])
        self.relevance_judged = np.array(["relevance" in p.labels for p in pairs])
        self.datasets = sorted({p.dataset for p in pairs})
        self.of = {d: np.array([p.dataset == d for p in pairs]) for d in self.datasets}

    def blocked(self, confidence: float, drops: Mapping[str, float | None]) -> np.ndarray:
        """Blocked when any metric with a drop set blocks (the gate judges each metric)."""
        out = np.zeros(len(self.pairs), dtype=bool)
        for metric, drop in drops.items():
            if drop is not None:
                out |= self.high[(metric, confidence)] < -drop
        return out

    def setting(self, confidence: float, drops: Mapping[str, float | None]) -> Setting:
        """``drops`` at ``confidence``, with the shares of these pairs it blocks."""
        blocked = self.blocked(confidence, drops)
        # Where experts judged consistency only, a coverage or ROUGE block of a pair they
        # found not worse may be right: "judged" counts only faithfulness blocks there.
        alone = self.blocked(confidence, {"faithfulness": drops.get("faithfulness")})
        judged = np.where(self.relevance_judged, blocked, alone)
        return Setting(confidence, dict(drops), self.figures(blocked, judged))

    def figures(self, blocked: np.ndarray, judged: np.ndarray | None = None) -> dict[str, float]:
        """Shares blocked: worse by consistency and by relevance (pooled over datasets),
        not-worse pooled, on each dataset ("good NAME") and where highest ("good_max");
        with ``judged``, the highest share of not-worse pairs it marks ("good_judged_max")."""
        figures = {
            "consistency": share(blocked[self.worse["consistency"]]),
            "relevance": share(blocked[self.worse["relevance"]]),
            "good": share(blocked[self.good]),
        }
        for name in self.datasets:
            figures[f"good {name}"] = share(blocked[self.good & self.of[name]])
        figures["good_max"] = self._highest(blocked)
        if judged is not None:
            figures["good_judged_max"] = self._highest(judged)
        return figures

    def _highest(self, blocked: np.ndarray) -> float:
        shares = [share(blocked[self.good & self.of[d]]) for d in self.datasets]
        return max((v for v in shares if not np.isnan(v)), default=float("nan"))


def share(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


def nan0(value: float) -> float:
    return 0.0 if np.isnan(value) else value


@dataclass(frozen=True)
class Setting:
    """Candidate defaults: the interval's confidence and each metric's max_mean_drop (None:
    the metric does not gate), with the shares of dev pairs they block."""

    confidence: float
    drops: dict[str, float | None]
    figures: dict[str, float]

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(m for m, d in self.drops.items() if d is not None)

    def key(self) -> tuple[float, ...]:
        """The selection rule as a sort key: most consistency-worse pairs blocked, then
        relevance-worse, then fewest not-worse; then fewer gating metrics, wider drops and a
        higher confidence (the more tolerant setting, for data it was not chosen on)."""
        f = self.figures
        drops = [d for d in self.drops.values() if d is not None]
        good = -nan0(f["good"])
        return (nan0(f["consistency"]), nan0(f["relevance"]), good, -len(drops), sum(drops))


# Bounds on the not-worse pairs blocked: the rule the defaults are chosen by, then looser
# ones, to show what each would buy.
BOUNDS = (
    (f"<= {MAX_GOOD_BLOCKED:.0%} on every dataset (rule)", "good_max", MAX_GOOD_BLOCKED),
    ("<= 10% on every dataset", "good_max", 0.10),
    (f"<= {MAX_GOOD_BLOCKED:.0%} pooled", "good", MAX_GOOD_BLOCKED),
    (f"<= {MAX_GOOD_BLOCKED:.0%} on summeval", "good summeval", MAX_GOOD_BLOCKED),
    (f"<= {MAX_GOOD_BLOCKED:.0%} judged, every set", "good_judged_max", MAX_GOOD_BLOCKED),
)


def within(setting: Setting, figure: str = "good_max", bound: float = MAX_GOOD_BLOCKED) -> bool:
    return nan0(setting.figures[figure]) <= bound + 1e-9


def search(blocks: Blocks) -> list[Setting]:
    """Every confidence and per-metric drop (or off), best first by ``Setting.key``."""
    found = []
    for conf in CONFIDENCES:
        for choice in itertools.product((None, *DROPS), repeat=len(GATE_METRICS)):
            if any(d is not None for d in choice):
                found.append(blocks.setting(conf, dict(zip(GATE_METRICS, choice, strict=True))))
    found.sort(key=lambda s: (*s.key(), s.confidence), reverse=True)
    return found


def table(header: Sequence[str], lines: Iterable[Sequence[str]]) -> str:
    rows = [list(header), *(list(line) for line in lines)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
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
        "\nShare of pairs blocked (%), dev: consistency-worse / relevance-worse (pooled) /"
        " not-worse (the dataset where highest); one metric gating alone"
    )
    lines = []
    for metric in (*GATE_METRICS, *BASELINES):
        for conf in CONFIDENCES:
            cells = [metric, f"{conf:.2f}"]
            for drop in DROPS:
                f = blocks.figures(blocks.blocked(conf, {metric: drop}))
                cells.append(f"{pct(f['consistency'])}/{pct(f['relevance'])}/{pct(f['good_max'])}")
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


def setting_cells(setting: Setting, datasets: Sequence[str]) -> list[str]:
    f = setting.figures
    drops = " ".join(f"{setting.drops[m]:g}" for m in setting.metrics)
    cells = ["+".join(setting.metrics), f"{setting.confidence:.2f}", drops]
    cells += [pct(f["consistency"]), pct(f["relevance"]), pct(f["good"])]
    return [*cells, *(pct(f[f"good {d}"]) for d in datasets)]


def print_choices(settings: Sequence[Setting], blocks: Blocks, shown: int = 12) -> None:
    """The best setting of each set of gating metrics under the rule, then the best setting
    under each bound on not-worse pairs: what a looser bound would buy."""
    best: dict[tuple[str, ...], Setting] = {}
    for setting in settings:
        if within(setting):
            best.setdefault(setting.metrics, setting)
    print(
        f"\nCombinations (blocked when any gating metric blocks), dev, % of pairs blocked: the"
        f" best setting of each set of gating metrics with not-worse blocked <="
        f" {MAX_GOOD_BLOCKED:.0%} on every dataset ({len(best)} of"
        f" {2 ** len(GATE_METRICS) - 1} sets can; the best {min(shown, len(best))} shown)"
    )
    names = blocks.datasets
    header = ["metrics", "conf", "drops", "cons-worse", "rel-worse", "not-worse", *names]
    lines = [setting_cells(s, names) for s in list(best.values())[:shown]]
    lines.append(
        ["main today (all five)", *setting_cells(blocks.setting(*MAIN_DEFAULT), names)[1:]]
    )
    print(table(header, lines))
    print("\nThe best setting under each bound on the not-worse pairs blocked (dev, %)")
    lines = []
    for label, figure, bound in BOUNDS:
        chosen = next((s for s in settings if within(s, figure, bound)), None)
        if chosen is not None:
            lines.append([label, *setting_cells(chosen, names)])
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


def print_targets(label: str, blocks: Blocks, blocked: np.ndarray) -> None:
    f = blocks.figures(blocked)
    met = {
        "not-worse <= 5% (every dataset)": (f["good_max"], f["good_max"] <= MAX_GOOD_BLOCKED),
        "consistency-worse >= 85%": (f["consistency"], f["consistency"] >= TARGETS["consistency"]),
        "relevance-worse >= 60%": (f["relevance"], f["relevance"] >= TARGETS["relevance"]),
    }
    print(
        f"targets ({label}): "
        + "; ".join(f"{k}: {pct(v)}% {'met' if ok else 'NOT met'}" for k, (v, ok) in met.items())
    )


def print_hard(
    pairs_by: Mapping[str, Sequence[Pair]], rows_by: Mapping[str, Sequence[Row]]
) -> None:
    print(
        "\nHard evidence (decisive evidence of a metric: the real gate fails that case):"
        " candidate cases with it per pair (mean) and pairs with at least one; 'new': cases"
        " whose baseline summary had none (a baseline failure is a known failure)"
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
            for counts in ([p.hard for p in mine], [p.hard_new for p in mine]):
                cells.append(f"{np.mean(counts):.2f}" if counts else "-")
                cells.append(pct(share(np.array([c > 0 for c in counts]))) + "%")
            lines.append(cells)
    header = ["dataset", "cases with it", "pairs", "n", "mean", "pairs >= 1"]
    print(table([*header, "new: mean", "pairs >= 1"], lines))


def run_pytest(folder: Path, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """pytest in ``folder``, in a fresh process of this interpreter (the project's venv)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
    return subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=3600
    )


def write_cases(path: Path, rows: Iterable[Row]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in sorted(rows, key=lambda r: r.doc_id):
            case = {
                "id": row.doc_id,
                "article": row.doc.article,
                "summary": row.doc.summary,
                "highlights": row.doc.raw_highlights,
            }
            handle.write(json.dumps(case) + "\n")


_OBSERVED = re.compile(r"([+-]\d+\.\d+) \[(\d+(?:\.\d+)?)% CI ([+-]\d+\.\d+), ([+-]\d+\.\d+)\]")


def gate_pair(
    folder: Path, baseline: Sequence[Row], candidate: Sequence[Row], options: Sequence[str]
) -> tuple[int, dict[str, Any]]:
    """Store the baseline system's scores, run the candidate's summaries against them, and
    return the exit code and the JSON report."""
    cases = folder / "cases"
    cases.mkdir()
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    write_cases(cases / "pair.jsonl", baseline)
    stored = run_pytest(folder, ["--summgate", "cases/", "--summgate-update-baseline", *options])
    if not (folder / ".summgate" / "baseline.json").is_file():
        raise RuntimeError(
            f"no baseline written (exit {stored.returncode}): {stored.stdout[-800:]}"
        )
    write_cases(cases / "pair.jsonl", candidate)
    run = run_pytest(folder, ["--summgate", "cases/", "--summgate-report=report.json", *options])
    return run.returncode, json.loads((folder / "report.json").read_text(encoding="utf-8"))


def e2e_sample(pairs: Sequence[Pair], rows_by: Mapping[str, Sequence[Row]], n: int) -> list[Pair]:
    """A fixed sample: half consistency-worse pairs, half not-worse ones."""
    # A reference "system" has no coverage here (scored against itself) but would in the gate.
    references = {(d, r.system) for d, rows in rows_by.items() for r in rows if r.is_reference}
    pool = sorted(
        (p for p in pairs if not {(p.dataset, p.baseline), (p.dataset, p.candidate)} & references),
        key=lambda p: (p.dataset, p.baseline, p.candidate),
    )
    rng = random.Random(SEED)
    worse = [p for p in pool if p.labels["consistency"] == WORSE]
    good = [p for p in pool if p.good]
    return rng.sample(worse, min(n - n // 2, len(worse))) + rng.sample(good, min(n // 2, len(good)))


def gate_options(setting: Setting, cache: Path) -> list[str]:
    """The command line that sets the gate to ``setting``."""
    options = [f"--summgate-cache={cache / 'models.sqlite'}"]
    options += [
        f"--summgate-suite=max_mean_drop_{m}={'off' if d is None else d}"
        for m, d in setting.drops.items()
    ]
    if "confidence" in suite.gate_names():  # a suite gate since the lead's change
        options.append(f"--summgate-suite=confidence={setting.confidence}")
    with tempfile.TemporaryDirectory(prefix="summgate-versions-") as tmp:
        help_text = run_pytest(Path(tmp), ["--summgate", "--help"]).stdout
    if "--summgate-case-regressions" in help_text:  # per-case drops listed, not failed
        options.append("--summgate-case-regressions=list")
    return options


def e2e(
    pairs: Sequence[Pair],
    rows_by: Mapping[str, Sequence[Row]],
    n: int,
    setting: Setting,
    cache: Path,
) -> None:
    """The real gate, end to end, on a sample of pairs: its suite verdict against ours."""
    sample = e2e_sample(pairs, rows_by, n)
    options = gate_options(setting, cache)
    print(f"\nEnd to end: the real gate on {len(sample)} dev pairs; {' '.join(options[1:])}")
    lines, agree = [], 0
    for pair in sample:
        by = {(r.system, r.doc_id): r for r in rows_by[pair.dataset]}
        shared = sorted(d for s, d in by if s == pair.baseline and (pair.candidate, d) in by)
        with tempfile.TemporaryDirectory(prefix="summgate-versions-") as tmp:
            code, report = gate_pair(
                Path(tmp),
                [by[(pair.baseline, d)] for d in shared],
                [by[(pair.candidate, d)] for d in shared],
                options,
            )
        gates = [g for g in report["suite"] if g["gate"].endswith(" vs baseline")]
        compared = report.get("baseline", {}).get("compared", "?")
        # What else failed the run: a case's own checks (length, say), not judged here.
        reasons = report.get("decision", {}).get("blocked_by", [])
        why = "; ".join(r for r in reasons if not r.startswith("suite gate")) or "-"
        parsed = {g["gate"].split()[0]: (g, _OBSERVED.search(g["observed"])) for g in gates}
        # Our verdict at the confidence the gate reports it used.
        used = next((float(m.group(2)) / 100 for _, m in parsed.values() if m), setting.confidence)
        blocked = any(g["failed"] for g in gates)
        ours = any(
            interval_high(pair.deltas[m], used) < -d
            for m, d in setting.drops.items()
            if d is not None
        )
        agree += ours == blocked
        gaps = [abs(float(m[1]) - np.mean(pair.deltas[k])) for k, (_, m) in parsed.items() if m]
        label = WORSE if pair.labels["consistency"] == WORSE else NOT_WORSE
        failed = ",".join(k for k, (g, _) in parsed.items() if g["failed"]) or "-"
        cells = [pair.dataset, f"{pair.baseline} -> {pair.candidate}", label]
        cells += [f"{len(shared)}/{compared}", f"{used:.2f}", failed, f"{code}: {why}"]
        cells += ["blocked" if blocked else "passed", "blocked" if ours else "passed"]
        lines.append([*cells, f"{max(gaps):.4f}" if gaps else "-"])
    header = ["dataset", "baseline -> candidate", "experts", "cases/compared", "conf"]
    header += ["failed suite gates", "exit: also blocked by"]
    print(table([*header, "gate", "computed", "max |mean diff|"], lines))
    print(f"agreement of the gate's suite verdict with the computed one: {agree}/{len(sample)}")


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
    settings = search(blocks)
    print_choices(settings, blocks)
    chosen = next(s for s in settings if within(s))  # one metric at 0.05, 0.99 blocks little
    print_targets("dev, chosen", blocks, print_setting("Chosen defaults on DEV", blocks, chosen))
    today = blocks.setting(*MAIN_DEFAULT)
    print_targets("dev, main today", blocks, print_setting("Main today on DEV", blocks, today))
    print_hard(pairs_by, rows_by)
    test = Blocks(pairs_by[TEST.name])
    print("\n=== SummEval TEST: 42 other articles, the same 16 systems; report only ===")
    print_pairs(
        "Test", pairs_by[TEST.name], {TEST.name: len({r.system for r in rows_by[TEST.name]})}
    )
    print_targets("test, chosen", test, print_setting("Chosen defaults on TEST", test, chosen))
    print_targets("test, main today", test, print_setting("Main today on TEST", test, today))
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
