"""pytest-summgate: a pytest plugin and CI quality gate for summarization models.

``score`` and ``score_many`` give the gate's own numbers outside pytest.
"""

from __future__ import annotations

from .api import Result, score, score_many
from .version import __version__

__all__ = ["Result", "__version__", "score", "score_many"]
