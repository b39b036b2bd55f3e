"""pytest-summgate's hooks: options, configure, collect, report header, summary.

Nothing happens without ``--summgate``: the plugin never collects a repository's YAML files
unless asked to. Collection loads no model and imports no torch.
"""

from __future__ import annotations

import argparse
import fnmatch
import itertools
import os
import shlex
import subprocess
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import baseline, cases, decision, gate, models, shards, suite
from .cache import ModelCache, cache_files
from .cases import parse_field_map
from .controller import RunController
from .errors import BaselineError, CaseFileError, SettingError, quote
from .files import posix_relative as _relative
from .generation import DEFAULT_BATCH_SIZE, SummaryGenerator
from .items import (
    BATCHER_KEY,
    CONTRACT_KEY,
    ENGINE_KEY,
    GENERATOR_KEY,
    PREDICTIONS_KEY,
    REMEDY_KEY,
    SETTINGS_KEY,
    BatchScorer,
    CaseFile,
    CaseItem,
    refuse_ambiguous_predictions,
)
from .metrics import Scorer
from .settings import DEFAULT_GLOBS, Settings

if TYPE_CHECKING:
    from .engine import Engine


def _threshold_arg(text: str) -> str:
    try:
        name, raw = gate.parse_assignment(text)
        # A name not built in may be a custom scorer's metric, registered in pytest_configure,
        # where Settings.resolve checks it.
        if name in gate.SPECS:
            gate.parse_value(name, raw)
    except SettingError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _field_arg(text: str) -> str:
    try:
        parse_field_map([text])
    except SettingError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:  # not a number, or over 4,300 digits
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {quote(text)}")
    return value


SEED_LIMIT = 2**32  # numpy's seeds (and most RNGs') are 32-bit, unsigned


def _seed(text: str) -> int:
    """A bootstrap seed: a whole number from 0 to 2**32 - 1 (numpy refuses a negative one
    deep in the run, where it would be an INTERNALERROR)."""
    try:
        value = int(text)
    except ValueError:  # not a number, or over 4,300 digits
        value = -1
    if not 0 <= value < SEED_LIMIT:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 0 to {SEED_LIMIT - 1}, got {quote(text)}"
        )
    return value


