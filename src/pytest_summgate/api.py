"""The public Python API: the gate's numbers and verdicts for notebooks and scripts.

``score`` and ``score_many`` use the same scorers, model and text handling as the pytest
items, so a number seen in a notebook is the number the gate judges; ``check`` judges one
summary with the same rules (``thresholds.evaluate`` through ``Engine.check``) and says why.
A model that takes more than a second or two to load is announced on stderr (``quiet=True``:
not).
"""

from __future__ import annotations

import reprlib
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import thresholds
from .cases import Case
from .engine import CaseResult, Engine, evidence_shown
from .errors import SettingError
from .metrics import Document, Metric
from .models import DEFAULT_MODEL
from .settings import Settings
from .terminal import failure_block, verdict

# A model load that takes longer than this is announced on stderr (the first call of a
# script waits for torch and the model: about 7 s, a minute on a slow disk).
ANNOUNCE_AFTER = 1.5
# Where check()'s own thresholds came from, as a rule's source says it.
SOURCE_CHECK = "check() thresholds"


@dataclass(frozen=True)
class Result:
    """Scores of one summary: ``scores`` maps each metric to its value (None when skipped,
    e.g. coverage without highlights), ``evidence`` maps it to its reasons, ``skipped`` to
    why it was not computed."""

    scores: dict[str, float | None]
    evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_metrics(cls, metrics: Mapping[str, Metric]) -> Result:
        return cls(
            scores={name: m.value for name, m in metrics.items()},
            evidence={name: m.evidence for name, m in metrics.items()},
            skipped={name: m.skipped for name, m in metrics.items() if m.value is None},
        )


@dataclass(frozen=True)
class RuleVerdict:
    """One rule's verdict on a summary, as the pytest item's failure block shows it: the
    threshold ``name`` bounding ``metric`` (``op`` ``bound``), where the bound came from
    (``source``), the ``score`` and its ``margin`` (room to spare; negative: broken), or why
    the metric was ``skipped`` (score and margin None)."""

    name: str
    metric: str
    op: str
    bound: float
    source: str
    score: float | None
    margin: float | None
    passed: bool
    skipped: str = ""


