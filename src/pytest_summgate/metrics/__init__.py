"""Metrics: one small Scorer protocol, and the documents the scorers share.

A :class:`Document` splits its texts once (sentences, highlights, words) so every scorer
reads the same pieces. A :class:`Scorer` turns a batch of documents into named
:class:`Metric` values with their evidence. Heavy imports (torch, sentence-transformers,
rouge-score) happen inside the scorers, on first use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ScorerFailed, user_traceback
from .base import Aligned, Document, Metric, Scorer

if TYPE_CHECKING:
    from ..cache import ModelCache
    from ..models import Embedder

__all__ = ["Aligned", "Document", "Metric", "Scorer", "default_scorers", "score_documents"]


def default_scorers(faithfulness_model: str | None = None) -> list[Scorer]:
    """The built-in scorers, in the order their checks are shown.

    With ``faithfulness_model`` (an NLI cross-encoder, hub id or local path) faithfulness
    comes from that model instead of the embedded default.
    """
    from .coverage import CoverageScorer, RougeScorer
    from .length import LengthScorer

    faithfulness: Scorer
    if faithfulness_model:
        from ..models import get_nli_model
        from .nli import NLIFaithfulnessScorer

        faithfulness = NLIFaithfulnessScorer(get_nli_model(faithfulness_model))
    else:
        from .faithfulness import FaithfulnessScorer

        faithfulness = FaithfulnessScorer()
    return [faithfulness, CoverageScorer(), RougeScorer(), LengthScorer()]


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the code and weights the built-in scores come from: any change to them
    (an upgrade, a local edit) makes every cached score a miss."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.blake2b(digest_size=12)
    sources = [*sorted(Path(__file__).resolve().parent.glob("*.py")), package / "text.py"]
    for path in [*sources, package / "models.py", package / "faithfulness_weights.json"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _record(metric: Metric) -> dict[str, Any]:
    return {
        "value": metric.value,
        "evidence": list(metric.evidence),
        "skipped": metric.skipped,
        "decisive": list(metric.decisive),
        "aligned": [
            [a.text, a.score, list(a.passages), list(a.similarities), list(a.reasons),
             list(a.decisive), list(a.notes)]
            for a in metric.aligned
        ],
    }  # fmt: skip


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(e, str) for e in value)


def _numbers(value: Any, kind: type | tuple[type, ...] = (int, float)) -> bool:
    return isinstance(value, list) and all(
        isinstance(e, kind) and not isinstance(e, bool) for e in value
    )


def _aligned(record: Any) -> tuple[Aligned, ...] | None:
    """Cached sentences back as Aligned records; None when one is not of their shape."""
    if not isinstance(record, list):
        return None
    found = []
    for item in record:
        if not isinstance(item, list) or len(item) != 7:
            return None
        text, score, passages, similarities, reasons, decisive, notes = item
        if not isinstance(text, str) or not _numbers([score]) or not _numbers(similarities):
            return None
        if not _numbers(passages, int):
            return None
        if not _strings(reasons) or not _strings(notes) or not isinstance(decisive, list):
            return None
        if not all(isinstance(d, bool) for d in decisive):
            return None
        found.append(
            Aligned(text, float(score), tuple(passages), tuple(map(float, similarities)),
                    tuple(reasons), tuple(decisive), tuple(notes))
        )  # fmt: skip
    return tuple(found)


def _metric(record: Any) -> Metric | None:
    """A cached record back as a Metric; None when it is not the shape a Metric has (a record
    written before ``decisive`` or ``aligned`` existed is one: it lacks the field)."""
    fields = ["aligned", "decisive", "evidence", "skipped", "value"]
    if not isinstance(record, dict) or sorted(record) != fields:
        return None
    value, evidence, skipped = record["value"], record["evidence"], record["skipped"]
    decisive = record["decisive"]
    if isinstance(value, bool) or (value is not None and not isinstance(value, (int, float))):
        return None
    if isinstance(value, int) and abs(value) > 2**53:  # never written: floats are stored
        return None
    if not _strings(evidence) or not _strings(decisive) or not isinstance(skipped, str):
        return None
    aligned = _aligned(record["aligned"])
    if aligned is None:
        return None
    number = None if value is None else float(value)
    return Metric(number, tuple(evidence), skipped, tuple(decisive), aligned)


def _cached(records: Any, names: Sequence[str]) -> dict[str, Metric] | None:
    if not isinstance(records, dict) or sorted(records) != sorted(names):
        return None
    metrics = {name: _metric(records[name]) for name in names}
    if any(m is None for m in metrics.values()):
        return None
    return {name: m for name, m in metrics.items() if m is not None}


def _run(scorer: Scorer, docs: list[Document], model: Embedder | None) -> list[dict[str, Metric]]:
    """The scorer's metrics; a custom scorer that raises or returns the wrong number of
    results raises ScorerFailed naming it, with the user's own traceback."""
    if type(scorer).__module__.startswith("pytest_summgate."):
        return scorer.score(docs, model)  # a bug here is ours: its full traceback
    name = f"scorer {type(scorer).__name__} ({', '.join(scorer.names)})"
    try:
        scored = scorer.score(docs, model)
    except Exception as error:
        message = f"{name} raised {type(error).__name__}: {error}\n{user_traceback(error)}"
        raise ScorerFailed(message) from error
    if not isinstance(scored, (list, tuple)) or len(scored) != len(docs):
        got = f"{len(scored)} results" if isinstance(scored, (list, tuple)) else repr(scored)
        raise ScorerFailed(f"{name} must return one result per document ({len(docs)}); got {got}")
    return list(scored)


