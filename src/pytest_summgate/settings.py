"""One frozen Settings, resolved once per run: command line > ini/pyproject > built-ins.

The per-case layers (a file's ``defaults:`` and the case's own ``thresholds:``) sit on top of
these; :meth:`Settings.rules_for` stacks all of them in order of precedence.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from . import baseline, hard_evidence, shards, suite, thresholds
from .cases import Case, parse_field_map
from .errors import SettingError, quote
from .models import DEFAULT_MODEL
from .options import DEFAULT_BATCH_SIZE, DEFAULT_GLOBS, Raw, positive_int

SOURCE_BUILTIN = thresholds.SOURCE_BUILTIN
SOURCE_INI = "ini summgate_thresholds"
SOURCE_CLI = "--summgate-threshold"
SOURCE_FILE = "file defaults"
SOURCE_CASE = "case thresholds"


def _frozen(values: Mapping[str, float | None]) -> Mapping[str, float | None]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True)
class Settings:
    """Everything the gate needs to know that is not in a case file."""

    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    cli_thresholds: Mapping[str, float | None] = field(default_factory=lambda: _frozen({}))
    ini_thresholds: Mapping[str, float | None] = field(default_factory=lambda: _frozen({}))
    model: str = DEFAULT_MODEL
    faithfulness_model: str | None = None
    globs: tuple[str, ...] = DEFAULT_GLOBS
    baseline_path: str = baseline.DEFAULT_PATH
    update_baseline: bool = False
    prune_baseline: bool = False
    tolerance: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    suite_gates: Mapping[str, float | None] = field(
        default_factory=lambda: _frozen(suite.default_gates())
    )
    bootstrap_seed: int = suite.DEFAULT_SEED
    report_path: str | None = None
    html_path: str | None = None  # the HTML page of the run's evidence
    github: str = "auto"  # "auto" (on when GITHUB_ACTIONS=true), "on" or "off"
    cache_path: str | None = "auto"  # None: no disk cache; "auto": in pytest's cache dir
    # "list": per-case drops against the baseline are shown, not failed; "fail": they fail.
    case_regressions: str = "list"
    # "paired": a compared case's new decisive findings are left to the run's sign test;
    # "any": each fails its case (hard_evidence.py).
    hard_evidence: str = hard_evidence.PAIRED
    # The base branch's baseline (CI): entries the pull request changed are accepted changes.
    base_baseline_path: str | None = None
    predictions_path: str | None = None  # a JSONL of model outputs joined to the cases by id
    batch_size: int = DEFAULT_BATCH_SIZE  # cases per call of pytest_summgate_generate
    shard: shards.Shard | None = None  # run shard K of N
    merge: tuple[str, ...] = ()  # globs of shards' reports: decide on them, run nothing

    @classmethod
    def resolve(cls, raw: Mapping[str, Raw]) -> Settings:
        """Validate the options' raw values (:func:`options.read`, keyed by option name; an
        option not given may be left out); raises SettingError naming the bad one."""

        def given(name: str) -> Raw:
            return raw.get(name, Raw())

        def text(name: str) -> str | None:
            value = given(name)
            return (value.cli or value.ini or "").strip() or None

        def lines(name: str) -> tuple[list[str], list[str]]:
            value = given(name)
            return list(value.ini or ()), list(value.cli or ())

        ini_fields, cli_fields = lines("fields")
        fields = parse_field_map(ini_fields)
        fields.update(parse_field_map(cli_fields))
        ini_thresholds, cli_thresholds = lines("thresholds")
        ini_tolerance, cli_tolerance = lines("tolerance")
        ini_suite, cli_suite = lines("suite")
        seed = given("seed").cli
        ini, cli = _threshold_layers(ini_thresholds, cli_thresholds)
        return cls(
            fields=MappingProxyType(fields),
            cli_thresholds=_frozen(cli),
            ini_thresholds=_frozen(ini),
            model=text("model") or DEFAULT_MODEL,
            faithfulness_model=text("faithfulness_model"),
            globs=tuple(given("globs").ini or ()) or DEFAULT_GLOBS,
            baseline_path=text("baseline") or baseline.DEFAULT_PATH,
            update_baseline=bool(given("update_baseline").cli),
            prune_baseline=bool(given("prune_baseline").cli),
            tolerance=MappingProxyType(
                {
                    **baseline.parse_tolerances(_pairs(ini_tolerance), "summgate_tolerance"),
                    **baseline.parse_tolerances(_pairs(cli_tolerance), "--summgate-tolerance"),
                }
            ),
            suite_gates=_frozen(
                {
                    **suite.default_gates(),
                    **suite.parse_gates(_pairs(ini_suite), "summgate_suite"),
                    **suite.parse_gates(_pairs(cli_suite), "--summgate-suite"),
                }
            ),
            bootstrap_seed=suite.DEFAULT_SEED if seed is None else seed,
            report_path=text("report"),
            html_path=text("html"),
            github=_github_mode(text("github") or "auto"),
            cache_path=_cache_path(text("cache") or "auto"),
            case_regressions=_case_regressions(text("case_regressions")),
            hard_evidence=_hard_evidence(text("hard_evidence")),
            base_baseline_path=text("base_baseline"),
            predictions_path=text("predictions"),
            batch_size=_batch_size(given("batch_size")),
            shard=given("shard").cli,
            merge=tuple(given("merge").cli or ()),
        )

    @property
    def confidence(self) -> float:
        """The level of the paired change's bootstrap interval."""
        level = self.suite_gates.get("confidence")
        return suite.DEFAULT_CONFIDENCE if level is None else level

    def rules_for(self, case: Case | None = None) -> list[thresholds.Rule]:
        """The rules in force for ``case`` (or for a case with no thresholds of its own)."""
        layers: list[thresholds.Layer] = [
            (SOURCE_BUILTIN, thresholds.BUILTIN_THRESHOLDS),
            (SOURCE_INI, self.ini_thresholds),
            (SOURCE_CLI, self.cli_thresholds),
        ]
        if case is not None:
            layers.append((f"{SOURCE_FILE} of {case.path}", case.file_thresholds))
            layers.append((SOURCE_CASE, case.thresholds))
        return thresholds.resolve_rules(layers)


