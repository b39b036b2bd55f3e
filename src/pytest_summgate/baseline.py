"""Stored scores, and one-sided regression checks against them.

A baseline file (default ``.summgate/baseline.json``) is meant to be committed: keys are
sorted, scores rounded to fixed decimals, one line each, and each case's summary one line,
so a pull request's diff reads like a snapshot update (the summaries that changed, under the
scores that moved); it is written atomically (a crash never leaves half a file). A case is
compared only when its article and highlights are what they were when its scores were
stored (a content hash); its summary is never compared, only shown to the reviewer.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import files
from .errors import BaselineError, SettingError, quote
from .thresholds import SOURCE_BUILTIN, Rule, as_number, metrics

FORMAT_VERSION = 1
DECIMALS = 4
DEFAULT_PATH = ".summgate/baseline.json"
# A baseline of 100,000 cases is about 30 MB; a larger file is not one this module wrote.
MAX_BYTES = 256 * files.MB

# How far a metric may move the wrong way before the case fails as a regression.
DEFAULT_TOLERANCES: dict[str, float] = {
    "faithfulness": 0.05,
    "coverage": 0.10,  # one highlight of four is 0.25: any newly missed highlight counts
    "rouge1": 0.05,
    "rouge2": 0.05,
    "rougeL": 0.05,
    "length": 10.0,
    "compression": 0.05,
}
CUSTOM_TOLERANCE = 0.05  # for custom scorers' metrics, unless set
# Metrics where higher is always better; the others (length, compression) are judged only
# in the direction of a bound that is set for the case.

COMPARED, NEW, CHANGED = "compared", "new", "changed"
ACCEPTED = "accepted"  # changed or added by the pull request (see decision.py)


def content_hash(article: str, highlights: str | Sequence[str] | None) -> str:
    """Identity of what a case is scored against (not the summary: that is what changes)."""
    payload = json.dumps([article, highlights], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


# A decisive finding as a known failure records it: ``metric: reason``, cut to this length.
FINDING_CHARS = 200


def finding(metric: str, reason: str) -> str:
    """One decisive finding as a known failure records it: ``metric: reason``, cut."""
    return f"{metric}: {reason}"[:FINDING_CHARS]


def findings_of(hard_evidence: Mapping[str, Iterable[str]]) -> tuple[str, ...]:
    """A case's decisive findings as a known failure records and compares them."""
    return tuple(
        sorted(
            {
                finding(metric, reason)
                for metric, reasons in hard_evidence.items()
                for reason in reasons
            }
        )
    )


@dataclass(frozen=True)
class KnownFailure:
    """How a stored case failed when its scores were stored: the checks that failed (rule
    names, and ``decisive`` for hard evidence), the decisive findings, and the first reason,
    for the reviewer.

    ``findings`` is None in a record written before findings were recorded: such a record
    covers no decisive finding."""

    checks: tuple[str, ...]
    reason: str
    findings: tuple[str, ...] | None = ()

    def label(self) -> str:
        """How pytest's xfail reason and the failure text name it."""
        return f"known failure: {self.reason}" if self.reason else "known failure"

    def covers(self, failing: Iterable[str], findings: Iterable[str]) -> bool:
        """Whether a failure on ``failing`` checks with decisive ``findings`` is this one
        again: no check fails that it did not record, and no decisive finding either (a
        record of 'every check' does not cover an invented number it did not record)."""
        found = set(findings)
        if found and (self.findings is None or not found <= set(self.findings)):
            return False
        return set(failing) <= set(self.checks)

    def same_as(self, checks: Iterable[str], findings: Iterable[str]) -> bool:
        """Whether this is the record a run failing this way writes."""
        return self.checks == tuple(sorted(checks)) and self.findings == tuple(sorted(findings))


# Of a summary in the baseline: a longer one is stored as its start and the sha256 of the
# whole (a summary a model wrote is far shorter; the file stays readable in a diff).
SUMMARY_CHARS = 2000


@dataclass(frozen=True)
class StoredSummary:
    """The summary a case's scores were measured on, as stored: the whole text, or past
    ``SUMMARY_CHARS`` characters its start and the sha256 of the whole."""

    text: str
    sha256: str | None = None  # of the whole summary, when ``text`` is only its start

    @classmethod
    def of(cls, summary: str) -> StoredSummary:
        if len(summary) <= SUMMARY_CHARS:
            return cls(summary)
        whole = hashlib.sha256(summary.encode("utf-8", "surrogatepass")).hexdigest()
        return cls(summary[:SUMMARY_CHARS], whole)


@dataclass(frozen=True)
class StoredCase:
    """A case's stored scores, the content hash they were measured on, how it failed then
    (None: it passed), and the summary it was scored on (None: a baseline written before
    summaries were stored; never compared by the gate, shown to the reviewer)."""

    content: str
    scores: Mapping[str, float]
    failure: KnownFailure | None = None
    summary: StoredSummary | None = None

    def same_as(self, other: StoredCase) -> bool:
        """Equal as stored in the file (scores at the stored precision)."""
        return (
            self.content == other.content
            and _rounded(self.scores) == _rounded(other.scores)
            and self.failure == other.failure
        )


