"""pytest-summgate's hooks. Each is a few lines that hand over to the session's run.

Nothing happens without ``--summgate``: the plugin never collects a repository's YAML files
unless asked to. Collection loads no model and imports no torch. Where things live:
``options`` (every option), ``run`` (a session's state: settings, baselines, engine),
``items`` (a case as a pytest item), ``controller`` (reports in, the run's decision out).
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest

from . import options
from .batching import is_case_file
from .errors import output_problem, terminal_line
from .files import posix_relative
from .items import CaseFile, CaseItem, QuietPhases, html_extras, refuse_ambiguous_predictions
from .run import RUN_KEY, SummgateRun, run_of


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("summgate") and not config.getoption("summgate_merge"):
        return
    run = SummgateRun.start(config)
    config.stash[RUN_KEY] = run
    if run.settings.merge:
        return
    config.pluginmanager.register(QuietPhases(config), "summgate-quiet-phases")
    if config.pluginmanager.hasplugin("xdist"):
        from .scheduling import XdistHooks

        config.pluginmanager.register(XdistHooks(), "summgate-xdist")


def pytest_unconfigure(config: pytest.Config) -> None:
    run = run_of(config)
    if run is not None:
        run.finish()


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> bool | None:
    """A merge collects nothing: its cases are in the shards' reports."""
    run = run_of(session.config)
    return True if run is not None and run.settings.merge else None


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Before the progress line: the models, when the first case will need them loaded."""
    run = run_of(session.config)
    if run is not None and run.batcher is not None:
        run.load_models_ahead(session.items)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    run = run_of(config)
    if run is None:
        return None
    settings = run.settings
    rules = ", ".join(f"{r.name}={r.value:g}" for r in settings.rules_for())
    fields = ", ".join(f"{k}={v}" for k, v in settings.fields.items()) or "as named"
    models = f"model {settings.model}"
    if settings.faithfulness_model:
        models += f"; faithfulness by NLI model {settings.faithfulness_model}"
    lines = [f"summgate: {models}; fields {fields}", f"summgate: thresholds {rules}"]
    if settings.shard is not None:
        lines.append(f"summgate: {settings.shard.partial}")
    if settings.merge:
        lines.append("summgate: merging shard reports (no tests run here)")
    return lines


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect: every case file counts
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    refuse_ambiguous_predictions(items)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> CaseFile | None:
    run = run_of(parent.config)
    relative = posix_relative(file_path, parent.config.rootpath)
    if run is None or not is_case_file(relative, run.settings.globs):
        return None
    unshowable = output_problem(relative)
    if not unshowable:
        return CaseFile.from_parent(parent, path=file_path)
    # pytest prints node ids as they are: a newline or "::error" in a file name would forge
    # a GitHub annotation in its progress and summary lines. One error, under an escaped id.
    refused: CaseFile = CaseFile.from_parent(parent, path=file_path, nodeid=terminal_line(relative))
    refused.unshowable = unshowable
    return refused


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
            run = run_of(item.config)
            cache = run.engine.cache if run is not None else None
            # Why this process's cache was turned off, for the controller's summary.
            report.summgate_cache_problem = cache.problem if cache is not None else ""  # type: ignore[attr-defined]
            html_extras(item, report)  # pytest-html's report, when it is on
    return report
