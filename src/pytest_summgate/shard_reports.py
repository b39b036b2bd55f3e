"""A shard's JSON report as ``--summgate-merge`` reads it: every field checked before use.

Each field the merge reads has its type checked (a case record against
``ci_outputs.CaseRecord``, field by field, from its type hints) and its bounds (a shard
count of at most 999,999, an index within it, digests of 64 hex digits, an outcome the
gate writes). A report that fails is a ``ShardMismatch`` naming the file, the field and the
case, in time linear in the report and with a bounded message; ``merging`` then checks the
reports against each other.

Pure functions: no pytest, no model.
"""

from __future__ import annotations

import ast
import functools
import importlib
import json
import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, Union, cast, get_args, get_origin, get_type_hints, is_typeddict

from . import files
from .ci_outputs import REPORT_VERSION, CaseRecord, CheckRecord, RegressionRecord
from .errors import SummgateError, quote
from .hard_evidence import PairedRecord
from .version import __version__

# A merged suite of tens of thousands of cases is a report of hundreds of megabytes.
REPORT_LIMIT = 2048 * files.MB
MAX_SHARDS = 999_999  # as --summgate-shard K/N reads them: up to six digits
OUTCOMES = ("passed", "failed", "error", "xfailed", "xpassed")
BASELINE_STATUSES = ("compared", "new", "changed", "accepted", None)
_DIGEST = re.compile(r"[0-9a-f]{64}")


class ShardMismatch(SummgateError):
    """Shard reports that are not the N shards of one run (the message names the files)."""


class ShardFields(TypedDict):
    """The report's ``shard``: what a merge needs beyond the case records."""

    index: int
    count: int
    selected: int
    selection: str
    contract: str
    failed: dict[str, list[str]]
    not_checked: dict[str, str]
    share: dict[str, str | None]
    run: str


class _ModelIdentity(TypedDict):
    name: str
    origin: str | None
    sha256: str | None


class ModelFields(_ModelIdentity, total=False):
    """The report's ``model`` (``models.identity``): ``error`` when it could not be found."""

    error: str


class ReportFields(TypedDict):
    """The fields of a shard's report that a merge reads (it ignores the others)."""

    report_version: int
    summgate_version: str
    model: ModelFields
    settings: dict[str, Any]
    shard: ShardFields
    cases: list[CaseRecord]
    unmatched_predictions: list[str]


@dataclass(frozen=True)
class ShardReport:
    """One shard's report, read and checked; ``name`` is the file as the user sees it."""

    name: str
    fields: ReportFields

    @property
    def shard(self) -> ShardFields:
        return self.fields["shard"]

    @property
    def records(self) -> list[CaseRecord]:
        return self.fields["cases"]


def read(path: Path, name: str) -> ShardReport:
    """The shard report at ``path`` (shown as ``name``), every field the merge reads checked
    for its type and bounds; ShardMismatch naming the file and the field otherwise."""
    try:
        report = json.loads(files.read_bounded(path, REPORT_LIMIT))
    except FileNotFoundError:
        raise ShardMismatch(f"shard report {name} does not exist") from None
    except OSError as error:
        raise ShardMismatch(f"shard report {name} cannot be read: {error.strerror}") from None
    except (ValueError, RecursionError) as error:
        raise ShardMismatch(f"shard report {name} is not JSON ({error})") from None
    if not isinstance(report, dict) or report.get("report_version") != REPORT_VERSION:
        raise ShardMismatch(f"{name} is not a summgate JSON report (report_version 1)")
    if report.get("shard") is None:
        raise ShardMismatch(
            f"{name} is the report of a whole run, not of a shard (--summgate-shard K/N)"
        )
    version = report.get("summgate_version")
    if version != __version__:
        raise ShardMismatch(
            f"{name} was written by pytest-summgate {quote(version)}, this merge is "
            f"{__version__}: run the shards and the merge with one version"
        )
    try:
        _check(report, ReportFields, ())
        _check_bounds(report["shard"])
        for number, record in enumerate(report["cases"]):
            _check_record(record, f"cases[{number}]")
    except _Bad as bad:
        raise ShardMismatch(f"{name}: {bad}") from None
    return ShardReport(name, cast(ReportFields, report))


# -- types and bounds -----------------------------------------------------------------------


class _Bad(Exception):
    """A field of the wrong type or out of bounds: ``where`` it is, and what is wrong."""


def _check_bounds(shard: ShardFields) -> None:
    """The shard's numbers and digests that their types do not bound."""
    count, index = shard["count"], shard["index"]
    if not 1 <= count <= MAX_SHARDS:
        raise _Bad(f"shard.count must be from 1 to {MAX_SHARDS}, got {quote(count)}")
    if not 1 <= index <= count:
        raise _Bad(f"shard.index must be from 1 to shard.count ({count}), got {quote(index)}")
    if shard["selected"] < 0:
        raise _Bad(f"shard.selected must be 0 or more, got {quote(shard['selected'])}")
    digests = {"shard.selection": shard["selection"], "shard.contract": shard["contract"]}
    digests.update(
        (f"shard.share[{quote(nodeid)}]", sealed)
        for nodeid, sealed in shard["share"].items()
        if sealed  # null: not a case; NO_RECORD: a case without a record
    )
    for where, value in digests.items():
        if not _DIGEST.fullmatch(value):
            raise _Bad(f"{where} must be a sha256 (64 hex digits), got {quote(value)}")


