"""The Python API refuses what is not text, naming the case and the field, before scoring.

A stand-in engine counts the documents it is given: a refused call scores nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from pytest_summgate import api, score, score_many
from pytest_summgate.metrics import Document, Metric


class CountingEngine:
    def __init__(self) -> None:
        self.documents: list[Document] = []

    def metrics(self, documents: Sequence[Document]) -> list[dict[str, Metric]]:
        self.documents += documents
        return [{"length": Metric(float(len(d.summary.split())))} for d in documents]

    def models(self) -> list[object]:
        return []  # no model to load, nothing to announce


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> CountingEngine:
    stand_in = CountingEngine()
    monkeypatch.setattr(api, "_engine", lambda model, faithfulness_model: stand_in)
    return stand_in


ARTICLE = "The council approved the budget on Tuesday."


@pytest.mark.parametrize(
    ("highlights", "got"),
    [
        ({"a": 1}, "got dict {'a': 1}"),
        ([1, 2], "got int 1 as item 0"),
        (b"x", "got bytes b'x'"),
        ([["nested"]], "got list ['nested'] as item 0"),
        ([None], "got NoneType None as item 0"),
        (12, "got int 12"),
        (("ok", 3.5), "got float 3.5 as item 1"),
    ],
)
def test_highlights_that_are_not_text_are_refused_before_scoring(
    engine: CountingEngine, highlights: Any, got: str
) -> None:
    with pytest.raises(TypeError, match=r"^'highlights' must be text") as raised:
        score(ARTICLE, "The budget passed.", highlights=highlights)
    assert str(raised.value).endswith(got)
    with pytest.raises(TypeError, match=r"^case 1: 'highlights' must be text"):
        score_many(
            [
                {"article": ARTICLE, "summary": "The budget passed."},
                {"article": ARTICLE, "summary": "The budget passed.", "highlights": highlights},
            ]
        )
    assert engine.documents == []


@pytest.mark.parametrize(
    ("cases", "message"),
    [
        ([None], "case 0 must be a mapping with 'article' and 'summary', got NoneType None"),
        ("ab", "cases must be an iterable of mappings, got str 'ab'"),
        (b"ab", "cases must be an iterable of mappings, got bytes b'ab'"),
        ({"article": "a", "summary": "s"}, "cases must be an iterable of mappings, got dict"),
        (12, "cases must be an iterable of mappings, got int 12"),
        ([("article", "summary")], "case 0 must be a mapping"),
        ([{"summary": "s"}], "case 0: 'article' must be text, got NoneType None"),
        ([{"article": "a", "summary": 7}], "case 0: 'summary' must be text, got int 7"),
        (
            [{"article": ARTICLE, "summary": "ok"}] * 3 + [{"article": b"a", "summary": "s"}],
            "case 3: 'article' must be text, got bytes b'a'",
        ),
    ],
)
def test_cases_that_are_not_mappings_of_text_are_refused_before_scoring(
    engine: CountingEngine, cases: Any, message: str
) -> None:
    with pytest.raises(TypeError) as raised:
        score_many(cases, batch_size=1)  # the valid cases before a bad one are not scored
    assert str(raised.value).startswith(message)
    assert engine.documents == []


def test_a_huge_value_is_quoted_in_a_short_message(engine: CountingEngine) -> None:
    huge: Any = {str(i): i for i in range(100_000)}
    with pytest.raises(TypeError) as raised:
        score(ARTICLE, "s", highlights=huge)
    assert len(str(raised.value)) < 200
    with pytest.raises(TypeError) as raised:
        score_many([{"article": ARTICLE, "summary": "s", "highlights": ["x" * 10**6, 1]}])
    assert len(str(raised.value)) < 200


def test_text_and_lists_of_text_are_scored(engine: CountingEngine) -> None:
    for highlights in (None, "One. Two.", ["One.", "Two."], ("One.",), []):
        assert score(ARTICLE, "The budget passed.", highlights=highlights).scores == {"length": 3.0}
    results = score_many(
        ({"article": ARTICLE, "summary": "s " * n} for n in range(1, 6)), batch_size=2
    )
    assert [r.scores["length"] for r in results] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert [d.raw_highlights for d in engine.documents[:5]] == [
        None,
        "One. Two.",
        ["One.", "Two."],
        ("One.",),
        [],
    ]
