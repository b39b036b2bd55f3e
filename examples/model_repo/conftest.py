"""A model repository's conftest.py: plug the repo's own summarizer into the gate.

The cases in cases/ have articles and reference highlights but no summaries: the gate asks
this hook for them, in batches, then scores them. Here the "model" is lead-3 (the article's
first three sentences), the classic news baseline; a real repo would call its model here.
"""

from __future__ import annotations

from pytest_summgate.text import split_sentences


def summarize(article: str) -> str:
    return " ".join(split_sentences(article)[:3])


def pytest_summgate_generate(cases, config):
    return [summarize(case.article) for case in cases]
