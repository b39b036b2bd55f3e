"""Helpers for testing code that uses the gate, without a model.

``lexical_engine`` builds an Engine whose scorers are word-overlap stand-ins for the
embedding scorers: deterministic, instant, and importing no torch. The plugin's own wiring
tests use it; so can a model repo that tests its conftest hooks. ``summgate_run`` is the
session's gate run, whose ``engine`` a conftest may replace in a late ``pytest_configure``::

    @pytest.hookimpl(trylast=True)
    def pytest_configure(config):
        run = summgate_run(config)
        if run is not None:
            run.engine = lexical_engine(run.settings, run.engine)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import text
from .engine import Engine
from .metrics import Aligned, Document, Metric, Scorer
from .metrics.coverage import RougeScorer
from .metrics.length import LengthScorer
from .run import SummgateRun, run_of
from .settings import Settings

if TYPE_CHECKING:
    import pytest

    from .models import Embedder


def _overlap(part: str, whole: set[str]) -> float:
    tokens = [w.lower() for w in text.words(part)]
    return sum(t in whole for t in tokens) / len(tokens) if tokens else 0.0


class LexicalScorer:
    """``faithfulness`` and ``coverage`` from word overlap instead of embeddings.

    A summary sentence's support is the share of its words found in the article, and it is
    aligned with the article sentence that shares most of its words; a highlight is covered
    when at least half of its words are in the summary. With ``decisive_numbers`` a number in
    digits that the article lacks is hard evidence (``Metric.decisive``), as in the real claim
    checks.
    """

    names: tuple[str, ...] = ("faithfulness", "coverage")
    needs_model = False

    def __init__(self, decisive_numbers: bool = False) -> None:
        self.decisive_numbers = decisive_numbers

    def score(self, docs: Sequence[Document], embedder: Embedder | None) -> list[dict[str, Metric]]:
        results = []
        for doc in docs:
            article = {w.lower() for w in text.words(doc.article)}
            summary = {w.lower() for w in text.words(doc.summary)}
            support = [(_overlap(s, article), s) for s in doc.summary_sentences]
            value, weakest = min(support) if support else (0.0, "")
            invented = [
                n
                for n in re.findall(r"\d+", doc.summary)
                if self.decisive_numbers and n not in re.findall(r"\d+", doc.article)
            ]
            decisive = tuple(f"number {n} is not in the article" for n in invented[:1])
            sentences = tuple(
                _aligned(s, doc.article_sentences, invented) for s in doc.summary_sentences
            )
            scored = {
                "faithfulness": Metric(
                    value,
                    (*decisive, f'least supported: "{weakest}"'),
                    decisive=decisive,
                    aligned=sentences,
                )
            }
            if doc.highlights:
                missed = [h for h in doc.highlights if _overlap(h, summary) < 0.5]
                share = 1 - len(missed) / len(doc.highlights)
                evidence = tuple(f'missed highlight: "{h}"' for h in missed)
                scored["coverage"] = Metric(share, evidence)
            else:
                scored["coverage"] = Metric(None, skipped="no highlights in this case")
            results.append(scored)
        return results


def _aligned(sentence: str, article: Sequence[str], invented: Sequence[str]) -> Aligned:
    """A summary sentence beside the article sentence sharing most of its words."""
    words = {w.lower() for w in text.words(sentence)}
    shared = [len(words & {w.lower() for w in text.words(a)}) for a in article]
    best = max(range(len(article)), key=shared.__getitem__) if article else -1
    support = _overlap(sentence, {w.lower() for a in article for w in text.words(a)})
    numbers = [n for n in invented if n in re.findall(r"\d+", sentence)]
    reasons = [f"number {n} is not in the article" for n in numbers[:1]]
    if support < 0.5:
        reasons.append(f"{support:.0%} of its words are in the article")
    return Aligned(
        sentence,
        0.0 if numbers else support,
        (best,) if best >= 0 else (),
        (shared[best] / max(len(words), 1),) if best >= 0 else (),
        tuple(reasons),
        tuple(i < len(numbers[:1]) for i in range(len(reasons))),
    )


def lexical_engine(
    settings: Settings, replacing: Engine | None = None, decisive_numbers: bool = False
) -> Engine:
    """An Engine with the lexical stand-in scorers and the real ROUGE and length scorers.

    Given the engine it replaces, it keeps that engine's custom scorers (a conftest's or an
    entry point's), so a model repo can test its own scorers without the model.
    """
    custom = [
        scorer
        for scorer in (replacing.scorers if replacing is not None else [])
        if not type(scorer).__module__.startswith("pytest_summgate.")
    ]
    scorers: list[Scorer] = [LexicalScorer(decisive_numbers), RougeScorer(), LengthScorer()]
    scorers += custom
    return Engine(settings, scorers=scorers)


def summgate_run(config: pytest.Config) -> SummgateRun | None:
    """The session's gate run (settings, engine, baselines); None without ``--summgate``."""
    return run_of(config)
