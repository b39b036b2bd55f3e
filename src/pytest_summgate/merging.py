"""Deciding on the whole from shards' reports: ``--summgate-merge``.

The merge checks that the reports are the N shards of one run (every K once, alike in
settings, model, selection and baselines), that their records are exactly the selected
cases, each in the share its shard listed and as the shard wrote it (its sha256), and that
each record agrees with itself and its shard's tallies (an outcome its checks do not give,
or a failed case missing from the shard's list of failures, is refused). It then hands the
cases to the controller, which decides with the same code as an unsharded run. Each report's
fields are checked for type and bounds first (``shard_reports``).

The selection is known from the shards' digest of it, not by collecting it again: the merge
is run without the case paths, and the selection is the shards' own command line (paths,
``-k``, ``-m``, ``--deselect``, ``--lf``), which a merge would otherwise have to repeat.
What it cannot tell: reports rewritten consistently, records, digests and tallies recomputed
together, are the word of whoever wrote them (the merge loads no model).

Pure functions: no pytest, no model.
"""

from __future__ import annotations

import glob
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import hard_evidence, shard_reports
from .baseline import COMPARED, findings_of
from .ci_outputs import CaseRecord
from .errors import quote
from .shard_reports import ShardFields, ShardMismatch, ShardReport
from .shards import NO_RECORD, Shard, record_digest, selection_digest, share_range
from .thresholds import ADVISORY_WITH_BASELINE, SOURCE_BUILTIN

__all__ = ["Merged", "ShardMismatch", "expand", "load"]

SHOWN = 10  # of the files or shards a message names


@dataclass
class Merged:
    """The shards of one run, checked, as one: every case record and the summary's tallies."""

    files: list[str]
    count: int
    version: str
    model: dict[str, Any]
    settings: dict[str, Any]
    contract: str
    records: list[dict[str, Any]] = field(default_factory=list)
    failed: dict[str, list[str]] = field(default_factory=dict)  # nodeid -> failed checks
    not_checked: dict[str, str] = field(default_factory=dict)  # nodeid -> error line
    unmatched: list[str] = field(default_factory=list)


def expand(patterns: Sequence[str], base: Path) -> list[Path]:
    """The files named by ``patterns`` (globs, relative to ``base``), sorted, each once."""
    found: dict[Path, None] = {}
    for pattern in patterns:
        full = str(base / Path(pattern).expanduser())
        matches = sorted(glob.glob(full, recursive=True)) if glob.has_magic(pattern) else [full]
        if glob.has_magic(pattern) and not matches:
            raise ShardMismatch(f"no shard report matches {quote(pattern)}")
        found.update((Path(match), None) for match in matches)
    return list(found)


# What every shard of one run has alike, and what a difference means.
_ALIKE: tuple[tuple[str, Callable[[ShardReport], object]], ...] = (
    ("the shard count", lambda r: r.shard["count"]),
    ("the model", lambda r: (r.fields["model"]["name"], r.fields["model"]["sha256"])),
    ("the settings", lambda r: r.fields["settings"]),
    (
        "the selection of tests (paths, -k, --deselect, case files)",
        lambda r: (r.shard["selected"], r.shard["selection"]),
    ),
    ("the baselines judged against", lambda r: r.shard["contract"]),
    ("the workflow run (GITHUB_RUN_ID, GITHUB_SHA)", lambda r: r.shard["run"]),
)


@dataclass(frozen=True)
class Rules:
    """The merge's own settings that a record must agree with: ``in_force``, a baseline is
    in force (built-in score bars advise); ``blocking``, drops fail their case
    (summgate_case_regressions = fail); ``paired``, a compared case's new decisive findings
    are left to the run's test (summgate_hard_evidence = paired)."""

    in_force: bool = False
    blocking: bool = False
    paired: bool = True


def load(
    paths: Sequence[Path],
    shown: Callable[[Path], str] = str,
    in_force: bool = False,
    blocking: bool = False,
    paired: bool = True,
) -> Merged:
    """Read and check shard reports: one run's N shards, each once, alike in settings,
    model, selection and baselines; their records exactly the selected cases, each in its
    own shard's share as the shard wrote it and agreeing with itself and with this merge's
    ``Rules`` (``in_force``, ``blocking``, ``paired``). ShardMismatch names the files."""
    rules = Rules(in_force, blocking, paired)
    if not paths:
        raise ShardMismatch("no shard reports given")
    reports = [shard_reports.read(path, shown(path)) for path in paths]
    first = reports[0]
    for report in reports[1:]:
        for what, key in _ALIKE:
            if key(report) != key(first):
                raise ShardMismatch(
                    f"{report.name} and {first.name} are not shards of one run: {what} differ"
                )
    count = first.shard["count"]
    by_index: dict[int, str] = {}
    for report in reports:
        index = report.shard["index"]
        if index in by_index:
            raise ShardMismatch(
                f"shard {index} of {count} is given twice: {by_index[index]}, {report.name}"
            )
        by_index[index] = report.name
    if len(reports) < count:  # each index once, from 1 to count: some are missing
        absent = (str(k) for k in range(1, count + 1) if k not in by_index)
        missing = count - len(reports)
        first_absent = ", ".join(itertools.islice(absent, SHOWN))
        more = f" and {missing - SHOWN} more" if missing > SHOWN else ""
        raise ShardMismatch(
            f"shard{'s' if missing > 1 else ''} {first_absent}{more} of {count} missing: given "
            f"{_listed([report.name for report in reports])}"
        )
    _check_shares(reports, rules)
    return _merged(reports)


