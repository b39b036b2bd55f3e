"""Gates over the whole run: means, pass rate, and the paired change against a baseline.

Many small drops add up: a run fails when the bootstrap confidence interval of the mean
change of a metric, over the cases it shares with the baseline, lies wholly below minus the
allowed drop, even when every case is within its own tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import hard_evidence, thresholds
from .baseline import ACCEPTED, CHANGED, COMPARED, DECIMALS, NEW, Baseline
from .decision import HardEvidenceTest
from .errors import SettingError, quote
from .thresholds import HIGHER_IS_BETTER, metrics

DEFAULT_SEED = 20261125
BOOTSTRAP_SAMPLES = 2000
# With a baseline, a mean drop whose whole 95% interval lies below -0.01 fails the run.
DEFAULT_MAX_MEAN_DROP = 0.01  # for custom scorers' metrics, which were never measured
# Chosen by bench/versions.py on the dev splits (SummEval, FRANK, XSumFaith systems as model
# versions judged by experts): the setting that blocks the most worse versions among those
# that block at most 5% of the not-worse ones. The faithfulness mean blocks versions that
# are only more abstractive (8% of not-worse pairs even at its loosest): off by default.
BUILTIN_MAX_MEAN_DROP: dict[str, float | None] = {
    "faithfulness": None,
    "coverage": 0.03,
    "rouge1": 0.005,
    "rouge2": None,
    "rougeL": 0.0,
}
# Fewer pairs than this are not judged: the interval of one case's change is that change, so
# the gate would overrule the case's own tolerance (0.01 instead of the 0.05 it was given).
MIN_PAIRED_CASES = 5
# Two-sided level of the paired change's bootstrap interval (suite gate ``confidence``).
DEFAULT_CONFIDENCE = 0.80

SUITE_GATES = (
    "confidence",
    "pass_rate",
    *(f"mean_{m}" for m in sorted(HIGHER_IS_BETTER)),
    *(f"max_mean_drop_{m}" for m in sorted(HIGHER_IS_BETTER)),
)


def gate_names() -> list[str]:
    """Every suite gate name, custom metrics' included."""
    custom = [m for m in metrics().higher() if m not in HIGHER_IS_BETTER]
    return [*SUITE_GATES, *(f"mean_{m}" for m in custom), *(f"max_mean_drop_{m}" for m in custom)]


def parse_gates(assignments: Mapping[str, str], where: str) -> dict[str, float | None]:
    """Validate suite gates; ``off`` switches one off."""
    gates: dict[str, float | None] = {}
    known = gate_names()
    for name, raw in assignments.items():
        if name not in known:
            raise SettingError(
                f"{where}: unknown suite gate {quote(name)}; known: {', '.join(known)}"
            )
        if thresholds.is_off(raw):
            gates[name] = None
            continue
        try:
            value = float(raw)
        except ValueError:
            raise SettingError(
                f"{where}: suite gate {name} must be a number, not {quote(raw)}"
                f"{thresholds.off_hint(raw)}"
            ) from None
        custom = name.removeprefix("mean_") in metrics().custom
        if name == "confidence" and not 0.5 <= value < 1.0:
            raise SettingError(
                f"{where}: confidence must be at least 0.5 and below 1, not {quote(raw)}"
            )
        if math.isnan(value) or (not custom and not 0.0 <= value <= 1.0):
            raise SettingError(
                f"{where}: suite gate {name} must be between 0 and 1, not {quote(raw)}"
            )
        gates[name] = value
    return gates


def default_gates() -> dict[str, float | None]:
    return {
        "confidence": DEFAULT_CONFIDENCE,
        **{
            f"max_mean_drop_{m}": BUILTIN_MAX_MEAN_DROP.get(m, DEFAULT_MAX_MEAN_DROP)
            for m in metrics().higher()
        },
    }


@dataclass(frozen=True)
class SuiteCheck:
    """One suite gate's verdict, with the figures that decided it."""

    name: str
    observed: str
    rule: str
    failed: bool
    detail: str = ""


@dataclass(frozen=True)
class Change:
    """The paired mean change of a metric over the cases shared with the baseline."""

    metric: str
    cases: int
    mean: float
    low: float
    high: float
    level: float = DEFAULT_CONFIDENCE


