"""The public Python API: the gate's numbers for notebooks and scripts.

``score`` and ``score_many`` use the same scorers, model and text handling as the pytest
items, so a number seen in a notebook is the number the gate judges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .engine import Engine
from .metrics import Document, Metric
from .models import DEFAULT_MODEL
from .settings import Settings


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
) -> Result:
    """Score one summary against its article (and reference highlights, if any)."""
    (result,) = score_many(
        [{"article": article, "summary": summary, "highlights": highlights}],
        model=model,
        faithfulness_model=faithfulness_model,
    )
    return result


def score_many(
    cases: Iterable[Mapping[str, Any]],
    *,
    model: str = DEFAULT_MODEL,
    faithfulness_model: str | None = None,
    batch_size: int = 256,
) -> list[Result]:
    """Score many summaries, encoding their sentences together in batches.

    Each mapping needs ``article`` and ``summary``; ``highlights`` (text or list) is optional.
    """
    engine = _engine(model, faithfulness_model)
    results: list[Result] = []
    batch: list[Document] = []
    for number, case in enumerate(cases):
        for key in ("article", "summary"):
            if not isinstance(case.get(key), str):
                raise TypeError(f"case {number}: {key!r} must be text")
        batch.append(Document(case["article"], case["summary"], case.get("highlights")))
        if len(batch) >= batch_size:
            results.extend(map(Result.from_metrics, engine.metrics(batch)))
            batch = []
    if batch:
        results.extend(map(Result.from_metrics, engine.metrics(batch)))
    return results
