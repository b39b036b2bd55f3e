"""Every option of the gate, declared once: its command-line flag, its ini name, its help.

The table drives ``pytest_addoption`` (flags and ini values) and :func:`read`, which gathers
each option's raw values for :meth:`Settings.resolve <pytest_summgate.settings.Settings.resolve>`.
A value on the command line wins over the ini file's; list options (``--summgate-threshold``
and ``summgate_thresholds``) keep both, the ini's first.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from . import baseline, hard_evidence, shards, suite, thresholds
from .cases import parse_field_map
from .errors import SettingError, quote

if TYPE_CHECKING:
    import pytest

DEFAULT_GLOBS = ("*.yaml", "*.yml", "*.jsonl")
DEFAULT_BATCH_SIZE = 16  # cases per call of the pytest_summgate_generate hook
SEED_LIMIT = 2**32  # numpy's seeds (and most RNGs') are 32-bit, unsigned

# switch: a flag without a value; text: one value; lines: repeatable flag, ini one a line;
# args: ini only, whitespace-separated (like pytest's own python_files).
Form = Literal["switch", "text", "lines", "args"]


def positive_int(text: str) -> int:
    """A whole number of 1 or more (argparse type)."""
    try:
        value = int(text)
    except ValueError:  # not a number, or over 4,300 digits
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {quote(text)}")
    return value


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


def _argparse_type(check: Callable[[str], Any]) -> Callable[[str], str]:
    """Validate a value as it is parsed (so a typo is a usage error naming the flag), but
    keep the text: Settings.resolve reads it."""

    def checked(text: str) -> str:
        try:
            check(text)
        except SettingError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        return text

    return checked


def _check_threshold(text: str) -> None:
    name, raw = thresholds.parse_assignment(text)
    # A name not built in may be a custom scorer's metric, registered in pytest_configure,
    # where Settings.resolve checks it.
    if name in thresholds.metrics().specs:
        thresholds.parse_value(name, raw)


def _shard(text: str) -> shards.Shard:
    try:
        return shards.parse(text)
    except SettingError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


@dataclass(frozen=True)
class Option:
    """One option. ``name`` is its key in :func:`read`'s result and pytest's ``dest``."""

    name: str
    help: str
    flag: str | None = None  # command line
    ini: str | None = None  # ini / pyproject name
    form: Form = "text"
    type: Callable[[str], Any] | None = None  # argparse type: converts and checks the flag
    choices: tuple[str, ...] | None = None
    metavar: str | None = None
    ini_default: tuple[str, ...] = ()  # an args option's default


OPTIONS: tuple[Option, ...] = (
    Option(
        "summgate",
        "collect case files (*.yaml, *.yml, *.jsonl) under the given paths and check each case",
        flag="--summgate",
        form="switch",
    ),
    Option(
        "fields",
        "read a case field from another key, e.g. summary=chatgpt (repeatable; fields: id, "
        "article, summary, highlights, thresholds; ini: one FIELD=KEY a line)",
        flag="--summgate-field",
        ini="summgate_fields",
        form="lines",
        type=_argparse_type(lambda text: parse_field_map([text])),
        metavar="FIELD=KEY",
    ),
    Option(
        "thresholds",
        "set a threshold for every case, e.g. faithfulness=0.6 or max_words=off "
        "(repeatable; ini: one NAME=VALUE a line)",
        flag="--summgate-threshold",
        ini="summgate_thresholds",
        form="lines",
        type=_argparse_type(_check_threshold),
        metavar="NAME=VALUE",
    ),
    Option(
        "model",
        "embedding model: a hub id or a local path (default: sentence-transformers/"
        "all-MiniLM-L6-v2)",
        flag="--summgate-model",
        ini="summgate_model",
        metavar="NAME",
    ),
    Option(
        "faithfulness_model",
        "score faithfulness with an NLI cross-encoder instead of the embedded default: a hub "
        "id (e.g. cross-encoder/nli-deberta-v3-xsmall) or a local path",
        flag="--summgate-faithfulness-model",
        ini="summgate_faithfulness_model",
        metavar="NAME",
    ),
    Option(
        "globs",
        "file name patterns of case files (default: *.yaml *.yml *.jsonl)",
        ini="summgate_globs",
        form="args",
        ini_default=DEFAULT_GLOBS,
    ),
    Option(
        "baseline",
        f"baseline file of stored scores (default: {baseline.DEFAULT_PATH})",
        flag="--summgate-baseline",
        ini="summgate_baseline",
        metavar="PATH",
    ),
    Option(
        "update_baseline",
        "write this run's scores to the baseline file (cases not run are kept)",
        flag="--summgate-update-baseline",
        form="switch",
    ),
    Option(
        "prune_baseline",
        "with --summgate-update-baseline: drop stored cases that no longer exist (their "
        "case file is gone or no longer has them); cases a selection skipped (-k, "
        "--deselect, fewer paths) keep their entries",
        flag="--summgate-prune-baseline",
        form="switch",
    ),
    Option(
        "tolerance",
        "how far a metric may move the wrong way against the baseline, e.g. "
        "faithfulness=0.03 (repeatable; ini: one METRIC=VALUE a line)",
        flag="--summgate-tolerance",
        ini="summgate_tolerance",
        form="lines",
        metavar="METRIC=VALUE",
    ),
    Option(
        "suite",
        "suite gate over the whole run, e.g. pass_rate=0.9, mean_faithfulness=0.7, "
        "max_mean_drop_faithfulness=0.01 (repeatable; ini: one GATE=VALUE a line)",
        flag="--summgate-suite",
        ini="summgate_suite",
        form="lines",
        metavar="GATE=VALUE",
    ),
    Option(
        "seed",
        f"seed of the bootstrap confidence intervals (default: {suite.DEFAULT_SEED})",
        flag="--summgate-seed",
        type=_seed,
        metavar="N",
    ),
    Option(
        "report",
        "write a JSON report of every case, the suite gates and the settings",
        flag="--summgate-report",
        ini="summgate_report",
        metavar="PATH",
    ),
    Option(
        "html",
        "write an HTML page of the run's evidence: each case's summary beside its article, "
        "unsupported sentences marked and linked to their closest passages (self-contained)",
        flag="--summgate-html",
        ini="summgate_html",
        metavar="PATH",
    ),
    Option(
        "github",
        "GitHub Actions job summary and annotations (default auto: on when GITHUB_ACTIONS=true)",
        flag="--summgate-github",
        ini="summgate_github",
        choices=("auto", "on", "off"),
    ),
    Option(
        "predictions",
        "JSONL of model outputs (id and summary; field mapping applies) joined to the cases by id",
        flag="--summgate-predictions",
        ini="summgate_predictions",
        metavar="PATH",
    ),
    Option(
        "batch_size",
        f"cases per call of the pytest_summgate_generate hook (default {DEFAULT_BATCH_SIZE})",
        flag="--summgate-batch-size",
        ini="summgate_batch_size",
        type=positive_int,
        metavar="N",
    ),
    Option(
        "cache",
        "disk cache of embeddings, NLI scores and metrics: a path, or off (default: "
        "summgate/models.sqlite in pytest's cache dir)",
        flag="--summgate-cache",
        ini="summgate_cache",
        metavar="PATH|off",
    ),
    Option(
        "case_regressions",
        "per-case drops against the baseline: list them (default) or fail the case",
        flag="--summgate-case-regressions",
        ini="summgate_case_regressions",
        choices=("list", "fail"),
    ),
    Option(
        "hard_evidence",
        "a decisive finding that a compared case's baseline entry did not record: paired "
        "(default) lists it, and blocks the run when cases that gained one outnumber those "
        "that lost one beyond chance (a sign test at the suite's confidence); any fails its "
        "case. A case with no entry fails on hard evidence either way",
        flag="--summgate-hard-evidence",
        ini="summgate_hard_evidence",
        choices=hard_evidence.MODES,
    ),
    Option(
        "base_baseline",
        "the base branch's baseline (CI: git show <base ref>:<baseline file>); entries the "
        "pull request changed are accepted changes, listed and checked to be reproduced",
        flag="--summgate-base-baseline",
        ini="summgate_base_baseline",
        metavar="PATH",
    ),
    Option(
        "shard",
        "run only shard K of N (one job of a matrix); the run as a whole is decided by "
        "--summgate-merge over the N shards' --summgate-report files",
        flag="--summgate-shard",
        type=_shard,
        metavar="K/N",
    ),
    Option(
        "merge",
        "run no tests: decide on the whole run from its shards' JSON reports (a glob, e.g. "
        "--summgate-merge='shards/*.json'; repeatable), with this run's ini and options",
        flag="--summgate-merge",
        form="lines",
        metavar="REPORTS",
    ),
)

BY_NAME = {option.name: option for option in OPTIONS}


def dest(option: Option) -> str:
    """pytest's ``dest`` of an option's flag, as argparse derives it: ``--summgate-field``
    is ``config.getoption("summgate_field")``."""
    assert option.flag is not None
    return option.flag.removeprefix("--").replace("-", "_")


def add_options(parser: pytest.Parser) -> None:
    """Declare every option's flag and ini value."""
    group = parser.getgroup("summgate", "summarization quality gate")
    for option in OPTIONS:
        if option.flag is not None:
            group.addoption(option.flag, **_flag_keywords(option))
        if option.ini is not None:
            ini_type = {"lines": "linelist", "args": "args"}.get(option.form, "string")
            default: object = list(option.ini_default) if option.form == "args" else None
            if option.form == "lines":
                default = []
            elif option.form == "text":
                default = ""
            parser.addini(option.ini, help=option.help, type=ini_type, default=default)  # type: ignore[arg-type]


