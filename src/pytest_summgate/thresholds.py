"""Thresholds as data: which rules apply to a case, where each came from, and their verdicts.

Every rule is evaluated; the gate never stops at the first failure, so a failing case shows
all of its checks with their margins.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from .errors import SettingError, quote

Op = Literal[">=", "<="]


@dataclass(frozen=True)
class ThresholdSpec:
    """A threshold name users write, the metric it bounds, and the values it accepts."""

    name: str
    metric: str
    op: Op
    unit_interval: bool  # a score in [0, 1]; otherwise any number >= 0
    integer: bool = False
    help: str = ""


BUILTIN_SPECS: Mapping[str, ThresholdSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            ThresholdSpec(
                "faithfulness",
                "faithfulness",
                ">=",
                True,
                help="weakest summary sentence's support by the article",
            ),
            ThresholdSpec(
                "coverage",
                "coverage",
                ">=",
                True,
                help="share of reference highlights the summary covers",
            ),
            ThresholdSpec("rouge1", "rouge1", ">=", True, help="ROUGE-1 recall of the highlights"),
            ThresholdSpec("rouge2", "rouge2", ">=", True, help="ROUGE-2 recall of the highlights"),
            ThresholdSpec("rougeL", "rougeL", ">=", True, help="ROUGE-L recall of the highlights"),
            ThresholdSpec(
                "min_words",
                "length",
                ">=",
                False,
                integer=True,
                help="summary length in words, at least",
            ),
            ThresholdSpec(
                "max_words",
                "length",
                "<=",
                False,
                integer=True,
                help="summary length in words, at most",
            ),
            ThresholdSpec(
                "max_compression",
                "compression",
                "<=",
                False,
                help="summary words / article words, at most",
            ),
        )
    }
)

# Built-in defaults for news summaries, measured on dev splits only (README: "How the defaults
# were chosen"): faithfulness by bench/learn_faithfulness.py, coverage and length by
# bench/calibrate.py. Without a baseline, faithfulness and coverage pass >= 95% of the
# summaries experts judge consistent (every dev split) or well covered (SummEval, REALSumm).
BUILTIN_THRESHOLDS: dict[str, float] = {
    "faithfulness": 0.1,
    "coverage": 0.27,
    "min_words": 10,
    "max_words": 150,
    "max_compression": 0.5,
}


# The built-in scores, where higher is better (length and compression are bounds, not
# qualities).
HIGHER_IS_BETTER = frozenset({"faithfulness", "coverage", "rouge1", "rouge2", "rougeL"})


@dataclass(frozen=True)
class Metrics:
    """The threshold names a run knows, and which way each custom metric is better.

    The built-ins, and the metrics of the run's custom scorers (hookspecs.
    pytest_summgate_scorers): a custom metric's threshold of the same name is a minimum
    (``>=``) or a maximum (``<=``). The run builds its own (``SummgateRun``) and puts it in
    force for its session (``in_force``); outside a run, the built-ins are.
    """

    specs: Mapping[str, ThresholdSpec] = field(default_factory=lambda: BUILTIN_SPECS)
    custom: Mapping[str, Op] = field(default_factory=lambda: MappingProxyType({}))

    def higher_is_better(self, metric: str) -> bool:
        """A metric where a drop is always worse: the built-in scores, custom minimums."""
        return metric in HIGHER_IS_BETTER or self.custom.get(metric) == ">="

    def higher(self) -> list[str]:
        """Every metric where higher is better, sorted."""
        return sorted(HIGHER_IS_BETTER | {m for m, op in self.custom.items() if op == ">="})

    def with_metric(self, name: str, op: Op = ">=") -> Metrics:
        """These metrics and a custom scorer's metric (a threshold, baseline and report key)."""
        if op not in (">=", "<="):
            raise SettingError(
                f"custom metric {name!r}: direction must be '>=' or '<=', not {op!r}"
            )
        if name in self.specs and name not in self.custom:
            raise SettingError(f"custom metric {name!r} clashes with the built-in threshold")
        if not name.isidentifier():
            raise SettingError(f"custom metric name {name!r} must be a plain identifier")
        spec = ThresholdSpec(name, name, op, unit_interval=False, help="custom metric")
        return Metrics(
            MappingProxyType({**self.specs, name: spec}),
            MappingProxyType({**self.custom, name: op}),
        )