def _check_shares(reports: Sequence[ShardReport], rules: Rules) -> None:
    """The shares are the selection, split as the shards split it, and each report's
    records are its share's cases."""
    selected = reports[0].shard["selected"]
    owner: dict[str, str] = {}
    for report in reports:
        shard = report.shard
        start, end = share_range(selected, Shard(shard["index"], shard["count"]))
        if len(shard["share"]) != end - start:
            raise ShardMismatch(
                f"{report.name}: shard {shard['index']} of {shard['count']} lists "
                f"{len(shard['share'])} tests in its share, but its share of the {selected} "
                f"selected tests is {end - start}: the report is incomplete or was edited"
            )
        for nodeid, sealed in shard["share"].items():
            if nodeid in owner:
                what = "test" if sealed is None else "case"
                raise ShardMismatch(
                    f"{what} {quote(nodeid)} is in two shards: {owner[nodeid]}, {report.name}"
                )
            owner[nodeid] = report.name
    # Each share's own records first (the message names the case), then the whole.
    for report in reports:
        _check_records(report, rules)
    cases = [n for r in reports for n, sealed in r.shard["share"].items() if sealed is not None]
    if selection_digest(owner, frozenset(cases)) != reports[0].shard["selection"]:
        raise ShardMismatch(
            f"the shards' shares are not the selection they were split from (its sha256 "
            f"differs): a report was edited or comes from another run: "
            f"{_listed([report.name for report in reports])}"
        )


def _merged(reports: Sequence[ShardReport]) -> Merged:
    first = reports[0]
    merged = Merged(
        [report.name for report in reports],
        first.shard["count"],
        first.fields["summgate_version"],
        dict(first.fields["model"]),
        dict(first.fields["settings"]),
        first.shard["contract"],
    )
    unmatched: set[str] | None = None
    for report in reports:
        merged.records.extend(dict(record) for record in report.records)
        merged.failed.update(report.shard["failed"])
        merged.not_checked.update(report.shard["not_checked"])
        # An id that matches no case of any shard (each shard's own list holds the ids of
        # the other shards' cases too).
        own = set(report.fields["unmatched_predictions"])
        unmatched = own if unmatched is None else unmatched & own
    merged.records.sort(key=lambda r: r["nodeid"])
    merged.unmatched = sorted(unmatched or ())
    return merged


def _listed(names: Sequence[str]) -> str:
    """Names, the first ``SHOWN`` of them, and how many more."""
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return ", ".join(names[:SHOWN]) + more


def _check_records(report: ShardReport, rules: Rules) -> None:
    """The report's records are exactly the cases of its shard's share, each as the shard
    wrote it, and each agrees with itself, with the shard's tallies of failed cases and
    cases not checked, and with the merge's ``rules``."""
    name, shard = report.name, report.shard
    share = shard["share"]
    recorded: set[str] = set()
    for record in report.records:
        nodeid = record["nodeid"]
        case = f"{name}: case {quote(nodeid)}"
        sealed = share.get(nodeid)
        if sealed is None:
            raise ShardMismatch(
                f"{case} is not a case of shard {shard['index']} of {shard['count']}: its "
                f"record was added to the report (a case of no case file, or of another shard)"
            )
        if nodeid in recorded:
            raise ShardMismatch(f"{case} has two records")
        recorded.add(nodeid)
        if sealed != record_digest(record):
            raise ShardMismatch(
                f"{case}: the record is not the one the shard wrote (its sha256 differs): "
                f"the report was edited or damaged"
            )
        problem = _contradiction(record, shard, rules)
        if problem:
            raise ShardMismatch(f"{case}: {problem}")
    for nodeid, sealed in share.items():
        if sealed is None or nodeid in recorded:
            continue
        case = f"{name}: case {quote(nodeid)} of shard {shard['index']} of {shard['count']}"
        if sealed == NO_RECORD:
            raise ShardMismatch(
                f"{case} has no record: the shard skipped it or stopped before it (-x, "
                f"--maxfail); the merge decides on every selected case, so rerun the shard"
            )
        raise ShardMismatch(f"{case} has no record: the report is incomplete or was edited")
    tallies: dict[str, Mapping[str, object]] = {
        "failed": shard["failed"],
        "not_checked": shard["not_checked"],
    }
    for key, tally in tallies.items():
        stray = next((nodeid for nodeid in tally if nodeid not in recorded), None)
        if stray is not None:
            raise ShardMismatch(
                f"{name}: shard.{key} names case {quote(stray)}, which has no record in the report"
            )


