"""What the controller does with the run's reports: the summary, suite gates, the baseline.

Registered as a plugin object when the gate is on. Everything here works from test reports,
so it gives the same results with pytest-xdist: workers only score cases, and the controller
(the only process that writes files) aggregates what they report.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from . import (
    baseline,
    cases,
    changes,
    ci_outputs,
    decision,
    files,
    hard_evidence,
    job_summary,
    merging,
    shards,
    suite,
)
from .batching import holds_a_case
from .cases import InvalidCase
from .errors import CaseFileError, quote, terminal_line
from .files import write_atomic
from .settings import Settings
from .terminal import (
    RunSummary,
    baseline_counts,
    count,
    drop_text,
    gate_change_lines,
    hard_evidence_lines,
    suite_lines,
)
from .version import __version__

if TYPE_CHECKING:
    from .cases import Predictions

SUITE_NODEID = "summgate::suite-gates"


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _failure_record(failure: baseline.KnownFailure | None) -> dict[str, Any] | None:
    if failure is None:
        return None
    findings = list(failure.findings) if failure.findings is not None else None
    return {"checks": list(failure.checks), "findings": findings, "reason": failure.reason}


def _move_text(move: Mapping[str, Any]) -> str:
    before = "new" if move["base"] is None else f"{move['base']:.3f}"
    return f"{move['metric']} {before} -> {move['now']:.3f}"


def _fall_record(fall: tuple[str, float, float] | None) -> dict[str, Any] | None:
    return None if fall is None else {"metric": fall[0], "base": fall[1], "now": fall[2]}


class RunController:
    """Gathers case scores from reports and decides on the run as a whole."""

    def __init__(
        self,
        config: pytest.Config,
        settings: Settings,
        stored: baseline.Baseline | None,
        baseline_path: Path,
        contract: decision.Contract | None = None,
        shard: shards.Shard | None = None,
    ) -> None:
        self.config = config
        self.shard = shard  # this run is one of several jobs: it decides nothing as a whole
        self.selection: shards.Selection | None = None  # what the shard kept (set at collection)
        self.merged: merging.Merged | None = None  # this run decides on shards' reports
        self.settings = settings
        self.stored = stored
        self.baseline_path = baseline_path
        self.contract = contract or decision.contract(stored, None, False, "", "")
        self.failing: dict[str, list[str]] = {}  # nodeid -> failed checks (known ones too)
        self.known: dict[str, str] = {}  # nodeid -> "xfailed" or "xpassed"
        self.unreproduced: list[decision.Unreproduced] = []
        self.summary = RunSummary()
        self.contents: dict[str, str] = {}
        self.statuses: dict[str, str] = {}
        self.suite_checks: list[suite.SuiteCheck] = []
        self.records: dict[str, ci_outputs.CaseRecord] = {}
        self.written: str = ""
        self.problems: list[str] = []  # files the run could not write, and why
        self._counts: suite.Counts | None = None  # once every case has reported
        self.notes: list[str] = []  # what happened while the progress line was written
        self.warnings: list[str] = []  # what the run left out, and why (shown after problems)
        self._case_ids: dict[str, set[str] | None] = {}  # per case file, for pruning
        self.predictions: Predictions | None = None  # the run's, once read
        self._compared: tuple[list[changes.Compared], int] | None = None
        self._hard_evidence: tuple[hard_evidence.Tally, decision.HardEvidenceTest] | None = None

    # -- gathering ------------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        failed = getattr(report, "summgate_failed", None)
        if failed is None:
            return
        problem = getattr(report, "summgate_cache_problem", "")
        if problem and problem not in self.warnings:
            self.warnings.append(problem)
        record = getattr(report, "summgate_record", None)
        if record is not None and report.when in ("setup", "call"):
            self.records[report.nodeid] = record
        elif report.failed and report.nodeid not in self.records:
            # An error the item did not describe (a bug, a user's hook): keep it in reports.
            path, line, name = report.location
            message = str(report.longrepr)
            entry = InvalidCase(
                name.removeprefix("case: "),
                self._display(self.config.rootpath / path),  # as case records show it
                (line or 0) + 1,
                message,
            )
            fallback = ci_outputs.case_record(report.nodeid, entry, message=message)
            # A traceback's last line (the exception) says more than its first.
            fallback["verdict"] = message.splitlines()[-1] if message else "error"
            fallback["reason"] = ""
            self.records[report.nodeid] = fallback
        if report.when == "call" and report.failed and record is None:
            # The scoring itself raised (a bug of ours): not scored, an error.
            longrepr = str(report.longrepr)
            last = longrepr.strip().splitlines()[-1] if longrepr.strip() else "?"
            self.summary.errors[report.nodeid] = f"scoring raised: {last}"
        elif report.when == "call" and record is not None and record.get("outcome") == "error":
            # The item described why it could not be scored (a custom scorer raised).
            longrepr = str(report.longrepr)
            self.summary.errors[report.nodeid] = longrepr.splitlines()[0] if longrepr else "?"
        elif report.when == "call":
            scores = {str(k): float(v) for k, v in report.user_properties}  # type: ignore[arg-type]
            self.summary.add(report.nodeid, scores, failed)
            self.failing[report.nodeid] = list(getattr(report, "summgate_failing", []))
            if hasattr(report, "wasxfail"):
                self.known[report.nodeid] = "xfailed" if report.skipped else "xpassed"
            self.contents[report.nodeid] = getattr(report, "summgate_content", "")
            status = getattr(report, "summgate_baseline", "")
            if status:
                self.statuses[report.nodeid] = status
        elif report.when == "setup" and report.failed:
            longrepr = str(report.longrepr)
            self.summary.errors[report.nodeid] = longrepr.splitlines()[0] if longrepr else "?"

    # -- shards ---------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)  # after -k, -m and --deselect: the shards split what is left
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        if self.shard is None:
            return
        root = self.config.rootpath
        tests = [
            (files.posix_relative(item.path, root), item.location[1] or 0, item.nodeid)
            for item in items
        ]
        cases = {item.nodeid for item in items if holds_a_case(item)}
        self.selection = shards.select(tests, self.shard, cases)
        kept = [item for item in items if item.nodeid in self.selection.kept]
        dropped = [item for item in items if item.nodeid not in self.selection.kept]
        if dropped:
            self.config.hook.pytest_deselected(items=dropped)
            items[:] = kept
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:  # the xdist controller reads it when the worker ends
            selection = self.selection
            workeroutput["summgate_selection"] = [
                selection.selected,
                selection.digest,
                sorted(selection.kept),
                sorted(selection.cases),
            ]

    def restore(self, merged: merging.Merged) -> None:
        """Take the cases of checked shard reports as this run's own, as
        pytest_runtest_logreport would have gathered them in one unsharded run."""
        self.merged = merged
        for record in merged.records:
            nodeid = record["nodeid"]
            # Read back from a shard's report, which case_record wrote.
            self.records[nodeid] = cast(ci_outputs.CaseRecord, record)
            if nodeid in merged.not_checked:
                self.summary.errors[nodeid] = merged.not_checked[nodeid]
                continue
            scores = {k: float(v) for k, v in record["scores"].items() if v is not None}
            self.summary.add(nodeid, scores, merged.failed.get(nodeid, []))
            self.failing[nodeid] = list(record.get("failing", []))
            if record["outcome"] in ("xfailed", "xpassed"):
                self.known[nodeid] = record["outcome"]
            self.contents[nodeid] = record.get("content") or ""
            if record.get("baseline"):
                self.statuses[nodeid] = record["baseline"]

    def _shard_record(self) -> dict[str, Any] | None:
        """What a merge needs of this shard beyond its case records."""
        if self.shard is None:
            return None
        selection = self.selection
        return {
            "index": self.shard.index,
            "count": self.shard.count,
            "selected": selection.selected if selection is not None else 0,
            "selection": selection.digest if selection is not None else shards.digest([]),
            "contract": shards.contract_digest(self.contract),
            "failed": dict(sorted(self.summary.failures.items())),
            "not_checked": dict(sorted(self.summary.errors.items())),
            "share": shards.share(selection, self.records) if selection is not None else {},
            "run": shards.workflow_run(os.environ),
        }

    # -- suite gates ----------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        result = yield
        if self.shard is not None:
            return result  # a shard's share is judged as a whole only when merged
        if not is_worker(self.config) and (self.summary.scores or self.summary.errors):
            self._judge_suite(session)
        return result

    def _judge_suite(self, session: pytest.Session) -> None:
        changes: list[suite.Change] = []
        if self.contract.accepted and not self.settings.update_baseline:
            self.unreproduced = decision.unreproduced(
                self.contract.accepted,
                self.summary.scores,
                self.contents,
                self.failing,
                self._findings(),
            )
        # The base's entries, but for the accepted changes this run reproduced.
        reference = self.contract.reference_baseline([u.nodeid for u in self.unreproduced])
        if reference.entries and not self.settings.update_baseline:
            changes = suite.paired_changes(
                self.summary.scores,
                self.contents,
                reference,
                self.settings.bootstrap_seed,
                self.settings.confidence,
            )
        known_failed = sum(outcome == "xfailed" for outcome in self.known.values())
        self.suite_checks = suite.evaluate(
            self.settings.suite_gates,
            self.summary.scores,
            len(self.summary.failures) + known_failed,
            len(self.summary.errors),
            changes,
        )
        paired = self.hard_evidence_test()
        check = suite.hard_evidence_check(*paired) if paired is not None else None
        if check is not None:
            self.suite_checks.append(check)
        if self.contract.accepted and not self.settings.update_baseline:
            verified = sum(n in self.summary.scores for n in self.contract.accepted)
            self.suite_checks.append(
                suite.SuiteCheck(
                    "accepted entries",
                    f"{verified - len(self.unreproduced)} of {verified} reproduced",
                    "every entry produced by a run",
                    bool(self.unreproduced),
                    "; ".join(
                        f"{self._display_nodeid(u.nodeid)}: {u.problem}"
                        for u in self.unreproduced[:3]
                    )
                    or "changed in this pull request, each reproduced by this run",
                )
            )
        failed = [c for c in self.suite_checks if c.failed]
        if failed:
            self._log_suite_failure(session, failed)

    def _log_suite_failure(self, session: pytest.Session, failed: list[suite.SuiteCheck]) -> None:
        """Report the suite as a test of its own, so JUnit, -rf and exit codes all see it."""
        lines = [
            f"{len(failed)} suite gate{'s' if len(failed) > 1 else ''} failed: "
            + ", ".join(f"{c.name} {c.observed} (rule {c.rule})" for c in failed),
            *suite_lines(self.suite_checks, self.settings.bootstrap_seed),
        ]
        if self.unreproduced:
            lines.append(
                f"baseline entries not produced by a run in {self._display(self.baseline_path)} "
                f"(edited by hand, or from another model or code): rerun with "
                f"--summgate-update-baseline and commit the result"
            )
            lines += [f"  {self._display_nodeid(u.nodeid)}: {u.problem}" for u in self.unreproduced]
        text = "\n".join(map(terminal_line, lines))  # node ids and reasons are user text
        properties = [(c.name, c.observed) for c in self.suite_checks]
        hook = self.config.hook
        location = ("summgate", None, "suite gates")
        # Started and counted like any test: its F gets a line of its own, and the progress
        # reads 100%, not an F tacked onto the last case file's dots at 150%.
        session.testscollected += 1
        hook.pytest_runtest_logstart(nodeid=SUITE_NODEID, location=location)
        for when, outcome in (("setup", "passed"), ("call", "failed"), ("teardown", "passed")):
            report = pytest.TestReport(
                nodeid=SUITE_NODEID,
                location=location,
                keywords={},
                outcome=outcome,  # type: ignore[arg-type]
                longrepr=text if outcome == "failed" else None,
                when=when,  # type: ignore[arg-type]
                user_properties=properties if when == "teardown" else [],
            )
            hook.pytest_runtest_logreport(report=report)
        hook.pytest_runtest_logfinish(nodeid=SUITE_NODEID, location=location)

    # -- the end --------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if is_worker(self.config) or self.config.option.collectonly:
            return  # --collect-only: nothing ran, nothing is decided or written
        if session.exitstatus == pytest.ExitCode.INTERRUPTED:
            # A partial run must not pass for a whole one: the old files stay as they were.
            self.problems.append("interrupted: the baseline and the report were not written")
            return
        writes: list[tuple[Path, Callable[[], None]]] = []
        if self.settings.update_baseline and self.summary.scores:
            writes.append((self.baseline_path, self._write_baseline))
        if self.settings.report_path:
            report_path = self.config.invocation_params.dir / self.settings.report_path
            writes.append(
                (
                    report_path,
                    lambda: write_atomic(
                        report_path,
                        json.dumps(self._json_report(), indent=2, sort_keys=True) + "\n",
                    ),
                )
            )
        if self.settings.html_path:
            html_path = self.config.invocation_params.dir / self.settings.html_path
            writes.append((html_path, lambda: self._write_html(html_path)))
        for path, write in writes:
            try:
                write()
            except OSError as error:
                self.problems.append(f"cannot write {self._display(path)}: {error.strerror}")
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if self._on_github():
            self._write_step_summary()
        if any(c.failed for c in self.suite_checks) and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if self.merged is not None and self.records and session.exitstatus in (0, 5):
            # No test ran here: the shards' cases decide, as they would have in one run.
            blocked = self.blocked_by()
            session.exitstatus = pytest.ExitCode.TESTS_FAILED if blocked else pytest.ExitCode.OK
        no_tests = pytest.ExitCode.NO_TESTS_COLLECTED
        selected = self.selection.selected if self.selection is not None else 0
        if self.shard is not None and selected and session.exitstatus == no_tests:
            session.exitstatus = pytest.ExitCode.OK  # an empty share of a selection

    def _write_step_summary(self) -> None:
        """Append to GitHub's job summary. A summary file that cannot be written (a
        directory, a missing directory, a full disk) is one warning: the annotations and
        the rest of the run's output still come, and the exit code is the run's."""
        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if not summary_file:
            return
        text = job_summary.step_summary(
            list(self.records.values()),
            self.suite_checks,
            self._baseline_counts(),
            self.decision_record(),
            max_bytes=job_summary.summary_budget(Path(summary_file)),
            counts=self.counts(),
        )
        try:
            files.append_text(Path(summary_file), text + "\n")
        except OSError as error:
            self.warnings.append(
                f"the job summary was not written to GITHUB_STEP_SUMMARY "
                f"({quote(summary_file, 200)}): {error.strerror or error}"
            )

    def _write_html(self, path: Path) -> None:
        """The HTML page of the run's evidence (imported here only: no collection needs it)."""
        from . import html_report

        write_atomic(path, html_report.page(self._json_report()))

    def _on_github(self) -> bool:
        mode = self.settings.github
        return mode == "on" or (mode == "auto" and os.environ.get("GITHUB_ACTIONS") == "true")

    def _unmatched_predictions(self) -> list[str]:
        """Prediction ids that no case of this run had (reported, never silently dropped)."""
        if self.merged is not None:
            return self.merged.unmatched
        predictions = self.predictions
        if predictions is None:
            return []
        ran = {key for record in self.records.values() for key in (record["id"], record["nodeid"])}
        return sorted(set(predictions.summaries) - ran)

    def counts(self) -> suite.Counts:
        """The run's counts (suite.Counts), computed once when every case has reported: the
        terminal summary, the job summary and the JSON report all show these."""
        if self._counts is None:
            added = [n for n, change in self.contract.accepted.items() if change.base is None]
            self._counts = suite.counts_of(
                self.records.values(), added, self.settings.case_regressions == "fail"
            )
        return self._counts

    def _baseline_counts(self) -> dict[str, Any] | None:
        """How the cases compared with the stored entries, as the JSON report holds it; None
        without stored entries in force, or while they are being replaced."""
        if not self.contract.in_force or self.settings.update_baseline:
            return None
        counts = self.counts()
        return {
            "path": self._display(self.baseline_path),
            "compared": counts.compared,
            "dropped": counts.dropped,
            "regressed": counts.regressed,
            "drops": counts.drops,
            "new": counts.new,
            "changed": counts.changed,
            "accepted": counts.accepted,
        }

    def _json_report(self) -> dict[str, Any]:
        from .models import identity

        report = ci_outputs.json_report(
            list(self.records.values()),
            self.suite_checks,
            self.settings_record(),
            self.merged.model if self.merged is not None else identity(self.settings.model),
            __version__,
            self._baseline_counts(),
            self.counts(),
        )
        report["unmatched_predictions"] = self._unmatched_predictions()
        report["shard"] = self._shard_record()
        report.update(self.decision_record())
        return report

    def settings_record(self) -> dict[str, Any]:
        """The run's settings as its JSON report holds them."""
        settings = self.settings
        return {
            "fields": dict(settings.fields),
            "thresholds": {
                r.name: {"value": r.value, "source": r.source} for r in settings.rules_for()
            },
            "tolerance": dict(settings.tolerance),
            "suite_gates": dict(settings.suite_gates),
            "faithfulness_model": settings.faithfulness_model,
            "bootstrap_seed": settings.bootstrap_seed,
            "baseline": self._display(self.baseline_path),
            "hard_evidence": settings.hard_evidence,
        }

    def decision_record(self) -> dict[str, Any]:
        """The decision, accepted changes, listed drops and notices, as the JSON report and
        the step summary hold them."""
        blocked = [] if self.settings.update_baseline else self.blocked_by()
        problems = {u.nodeid: u.problem for u in self.unreproduced}
        judged = self.summary.scores if self.shard is None else {}  # a shard judges none
        gate = self.gate_changes()
        accepted = [
            {
                "nodeid": change.nodeid,
                "changes": [{"metric": m, "base": b, "now": n} for m, b, n in change.changes()],
                "known_failure": _failure_record(change.branch.failure),
                "reproduced": (change.nodeid not in problems) if change.nodeid in judged else None,
                **({"problem": problems[change.nodeid]} if change.nodeid in problems else {}),
            }
            for change in decision.ranked(self.contract.accepted)
        ]
        known_failures = [
            {
                "nodeid": added.nodeid,
                "checks": list(added.checks),
                "findings": list(added.findings),
                "recorded_in": added.where,
                "worst": _fall_record(added.fall),
            }
            for added in gate.known_failures
        ]
        removed = [
            {"nodeid": r.nodeid, "ran": r.ran, "worst": _fall_record(r.fall)} for r in gate.removed
        ]
        not_compared = [{"nodeid": n, "baseline": status} for n, status in gate.not_compared]
        drops = [
            {
                "nodeid": nodeid,
                "metric": r["metric"],
                "baseline": r["baseline"],
                "now": r["now"],
                "delta": r["delta"],
                "blocking": bool(r.get("blocking")),
            }
            for nodeid, r in self.drops()
        ]
        verdict: dict[str, Any] = {"passed": not blocked, "blocked_by": blocked}
        paired = self.hard_evidence_test()
        if self.shard is not None:
            verdict["partial"] = self.shard.partial
        return {
            "decision": verdict,
            "accepted": accepted,
            "known_failures_added": known_failures,
            "removed": removed,
            "not_compared": not_compared,
            "drops": drops,
            "improvements": self.improvements(),
            "compared": {"total": self.compared()[1], "cases": self.compared()[0]},
            "notices": list(self.contract.notices),
            "hard_evidence_test": hard_evidence.report(*paired) if paired is not None else None,
        }

    def _write_baseline(self) -> None:
        measured = {
            nodeid: baseline.StoredCase(
                self.contents.get(nodeid, ""),
                scores,
                self._known_failure(nodeid),
                self._stored_summary(nodeid),
            )
            for nodeid, scores in self.summary.scores.items()
        }

        def keep(found: baseline.Baseline | None) -> set[str] | None:
            if not self.settings.prune_baseline:
                return None
            ran = set(self.summary.scores) | set(self.summary.errors)
            stored = found.entries if found is not None else {}
            return ran | {nodeid for nodeid in stored if self._case_exists(nodeid)}

        # Merged into the file as it is when written, under a lock: another run may have
        # written it since this one read it.
        found, updated = baseline.update(self.baseline_path, measured, self.settings.model, keep)
        old = set(found.entries) if found is not None else set()
        pruned = len(old - set(updated.entries))
        since = set(found.entries) if found is not None else set()
        since -= set(self.stored.entries) if self.stored is not None else set()
        since -= set(measured)
        self.written = (
            f"baseline written: {self._display(self.baseline_path)} now holds "
            f"{len(updated.entries)} cases ({len(measured)} measured in this run"
            + (f", {pruned} pruned" if self.settings.prune_baseline else "")
            + (f", {len(since)} written by another run meanwhile" if since else "")
            + ")"
        )

    def _stored_summary(self, nodeid: str) -> baseline.StoredSummary | None:
        """The summary a case was scored on, as the baseline stores it."""
        record = self.records.get(nodeid)
        summary = record.get("summary") if record is not None else None
        if summary is None or record is None:
            return None
        stored = baseline.StoredSummary.of(summary)
        if stored.sha256 is not None:  # the record's text may itself be cut: its hash is whole
            stored = baseline.StoredSummary(stored.text, record.get("summary_sha256"))
        return stored

    def compared(self) -> tuple[list[changes.Compared], int]:
        """Base branch vs pull request: the cases a reviewer reads both summaries of (at most
        changes.COMPARED_CASES, the most telling first), and how many there are. A shard
        and an update run compare nothing."""
        if self._compared is None:
            if not self.contract.in_force or self.settings.update_baseline or self.shard:
                self._compared = ([], 0)
            else:
                records = sorted(self.records.values(), key=lambda r: r["nodeid"])
                self._compared = changes.compared(
                    records, self.contract.base_entry, self.contract.accepted, baseline.findings_of
                )
        return self._compared

    def hard_evidence_test(self) -> tuple[hard_evidence.Tally, decision.HardEvidenceTest] | None:
        """The compared cases' new and fixed decisive findings and their sign test, when the
        paired test decides (``summgate_hard_evidence = paired``, stored entries in force);
        None otherwise, and in a shard or an update run."""
        if (
            self.settings.hard_evidence != hard_evidence.PAIRED
            or not self.contract.in_force
            or self.settings.update_baseline
            or self.shard is not None
        ):
            return None
        if self._hard_evidence is None:
            records = sorted(self.records.values(), key=lambda r: r["nodeid"])
            self._hard_evidence = hard_evidence.judge(records, self.settings.confidence)
        return self._hard_evidence

    def improvements(self) -> list[dict[str, Any]]:
        """Per-case improvements beyond their tolerance, the largest first."""
        found = [
            {"nodeid": n, **{k: r[k] for k in ("metric", "baseline", "now", "delta")}}
            for n, record in self.records.items()
            for r in record.get("improvements", [])
        ]
        return sorted(found, key=lambda d: (-abs(d["delta"]), d["nodeid"]))

    def _known_failure(self, nodeid: str) -> baseline.KnownFailure | None:
        """How a case fails in this run, as the baseline records it (None: it passed)."""
        failing = self.failing.get(nodeid)
        if not failing:
            return None
        record = self.records.get(nodeid)
        reason = (record["reason"] or record["verdict"]) if record is not None else ""
        findings = baseline.findings_of(record["hard_evidence"]) if record is not None else ()
        return baseline.KnownFailure(tuple(sorted(failing)), reason[:200], findings)

    def _findings(self) -> dict[str, tuple[str, ...]]:
        """Each case's decisive findings, as a known failure records them."""
        return {n: baseline.findings_of(r["hard_evidence"]) for n, r in self.records.items()}

    def _case_exists(self, nodeid: str) -> bool:
        """Whether a stored case is still in its case file, whether or not it ran (-k,
        --deselect, a subset of paths). A file that cannot be read now counts as there."""
        # At the last "::": a file name may hold "::", a case id never does
        # (case_ids.normalized_id).
        path, _, case_id = nodeid.rpartition("::")
        if path not in self._case_ids:
            file = self.config.rootpath / path
            try:
                entries = cases.load(file, path, self.settings.fields) if file.is_file() else []
                self._case_ids[path] = {entry.id for entry in entries}
            except (CaseFileError, OSError):
                self._case_ids[path] = None
        ids = self._case_ids[path]
        return ids is None or case_id in ids

    def _display_nodeid(self, nodeid: str) -> str:
        """A node id as pytest prints it: its path relative to the invocation directory."""
        path, sep, rest = nodeid.partition("::")
        return f"{self._display(self.config.rootpath / path)}{sep}{rest}"

    def _display(self, path: Path) -> str:
        return files.posix_relative(path, self.config.invocation_params.dir)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if is_worker(self.config):
            return
        lines = [] if self.config.option.collectonly else self._run_lines()
        # A shard's list holds the other shards' cases' ids too: the merge says which are left.
        unmatched = self._unmatched_predictions() if self.shard is None else []
        if unmatched:
            shown = ", ".join(quote(i) for i in unmatched[:10])
            more = f" and {len(unmatched) - 10} more" if len(unmatched) > 10 else ""
            lines.append(f"{len(unmatched)} predictions match no case of this run: {shown}{more}")
        lines.extend(self.notes)
        lines.extend(f"error: {problem}" for problem in self.problems)
        lines.extend(f"warning: {warning}" for warning in self.warnings)
        if lines:
            terminalreporter.section("summgate")
            for line in lines:  # node ids, ids and reasons are user text
                terminalreporter.write_line(terminal_line(line))
        if self._on_github() and self.merged is None:  # the shards annotated their cases
            workspace = os.environ.get("GITHUB_WORKSPACE")
            for line in ci_outputs.case_annotations(
                sorted(self.records.values(), key=lambda r: r["nodeid"]),
                self.config.invocation_params.dir,  # case paths are shown relative to it
                workspace,
            ):
                terminalreporter.write_line(line)
        if self.suite_checks:
            terminalreporter.section("summgate suite gates")
            for line in suite_lines(self.suite_checks, self.settings.bootstrap_seed):
                terminalreporter.write_line(terminal_line(line))

    def _run_lines(self) -> list[str]:
        """The run's counts, how it compared with the baseline, and the decision."""
        lines = self.summary.lines(self.counts(), display=self._display_nodeid)
        lines.extend(self._baseline_lines())
        if lines:
            lines.extend(self._decision_lines(self.config.get_verbosity() > 0))
        return lines

    def gate_changes(self) -> decision.Changes:
        """What the pull request changes about the gate (nothing without a base baseline)."""
        findings = self._findings()
        updating = self.settings.update_baseline  # its xfails are failures being recorded
        # As the case's own verdict read them: without the new findings the paired test judges.
        known = {
            nodeid: hard_evidence.judged(
                self.failing.get(nodeid, []),
                findings.get(nodeid, ()),
                self.records[nodeid].get("paired") if nodeid in self.records else None,
            )
            for nodeid, outcome in self.known.items()
            if outcome == "xfailed" and not updating
        }
        return decision.changes(
            self.contract, self.summary.scores, self.contents, known, self.statuses
        )

    def blocked_by(self) -> list[str]:
        """What blocks this run, one phrase each; empty when it passes."""
        return ci_outputs.blocked_by(
            self.records.values(), self.suite_checks, len(self.summary.errors)
        )

    def drops(self) -> list[tuple[str, ci_outputs.RegressionRecord]]:
        """Per-case drops against the baseline, the largest first: (node id, regression)."""
        found = [
            (nodeid, r) for nodeid, record in self.records.items() for r in record["regressions"]
        ]
        return sorted(found, key=lambda pair: (pair[1]["delta"], pair[0]))

    def _decision_lines(self, verbose: bool) -> list[str]:
        """One line each: the decision, accepted changes, listed drops, known failures."""
        if self.settings.update_baseline:
            return []
        blocked = self.blocked_by()
        # What the pull request changes about the gate comes first: it is what a reviewer
        # approves.
        lines = gate_change_lines(
            self.gate_changes(), self._display_nodeid, verbose, self._display(self.baseline_path)
        )
        lines += self.contract.notices
        verdict = f"blocked by {'; '.join(blocked)}" if blocked else "passed"
        if self.shard is not None:
            lines.append(f"decision: not made here: {self.shard.partial}")
            verdict = f"this shard's cases: {verdict}"
        lines.append(f"decision: {verdict}" if self.shard is None else verdict)
        lines += self._hard_evidence_lines(verbose)
        lines += self._drop_lines(verbose)
        lines += self._compared_lines(verbose)
        if self.known:
            xfailed = sorted(n for n, o in self.known.items() if o == "xfailed")
            xpassed = sorted(n for n, o in self.known.items() if o == "xpassed")
            line = f"known failures: {len(xfailed)} failed as recorded (xfail)"
            if xpassed:
                line += (
                    f", {len(xpassed)} now pass (XPASS; --summgate-update-baseline drops "
                    f"their record): {', '.join(self._display_nodeid(n) for n in xpassed[:3])}"
                )
            lines.append(line)
        return lines

    def _hard_evidence_lines(self, verbose: bool) -> list[str]:
        """The hard-evidence test, when a compared case gained or lost a decisive finding, and
        its cases (terminal.hard_evidence_lines)."""
        paired = self.hard_evidence_test()
        if paired is None or not paired[0].cases:
            return []
        return hard_evidence_lines(*paired, self._display_nodeid, verbose)

    def _drop_lines(self, verbose: bool) -> list[str]:
        """The drops against the baseline: how many cases, the largest (-v: every one)."""
        drops = self.drops()
        if not drops:
            return []
        counts = self.counts()
        nodeid, worst = drops[0]
        how = "failing" if counts.drops_block else "listed, not blocking"
        lines = [
            f"drops against the baseline ({how}): {count(counts.drops, 'drop')} in "
            f"{count(counts.dropped, 'case')}; largest {self._display_nodeid(nodeid)} "
            f"{drop_text(worst)}" + ("" if verbose else "; -v lists all")
        ]
        if verbose:
            lines += [f"  {self._display_nodeid(n)} {drop_text(r)}" for n, r in drops]
        return lines

    def _compared_lines(self, verbose: bool) -> list[str]:
        """The improvements (as the drops: how many, the largest; -v every one), then the
        cases whose two summaries a reviewer reads (-v: each, its changed words marked)."""
        lines = []
        improved = self.improvements()
        if improved:
            best = improved[0]
            lines.append(
                f"improvements against the baseline (listed): {count(len(improved), 'improvement')}"
                f" in {count(len({i['nodeid'] for i in improved}), 'case')}; largest "
                f"{self._display_nodeid(best['nodeid'])} {drop_text(best)}"
                + ("" if verbose else "; -v lists all")
            )
            if verbose:
                lines += [f"  {self._display_nodeid(i['nodeid'])} {drop_text(i)}" for i in improved]
        pairs, total = self.compared()
        if not total:
            return lines
        if not verbose:
            return [
                *lines,
                f"base vs pull request: {count(total, 'case')} to read side by side "
                "(-v shows both summaries, as do the job summary, the JSON report and "
                "--summgate-html)",
            ]
        lines.append(
            f"base vs pull request: {count(total, 'case')}, the changed words marked"
            + (f" (the first {len(pairs)})" if len(pairs) < total else "")
        )
        for pair in pairs:
            moved = ", ".join(map(_move_text, pair["moves"]))
            lines.append(
                f"  {self._display_nodeid(pair['nodeid'])}: {', '.join(pair['why'])}"
                + (f"; {moved}" if moved else "")
            )
            for label, mine, side in (("base", "-", pair["base"]), ("now ", "+", pair["now"])):
                shown = changes.plain(pair["diff"], mine) if pair["diff"] else side["summary"]
                text = side["missing"] if shown is None else shown
                lines.append(f"    {label}: {text[:600]}" + ("..." if len(text) > 600 else ""))
            if pair["same"]:
                lines.append("    (the same summary: the scores moved with the code or the model)")
        return lines

    def _baseline_lines(self) -> list[str]:
        if self.written:
            return [self.written]
        where = self._display(self.baseline_path)
        if not self.contract.in_force:
            return [
                f"no baseline at {where}: run with --summgate-update-baseline to store "
                f"these scores and gate later runs against them"
            ]
        return [f"baseline {where}: {baseline_counts(self.counts())}"]