def _check_record(record: CaseRecord, where: str) -> None:
    """A record's values that its type does not bound."""
    case = f"case {quote(record['nodeid'])}: {where}"
    if record["outcome"] not in OUTCOMES:
        raise _Bad(
            f"{case}.outcome must be one of {', '.join(OUTCOMES)}, got {quote(record['outcome'])}"
        )
    if record["baseline"] not in BASELINE_STATUSES:
        statuses = ", ".join(str(s) for s in BASELINE_STATUSES[:-1])
        raise _Bad(f"{case}.baseline must be {statuses} or null, got {quote(record['baseline'])}")
    if record["line"] < 0:
        raise _Bad(f"{case}.line must be 0 or more, got {record['line']}")
    for number, check in enumerate(record["checks"]):
        if check["op"] not in (">=", "<="):
            raise _Bad(f"{case}.checks[{number}].op must be >= or <=, got {quote(check['op'])}")


_NAMES = {str: "text", bool: "true or false", int: "a whole number", float: "a number"}
Path_ = tuple[str | int, ...]  # where a value is: keys and indices from the report's top


def _check(value: object, hint: Any, where: Path_) -> None:
    """``value`` (read from JSON) is of the type ``hint``; _Bad naming ``where`` otherwise."""
    if not _fits(value, hint, where):
        raise _Bad(f"{_shown(where)} must be {_describe(hint)}, got {quote(value)}")


def _fits(value: object, hint: Any, where: Path_) -> bool:
    origin = get_origin(hint)
    if hint is Any:
        return True
    if hint is type(None):
        return value is None
    if hint in _NAMES:
        return _fits_scalar(value, hint)
    if origin in (Union, types.UnionType):
        options = get_args(hint)
        if value is None:
            return type(None) in options
        for option in options:
            if option in _NAMES and _fits_scalar(value, option):
                return True
            if isinstance(value, _container(option)):
                return _fits(value, option, where)
        return False
    if origin is list:
        if not isinstance(value, list):
            return False
        (item,) = get_args(hint)
        for number, member in enumerate(value):
            _check(member, item, (*where, number))
        return True
    if origin is tuple:  # a pair such as (index, text): a JSON list of that length
        members = get_args(hint)
        if not isinstance(value, list) or len(value) != len(members):
            return False
        for number, (member, member_hint) in enumerate(zip(value, members, strict=True)):
            _check(member, member_hint, (*where, number))
        return True
    if origin is dict:
        if not isinstance(value, dict):
            return False
        _, item = get_args(hint)
        for key, member in value.items():
            _check(member, item, (*where, key))
        return True
    if is_typeddict(hint):
        return isinstance(value, dict) and _fits_record(value, hint, where)
    raise TypeError(f"no check for {hint!r}")  # a type this module does not know yet


def _container(hint: Any) -> type:
    """The JSON container a type's values are (``object``: a scalar or null, checked first)."""
    origin = get_origin(hint)
    if origin in (list, tuple):
        return list
    if origin is dict or is_typeddict(hint):
        return dict
    return type(None)


def _fits_scalar(value: object, hint: Any) -> bool:
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return hint is str and isinstance(value, str)


def _fits_record(value: dict[str, Any], hint: Any, where: Path_) -> bool:
    """A JSON object as the TypedDict ``hint``: its required fields there, each field of the
    type; a field it does not know is refused, except in the report and its model, whose
    other fields the merge does not read."""
    try:
        fields = _field_types(hint)
        for key in sorted(hint.__required_keys__):
            if key not in value:
                raise _Bad(f"{_shown((*where, key))} is missing")
        for key, member in value.items():
            if key in fields:
                _check(member, fields[key], (*where, key))
            elif hint not in _OPEN:
                raise _Bad(f"{_shown((*where, key))} is not a field of {_describe(hint)}")
    except _Bad as bad:
        nodeid = value.get("nodeid")
        if hint is CaseRecord and isinstance(nodeid, str):
            raise _Bad(f"case {quote(nodeid)}: {bad}") from None
        raise
    return True


@functools.cache
def _field_types(hint: Any) -> dict[str, Any]:
    """A TypedDict's field types. A type its module imports for type checking only (``if
    TYPE_CHECKING:``, e.g. another module's record) is imported from where it names it."""
    names: dict[str, Any] = {}
    while True:
        try:
            return get_type_hints(hint, localns=names)
        except NameError as error:
            source = _type_checking_imports(hint.__module__).get(str(error.name))
            if source is None or error.name in names:
                raise
            names[str(error.name)] = getattr(importlib.import_module(source), str(error.name))


@functools.cache
def _type_checking_imports(module: str) -> dict[str, str]:
    """The names ``module`` imports under ``if TYPE_CHECKING:``, and from which module."""
    found: dict[str, str] = {}
    source = sys.modules[module].__file__
    if source is None:
        return found
    tree = ast.parse(Path(source).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    package = module.rsplit(".", statement.level)[0] if statement.level else ""
                    origin = ".".join(filter(None, [package, statement.module]))
                    found.update((alias.name, origin) for alias in statement.names)
    return found


def _shown(where: Path_) -> str:
    """A field's place as a message names it: ``cases[3].checks[0].failed``."""
    shown = ""
    for part in where:
        if isinstance(part, int):
            shown += f"[{part}]"
        elif part.isidentifier():
            shown += f".{part}" if shown else part
        else:
            shown += f"[{quote(part)}]"
    return shown or "the report"


def _describe(hint: Any) -> str:
    if hint is type(None):
        return "null"
    if hint in _NAMES:
        return _NAMES[hint]
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(option) for option in get_args(hint))
    if origin in (list, tuple):
        return "a list" if origin is list else f"a list of {len(get_args(hint))}"
    if is_typeddict(hint):
        return _KINDS.get(hint, "an object")
    if origin is dict:
        return "an object"
    return repr(hint)


_OPEN = (ReportFields, ModelFields)
_KINDS = {
    CaseRecord: "a case record",
    CheckRecord: "a check",
    RegressionRecord: "a drop",
    PairedRecord: "an object of new and fixed findings",
}
