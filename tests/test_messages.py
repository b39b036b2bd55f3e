"""Messages that propose a fix propose the right one for their file; ``--help`` says what the
options page says; the example workflows run where their caches are filled."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, case, jsonl
from pytest_summgate import options
from test_github_action import Contexts, evaluate, load, triggers

OPTIONS_PAGE = REPO / "docs" / "options.md"
WORKFLOWS = sorted((REPO / "examples" / "github").glob("*.yml"))


def usage_error(gate: pytest.Pytester, *args: str) -> str:
    gate.path.joinpath("cases.jsonl").write_text(jsonl(case(id="a")), encoding="utf-8")
    result = gate.runpytest("--summgate", "cases.jsonl", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text: str = result.stderr.str()
    assert "Traceback" not in text
    return " ".join(text.split())  # pytest may wrap the line


def test_an_empty_base_baseline_says_how_ci_should_write_it(gate: pytest.Pytester) -> None:
    base = gate.path.parent / "base-baseline.json"
    base.write_text("", encoding="utf-8")
    text = usage_error(gate, f"--summgate-base-baseline={base}")
    assert f"base branch's baseline {base} is corrupt (it is empty)" in text
    # What a failed `git show > file` leaves; the pull request's own update would not help.
    assert "git cat-file -e <base ref>:<baseline>" in text
    assert "--summgate-update-baseline" not in text


def test_a_corrupt_base_baseline_is_repaired_on_the_base_branch(gate: pytest.Pytester) -> None:
    base = gate.path.parent / "base-baseline.json"
    base.write_text("{not json", encoding="utf-8")
    text = usage_error(gate, f"--summgate-base-baseline={base}")
    assert "repair the baseline on the base branch" in text
    assert "recreate it with --summgate-update-baseline" not in text


def test_the_pull_requests_own_corrupt_baseline_is_still_recreated_with_an_update(
    gate: pytest.Pytester,
) -> None:
    gate.path.joinpath(".summgate").mkdir()
    gate.path.joinpath(".summgate", "baseline.json").write_text("", encoding="utf-8")
    text = usage_error(gate)
    assert "restore it from version control, or recreate it with --summgate-update-baseline" in (
        text
    )


def options_rows() -> dict[str, str]:
    """The options page's table: each flag (or ini name) and its meaning."""
    rows = {}
    for line in OPTIONS_PAGE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 3 and cells[0] not in ("command line", "---"):
            flag = re.match(r"`(--[\w-]+)", cells[0])
            rows[flag.group(1) if flag else cells[1].strip("`")] = cells[2]
    return rows


def test_every_option_is_on_the_options_page_and_nothing_else() -> None:
    rows = options_rows()
    declared = {o.flag or o.ini for o in options.OPTIONS}
    assert set(rows) == declared


def test_help_for_prune_says_what_the_options_page_says(gate: pytest.Pytester) -> None:
    page = options_rows()["--summgate-prune-baseline"]
    result = gate.runpytest("--help")
    shown = " ".join(result.stdout.str().split())
    help_text = " ".join(options.BY_NAME["prune_baseline"].help.split())
    assert help_text in shown
    # Both: entries of cases that no longer exist go; a selection's skipped cases stay.
    assert "no longer exist" in page
    assert "no longer exist" in help_text
    assert "skipped are kept" in page
    assert "skipped" in help_text
    assert "keep" in help_text
    assert "did not run" not in help_text


def test_help_for_hard_evidence_is_what_the_options_page_says(gate: pytest.Pytester) -> None:
    page = options_rows()["--summgate-hard-evidence"]
    # The page's row is the help text, its values marked as code, with a link to the section.
    page = re.sub(r" \(see \[[^]]+\]\([^)]+\)\)$", "", page).replace("`", "")
    help_text = " ".join(options.BY_NAME["hard_evidence"].help.split())
    assert page == help_text
    shown = " ".join(gate.runpytest("--help").stdout.str().split())
    assert help_text in shown
    assert "summgate_hard_evidence (string)" in shown  # the ini value, with the same help


def gating_jobs(workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The jobs that run the gate (the action, or pytest itself)."""
    return {
        name: job
        for name, job in workflow["jobs"].items()
        if any(
            "pytest-summgate@" in str(step.get("uses", "")) or "pytest" in str(step.get("run", ""))
            for step in job.get("steps", [])
        )
    }


def runs(job: dict[str, Any], event: str, ref_name: str, default_branch: str) -> bool:
    contexts = Contexts(
        inputs={},
        github={
            "event_name": event,
            "ref_name": ref_name,
            "event.repository.default_branch": default_branch,
        },
        runner={},
    )
    text = str(job.get("if", "true")).strip().removeprefix("${{").removesuffix("}}")
    if "needs." in text:  # the last job of a matrix: it follows the shards' jobs
        return True
    return bool(evaluate(text, contexts)) if text != "true" else True


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_the_example_workflows_run_on_the_default_branch_whatever_its_name(path: Path) -> None:
    workflow = load(path)
    push = triggers(workflow)["push"]
    assert "main" not in str(push), "a default branch named trunk would never fill the caches"
    jobs = gating_jobs(workflow)
    assert jobs
    for job in jobs.values():
        assert runs(job, "push", "trunk", "trunk")
        assert runs(job, "push", "main", "main")
        assert runs(job, "pull_request", "7/merge", "trunk")
        if "needs" not in job:
            assert not runs(job, "push", "feature", "trunk")  # a pull request runs it
