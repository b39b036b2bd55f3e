"""Thresholds: parsing values, stacking the layers in order of precedence, and verdicts."""

from __future__ import annotations

import pytest

from pytest_summgate import thresholds
from pytest_summgate.cases import Case
from pytest_summgate.errors import SettingError
from pytest_summgate.options import Raw
from pytest_summgate.settings import Settings

ALL_NAMES = [
    "faithfulness", "coverage", "rouge1", "rouge2", "rougeL",
    "min_words", "max_words", "max_compression",
]  # fmt: skip


def test_the_documented_threshold_names() -> None:
    assert list(thresholds.BUILTIN_SPECS) == ALL_NAMES


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("faithfulness", "0.6", 0.6),
        ("coverage", 0, 0.0),
        ("rougeL", 1, 1.0),
        ("max_words", "120", 120.0),
        ("max_compression", 2.5, 2.5),
        ("min_words", "off", None),
        ("max_words", " OFF ", None),
        ("coverage", None, None),  # YAML's ~ or an empty value, JSON's null
    ],
)
def test_parse_value(name: str, raw: object, value: float | None) -> None:
    assert thresholds.parse_value(name, raw) == value


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("faithfulness", "2", "threshold faithfulness must be between 0 and 1, not '2'"),
        ("coverage", -0.1, "threshold coverage must be between 0 and 1, not -0.1"),
        ("rouge1", "high", "threshold rouge1 must be a number, not 'high'"),
        ("rouge2", "nan", "threshold rouge2 must be a finite number, not 'nan'"),
        ("max_words", -1, "threshold max_words must be 0 or more, not -1"),
        ("min_words", 10.5, "threshold min_words must be a whole number of words, not 10.5"),
        ("coverage", True, "threshold coverage must be a number, not True"),
        ("coverage", [0.5], "threshold coverage must be a number, not [0.5]"),
        (
            "faithfulnes",
            "0.5",
            "unknown threshold 'faithfulnes' (did you mean 'faithfulness'?); known: "
            + ", ".join(ALL_NAMES),
        ),
        ("rougel", "0.5", "unknown threshold 'rougel' (did you mean 'rougeL'?)"),
        ("zzz", "0.5", "unknown threshold 'zzz'; known: "),
    ],
)
def test_parse_value_rejects(name: str, raw: object, message: str) -> None:
    with pytest.raises(SettingError) as raised:
        thresholds.parse_value(name, raw)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("coverage=0.5", ("coverage", "0.5")), (" max_words = off ", ("max_words", "off"))],
)
def test_parse_assignment(text: str, parsed: tuple[str, str]) -> None:
    assert thresholds.parse_assignment(text) == parsed


@pytest.mark.parametrize("text", ["coverage", "=0.5", ""])
def test_parse_assignment_rejects(text: str) -> None:
    with pytest.raises(SettingError, match="expected NAME=VALUE, got"):
        thresholds.parse_assignment(text)


def rules(settings: Settings, case: Case | None = None) -> dict[str, tuple[float, str]]:
    return {r.name: (r.value, r.source) for r in settings.rules_for(case)}


def test_builtin_defaults() -> None:
    assert rules(Settings()) == {
        "faithfulness": (0.1, "built-in default"),
        "coverage": (0.27, "built-in default"),
        "min_words": (10, "built-in default"),
        "max_words": (150, "built-in default"),
        "max_compression": (0.5, "built-in default"),
    }


def test_precedence_case_then_file_then_cli_then_ini_then_builtin() -> None:
    settings = Settings.resolve(
        {
            "thresholds": Raw(
                cli=["faithfulness=0.2", "coverage=0.2", "rouge1=0.2"],
                ini=["faithfulness=0.1", "coverage=0.1", "rouge1=0.1", "rouge2=0.1"],
            )
        }
    )
    case = Case(
        id="c", path="cases/news.yaml", line=3, article="a", summary="s",
        thresholds={"faithfulness": 0.4},
        file_thresholds={"faithfulness": 0.3, "coverage": 0.3},
    )  # fmt: skip
    assert rules(settings, case) == {
        "faithfulness": (0.4, "case thresholds"),
        "coverage": (0.3, "file defaults of cases/news.yaml"),
        "rouge1": (0.2, "--summgate-threshold"),
        "rouge2": (0.1, "ini summgate_thresholds"),
        "min_words": (10, "built-in default"),
        "max_words": (150, "built-in default"),
        "max_compression": (0.5, "built-in default"),
    }


