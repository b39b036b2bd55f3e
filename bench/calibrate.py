"""Measure what the built-in coverage and length defaults are chosen from.

Run by hand (not by CI): ``HF_HUB_OFFLINE=1 python bench/calibrate.py``. Uses only dev splits:
REALSumm ``dev`` for coverage (human LitePyramid recall), and the CNN/DailyMail reference
highlights of SummEval dev and REALSumm dev for length. Prints the figures behind
``gate.BUILTIN_THRESHOLDS`` and ``metrics.coverage.MATCH_SIMILARITY``.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np
from scipy.stats import kendalltau

from pytest_summgate import text
from pytest_summgate.metrics import Document
from pytest_summgate.metrics.coverage import MATCH_SIMILARITY, CoverageScorer, RougeScorer
from pytest_summgate.models import get_embedder

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"


def rows(name: str, split: str | None = None) -> list[dict]:
    path = SHARED / f"{name}.jsonl"
    loaded = [json.loads(line) for line in path.open(encoding="utf-8")]
    return [r for r in loaded if split is None or r.get("split") == split]


def coverage_curves(data: list[dict]) -> None:
    docs_ = [Document("", r["summary"], r["highlights"]) for r in data]
    support = CoverageScorer().highlight_support(docs_, get_embedder())
    best = [np.array([sim for sim, _ in per_doc]) for per_doc in support]
    human = np.array([r["human"]["litepyramid_recall"] for r in data])
    docs = [r["doc_id"] for r in data]
    print(f"REALSumm dev: {len(data)} summaries of {len(set(docs))} articles")
    print("  match similarity -> Kendall tau (summary level) / within-article mean")
    results = {}
    for tau in np.arange(0.40, 0.81, 0.05):
        cov = np.array([float((b >= tau).mean()) for b in best])
        results[round(float(tau), 2)] = cov
        within = []
        for doc in set(docs):
            idx = [i for i, d in enumerate(docs) if d == doc]
            t = kendalltau(cov[idx], human[idx]).statistic
            if not np.isnan(t):
                within.append(t)
        print(f"  {tau:.2f}: {kendalltau(cov, human).statistic:.3f} / {np.mean(within):.3f}")
    chosen = MATCH_SIMILARITY
    cov = results[round(chosen, 2)]
    print(f"  at match similarity {chosen:.2f}: coverage vs human LitePyramid recall")
    for bar in (0.25, 0.34, 0.5, 0.67):
        low = human[cov < bar]
        high = human[cov >= bar]
        print(
            f"    coverage < {bar:.2f}: {len(low):4d} summaries, human recall mean "
            f"{low.mean() if len(low) else float('nan'):.2f}; >= {bar:.2f}: {len(high):4d}, "
            f"mean {high.mean():.2f}"
        )
    rouge = RougeScorer().score(docs_, None)
    for name in RougeScorer.names:
        values = np.array([r[name].value for r in rouge])
        tau = kendalltau(values, human).statistic
        print(f"  {name} recall of the highlights: Kendall tau {tau:.3f}")
    q = np.quantile(human, [0.1, 0.25, 0.5, 0.75])
    print(f"  human LitePyramid recall quartiles (10/25/50/75%): {np.round(q, 2).tolist()}")
    for bar in (0.25, 0.34, 0.5, 0.67):
        bad = human < q[1]
        flagged = cov < bar
        tpr = (flagged & bad).sum() / bad.sum()
        tnr = (~flagged & ~bad).sum() / (~bad).sum()
        print(
            f"    flag coverage < {bar:.2f} vs bottom-quartile human recall: balanced "
            f"accuracy {(tpr + tnr) / 2:.3f} (recall {tpr:.2f}, specificity {tnr:.2f})"
        )


def length_figures() -> None:
    refs = {r["doc_id"]: r for r in rows("summeval_dev")}
    refs.update({r["doc_id"]: r for r in rows("realsumm_coverage", "dev")})

    def words(r: dict) -> int:
        return sum(text.word_count(h) for h in text.split_highlights(r["highlights"]))

    lengths = [words(r) for r in refs.values()]
    ratios = [words(r) / text.word_count(r["article"]) for r in refs.values() if r.get("article")]
    q = np.quantile(lengths, [0.01, 0.5, 0.99, 1.0])
    print(
        f"CNN/DM reference highlights ({len(lengths)} articles, dev): words 1%/50%/99%/max "
        f"= {np.round(q).astype(int).tolist()}, mean {statistics.mean(lengths):.0f}"
    )
    q = np.quantile(ratios, [0.5, 0.99, 1.0])
    print(
        f"  compression (highlight words / article words) 50%/99%/max = {np.round(q, 3).tolist()}"
    )


if __name__ == "__main__":
    length_figures()
    coverage_curves(rows("realsumm_coverage", "dev"))
