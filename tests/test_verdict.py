"""``pytest_summgate.check``: the pytest item's verdict outside pytest, with the rules (their
sources and margins) and the evidence that decided it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ARTICLE, BAD_SUMMARY, GOOD_SUMMARY, LEXICAL_CONFTEST, REPO, case, jsonl
from pytest_summgate import api, cases, check
from pytest_summgate.settings import Settings
from pytest_summgate.testing import lexical_engine

# Cases the lexical stand-in scorers judge four ways: passing, below the faithfulness bar,
# an invented number (hard evidence), too long for a bound of its own.
ROWS = [
    case(id="good"),
    case(id="bad", summary=BAD_SUMMARY),
    case(id="number", summary=GOOD_SUMMARY + " The vote was 1999 to two."),
    case(id="long", summary=GOOD_SUMMARY, thresholds={"max_words": 12}),
    case(id="covered", highlights=["budget adds money for schools"], thresholds={"coverage": 0.9}),
]


@pytest.fixture
def lexical(monkeypatch: pytest.MonkeyPatch) -> None:
    """check() scores with the stand-in scorers the pytest runs below use (no model)."""
    engine = lexical_engine(Settings(), decisive_numbers=True)
    monkeypatch.setattr(api, "_engine", lambda model, faithfulness_model: engine)


def items_report(gate: pytest.Pytester, rows: list[dict[str, Any]]) -> dict[str, Any]:
    gate.makeconftest(LEXICAL_CONFTEST.replace("run.engine)\n", "run.engine, True)\n"))
    gate.path.joinpath("cases.jsonl").write_text(jsonl(*rows), encoding="utf-8")
    gate.runpytest("--summgate", "cases.jsonl", "--summgate-report=r.json")
    report: dict[str, Any] = json.loads(gate.path.joinpath("r.json").read_text("utf-8"))
    return {c["id"]: c for c in report["cases"]}


def rules_of(record: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (c["rule"], c["op"], c["bound"], c["score"], c["failed"], c["skipped"] or "")
        for c in record["checks"]
    ]


def verdict_rules(verdict: api.Verdict) -> list[tuple[Any, ...]]:
    return [
        (r.name, r.op, r.bound, r.score, not r.passed and not r.skipped, r.skipped)
        for r in verdict.rules
    ]


def test_check_decides_as_the_pytest_item_does(gate: pytest.Pytester, lexical: None) -> None:
    items = items_report(gate, ROWS)
    for row in ROWS:
        verdict = check(row["article"], row["summary"], row.get("highlights"),
                        thresholds=row.get("thresholds"))  # fmt: skip
        record = items[row["id"]]
        assert verdict.passed == (record["outcome"] == "passed"), row["id"]
        assert bool(verdict) == verdict.passed
        assert verdict_rules(verdict) == rules_of(record), row["id"]
        assert {m: list(r) for m, r in verdict.hard_evidence.items()} == record["hard_evidence"]
        if not verdict.passed:
            assert verdict.verdict == record["verdict"]
            assert {m: list(e) for m, e in verdict.evidence.items()} == record["evidence"]
    # Both ways: the rows pass and fail as the items do.
    assert sorted(i for i, record in items.items() if record["outcome"] == "passed") == [
        "covered",
        "good",
    ]


def test_each_rule_says_its_source_and_margin(lexical: None) -> None:
    verdict = check(ARTICLE, GOOD_SUMMARY, thresholds={"max_words": 12, "coverage": "off"})
    assert not verdict.passed
    assert verdict.verdict == "1 of 4 checks failed: length 17 words > 12"
    by_name = {rule.name: rule for rule in verdict.rules}
    assert "coverage" not in by_name  # switched off
    assert (by_name["max_words"].source, by_name["max_words"].margin) == ("check() thresholds", -5)
    assert by_name["faithfulness"].source == "built-in default"
    assert by_name["faithfulness"].margin == pytest.approx(0.9)
    assert [rule.name for rule in verdict.failed] == ["max_words"]
    text = verdict.text()
    assert text.splitlines()[0] == verdict.verdict
    assert "FAIL  (max_words, check() thresholds)" in text


def test_hard_evidence_fails_whatever_the_score(lexical: None) -> None:
    verdict = check(ARTICLE, GOOD_SUMMARY + " The vote was 1999 to two.")
    assert not verdict.passed
    assert verdict.hard_evidence == {"faithfulness": ("number 1999 is not in the article",)}
    assert verdict.verdict.startswith("hard evidence: faithfulness: number 1999 is not")
    assert verdict.evidence["faithfulness"][0] == "number 1999 is not in the article"


@pytest.mark.parametrize(
    ("thresholds", "error"),
    [
        ({"faithfulnes": 0.5}, "unknown threshold 'faithfulnes' (did you mean 'faithfulness'?)"),
        ({"coverage": 2}, "threshold coverage must be between 0 and 1, not 2"),
        ({"coverage": "none"}, "(to switch it off, write off)"),
        ({"min_words": 50, "max_words": 20}, "min_words 50 is more than max_words 20"),
    ],
)
def test_a_bad_threshold_is_a_value_error_naming_it(
    lexical: None, thresholds: dict[str, Any], error: str
) -> None:
    with pytest.raises(ValueError, match="thresholds: ") as raised:
        check(ARTICLE, GOOD_SUMMARY, thresholds=thresholds)
    assert error in str(raised.value)


def test_texts_are_checked_as_score_checks_them(lexical: None) -> None:
    with pytest.raises(TypeError, match="'summary' must be text, got NoneType None"):
        check(ARTICLE, None)  # type: ignore[arg-type]


# -- the real model, on the examples ----------------------------------------------------------


@pytest.mark.model
def test_check_decides_as_the_items_do_on_the_examples(tmp_path: Path) -> None:
    examples = tmp_path / "examples"
    shutil.copytree(REPO / "examples", examples, ignore=shutil.ignore_patterns(".summgate"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--summgate", ".", "-p", "no:cacheprovider",
         "--summgate-report=r.json"],
        cwd=examples, env={**env, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip
    report = json.loads((examples / "r.json").read_text("utf-8"))
    records = {c["nodeid"]: c for c in report["cases"]}
    assert len(records) == 4, done.stdout + done.stderr
    ini = {"coverage": 0.5}  # examples/pytest.ini
    for name in ("news.yaml", "cnn_dm_chatgpt_row.jsonl"):
        for entry in cases.load(examples / name, name, {"summary": "chatgpt"}):
            assert isinstance(entry, cases.Case)
            assert entry.summary is not None
            given = {**ini, **entry.file_thresholds, **entry.thresholds}
            verdict = check(entry.article, entry.summary, entry.highlights, thresholds=given)
            record = records[f"{name}::{entry.id}"]
            assert verdict.passed == (record["outcome"] == "passed"), entry.id
            assert [(r[0], r[2], r[4]) for r in verdict_rules(verdict)] == [
                (r[0], r[2], r[4]) for r in rules_of(record)
            ], entry.id
            for ours, theirs in zip(verdict.rules, record["checks"], strict=True):
                assert ours.score == pytest.approx(theirs["score"], abs=1e-3)
            assert {m: list(r) for m, r in verdict.hard_evidence.items()} == (
                record["hard_evidence"]
            ), entry.id
            if not verdict.passed:
                assert verdict.verdict == record["verdict"], entry.id