def _flag_keywords(option: Option) -> dict[str, Any]:
    if option.form == "switch":
        return {"action": "store_true", "default": False, "help": option.help}
    keywords: dict[str, Any] = {"help": option.help, "metavar": option.metavar}
    if option.form == "lines":
        keywords.update(action="append", default=[])
    else:
        keywords.update(default=None)
    if option.type is not None:
        keywords["type"] = option.type
    if option.choices is not None:
        keywords["choices"] = option.choices
    return keywords


class Raw(NamedTuple):
    """One option's values as given: on the command line (``cli``) and in the ini file."""

    cli: Any = None
    ini: Any = None


def read(config: pytest.Config) -> dict[str, Raw]:
    """Every option's raw values (an empty ini string is unset)."""
    values: dict[str, Raw] = {}
    for option in OPTIONS:
        cli = config.getoption(dest(option)) if option.flag is not None else None
        ini = config.getini(option.ini) if option.ini is not None else None
        values[option.name] = Raw(cli, ini if isinstance(ini, list) else (ini or None))
    return values


def given_on_command_line(config: pytest.Config, name: str) -> bool:
    """Whether the option came from the command line (its path is then relative to where
    pytest runs) rather than the ini file (relative to the rootdir)."""
    return config.getoption(dest(BY_NAME[name])) not in (None, [], False)
