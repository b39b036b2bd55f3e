"""pytest's side of a case file: CaseFile collects, CaseItem checks one case."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from . import baseline, cases, decision, outputs, report
from .errors import CaseFileError, ModelUnavailable, ScorerFailed, quote, terminal_line
from .generation import GenerationFailed
from .run import the_run

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr

    from .engine import CaseResult


class CaseFile(pytest.File):
    """A YAML or JSONL file of cases; each case becomes a CaseItem."""

    # Why the file's name cannot be shown as it is (pytest prints node ids raw); the file is
    # then collected under an escaped node id and is one error (plugin.pytest_collect_file).
    unshowable = ""

    def collect(self) -> list[CaseItem]:
        if self.unshowable:
            raise self.CollectError(
                terminal_line(
                    f"{self._display_path()}: the case file's name {self.unshowable}; pytest "
                    f"prints names as they are, so rename the file"
                )
            )
        run = the_run(self.config)
        settings = run.settings
        display = self._display_path()
        try:
            entries = cases.load(self.path, display, settings.fields)
        except CaseFileError as error:
            raise self.CollectError(str(error)) from None
        except OSError as error:
            raise self.CollectError(f"{display}: cannot be read: {error.strerror}") from None
        predictions = run.predictions
        collected = []
        for entry in entries:
            item = CaseItem.from_parent(self, name=entry.id, entry=entry)
            if predictions is not None:
                item.entry, item.joined_by = _join(
                    entry, item.nodeid, predictions.summaries, predictions.display
                )
            if not settings.update_baseline:
                item.expect_known_failure(run.contract)
            collected.append(item)
        return collected

    def _display_path(self) -> str:
        try:
            return str(self.path.relative_to(self.config.invocation_params.dir))
        except ValueError:
            return str(self.path)


def _join(
    entry: cases.Entry, nodeid: str, predictions: Mapping[str, str], source: str
) -> tuple[cases.Entry, str]:
    """A case with its summary from the predictions file (every case must have one), and the
    prediction id it came by: the case's node id (``cases/a.jsonl::7``) or its plain id."""
    if isinstance(entry, cases.InvalidCase):
        return entry, ""
    key = nodeid if nodeid in predictions else entry.id
    if key not in predictions:
        problem = f"no prediction with id {quote(entry.id)} in {source}"
        return cases.InvalidCase(entry.id, entry.path, entry.line, problem), ""
    return dataclasses.replace(entry, summary=predictions[key]), key


def refuse_ambiguous_predictions(items: list[pytest.Item]) -> None:
    """Cases of different files that share an id cannot take the same plain-id prediction:
    each becomes an error asking for predictions keyed by node id."""
    by_id: dict[str, list[CaseItem]] = {}
    for item in items:
        if isinstance(item, CaseItem) and item.joined_by and item.joined_by == item.entry.id:
            by_id.setdefault(item.joined_by, []).append(item)
    for case_id, group in by_id.items():
        files = list(dict.fromkeys(member.entry.path for member in group))
        if len(files) < 2:
            continue
        for member in group:
            member.entry = cases.InvalidCase(
                case_id,
                member.entry.path,
                member.entry.line,
                f"prediction id {quote(case_id)} matches cases in {len(files)} files "
                f"({', '.join(files)}); give this case's prediction the id "
                f"{quote(member.nodeid, 200)}",
            )
            member.joined_by = ""


class CaseFailed(Exception):
    """Raised by CaseItem.runtest when a rule fails, hard evidence is found, or (with
    ``summgate_case_regressions = fail``) a metric regressed."""

    def __init__(
        self,
        result: CaseResult,
        regressed: list[baseline.Regression],
        remedy: str,
        blocking: bool = True,
        note: str = "",
        verbose: bool = False,
    ) -> None:
        super().__init__(result.case.id)
        self.result = result
        self.regressed = regressed
        self.remedy = remedy
        self.blocking = blocking  # whether the drops fail the case or are only listed
        self.note = note
        self.verbose = verbose  # every evidence line (-v), not the first few

    def text(self) -> str:
        """The failure block the user reads."""
        block = report.failure_block(
            self.result.checks,
            self.result.metrics,
            self.result.case.location,
            self.regressed,
            self.remedy,
            self.result.hard_evidence,
            self.blocking,
            self.verbose,
        )
        return f"{block}\n  {terminal_line(self.note)}" if self.note else block


