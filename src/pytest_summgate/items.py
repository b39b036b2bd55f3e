"""pytest's side of a case file: CaseFile collects, CaseItem checks one case."""

from __future__ import annotations

import dataclasses
from collections.abc import Generator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from . import baseline, cases, ci_outputs, decision, files, hard_evidence, terminal
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
        return files.posix_relative(self.path, self.config.invocation_params.dir)


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
        hard: Mapping[str, tuple[str, ...]] | None = None,
        new_findings: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        super().__init__(result.case.id)
        self.result = result
        self.regressed = regressed
        self.remedy = remedy
        self.blocking = blocking  # whether the drops fail the case or are only listed
        self.note = note
        self.verbose = verbose  # every evidence line (-v), not the first few
        # The hard evidence that fails the case, and a compared case's decisive findings that
        # its entry did not record (by metric), left to the run's hard-evidence test.
        self.hard = result.hard_evidence if hard is None else hard
        self.new_findings = new_findings or {}

    def text(self) -> str:
        """The failure block the user reads."""
        block = terminal.failure_block(
            self.result.checks,
            self.result.metrics,
            self.result.case.location,
            self.regressed,
            self.remedy,
            self.hard,
            self.blocking,
            self.verbose,
            self.new_findings,
        )
        return f"{block}\n  {terminal_line(self.note)}" if self.note else block