def bootstrap_mean(
    deltas: Sequence[float],
    seed: int,
    samples: int = BOOTSTRAP_SAMPLES,
    confidence: float = 0.95,
) -> tuple[float, float, float]:
    """Mean and two-sided percentile-bootstrap interval of ``deltas`` at ``confidence``
    (fixed seed: reproducible)."""
    import numpy as np

    values = np.asarray(deltas, dtype=np.float64)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(values), size=(samples, len(values)))
    means = values[picks].mean(axis=1)
    tail = 100.0 * (1.0 - confidence) / 2.0
    low, high = np.percentile(means, [tail, 100.0 - tail])
    return float(values.mean()), float(low), float(high)


def paired_changes(
    scores: Mapping[str, Mapping[str, float]],
    contents: Mapping[str, str],
    baseline: Baseline,
    seed: int,
    confidence: float = DEFAULT_CONFIDENCE,
) -> list[Change]:
    """Per metric where higher is better, the change over cases compared with the baseline."""
    changes = []
    for metric in metrics().higher():
        deltas = [
            # At the precision stored: unchanged scores are no change, not a run of tiny drops.
            round(values[metric], DECIMALS) - round(entry.scores[metric], DECIMALS)
            for nodeid, values in sorted(scores.items())
            if (entry := baseline.entries.get(nodeid)) is not None
            and entry.content == contents.get(nodeid)
            and metric in values
            and metric in entry.scores
        ]
        if deltas:
            mean, low, high = bootstrap_mean(deltas, seed, confidence=confidence)
            changes.append(Change(metric, len(deltas), mean, low, high, confidence))
    return changes


def evaluate(
    gates: Mapping[str, float | None],
    scores: Mapping[str, Mapping[str, float]],
    failed: int,
    errors: int,
    changes: Sequence[Change],
) -> list[SuiteCheck]:
    """Every suite gate that is set, judged on the run's figures."""
    checks = []
    total = len(scores) + errors
    bound = gates.get("pass_rate")
    if bound is not None and total:
        rate = (len(scores) - failed) / total
        checks.append(
            SuiteCheck(
                "pass_rate",
                f"{rate:.2f}",
                f">= {bound:.2f}",
                rate < bound,
                f"{len(scores) - failed} of {total} cases passed",
            )
        )
    for metric in metrics().higher():
        bound = gates.get(f"mean_{metric}")
        values = [s[metric] for s in scores.values() if metric in s]
        if bound is not None and values:
            mean = sum(values) / len(values)
            checks.append(
                SuiteCheck(
                    f"mean_{metric}",
                    f"{mean:.3f}",
                    f">= {bound:.2f}",
                    mean < bound,
                    f"over {len(values)} cases",
                )
            )
    for change in changes:
        allowed = gates.get(f"max_mean_drop_{change.metric}")
        if allowed is None:
            continue
        enough = change.cases >= MIN_PAIRED_CASES
        checks.append(
            SuiteCheck(
                f"{change.metric} vs baseline",
                f"{change.mean:+.3f} [{change.level:.0%} CI {change.low:+.3f}, {change.high:+.3f}]",
                f"CI not all below {(-allowed or 0.0):+.3f}",  # never "-0.000"
                enough and change.high < -allowed,
                f"paired over {change.cases} cases"
                + ("" if enough else f"; too few to judge, {MIN_PAIRED_CASES} needed"),
            )
        )
    return checks


def hard_evidence_check(found: hard_evidence.Tally, test: HardEvidenceTest) -> SuiteCheck | None:
    """The hard-evidence test as a suite check, which blocks as a suite gate does (the exit
    status, JUnit, the short summary); None when no compared case gained a decisive finding
    (then it cannot block)."""
    if not found.new:
        return None
    return SuiteCheck(
        hard_evidence.GATE,
        hard_evidence.observed_text(found, test),
        hard_evidence.rule_text(test.confidence),
        test.blocks,
        f"{hard_evidence.counts_text(found)}; one-sided sign test",
    )


@dataclass(frozen=True)
class MetricStat:
    """A metric over the run's cases: its mean, its minimum, the cases that failed on it
    (``failed``: of those that block; ``known``: known failures, which failed as recorded)."""

    metric: str
    mean: float
    min: float
    failed: int
    known: int = 0


