"""The code's shape: one option table, a typed report record, an import graph without cycles."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import get_type_hints

import pytest

from pytest_summgate import ci_outputs, options
from pytest_summgate.options import Raw
from pytest_summgate.settings import Settings

PACKAGE = Path(ci_outputs.__file__).parent


def test_every_option_of_the_table_is_a_flag_or_an_ini_value_in_help(
    pytester: pytest.Pytester,
) -> None:
    shown = pytester.runpytest("--help").stdout.str()
    for option in options.OPTIONS:
        assert option.flag or option.ini, option.name
        if option.flag:
            assert option.flag in shown, option.flag
        if option.ini:
            assert f"{option.ini} (" in shown, option.ini


def test_every_option_reaches_the_settings() -> None:
    # A value for each option, as the command line would give it, changes the Settings.
    given = {
        "fields": Raw(cli=["summary=candidate"]),
        "thresholds": Raw(cli=["faithfulness=0.3"]),
        "model": Raw(cli="some/model"),
        "faithfulness_model": Raw(cli="some/nli"),
        "globs": Raw(ini=["evals/*.jsonl"]),
        "baseline": Raw(cli="b.json"),
        "update_baseline": Raw(cli=True),
        "prune_baseline": Raw(cli=True),
        "tolerance": Raw(cli=["faithfulness=0.2"]),
        "suite": Raw(cli=["pass_rate=0.5"]),
        "seed": Raw(cli=7),
        "report": Raw(cli="r.json"),
        "html": Raw(cli="r.html"),
        "github": Raw(cli="on"),
        "predictions": Raw(cli="p.jsonl"),
        "batch_size": Raw(cli=3),
        "cache": Raw(cli="off"),
        "case_regressions": Raw(cli="fail"),
        "hard_evidence": Raw(cli="any"),
        "base_baseline": Raw(cli="base.json"),
        "shard": Raw(cli=options._shard("1/2")),
        "merge": Raw(cli=["shards/*.json"]),
    }
    assert set(given) | {"summgate"} == set(options.BY_NAME)
    default = Settings.resolve({})
    for name, raw in given.items():
        assert Settings.resolve({name: raw}) != default, name


def test_an_ini_value_is_read_when_the_command_line_gives_none() -> None:
    for name, value in [("model", "ini/model"), ("report", "r.json"), ("github", "off")]:
        settings = Settings.resolve({name: Raw(ini=value)})
        assert value in repr(settings), name
    assert Settings.resolve({"batch_size": Raw(ini="5")}).batch_size == 5


def _schema_case() -> dict[str, object]:
    schema = json.loads(ci_outputs.SCHEMA_FILE.read_text(encoding="utf-8"))
    case: dict[str, object] = schema["properties"]["cases"]["items"]
    return case


def test_the_typed_case_record_is_the_schemas_case() -> None:
    case = _schema_case()
    properties = case["properties"]
    assert isinstance(properties, dict)
    assert set(get_type_hints(ci_outputs.CaseRecord)) == set(properties)
    assert set(get_type_hints(ci_outputs.CheckRecord)) == set(
        properties["checks"]["items"]["properties"]
    )
    assert set(get_type_hints(ci_outputs.RegressionRecord)) == set(
        properties["regressions"]["items"]["properties"]
    )


def _imports(path: Path, module: str) -> set[str]:
    """The package modules ``module`` imports, at run time or for type checking only."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
        target = ".".join([*base, *([node.module] if node.module else [])])
        names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
        found.update(names)
    return found


def test_the_package_imports_no_module_that_imports_it_back() -> None:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph = {
        name: {t for t in _imports(path, name) if t in modules and t != name}
        for name, path in modules.items()
    }
    # Depth-first search for a way back to where it started.
    for start in graph:
        seen: set[str] = set()
        stack = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for following in graph[node]:
                assert following != start, " -> ".join([*trail, start])
                if following not in seen:
                    seen.add(following)
                    stack.append((following, [*trail, following]))


def test_plugin_holds_hooks_only() -> None:
    source = (PACKAGE / "plugin.py").read_text(encoding="utf-8")
    assert len(source.splitlines()) < 250
    functions = [
        node.name
        for node in ast.parse(source).body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    assert all(name.startswith("pytest_") for name in functions), functions


def test_off_is_the_one_word_for_off_for_the_cache_too() -> None:
    from pytest_summgate.errors import SettingError

    assert Settings.resolve({"cache": Raw(cli="OFF")}).cache_path is None
    assert Settings.resolve({"cache": Raw(ini="c.sqlite")}).cache_path == "c.sqlite"
    for word in ("none", "no", "false"):
        with pytest.raises(SettingError, match="to switch it off, write off"):
            Settings.resolve({"cache": Raw(cli=word)})


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ({"thresholds": Raw(cli=["min_words=200"])}, "--summgate-threshold"),
        ({"thresholds": Raw(ini=["max_words=5"])}, "summgate_thresholds"),
        ({"thresholds": Raw(cli=["min_words=40"], ini=["max_words=30"])}, "--summgate-threshold"),
    ],
)
def test_bounds_no_summary_can_pass_are_a_usage_error(raw: dict[str, Raw], where: str) -> None:
    from pytest_summgate.errors import SettingError

    with pytest.raises(SettingError, match=f"^{where}: min_words .* more than max_words"):
        Settings.resolve(raw)
    # Switching one bound off resolves it.
    assert Settings.resolve({"thresholds": Raw(cli=["min_words=200", "max_words=off"])})


def test_a_runs_custom_metrics_are_in_force_for_that_run_only(pytester: pytest.Pytester) -> None:
    from pytest_summgate import thresholds

    pytester.makeconftest(
        """
        from pytest_summgate import thresholds

        class Brevity:
            names = ("brevity",)
            needs_model = False
            directions = {"brevity": "<="}

            def score(self, docs, embedder):
                return [{} for _ in docs]

        def pytest_summgate_scorers(config):
            return [Brevity()]

        def pytest_sessionstart(session):
            assert thresholds.metrics().custom == {"brevity": "<="}
            assert "brevity" in thresholds.metrics().specs
        """
    )
    outer = thresholds.metrics()
    result = pytester.runpytest_inprocess("--summgate", "--summgate-threshold=brevity=3")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert thresholds.metrics() is outer  # given back when the run ended
    assert "brevity" not in thresholds.metrics().specs
    # Without the conftest, the metric is unknown again.
    pytester.path.joinpath("conftest.py").unlink()
    refused = pytester.runpytest_inprocess("--summgate", "--summgate-threshold=brevity=3")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR


# pytest's side: the hooks, the run, the items, the controller (a plugin object gathering
# reports) and the xdist hooks. Every other module can be driven from a plain script.
PYTEST_SIDE = {"plugin", "run", "items", "controller", "scheduling"}


def test_only_pytests_side_imports_pytest_when_it_runs() -> None:
    importing = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for node in ast.walk(block)
        }
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if "pytest" in names and id(node) not in typing_only:
                importing.add(path.relative_to(PACKAGE).with_suffix("").as_posix())
    assert importing <= PYTEST_SIDE, sorted(importing - PYTEST_SIDE)