class KnownFailure(CaseFailed):
    """A case failing the way its baseline entry (or ``expect: fail``) says it fails:
    pytest reports it as an expected failure (xfail)."""


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
        self.summgate_record = ci_outputs.case_record(self.nodeid, self.entry, message=message)
        # A hook's traceback, a scorer's error and the location quote user text.
        pytest.fail("\n".join(map(terminal_line, message.split("\n"))), pytrace=False)

    def runtest(self) -> None:
        case = self.entry
        assert isinstance(case, cases.Case)
        try:
            batcher = the_run(self.config).batcher
            assert batcher is not None  # None only in a merge, which collects no case
            result = batcher.result_for(self)
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
        failing = result.failing()
        findings = baseline.findings_of(result.hard_evidence)
        reference = self._reference(result, failing, findings)
        regressed = self._compare(reference, result)
        improved = self._compare(reference, result, improved=True)
        blocking = settings.case_regressions == "fail"
        paired = self._paired(findings, reference)
        # The case's own verdict leaves its new findings to the run's test (hard_evidence.py).
        hard, new = hard_evidence.split(result.hard_evidence, paired["new"] if paired else ())
        failing, findings = hard_evidence.judged(failing, findings, paired)
        self.summgate_failing = result.failing()  # as the baseline records it
        self.summgate_failed = [check.rule.metric for check in result.failed]
        self.summgate_failed += [f"{metric} (decisive)" for metric in hard]
        if blocking:
            self.summgate_failed += [f"{r.metric} (regressed)" for r in regressed]
        failed = bool(self.summgate_failed)
        known = self._known(case, failing, findings, reference) if failed else None
        note = ""
        if failed and settings.update_baseline:
            note = "recorded as a known failure in the baseline"
        elif known is not None:
            note = known.label()
        failure_type = KnownFailure if note else CaseFailed
        unexcused = self._unexcused(case, failing, findings, reference) if failed else ""
        failure = failure_type(
            result, regressed, run.remedy, blocking, note or unexcused, hard=hard, new_findings=new
        )
        self.summgate_record = ci_outputs.case_record(
            self.nodeid,
            case,
            result,
            regressed,
            failure.text() if failed or regressed or new else "",
            self.summgate_baseline,
            blocking,
            aligned=wants_alignment(self.config),
            improved=improved,
            paired=paired,
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

    def _known(
        self,
        case: cases.Case,
        failing: list[str],
        findings: tuple[str, ...],
        reference: baseline.StoredCase | None,
    ) -> baseline.KnownFailure | None:
        """The expected failure this one repeats; None for a failure on a new check, or on a
        decisive finding that the entry it is judged against did not record (whatever the
        case file expects)."""
        known: baseline.KnownFailure | None = getattr(self, "known", None)
        if known is None:
            return None
        recorded = reference.failure if reference is not None else None
        if findings and reference is not None and not (recorded and recorded.covers((), findings)):
            return None
        if case.expected_failure is not None or known.covers(failing, findings):
            return known
        return None

    def _unexcused(
        self,
        case: cases.Case,
        failing: list[str],
        findings: tuple[str, ...],
        reference: baseline.StoredCase | None,
    ) -> str:
        """Why the case's known failure does not excuse this failure ("" when it does, or
        when it has none): a decisive finding or a check that it did not record."""
        known: baseline.KnownFailure | None = getattr(self, "known", None)
        if known is None or self._known(case, failing, findings, reference) is not None:
            return ""
        said = set(known.findings or ())
        if reference is not None:  # and what the entry it is judged against recorded
            said &= set(reference.failure.findings or ()) if reference.failure else set()
        new = [finding for finding in findings if finding not in said]
        if new:
            return f"not the known failure recorded: it has no decisive finding {quote(new[0])}"
        checks = sorted(set(failing) - set(known.checks))
        also = f": it fails on {', '.join(checks)} as well" if checks else ""
        return f"not the known failure recorded{also}"

    def _paired(
        self, findings: tuple[str, ...], reference: baseline.StoredCase | None
    ) -> hard_evidence.PairedRecord | None:
        """The case's new and fixed decisive findings against the entry it is judged against,
        when the paired test judges them: a compared case (the same content hash), with
        ``summgate_hard_evidence = paired``; None otherwise (hard evidence fails the case)."""
        if the_run(self.config).settings.hard_evidence != hard_evidence.PAIRED:
            return None
        if reference is None or self.summgate_baseline != baseline.COMPARED:
            return None
        return hard_evidence.paired(findings, reference.failure)

    def _reference(
        self, result: CaseResult, failing: list[str], findings: tuple[str, ...]
    ) -> baseline.StoredCase | None:
        """The stored entry this case is judged against, its status in summgate_baseline:
        the base branch's, unless the pull request's entry is an accepted change that this
        run reproduces (decision.Contract.judged_against)."""
        run = the_run(self.config)
        contract = run.contract
        if not contract.in_force or run.settings.update_baseline:
            self.summgate_baseline = ""
            return None
        content = self.summgate_content
        change = contract.accepted.get(self.nodeid)
        # As the controller reads them from the reports: measured ones, to 6 decimals.
        measured = {k: round(v, 6) for k, v in result.scores.items() if v is not None}
        reproduced = change is not None and not decision.reproduction(
            change.branch, measured, content, failing, findings
        )
        entry = contract.judged_against(self.nodeid, reproduced)
        if reproduced:
            self.summgate_baseline = baseline.ACCEPTED
        elif entry is None:
            self.summgate_baseline = baseline.NEW
        elif entry.content != content:
            self.summgate_baseline = baseline.CHANGED
        else:
            self.summgate_baseline = baseline.COMPARED
        return entry

    def _compare(
        self, entry: baseline.StoredCase | None, result: CaseResult, improved: bool = False
    ) -> list[baseline.Regression]:
        """The scores' drops (``improved``: rises) beyond their tolerance against the entry
        this case is judged against, when compared."""
        if entry is None or self.summgate_baseline != baseline.COMPARED:
            return []
        run = the_run(self.config)
        tolerance = {**run.settings.tolerance, **result.case.tolerance}
        return baseline.regressions(
            entry, result.scores, result.checks_rules, tolerance, improved=improved
        )

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


def wants_alignment(config: pytest.Config) -> bool:
    """Whether a case's record carries its evidence beside the article: for the HTML report
    (``--summgate-html``) or pytest-html's (``--html``)."""
    return bool(the_run(config).settings.html_path or pytest_html_on(config))


def pytest_html_on(config: pytest.Config) -> bool:
    return config.pluginmanager.hasplugin("html") and bool(getattr(config.option, "htmlpath", None))


def html_extras(item: CaseItem, report: pytest.TestReport) -> None:
    """pytest-html's extras of a case's report: its evidence, as the HTML report shows it."""
    record = getattr(item, "summgate_record", None)
    if record is None or not pytest_html_on(item.config):
        return
    from . import html_report

    extras = item.config.pluginmanager.getplugin("html").extras
    report.extras = [*getattr(report, "extras", []), extras.html(html_report.fragment(record))]  # type: ignore[attr-defined]


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
            kept: Any = getattr(reporter, "stats", {}).get("")
            if kept and kept[-1] is report:
                kept.pop()
