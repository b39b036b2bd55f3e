"""One gate run: everything a pytest session of the gate holds, in one object, under one key.

:meth:`SummgateRun.start` reads the options, the baselines and the predictions, builds the
engine with its scorers and model cache, and registers the controller, which gathers the
reports and decides on the run. Items, hooks and the controller find the run with
:func:`run_of`; tests replace its engine with :func:`pytest_summgate.testing.use_engine`.
"""

from __future__ import annotations

import os
import subprocess
from contextvars import Token
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from . import baseline, cases, decision, hard_evidence, merging, options, shards, thresholds
from .batching import BatchScorer
from .cache import ModelCache, cache_files
from .cases import Predictions
from .controller import RunController
from .engine import Engine
from .errors import BaselineError, CaseFileError, ModelUnavailable, SettingError, terminal_line
from .files import posix_relative
from .generation import SummaryGenerator
from .invocation import refuse_a_moved_rootdir, remedy
from .metrics import Document, Scorer, default_scorers
from .settings import Settings

ENTRY_POINT_GROUP = "pytest_summgate.scorers"


@dataclass(eq=False)
class SummgateRun:
    """A pytest session's gate: its settings, baselines, engine and helpers."""

    config: pytest.Config
    settings: Settings
    contract: decision.Contract
    controller: RunController
    engine: Engine
    metrics: thresholds.Metrics = (
        thresholds.BUILTIN_METRICS
    )  # threshold names and directions, custom too
    remedy: str = ""  # the command that accepts this run's scores
    generator: SummaryGenerator | None = None
    batcher: BatchScorer | None = None  # None in a merge, which scores nothing
    predictions: Predictions | None = None
    workers: int = 1  # xdist workers (1 without xdist)
    progress_started: bool = False  # pytest's progress line is being written
    _token: Token[thresholds.Metrics] | None = field(default=None, repr=False)

    @classmethod
    def start(cls, config: pytest.Config) -> SummgateRun:
        """The run of this session; raises pytest.UsageError quoting a bad option, ini value
        or baseline. Its metrics (the built-ins and its custom scorers') are in force from
        here until :meth:`finish`."""
        try:
            refuse_a_moved_rootdir(config)
            custom, known = _custom_scorers(config)
        except SettingError as error:
            raise pytest.UsageError(f"summgate: {error}") from None
        token = thresholds.in_force(known)
        try:
            run = cls._started(config, custom, known)
        except BaseException:
            thresholds.out_of_force(token)
            raise
        run._token = token
        return run

    @classmethod
    def _started(
        cls, config: pytest.Config, custom: list[Scorer], known: thresholds.Metrics
    ) -> SummgateRun:
        try:
            settings = Settings.resolve(options.read(config))
        except SettingError as error:
            raise pytest.UsageError(f"summgate: {error}") from None
        _refuse_shard_misuse(settings)
        path = _path_option(config, "baseline", settings.baseline_path)
        stored, contract = _baselines(config, settings, path)
        controller = RunController(config, settings, stored, path, contract, settings.shard)
        engine = Engine(settings, [*default_scorers(settings.faithfulness_model), *custom])
        run = cls(config, settings, contract, controller, engine, known)
        if settings.merge:
            # The engine is never used (no case is scored), but there as in every gate run: a
            # conftest may wrap it (the model would load on first use only).
            run._restore_shards()
            return run
        run._start_scoring()
        return run

    def _start_scoring(self) -> None:
        config, settings = self.config, self.settings
        self.predictions = self.controller.predictions = _predictions(config, settings)
        self.remedy = remedy(config)
        workerinput = getattr(config, "workerinput", None)
        if workerinput is not None:
            self.workers = int(workerinput.get("workercount") or 1)
        self.batcher = BatchScorer(self, lookahead(config), self.workers)
        self.generator = SummaryGenerator(config, settings.batch_size, self.batcher)
        config.pluginmanager.register(self.controller, "summgate-controller")
        self._attach_models()

    def _attach_models(self) -> None:
        """Give the engine's models the run's cache, thread count and terminal."""
        cache = self._model_cache()
        self.engine.cache = cache
        threads = None
        if getattr(self.config, "workerinput", {}).get("workercount"):
            # Share the cores between the workers instead of each taking all of them.
            threads = max(1, (os.cpu_count() or 1) // self.workers)
        for model in models_of(self.engine):
            model.cache = cache
            model.threads = threads
            if not hasattr(self.config, "workerinput"):  # workers have no terminal of their own
                model.announce = self._announce

    def load_models_ahead(self, items: list[pytest.Item]) -> None:
        """Load the models before pytest's progress starts when the first case will need
        them, so "loading ..." is a line of its own, not one that cuts the progress line in
        two. A warm run (the cache answers the first case) loads none; a model that cannot be
        had is each case's error, as before."""
        config = self.config
        alone = not hasattr(config, "workerinput") and getattr(config.option, "dist", "no") == "no"
        try:
            if alone and not config.option.collectonly and self._models_needed(items):
                for model in models_of(self.engine):
                    model.load()
        except ModelUnavailable:
            pass  # each case says so, with the fix
        finally:
            self.progress_started = True

    def _models_needed(self, items: list[pytest.Item]) -> bool:
        """Whether the first case's scoring will load a model (its article is not cached)."""
        entries = (getattr(item, "entry", None) for item in items)
        first = next((entry for entry in entries if isinstance(entry, cases.Case)), None)
        models = models_of(self.engine)
        if first is None or all(model.loaded for model in models):
            return False
        for model in models:
            model.check()  # its fingerprint names the cache's records (ModelUnavailable: none)
        if first.summary is not None:
            answered = self.engine.answered(
                [Document(first.article, first.summary, first.highlights)]
            )
            if answered is not None:
                return not answered
        # Its summary is yet to be generated, or a scorer is never cached: its article's
        # sentences, which every model-reading scorer encodes.
        embedder = self.engine.embedder
        article = Document(first.article, "").article_sentences
        return embedder is None or not embedder.remembers(article)

    def _announce(self, line: str) -> None:
        """A model's loading line: on the terminal before the progress; once the progress
        has started, kept for the summary (a line printed then would cut it in two)."""
        if self.progress_started:
            self.controller.notes.append(line)
        else:
            _announce(self.config, line)

    def finish(self) -> None:
        """Give back the metrics in force before this run; models are shared by the process
        (pytester runs several sessions in one): forget this session's terminal and threads."""
        if self._token is not None:
            thresholds.out_of_force(self._token)
            self._token = None
        for model in models_of(self.engine):
            model.announce = None
            model.threads = None

    def _model_cache(self) -> ModelCache | None:
        if not self.settings.cache_path:
            return None
        if self.settings.cache_path == "auto":
            # pytest's own cache dir (ignored by git), or .summgate/cache without cacheprovider.
            pytest_cache = getattr(self.config, "cache", None)  # absent: -p no:cacheprovider
            cache_dir = (
                pytest_cache.mkdir("summgate")
                if pytest_cache is not None
                else self.config.rootpath / ".summgate" / "cache"
            )
            path = cache_dir / "models.sqlite"
        else:
            path = _path_option(self.config, "cache", self.settings.cache_path)
        if _tracked_by_git(path):
            # A pull request could commit a cache whose records make its cases pass.
            self.controller.warnings.append(
                f"model cache {posix_relative(path, self.config.rootpath)} is tracked by git "
                f"and was not used: cached scores must come from this machine's runs, not from "
                f"the repository (git rm --cached it)"
            )
            return None
        return ModelCache(path)

    def _restore_shards(self) -> None:
        """Decide on the run from its shards' reports: check that they are the N shards of a
        run with this run's settings and baselines, then hand their cases to the controller."""
        here = self.config.invocation_params.dir
        controller = self.controller
        try:
            paths = merging.expand(list(self.settings.merge), here)
            merged = merging.load(
                paths,
                lambda path: posix_relative(path, here),
                in_force=controller.contract.in_force,
                blocking=self.settings.case_regressions == "fail",
                paired=self.settings.hard_evidence == hard_evidence.PAIRED,
            )
            expected = controller.settings_record()
            if merged.settings != expected:
                differ = sorted(k for k in expected if merged.settings.get(k) != expected[k])
                unknown = len(set(merged.settings) - set(expected))
                differ += [f"{unknown} unknown keys"] if unknown else []
                raise merging.ShardMismatch(
                    f"the shards ran with other settings than this merge ({', '.join(differ)} "
                    f"differ): give the merge the shards' ini file and options"
                )
            if merged.contract != shards.contract_digest(controller.contract):
                bases = self.settings.baseline_path + (
                    f", {self.settings.base_baseline_path}"
                    if self.settings.base_baseline_path
                    else ""
                )
                raise merging.ShardMismatch(
                    f"the shards were judged against other baselines than this merge reads "
                    f"({bases}): give the merge the same --summgate-baseline and "
                    f"--summgate-base-baseline"
                )
        except merging.ShardMismatch as error:
            # File names and node ids are the user's: one line, escaped.
            raise pytest.UsageError(terminal_line(f"summgate: merge: {error}")) from None
        controller.restore(merged)
        self.config.pluginmanager.register(controller, "summgate-controller")
        # The merge runs no tests: no xdist workers (an ini's addopts may hold -n).
        self.config.option.dist = "no"
        self.config.option.tx = []


RUN_KEY: pytest.StashKey[SummgateRun] = pytest.StashKey()


def run_of(config: pytest.Config) -> SummgateRun | None:
    """The session's gate run; None when the gate is off (no ``--summgate``)."""
    return config.stash.get(RUN_KEY, None)


def the_run(config: pytest.Config) -> SummgateRun:
    """The session's gate run, for code that only runs when the gate is on."""
    return config.stash[RUN_KEY]


def _refuse_shard_misuse(settings: Settings) -> None:
    shard = settings.shard
    if shard is not None and settings.merge:
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


def _baselines(
    config: pytest.Config, settings: Settings, path: Path
) -> tuple[baseline.Baseline | None, decision.Contract]:
    """The stored baseline and the contract it makes with the base branch's (if given)."""
    try:
        stored = baseline.load(path)
    except BaselineError as error:
        if not settings.update_baseline:
            raise pytest.UsageError(f"summgate: {error}") from None
        stored = None  # being replaced on purpose
    base_path = None
    base = None
    if settings.base_baseline_path:
        base_path = _path_option(config, "base_baseline", settings.base_baseline_path)
        try:
            base = baseline.load(base_path, base=True)
        except BaselineError as error:
            raise pytest.UsageError(f"summgate: base branch's {error}") from None
    here = config.invocation_params.dir
    contract = decision.contract(
        stored,
        base,
        base_path is not None,
        posix_relative(path, here),
        posix_relative(base_path, here) if base_path else "",
    )
    return stored, contract


def _predictions(config: pytest.Config, settings: Settings) -> Predictions | None:
    name = settings.predictions_path
    if not name:
        return None
    try:
        joined = cases.load_predictions(config.invocation_params.dir / name, name, settings.fields)
    except CaseFileError as error:
        raise pytest.UsageError(f"summgate: predictions {error}") from None
    except OSError as error:
        raise pytest.UsageError(
            f"summgate: predictions file {name} cannot be read: {error.strerror}"
        ) from None
    return Predictions(joined, name)


def _path_option(config: pytest.Config, name: str, value: str) -> Path:
    """Like --junitxml: a path given on the command line is relative to where pytest runs,
    one from the ini file relative to the rootdir (where the ini file is)."""
    from_command_line = options.given_on_command_line(config, name)
    return (config.invocation_params.dir if from_command_line else config.rootpath) / value


def models_of(engine: Engine) -> list[Any]:
    """The engine's models (the embedder, and any scorer's own, e.g. the NLI model)."""
    return engine.models()


def lookahead(config: pytest.Config) -> bool:
    """Whether scoring and generating ahead is safe: when a chunk of cases runs in one process.

    True without xdist and under its load (chunks, see scheduling.py), loadfile, loadscope
    and each modes; not under worksteal or loadgroup. xdist resets a worker's ``dist``
    option, so the controller's answer reaches workers through ``workerinput``.
    """
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return bool(workerinput.get("summgate_lookahead", False))
    return getattr(config.option, "dist", "no") not in {"worksteal", "loadgroup"}


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


def _custom_scorers(config: pytest.Config) -> tuple[list[Scorer], thresholds.Metrics]:
    """Scorers from conftest/plugins (the hook) and installed packages (entry points), and
    the run's metrics: the built-ins and theirs, each a threshold name."""
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
    known = thresholds.BUILTIN_METRICS
    for scorer in scorers:
        names = getattr(scorer, "names", None)
        if not names or not callable(getattr(scorer, "score", None)):
            raise SettingError(f"custom scorer {scorer!r} needs 'names' and a 'score' method")
        directions = getattr(scorer, "directions", {}) or {}
        for name in names:
            known = known.with_metric(name, directions.get(name, ">="))
    return scorers, known


def _tracked_by_git(cache: Path) -> bool:
    """Whether the cache file (or its SQLite journal) is committed to a git repository."""
    found = [path for path in cache_files(cache) if path.exists()]
    if not found:
        return False
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--", *(f.name for f in found)],
            cwd=cache.parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False  # no git: nothing is committed that this run could tell
    return listed.returncode == 0 and bool(listed.stdout.strip())
