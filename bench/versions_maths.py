"""The pair and blocking maths of bench/versions.py: expert labels of a version change, the
gate's paired decision, every candidate setting's shares of pairs blocked, and the rule that
picks the defaults. No model, no files, no printing.

A pair (baseline A, candidate B) is blocked by a metric when the bootstrap interval of its
paired mean change lies wholly below ``-max_mean_drop`` (``suite.bootstrap_mean``, as
``suite.paired_changes`` does); by a setting when any metric it gates blocks it. The hard
evidence (decisive claim checks) blocks it by one of HARD_RULES on top of the suite gates.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pytest_summgate import suite
from pytest_summgate.baseline import DECIMALS
from pytest_summgate.decision import hard_evidence_test
from pytest_summgate.metrics import Document

GATE_METRICS = ("faithfulness", "coverage", "rouge1", "rouge2", "rougeL")
BASELINES = ("copy-rate", "rouge2-precision")
DROPS = (0.0, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05)
CONFIDENCES = (0.80, 0.90, 0.95, 0.99)
# The rule: at most 5% of the not-worse dev pairs blocked, pooled over the datasets (the
# target's own words), and at most 10% on any dataset with enough not-worse pairs for a share
# to mean something, so that no large dataset pays for the others.
MAX_GOOD_BLOCKED = 0.05
MAX_GOOD_BLOCKED_LARGE = 0.10
LARGE_DATASET = 20  # not-worse pairs; below this one pair moves the share by 5 points or more
TARGETS = {"consistency": 0.85, "relevance": 0.60}
MAIN_DEFAULT = (suite.DEFAULT_CONFIDENCE, {m: suite.DEFAULT_MAX_MEAN_DROP for m in GATE_METRICS})
SEED = suite.DEFAULT_SEED
WORSE, NOT_WORSE = "worse", "not worse"
EPS = 1e-9


@dataclass
class Row:
    """One system's summary of one article, its expert scores and, once scored, its metrics."""

    system: str
    doc_id: str
    doc: Document
    human: dict[str, float]
    is_reference: bool = False
    scores: dict[str, float] = field(default_factory=dict)
    # Decisive findings as a known failure records them (baseline.findings_of): hard evidence.
    findings: tuple[str, ...] = ()

    @property
    def hard(self) -> bool:
        """Whether a metric named decisive evidence: the real gate fails this case."""
        return bool(self.findings)


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
    # Compared with the baseline summary's findings (hard_change): cases that gained a
    # finding (new), that lost one and gained none (fixed), that gained one and lost one.
    hard_new: int = 0
    hard_fixed: int = 0
    hard_tied: int = 0

    @property
    def good(self) -> bool:
        """Not worse on every dimension the experts judged."""
        return all(label == NOT_WORSE for label in self.labels.values())


def expert_label(deltas: Sequence[float], margin: float) -> str:
    """WORSE when the mean per-article difference (candidate - baseline) is at most -margin
    and its 95% paired bootstrap interval lies below 0; NOT_WORSE when the mean is not below
    0; "" in between."""
    mean, _, high = suite.bootstrap_mean(deltas, SEED)
    if mean > -EPS:  # expert scores are means of three: equal means differ by rounding only
        return NOT_WORSE
    if mean <= -margin + EPS and high < 0:
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
    """Every ordered pair of systems of ``rows``, labelled by the experts' scores."""
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
        changes = [hard_change(base[d], cand[d]) for d in shared]
        new = sum(gained for gained, _ in changes)
        fixed = sum(lost and not gained for gained, lost in changes)
        tied = sum(gained and lost for gained, lost in changes)
        pairs.append(Pair(dataset, a, b, len(shared), labels, deltas, hard, new, fixed, tied))
    return pairs


def hard_change(base: Row, cand: Row) -> tuple[bool, bool]:
    """``(gained, lost)``: whether the candidate's summary of a case has a decisive finding
    that the baseline summary's do not include, and whether it lacks one that they include.
    By finding sets, as the gate judges a compared case against its entry's known failure
    (which records the baseline summary's findings and excuses only those): a case that
    gained one is *new* (``any`` fails it); one that lost one and gained none is *fixed*;
    one that did both is a tie, which the paired test counts for neither side."""
    found, said = set(cand.findings), set(base.findings)
    return bool(found - said), bool(said - found)


# How hard evidence blocks a version on top of the suite gates: not at all; when the cases
# with new findings outnumber the fixed ones beyond chance (decision.hard_evidence_test, at
# the suite's confidence); at any case with a new finding (the strict setting).
HARD_RULES = ("none", "paired", "any")


