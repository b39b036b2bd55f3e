"""One frozen Settings, resolved once per run: command line > ini/pyproject > built-ins.

The per-case layers (a file's ``defaults:`` and the case's own ``thresholds:``) sit on top of
these; :meth:`Settings.rules_for` stacks all of them in order of precedence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from . import baseline, gate, suite
from .cases import Case, parse_field_map
from .errors import SettingError, quote
from .models import DEFAULT_MODEL

DEFAULT_GLOBS = ("*.yaml", "*.yml", "*.jsonl")

SOURCE_BUILTIN = gate.SOURCE_BUILTIN
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
    github: str = "auto"  # "auto" (on when GITHUB_ACTIONS=true), "on" or "off"
    cache_path: str | None = "auto"  # None: no disk cache; "auto": in pytest's cache dir
    # "list": per-case drops against the baseline are shown, not failed; "fail": they fail.
    case_regressions: str = "list"
    # The base branch's baseline (CI): entries the pull request changed are accepted changes.
    base_baseline_path: str | None = None

    @classmethod
    def resolve(
        cls,
        *,
        cli_fields: Sequence[str] = (),
        ini_fields: Sequence[str] = (),
        cli_thresholds: Sequence[str] = (),
        ini_thresholds: Sequence[str] = (),
        cli_model: str | None = None,
        ini_model: str | None = None,
        cli_faithfulness_model: str | None = None,
        ini_faithfulness_model: str | None = None,
        globs: Sequence[str] = (),
        cli_baseline: str | None = None,
        ini_baseline: str | None = None,
        update_baseline: bool = False,
        prune_baseline: bool = False,
        cli_tolerance: Sequence[str] = (),
        ini_tolerance: Sequence[str] = (),
        cli_suite: Sequence[str] = (),
        ini_suite: Sequence[str] = (),
        bootstrap_seed: int | None = None,
        cli_report: str | None = None,
        ini_report: str | None = None,
        cli_github: str | None = None,
        ini_github: str | None = None,
        cli_cache: str | None = None,
        ini_cache: str | None = None,
        cli_case_regressions: str | None = None,
        ini_case_regressions: str | None = None,
        cli_base_baseline: str | None = None,
        ini_base_baseline: str | None = None,
    ) -> Settings:
        """Validate raw option values; raises SettingError naming the bad one."""
        fields = parse_field_map(list(ini_fields))
        fields.update(parse_field_map(list(cli_fields)))
        return cls(
            fields=MappingProxyType(fields),
            cli_thresholds=_frozen(_parse_thresholds(cli_thresholds, "--summgate-threshold")),
            ini_thresholds=_frozen(_parse_thresholds(ini_thresholds, "summgate_thresholds")),
            model=(cli_model or ini_model or DEFAULT_MODEL).strip(),
            faithfulness_model=(cli_faithfulness_model or ini_faithfulness_model or "").strip()
            or None,
            globs=tuple(globs) or DEFAULT_GLOBS,
            baseline_path=(cli_baseline or ini_baseline or baseline.DEFAULT_PATH).strip(),
            update_baseline=update_baseline,
            prune_baseline=prune_baseline,
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
            bootstrap_seed=suite.DEFAULT_SEED if bootstrap_seed is None else bootstrap_seed,
            report_path=(cli_report or ini_report or "").strip() or None,
            github=_github_mode(cli_github or ini_github or "auto"),
            cache_path=_cache_path(cli_cache or ini_cache or "auto"),
            case_regressions=_case_regressions(cli_case_regressions or ini_case_regressions),
            base_baseline_path=(cli_base_baseline or ini_base_baseline or "").strip() or None,
        )

    @property
    def confidence(self) -> float:
        """The level of the paired change's bootstrap interval."""
        level = self.suite_gates.get("confidence")
        return suite.DEFAULT_CONFIDENCE if level is None else level

    def rules_for(self, case: Case | None = None) -> list[gate.Rule]:
        """The rules in force for ``case`` (or for a case with no thresholds of its own)."""
        layers: list[gate.Layer] = [
            (SOURCE_BUILTIN, gate.BUILTIN_THRESHOLDS),
            (SOURCE_INI, self.ini_thresholds),
            (SOURCE_CLI, self.cli_thresholds),
        ]
        if case is not None:
            layers.append((f"{SOURCE_FILE} of {case.path}", case.file_thresholds))
            layers.append((SOURCE_CASE, case.thresholds))
        return gate.resolve_rules(layers)


def _cache_path(value: str) -> str | None:
    value = value.strip()
    return None if value.lower() in {"off", "none", "no", "false"} else value


def _case_regressions(value: str | None) -> str:
    mode = (value or "list").strip().lower()
    if mode not in {"list", "fail"}:
        raise SettingError(f"summgate_case_regressions must be list or fail, not {quote(value)}")
    return mode


def _github_mode(value: str) -> str:
    mode = value.strip().lower()
    if mode not in {"auto", "on", "off"}:
        raise SettingError(f"summgate_github must be auto, on or off, not {quote(value)}")
    return mode


def _pairs(assignments: Sequence[str]) -> dict[str, str]:
    return dict(gate.parse_assignment(text) for text in assignments)


def _parse_thresholds(assignments: Sequence[str], where: str) -> dict[str, float | None]:
    values: dict[str, float | None] = {}
    for text in assignments:
        try:
            name, raw = gate.parse_assignment(text)
            values[name] = gate.parse_value(name, raw)
        except SettingError as error:
            raise SettingError(f"{where}: {error}") from None
    return values
