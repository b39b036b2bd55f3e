"""baseline.py as plain functions: hashing, the file's text, loading errors, merge, regressions."""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from pytest_summgate import baseline
from pytest_summgate.baseline import Baseline, Regression, StoredCase
from pytest_summgate.errors import BaselineError, SettingError
from pytest_summgate.thresholds import HIGHER_IS_BETTER, Rule

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def rule(name: str, metric: str, op: str, value: float) -> Rule:
    return Rule(name, metric, op, value, "test")  # type: ignore[arg-type]


MIN_WORDS = rule("min_words", "length", ">=", 10)
MAX_WORDS = rule("max_words", "length", "<=", 150)
MAX_COMPRESSION = rule("max_compression", "compression", "<=", 0.5)


def sample() -> Baseline:
    return Baseline(
        MODEL,
        {
            "b.jsonl::two": StoredCase("bbbb", {"length": 42.0, "faithfulness": 0.8123456}),
            "a.yaml::one": StoredCase("aaaa", {"faithfulness": 2 / 3, "coverage": 1.0}),
        },
    )


# -- content hash ---------------------------------------------------------------------------


def test_content_hash_is_pinned() -> None:
    # Every stored baseline holds these hashes: a change here marks every case "changed".
    assert baseline.content_hash("An article.", ["One highlight."]) == "9ea7c70de9d68523"


def test_content_hash_depends_on_article_and_highlights_only() -> None:
    base = baseline.content_hash("An article.", ("One.", "Two."))
    assert baseline.content_hash("An article.", ["One.", "Two."]) == base  # tuple or list
    assert baseline.content_hash("An article!", ("One.", "Two.")) != base
    assert baseline.content_hash("An article.", ("One.",)) != base
    assert baseline.content_hash("An article.", "One. Two.") != base
    assert baseline.content_hash("An article.", None) != baseline.content_hash("An article.", "")
    assert re.fullmatch(r"[0-9a-f]{16}", base)


# -- the file's text ------------------------------------------------------------------------


def test_dumps_sorts_keys_and_rounds_to_four_decimals() -> None:
    text = baseline.dumps(sample())
    assert text == (
        "{\n"
        '  "cases": {\n'
        '    "a.yaml::one": {\n'
        '      "content": "aaaa",\n'
        '      "scores": {\n'
        '        "coverage": 1.0,\n'
        '        "faithfulness": 0.6667\n'
        "      }\n"
        "    },\n"
        '    "b.jsonl::two": {\n'
        '      "content": "bbbb",\n'
        '      "scores": {\n'
        '        "faithfulness": 0.8123,\n'
        '        "length": 42.0\n'
        "      }\n"
        "    }\n"
        "  },\n"
        f'  "model": "{MODEL}",\n'
        '  "version": 1\n'
        "}\n"
    )


def test_dumps_does_not_depend_on_insertion_order() -> None:
    entries = dict(sample().entries)
    reversed_entries = {
        k: StoredCase(v.content, dict(reversed(list(v.scores.items()))))
        for k, v in reversed(list(entries.items()))
    }
    assert baseline.dumps(Baseline(MODEL, reversed_entries)) == baseline.dumps(sample())


def test_dumps_keeps_non_ascii_node_ids_readable() -> None:
    text = baseline.dumps(Baseline(MODEL, {"новости.yaml::первый": StoredCase("c", {"length": 1})}))
    assert "новости.yaml::первый" in text


def test_dumps_then_load_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(baseline.dumps(sample()), encoding="utf-8")
    loaded = baseline.load(path)
    assert loaded is not None
    assert loaded.model == MODEL
    assert loaded.entries["a.yaml::one"] == StoredCase(
        "aaaa", {"coverage": 1.0, "faithfulness": 0.6667}
    )
    assert baseline.dumps(loaded) == baseline.dumps(sample())


# -- atomic write ---------------------------------------------------------------------------


def test_write_creates_the_directory_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / ".summgate" / "baseline.json"
    baseline.write(path, sample())
    assert path.read_text(encoding="utf-8") == baseline.dumps(sample())
    assert os.listdir(path.parent) == ["baseline.json"]


def test_write_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text("old", encoding="utf-8")
    baseline.write(path, sample())
    assert path.read_text(encoding="utf-8") == baseline.dumps(sample())
    assert os.listdir(tmp_path) == ["baseline.json"]


@pytest.mark.parametrize(
    ("module", "name", "error"),
    [
        (json, "dumps", TypeError("Object of type set is not JSON serializable")),
        (os, "fsync", OSError(5, "Input/output error")),  # the temporary exists by then
        (os, "replace", OSError(28, "No space left on device")),
    ],
)
def test_a_failure_during_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: object, name: str, error: Exception
) -> None:
    path = tmp_path / "baseline.json"
    path.write_text("old", encoding="utf-8")

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(module, name, fail)
    with pytest.raises(type(error)):
        baseline.write(path, sample())
    assert path.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["baseline.json"]


