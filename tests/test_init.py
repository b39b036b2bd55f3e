"""``python -m pytest_summgate init``: starter cases, the ini lines, a workflow; nothing replaced.

The end-to-end test runs init in an empty git repository, then the command it prints, as a
user would (real model). The others check each file and each configuration home pytest
reads (``pytest.ini``, ``pyproject.toml``'s ``[tool.pytest.ini_options]``, ``tox.ini``,
``setup.cfg``) by collecting the starter cases with pytest itself: the gate's lines are read
where init put them.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from pytest_summgate import init
from test_github_action import tool

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def run_init(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_summgate", "init"],
        cwd=root, env=ENV, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip


@pytest.mark.model
def test_init_in_an_empty_git_repository_then_the_command_it_prints(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    done = run_init(tmp_path)
    assert done.returncode == 0, done.stderr
    (command,) = [line[len("next: ") :] for line in done.stdout.splitlines() if "next: " in line]
    argv = shlex.split(command)
    assert argv[0] == "pytest"
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", *argv[1:]],
        cwd=tmp_path, env={**ENV, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True,
        check=False, timeout=900,
    )  # fmt: skip
    assert ran.returncode == pytest.ExitCode.OK, ran.stdout[-3000:] + ran.stderr[-3000:]
    lines = ran.stdout.splitlines()
    assert "decision: passed" in lines
    assert "1 passed, 1 xfailed" in lines[-1]
    assert any(
        line.startswith("XFAIL cases/starter.yaml::invented-facts - known failure: the summary")
        for line in lines
    )


def test_init_writes_three_files_and_says_what_and_what_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(tmp_path, "init", "-q", "-b", "trunk")
    assert init.main(["init", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "summgate init:"
    assert [line.split()[:2] for line in out[1:4]] == [
        ["wrote", "cases/starter.yaml"],
        ["wrote", "pytest.ini"],
        ["wrote", ".github/workflows/summgate.yml"],
    ]
    assert out[4] == "next: pytest --summgate cases/ -rx"
    starter = yaml.safe_load((tmp_path / "cases" / "starter.yaml").read_text())
    assert [case["id"] for case in starter["cases"]] == ["faithful", "invented-facts"]
    assert starter["cases"][1]["expect"].startswith("fail: ")
    workflow = yaml.safe_load((tmp_path / ".github" / "workflows" / "summgate.yml").read_text())
    # Pushes to the default branch whatever its name (the job's if), pull requests to any.
    assert workflow[True] == {"pull_request": None, "push": {"branches": ["**"]}}
    condition = "github.ref_name == github.event.repository.default_branch"
    assert condition in workflow["jobs"]["gate"]["if"]
    (gate,) = [s for s in workflow["jobs"]["gate"]["steps"] if "pytest-summgate" in s["uses"]]
    assert gate["with"] == {"cases": "cases/"}


def test_init_never_replaces_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = {
        "cases/starter.yaml": "- {id: mine, article: a, summary: s}\n",
        ".github/workflows/summgate.yml": "name: mine\n",
        "pytest.ini": "[pytest]\nsummgate_globs = evals/*.jsonl\n",
    }
    for name, text in mine.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    init.main(["init", str(tmp_path)])
    assert {name: (tmp_path / name).read_text() for name in mine} == mine
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines()[1:4]] == ["kept"] * 3
    assert "expected failure" not in out  # no starter was written, so no promise about it


def test_a_cases_folder_with_cases_gets_no_starter(tmp_path: Path) -> None:
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "news.jsonl").write_text("{}\n")
    (step,) = [s for s in init.init(tmp_path) if s.path.startswith("cases")]
    assert step.action == "kept"
    assert sorted(p.name for p in (tmp_path / "cases").iterdir()) == ["news.jsonl"]


# Each configuration home, as a repository has it before init; and where the lines then are.
HOMES = {
    "nothing": ({}, "pytest.ini"),
    "pyproject without pytest": ({"pyproject.toml": '[project]\nname = "m"\n'}, "pyproject.toml"),
    "pyproject with pytest": (
        {"pyproject.toml": '[project]\nname = "m"\n\n[tool.pytest.ini_options]\naddopts = "-ra"\n'},
        "pyproject.toml",
    ),
    "pytest.ini": ({"pytest.ini": "[pytest]\naddopts = -ra\n"}, "pytest.ini"),
    "tox.ini": ({"tox.ini": "[tox]\nenvlist = py\n\n[pytest]\naddopts = -ra\n"}, "tox.ini"),
    "setup.cfg": ({"setup.cfg": "[metadata]\nname = m\n\n[tool:pytest]\n"}, "setup.cfg"),
    "setup.cfg without pytest": ({"setup.cfg": "[metadata]\nname = m\n"}, "pytest.ini"),
    "pyproject and pytest.ini": (
        {"pyproject.toml": '[project]\nname = "m"\n', "pytest.ini": "[pytest]\n"},
        "pytest.ini",
    ),
}


@pytest.mark.parametrize(("before", "home"), HOMES.values(), ids=HOMES.keys())
def test_the_gates_lines_go_where_pytest_reads_them(
    pytester: pytest.Pytester, before: dict[str, str], home: str
) -> None:
    for name, text in before.items():
        pytester.path.joinpath(name).write_text(text)
    steps = {step.path: step for step in init.init(pytester.path)}
    assert steps[home].action in {"wrote", "added to"}, steps[home]
    for name, text in before.items():  # added to at the end, never rewritten
        assert pytester.path.joinpath(name).read_text().startswith(text)
    if home == "pyproject.toml":
        tomllib = pytest.importorskip("tomllib")
        table = tomllib.loads(pytester.path.joinpath(home).read_text())["tool"]["pytest"]
        assert table["ini_options"]["summgate_globs"] == list(init.GLOBS)
    # pytest reads them there: the globs keep a case-like file outside cases/ out.
    pytester.path.joinpath("config.yaml").write_text("- {id: x, article: a, summary: s}\n")
    result = pytester.runpytest("--summgate", "--collect-only", "-q", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["cases/starter.yaml::faithful", "cases/starter.yaml::invented*"])
    assert "config.yaml" not in result.stdout.str()


def test_a_pytest_section_that_is_not_last_is_printed_to_add_by_hand(tmp_path: Path) -> None:
    pyproject = '[tool.pytest.ini_options]\naddopts = "-ra"\n\n[tool.ruff]\nline-length = 99\n'
    tmp_path.joinpath("pyproject.toml").write_text(pyproject)
    step = init.init(tmp_path)[1]
    assert step.action == "add by hand"
    assert step.lines[0] == "[tool.pytest.ini_options]"
    assert step.lines[-1].startswith("summgate_globs = [")
    assert tmp_path.joinpath("pyproject.toml").read_text() == pyproject
    assert "      [tool.pytest.ini_options]" in init.report(init.init(tmp_path)).splitlines()


def test_pyproject_is_a_configuration_home_for_the_gates_settings(
    pytester: pytest.Pytester,
) -> None:
    """``[tool.pytest.ini_options]`` holds any summgate ini value, as the docs show it."""
    pytester.path.joinpath("pyproject.toml").write_text(
        "[tool.pytest.ini_options]\n"
        'summgate_thresholds = ["faithfulness=0.6", "max_words=80"]\n'
        'summgate_fields = ["summary=candidate"]\n'
        'summgate_globs = ["evals/*.jsonl"]\n'
    )
    pytester.mkdir("evals").joinpath("a.jsonl").write_text(
        json.dumps({"id": "one", "article": "a", "candidate": "s"}) + "\n"
    )
    pytester.path.joinpath("b.jsonl").write_text("{}\n")
    result = pytester.runpytest("--summgate", "--collect-only", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        [
            "summgate: model *; fields summary=candidate",
            "summgate: thresholds faithfulness=0.6, *max_words=80*",
            "configfile: pyproject.toml",
            "*<CaseItem one>",
        ]
    )
    assert "b.jsonl" not in result.stdout.str()


def test_the_action_is_pinned_to_the_commit_pip_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    recorded = {
        "url": "https://github.com/acme/pytest-summgate.git",
        "vcs_info": {"vcs": "git", "commit_id": sha, "requested_revision": "v0.1.0"},
    }

    class Installed:
        def read_text(self, name: str) -> str:
            return json.dumps(recorded)

    monkeypatch.setattr(metadata, "distribution", lambda name: Installed())
    assert init.action_ref()[0] == f"acme/pytest-summgate@{sha}  # v0.1.0"
    recorded["url"] = "file:///home/me/pytest-summgate"
    assert init.action_ref()[0].startswith("OWNER/pytest-summgate@v")


@pytest.mark.skipif(tool("actionlint") is None, reason="actionlint is not installed")
def test_the_written_workflow_is_clean_to_actionlint(tmp_path: Path) -> None:
    init.init(tmp_path)
    done = subprocess.run(
        [str(tool("actionlint")), "-no-color", ".github/workflows/summgate.yml"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
