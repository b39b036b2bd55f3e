"""The public Python API: the gate's numbers for notebooks and scripts.

``score`` and ``score_many`` use the same scorers, model and text handling as the pytest
items, so a number seen in a notebook is the number the gate judges.
"""

from __future__ import annotations

import reprlib
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
    """Score one summary against its article (and reference highlights, if any).

    ``article`` and ``summary`` must be text, ``highlights`` text, a list of text or None:
    anything else is a TypeError naming the argument, raised before any scoring.
    """
    case = {"article": article, "summary": summary, "highlights": highlights}
    document = _document(case, "")  # a TypeError names the argument
    (metrics,) = _engine(model, faithfulness_model).metrics([document])
    return Result.from_metrics(metrics)


def score_many(
    cases: Iterable[Mapping[str, Any]],
    *,
    model: str = DEFAULT_MODEL,
    faithfulness_model: str | None = None,
    batch_size: int = 256,
) -> list[Result]:
    """Score many summaries, encoding their sentences together in batches.

    Each case is a mapping with ``article`` and ``summary`` (text) and optionally
    ``highlights`` (text, a list of text or None). Every case is checked before any is
    scored: anything else is a TypeError naming the case (its index, from 0) and the field.
    """
    documents = _documents(cases)  # every case checked before any is scored
    engine = _engine(model, faithfulness_model)
    results: list[Result] = []
    batch: list[Document] = []
    for document in documents:
        batch.append(document)
        if len(batch) >= batch_size:
            results.extend(map(Result.from_metrics, engine.metrics(batch)))
            batch = []
    if batch:
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