def _rounded(scores: Mapping[str, float]) -> dict[str, float]:
    return {k: round(v, DECIMALS) for k, v in scores.items()}


@dataclass(frozen=True)
class Baseline:
    """Stored scores by node id (``path::id``), and the model they were measured with."""

    model: str | None
    entries: Mapping[str, StoredCase]


def parse_tolerances(values: Mapping[str, object], where: str) -> dict[str, float]:
    """Validate ``metric: tolerance`` pairs (ini, command line, or a case's ``tolerance:``)."""
    result: dict[str, float] = {}
    for name, raw in values.items():
        custom = metrics().custom
        if name not in DEFAULT_TOLERANCES and name not in custom:
            known = ", ".join([*DEFAULT_TOLERANCES, *custom])
            raise SettingError(
                f"{where}: unknown metric {quote(name)} for a tolerance; known: {known}"
            )
        value = as_number(raw)
        if value is None and not isinstance(raw, bool):
            raise SettingError(f"{where}: tolerance {name} must be a number, not {quote(raw)}")
        if value is None or not math.isfinite(value) or value < 0:
            raise SettingError(f"{where}: tolerance {name} must be 0 or more, not {quote(raw)}")
        result[str(name)] = value
    return result


def load(path: Path, base: bool = False) -> Baseline | None:
    """The baseline at ``path``; None when there is none. Raises BaselineError if corrupt
    (or not a regular file, or over MAX_BYTES), with the fix for its kind of file: ``base``,
    the base branch's copy that CI wrote (``--summgate-base-baseline``)."""
    try:
        raw = files.read_bounded(path, MAX_BYTES).decode("utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise BaselineError(f"baseline {path} cannot be read: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise BaselineError(_corrupt(path, f"not UTF-8 at byte {error.start}", base)) from None
    if not raw.strip():
        raise BaselineError(_corrupt(path, EMPTY, base))
    try:
        data = json.loads(raw, parse_int=_parse_int)
        version = data.get("version") if isinstance(data, dict) else None
        if type(version) is not int or version != FORMAT_VERSION:  # true == 1 in Python
            raise ValueError(f"expected a version {FORMAT_VERSION} summgate baseline")
        entries = {
            str(nodeid): StoredCase(
                str(item["content"]),
                {str(k): _finite(v) for k, v in dict(item["scores"]).items()},
                _known_failure(item.get("known_failure")),
                _summary(item.get("summary"), item.get("summary_sha256")),
            )
            for nodeid, item in dict(data["cases"]).items()
        }
    except RecursionError:
        raise BaselineError(_corrupt(path, "nested too deeply", base)) from None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BaselineError(_corrupt(path, str(error), base)) from None
    model = data.get("model")
    return Baseline(str(model) if model is not None else None, entries)


EMPTY = "it is empty"


def _corrupt(path: Path, problem: str, base: bool = False) -> str:
    if not base:
        remedy = "restore it from version control, or recreate it with --summgate-update-baseline"
    elif problem == EMPTY:
        # --summgate-update-baseline would rewrite the pull request's own baseline, not this.
        remedy = (
            "an empty file is what `git show <base ref>:<baseline> > file` leaves when the "
            "base branch has no baseline: write the file only when `git cat-file -e "
            "<base ref>:<baseline>` finds one (without a file, every entry of this pull "
            "request's baseline is an accepted change)"
        )
    else:
        remedy = (
            "it is the base branch's copy: repair the baseline on the base branch "
            "(--summgate-update-baseline here rewrites only this pull request's own)"
        )
    return f"baseline {path} is corrupt ({problem}); {remedy}"


def _known_failure(raw: Any) -> KnownFailure | None:
    if raw is None:
        return None
    checks, reason = dict(raw)["checks"], dict(raw).get("reason", "")
    findings = dict(raw).get("findings")
    if not isinstance(checks, list) or not all(isinstance(c, str) for c in checks):
        raise ValueError("known_failure checks must be a list of check names")
    if not isinstance(reason, str):
        raise ValueError("known_failure reason must be text")
    if findings is not None and (
        not isinstance(findings, list) or not all(isinstance(f, str) for f in findings)
    ):
        raise ValueError("known_failure findings must be a list of texts")
    if findings is None and "decisive" not in checks:
        findings = []  # nothing decisive to record: an earlier version's record is complete
    return KnownFailure(
        tuple(sorted(checks)), reason, None if findings is None else tuple(sorted(findings))
    )


def _summary(text: Any, sha: Any) -> StoredSummary | None:
    """A stored summary; None when the entry has none (an earlier version wrote it)."""
    if text is None:
        return None
    if not isinstance(text, str) or len(text) > SUMMARY_CHARS:
        raise ValueError(f"summary must be text of at most {SUMMARY_CHARS} characters")
    if sha is not None and not (isinstance(sha, str) and re.fullmatch("[0-9a-f]{64}", sha)):
        raise ValueError("summary_sha256 must be 64 hexadecimal digits")
    return StoredSummary(text, sha)


def _parse_int(digits: str) -> int:
    # Python refuses to read a whole number of more than 4,300 digits (and says to raise
    # its limit): no score this module wrote is one.
    if len(digits) > 20:
        raise ValueError(f"a whole number of {len(digits.lstrip('-'))} digits is no score")
    return int(digits)


def _finite(value: Any) -> float:
    # float() would also take "0.9" and true: neither is a score this module wrote.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"score {quote(value)} is not a number")
    try:
        number = float(value)
    except OverflowError:  # an int of 400 digits: math.isfinite would raise the same
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"score {quote(value)} is not a finite number")
    return number