@dataclass(frozen=True)
class Verdict:
    """Pass or fail, with every rule that decided it, the hard evidence (a decisive claim
    check fails by itself, whatever the score) and the evidence of what failed: what the
    pytest item decides for the same case and thresholds. ``bool(verdict)`` is ``passed``;
    ``text()`` is the failure block the item would print."""

    passed: bool
    verdict: str  # the verdict in one sentence ("1 of 5 checks failed: coverage 0.00 < 0.50")
    rules: tuple[RuleVerdict, ...]
    hard_evidence: dict[str, tuple[str, ...]]
    evidence: dict[str, tuple[str, ...]]
    result: Result  # every score, its evidence, and why a metric was skipped
    _checked: CaseResult = field(repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.passed

    @property
    def failed(self) -> tuple[RuleVerdict, ...]:
        """The rules the summary broke."""
        return tuple(rule for rule in self.rules if not rule.passed and not rule.skipped)

    def text(self, verbose: bool = False) -> str:
        """The verdict, every check with its score, rule and margin, then the evidence: the
        block the pytest item prints (every evidence line with ``verbose``)."""
        checked = self._checked
        return failure_block(
            checked.checks,
            checked.metrics,
            "",
            hard_evidence=checked.hard_evidence,
            verbose=verbose,
        )

    @classmethod
    def of(cls, checked: CaseResult) -> Verdict:
        hard = checked.hard_evidence
        evidence = evidence_shown(checked.checks, checked.metrics, hard)
        rules = tuple(
            RuleVerdict(
                c.rule.name,
                c.rule.metric,
                c.rule.op,
                c.rule.value,
                c.rule.source,
                c.score,
                c.rule.margin(c.score) if c.score is not None else None,
                not c.failed,
                c.skipped,
            )
            for c in checked.checks
        )
        return cls(
            passed=not checked.failed and not hard,
            verdict=verdict(checked.checks, hard),
            rules=rules,
            hard_evidence=dict(hard),
            evidence={m: lines for m, lines in evidence.items() if lines},
            result=Result.from_metrics(checked.metrics),
            _checked=checked,
        )


_ENGINES: dict[tuple[str, str | None], Engine] = {}


def _engine(model: str, faithfulness_model: str | None) -> Engine:
    key = (model, faithfulness_model)
    if key not in _ENGINES:
        _ENGINES[key] = Engine(Settings(model=model, faithfulness_model=faithfulness_model))
    return _ENGINES[key]


def score(
    article: str,
    summary: str,
    highlights: str | Sequence[str] | None = None,
    *,
    model: str = DEFAULT_MODEL,
    faithfulness_model: str | None = None,
    quiet: bool = False,
) -> Result:
    """Score one summary against its article (and reference highlights, if any).

    ``article`` and ``summary`` must be text, ``highlights`` text, a list of text or None:
    anything else is a TypeError naming the argument, raised before any scoring.
    ``quiet``: say nothing on stderr, even while a model loads.
    """
    case = {"article": article, "summary": summary, "highlights": highlights}
    document = _document(case, "")  # a TypeError names the argument
    engine = _engine(model, faithfulness_model)
    with _loading_said(engine, quiet):
        (metrics,) = engine.metrics([document])
    return Result.from_metrics(metrics)


def check(
    article: str,
    summary: str,
    highlights: str | Sequence[str] | None = None,
    *,
    thresholds: Mapping[str, float | str | None] | None = None,
    model: str = DEFAULT_MODEL,
    faithfulness_model: str | None = None,
    quiet: bool = False,
) -> Verdict:
    """Judge one summary as the gate's pytest item does: every rule in force (the built-in
    defaults, overridden by ``thresholds``: ``{"coverage": 0.5, "max_words": "off"}``, the
    names and values a case file takes) and every decisive claim check.

    Returns a :class:`Verdict`: passed or not, each rule with its source and margin, the
    hard evidence and the evidence. A bad threshold is a ValueError naming it; texts are
    checked as ``score`` checks them (TypeError).
    """
    case = {"article": article, "summary": summary, "highlights": highlights}
    document = _document(case, "")  # a TypeError names the argument
    rules = _rules(thresholds or {})
    engine = _engine(model, faithfulness_model)
    entry = Case("check", "check()", 0, document.article, document.summary, _highlights(highlights))
    with _loading_said(engine, quiet):
        (checked,) = engine.check([entry], rules=rules)
    return Verdict.of(checked)


def _rules(given: Mapping[str, float | str | None]) -> list[thresholds.Rule]:
    """The rules of a check: the built-in defaults, then ``given`` (a case file's words)."""
    if not isinstance(given, Mapping):
        raise TypeError(f"thresholds must be a mapping of name to value, got {_kind(given)}")
    try:
        parsed = thresholds.parse_mapping(given)
        problem = thresholds.contradiction({**thresholds.BUILTIN_THRESHOLDS, **parsed})
        if problem:
            raise SettingError(problem)
    except SettingError as error:
        raise ValueError(f"thresholds: {error}") from None
    return thresholds.resolve_rules(
        [(thresholds.SOURCE_BUILTIN, thresholds.BUILTIN_THRESHOLDS), (SOURCE_CHECK, parsed)]
    )


def _highlights(highlights: str | Sequence[str] | None) -> str | tuple[str, ...] | None:
    return highlights if highlights is None or isinstance(highlights, str) else tuple(highlights)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextmanager
def _loading_said(engine: Engine, quiet: bool) -> Iterator[None]:
    """While the engine scores: a model load that takes more than ANNOUNCE_AFTER seconds
    is said on stderr (not when ``quiet``; not over the announcer a pytest run set)."""
    ours = [model for model in engine.models() if model.announce is None]
    for model in ours:
        model.announce = None if quiet else _say
        model.announce_after = ANNOUNCE_AFTER
    try:
        yield
    finally:
        for model in ours:
            model.announce = None
            model.announce_after = 0.0


def score_many(
    cases: Iterable[Mapping[str, Any]],
    *,
    model: str = DEFAULT_MODEL,
    faithfulness_model: str | None = None,
    batch_size: int = 256,
    quiet: bool = False,
) -> list[Result]:
    """Score many summaries, encoding their sentences together in batches.

    Each case is a mapping with ``article`` and ``summary`` (text) and optionally
    ``highlights`` (text, a list of text or None). Every case is checked before any is
    scored: anything else is a TypeError naming the case (its index, from 0) and the field.
    ``quiet``: say nothing on stderr, even while a model loads.
    """
    documents = _documents(cases)  # every case checked before any is scored
    engine = _engine(model, faithfulness_model)
    results: list[Result] = []
    with _loading_said(engine, quiet):
        for start in range(0, len(documents), max(1, batch_size)):
            batch = documents[start : start + batch_size]
            results.extend(map(Result.from_metrics, engine.metrics(batch)))
    return results


def _documents(cases: Iterable[Mapping[str, Any]]) -> list[Document]:
    """Every case as a document, checked before any is scored; TypeError naming the case
    and the field that is not text."""
    if isinstance(cases, (str, bytes, Mapping)) or not isinstance(cases, Iterable):
        raise TypeError(f"cases must be an iterable of mappings, got {_kind(cases)}")
    documents = []
    for number, case in enumerate(cases):
        if not isinstance(case, Mapping):
            raise TypeError(
                f"case {number} must be a mapping with 'article' and 'summary', got {_kind(case)}"
            )
        documents.append(_document(case, f"case {number}: "))
    return documents


def _document(case: Mapping[str, Any], where: str) -> Document:
    for key in ("article", "summary"):
        if not isinstance(case.get(key), str):
            raise TypeError(f"{where}{key!r} must be text, got {_kind(case.get(key))}")
    highlights = case.get("highlights")
    if isinstance(highlights, (list, tuple)):
        for index, item in enumerate(highlights):
            if not isinstance(item, str):
                raise TypeError(
                    f"{where}'highlights' must be text or a list of text, got {_kind(item)} "
                    f"as item {index}"
                )
    elif highlights is not None and not isinstance(highlights, str):
        raise TypeError(
            f"{where}'highlights' must be text, a list of text or None, got {_kind(highlights)}"
        )
    return Document(case["article"], case["summary"], highlights)


def _kind(value: object) -> str:
    """A value's type and a short repr, for a message (reprlib: bounded for any size)."""
    return f"{type(value).__name__} {reprlib.repr(value)}"
