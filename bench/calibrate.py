"""Measure what the built-in coverage and length defaults are chosen from.

Run by hand (not by CI): ``HF_HUB_OFFLINE=1 python bench/calibrate.py``. Uses only dev splits:
REALSumm ``dev`` and SummEval dev for coverage (human LitePyramid recall, relevance), and the
CNN/DailyMail reference highlights of SummEval dev and REALSumm dev for length. Prints the
figures behind ``gate.BUILTIN_THRESHOLDS`` and the coverage definition in ``metrics.coverage``.

The ``coverage`` default: the highest multiple of 0.01 at which, without a baseline, at least
``PASS_TARGET`` of the summaries people judge well covered pass on both dev sets. Well
covered: SummEval relevance >= 4 (the mean of three experts, 1 to 5), REALSumm LitePyramid
recall above its dev median. Poorly covered, reported as the share that fails: SummEval
relevance < 3, REALSumm recall in its bottom quartile.
"""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path

import numpy as np
from scipy.stats import kendalltau

from pytest_summgate import text
from pytest_summgate.cache import ModelCache
from pytest_summgate.metrics import Document
from pytest_summgate.metrics.coverage import CoverageScorer, RougeScorer
from pytest_summgate.models import get_embedder

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
PASS_TARGET = 0.95


def rows(name: str, split: str | None = None) -> list[dict]:
    path = SHARED / f"{name}.jsonl"
    loaded = [json.loads(line) for line in path.open(encoding="utf-8")]
    return [r for r in loaded if split is None or r.get("split") == split]


def _taus(values: np.ndarray, human: np.ndarray, groups: list[object]) -> tuple[float, float]:
    """Kendall tau at summary level, and within each article averaged over articles."""
    within = []
    for group in set(groups):
        idx = [i for i, g in enumerate(groups) if g == group]
        tau = kendalltau(values[idx], human[idx]).statistic
        if not np.isnan(tau):
            within.append(tau)
    return float(kendalltau(values, human).statistic), float(np.mean(within))


def coverage_curves() -> None:
    """The shipped coverage against the alternatives it was chosen over, on two dev sets."""
    sets = {
        "REALSumm dev (LitePyramid recall)": (
            rows("realsumm_coverage", "dev"),
            lambda r: r["human"]["litepyramid_recall"],
        ),
        "SummEval dev (relevance)": (rows("summeval_dev"), lambda r: r["human"]["relevance"]),
    }
    scorer = CoverageScorer()
    for title, (data, human_of) in sets.items():
        docs = [Document("", r["summary"], r["highlights"]) for r in data]
        human = np.array([human_of(r) for r in data])
        groups = [r["doc_id"] for r in data]
        degrees = scorer.degrees(docs, get_embedder())
        variants = {
            "shipped: max(word share, soft cosine)": [
                np.mean([d for d, _, _, _ in x]) for x in degrees
            ],
            "word share alone": [np.mean([s for _, s, _, _ in x]) for x in degrees],
            "share of highlights at cosine >= 0.55": [
                np.mean([c >= 0.55 for _, _, c, _ in x]) for x in degrees
            ],
            "mean best cosine": [np.mean([c for _, _, c, _ in x]) for x in degrees],
        }
        rouge = RougeScorer().score(docs, None)
        for name in RougeScorer.names:
            variants[f"{name} recall"] = [r[name].value for r in rouge]
        print(f"{title}: {len(data)} summaries of {len(set(groups))} articles")
        print("  Kendall tau with the human score: summary level / within article")
        for label, values in variants.items():
            tau, within = _taus(np.array(values, dtype=float), human, groups)
            print(f"    {label:40s} {tau:.3f} / {within:.3f}")
        if title.startswith("REALSumm"):
            coverage = np.array(variants["shipped: max(word share, soft cosine)"])
            q = np.quantile(human, [0.25, 0.5])
            print(f"  human recall quartile 25% / median: {q[0]:.2f} / {q[1]:.2f}")
            for bar in (0.3, 0.35, 0.4, 0.45, 0.5):
                bad = human < q[0]
                flagged = coverage < bar
                tpr = (flagged & bad).sum() / bad.sum()
                tnr = (~flagged & ~bad).sum() / (~bad).sum()
                print(
                    f"    flag coverage < {bar:.2f} vs bottom-quartile human recall: balanced "
                    f"accuracy {(tpr + tnr) / 2:.3f} (recall {tpr:.2f}, specificity {tnr:.2f})"
                )


def coverage_default() -> float:
    """The built-in coverage threshold chosen as the module says, with what it passes and
    fails on each dev set."""
    realsumm = rows("realsumm_coverage", "dev")
    recall = np.array([r["human"]["litepyramid_recall"] for r in realsumm])
    low, median = np.quantile(recall, [0.25, 0.5])
    summeval = rows("summeval_dev")
    relevance = np.array([r["human"]["relevance"] for r in summeval])
    sets = {
        "SummEval dev": (summeval, relevance >= 4, relevance < 3),
        "REALSumm dev": (realsumm, recall > median, recall <= low),
    }
    scorer = CoverageScorer()
    values = {}
    for title, (data, _, _) in sets.items():
        docs = [Document("", r["summary"], r["highlights"]) for r in data]
        values[title] = np.array([m["coverage"].value for m in scorer.score(docs, get_embedder())])
    grid = [round(t, 2) for t in np.arange(0.01, 1.0, 0.01)]
    passing = {
        t: min(float((values[n][good] >= t).mean()) for n, (_, good, _) in sets.items())
        for t in grid
    }
    chosen = max((t for t in grid if passing[t] >= PASS_TARGET), default=0.0)
    print(
        f"coverage default: {chosen:.2f}, the highest at which >= {PASS_TARGET:.0%} of the "
        "well-covered summaries of each dev set pass"
    )
    print(
        "  well covered: SummEval relevance >= 4, REALSumm recall > its median "
        f"({median:.2f}); poorly: relevance < 3, recall <= its bottom quartile ({low:.2f})"
    )
    for t in sorted({chosen, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5}):
        cells = []
        for title, (_, good, bad) in sets.items():
            ok = values[title] >= t
            cells.append(
                f"{title}: well covered pass {ok[good].mean():.3f} ({good.sum()}), "
                f"poorly covered fail {(~ok[bad]).mean():.3f} ({bad.sum()})"
            )
        print(f"  {t:.2f}{' *' if t == chosen else '  '} " + "; ".join(cells))
    return chosen


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
    # Reruns read the embeddings from the gate's own disk cache instead of recomputing them.
    cache = os.environ.get("SUMMGATE_BENCH_CACHE", "/tmp/summgate-bench-cache/models.sqlite")
    get_embedder().cache = ModelCache(Path(cache), max_mb=4096)
    length_figures()
    coverage_curves()
    coverage_default()