BUILTIN_METRICS = Metrics()
# The metrics of the run in force. A context variable rather than a module global: a pytest
# session run inside another (pytester) puts its own in force and gives the outer one back.
_IN_FORCE: ContextVar[Metrics] = ContextVar("summgate_metrics", default=BUILTIN_METRICS)


def metrics() -> Metrics:
    """The metrics of the run in force (the built-ins outside a run)."""
    return _IN_FORCE.get()


def in_force(known: Metrics) -> Token[Metrics]:
    """Put a run's metrics in force until ``out_of_force(token)``."""
    return _IN_FORCE.set(known)


def out_of_force(token: Token[Metrics]) -> None:
    _IN_FORCE.reset(token)


SOURCE_BUILTIN = "built-in default"

# The one word that switches a threshold or a suite gate off, in any case ("off", "OFF"), on
# the command line, in the ini and in case files; there, a YAML or JSON null does too. Other
# words ("none", "no", "false", "") are errors: a threshold is never off by accident.
OFF = "off"
# The thresholds that bound one score from both sides.
BOUNDS = ("min_words", "max_words")


def is_off(raw: object) -> bool:
    """``off`` (any case, spaces around it), or a null from a case file."""
    return raw is None or (isinstance(raw, str) and raw.strip().lower() == OFF)


def contradiction(values: Mapping[str, float | None]) -> str:
    """Why no summary can pass these thresholds together, or "": a minimum of words over the
    maximum."""
    low, high = (values.get(name) for name in BOUNDS)
    if low is not None and high is not None and low > high:
        return f"min_words {low:g} is more than max_words {high:g}: no summary can pass both"
    return ""


@dataclass(frozen=True)
class Rule:
    """One threshold in force for a case: ``metric op value``, set by ``source``."""

    name: str
    metric: str
    op: Op
    value: float
    source: str

    def holds(self, score: float) -> bool:
        return score >= self.value if self.op == ">=" else score <= self.value

    def margin(self, score: float) -> float:
        """Signed distance to the bound: positive is room to spare, negative a violation."""
        return score - self.value if self.op == ">=" else self.value - score


@dataclass(frozen=True)
class Check:
    """A rule's verdict on a case. ``score`` is None when the metric was skipped.

    An ``advisory`` check is shown but decides nothing: a built-in score default while a
    baseline is in force (the run is then judged against the baseline, see ``advisory``).
    """

    rule: Rule
    score: float | None
    skipped: str = ""
    advisory: bool = False

    @property
    def below(self) -> bool:
        """The score breaks the rule, whether or not the rule decides."""
        return self.score is not None and not self.rule.holds(self.score)

    @property
    def failed(self) -> bool:
        return self.below and not self.advisory


# Scores whose built-in default bar only advises once a baseline is in force: a model change
# is then judged by the paired suite gates, hard evidence and the thresholds a user set.
# Length and compression bounds stay decisive (a 470-word "summary" is wrong on any model).
ADVISORY_WITH_BASELINE = frozenset({"faithfulness", "coverage"})


def advisory(rule: Rule, baseline_in_force: bool) -> bool:
    """Whether ``rule`` only advises in this run."""
    return (
        baseline_in_force and rule.source == SOURCE_BUILTIN and rule.name in ADVISORY_WITH_BASELINE
    )