def score_documents(
    docs: Sequence[Document],
    scorers: Sequence[Scorer],
    embedder: Embedder | None,
    cache: ModelCache | None = None,
) -> list[dict[str, Metric]]:
    """Every scorer over every document: one mapping of metric name to Metric per document.

    With a cache, a scorer that has a ``fingerprint`` scores only the documents the cache
    cannot answer (a warm rerun then needs neither the model nor the feature work).
    """
    results: list[dict[str, Metric]] = [{} for _ in docs]
    for scorer in scorers:
        model = embedder if scorer.needs_model else None
        key = _record_key(scorer, model) if cache is not None else ""
        todo = list(range(len(docs)))
        if cache is not None and key:
            stored = cache.get_records(key, list(dict.fromkeys(d.key for d in docs)))
            todo = []
            for number, doc in enumerate(docs):
                metrics = _cached(stored.get(doc.key), scorer.names)
                if metrics is None:
                    todo.append(number)
                else:
                    results[number].update(metrics)
        if not todo:
            continue
        fresh = _run(scorer, [docs[n] for n in todo], model)
        for number, scored in zip(todo, fresh, strict=True):
            results[number].update(scored)
        if cache is not None and key:
            cache.put_records(
                key,
                {
                    docs[n].key: {name: _record(m) for name, m in scored.items()}
                    for n, scored in zip(todo, fresh, strict=True)
                },
            )
    return results


def _record_key(scorer: Scorer, model: Embedder | None) -> str:
    """The cache's name for a scorer's records: what its metrics depend on besides the
    texts, and the gate's code; "" for a scorer that says nothing of it (never cached)."""
    fingerprint = getattr(scorer, "fingerprint", None)
    return f"{fingerprint(model)}:{code_version()}" if fingerprint else ""


def answered(
    docs: Sequence[Document],
    scorers: Sequence[Scorer],
    embedder: Embedder | None,
    cache: ModelCache | None,
) -> bool | None:
    """Whether the cache answers every scorer that needs the model on ``docs``, so scoring
    them loads no model; None when a scorer's records are not cached at all (one without a
    fingerprint: whether it loads the model depends on the sentences it encodes)."""
    unknown = False
    for scorer in scorers:
        if not scorer.needs_model:
            continue
        key = _record_key(scorer, embedder)
        if not key:
            unknown = True
            continue
        if cache is None:
            return False
        stored = cache.get_records(key, list(dict.fromkeys(d.key for d in docs)))
        if any(_cached(stored.get(d.key), scorer.names) is None for d in docs):
            return False
    return None if unknown else True
