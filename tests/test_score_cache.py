"""The cache of each scorer's metrics: records in the model cache (checksummed, schema 3),
``score_documents`` scoring only what the cache cannot answer, and a warm rerun of the
examples that needs no model and reports the same cases."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import REPO, case, jsonl
from pytest_summgate.cache import ModelCache
from pytest_summgate.metrics import Document, Metric, Scorer, code_version, score_documents
from pytest_summgate.models import Embedder

ONE_SENTENCE = "The city council approved a new budget on Tuesday after a long debate."

# -- ModelCache records ----------------------------------------------------------------------

RECORDS: dict[str, Any] = {
    "doc-1": {"faithfulness": {"value": 0.5, "evidence": ["a", "b"], "skipped": ""}},
    "doc-2": {"coverage": {"value": None, "evidence": [], "skipped": "no highlights"}},
    "doc-3": [1, "two", 3.25, None, True],
    "doc-4": "just a string",
}


def test_records_come_back_as_stored_and_unknown_keys_miss(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path / "m.sqlite")
    cache.put_records("scorer-a", RECORDS)
    found = cache.get_records("scorer-a", [*RECORDS, "doc-unknown"])
    assert found == RECORDS
    assert (cache.hits, cache.misses) == (4, 1)
    # And from the file, in a later run.
    cache.close()
    assert ModelCache(tmp_path / "m.sqlite").get_records("scorer-a", list(RECORDS)) == RECORDS


def test_records_of_another_scorer_miss(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path / "m.sqlite")
    cache.put_records("scorer-a", RECORDS)
    cache.put_records("scorer-b", {"doc-1": {"other": 1}})
    assert cache.get_records("scorer-c", list(RECORDS)) == {}
    assert cache.get_records("scorer-b", list(RECORDS)) == {"doc-1": {"other": 1}}
    assert cache.get_records("scorer-a", ["doc-1"]) == {"doc-1": RECORDS["doc-1"]}


def test_a_record_replaced_by_a_new_one_comes_back_new(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path / "m.sqlite")
    cache.put_records("s", {"k": {"v": 1}})
    cache.put_records("s", {"k": {"v": 2}})
    assert cache.get_records("s", ["k"]) == {"k": {"v": 2}}


def _damage(path: Path, how: str) -> int:
    """Damage every stored value in the file (as a disk or a crashed writer would), keeping
    the database itself readable. Returns how many values were damaged."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT key, value FROM vectors").fetchall()
        for key, value in rows:
            data = bytearray(value)
            if how == "checksum":
                data[0] ^= 0x01
            elif how == "payload":
                data[-2] ^= 0x01  # the JSON stays JSON ('5' -> '4'); the floats stay floats
            elif how == "truncated":
                data = data[:5]
            elif how == "empty":
                data = bytearray()
            db.execute("UPDATE vectors SET value = ? WHERE key = ?", (bytes(data), key))
        db.commit()
    finally:
        db.close()
    return len(rows)


DAMAGES = ["checksum", "payload", "truncated", "empty"]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_record_is_a_miss_not_a_wrong_value(tmp_path: Path, how: str) -> None:
    path = tmp_path / "m.sqlite"
    writer = ModelCache(path)
    # A flipped bit in the payload would still be JSON, and a different score.
    writer.put_records("s", {"k": {"value": 0.25}})
    writer.close()
    assert _damage(path, how) == 1
    reader = ModelCache(path)
    assert reader.get_records("s", ["k"]) == {}
    assert (reader.hits, reader.misses) == (0, 1)
    assert reader.problem == ""
    # The cache still works: the record is stored again and read back right.
    reader.put_records("s", {"k": {"value": 0.25}})
    assert reader.get_records("s", ["k"]) == {"k": {"value": 0.25}}


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_vector_is_a_miss_not_a_wrong_value(tmp_path: Path, how: str) -> None:
    path = tmp_path / "m.sqlite"
    stored = np.linspace(-1, 1, 8, dtype=np.float32)
    writer = ModelCache(path)
    writer.put("model", {"text": stored})
    writer.close()
    assert _damage(path, how) == 1
    reader = ModelCache(path)
    assert reader.get("model", ["text"]) == {}
    assert reader.problem == ""
    reader.put("model", {"text": stored})
    assert reader.get("model", ["text"])["text"].tolist() == stored.tolist()