def hard_blocks(pair: Pair, rule: str, confidence: float) -> bool:
    """Whether ``rule`` (one of HARD_RULES) blocks ``pair`` by its hard evidence alone."""
    if rule == "none":
        return False
    if rule == "any":
        return pair.hard_new > 0
    if rule == "paired":
        new = pair.hard_new - pair.hard_tied  # gained a finding and lost none
        return hard_evidence_test(new, pair.hard_fixed, confidence).blocks
    raise ValueError(f"unknown hard-evidence rule {rule!r}; known: {', '.join(HARD_RULES)}")


def gate_defaults() -> tuple[float, dict[str, float | None]]:
    """The gate's shipped suite defaults (``suite.default_gates``): the confidence, which the
    paired hard-evidence test shares, and each metric's max_mean_drop (None: off)."""
    gates = suite.default_gates()
    drops = {m: gates.get(f"max_mean_drop_{m}") for m in GATE_METRICS}
    confidence = gates["confidence"]
    assert confidence is not None  # the confidence is never off
    return confidence, drops


def decisions(
    pairs: Sequence[Pair], confidence: float, drops: Mapping[str, float | None]
) -> dict[str, np.ndarray]:
    """For each of HARD_RULES, which ``pairs`` the gate blocks: a suite gate (``drops`` at
    ``confidence``) or the rule over hard evidence (at the same confidence)."""
    suite_blocked = np.array(
        [
            any(
                interval_high(p.deltas[m], confidence) < -d
                for m, d in drops.items()
                if d is not None
            )
            for p in pairs
        ],
        dtype=bool,
    )
    return {
        rule: suite_blocked
        | np.array([hard_blocks(p, rule, confidence) for p in pairs], dtype=bool)
        for rule in HARD_RULES
    }