def _contradiction(record: CaseRecord, shard: ShardFields, rules: Rules) -> str:
    """How a record contradicts itself or its shard's tallies; "" when it does not. (The
    rules of ``items.CaseItem._check`` and ``ci_outputs.case_record``, read backwards.)"""
    checks = record["checks"]
    for number, check in enumerate(checks):
        score, bound, rule = check["score"], check["bound"], quote(check["rule"])
        # thresholds.evaluate: a built-in score bar advises under a baseline; a check that
        # was skipped (no score) has nothing to advise on.
        advisory = rules.in_force and check["source"] == SOURCE_BUILTIN and score is not None
        advisory = advisory and check["rule"] in ADVISORY_WITH_BASELINE
        if check["advisory"] != advisory:
            return (
                f"checks[{number}].advisory is {_json(check['advisory'])}, but in this run "
                f"the {rule} bar {'only advises' if advisory else 'decides'}"
            )
        below = score is not None and not (
            score >= bound if check["op"] == ">=" else score <= bound
        )
        if check["failed"] != (below and not advisory):
            return (
                f"checks[{number}].failed is {_json(check['failed'])}, but its score "
                f"{_number(score)} {'breaks' if below else 'keeps'} the rule {rule} "
                f"{check['op']} {bound:g}"
            )
        measured = record["scores"].get(check["metric"])
        if score is not None and (measured is None or abs(measured - score) > 1e-6):
            return f"checks[{number}].score is {_number(score)}, but scores has {_number(measured)}"
    for number, drop in enumerate(record["regressions"]):
        if drop["blocking"] != rules.blocking:
            return (
                f"regressions[{number}].blocking is {_json(drop['blocking'])}, but this merge's "
                f"summgate_case_regressions is {'fail' if rules.blocking else 'list'}"
            )
    problem = _paired_contradiction(record, rules.paired)
    if problem:
        return problem
    failed = [c for c in checks if c["failed"]]
    hard = record["hard_evidence"]
    # A compared case's new findings fail nothing by themselves (the run's test judges them).
    decisive = hard_evidence.blocking_metrics(record)
    fails = [c["metric"] for c in failed] + [f"{m} (decisive)" for m in decisive]
    fails += [f"{d['metric']} (regressed)" for d in record["regressions"] if d["blocking"]]
    failing = [c["rule"] for c in failed] + (["decisive"] if hard else [])
    outcome, nodeid = record["outcome"], record["nodeid"]
    error = outcome == "error"
    if not error and bool(fails) != (outcome in ("failed", "xfailed")):
        return f"the record says {outcome}, but its checks say {'failed' if fails else 'passed'}"
    if (nodeid in shard["not_checked"]) != error:
        listed = "lists it" if not error else "does not list it"
        return f"the record says {outcome}, but shard.not_checked {listed}"
    tallied = shard["failed"].get(nodeid)
    if outcome == "failed" and (tallied is None or sorted(tallied) != sorted(fails)):
        listed = "does not list it" if tallied is None else f"lists {quote(tallied)} for it"
        return f"the record says failed ({', '.join(fails)}), but shard.failed {listed}"
    if outcome != "failed" and tallied is not None:
        return f"the record says {outcome}, but shard.failed lists it as {quote(tallied)}"
    if record["failing"] != ([] if error else failing):
        return f"failing is {quote(record['failing'])}, its checks give {quote(failing)}"
    return ""


def _paired_contradiction(record: CaseRecord, mode_paired: bool) -> str:
    """How a record's ``paired`` contradicts the record or the merge ("" when it does not):
    only a compared case is paired, only under summgate_hard_evidence = paired
    (``mode_paired``); its new findings are among its hard evidence, its fixed ones are
    not."""
    paired = record["paired"]
    if paired is None:
        return ""
    if not mode_paired:
        return "paired is set, but this merge's summgate_hard_evidence is any"
    if record["baseline"] != COMPARED:
        status = _json(record["baseline"])
        return f"paired is set, but the case was not compared (its baseline is {status})"
    findings = set(findings_of(record["hard_evidence"]))
    stray = next((f for f in paired["new"] if f not in findings), None)
    if stray is not None:
        return f"paired.new lists {quote(stray)}, which is not a finding of its hard_evidence"
    kept = next((f for f in paired["fixed"] if f in findings), None)
    if kept is not None:
        return f"paired.fixed lists {quote(kept)}, which its hard_evidence still has"
    return ""


def _number(value: float | None) -> str:
    return "null" if value is None else f"{value:g}"


def _json(value: object) -> str:
    return json.dumps(value) if isinstance(value, bool) or value is None else quote(value)
