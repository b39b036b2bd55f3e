"""Measure faithfulness and coverage against human labels, beside simple baselines.

    HF_HUB_OFFLINE=1 python bench/quality.py [--previous OLD_WEIGHTS.json] [--cache DIR]

Reads the labelled JSONL files of ``shared/benchmarks`` (see its README), scores every row
with the default faithfulness scorer as the gate does (0.0 on a decisive finding), with the
same checks under former weights (``--previous``), and with three baselines computed here
(embedding-only minimum support, ROUGE-2 precision against the article, 1 - novel-bigram
rate), and prints ROC AUC, balanced accuracy at the threshold, the share of consistent
summaries passing and of inconsistent failing, and Kendall's tau; then the coverage
metrics' tau with SummEval relevance. Sentence vectors come from the bench scripts' shared
SQLite cache (``--cache``), so a second run only reads them.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import kendalltau
from sklearn.metrics import roc_auc_score

from pytest_summgate.metrics import Document, claims, coverage, faithfulness
from pytest_summgate.models import get_embedder
from pytest_summgate.thresholds import BUILTIN_THRESHOLDS

BENCHMARKS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
CACHE = Path("/tmp/summgate-bench-cache")
# (name, file, split): split None takes the whole file; tune on DEV only.
DEV = [
    ("summeval", "summeval_dev.jsonl", None),
    ("frank", "frank.jsonl", "valid"),
    ("xsumfaith", "xsumfaith.jsonl", "dev"),
    ("summedits", "summedits.jsonl", "evaluation"),
    ("polytope", "polytope.jsonl", "dev"),
    ("factcc", "factcc.jsonl", "dev"),
]
TEST = [
    ("summeval", "summeval_test.jsonl", None),
    ("frank-cnndm", "frank.jsonl", "test"),
    ("frank-xsum", "frank.jsonl", "test"),
    ("xsumfaith", "xsumfaith.jsonl", "test"),
    ("summedits", "summedits.jsonl", "test"),
    ("polytope", "polytope.jsonl", "test"),
    ("factcc", "factcc.jsonl", "test"),
]


@dataclass
class Row:
    """One labelled summary: the document, its binary label and the source record."""

    dataset: str
    doc: Document
    consistent: bool
    record: dict[str, Any]


def load(benchmarks: Path, name: str, filename: str, split: str | None) -> list[Row]:
    rows = []
    with (benchmarks / filename).open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if split is not None and record.get("split") != split:
                continue
            if name.startswith("frank-") and record["source"] != name.split("-")[1]:
                continue
            if "consistent" in record:
                label = bool(record["consistent"])
            elif "faithful" in record:
                label = bool(record["faithful"])
            else:
                label = record["human"]["consistency"] == 5.0
            doc = Document(record["article"], record["summary"], record.get("highlights"))
            rows.append(Row(name, doc, label, record))
    return rows


def cached_embedder(directory: Path) -> Any:
    """The default embedder behind the bench scripts' shared vector cache
    (``directory/models.sqlite``, the gate's own SQLite cache: safe when scripts run side by
    side, and read without loading the model when every sentence is known)."""
    from pytest_summgate.cache import ModelCache

    embedder = get_embedder()
    embedder.cache = ModelCache(directory / "models.sqlite", max_mb=4096)
    return embedder


def faithfulness_scores(
    rows: Sequence[Row], embedder: Any, previous: faithfulness.Weights | None = None
) -> dict[str, list[float]]:
    """The default score (0.0 on a decisive finding, as the gate scores), the same checks
    under ``previous`` weights when given, and the three baselines, in row order."""
    weights = faithfulness.default_weights()
    checks = faithfulness.check_sentences([r.doc for r in rows], embedder)
    scores: dict[str, list[float]] = defaultdict(list)
    for row, doc_checks in zip(rows, checks, strict=True):
        scores["faithfulness"].append(
            min((faithfulness.probability(weights, c) for c in doc_checks), default=0.0)
        )
        if previous is not None:
            scores["previous-weights"].append(
                min((faithfulness.probability(previous, c) for c in doc_checks), default=0.0)
            )
        scores["embedding-min"].append(min((c.features[0] for c in doc_checks), default=0.0))
        source = claims.Source(row.doc.article)
        toks = claims.tokens(row.doc.summary)
        pairs = list(pairwise(toks))
        novel = sum(p not in source.bigrams for p in pairs) / len(pairs) if pairs else 1.0
        scores["1-novel-bigram"].append(1.0 - novel)
        rouge = coverage._rouge().score(row.doc.article, row.doc.summary)
        scores["rouge2-precision"].append(float(rouge["rouge2"].precision))
    return dict(scores)


def balanced_accuracy(labels: Sequence[bool], scores: Sequence[float], threshold: float) -> float:
    y = np.asarray(labels, dtype=bool)
    passed = np.asarray(scores) >= threshold
    parts = [float(passed[y].mean()) if y.any() else 0.5]
    parts.append(float((~passed[~y]).mean()) if (~y).any() else 0.5)
    return sum(parts) / 2


def macro_balanced_accuracy(
    labels: dict[str, list[bool]], scores: dict[str, list[float]], threshold: float
) -> float:
    """Balanced accuracy averaged over datasets, so each dataset counts the same."""
    return float(np.mean([balanced_accuracy(labels[n], scores[n], threshold) for n in labels]))


def best_threshold(labels: dict[str, list[bool]], scores: dict[str, list[float]]) -> float:
    """The threshold (a multiple of 0.01) with the best macro balanced accuracy."""
    grid = [round(t, 2) for t in np.arange(0.01, 1.0, 0.01)]
    return max(grid, key=lambda t: (macro_balanced_accuracy(labels, scores, t), -t))


def auc(labels: Sequence[bool], scores: Sequence[float]) -> float:
    return float(roc_auc_score(labels, scores)) if 0 < sum(labels) < len(labels) else float("nan")


def tau(x: Sequence[float], y: Sequence[float]) -> float:
    return float(kendalltau(x, y).statistic)


def within_article_tau(rows: Sequence[Row], scores: Sequence[float], field: str) -> float:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[row.record["doc_id"]].append(i)
    taus = [
        tau([scores[i] for i in idx], [rows[i].record["human"][field] for i in idx])
        for idx in groups.values()
    ]
    return float(np.nanmean(taus))


def coverage_scores(rows: Sequence[Row], embedder: Any) -> dict[str, list[float]]:
    docs = [r.doc for r in rows]
    results: dict[str, list[float]] = defaultdict(list)
    for scorer in (coverage.CoverageScorer(), coverage.RougeScorer()):
        for metrics in scorer.score(docs, embedder):
            for name, metric in metrics.items():
                results[name].append(metric.value if metric.value is not None else 0.0)
    return dict(results)


def table(header: Sequence[str], lines: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *lines, strict=True)]
    out = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    out += [
        "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    return "\n".join(out)


def fmt(value: float) -> str:
    return f"{value:.3f}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--benchmarks", type=Path, default=BENCHMARKS)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument(
        "--previous",
        type=Path,
        help="a former faithfulness_weights.json, scored beside the shipped one (same checks)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    embedder = cached_embedder(args.cache)
    weights = faithfulness.default_weights()
    previous = None
    if args.previous:
        previous = faithfulness.Weights.from_json(json.loads(args.previous.read_text()))
    gate_threshold = BUILTIN_THRESHOLDS["faithfulness"]
    threshold = weights.threshold

    dev = {name: load(args.benchmarks, name, f, s) for name, f, s in DEV}
    test = {name: load(args.benchmarks, name, f, s) for name, f, s in TEST}
    dev_scores = {n: faithfulness_scores(rows, embedder, previous) for n, rows in dev.items()}
    test_scores = {n: faithfulness_scores(rows, embedder, previous) for n, rows in test.items()}
    methods = list(next(iter(dev_scores.values())))

    # Baselines have no threshold of their own: each gets its best one on the mixed dev
    # splits, chosen as the default's was (balanced accuracy averaged over datasets).
    # The previous weights are read at their own shipped threshold.
    thresholds = {"faithfulness": threshold}
    if previous is not None:
        thresholds["previous-weights"] = previous.threshold
    dev_labels = {name: [r.consistent for r in rows] for name, rows in dev.items()}
    for method in methods:
        if method in thresholds:
            continue
        values = {name: dev_scores[name][method] for name in dev}
        thresholds[method] = best_threshold(dev_labels, values)

    print(
        f"faithfulness threshold: {threshold:.2f} (chosen on the dev splits); "
        f"thresholds.BUILTIN_THRESHOLDS now {gate_threshold:.2f}"
    )
    for title, rows_by, scores_by in (("dev", dev, dev_scores), ("test", test, test_scores)):
        rows, scores = rows_by["summeval"], scores_by["summeval"]
        labels = [r.consistent for r in rows]
        human = [r.record["human"]["consistency"] for r in rows]
        print(f"\nSummEval {title} ({len(rows)} summaries): consistency == 5.0")
        print(
            table(
                ["score", "ROC AUC", "bal.acc", "at", "tau"],
                [
                    [
                        m,
                        fmt(auc(labels, scores[m])),
                        fmt(balanced_accuracy(labels, scores[m], thresholds[m])),
                        f"{thresholds[m]:.3f}",
                        fmt(tau(scores[m], human)),
                    ]
                    for m in methods
                ],
            )
        )
        print(f"\nROC AUC on every {title} split (binary label of each dataset)")
        names = list(rows_by)
        lines = []
        for m in methods:
            line = [m]
            for name in names:
                line.append(fmt(auc([r.consistent for r in rows_by[name]], scores_by[name][m])))
            lines.append(line)
        print(table(["score", *[f"{n} ({len(rows_by[n])})" for n in names]], lines))
        print(f"\nfaithfulness at the default {threshold:.2f} on every {title} split")
        lines = []
        for name in names:
            labels = [r.consistent for r in rows_by[name]]
            passed = np.asarray(scores_by[name]["faithfulness"]) >= threshold
            y = np.asarray(labels, dtype=bool)
            lines.append(
                [
                    name,
                    fmt(balanced_accuracy(labels, scores_by[name]["faithfulness"], threshold)),
                    fmt(float(passed[y].mean())) if y.any() else "-",
                    fmt(float((~passed[~y]).mean())) if (~y).any() else "-",
                    fmt(float((np.asarray(scores_by[name]["faithfulness"])[y] == 0.0).mean())),
                ]
            )
        header = ["data", "bal.acc", "consistent pass", "inconsistent fail", "consistent decisive"]
        print(table(header, lines))

    print("\nCoverage vs SummEval relevance: Kendall's tau (summary level / within article)")
    lines = []
    for title, split in (("dev", dev), ("test", test)):
        rows = split["summeval"]
        relevance = [r.record["human"]["relevance"] for r in rows]
        for name, values in coverage_scores(rows, embedder).items():
            lines.append(
                [
                    f"{name} ({title})",
                    fmt(tau(values, relevance)),
                    fmt(within_article_tau(rows, values, "relevance")),
                ]
            )
    print(table(["score", "tau", "within-article tau"], lines))


if __name__ == "__main__":
    main()