def _shard(text: str) -> shards.Shard:
    try:
        return shards.parse(text)
    except SettingError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("summgate", "summarization quality gate")
    group.addoption(
        "--summgate",
        action="store_true",
        default=False,
        help="collect case files (*.yaml, *.yml, *.jsonl) under the given paths "
        "and check each case",
    )
    group.addoption(
        "--summgate-field",
        action="append",
        default=[],
        type=_field_arg,
        metavar="FIELD=KEY",
        help="read a case field from another key, e.g. summary=chatgpt "
        "(repeatable; fields: id, article, summary, highlights, thresholds)",
    )
    group.addoption(
        "--summgate-threshold",
        action="append",
        default=[],
        type=_threshold_arg,
        metavar="NAME=VALUE",
        help="set a threshold for every case, e.g. faithfulness=0.6 or max_words=off (repeatable)",
    )
    group.addoption(
        "--summgate-model",
        default=None,
        metavar="NAME",
        help="embedding model: a hub id or a local path "
        "(default: sentence-transformers/all-MiniLM-L6-v2)",
    )
    group.addoption(
        "--summgate-faithfulness-model",
        default=None,
        metavar="NAME",
        help="score faithfulness with an NLI cross-encoder instead of the "
        "embedded default: a hub id (e.g. cross-encoder/nli-deberta-v3-xsmall) "
        "or a local path",
    )
    parser.addini(
        "summgate_thresholds",
        type="linelist",
        default=[],
        help="thresholds for every case, one NAME=VALUE a line",
    )
    parser.addini(
        "summgate_fields", type="linelist", default=[], help="field mapping, one FIELD=KEY a line"
    )
    parser.addini(
        "summgate_model", type="string", default="", help="embedding model (hub id or local path)"
    )
    parser.addini(
        "summgate_faithfulness_model",
        type="string",
        default="",
        help="NLI cross-encoder for faithfulness (hub id or local path)",
    )
    parser.addini(
        "summgate_globs",
        type="args",
        default=list(DEFAULT_GLOBS),
        help="file name patterns of case files (default: *.yaml *.yml *.jsonl)",
    )
    group.addoption(
        "--summgate-baseline",
        default=None,
        metavar="PATH",
        help=f"baseline file of stored scores (default: {baseline.DEFAULT_PATH})",
    )
    group.addoption(
        "--summgate-update-baseline",
        action="store_true",
        default=False,
        help="write this run's scores to the baseline file (cases not run are kept)",
    )
    group.addoption(
        "--summgate-prune-baseline",
        action="store_true",
        default=False,
        help="with --summgate-update-baseline: drop stored cases that did not run",
    )
    group.addoption(
        "--summgate-tolerance",
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        help="how far a metric may move the wrong way against the baseline, e.g. "
        "faithfulness=0.03 (repeatable)",
    )
    group.addoption(
        "--summgate-suite",
        action="append",
        default=[],
        metavar="GATE=VALUE",
        help="suite gate over the whole run, e.g. pass_rate=0.9, mean_faithfulness=0.7, "
        "max_mean_drop_faithfulness=0.01 (repeatable)",
    )
    group.addoption(
        "--summgate-seed",
        type=_seed,
        default=None,
        metavar="N",
        help=f"seed of the bootstrap confidence intervals (default: {suite.DEFAULT_SEED})",
    )
    group.addoption(
        "--summgate-report",
        default=None,
        metavar="PATH",
        help="write a JSON report of every case, the suite gates and the settings",
    )
    group.addoption(
        "--summgate-github",
        choices=("auto", "on", "off"),
        default=None,
        help="GitHub Actions job summary and ::error annotations "
        "(default auto: on when GITHUB_ACTIONS=true)",
    )
    group.addoption(
        "--summgate-predictions",
        default=None,
        metavar="PATH",
        help="JSONL of model outputs (id and summary; field mapping applies) joined to the "
        "cases by id",
    )
    group.addoption(
        "--summgate-batch-size",
        type=_positive_int,
        default=None,
        metavar="N",
        help=f"cases per call of the pytest_summgate_generate hook (default {DEFAULT_BATCH_SIZE})",
    )
    parser.addini("summgate_predictions", type="string", default="", help="predictions JSONL")
    parser.addini("summgate_batch_size", type="string", default="", help="generation batch size")
    group.addoption(
        "--summgate-cache",
        default=None,
        metavar="PATH|off",
        help="disk cache of embeddings and NLI scores: a path, or off (default: "
        "summgate/models.sqlite in pytest's cache dir)",
    )
    parser.addini("summgate_cache", type="string", default="", help="model cache path, or off")
    parser.addini("summgate_report", type="string", default="", help="JSON report path")
    parser.addini("summgate_github", type="string", default="", help="auto, on or off")
    parser.addini("summgate_baseline", type="string", default="", help="baseline file path")
    parser.addini(
        "summgate_tolerance",
        type="linelist",
        default=[],
        help="regression tolerances, one METRIC=VALUE a line",
    )
    parser.addini(
        "summgate_suite", type="linelist", default=[], help="suite gates, one GATE=VALUE a line"
    )
    group.addoption(
        "--summgate-case-regressions",
        choices=("list", "fail"),
        default=None,
        help="per-case drops against the baseline: list them (default) or fail the case",
    )
    parser.addini(
        "summgate_case_regressions", type="string", default="", help="list (default) or fail"
    )
    group.addoption(
        "--summgate-base-baseline",
        default=None,
        metavar="PATH",
        help="the base branch's baseline (CI: git show <base ref>:<baseline file>); entries "
        "the pull request changed are accepted changes, listed and checked to be reproduced",
    )
    parser.addini(
        "summgate_base_baseline", type="string", default="", help="base branch's baseline path"
    )
    group.addoption(
        "--summgate-shard",
        type=_shard,
        default=None,
        metavar="K/N",
        help="run only shard K of N (one job of a matrix); the run as a whole is decided by "
        "--summgate-merge over the N shards' --summgate-report files",
    )
    group.addoption(
        "--summgate-merge",
        action="append",
        default=[],
        metavar="REPORTS",
        help="run no tests: decide on the whole run from its shards' JSON reports (a glob, "
        "e.g. --summgate-merge='shards/*.json'; repeatable), with this run's ini and options",
    )