def suggest(name: str) -> str:
    if len(name) > 100:  # no threshold name is that long; spare difflib the work
        return ""
    close = difflib.get_close_matches(name, list(metrics().specs), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def parse_value(name: str, raw: object) -> float | None:
    """Validate one threshold; None means the threshold is switched off."""
    spec = metrics().specs.get(name)
    if spec is None:
        known = ", ".join(metrics().specs)
        raise SettingError(f"unknown threshold {quote(name)}{suggest(name)}; known: {known}")
    if is_off(raw):
        return None
    # A case file's loader turns YAML's bare ``off`` (the boolean false to YAML 1.1) into
    # "off"; any other boolean (``no``, ``true``, JSON's ``false``) says nothing clear.
    value = as_number(raw)
    if value is None:
        hint = "" if isinstance(raw, bool) else off_hint(raw)
        raise SettingError(f"threshold {name} must be a number, not {quote(raw)}{hint}")
    if math.isnan(value) or math.isinf(value):
        raise SettingError(f"threshold {name} must be a finite number, not {quote(raw)}")
    if spec.unit_interval and not 0.0 <= value <= 1.0:
        raise SettingError(f"threshold {name} must be between 0 and 1, not {quote(raw)}")
    if not spec.unit_interval and value < 0:
        raise SettingError(f"threshold {name} must be 0 or more, not {quote(raw)}")
    if spec.integer and value != int(value):
        raise SettingError(f"threshold {name} must be a whole number of words, not {quote(raw)}")
    return value


def off_hint(raw: object) -> str:
    """How to switch a setting off, for a value that looks like an attempt to (``none``)."""
    words = ("", "none", "null", "no", "false", "disabled", "disable", "n/a", "-")
    if isinstance(raw, str) and raw.strip().lower() in words:
        return f" (to switch it off, write {OFF})"
    return ""


def as_number(raw: object) -> float | None:
    """``raw`` as a number (a whole number too long for a float is infinite); None when it
    is none: text that is no number, a list, a boolean (``yes`` is no threshold)."""
    if isinstance(raw, bool):
        return None
    try:
        return float(raw)  # type: ignore[arg-type]
    except OverflowError:  # a whole number of 400 digits
        return math.inf
    except (TypeError, ValueError):
        return None


def parse_assignment(text: str) -> tuple[str, str]:
    """Split ``NAME=VALUE`` (command line and ini form)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise SettingError(f"expected NAME=VALUE, got {quote(text)}")
    return name.strip(), value.strip()


def parse_mapping(values: Mapping[str, object]) -> dict[str, float | None]:
    """Validate a mapping of threshold names to values (YAML ``thresholds:``)."""
    parsed = {}
    for name, raw in values.items():
        if not isinstance(name, str):  # str() of a 5,000-digit number raises
            known = ", ".join(metrics().specs)
            raise SettingError(f"unknown threshold {quote(name)}; known: {known}")
        parsed[name] = parse_value(name, raw)
    return parsed


Layer = tuple[str, Mapping[str, float | None]]


def resolve_rules(layers: Iterable[Layer]) -> list[Rule]:
    """Merge threshold layers, lowest precedence first; later layers override earlier ones."""
    merged: dict[str, tuple[float | None, str]] = {}
    for source, values in layers:
        for name, value in values.items():
            merged[name] = (value, source)
    rules = []
    for name, spec in metrics().specs.items():
        if name in merged and merged[name][0] is not None:
            value, source = merged[name]
            assert value is not None
            rules.append(Rule(name, spec.metric, spec.op, value, source))
    return rules


def evaluate(
    rules: Iterable[Rule],
    scores: Mapping[str, float | None],
    skipped: Mapping[str, str],
    baseline_in_force: bool = False,
) -> list[Check]:
    """Judge every rule against the case's scores (a missing score is a skipped check)."""
    checks = []
    for rule in rules:
        score = scores.get(rule.metric)
        if score is None:
            checks.append(Check(rule, None, skipped.get(rule.metric, "not computed")))
        else:
            checks.append(Check(rule, score, advisory=advisory(rule, baseline_in_force)))
    return checks
