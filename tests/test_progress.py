"""Model loading is said on lines of its own: before pytest's progress line (never inside it),
and by the Python API on stderr when a load takes a while (quiet when asked).

The model here is a stand-in loaded from a directory (``models._load`` replaced): no torch.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import ARTICLE, GOOD_SUMMARY, LEXICAL_CONFTEST, case, jsonl
from pytest_summgate import api, models
from pytest_summgate.engine import Engine
from pytest_summgate.metrics import Metric
from pytest_summgate.settings import Settings


class FakeModel:
    """What Embedder reads of a sentence-transformers model: vectors of word hashes."""

    def __init__(self) -> None:
        self.encoded = 0

    def get_sentence_embedding_dimension(self) -> int:
        return 8

    def encode(self, sentences: list[str], **_: Any) -> np.ndarray[Any, Any]:
        self.encoded += len(sentences)
        vectors = np.array([[hash(w) % 7 for w in s.split()[:8]] + [1] * (8 - len(s.split()[:8]))
                            for s in sentences], dtype=np.float32)  # fmt: skip
        normalized: np.ndarray[Any, Any] = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        return normalized


class Similarity:
    """A scorer that needs the model, and is never cached (no fingerprint): the summary's
    best cosine with an article sentence."""

    names = ("similarity",)
    needs_model = True

    def score(self, docs: Any, embedder: Any) -> list[dict[str, Metric]]:
        found = []
        for doc in docs:
            article = embedder.encode(doc.article_sentences)
            summary = embedder.encode(doc.summary_sentences)
            found.append({"similarity": Metric(float((summary @ article.T).max()))})
        return found


SCORER = """
from test_progress import Similarity


def pytest_summgate_scorers(config):
    return [Similarity()]
"""


@pytest.fixture
def model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A model directory whose model loads as FakeModel, never loaded in this process yet."""
    directory = tmp_path / "fake-model"
    directory.mkdir()
    monkeypatch.setattr(models, "_load", lambda source, construct, option, threads: FakeModel())
    yield directory
    forget(directory)


def forget(directory: Path) -> None:
    """This process's copy of the model gone: the next run loads it again if it must."""
    for key in [k for k in models._MODELS if k[1] == str(directory)]:
        del models._MODELS[key]


@pytest.fixture
def gate(gate: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    gate.makeconftest(LEXICAL_CONFTEST + SCORER)
    for name in ("CI", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    return gate


def progress(lines: list[str], name: str) -> int:
    """The index of the progress line of case file ``name``; it is whole, one line."""
    found = [i for i, line in enumerate(lines) if line.startswith(f"{name} ")]
    assert len(found) == 1, lines
    assert re.fullmatch(rf"{re.escape(name)} \.+ +\[\s*\d+%\]", lines[found[0]]), lines[found[0]]
    return found[0]


def test_a_cold_run_says_it_loads_the_model_before_the_progress_line(
    gate: pytest.Pytester, model_dir: Path
) -> None:
    gate.makefile(".jsonl", cases=jsonl(case(id="a"), case(id="b")))
    result = gate.runpytest("--summgate", f"--summgate-model={model_dir}")
    result.assert_outcomes(passed=2)
    lines = result.outlines
    loading = [i for i, line in enumerate(lines) if line.startswith("summgate: loading ")]
    loaded = [i for i, line in enumerate(lines) if re.match(r"summgate: .* loaded in ", line)]
    assert len(loading) == len(loaded) == 1, lines
    assert loading[0] < loaded[0] < progress(lines, "cases.jsonl")
    assert str(model_dir) in lines[loading[0]]


def test_a_warm_run_loads_no_model_and_says_nothing(gate: pytest.Pytester, model_dir: Path) -> None:
    gate.makefile(".jsonl", cases=jsonl(case(id="a"), case(id="b")))
    gate.runpytest("--summgate", f"--summgate-model={model_dir}").assert_outcomes(passed=2)
    forget(model_dir)  # a new process: the model is not in memory, its vectors are cached
    result = gate.runpytest("--summgate", f"--summgate-model={model_dir}")
    result.assert_outcomes(passed=2)
    assert not [line for line in result.outlines if "summgate: loading" in line]
    progress(result.outlines, "cases.jsonl")


def test_a_load_the_first_case_did_not_need_is_said_after_the_progress(
    gate: pytest.Pytester, model_dir: Path
) -> None:
    gate.makefile(".jsonl", a=jsonl(case(id="a")))
    gate.runpytest("--summgate", f"--summgate-model={model_dir}").assert_outcomes(passed=1)
    forget(model_dir)
    # b.jsonl's article is new: its case loads the model, after a.jsonl's progress began.
    other = ARTICLE.replace("city council", "town board")
    gate.makefile(".jsonl", b=jsonl(case(id="b", article=other, summary=GOOD_SUMMARY)))
    result = gate.runpytest("--summgate", f"--summgate-model={model_dir}")
    result.assert_outcomes(passed=2)
    lines = result.outlines
    a, b = progress(lines, "a.jsonl"), progress(lines, "b.jsonl")
    assert b == a + 1  # nothing between the progress lines
    section = next(i for i, line in enumerate(lines) if re.match(r"=+ summgate =+$", line))
    loading = [i for i, line in enumerate(lines) if line.startswith("summgate: loading ")]
    assert len(loading) == 1
    assert loading[0] > section


def test_collect_only_loads_nothing(gate: pytest.Pytester, model_dir: Path) -> None:
    gate.makefile(".jsonl", cases=jsonl(case(id="a")))
    result = gate.runpytest("--summgate", f"--summgate-model={model_dir}", "--collect-only")
    assert not [line for line in result.outlines if "summgate: loading" in line]


# -- the Python API -----------------------------------------------------------------------------


@pytest.fixture
def api_engine(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    engine = Engine(Settings(model=str(model_dir)), scorers=[Similarity()])
    monkeypatch.setattr(api, "_engine", lambda model, faithfulness_model: engine)
    return engine


def test_the_api_says_on_stderr_that_the_model_is_loading(
    api_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(api, "ANNOUNCE_AFTER", 0.0)  # a load of any length is said
    api.score(ARTICLE, GOOD_SUMMARY)
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("summgate: loading ")
    assert lines[0].endswith(" ...")
    assert re.fullmatch(r"summgate: .* loaded in \d+\.\d s", lines[1])
    api.score(ARTICLE, GOOD_SUMMARY)  # loaded: nothing more to say
    assert capsys.readouterr().err == ""


def test_the_api_is_quiet_when_asked(
    api_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(api, "ANNOUNCE_AFTER", 0.0)
    api.score_many([{"article": ARTICLE, "summary": GOOD_SUMMARY}], quiet=True)
    assert capsys.readouterr() == ("", "")
    assert api_engine.embedder is not None
    assert api_engine.embedder.loaded
    assert api_engine.embedder.announce is None  # given back


def test_a_load_faster_than_its_delay_says_nothing(
    api_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(api, "ANNOUNCE_AFTER", 600.0)  # the stand-in loads at once
    api.score(ARTICLE, GOOD_SUMMARY)
    assert capsys.readouterr().err == ""