def pytest_configure(config: pytest.Config) -> None:
    merging = config.getoption("summgate_merge")
    if not config.getoption("summgate") and not merging:
        return
    _refuse_a_moved_rootdir(config)
    try:
        custom = _custom_scorers(config)
        settings = Settings.resolve(
            globs=config.getini("summgate_globs"),
            update_baseline=config.getoption("summgate_update_baseline"),
            prune_baseline=config.getoption("summgate_prune_baseline"),
            bootstrap_seed=config.getoption("summgate_seed"),
            **_command_line_and_ini(config),
        )
    except SettingError as error:
        raise pytest.UsageError(f"summgate: {error}") from None
    shard = config.getoption("summgate_shard")
    _refuse_shard_misuse(shard, bool(merging), settings)
    config.stash[SETTINGS_KEY] = settings
    path = _path_option(config, "summgate_baseline", settings.baseline_path)
    try:
        stored = baseline.load(path)
    except BaselineError as error:
        if not settings.update_baseline:
            raise pytest.UsageError(f"summgate: {error}") from None
        stored = None  # being replaced on purpose
    base_path = None
    base = None
    if settings.base_baseline_path:
        base_path = _path_option(config, "summgate_base_baseline", settings.base_baseline_path)
        try:
            base = baseline.load(base_path)
        except BaselineError as error:
            raise pytest.UsageError(f"summgate: base branch's {error}") from None
    contract = decision.contract(
        stored,
        base,
        base_path is not None,
        _relative(path, config.invocation_params.dir),
        _relative(base_path, config.invocation_params.dir) if base_path else "",
    )
    config.stash[CONTRACT_KEY] = contract
    if merging:
        _configure_merge(config, settings, RunController(config, settings, stored, path, contract))
        from .engine import Engine
        from .metrics import default_scorers

        # Never used (no case is scored), but there as in every gate run: a conftest may
        # wrap it (the model would load on first use only).
        config.stash[ENGINE_KEY] = Engine(
            settings, [*default_scorers(settings.faithfulness_model), *custom]
        )
        return
    batch = config.getoption("summgate_batch_size") or _ini_batch_size(config)
    config.stash[GENERATOR_KEY] = SummaryGenerator(config, batch)
    predictions = config.getoption("summgate_predictions") or config.getini("summgate_predictions")
    if predictions:
        try:
            joined = cases.load_predictions(
                config.invocation_params.dir / predictions, predictions, settings.fields
            )
        except CaseFileError as error:
            raise pytest.UsageError(f"summgate: predictions {error}") from None
        except OSError as error:
            raise pytest.UsageError(
                f"summgate: predictions file {predictions} cannot be read: {error.strerror}"
            ) from None
        config.stash[PREDICTIONS_KEY] = (joined, predictions)
    config.stash[REMEDY_KEY] = _remedy(config)
    controller = RunController(config, settings, stored, path, contract, shard)
    config.pluginmanager.register(controller, "summgate-controller")
    config.pluginmanager.register(QuietPhases(config), "summgate-quiet-phases")
    from .engine import Engine  # scorers are light to import; the model loads on first use
    from .metrics import default_scorers

    engine = Engine(settings, [*default_scorers(settings.faithfulness_model), *custom])
    config.stash[ENGINE_KEY] = engine
    workerinput = getattr(config, "workerinput", None)
    workers = int(workerinput.get("workercount") or 1) if workerinput is not None else 1
    config.stash[BATCHER_KEY] = BatchScorer(config, _lookahead(config), workers)
    if settings.cache_path:
        if settings.cache_path == "auto":
            # pytest's own cache dir (ignored by git), or .summgate/cache without cacheprovider.
            pytest_cache = getattr(config, "cache", None)  # absent with -p no:cacheprovider
            cache_dir = (
                pytest_cache.mkdir("summgate")
                if pytest_cache is not None
                else config.rootpath / ".summgate" / "cache"
            )
            cache_path = cache_dir / "models.sqlite"
        else:
            cache_path = _path_option(config, "summgate_cache", settings.cache_path)
        if _tracked_by_git(cache_path):
            # A pull request could commit a cache whose records make its cases pass.
            controller.warnings.append(
                f"model cache {_relative(cache_path, config.rootpath)} is tracked by git and "
                f"was not used: cached scores must come from this machine's runs, not from "
                f"the repository (git rm --cached it)"
            )
        else:
            cache = ModelCache(cache_path)
            engine.cache = cache
            for scorer_model in _models_of(engine):
                scorer_model.cache = cache
    if workerinput is not None and workerinput.get("workercount"):
        # Share the cores between the workers instead of each taking all of them.
        models.TORCH_THREADS = max(1, (os.cpu_count() or 1) // int(workerinput["workercount"]))
    if not hasattr(config, "workerinput"):  # workers have no terminal of their own
        for announced in _models_of(engine):
            announced.announce = lambda line: _announce(config, line)
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(XdistHooks(), "summgate-xdist")


def _refuse_shard_misuse(shard: shards.Shard | None, merging: bool, settings: Settings) -> None:
    if shard is not None and merging:
        raise pytest.UsageError(
            "summgate: --summgate-shard runs one shard's cases and --summgate-merge runs none: "
            "give one of them"
        )
    if shard is not None and settings.update_baseline:
        raise pytest.UsageError(
            "summgate: --summgate-shard with --summgate-update-baseline: each job would write "
            "a baseline of its share alone; update the baseline in one run"
        )
    if shard is not None and not settings.report_path:
        raise pytest.UsageError(
            f"summgate: --summgate-shard {shard.index}/{shard.count} needs --summgate-report "
            f"PATH: the merge decides on the shards' reports"
        )


def _configure_merge(config: pytest.Config, settings: Settings, controller: RunController) -> None:
    """Decide on the run from its shards' reports: check that they are the N shards of a run
    with this run's settings and baselines, then hand their cases to the controller."""
    here = config.invocation_params.dir
    try:
        paths = shards.expand(config.getoption("summgate_merge"), here)
        merged = shards.load(paths, lambda path: _relative(path, here))
        if merged.settings != controller.settings_record():
            differ = sorted(
                key
                for key in {*merged.settings, *controller.settings_record()}
                if merged.settings.get(key) != controller.settings_record().get(key)
            )
            raise shards.ShardMismatch(
                f"the shards ran with other settings than this merge ({', '.join(differ)} "
                f"differ): give the merge the shards' ini file and options"
            )
        if merged.contract != shards.contract_digest(controller.contract):
            raise shards.ShardMismatch(
                "the shards were judged against other baselines than this merge reads "
                f"({settings.baseline_path}"
                + (f", {settings.base_baseline_path}" if settings.base_baseline_path else "")
                + "): give the merge the same --summgate-baseline and --summgate-base-baseline"
            )
    except shards.ShardMismatch as error:
        raise pytest.UsageError(f"summgate: merge: {error}") from None
    controller.restore(merged)
    config.pluginmanager.register(controller, "summgate-controller")
    # The merge runs no tests: no xdist workers (an ini's addopts may hold -n).
    config.option.dist = "no"
    config.option.tx = []


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> bool | None:
    """A merge collects nothing: its cases are in the shards' reports."""
    return True if session.config.getoption("summgate_merge") else None


# Settings set both ways: Settings.resolve keyword -> (command-line option, ini name).
_BOTH_WAYS = {
    "fields": ("summgate_field", "summgate_fields"),
    "thresholds": ("summgate_threshold", "summgate_thresholds"),
    "model": ("summgate_model", "summgate_model"),
    "faithfulness_model": ("summgate_faithfulness_model", "summgate_faithfulness_model"),
    "baseline": ("summgate_baseline", "summgate_baseline"),
    "tolerance": ("summgate_tolerance", "summgate_tolerance"),
    "suite": ("summgate_suite", "summgate_suite"),
    "report": ("summgate_report", "summgate_report"),
    "github": ("summgate_github", "summgate_github"),
    "cache": ("summgate_cache", "summgate_cache"),
    "case_regressions": ("summgate_case_regressions", "summgate_case_regressions"),
    "base_baseline": ("summgate_base_baseline", "summgate_base_baseline"),
}


def _command_line_and_ini(config: pytest.Config) -> dict[str, Any]:
    """``cli_X`` and ``ini_X`` keywords of Settings.resolve (an empty ini string is unset)."""
    values: dict[str, Any] = {}
    for key, (option, ini) in _BOTH_WAYS.items():
        values[f"cli_{key}"] = config.getoption(option)
        from_ini = config.getini(ini)
        values[f"ini_{key}"] = from_ini if isinstance(from_ini, list) else (from_ini or None)
    return values


def _announce(config: pytest.Config, line: str) -> None:
    """Print a line on the terminal even while a case runs (past output capturing)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        return
    if capture is None:
        reporter.write_line(line)
        return
    try:
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(line)
    except (ValueError, OSError):  # a closed terminal: the line is only a courtesy
        pass


def _path_option(config: pytest.Config, name: str, value: str) -> Path:
    """Like --junitxml: a path given on the command line is relative to where pytest runs,
    one from the ini file relative to the rootdir (where the ini file is)."""
    base = config.invocation_params.dir if config.getoption(name) else config.rootpath
    return base / value


def _models_of(engine: Engine) -> list[Any]:
    """The engine's models (the embedder, and any scorer's own, e.g. the NLI model)."""
    found: list[Any] = [engine.embedder] if engine.embedder is not None else []
    for scorer in engine.scorers:
        model = getattr(scorer, "model", None)
        if hasattr(model, "cache"):
            found.append(model)
    return found


def _lookahead(config: pytest.Config) -> bool:
    """Whether scoring and generating ahead is safe: when a chunk of cases runs in one process.

    True without xdist and under its load (chunks, see XdistHooks), loadfile, loadscope and
    each modes; not under worksteal or loadgroup. xdist resets a worker's ``dist`` option,
    so the controller's answer reaches workers through ``workerinput``.
    """
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return bool(workerinput.get("summgate_lookahead", False))
    return getattr(config.option, "dist", "no") not in {"worksteal", "loadgroup"}


class XdistHooks:
    """Registered only when pytest-xdist is installed."""

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["summgate_lookahead"] = _lookahead(node.config)

    @pytest.hookimpl(trylast=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if self._announced:
            return
        self._announced = True
        reporter = node.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            settings = node.config.stash[SETTINGS_KEY]
            reporter.write_line(
                f"summgate: each worker loads {settings.model} once, on its first case "
                f"that the model cache cannot answer"
            )

    _announced = False

    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """A shard's selection, as a worker saw it (the xdist controller collects nothing)."""
        found = getattr(node, "workeroutput", {}).get("summgate_selection")
        controller = node.config.pluginmanager.get_plugin("summgate-controller")
        if found and controller is not None and controller.selection is None:
            controller.selection = shards.Selection(int(found[0]), str(found[1]), frozenset())

    @pytest.hookimpl(trylast=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        """Under ``--dist load`` (xdist's default), hand out chunks of cases rather than single
        cases, so each chunk's batch is encoded (and generated) once, by the worker running it.
        """
        if config.getoption("dist", None) != "load":
            return None
        from .scheduling import chunk_scheduler

        return chunk_scheduler(config, log, config.stash[SETTINGS_KEY].globs)


def pytest_unconfigure(config: pytest.Config) -> None:
    gate.unregister_custom()
    # Models are shared by the process (pytester runs several sessions in one): forget this
    # session's terminal.
    engine = config.stash.get(ENGINE_KEY, None)
    if engine is not None:
        for model in _models_of(engine):
            model.announce = None


ENTRY_POINT_GROUP = "pytest_summgate.scorers"


def _custom_scorers(config: pytest.Config) -> list[Scorer]:
    """Scorers from conftest/plugins (the hook) and installed packages (entry points),
    with their metrics registered as threshold names."""
    from importlib.metadata import entry_points

    scorers: list[Scorer] = [
        s for batch in config.hook.pytest_summgate_scorers(config=config) for s in (batch or [])
    ]
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            scorers.extend(entry_point.load()(config))
        except Exception as error:
            raise SettingError(
                f"scorer entry point {entry_point.name!r} ({entry_point.value}) failed: "
                f"{type(error).__name__}: {error}"
            ) from None
    for scorer in scorers:
        names = getattr(scorer, "names", None)
        if not names or not callable(getattr(scorer, "score", None)):
            raise SettingError(f"custom scorer {scorer!r} needs 'names' and a 'score' method")
        directions = getattr(scorer, "directions", {}) or {}
        for name in names:
            gate.register_metric(name, directions.get(name, ">="))
    return scorers


def _ini_batch_size(config: pytest.Config) -> int:
    raw = str(config.getini("summgate_batch_size") or DEFAULT_BATCH_SIZE)
    try:
        return _positive_int(raw)
    except argparse.ArgumentTypeError as error:
        raise pytest.UsageError(f"summgate: summgate_batch_size: {error}") from None


# Options that shape only this run's outputs: the remedy, run on a laptop, does without them.
_RUN_ONLY = ("--summgate-report", "--junitxml", "--junit-xml", "--summgate-github")


def _refuse_a_moved_rootdir(config: pytest.Config) -> None:
    """Refuse a run whose rootdir came from one of this plugin's path options.

    pytest picks its rootdir before it loads plugins, so ``--summgate-baseline /tmp/b.json``
    (value as a separate argument) looks to it like a test path. Unless an ini file fixes the
    rootdir, the common ancestor of that path and the project becomes the rootdir, every
    case's node id changes, and no stored baseline entry matches: the regression gate would
    pass silently. ``--summgate-baseline=/tmp/b.json`` has no such effect.
    """
    if hasattr(config, "workerinput") or config.getoption("rootdir", None):
        return
    if config.inipath is not None and config.inipath.parent == config.rootpath:
        return
    here = config.invocation_params.dir
    args = config.invocation_params.args
    for option, value in itertools.pairwise(args):
        if not option.startswith("--summgate-") or "=" in option or value.startswith("-"):
            continue
        path = _argument_path(config, value)
        if path.exists() and not path.is_relative_to(here.resolve()):
            raise pytest.UsageError(
                f"summgate: {option} {value}: pytest chose its rootdir ({config.rootpath}) "
                f"from this path, before plugins' options are known, so every case's node id "
                f"and baseline key would change; write {option}={value}"
            )


def _tracked_by_git(cache: Path) -> bool:
    """Whether the cache file (or its SQLite journal) is committed to a git repository."""
    files = [path for path in cache_files(cache) if path.exists()]
    if not files:
        return False
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--", *(f.name for f in files)],
            cwd=cache.parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False  # no git: nothing is committed that this run could tell
    return listed.returncode == 0 and bool(listed.stdout.strip())


def _remedy(config: pytest.Config) -> str:
    """The command that accepts the new scores: this run's own, plus the update flag.

    Without the run's report options, and without a ``--summgate-baseline`` outside the
    project (a CI job's temporary copy of the committed file): the remedy updates the
    project's own baseline.
    """
    args = list(config.invocation_params.args)
    kept = []
    position = 0
    while position < len(args):
        arg = args[position]
        name, equals, value = arg.partition("=")
        takes_next = not equals and position + 1 < len(args)
        if takes_next and name in (*_RUN_ONLY, "--summgate-baseline"):
            value = args[position + 1]
        if name in _RUN_ONLY or (name == "--summgate-baseline" and not _inside(config, value)):
            position += 1 if equals else 2
            continue
        if arg != "--summgate-update-baseline":
            kept.append(arg)
        position += 1
    return shlex.join(["pytest", *kept, "--summgate-update-baseline"])


def _inside(config: pytest.Config, path: str) -> bool:
    return _argument_path(config, path).is_relative_to(config.rootpath.resolve())


def _argument_path(config: pytest.Config, value: str) -> Path:
    """A path given on the command line, as the shell that ran pytest meant it."""
    return (config.invocation_params.dir / Path(value).expanduser()).resolve()


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    if SETTINGS_KEY not in config.stash:
        return None
    settings = config.stash[SETTINGS_KEY]
    rules = ", ".join(f"{r.name}={r.value:g}" for r in settings.rules_for())
    fields = ", ".join(f"{k}={v}" for k, v in settings.fields.items()) or "as named"
    models = f"model {settings.model}"
    if settings.faithfulness_model:
        models += f"; faithfulness by NLI model {settings.faithfulness_model}"
    lines = [f"summgate: {models}; fields {fields}", f"summgate: thresholds {rules}"]
    if config.getoption("summgate_shard"):
        lines.append(f"summgate: {config.getoption('summgate_shard').partial}")
    if config.getoption("summgate_merge"):
        lines.append("summgate: merging shard reports (no tests run here)")
    return lines


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect: every case file counts
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    refuse_ambiguous_predictions(items)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> CaseFile | None:
    config = parent.config
    if SETTINGS_KEY not in config.stash:
        return None
    globs = config.stash[SETTINGS_KEY].globs
    relative = _relative(file_path, config.rootpath)
    for pattern in globs:
        target = relative if "/" in pattern else file_path.name
        if fnmatch.fnmatch(target, pattern):
            return CaseFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if isinstance(item, CaseItem):
        # Plain attributes travel with the report to the xdist controller.
        report.summgate_failed = getattr(item, "summgate_failed", [])  # type: ignore[attr-defined]
        report.summgate_failing = getattr(item, "summgate_failing", [])  # type: ignore[attr-defined]
        report.summgate_content = getattr(item, "summgate_content", "")  # type: ignore[attr-defined]
        report.summgate_baseline = getattr(item, "summgate_baseline", "")  # type: ignore[attr-defined]
        if report.when != "teardown":  # the controller reads it from setup or call
            record = getattr(item, "summgate_record", None)
            if record is not None and report.when == "call" and hasattr(report, "wasxfail"):
                # A known failure that failed again, or passed (XPASS: the next update drops it).
                record = {**record, "outcome": "xfailed" if report.skipped else "xpassed"}
            report.summgate_record = record  # type: ignore[attr-defined]
        if report.when == "call":
            engine = item.config.stash.get(ENGINE_KEY, None)
            cache = engine.cache if engine is not None else None
            # Why this process's cache was turned off, for the controller's summary.
            report.summgate_cache_problem = cache.problem if cache is not None else ""  # type: ignore[attr-defined]
    return report


class QuietPhases:
    """Keeps a case's passed setup and teardown reports out of the terminal reporter's list.

    The terminal reporter keeps every passed setup and teardown report, and for each failing
    test scans all of them for teardown output (pytest-dev/pytest#13360): with 10,000 cases
    of which 5,000 fail, that scan took 38 of a warm run's 69 s (profiled). A case's setup
    and teardown print nothing; a report that carries output (sections) stays.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> Generator[None, None, None]:
        yield
        if (
            hasattr(report, "summgate_failed")
            and report.passed
            and report.when in ("setup", "teardown")
            and not report.sections
        ):
            reporter = self.config.pluginmanager.get_plugin("terminalreporter")
            kept = getattr(reporter, "stats", {}).get("")
            if kept and kept[-1] is report:
                kept.pop()