def test_write_gives_the_file_the_usual_permissions(tmp_path: Path) -> None:
    # The file is committed and read by CI jobs and colleagues: not owner-only like a temp file.
    umask = os.umask(0o022)
    os.umask(umask)
    path = tmp_path / "baseline.json"
    baseline.write(path, sample())
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# -- loading --------------------------------------------------------------------------------


def test_a_missing_file_is_no_baseline(tmp_path: Path) -> None:
    assert baseline.load(tmp_path / "nothing.json") is None


def valid() -> dict[str, object]:
    return {
        "version": 1,
        "model": MODEL,
        "cases": {"a.yaml::one": {"content": "aaaa", "scores": {"faithfulness": 0.9}}},
    }


def with_score(value: object) -> str:
    data = valid()
    data["cases"] = {"a.yaml::one": {"content": "aaaa", "scores": {"faithfulness": value}}}
    return json.dumps(data)


CORRUPT = {
    "empty file": "",
    "not JSON": "{not json",
    "merge conflict": '<<<<<<< HEAD\n{"version": 1}\n=======\n',
    "a list": "[1, 2]",
    "no version": json.dumps({k: v for k, v in valid().items() if k != "version"}),
    "version 2": json.dumps({**valid(), "version": 2}),
    "version as text": json.dumps({**valid(), "version": "1"}),
    "version true": json.dumps({**valid(), "version": True}),
    "no cases": json.dumps({"version": 1, "model": MODEL}),
    "cases a list": json.dumps({**valid(), "cases": [1, 2]}),
    "case not a mapping": json.dumps({**valid(), "cases": {"a.yaml::one": 0.9}}),
    "no content": json.dumps({**valid(), "cases": {"a.yaml::one": {"scores": {}}}}),
    "no scores": json.dumps({**valid(), "cases": {"a.yaml::one": {"content": "aaaa"}}}),
    "scores a list": json.dumps({**valid(), "cases": {"x": {"content": "c", "scores": [1]}}}),
    "score as text": with_score("high"),
    "score as numeric text": with_score("0.9"),
    "score null": with_score(None),
    "score true": with_score(True),
    "score a list": with_score([0.9]),
    "score NaN": with_score(math.nan),
    "score Infinity": with_score(math.inf),
    "score -Infinity": with_score(-math.inf),
}


@pytest.mark.parametrize("text", CORRUPT.values(), ids=CORRUPT.keys())
def test_every_kind_of_corruption_is_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BaselineError) as excinfo:
        baseline.load(path)
    message = str(excinfo.value)
    assert message.startswith(f"baseline {path} is corrupt (")
    assert message.endswith(
        "; restore it from version control, or recreate it with --summgate-update-baseline"
    )
    assert path.read_text(encoding="utf-8") == text


def test_an_unreadable_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match=r"^baseline .* cannot be read: Is a directory$"):
        baseline.load(tmp_path)


def test_not_utf8_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_bytes(b'{"version": 1, "model": "\xff", "cases": {}}')
    with pytest.raises(BaselineError, match=r"is corrupt \(not UTF-8 at byte 25\); restore"):
        baseline.load(path)


def test_a_baseline_without_a_model_loads(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"version": 1, "cases": {}}), encoding="utf-8")
    assert baseline.load(path) == Baseline(None, {})


# -- known failures ---------------------------------------------------------------------------

FOUND = "faithfulness: number 45 is not in the article"


def with_failure(record: object) -> str:
    data = valid()
    data["cases"] = {"a::b": {"content": "c", "scores": {}, "known_failure": record}}
    return json.dumps(data)


def test_a_known_failure_keeps_its_decisive_findings(tmp_path: Path) -> None:
    failure = baseline.KnownFailure(("decisive", "faithfulness"), "invents 45", (FOUND,))
    stored = Baseline(MODEL, {"a::b": StoredCase("c", {"faithfulness": 0.3}, failure)})
    text = baseline.dumps(stored)
    assert json.loads(text)["cases"]["a::b"]["known_failure"] == {
        "checks": ["decisive", "faithfulness"],
        "findings": [FOUND],
        "reason": "invents 45",
    }
    path = tmp_path / "baseline.json"
    path.write_text(text, encoding="utf-8")
    assert baseline.load(path) == stored


