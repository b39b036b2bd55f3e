"""pytest-summgate: a pytest plugin and CI quality gate for summarization models."""

from __future__ import annotations

__version__ = "0.1.0"