def _cache_path(value: str) -> str | None:
    """A cache path; None for ``off``, the one word for off (as for thresholds)."""
    value = value.strip()
    if thresholds.is_off(value):
        return None
    if thresholds.off_hint(value):  # "none", "no", "false": a switch meant, not a file name
        where = "--summgate-cache (summgate_cache)"
        raise SettingError(f"{where}: {quote(value)} is not a path{thresholds.off_hint(value)}")
    return value


def _case_regressions(value: str | None) -> str:
    mode = (value or "list").strip().lower()
    if mode not in {"list", "fail"}:
        raise SettingError(f"summgate_case_regressions must be list or fail, not {quote(value)}")
    return mode


def _hard_evidence(value: str | None) -> str:
    mode = (value or hard_evidence.PAIRED).strip().lower()
    if mode not in hard_evidence.MODES:
        raise SettingError(f"summgate_hard_evidence must be paired or any, not {quote(value)}")
    return mode


def _batch_size(value: Raw) -> int:
    if value.cli is not None:  # checked as the command line was parsed
        return int(value.cli)
    try:
        return positive_int(value.ini) if value.ini else DEFAULT_BATCH_SIZE
    except argparse.ArgumentTypeError as error:
        raise SettingError(f"summgate_batch_size: {error}") from None


def _github_mode(value: str) -> str:
    mode = value.strip().lower()
    if mode not in {"auto", "on", "off"}:
        raise SettingError(f"summgate_github must be auto, on or off, not {quote(value)}")
    return mode


def _pairs(assignments: Sequence[str]) -> dict[str, str]:
    return dict(thresholds.parse_assignment(text) for text in assignments)


def _threshold_layers(
    ini_thresholds: Sequence[str], cli_thresholds: Sequence[str]
) -> tuple[dict[str, float | None], dict[str, float | None]]:
    """The ini's and the command line's thresholds, which must leave a summary some way to
    pass together with the built-in defaults (a case's own layers are checked as its file
    is read, in case_rows)."""
    cli = _parse_thresholds(cli_thresholds, "--summgate-threshold")
    ini = _parse_thresholds(ini_thresholds, "summgate_thresholds")
    problem = thresholds.contradiction({**thresholds.BUILTIN_THRESHOLDS, **ini, **cli})
    if problem:
        where = (
            "--summgate-threshold" if set(thresholds.BOUNDS) & set(cli) else "summgate_thresholds"
        )
        raise SettingError(f"{where}: {problem}")
    return ini, cli


def _parse_thresholds(assignments: Sequence[str], where: str) -> dict[str, float | None]:
    values: dict[str, float | None] = {}
    for text in assignments:
        try:
            name, raw = thresholds.parse_assignment(text)
            values[name] = thresholds.parse_value(name, raw)
        except SettingError as error:
            raise SettingError(f"{where}: {error}") from None
    return values