def dumps(baseline: Baseline) -> str:
    """Stable text: sorted keys, fixed decimals, one line per score and one for the summary."""
    cases: dict[str, dict[str, Any]] = {}
    for nodeid, entry in sorted(baseline.entries.items()):
        cases[nodeid] = {
            "content": entry.content,
            "scores": {k: round(v, DECIMALS) for k, v in sorted(entry.scores.items())},
        }
        if entry.failure is not None:
            record: dict[str, Any] = {
                "checks": sorted(entry.failure.checks),
                "reason": entry.failure.reason,
            }
            if entry.failure.findings:
                record["findings"] = sorted(entry.failure.findings)
            cases[nodeid]["known_failure"] = record
        if entry.summary is not None:
            # One line each: a pull request's diff shows the summary that changed under the
            # scores that moved.
            cases[nodeid]["summary"] = entry.summary.text
            if entry.summary.sha256 is not None:
                cases[nodeid]["summary_sha256"] = entry.summary.sha256
    data = {"version": FORMAT_VERSION, "model": baseline.model, "cases": cases}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(path: Path, baseline: Baseline) -> None:
    """Replace ``path`` atomically (a crash never leaves half a file)."""
    files.write_atomic(path, dumps(baseline))


def update(
    path: Path,
    measured: Mapping[str, StoredCase],
    model: str,
    keep: Callable[[Baseline | None], Iterable[str] | None] = lambda _: None,
) -> tuple[Baseline | None, Baseline]:
    """Merge ``measured`` into the baseline at ``path`` as it is now, under a lock.

    Two runs updating one baseline at once (on different case files, say) each merge into
    what the other wrote: the file is read again once the lock is held, so neither run's
    entries are lost. ``keep`` gives the node ids to keep of the file's entries (None: all;
    see ``merge``). A file that is corrupt now is replaced, as ``--summgate-update-baseline``
    replaces one at the start of a run. Returns the entries found and the entries written.
    """
    files.refuse_special(path)  # before its lock file is made beside it (in /dev?)
    with files.locked(path):
        try:
            current = load(path)
        except BaselineError:
            current = None
        updated = merge(current, measured, model, keep(current))
        write(path, updated)
    return current, updated


def merge(
    old: Baseline | None,
    measured: Mapping[str, StoredCase],
    model: str,
    keep: Iterable[str] | None = None,
) -> Baseline:
    """The old entries updated with what was measured now.

    Cases not run this time are kept, unless ``keep`` (the node ids that still exist) is
    given: then entries of cases that no longer exist are pruned.
    """
    entries = dict(old.entries) if old is not None else {}
    if keep is not None:
        alive = set(keep) | set(measured)
        entries = {k: v for k, v in entries.items() if k in alive}
    entries.update(measured)
    return Baseline(model, entries)


@dataclass(frozen=True)
class Regression:
    """A metric that moved the wrong way by more than its tolerance (or, listed as an
    improvement, the right way)."""

    metric: str
    baseline: float
    now: float
    tolerance: float

    @property
    def delta(self) -> float:
        return self.now - self.baseline


def worse_directions(metric: str, rules: Iterable[Rule]) -> set[int]:
    """Which way a change counts as worse: -1 (a drop), +1 (a rise), or none."""
    if metrics().higher_is_better(metric):
        return {-1}
    if metrics().custom.get(metric) == "<=":
        return {+1}
    # Length is a constraint, not a quality: a summary growing well inside a built-in bound
    # has not regressed. Only a bound the user set makes a move towards it count.
    return {
        -1 if rule.op == ">=" else +1
        for rule in rules
        if rule.metric == metric and rule.source != SOURCE_BUILTIN
    }


def regressions(
    entry: StoredCase,
    scores: Mapping[str, float | None],
    rules: Sequence[Rule],
    tolerances: Mapping[str, float],
    improved: bool = False,
) -> list[Regression]:
    """The metrics of a case that regressed against its stored entry (``improved``: that
    improved by more than their tolerance, as a drop is listed)."""
    found = []
    for metric, before in sorted(entry.scores.items()):
        now = scores.get(metric)
        if now is None:
            continue
        tolerance = tolerances.get(metric, DEFAULT_TOLERANCES.get(metric, CUSTOM_TOLERANCE))
        # Compared at the precision stored: an unchanged 2/3 against its stored 0.6667 is no drop.
        change = round(now, DECIMALS) - round(before, DECIMALS)
        for direction in worse_directions(metric, rules):
            if change * (-direction if improved else direction) > tolerance + 1e-9:
                found.append(Regression(metric, before, now, tolerance))
    return found