def test_off_in_a_higher_layer_removes_the_rule() -> None:
    settings = Settings.resolve({"thresholds": Raw(cli=["max_words=off"], ini=["rouge1=0.3"])})
    case = Case(
        id="c", path="p", line=1, article="a", summary="s",
        thresholds={"rouge1": None}, file_thresholds={"coverage": None},
    )  # fmt: skip
    assert set(rules(settings, case)) == {"faithfulness", "min_words", "max_compression"}
    assert "max_words" not in rules(settings)
    assert rules(settings)["rouge1"] == (0.3, "ini summgate_thresholds")


def test_a_later_cli_value_wins() -> None:
    settings = Settings.resolve({"thresholds": Raw(cli=["coverage=0.2", "coverage=0.7"])})
    assert rules(settings)["coverage"] == (0.7, "--summgate-threshold")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"thresholds": Raw(cli=["faithfulness=2"])},
            "--summgate-threshold: threshold faithfulness must be between 0 and 1, not '2'",
        ),
        (
            {"thresholds": Raw(ini=["faithfulnes=0.5"])},
            "summgate_thresholds: unknown threshold 'faithfulnes' (did you mean 'faithfulness'?)",
        ),
        ({"fields": Raw(ini=["bogus=x"])}, "unknown case field 'bogus'"),
        ({"batch_size": Raw(ini="0")}, "summgate_batch_size: expected a whole number of 1"),
        ({"github": Raw(ini="sometimes")}, "summgate_github must be auto, on or off"),
    ],
)
def test_settings_reject_bad_values(raw: dict[str, Raw], message: str) -> None:
    with pytest.raises(SettingError) as raised:
        Settings.resolve(raw)
    assert str(raised.value).startswith(message)


def test_cli_fields_override_ini_fields() -> None:
    settings = Settings.resolve(
        {"fields": Raw(cli=["summary=b"], ini=["summary=a", "highlights=refs"])}
    )
    assert dict(settings.fields) == {"summary": "b", "highlights": "refs"}


def test_cli_model_overrides_ini_model() -> None:
    assert Settings.resolve({"model": Raw(cli="cli", ini="ini")}).model == "cli"
    assert Settings.resolve({"model": Raw(ini=" ini ")}).model == "ini"


def rule(name: str, value: float) -> thresholds.Rule:
    spec = thresholds.BUILTIN_SPECS[name]
    return thresholds.Rule(name, spec.metric, spec.op, value, "test")


@pytest.mark.parametrize(
    ("name", "value", "score", "holds", "margin"),
    [
        ("coverage", 0.5, 0.75, True, 0.25),
        ("coverage", 0.5, 0.5, True, 0.0),
        ("coverage", 0.5, 0.25, False, -0.25),
        ("max_words", 120, 131, False, -11),
        ("max_words", 120, 100, True, 20),
        ("min_words", 10, 9, False, -1),
    ],
)
def test_rule_holds_and_margin(
    name: str, value: float, score: float, holds: bool, margin: float
) -> None:
    assert rule(name, value).holds(score) is holds
    assert rule(name, value).margin(score) == pytest.approx(margin)


def test_evaluate_judges_every_rule_and_skips_missing_scores() -> None:
    checks = thresholds.evaluate(
        [rule("faithfulness", 0.8), rule("coverage", 0.5), rule("max_words", 120)],
        {"faithfulness": 0.31, "coverage": None, "length": 131.0},
        {"coverage": "no highlights in this case"},
    )
    assert [(c.rule.name, c.score, c.failed, c.skipped) for c in checks] == [
        ("faithfulness", 0.31, True, ""),
        ("coverage", None, False, "no highlights in this case"),
        ("max_words", 131.0, True, ""),
    ]