def test_an_earlier_versions_known_failure_loads_and_covers_no_decisive_finding(
    tmp_path: Path,
) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(with_failure({"checks": ["decisive", "length"], "reason": "r"}), "utf-8")
    loaded = baseline.load(path)
    assert loaded is not None
    failure = loaded.entries["a::b"].failure
    assert failure == baseline.KnownFailure(("decisive", "length"), "r", None)
    assert failure.covers(["length"], [])
    assert not failure.covers(["decisive"], [FOUND])
    assert "findings" not in baseline.dumps(loaded)  # written back as it was read
    # Without a decisive check, nothing was left out: the record is complete.
    path.write_text(with_failure({"checks": ["length"], "reason": "r"}), "utf-8")
    complete = baseline.load(path)
    assert complete is not None
    assert complete.entries["a::b"].failure == baseline.KnownFailure(("length",), "r", ())


def test_a_known_failure_covers_only_its_checks_and_its_findings() -> None:
    every = baseline.KnownFailure(("coverage", "decisive", "faithfulness", "length"), "", (FOUND,))
    assert every.covers(["faithfulness"], [])  # a recorded check that passes now is no matter
    assert every.covers(["decisive", "length"], [FOUND])
    assert not every.covers(["decisive"], ["faithfulness: number 46 is not in the article"])
    assert not every.covers(["decisive"], [FOUND, "faithfulness: date 1999 is not in it"])
    assert not every.covers(["rouge1"], [])  # a check it did not record


@pytest.mark.parametrize(
    "record",
    [{"checks": ["decisive"], "findings": "x"}, {"checks": ["decisive"], "findings": [1]}],
    ids=["findings-text", "findings-numbers"],
)
def test_a_known_failures_bad_findings_are_corrupt(tmp_path: Path, record: object) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(with_failure(record), "utf-8")
    with pytest.raises(BaselineError, match="known_failure findings must be a list of texts"):
        baseline.load(path)


def test_findings_are_named_by_metric_sorted_and_bounded() -> None:
    found = baseline.findings_of({"faithfulness": ["b", "a" * 500], "custom": ["b"]})
    assert found == ("custom: b", "faithfulness: " + "a" * 186, "faithfulness: b")


# -- merge and prune ------------------------------------------------------------------------


def test_merge_keeps_cases_not_run_and_updates_those_measured() -> None:
    old = Baseline(
        "old-model", {"a::1": StoredCase("x", {"length": 1}), "a::2": StoredCase("y", {})}
    )
    merged = baseline.merge(
        old, {"a::2": StoredCase("z", {"length": 5}), "a::3": StoredCase("w", {})}, MODEL
    )
    assert merged == Baseline(
        MODEL,
        {
            "a::1": StoredCase("x", {"length": 1}),
            "a::2": StoredCase("z", {"length": 5}),
            "a::3": StoredCase("w", {}),
        },
    )
    assert old.entries.keys() == {"a::1", "a::2"}  # the old baseline is left as it was


def test_merge_without_an_old_baseline() -> None:
    assert baseline.merge(None, {"a::1": StoredCase("x", {})}, MODEL) == Baseline(
        MODEL, {"a::1": StoredCase("x", {})}
    )


def test_prune_drops_what_is_neither_kept_nor_measured() -> None:
    old = Baseline(MODEL, {f"a::{i}": StoredCase("x", {"length": i}) for i in range(4)})
    merged = baseline.merge(old, {"a::0": StoredCase("x", {"length": 9})}, MODEL, keep=["a::1"])
    assert merged.entries == {
        "a::0": StoredCase("x", {"length": 9}),
        "a::1": StoredCase("x", {"length": 1}),
    }


# -- tolerances -----------------------------------------------------------------------------


def test_parse_tolerances_accepts_numbers_and_numeric_text() -> None:
    assert baseline.parse_tolerances({"faithfulness": "0.03", "length": 5}, "ini") == {
        "faithfulness": 0.03,
        "length": 5.0,
    }


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"faithfulnes": 0.1}, "ini: unknown metric 'faithfulnes' for a tolerance; known: "),
        ({"max_words": 3}, "ini: unknown metric 'max_words' for a tolerance"),
        ({"coverage": "lots"}, "ini: tolerance coverage must be a number, not 'lots'"),
        ({"coverage": None}, "ini: tolerance coverage must be a number, not None"),
        ({"coverage": -0.1}, "ini: tolerance coverage must be 0 or more, not -0.1"),
        ({"coverage": "nan"}, "ini: tolerance coverage must be 0 or more, not 'nan'"),
        ({"coverage": True}, "ini: tolerance coverage must be 0 or more, not True"),
    ],
)
def test_parse_tolerances_rejects_bad_values(values: dict[str, object], message: str) -> None:
    with pytest.raises(SettingError) as excinfo:
        baseline.parse_tolerances(values, "ini")
    assert str(excinfo.value).startswith(message)