class KnownFailure(CaseFailed):
    """A case failing the way its baseline entry (or ``expect: fail``) says it fails:
    pytest reports it as an expected failure (xfail)."""


# Cases per chunk. Sentence-transformers sorts a call's sentences by length before batching
# them; over a few hundred cases the batches pad little. Encoding 1,000 cases' sentences
# (3,522) took 19.2 s in chunks of 64 cases, 11.5 s in chunks of 512, 11.0 s in one call.
MIN_CHUNK = 64
MAX_CHUNK = 512


def chunk_size(cases_in_file: int, workers: int) -> int:
    """Cases per chunk of a file: as many as MAX_CHUNK in one process; under xdist small
    enough that each worker gets at least two chunks of the file (never under MIN_CHUNK)."""
    if workers <= 1:
        return MAX_CHUNK
    return max(MIN_CHUNK, min(MAX_CHUNK, -(-cases_in_file // (2 * workers))))


def chunk_positions(nodeids: list[str], workers: int) -> dict[str, int]:
    """Each case's chunk number within its file, from the collection's node ids in order.

    The xdist scheduler (controller) and BatchScorer (worker) both call this on the same
    collection, so they agree on the chunks.
    """
    files: dict[str, list[str]] = {}
    for nodeid in nodeids:
        files.setdefault(nodeid.partition("::")[0], []).append(nodeid)
    chunks: dict[str, int] = {}
    for members in files.values():
        size = chunk_size(len(members), workers)
        for position, nodeid in enumerate(members):
            chunks[nodeid] = position // size
    return chunks


class BatchScorer:
    """Scores cases in chunks, so their sentences are encoded together in large batches.

    A chunk is consecutive cases of one file (by their place in the collection, so every
    process and every -k/--lf selection agrees on it), ``chunk_size`` of them. The first case
    of a chunk to run scores all of the chunk's cases that are ready; each case then takes
    its own result. Under xdist the scheduler keeps a chunk on one worker (plugin.py).

    The session's cases are indexed by chunk once, on first use: a case's cost is then its
    chunk's, whatever the number of files or cases (scanning every item for each chunk made
    5,000 one-case files take about 5 times as long as 5,000 cases of one file).
    """

    def __init__(self, config: pytest.Config, lookahead: bool = True, workers: int = 1) -> None:
        self.config = config  # the engine is looked up when scoring: tests may swap it
        self.lookahead = lookahead
        self.workers = workers
        self._results: dict[str, CaseResult] = {}
        self._scored: set[str] = set()
        self._chunks: dict[str, tuple[str, int]] = {}  # node id: (its file, chunk number)
        self._members: dict[tuple[str, int], list[CaseItem]] = {}  # chunk: its cases, in order
        self._indexed: tuple[int, int] = (0, -1)  # the items list indexed: (its id, length)
        self._one_by_one: set[tuple[str, int]] = set()  # chunks where a batch raised

    def result_for(self, item: CaseItem) -> CaseResult:
        if item.nodeid not in self._results:
            batch = self._batch(item)
            run = the_run(self.config)
            engine = run.engine
            in_force = run.settings.update_baseline or run.contract.in_force
            try:
                scored = engine.check([case for _, case in batch], in_force)
            except Exception:
                if len(batch) == 1:
                    raise
                # A scorer raised for some case of the batch (a custom scorer, say): score
                # this chunk case by case, so only the case that raises fails.
                self._one_by_one.add(self._chunk_of(item))
                return self.result_for(item)
            for (member, _), result in zip(batch, scored, strict=True):
                self._results[member.nodeid] = result
                self._scored.add(member.nodeid)
        return self._results.pop(item.nodeid)

    def same_chunk(self, one: CaseItem, other: CaseItem) -> bool:
        """Whether two cases are scored (and generated) together; never, without lookahead."""
        return self.lookahead and self._chunk_of(one) == self._chunk_of(other)

    def _chunk_of(self, item: CaseItem) -> tuple[str, int]:
        """The item's chunk: (its file, chunk number); number -1 for a case not among the
        session's items, which is scored alone."""
        items = item.session.items
        if self._indexed != (id(items), len(items)):  # a plugin may replace the list
            self._index(items)
        return self._chunks.get(item.nodeid, (item.nodeid.partition("::")[0], -1))

    def _index(self, items: list[pytest.Item]) -> None:
        own = [other for other in items if isinstance(other, CaseItem)]
        positions = chunk_positions([other.nodeid for other in own], self.workers)
        self._chunks = {n: (n.partition("::")[0], c) for n, c in positions.items()}
        self._members = {}
        for other in own:
            self._members.setdefault(self._chunks[other.nodeid], []).append(other)
        self._indexed = (id(items), len(items))

    def _batch(self, item: CaseItem) -> list[tuple[CaseItem, cases.Case]]:
        """The item and the other unscored cases of its chunk that have (or get) a summary."""
        chunk = self._chunk_of(item)
        assert isinstance(item.entry, cases.Case)
        batch = [(item, item.entry)]
        if not self.lookahead or chunk in self._one_by_one:
            return batch
        for other in self._members.get(chunk, []):
            if other is not item and other.nodeid not in self._scored:
                case = self._ready(other)
                if case is not None:
                    batch.append((other, case))
        return batch

    def _ready(self, item: CaseItem) -> cases.Case | None:
        """The case with its summary: given, or generated now by the hook (in the hook's own
        batches; the case's setup later takes the same summary). None when it has none."""
        entry = item.entry
        if not isinstance(entry, cases.Case):
            return None
        if entry.summary is not None:
            return entry
        generator = the_run(self.config).generator
        if generator is None or not generator.available(item):
            return None
        try:
            summary = generator.summary_for(item)
        except GenerationFailed:
            return None  # its setup reports the failure
        return dataclasses.replace(entry, summary=summary)


class CaseItem(pytest.Item):
    """One case: checks every rule in force and fails with the STYLE.md block."""

    def __init__(self, *, entry: cases.Entry, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entry = entry
        self.joined_by = ""  # the prediction id its summary came by, if from predictions

    def setup(self) -> None:
        if isinstance(self.entry, cases.InvalidCase):
            self._error(f"invalid case: {self.entry.message}\n  {self.entry.location}")
        if self.entry.summary is None:
            self._generate_summary(self.entry)
        try:
            the_run(self.config).engine.check_models()
        except ModelUnavailable as error:
            problem = str(error)
        else:
            return
        # Failing outside the except block: inside it, pytest would show the ModelUnavailable
        # too, as "During handling of the above exception, another exception occurred".
        self._error(f"model unavailable: {problem}")

    def _generate_summary(self, case: cases.Case) -> None:
        generator = the_run(self.config).generator
        if generator is None or not generator.available(self):
            self._error(
                f"invalid case: {case.unsummarized}; or give it one from your model with a "
                f"pytest_summgate_generate hook in conftest.py, or --summgate-predictions\n"
                f"  {case.location}"
            )
        try:
            summary = generator.summary_for(self)
        except GenerationFailed as error:
            problem = str(error)
        else:
            self.entry = dataclasses.replace(case, summary=summary)
            return
        self._error(f"{problem}\n  {case.location}")

    def _error(self, message: str) -> NoReturn:
        self.summgate_record = outputs.case_record(self.nodeid, self.entry, message=message)
        # A hook's traceback, a scorer's error and the location quote user text.
        pytest.fail("\n".join(map(terminal_line, message.split("\n"))), pytrace=False)

    def runtest(self) -> None:
        case = self.entry
        assert isinstance(case, cases.Case)
        try:
            result = the_run(self.config).batcher.result_for(self)
        except ScorerFailed as error:
            problem = str(error)
        else:
            self._check(case, result)
            return
        # Outside the except block, as in setup: no "During handling" chain.
        self._error(f"{problem}\n  {case.location}")

    def expect_known_failure(self, contract: decision.Contract | None) -> None:
        """Mark the case as an expected failure when its stored entry recorded one or its
        case file says ``expect: fail``; failing another way still fails, and a pass is
        reported as XPASS (the next baseline update drops the record)."""
        entry = self.entry
        if not isinstance(entry, cases.Case):
            return
        stored = contract.entry(self.nodeid) if contract is not None else None
        if entry.expected_failure is not None:
            self.known = baseline.KnownFailure((), entry.expected_failure)
        elif stored is not None and stored.failure is not None:
            self.known = stored.failure
        else:
            return
        self.add_marker(
            pytest.mark.xfail(
                reason=terminal_line(self.known.label()), strict=False, raises=KnownFailure
            )
        )

    def _check(self, case: cases.Case, result: CaseResult) -> None:
        for name, value in result.scores.items():
            if value is not None:
                self.user_properties.append((name, round(value, 6)))
        self.summgate_content = baseline.content_hash(case.article, case.highlights)
        run = the_run(self.config)
        settings = run.settings
        regressed = self._compare(result)
        blocking = settings.case_regressions == "fail"
        failing = result.failing()
        self.summgate_failing = failing
        self.summgate_failed = [check.rule.metric for check in result.failed]
        self.summgate_failed += [f"{metric} (decisive)" for metric in result.hard_evidence]
        if blocking:
            self.summgate_failed += [f"{r.metric} (regressed)" for r in regressed]
        failed = bool(self.summgate_failed)
        known = self._known(case, failing) if failed else None
        note = ""
        if failed and settings.update_baseline:
            note = "recorded as a known failure in the baseline"
        elif known is not None:
            note = known.label()
        failure_type = KnownFailure if note else CaseFailed
        failure = failure_type(result, regressed, run.remedy, blocking, note)
        self.summgate_record = outputs.case_record(
            self.nodeid,
            case,
            result,
            regressed,
            failure.text() if failed or regressed else "",
            self.summgate_baseline,
            blocking,
        )
        if note:
            self.summgate_record["outcome"] = "xfailed"
            self.summgate_failed = []
        if not failed:
            return
        if settings.update_baseline:
            pytest.xfail(terminal_line(note))
        failure.verbose = self.config.get_verbosity() > 0  # the record keeps every line
        raise failure

    def _known(self, case: cases.Case, failing: list[str]) -> baseline.KnownFailure | None:
        """The expected failure this one repeats; None for a failure on a new check."""
        known: baseline.KnownFailure | None = getattr(self, "known", None)
        if known is None:
            return None
        if case.expected_failure is not None or known.covers(failing):
            return known
        return None

    def _compare(self, result: CaseResult) -> list[baseline.Regression]:
        """The scores' drops against the reference entry of this case, when there is one."""
        run = the_run(self.config)
        contract = run.contract
        if not contract.in_force or run.settings.update_baseline:
            self.summgate_baseline = ""
            return []
        if self.nodeid in contract.accepted:
            self.summgate_baseline = baseline.ACCEPTED
            return []
        entry = contract.reference.get(self.nodeid)
        if entry is None:
            self.summgate_baseline = baseline.NEW
            return []
        if entry.content != self.summgate_content:
            self.summgate_baseline = baseline.CHANGED
            return []
        self.summgate_baseline = baseline.COMPARED
        tolerance = {**run.settings.tolerance, **result.case.tolerance}
        return baseline.regressions(entry, result.scores, result.checks_rules, tolerance)

    def repr_failure(
        self, excinfo: ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, CaseFailed):
            return excinfo.value.text()
        if isinstance(excinfo.value, ModelUnavailable):
            return f"model unavailable: {excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self.entry.line - 1, f"case: {terminal_line(self.name)}"
