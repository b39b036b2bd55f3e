"""Scoring cases: documents, scorers, the model, and the rules' verdicts.

Used by the pytest items and by the public API alike, so both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .cache import ModelCache
from .cases import Case
from .metrics import Document, Metric, Scorer, answered, default_scorers, score_documents
from .models import Embedder, get_embedder
from .settings import Settings
from .thresholds import Check, Rule, evaluate

if TYPE_CHECKING:
    from .baseline import Regression


@dataclass(frozen=True)
class CaseResult:
    """A case's metrics (with their evidence) and the verdict of every rule."""

    case: Case
    metrics: Mapping[str, Metric]
    checks: tuple[Check, ...]

    @property
    def scores(self) -> dict[str, float | None]:
        return {name: metric.value for name, metric in self.metrics.items()}

    @property
    def checks_rules(self) -> list[Rule]:
        return [check.rule for check in self.checks]

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if check.failed]

    @property
    def hard_evidence(self) -> dict[str, tuple[str, ...]]:
        """Decisive findings (an invented number, a flipped negation, ...) of the metrics
        that a rule checks: each fails the case by itself, whatever the score."""
        judged = {check.rule.metric for check in self.checks}
        return {
            name: tuple(metric.decisive)
            for name, metric in self.metrics.items()
            if name in judged and metric.decisive
        }

    def failing(self) -> list[str]:
        """What fails the case: the failed rules' names, and ``decisive`` for hard evidence."""
        names = [check.rule.name for check in self.failed]
        return names + (["decisive"] if self.hard_evidence else [])


def evidence_shown(
    checks: Sequence[Check],
    metrics: Mapping[str, Metric],
    hard_evidence: Mapping[str, Sequence[str]],
    regressed: Sequence[Regression] = (),
) -> dict[str, tuple[str, ...]]:
    """The evidence a case shows, by metric: of the metrics whose rule failed (or advised),
    whose claim checks are decisive, and that dropped against the baseline, in that order.
    The failure block and the JSON report both show this."""
    failing = [c.rule.metric for c in checks if c.failed or c.below]
    failing += [*hard_evidence, *(r.metric for r in regressed)]
    return {m: tuple(metrics[m].evidence) for m in dict.fromkeys(failing) if m in metrics}


class Engine:
    """Scores cases with a fixed set of scorers and one embedding model."""

    def __init__(self, settings: Settings, scorers: Sequence[Scorer] | None = None) -> None:
        self.settings = settings
        self.scorers = (
            list(scorers) if scorers is not None else default_scorers(settings.faithfulness_model)
        )
        self.embedder: Embedder | None = (
            get_embedder(settings.model) if any(s.needs_model for s in self.scorers) else None
        )
        # Scores by scorer and texts (the plugin sets the run's model cache; None: no caching).
        self.cache: ModelCache | None = None

    def check_models(self) -> None:
        """Check the models can be had (raises ModelUnavailable with a one-line fix). The
        embedder itself loads on the first sentence its cache cannot answer; a scorer with a
        ``load_model()`` of its own loads its model now."""
        if self.embedder is not None:
            self.embedder.check()
        for scorer in self.scorers:
            load = getattr(scorer, "load_model", None)
            if load is not None:
                load()

    def models(self) -> list[Any]:
        """The engine's models: the embedder, and any scorer's own (the NLI model)."""
        found: list[Any] = [self.embedder] if self.embedder is not None else []
        for scorer in self.scorers:
            model = getattr(scorer, "model", None)
            if hasattr(model, "cache"):
                found.append(model)
        return found

    def answered(self, docs: Sequence[Document]) -> bool | None:
        """Whether the cache answers these documents' scores without a model (None: a
        scorer's records are never cached; see ``metrics.answered``)."""
        return answered(docs, self.scorers, self.embedder, self.cache)

    def metrics(self, docs: Sequence[Document]) -> list[dict[str, Metric]]:
        self.check_models()
        return score_documents(docs, self.scorers, self.embedder, self.cache)

    def check(
        self,
        cases: Sequence[Case],
        baseline_in_force: bool = False,
        rules: Sequence[Rule] | None = None,
    ) -> list[CaseResult]:
        """Score cases that have their summaries (generated or joined before this).

        ``baseline_in_force``: stored scores judge this run, so built-in score bars advise
        (``thresholds.advisory``). ``rules``: the rules in force for every case (the Python
        API's); by default each case's own, from the settings (``Settings.rules_for``)."""
        docs = []
        for case in cases:
            if case.summary is None:
                raise ValueError(f"case {case.id!r} has no summary to check")
            docs.append(Document(case.article, case.summary, case.highlights))
        results = []
        for case, metrics in zip(cases, self.metrics(docs), strict=True):
            skipped = {name: m.skipped for name, m in metrics.items() if m.value is None}
            scores = {name: m.value for name, m in metrics.items()}
            in_force = self.settings.rules_for(case) if rules is None else rules
            checks = evaluate(in_force, scores, skipped, baseline_in_force)
            results.append(CaseResult(case, metrics, tuple(checks)))
        return results