def test_damaging_one_value_leaves_the_others(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    writer = ModelCache(path)
    writer.put_records("s", {"a": 1, "b": 2})
    writer.close()
    db = sqlite3.connect(path)
    (key, value) = db.execute("SELECT key, value FROM vectors LIMIT 1").fetchone()
    db.execute("UPDATE vectors SET value = ? WHERE key = ?", (value[:-1] + b"9", key))
    db.commit()
    db.close()
    found = ModelCache(path).get_records("s", ["a", "b"])
    assert len(found) == 1
    assert found in ({"a": 1}, {"b": 2})


def test_a_cache_of_schema_2_is_discarded_and_works_afterwards(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    old = ModelCache(path)
    old.put_records("s", {"k": {"v": 1}})
    old.put("model", {"text": np.ones(4, dtype=np.float32)})
    old.close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '2' WHERE name = 'schema'")
    db.commit()
    db.close()

    cache = ModelCache(path)
    # Its values carry valid checksums: only the schema says they are not to be read.
    assert cache.get_records("s", ["k"]) == {}
    assert cache.get("model", ["text"]) == {}
    assert cache.problem == ""
    cache.put_records("s", {"k": {"v": 2}})
    assert cache.get_records("s", ["k"]) == {"k": {"v": 2}}
    cache.close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone() == ("3",)
    assert db.execute("SELECT COUNT(*) FROM vectors").fetchone() == (1,)
    db.close()


# -- score_documents with a cache ------------------------------------------------------------


class Counting:
    """A fake scorer with a fingerprint: records the summaries of the documents it scores.

    ``alpha`` has two lines of evidence; ``beta`` is skipped (value None, with a reason) when
    a document has no highlights, and an int-valued float otherwise.
    """

    names: tuple[str, ...] = ("alpha", "beta")
    needs_model = False

    def __init__(self, tag: str = "v1") -> None:
        self.tag = tag
        self.calls: list[list[str]] = []

    def fingerprint(self, embedder: Embedder | None) -> str:
        return f"counting:{self.tag}"

    def score(self, docs: Sequence[Document], embedder: Embedder | None) -> list[dict[str, Metric]]:
        self.calls.append([d.summary for d in docs])
        return [
            {
                "alpha": Metric(
                    len(d.summary) / 1000, (f'first: "{d.summary[:12]}"', "second line")
                ),
                "beta": (
                    Metric(float(len(d.highlights)))
                    if d.highlights
                    else Metric(None, skipped="no highlights in this case")
                ),
            }
            for d in docs
        ]

    def scored_since(self, call: int) -> list[str]:
        """The summaries scored in calls from number ``call`` on."""
        return [summary for batch in self.calls[call:] for summary in batch]


class Uncached:
    """A custom scorer without a fingerprint, so it cannot be cached."""

    names: tuple[str, ...] = ("gamma",)
    needs_model = False

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def score(self, docs: Sequence[Document], embedder: Embedder | None) -> list[dict[str, Metric]]:
        self.calls.append([d.summary for d in docs])
        return [{"gamma": Metric(float(d.summary_words))} for d in docs]


def documents() -> list[Document]:
    article = "The council met on Monday. It approved the budget. The mayor was pleased."
    return [
        Document(article, "The council approved the budget.", ["The council approved it"]),
        Document(article, "The mayor was pleased.", None),
        Document(article, "The council met on Monday.", ["Council met", "Budget passed"]),
    ]


def summaries(docs: Sequence[Document]) -> list[str]:
    return [d.summary for d in docs]


def run(
    docs: Sequence[Document], scorers: Sequence[Scorer], cache: ModelCache | None
) -> list[dict[str, Metric]]:
    return score_documents(docs, scorers, None, cache)


@pytest.fixture
def cache(tmp_path: Path) -> ModelCache:
    return ModelCache(tmp_path / "m.sqlite")


def test_a_second_call_scores_nothing_and_returns_equal_metrics(cache: ModelCache) -> None:
    docs, scorer = documents(), Counting()
    first = run(docs, [scorer], cache)
    assert scorer.calls == [summaries(docs)]
    again = run(documents(), [scorer], cache)  # new Document objects, the same texts
    assert scorer.scored_since(1) == []
    assert again == first
    # Equal down to the Metric fields, the None value and its reason included.
    assert again[1]["beta"] == Metric(None, (), "no highlights in this case")
    assert again[2]["beta"] == Metric(2.0)
    assert again[0]["alpha"].evidence == ('first: "The council "', "second line")
    assert isinstance(again[0]["alpha"].evidence, tuple)
    assert cache.hits == 3


def test_a_later_run_reads_the_file(tmp_path: Path) -> None:
    scorer = Counting()
    first = run(documents(), [scorer], ModelCache(tmp_path / "m.sqlite"))
    later = run(documents(), [scorer], ModelCache(tmp_path / "m.sqlite"))
    assert len(scorer.calls) == 1
    assert later == first


@pytest.mark.parametrize("field", ["article", "summary", "highlights"])
def test_a_changed_text_rescores_only_that_document(cache: ModelCache, field: str) -> None:
    scorer = Counting()
    first = run(documents(), [scorer], cache)
    docs = documents()
    old = docs[2]
    docs[2] = Document(
        f"{old.article} More." if field == "article" else old.article,
        f"{old.summary} More." if field == "summary" else old.summary,
        ["Only one highlight"] if field == "highlights" else old.raw_highlights,
    )
    again = run(docs, [scorer], cache)
    assert scorer.scored_since(1) == [docs[2].summary]
    assert again[:2] == first[:2]
    assert again[2] == scorer.score([docs[2]], None)[0]


def test_a_cached_result_lands_on_the_right_document_in_a_mixed_batch(cache: ModelCache) -> None:
    scorer = Counting()
    docs = documents()
    run(docs[1:2], [scorer], cache)
    mixed = run(docs, [scorer], cache)
    assert scorer.scored_since(1) == [docs[0].summary, docs[2].summary]
    assert mixed == run(docs, [Counting()], None)


def test_a_different_fingerprint_misses(cache: ModelCache) -> None:
    run(documents(), [Counting("v1")], cache)
    other = Counting("v2")
    run(documents(), [other], cache)
    assert other.calls == [summaries(documents())]
    # Each keeps its own records.
    back = Counting("v1")
    run(documents(), [back], cache)
    assert back.calls == []


def test_a_scorer_without_fingerprint_runs_every_time(cache: ModelCache) -> None:
    cached, uncached = Counting(), Uncached()
    first = run(documents(), [cached, uncached], cache)
    second = run(documents(), [cached, uncached], cache)
    assert uncached.calls == [summaries(documents())] * 2
    assert cached.scored_since(1) == []
    assert second == first
    assert sorted(second[0]) == ["alpha", "beta", "gamma"]


def test_without_a_cache_everything_is_scored(cache: ModelCache) -> None:
    scorer = Counting()
    run(documents(), [scorer], cache)  # a filled cache that is not passed
    first = run(documents(), [scorer], None)
    second = run(documents(), [scorer], None)
    assert scorer.calls == [summaries(documents())] * 3
    assert second == first


GOOD: dict[str, Any] = {"value": 0.5, "evidence": ["x"], "skipped": ""}
SKIPPED: dict[str, Any] = {"value": None, "evidence": [], "skipped": "no highlights in this case"}
MALFORMED = {
    "other-names": {"gamma": GOOD, "delta": GOOD},
    "one-name-missing": {"alpha": GOOD},
    "one-name-too-many": {"alpha": GOOD, "beta": SKIPPED, "gamma": GOOD},
    "string-value": {"alpha": {**GOOD, "value": "0.5"}, "beta": SKIPPED},
    "bool-value": {"alpha": {**GOOD, "value": True}, "beta": SKIPPED},
    "list-value": {"alpha": {**GOOD, "value": [0.5]}, "beta": SKIPPED},
    "evidence-a-string": {"alpha": {**GOOD, "evidence": "x"}, "beta": SKIPPED},
    "evidence-not-strings": {"alpha": {**GOOD, "evidence": [1, 2]}, "beta": SKIPPED},
    "evidence-missing": {"alpha": {"value": 0.5, "skipped": ""}, "beta": SKIPPED},
    "skipped-not-a-string": {"alpha": {**GOOD, "skipped": None}, "beta": SKIPPED},
    "metric-a-number": {"alpha": 0.5, "beta": SKIPPED},
    "metric-a-list": {"alpha": [0.5, ["x"], ""], "beta": SKIPPED},
    "record-a-list": [GOOD, SKIPPED],
    "record-a-string": "alpha=0.5",
    "record-null": None,
    # Two shapes that once slipped through: a record without "value" read as a skipped
    # metric with no reason, and an int no float holds raised OverflowError.
    "value-missing": {"alpha": {"evidence": [], "skipped": ""}, "beta": SKIPPED},
    "value-too-large": {"alpha": {**GOOD, "value": 10**400}, "beta": SKIPPED},
}


@pytest.mark.parametrize("garbage", list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_record_of_the_wrong_shape_is_rescored_never_returned(
    cache: ModelCache, garbage: Any
) -> None:
    scorer = Counting()
    docs = documents()
    expected = run(docs, [scorer], None)
    key = f"{scorer.fingerprint(None)}:{code_version()}"
    cache.put_records(key, {doc.key: garbage for doc in docs[:2]})
    assert cache.get_records(key, [docs[0].key]) == {docs[0].key: garbage}  # stored as is
    scorer.calls.clear()
    got = run(docs, [scorer], cache)
    assert scorer.calls == [summaries(docs)]
    assert got == expected
    # The fresh scores replaced the garbage: the next call scores nothing.
    assert run(docs, [scorer], cache) == expected
    assert len(scorer.calls) == 1


# -- the plugin's wiring, in process (lexical stand-ins, no model) ---------------------------

# The lexical engine replaces the plugin's engine; it keeps the run's cache, so rouge and
# length (which have fingerprints) and the fingerprinted custom scorer below are cached.
CACHED_CONFTEST = textwrap.dedent(
    """
    import pytest
    from pytest_summgate.metrics import Metric
    from pytest_summgate.testing import lexical_engine, summgate_run

    class Logged:
        needs_model = False

        def __init__(self, name):
            self.names = (name,)

        def score(self, docs, embedder):
            with open("calls.log", "a", encoding="utf-8") as log:
                log.write(f"{self.names[0]} {len(docs)}\\n")
            return [{self.names[0]: Metric(float(len(d.summary)))} for d in docs]

    class Fingerprinted(Logged):
        def fingerprint(self, embedder):
            return "fingerprinted"

    def pytest_summgate_scorers(config):
        return [Logged("plain"), Fingerprinted("printed")]

    @pytest.hookimpl(trylast=True)
    def pytest_configure(config):
        run = summgate_run(config)
        if run is not None:
            engine = run.engine
            run.engine = lexical_engine(run.settings, engine)
            run.engine.cache = engine.cache
    """
)


def logged(pytester: pytest.Pytester) -> list[str]:
    log = pytester.path / "calls.log"
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return lines


def test_the_plugin_gives_the_engine_the_run_cache(gate: pytest.Pytester) -> None:
    gate.makeconftest(CACHED_CONFTEST)
    gate.makefile(".jsonl", cases=jsonl(case(id="a"), case(id="b", summary=ONE_SENTENCE)))
    args = (
        "--summgate",
        "-p",
        "no:randomly",
        "--summgate-cache=m.sqlite",
        "--summgate-report=r.json",
    )
    gate.runpytest(*args).assert_outcomes(passed=2)
    assert logged(gate) == ["plain 2", "printed 2"]
    cold = json.loads(gate.path.joinpath("r.json").read_text(encoding="utf-8"))["cases"]
    gate.runpytest(*args).assert_outcomes(passed=2)
    assert logged(gate) == ["plain 2"]  # only the scorer without a fingerprint
    warm = json.loads(gate.path.joinpath("r.json").read_text(encoding="utf-8"))["cases"]
    assert warm == cold
    gate.runpytest("--summgate", "--summgate-cache=off").assert_outcomes(passed=2)
    assert logged(gate) == ["plain 2", "printed 2"]


# -- end to end: the examples with the real model, cold then warm ----------------------------

LOADING = "summgate: loading "

# A model repo's custom scorer without a fingerprint: it logs every call.
SHOUTING_CONFTEST = textwrap.dedent(
    """
    from pytest_summgate.metrics import Metric

    class Shouting:
        names = ("shouting",)
        directions = {"shouting": "<="}
        needs_model = False

        def score(self, docs, embedder):
            with open("shouting.log", "a", encoding="utf-8") as log:
                log.write(f"{len(docs)}\\n")
            return [{"shouting": Metric(float(d.summary.count("!")))} for d in docs]

    def pytest_summgate_scorers(config):
        return [Shouting()]
    """
)


def run_copy(project: Path, name: str, *args: str) -> tuple[str, list[dict[str, Any]]]:
    """Run the gate over the copy of the examples: its output, and its report's cases."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["HF_HUB_OFFLINE"] = "1"
    report = project / f"{name}.json"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--summgate", ".", "-q", "-p", "no:cacheprovider",
         "-p", "no:randomly", f"--rootdir={project}", f"--summgate-report={report}", *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert report.exists(), output
    cases: list[dict[str, Any]] = json.loads(report.read_text(encoding="utf-8"))["cases"]
    return output, cases


def drop_vectors(path: Path) -> int:
    """Delete the cached sentence vectors, keeping the metric records (JSON payloads), so only
    the metric cache can spare the warm run its model. Returns how many records are kept."""
    db = sqlite3.connect(path)
    try:
        kept = 0
        for key, value in db.execute("SELECT key, value FROM vectors").fetchall():
            try:
                json.loads(bytes(value)[8:])
                kept += 1
            except ValueError:
                db.execute("DELETE FROM vectors WHERE key = ?", (key,))
        db.commit()
    finally:
        db.close()
    return kept


@pytest.mark.model
def test_a_warm_run_of_the_examples_needs_no_model_and_reports_the_same_cases(
    tmp_path: Path,
) -> None:
    project = tmp_path / "examples"
    shutil.copytree(
        REPO / "examples", project, ignore=shutil.ignore_patterns("model_repo", "github")
    )
    project.joinpath("conftest.py").write_text(SHOUTING_CONFTEST, encoding="utf-8")
    cache = tmp_path / "m.sqlite"
    shouted = project / "shouting.log"

    cold_output, cold = run_copy(project, "cold", f"--summgate-cache={cache}")
    assert LOADING in cold_output  # the line the warm run must not print is printed with -q
    assert len(cold) == 4
    assert all(c["outcome"] != "error" for c in cold), cold_output
    assert all("shouting" in c["scores"] for c in cold)
    assert sum(int(n) for n in shouted.read_text(encoding="utf-8").split()) == 4
    shouted.unlink()
    # 4 built-in scorers x 4 cases of distinct texts; the sentence vectors go.
    assert drop_vectors(cache) == 16

    warm_output, warm = run_copy(project, "warm", f"--summgate-cache={cache}")
    assert LOADING not in warm_output
    assert warm == cold
    # The custom scorer has no fingerprint: it ran again, over every case.
    assert sum(int(n) for n in shouted.read_text(encoding="utf-8").split()) == 4