def metric_stats(
    scores: Mapping[str, Mapping[str, float | None]],
    failing: Mapping[str, Iterable[str]],
    known: Mapping[str, Iterable[str]] | None = None,
) -> list[MetricStat]:
    """Each metric's mean, minimum and failing cases, in the checks' order (the built-ins'
    first, then by name). ``scores``, ``failing`` and ``known`` are by node id; a failing
    entry may say how (``coverage (regressed)``): a case counts once per metric, whether it
    broke the rule, had hard evidence or regressed."""
    values: dict[str, list[float]] = {}
    for case in scores.values():
        for name, value in case.items():
            if value is not None:
                values.setdefault(name, []).append(value)
    failed, known_failed = _per_metric(failing), _per_metric(known or {})
    names = list(dict.fromkeys(spec.metric for spec in metrics().specs.values()))
    order = sorted(values, key=lambda m: (names.index(m) if m in names else len(names), m))
    return [
        MetricStat(
            m,
            sum(values[m]) / len(values[m]),
            min(values[m]),
            failed.get(m, 0),
            known_failed.get(m, 0),
        )
        for m in order
    ]


def _per_metric(failing: Mapping[str, Iterable[str]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for names in failing.values():
        for metric in dict.fromkeys(name.split(" (")[0] for name in names):
            found[metric] = found.get(metric, 0) + 1
    return found


@dataclass(frozen=True)
class Counts:
    """The run's counts, computed once from its case records (``ci_outputs.CaseRecord``, as
    the JSON report holds them): the terminal summary, the job summary and the JSON report
    all show these, and count nothing themselves.

    Outcomes: ``passed``, ``failed`` (blocks), ``errors`` (could not be checked),
    ``known_failures`` (failed as recorded: xfail) and ``now_pass`` (XPASS). Against the
    stored entries: ``compared`` cases, of which ``dropped`` have drops beyond their
    tolerance (``drops`` of them, a metric each) and ``regressed`` fail on them
    (``summgate_case_regressions = fail``); ``new`` cases (no stored entry, or added by the
    pull request), ``changed`` ones (their article or highlights), and ``accepted`` ones
    (whose entry the pull request changed or added, reproduced by this run)."""

    cases: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    known_failures: int = 0
    now_pass: int = 0
    metrics: tuple[MetricStat, ...] = ()
    compared: int = 0
    dropped: int = 0
    regressed: int = 0
    drops: int = 0
    new: int = 0
    changed: int = 0
    accepted: int = 0
    drops_block: bool = False  # drops fail their case (summgate_case_regressions = fail)


def failing_metrics(record: Mapping[str, Any]) -> list[str]:
    """The metrics a case record failed on: a rule, hard evidence (not a compared case's
    new findings, which the run's test judges), or a drop that blocks."""
    return [
        *(check["metric"] for check in record.get("checks", []) if check["failed"]),
        *hard_evidence.blocking_metrics(record),
        *(r["metric"] for r in record.get("regressions", []) if r.get("blocking", True)),
    ]


def counts_of(
    records: Iterable[Mapping[str, Any]], added: Collection[str] = (), drops_block: bool = False
) -> Counts:
    """The counts of a run's case records; ``added``: the node ids whose entries the pull
    request added (new cases, though accepted)."""
    records = list(records)
    outcomes = [r["outcome"] for r in records]
    statuses = [r.get("baseline") for r in records]
    accepted_new = sum(r.get("baseline") == ACCEPTED and r["nodeid"] in added for r in records)
    dropped = [r for r in records if r.get("baseline") == COMPARED and r.get("regressions")]
    stats = metric_stats(
        {r["nodeid"]: r.get("scores", {}) for r in records},
        {r["nodeid"]: failing_metrics(r) for r in records if r["outcome"] == "failed"},
        {r["nodeid"]: failing_metrics(r) for r in records if r["outcome"] == "xfailed"},
    )
    return Counts(
        cases=len(records),
        passed=outcomes.count("passed"),
        failed=outcomes.count("failed"),
        errors=outcomes.count("error"),
        known_failures=outcomes.count("xfailed"),
        now_pass=outcomes.count("xpassed"),
        metrics=tuple(stats),
        compared=statuses.count(COMPARED),
        dropped=len(dropped),
        regressed=sum(any(d.get("blocking") for d in r["regressions"]) for r in dropped),
        drops=sum(len(r["regressions"]) for r in dropped),
        new=statuses.count(NEW) + accepted_new,
        changed=statuses.count(CHANGED),
        accepted=statuses.count(ACCEPTED),
        drops_block=drops_block,
    )