# -- regressions, direction by direction ----------------------------------------------------


def check(
    metric: str, before: float, now: float, rules: Sequence[Rule] = (), **tolerance: float
) -> list[Regression]:
    return baseline.regressions(
        StoredCase("c", {metric: before}), {metric: now}, list(rules), tolerance
    )


@pytest.mark.parametrize("metric", sorted(HIGHER_IS_BETTER))
def test_higher_is_better_metrics_fail_only_on_a_drop_beyond_tolerance(metric: str) -> None:
    tolerance = baseline.DEFAULT_TOLERANCES[metric]
    assert check(metric, 0.5, 1.0) == []
    assert check(metric, 0.5, 0.5 - tolerance) == []  # exactly the tolerance is allowed
    assert check(metric, 0.5, 0.5 - tolerance - 0.001) == [
        Regression(metric, 0.5, 0.5 - tolerance - 0.001, tolerance)
    ]


@pytest.mark.parametrize("rules", [[], [MIN_WORDS], [MAX_WORDS], [MIN_WORDS, MAX_WORDS]])
def test_higher_is_better_ignores_length_rules(rules: list[Rule]) -> None:
    assert check("faithfulness", 0.9, 1.0, rules) == []
    assert len(check("faithfulness", 0.9, 0.8, rules)) == 1


def test_length_without_a_bound_is_never_a_regression() -> None:
    assert check("length", 50, 10) == []
    assert check("length", 10, 500) == []


def test_length_with_only_max_words_fails_only_when_longer() -> None:
    assert check("length", 50, 10, [MAX_WORDS]) == []
    assert check("length", 50, 60, [MAX_WORDS]) == []  # exactly 10 words more
    assert check("length", 50, 61, [MAX_WORDS]) == [Regression("length", 50, 61, 10.0)]


def test_length_with_only_min_words_fails_only_when_shorter() -> None:
    assert check("length", 50, 500, [MIN_WORDS]) == []
    assert check("length", 50, 39, [MIN_WORDS]) == [Regression("length", 50, 39, 10.0)]


def test_length_with_both_bounds_fails_either_way() -> None:
    assert len(check("length", 50, 39, [MIN_WORDS, MAX_WORDS])) == 1
    assert len(check("length", 50, 61, [MIN_WORDS, MAX_WORDS])) == 1
    assert check("length", 50, 45, [MIN_WORDS, MAX_WORDS]) == []


def test_compression_is_judged_towards_max_compression() -> None:
    assert check("compression", 0.3, 0.1, [MAX_COMPRESSION]) == []
    assert check("compression", 0.3, 0.36, [MAX_COMPRESSION]) == [
        Regression("compression", 0.3, 0.36, 0.05)
    ]
    assert check("compression", 0.3, 0.36, [MAX_WORDS]) == []  # another metric's bound


def test_tolerances_given_replace_the_defaults() -> None:
    assert check("faithfulness", 0.9, 0.7, faithfulness=0.25) == []
    assert check("faithfulness", 0.9, 0.88, faithfulness=0.0) == [
        Regression("faithfulness", 0.9, 0.88, 0.0)
    ]
    assert check("length", 50, 53, [MAX_WORDS], length=2) == [Regression("length", 50, 53, 2)]


def test_an_unchanged_score_never_regresses_even_with_zero_tolerance() -> None:
    # The file holds 4 decimals; the run measures more. 2/3 is stored as 0.6667.
    stored = round(2 / 3, baseline.DECIMALS)
    assert check("faithfulness", stored, 2 / 3, faithfulness=0.0) == []
    assert check("length", round(123.45678, 4), 123.45678, [MIN_WORDS], length=0.0) == []


def test_metrics_missing_now_or_never_stored_are_skipped() -> None:
    entry = StoredCase("c", {"faithfulness": 0.9, "coverage": 1.0})
    assert baseline.regressions(entry, {"faithfulness": 0.2, "coverage": None}, [], {}) == [
        Regression("faithfulness", 0.9, 0.2, 0.05)
    ]
    assert baseline.regressions(entry, {"rouge1": 0.0}, [], {}) == []


def test_regressions_come_in_metric_order_with_their_delta() -> None:
    entry = StoredCase("c", {"faithfulness": 0.9, "coverage": 1.0, "length": 20})
    found = baseline.regressions(
        entry, {"faithfulness": 0.5, "coverage": 0.5, "length": 40}, [MAX_WORDS], {}
    )
    assert [r.metric for r in found] == ["coverage", "faithfulness", "length"]
    assert [round(r.delta, 6) for r in found] == [-0.5, -0.4, 20]