def share(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


def nan0(value: float) -> float:
    return 0.0 if np.isnan(value) else value


@dataclass(frozen=True)
class Setting:
    """Candidate defaults: the interval's confidence and each metric's max_mean_drop (None:
    the metric does not gate), with the shares of pairs they block (``Blocks.figures``)."""

    confidence: float
    drops: dict[str, float | None]
    figures: dict[str, float]

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(m for m, d in self.drops.items() if d is not None)


def within(figures: Mapping[str, Any], figure: str = "rule", bound: float = 0.0) -> Any:
    """Whether ``figures`` (floats, or columns of them) keep within the rule: at most
    MAX_GOOD_BLOCKED of the not-worse pairs blocked pooled, and at most MAX_GOOD_BLOCKED_LARGE
    on every large dataset; given ``figure``, within ``bound`` on that share instead."""

    def at_most(name: str, limit: float) -> Any:
        return np.nan_to_num(figures[name]) <= limit + EPS

    if figure != "rule":
        return at_most(figure, bound)
    return at_most("good", MAX_GOOD_BLOCKED) & at_most("good_large_max", MAX_GOOD_BLOCKED_LARGE)


class Blocks:
    """Which pairs each (metric, max_mean_drop, confidence) blocks, and the shares that a
    setting blocks of each expert group."""

    def __init__(self, pairs: Sequence[Pair]) -> None:
        self.pairs = pairs
        self.high = {
            (m, c): np.array([interval_high(p.deltas[m], c) for p in pairs])
            for m in (*GATE_METRICS, *BASELINES)
            for c in CONFIDENCES
        }
        self.worse = {
            dim: np.array([p.labels.get(dim) == WORSE for p in pairs])
            for dim in ("consistency", "relevance")
        }
        self.good = np.array([p.good for p in pairs], dtype=bool)
        self.relevance_judged = np.array(["relevance" in p.labels for p in pairs], dtype=bool)
        self.datasets = sorted({p.dataset for p in pairs})
        self.of = {d: np.array([p.dataset == d for p in pairs], dtype=bool) for d in self.datasets}
        good_in = {d: int((self.good & self.of[d]).sum()) for d in self.datasets}
        self.large = [d for d in self.datasets if good_in[d] >= LARGE_DATASET]

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
        alone = self.blocked(confidence, {"faithfulness": drops.get("faithfulness")})
        return Setting(confidence, dict(drops), self.figures(blocked, alone))

    def figures(self, blocked: np.ndarray, alone: np.ndarray | None = None) -> dict[str, float]:
        """The shares one blocked vector blocks (see ``figure_columns``)."""
        columns = self.figure_columns(blocked[None, :], None if alone is None else alone[None, :])
        return {name: float(values[0]) for name, values in columns.items()}

    def figure_columns(
        self, blocked: np.ndarray, alone: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """For each row of ``blocked`` (settings x pairs) the shares blocked: worse by
        consistency and by relevance (pooled over datasets); not-worse pooled ("good"), on
        each dataset ("good NAME"), where highest ("good_max") and where highest among the
        datasets with at least LARGE_DATASET not-worse pairs ("good_large_max"). With
        ``alone`` (what faithfulness alone blocks), "good_judged_max": the highest share
        of not-worse pairs blocked where only consistency was judged counting faithfulness
        blocks only (a coverage block of a pair not worse in consistency may be right)."""
        groups = {
            "consistency": self.worse["consistency"],
            "relevance": self.worse["relevance"],
            "good": self.good,
            **{f"good {d}": self.good & self.of[d] for d in self.datasets},
        }
        counts = blocked.astype(np.float32) @ np.array(list(groups.values())).T.astype(np.float32)
        sizes = np.array([g.sum() for g in groups.values()], dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = np.where(sizes > 0, counts / sizes, np.nan)
        columns = dict(zip(groups, shares.T, strict=True))
        columns["good_max"] = self._highest(columns, self.datasets, len(blocked))
        columns["good_large_max"] = self._highest(columns, self.large, len(blocked))
        if alone is not None:
            judged = np.where(self.relevance_judged, blocked, alone)
            columns["good_judged_max"] = self.figure_columns(judged)["good_max"]
        return columns

    def _highest(
        self, columns: Mapping[str, np.ndarray], datasets: Sequence[str], rows: int
    ) -> np.ndarray:
        shares = [np.nan_to_num(columns[f"good {d}"], nan=0.0) for d in datasets]
        return np.max(shares, axis=0) if shares else np.zeros(rows)


@dataclass(frozen=True)
class Grid:
    """Every setting searched, as columns: setting i is ``confidence[i]`` with ``drops[i]``
    (NaN: the metric does not gate); ``order`` lists them best first."""

    confidence: np.ndarray
    drops: np.ndarray
    figures: dict[str, np.ndarray]
    order: np.ndarray

    def __len__(self) -> int:
        return len(self.confidence)

    def setting(self, i: int) -> Setting:
        drops = {
            m: None if np.isnan(d) else float(d)
            for m, d in zip(GATE_METRICS, self.drops[i], strict=True)
        }
        figures = {name: float(values[i]) for name, values in self.figures.items()}
        return Setting(float(self.confidence[i]), drops, figures)

    def ranked(self, figure: str = "rule", bound: float = 0.0) -> list[int]:
        """The settings ``within`` the rule (or ``bound`` on ``figure``), best first."""
        keep = within(self.figures, figure, bound)
        return [int(i) for i in self.order if keep[i]]

    def best(self, figure: str = "rule", bound: float = 0.0) -> Setting | None:
        ranked = self.ranked(figure, bound)
        return self.setting(ranked[0]) if ranked else None


def search(blocks: Blocks) -> Grid:
    """Every confidence and per-metric drop (or off), ordered by the selection rule's
    preferences: most consistency-worse pairs blocked, then relevance-worse, then fewest
    not-worse pooled; then fewer gating metrics, wider drops and a higher confidence (the
    more tolerant setting, for data it was not chosen on)."""
    options = np.array([np.nan, *DROPS])
    choices = np.array(list(itertools.product(range(len(options)), repeat=len(GATE_METRICS))))
    choices = choices[(choices > 0).any(axis=1)]  # at least one metric gates
    confidence, drops, parts = [], [], []
    for conf in CONFIDENCES:
        # blocks_by[m][k]: the pairs metric m blocks at option k (k = 0: off, blocks none).
        off = np.zeros(len(blocks.pairs), dtype=bool)
        blocks_by = [
            np.array([off, *(blocks.high[(m, conf)] < -d for d in DROPS)]) for m in GATE_METRICS
        ]
        blocked = np.zeros((len(choices), len(blocks.pairs)), dtype=bool)
        for j, by in enumerate(blocks_by):
            blocked |= by[choices[:, j]]
        alone = blocks_by[GATE_METRICS.index("faithfulness")][choices[:, 0]]
        parts.append(blocks.figure_columns(blocked, alone))
        confidence.append(np.full(len(choices), conf))
        drops.append(options[choices])
    figures = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    conf_all, drops_all = np.concatenate(confidence), np.concatenate(drops)
    gating = (~np.isnan(drops_all)).sum(axis=1)
    # np.lexsort sorts by the last key first, ascending: negate what should come high.
    order = np.lexsort(
        (
            -conf_all,
            -np.nansum(drops_all, axis=1),
            gating,
            np.nan_to_num(figures["good"]),
            -np.nan_to_num(figures["relevance"]),
            -np.nan_to_num(figures["consistency"]),
        )
    )
    return Grid(conf_all, drops_all, figures, order)
