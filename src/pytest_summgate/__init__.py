"""pytest-summgate: a pytest plugin and CI quality gate for summarization models.

``score`` and ``score_many`` give the gate's own numbers outside pytest; ``check`` its
verdict on one summary, with the rules that decided it.
"""

from __future__ import annotations

from .api import Result, RuleVerdict, Verdict, check, score, score_many
from .version import __version__

__all__ = ["Result", "RuleVerdict", "Verdict", "__version__", "check", "score", "score_many"]
