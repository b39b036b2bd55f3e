"""The GitHub action and workflows, run the way a runner runs them (there is no GitHub here).

action.yml's steps run in order in a clone of a temporary model repository: a base branch
with cases, a model (``model.py``, called by the conftest's generate hook) and a committed
baseline, and pull request branches. Each ``run:`` step is a bash script, run with the
``GITHUB_*`` and ``RUNNER_*`` variables and the fresh ``GITHUB_OUTPUT``, ``GITHUB_ENV`` and
``GITHUB_STEP_SUMMARY`` files a runner gives each step, its ``env:`` and ``if:`` evaluated by
a small evaluator that knows only the expressions the action uses and fails on any other.
``uses:`` steps are not run, but their conditions and inputs are evaluated, so a test sees
which would run and with what. The conftest swaps in the lexical stand-in scorers: no model.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ARTICLE, LEXICAL_CONFTEST, UNUSED_PLUGINS

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
TEMPLATE = ROOT / "examples" / "github" / "summgate.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent  # the venv's: `python -m pytest` in the action is this one
BASELINE = ".summgate/baseline.json"
SUITE = "--summgate-suite\nmax_mean_drop_faithfulness=0.01"  # two lines: two arguments
BLOCKED = "suite gate faithfulness vs baseline"
# The test's inputs: nothing installed (the venv has it all), one process, no artifacts to keep.
QUICK = {"cases": "cases.jsonl", "install": "false", "workers": "", "args": SUITE}


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


# -- the expressions: a small evaluator that fails on what it does not know -------------------


class UnknownExpression(Exception):
    """An expression this harness cannot evaluate: teach it, or use a simpler expression."""


TOKEN = re.compile(r"\s*(?:('(?:[^']|'')*')|(==|!=|&&|\|\||!|\(\)|\(|\))|([A-Za-z_][\w.-]*))")
STATUS = {"always", "success", "failure"}
Value = str | bool


@dataclass
class Contexts:
    """What ``${{ }}`` can read: the contexts the action uses, and the job's status."""

    inputs: dict[str, str]
    github: dict[str, str]
    runner: dict[str, str]
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    step_ids: set[str] = field(default_factory=set)
    failed: bool = False

    def name(self, path: str) -> Value:
        head, _, rest = path.partition(".")
        if head == "inputs" and rest in self.inputs:
            return self.inputs[rest]
        if head in ("github", "runner") and rest in getattr(self, head):
            return str(getattr(self, head)[rest])
        parts = path.split(".")
        if head == "steps" and len(parts) >= 3 and parts[1] in self.step_ids:
            step = self.steps.get(parts[1], {"outcome": "", "outputs": {}})
            if len(parts) == 4 and parts[2] == "outputs":
                return str(step["outputs"].get(parts[3], ""))
            if len(parts) == 3 and parts[2] == "outcome":
                return str(step["outcome"])
        raise UnknownExpression(path)

    def status(self, function: str) -> bool:
        return {"always": True, "success": not self.failed, "failure": self.failed}[function]


def truthy(value: Value) -> bool:
    return value if isinstance(value, bool) else value != ""


def evaluate(expression: str, contexts: Contexts) -> Value:
    """GitHub's ``||``, ``&&``, ``!``, ``==`` and ``!=`` (strings compared ignoring case),
    string literals, the contexts above and always(), success(), failure()."""
    tokens = []
    position = 0
    expression = expression.strip()
    while position < len(expression):
        match = TOKEN.match(expression, position)
        if not match or match.end() == position:
            raise UnknownExpression(expression)
        tokens.append(match.group(0).strip())
        position = match.end()
    tokens.append("")

    def parse_or(i: int) -> tuple[Value, int]:
        value, i = parse_and(i)
        while tokens[i] == "||":
            right, i = parse_and(i + 1)
            value = value if truthy(value) else right
        return value, i

    def parse_and(i: int) -> tuple[Value, int]:
        value, i = parse_not(i)
        while tokens[i] == "&&":
            right, i = parse_not(i + 1)
            value = right if truthy(value) else value
        return value, i

    def parse_not(i: int) -> tuple[Value, int]:
        if tokens[i] == "!":
            value, i = parse_not(i + 1)
            return not truthy(value), i
        left, i = parse_atom(i)
        if tokens[i] in ("==", "!="):
            operator = tokens[i]
            right, i = parse_atom(i + 1)
            if not (isinstance(left, str) and isinstance(right, str)):
                raise UnknownExpression(f"comparison of non-strings in {expression!r}")
            return (left.casefold() == right.casefold()) == (operator == "=="), i
        return left, i

    def parse_atom(i: int) -> tuple[Value, int]:
        token = tokens[i]
        if token == "(":
            value, i = parse_or(i + 1)
            if tokens[i] != ")":
                raise UnknownExpression(expression)
            return value, i + 1
        if token.startswith("'"):
            return token[1:-1].replace("''", "'"), i + 1
        if token in STATUS and tokens[i + 1] == "()":
            return contexts.status(token), i + 2
        if re.fullmatch(r"[A-Za-z_][\w.-]*", token):
            return contexts.name(token), i + 1
        raise UnknownExpression(f"{token!r} in {expression!r}")

    value, end = parse_or(0)
    if tokens[end] != "":
        raise UnknownExpression(expression)
    return value


def interpolate(text: str, contexts: Contexts) -> str:
    """A string with its ``${{ }}`` expressions replaced by their values."""

    def value(match: re.Match[str]) -> str:
        result = evaluate(match.group(1), contexts)
        return ("true" if result else "false") if isinstance(result, bool) else result

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def condition(step: Mapping[str, Any], contexts: Contexts) -> bool:
    """A step's ``if:``; without a status function, ``success() && (...)`` as on GitHub."""
    text = str(step.get("if", "success()")).strip()
    text = text.removeprefix("${{").removesuffix("}}")
    if not any(f"{name}()" in text for name in STATUS):
        text = f"success() && ({text})"
    return truthy(evaluate(text, contexts))


def expressions(node: object) -> Iterator[str]:
    """Every ``${{ }}`` expression in a parsed YAML document, and every ``if:``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "if":
                yield str(value).strip().removeprefix("${{").removesuffix("}}")
            else:
                yield from expressions(value)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item)
    elif isinstance(node, str):
        yield from re.findall(r"\$\{\{(.*?)\}\}", node)


# -- the runner: run: steps through bash, uses: steps recorded --------------------------------


def read_commands(path: Path) -> dict[str, str]:
    """A ``GITHUB_OUTPUT`` or ``GITHUB_ENV`` file as the runner reads it: ``name=value`` lines
    and ``name<<DELIMITER`` blocks; a block without its closing delimiter is an error."""
    lines = path.read_text(encoding="utf-8").split("\n") if path.exists() else []
    values: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)  # ValueError: an unterminated block
            values[name] = "\n".join(lines[i + 1 : end])
            i = end
        elif line:
            name, value = line.split("=", 1)
            values[name] = value
        i += 1
    return values


@dataclass
class Run:
    """What a run of the action left: its outputs, each step's outcome, the log and summary."""

    outputs: dict[str, str]
    steps: dict[str, dict[str, Any]]
    log: str
    summary: str
    failed: bool
    used: dict[str, dict[str, str]]  # uses: steps that would have run, by name: their with:


def base_env(workspace: Path, temp: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """A runner's environment; nothing of this test session's own (pytest, xdist, CI)."""
    keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "USER")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        PATH=os.pathsep.join([str(BIN), os.environ.get("PATH", "/usr/bin:/bin")]),
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_ACTION_PATH=str(ROOT),
        RUNNER_OS="Linux",
        RUNNER_TEMP=str(temp),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        # Plugins these runs never use (hypothesis's costs a second a run).
        PYTEST_ADDOPTS=UNUSED_PLUGINS,
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
    )
    env.update(extra)
    return env


def run_steps(
    steps: list[dict[str, Any]],
    contexts: Contexts,
    workspace: Path,
    env: dict[str, str],
    until: str | None = None,
) -> tuple[str, str, dict[str, dict[str, str]]]:
    """Run ``steps`` as a runner does; the log, the step summary and the uses: steps run."""
    temp = Path(env["RUNNER_TEMP"])
    log, summary, used = [], [], {}
    added_env: dict[str, str] = {}
    for number, step in enumerate(steps):
        name = step.get("name", step.get("uses", f"step {number}"))
        outcome = "skipped"
        outputs: dict[str, str] = {}
        if condition(step, contexts):
            step_env = {k: interpolate(str(v), contexts) for k, v in step.get("env", {}).items()}
            if "uses" in step:
                used[name] = {k: interpolate(str(v), contexts) for k, v in step["with"].items()}
                outcome = "success"
            else:
                assert step.get("shell") == "bash", f"{name}: a run step says shell: bash"
                files = {
                    var: temp / f"{var.lower()}-{number}"
                    for var in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY")
                }
                for path in files.values():
                    path.write_text("", encoding="utf-8")
                script = temp / f"step-{number}.sh"
                script.write_text(step["run"], encoding="utf-8")
                done = subprocess.run(
                    ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                    cwd=workspace,
                    env={**env, **added_env, **step_env, **{k: str(p) for k, p in files.items()}},
                    capture_output=True,
                    text=True,
                    timeout=300,
                    check=False,
                )
                log.append(f"## {name} (exit {done.returncode})\n{done.stdout}{done.stderr}")
                outcome = "success" if done.returncode == 0 else "failure"
                outputs = read_commands(files["GITHUB_OUTPUT"])
                added_env.update(read_commands(files["GITHUB_ENV"]))
                summary.append(files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"))
        if "id" in step:
            contexts.steps[step["id"]] = {"outcome": outcome, "outputs": outputs}
        contexts.failed |= outcome == "failure"
        if until is not None and step.get("id") == until:
            break
    return "\n".join(log), "".join(summary), used


def run_action(
    workspace: Path,
    inputs: Mapping[str, str],
    event: str = "pull_request",
    base_ref: str = "main",
    env: Mapping[str, str] | None = None,
    until: str | None = None,
) -> Run:
    """action.yml's steps in ``workspace`` on ``event`` into ``base_ref``, with ``inputs``."""
    action = load(ACTION)
    declared = action["inputs"]
    unknown = set(inputs) - set(declared)
    assert not unknown, f"not inputs of the action: {unknown}"
    temp = Path(tempfile.mkdtemp(prefix="runner-temp-", dir=workspace.parent))
    values = {k: str(v.get("default", "")) for k, v in declared.items()} | dict(inputs)
    steps = action["runs"]["steps"]
    contexts = Contexts(
        inputs=values,
        github={
            "action_path": str(ROOT),
            "base_ref": base_ref,
            "event_name": event,
            "workspace": str(workspace),
        },
        runner={"os": "Linux", "temp": str(temp)},
        step_ids={s["id"] for s in steps if "id" in s},
    )
    runner_env = base_env(
        workspace, temp, {"GITHUB_BASE_REF": base_ref, "GITHUB_EVENT_NAME": event, **(env or {})}
    )
    log, summary, used = run_steps(steps, contexts, workspace, runner_env, until)
    outputs = {k: interpolate(v["value"], contexts) for k, v in action["outputs"].items()}
    return Run(outputs, contexts.steps, log, summary, contexts.failed, used)


# -- the model repository: a base branch and pull request branches ---------------------------

WORDS = re.findall(r"\w+", ARTICLE)  # an article's first sentence: ten of these, from the i-th
MODEL = '''"""The repository's model: a summary is the article's first sentence."""

FOREIGN = ""  # a word the articles never use: the worse model adds one to every summary


def summarize(article):
    first = article.split(". ")[0].rstrip(".")
    return f"{first} {FOREIGN}".rstrip() + "."
'''
GENERATE = """
from model import summarize


def pytest_summgate_generate(cases, config):
    return [summarize(case.article) for case in cases]
"""


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=root,
        env=base_env(root, root, {}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def gate(root: Path, *args: str) -> None:
    """The gate, run by hand in the repository (to store a baseline)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--summgate", *args],
        cwd=root,
        env=base_env(root, root, {"GITHUB_ACTIONS": "false", "CI": "false"}),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


def worse_model(root: Path) -> None:
    model = root / "model.py"
    model.write_text(model.read_text().replace('FOREIGN = ""', 'FOREIGN = "zeppelin"'))


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The model repository on the "server": ``main`` has 8 cases, the model and its
    baseline; the other branches are pull requests or bases of the tests below."""
    root = tmp_path_factory.mktemp("origin")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "commit.gpgsign", "false")
    (root / ".gitignore").write_text(".pytest_cache/\n__pycache__/\nsummgate-report.json\n")
    (root / "conftest.py").write_text(LEXICAL_CONFTEST + GENERATE)
    (root / "model.py").write_text(MODEL)
    (root / "pytest.ini").write_text("[pytest]\n")
    rows = [
        {"id": f"c{i}", "article": " ".join(WORDS[i : i + 10]).capitalize() + ". " + ARTICLE}
        for i in range(8)
    ]
    (root / "cases.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    gate(root, "cases.jsonl", "--summgate-update-baseline")
    commit(root, "cases, model and baseline")

    def branch(name: str, change: Callable[[], None], start: str = "main") -> None:
        git(root, "checkout", "-q", "-b", name, start)
        change()
        commit(root, name)

    def unchanged() -> None:
        (root / "README").write_text("a model\n")

    def accepted() -> None:
        worse_model(root)
        gate(root, "cases.jsonl", "--summgate-update-baseline")

    def forged() -> None:  # the worse model, with main's numbers typed into its baseline
        accepted()
        path = root / BASELINE
        text = path.read_text().replace('"faithfulness": 0.9091', '"faithfulness": 1')
        assert text != path.read_text()
        path.write_text(text)

    def corrupt() -> None:
        (root / BASELINE).write_text("{not json")

    def deleted() -> None:  # the worse model, 7 of its baseline's 8 entries deleted by hand
        worse_model(root)
        path = root / BASELINE
        stored = json.loads(path.read_text())
        stored["cases"] = {k: v for k, v in stored["cases"].items() if k.endswith("::c0")}
        path.write_text(json.dumps(stored, indent=2))

    def spaces() -> None:  # the repository in a folder with a space, its cases in another
        (root / "model repo" / "my cases").mkdir(parents=True)
        for name in ("conftest.py", "model.py", "pytest.ini", ".summgate"):
            git(root, "mv", name, f"model repo/{name}")
        git(root, "mv", "cases.jsonl", "model repo/my cases/cases.jsonl")
        shutil.rmtree(root / "model repo" / ".summgate")
        gate(root / "model repo", "my cases", "--summgate-update-baseline")

    def adds_the_gate() -> None:  # the first pull request, on a base branch without the gate
        git(root, "checkout", "-q", "main", "--", ".")

    branch("unchanged", unchanged)
    branch("worse", lambda: worse_model(root))
    branch("accepted", accepted)
    branch("forged", forged)
    branch("corrupt-base", corrupt)
    branch("deleted", deleted)
    branch("spaces", spaces)
    git(root, "checkout", "-q", "--orphan", "no-gate", "main")
    git(root, "rm", "-rq", "--cached", ".")
    for path in (root / "conftest.py", root / "model.py", root / "cases.jsonl", root / ".summgate"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    (root / "README").write_text("a model, not gated yet\n")
    commit(root, "a repository without the gate")
    branch("adds-the-gate", adds_the_gate, "no-gate")
    git(root, "checkout", "-q", "main")
    return root


def checkout(origin: Path, tmp_path: Path, branch: str) -> Path:
    """What actions/checkout leaves: a shallow clone of the pull request, origin set."""
    workspace = tmp_path / "workspace"
    git(tmp_path, "clone", "-q", "--depth=1", "--branch", branch, origin.as_uri(), str(workspace))
    return workspace


# A test that runs the action through its gate step: bash and a pytest process, half a
# second each; the everyday loop (-m "not slow") runs the rest, CI all.
RUNS_THE_GATE = pytest.mark.slow


def decision(run: Run) -> dict[str, Any]:
    report = json.loads(Path(run.outputs["report"]).read_text(encoding="utf-8"))
    result: dict[str, Any] = report["decision"]
    return result


# -- the action's file ------------------------------------------------------------------------


def test_no_expression_is_spliced_into_a_script() -> None:
    action = load(ACTION)
    scripts = [s for s in action["runs"]["steps"] if "run" in s]
    assert len(scripts) >= 4
    for step in scripts:
        # Inputs, refs and outputs reach a script through env: only, quoted there.
        assert "${{" not in step["run"], step["name"]
        assert step["shell"] == "bash"
    every_env = " ".join(str(v) for s in scripts for v in s.get("env", {}).values())
    assert "${{ inputs.cases }}" in every_env
    assert "${{ github.base_ref }}" in every_env


def test_every_expression_in_the_action_is_one_the_harness_knows() -> None:
    action = load(ACTION)
    contexts = Contexts(
        inputs={k: "" for k in action["inputs"]},
        github={"base_ref": "", "event_name": "", "action_path": "", "workspace": ""},
        runner={"os": "", "temp": ""},
        step_ids={s["id"] for s in action["runs"]["steps"] if "id" in s},
    )
    found = list(expressions(action))
    assert len(found) > 40
    for expression in found:
        evaluate(expression, contexts)  # raises UnknownExpression
    with pytest.raises(UnknownExpression):
        evaluate("inputs.no-such-input", contexts)
    with pytest.raises(UnknownExpression):
        evaluate("steps.nope.outputs.x", contexts)
    with pytest.raises(UnknownExpression):
        evaluate("hashFiles('x')", contexts)


def test_the_evaluator_follows_github() -> None:
    contexts = Contexts(inputs={"a": "true", "b": ""}, github={}, runner={}, failed=True)
    assert evaluate("inputs.a == 'TRUE'", contexts) is True  # strings compare ignoring case
    assert evaluate("inputs.b || 'x'", contexts) == "x"
    assert evaluate("!inputs.b && inputs.a != 'false'", contexts) is True
    assert evaluate("always() && (failure() || inputs.b)", contexts) is True
    assert condition({"if": "inputs.a == 'true'"}, contexts) is False  # success() first
    assert condition({"if": "${{ always() }}"}, contexts) is True


# -- the action, run on pull requests -------------------------------------------------------


@RUNS_THE_GATE
def test_an_unchanged_model_passes(origin: Path, tmp_path: Path) -> None:
    run = run_action(checkout(origin, tmp_path, "unchanged"), QUICK)
    assert not run.failed, run.log
    assert run.outputs["passed"] == "true"
    assert run.outputs["blocked-by"] == ""
    assert run.outputs["exit-code"] == "0"
    assert decision(run) == {"passed": True, "blocked_by": []}
    assert run.summary.startswith("## summgate: passed\n")
    assert "summgate: the base branch's baseline is origin/main:.summgate/baseline.json" in run.log
    assert "--summgate-base-baseline=" in run.log
    # The base branch's copy is the file as committed on main.
    base = Path(run.steps["base"]["outputs"]["file"])
    assert base.read_bytes() == git(origin, "show", f"main:{BASELINE}").encode()
    assert run.used["Keep the report"] == {
        "name": "summgate-report",
        "path": f"{run.outputs['report']}\n{run.outputs['html']}\n",
        "if-no-files-found": "warn",
    }


@RUNS_THE_GATE
def test_a_worse_model_fails_the_step_and_says_what_blocked_it(
    origin: Path, tmp_path: Path
) -> None:
    run = run_action(checkout(origin, tmp_path, "worse"), QUICK)
    assert run.failed
    assert run.steps["gate"]["outcome"] == "failure"
    assert run.outputs == {
        "passed": "false",
        "blocked-by": BLOCKED,
        "report": run.outputs["report"],
        "html": run.outputs["html"],
        "exit-code": "1",
    }
    assert decision(run) == {"passed": False, "blocked_by": [BLOCKED]}
    assert run.summary.startswith("## summgate: blocked\n")
    assert f"**Blocked by:** {BLOCKED}" in run.summary
    assert f"::error title=summgate: blocked::{BLOCKED}" in run.log
    # The report is kept although the gate failed (if: always()).
    assert run.used["Keep the report"]["path"].split("\n")[:2] == [
        run.outputs["report"],
        run.outputs["html"],
    ]
    # ... and the HTML page with it, leading with the decision.
    page = Path(run.outputs["html"]).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>summgate: blocked</title>" in page


@RUNS_THE_GATE
def test_an_accepted_change_passes_and_is_listed(origin: Path, tmp_path: Path) -> None:
    run = run_action(checkout(origin, tmp_path, "accepted"), QUICK)
    assert not run.failed, run.log
    assert run.outputs["passed"] == "true"
    report = json.loads(Path(run.outputs["report"]).read_text())
    assert len(report["accepted"]) == 8
    assert "accepted in this pull request: 8 entries (0 new cases)" in run.log
    assert "cases.jsonl::c0" in run.summary


@RUNS_THE_GATE
def test_a_baseline_edited_by_hand_fails(origin: Path, tmp_path: Path) -> None:
    run = run_action(checkout(origin, tmp_path, "forged"), QUICK)
    assert run.failed
    assert run.outputs["passed"] == "false"
    assert "accepted entries" in run.outputs["blocked-by"]
    assert "baseline entries not produced by a run" in run.log


@RUNS_THE_GATE
def test_deleting_baseline_entries_does_not_pass_a_worse_model(
    origin: Path, tmp_path: Path
) -> None:
    run = run_action(checkout(origin, tmp_path, "deleted"), QUICK)
    assert run.failed
    assert run.outputs["blocked-by"] == BLOCKED  # the 7 cases are judged by the base's entries
    report = json.loads(Path(run.outputs["report"]).read_text())
    assert [r["ran"] for r in report["removed"]] == [True] * 7
    assert (
        f"removed from {BASELINE} in this pull request: 7 entries (7 of their cases ran: "
        "judged against the base branch's entries)" in run.log
    )
    removed = run.summary.index("**Removed from the baseline in this pull request** (7 entries)")
    assert removed < run.summary.index("| check |")  # the reviewer reads it first


@RUNS_THE_GATE
def test_the_first_pull_request_passes_with_a_notice(origin: Path, tmp_path: Path) -> None:
    run = run_action(checkout(origin, tmp_path, "adds-the-gate"), QUICK, base_ref="no-gate")
    assert not run.failed, run.log
    assert run.outputs["passed"] == "true"
    assert (
        "::notice title=summgate::the base branch 'no-gate' has no .summgate/baseline.json: this "
        "pull request adds the gate, so every entry of its baseline is an accepted change"
    ) in run.log
    assert "no baseline on the base branch (" in run.log
    assert "is new in this pull request" in run.summary
    assert not Path(run.steps["base"]["outputs"]["file"]).exists()


@RUNS_THE_GATE
def test_a_default_branch_named_master_works(origin: Path, tmp_path: Path) -> None:
    server = tmp_path / "server.git"
    git(tmp_path, "clone", "-q", "--bare", str(origin), str(server))
    git(server, "branch", "-m", "main", "master")  # no main any more
    run = run_action(checkout(server, tmp_path, "worse"), QUICK, base_ref="master")
    assert run.outputs["blocked-by"] == BLOCKED
    assert "origin/master:.summgate/baseline.json" in run.log


def summgate_section(log: str) -> list[str]:
    """The gate's summary section in a run's log."""
    lines = log.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"=+ summgate =+$", line))
    end = next(i for i, line in enumerate(lines[start + 1 :], start + 1) if line.startswith("="))
    return lines[start + 1 : end]


@RUNS_THE_GATE
def test_on_a_trunk_repository_only_blockers_are_errors_and_every_count_agrees(
    origin: Path, tmp_path: Path
) -> None:
    server = tmp_path / "server.git"
    git(tmp_path, "clone", "-q", "--bare", str(origin), str(server))
    git(server, "branch", "-m", "main", "trunk")  # the default branch is not main
    workspace = checkout(server, tmp_path, "trunk")
    # A pull request that asks every summary for 30 words: two cases say they are known to
    # fail (their case file), one does not, and blocks.
    rows = [json.loads(line) for line in (workspace / "cases.jsonl").read_text().splitlines()]
    for row in rows[:2]:
        row["expect"] = "fail: one sentence is not 30 words"
    for row in rows[:2] + rows[-1:]:
        row["thresholds"] = {"min_words": 30}
    (workspace / "cases.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = run_action(workspace, QUICK, base_ref="trunk")
    assert run.outputs["blocked-by"] == "1 case below a threshold"
    assert "origin/trunk:.summgate/baseline.json" in run.log
    # Annotations: the blocker is the one error of the gate's, and comes first; the known
    # failures are warnings; the action's own decision is the last error.
    commands = [parse.split("::")[1] for parse in run.log.splitlines() if parse.startswith("::")]
    assert commands == [
        "error file=cases.jsonl,line=8,title=summgate%3A c7",
        "warning file=cases.jsonl,line=1,title=summgate%3A c0 (known failure)",
        "warning file=cases.jsonl,line=2,title=summgate%3A c1 (known failure)",
        "error title=summgate: blocked",
    ]
    # One set of counts: the log's summary, the job summary and the JSON report.
    report = json.loads(Path(run.outputs["report"]).read_text(encoding="utf-8"))
    assert report["totals"] == {
        "cases": 8,
        "passed": 5,
        "failed": 1,
        "errors": 0,
        "known_failures": 2,
        "now_pass": 0,
    }
    headline = "8 cases: 5 passed, 1 failed, 0 could not be checked, 2 known failures (xfail)"
    terminal = summgate_section(run.log)
    assert terminal[0] == headline
    assert f"\n{headline}\n" in run.summary
    length = next(c for c in report["checks"] if c["metric"] == "length")
    assert (length["failed"], length["known_failures"]) == (1, 2)
    assert any(re.fullmatch(r"  length +\S+ w +\S+ w +1 +2", line) for line in terminal)
    assert re.search(r"\n\| length \| \S+ w \| \S+ w \| 1 \| 2 \|\n", run.summary)
    compared = (
        "8 cases compared, 0 with drops (listed, not blocking); 0 new and 0 with a changed "
        "article or highlights (not compared)"
    )
    assert f"baseline {BASELINE}: {compared}" in terminal
    assert f"Baseline `{BASELINE}`: {compared}." in run.summary
    assert (report["baseline"]["compared"], report["baseline"]["dropped"]) == (8, 0)


@RUNS_THE_GATE
def test_the_first_pull_request_counts_its_cases_new_everywhere(
    origin: Path, tmp_path: Path
) -> None:
    run = run_action(checkout(origin, tmp_path, "adds-the-gate"), QUICK, base_ref="no-gate")
    assert not run.failed, run.log
    terminal = summgate_section(run.log)
    new = "0 cases compared, 0 with drops (listed, not blocking); 8 new and 0 with a changed "
    assert any(line.startswith(f"baseline {BASELINE}: {new}") for line in terminal), terminal
    assert any(line.startswith("accepted in this pull request: 8 entries (8 new cases)")
               for line in terminal)  # fmt: skip
    assert f"Baseline `{BASELINE}`: {new}" in run.summary
    report = json.loads(Path(run.outputs["report"]).read_text(encoding="utf-8"))
    assert (report["baseline"]["new"], report["baseline"]["accepted"]) == (8, 8)


@RUNS_THE_GATE
def test_a_push_is_judged_against_the_committed_baseline(origin: Path, tmp_path: Path) -> None:
    run = run_action(checkout(origin, tmp_path, "worse"), QUICK, event="push", base_ref="")
    assert "summgate: not a pull request" in run.log
    assert "--summgate-base-baseline" not in run.log
    assert run.outputs["blocked-by"] == BLOCKED


@RUNS_THE_GATE
def test_a_corrupt_base_baseline_is_a_summary_that_says_why(origin: Path, tmp_path: Path) -> None:
    run = run_action(checkout(origin, tmp_path, "unchanged"), QUICK, base_ref="corrupt-base")
    assert run.failed
    assert run.outputs["passed"] == "false"
    assert run.outputs["exit-code"] == "4"
    assert run.outputs["report"] == ""
    assert run.outputs["blocked-by"] == "the gate did not decide (pytest exit code 4)"
    assert run.summary.startswith("## summgate: not decided\n")
    assert "ERROR: summgate: base branch's baseline " in run.summary
    assert "is corrupt" in run.summary
    assert "Keep the report" not in run.used  # nothing to keep


@RUNS_THE_GATE
def test_spaces_and_quotes_pass_through_as_written(origin: Path, tmp_path: Path) -> None:
    workspace = checkout(origin, tmp_path, "spaces")
    args = f'{SUITE}\n-k\nc1 or c2\n--junitxml=it\'s "here".xml\n'
    inputs = {**QUICK, "working-directory": "model repo", "cases": "my cases/", "args": args}
    run = run_action(workspace, inputs, base_ref="spaces")
    assert not run.failed, run.log
    assert (workspace / "model repo" / 'it\'s "here".xml').is_file()
    report = json.loads(Path(run.outputs["report"]).read_text())
    assert sorted(c["id"] for c in report["cases"]) == ["c1", "c2"]
    assert Path(run.outputs["report"]).parent == workspace / "model repo"
    assert "origin/spaces:.summgate/baseline.json" in run.log  # read relative to the folder


@RUNS_THE_GATE
def test_a_case_path_is_never_read_as_an_option(origin: Path, tmp_path: Path) -> None:
    """Case paths may come from a pull request (a workflow that gates the case files it
    changed): a folder named like an option must not write a baseline or import a plugin."""
    workspace = checkout(origin, tmp_path, "unchanged")
    (workspace / "evil.py").write_text("open('imported', 'w').close()\n", encoding="utf-8")
    for name in ("-pevil", "--summgate-update-baseline"):
        (workspace / name).mkdir()
        shutil.copy(workspace / "cases.jsonl", workspace / name / "cases.jsonl")
    stored = (workspace / BASELINE).read_bytes()
    # pytest imports the plugin of a -p argument even after --: such a path is refused.
    for path in ("-pevil", "--summgate-update-baseline", "-p evil"):
        run = run_action(workspace, {**QUICK, "cases": f"cases.jsonl\n{path}"})
        assert run.steps["setup"]["outcome"] == "failure"
        assert (
            f"::error title=summgate: bad input::cases: '{path}' starts with '-', which pytest "
            f"would read as an option (-p imports a plugin even after --): write ./{path} if it "
            "is a path"
        ) in run.log
        assert run.steps["gate"]["outcome"] == "skipped"
    # Written as paths, they are gated as case folders, after -- and the args input.
    cases = "cases.jsonl\n./-pevil\n./--summgate-update-baseline"
    run = run_action(workspace, {**QUICK, "cases": cases, "args": f"{SUITE}\n-k\nc1"})
    assert not run.failed, run.log
    assert " -k c1 -- cases.jsonl ./-pevil ./--summgate-update-baseline\n" in run.log
    report = json.loads(Path(run.outputs["report"]).read_text(encoding="utf-8"))
    assert sorted(c["nodeid"] for c in report["cases"]) == [
        "--summgate-update-baseline/cases.jsonl::c1",
        "-pevil/cases.jsonl::c1",
        "cases.jsonl::c1",
    ]
    assert not (workspace / "imported").exists()
    assert (workspace / BASELINE).read_bytes() == stored


@pytest.mark.parametrize(
    ("inputs", "error"),
    [
        ({"cases": "\n  \n"}, "the input 'cases' is empty"),
        ({"cases": "cases.jsonl\nnot here/"}, "cases: 'not here/' does not exist in "),
        ({"working-directory": "nowhere"}, "working-directory 'nowhere' does not exist"),
        (
            {"baseline": "/abs/baseline.json"},
            "baseline: '/abs/baseline.json' must be one path relative to working-directory",
        ),
        ({"install": "yes"}, "install: 'true' or 'false', not 'yes'"),
        ({"workers": "two"}, "workers: a number, auto, logical or empty, not 'two'"),
        ({"requirements": "reqs.txt"}, "requirements: 'reqs.txt' does not exist in "),
    ],
    ids=[
        "no-cases",
        "missing-path",
        "no-directory",
        "absolute-baseline",
        "install",
        "workers",
        "requirements",
    ],
)
def test_bad_inputs_are_one_clear_error(
    origin: Path, tmp_path: Path, inputs: dict[str, str], error: str
) -> None:
    run = run_action(checkout(origin, tmp_path, "unchanged"), {**QUICK, "cases": ".", **inputs})
    assert run.steps["setup"]["outcome"] == "failure"
    assert f"::error title=summgate: bad input::{error}" in run.log
    assert run.steps["gate"]["outcome"] == "skipped"
    assert run.used == {}


# -- installing and caching (pip stood in for: no package index here) ------------------------


def pip_stand_in(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A ``python`` first on PATH that logs ``-m pip`` calls (arguments as JSON) and runs
    everything else with the venv's Python."""
    shim, calls = tmp_path / "shim", tmp_path / "pip-calls.jsonl"
    shim.mkdir()
    (shim / "python").write_text(
        "#!/bin/bash\n"
        'if [ "$1" = -m ] && [ "$2" = pip ]; then\n'
        f"  \"{sys.executable}\" -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "
        f'"${{@:3}}" >> "{calls}"\n'
        '  if [ "$3" = cache ]; then echo "$HOME/.cache/pip"; fi\n'
        "  exit 0\n"
        "fi\n"
        f'exec "{sys.executable}" "$@"\n'
    )
    (shim / "python").chmod(0o755)
    return {"PATH": f"{shim}{os.pathsep}{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}, calls


def test_install_puts_cpu_torch_first_then_the_action_with_the_requirements(
    origin: Path, tmp_path: Path
) -> None:
    workspace = checkout(origin, tmp_path, "unchanged")
    (workspace / "requirements.txt").write_text("numpy\n")
    env, calls = pip_stand_in(tmp_path)
    inputs = {"cases": "cases.jsonl", "pip-install": "sentence-transformers==3.3.1\n"}
    run = run_action(workspace, inputs, env=env, until="base")
    assert not run.failed, run.log
    assert [json.loads(line) for line in calls.read_text().splitlines()] == [
        ["cache", "dir"],
        ["install", "torch", "--index-url", "https://download.pytorch.org/whl/cpu"],
        [
            "install",
            f"{ROOT}[offline]",
            "pytest-xdist",
            "-r",
            "requirements.txt",
            "sentence-transformers==3.3.1",
        ],
    ]
    key = run.steps["setup"]["outputs"]["pip-key"]
    assert re.fullmatch(r"summgate-Linux-py3\.\d+-pip-[0-9a-f]{20}", key)
    assert run.used["Restore pip's cache"]["key"] == key
    assert run.used["Save pip's cache"]["key"] == key  # saved before the gate can fail
    # Another requirement, another key; the same inputs, the same key.
    (workspace / "requirements.txt").write_text("numpy==2.0\n")
    again = run_action(workspace, inputs, env=env, until="setup")
    assert again.steps["setup"]["outputs"]["pip-key"] not in (key, "")
    (workspace / "requirements.txt").write_text("numpy\n")
    same = run_action(workspace, inputs, env=env, until="setup")
    assert same.steps["setup"]["outputs"]["pip-key"] == key


def test_no_install_no_pip_and_no_pip_cache(origin: Path, tmp_path: Path) -> None:
    env, calls = pip_stand_in(tmp_path)
    run = run_action(checkout(origin, tmp_path, "unchanged"), QUICK, env=env, until="base")
    assert not calls.exists()
    assert "pip-key" not in run.steps["setup"]["outputs"]
    assert "Restore pip's cache" not in run.used
    assert run.used["Restore the Hugging Face models"]["path"].endswith("huggingface/hub")


# -- the workflows ----------------------------------------------------------------------------


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    keys: dict[object, Any] = dict(workflow.items())  # YAML 1.1 reads a bare `on` as true
    found = keys.get("on", keys.get(True))
    assert isinstance(found, dict)
    return found


def action_steps(workflow: dict[str, Any], uses: Callable[[str], bool]) -> list[dict[str, Any]]:
    return [
        step
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
        if uses(str(step.get("uses", "")))
    ]


def test_the_template_pins_the_action_and_reads_only() -> None:
    workflow = load(TEMPLATE)
    assert "pull_request" in triggers(workflow)
    assert workflow["permissions"] == {"contents": "read"}
    steps = action_steps(workflow, lambda uses: "/pytest-summgate@" in uses)
    assert len(steps) == 1
    ref = steps[0]["uses"].split("@")[1]
    assert re.fullmatch(r"v\d+(\.\d+)*|[0-9a-f]{40}", ref), f"pin a tag or a commit, not {ref}"
    assert set(steps[0]["with"]) <= set(load(ACTION)["inputs"])
    for step in action_steps(workflow, lambda uses: uses.startswith("actions/setup-python")):
        assert "cache" not in step.get("with", {})  # errors without a requirements file


def test_this_repository_runs_its_own_action_on_the_example() -> None:
    steps = [
        step for path in WORKFLOWS for step in action_steps(load(path), lambda uses: uses == "./")
    ]
    assert steps, "a workflow uses ./ (this checkout's action)"
    assert {s["with"]["working-directory"] for s in steps} == {"examples/model_repo"}
    for step in steps:
        assert set(step["with"]) <= set(load(ACTION)["inputs"])
    for path in WORKFLOWS:
        assert load(path)["permissions"] == {"contents": "read"}, path.name


@RUNS_THE_GATE
def test_the_workflow_check_of_the_outputs_catches_a_mismatch(origin: Path, tmp_path: Path) -> None:
    """The check step of this repository's workflow, run on a real run's outputs."""
    run = run_action(checkout(origin, tmp_path, "worse"), QUICK)
    [workflow] = [load(p) for p in WORKFLOWS if action_steps(load(p), lambda u: u == "./")]
    [job] = [j for j in workflow["jobs"].values() if any(s.get("uses") == "./" for s in j["steps"])]
    index = next(i for i, s in enumerate(job["steps"]) if s.get("uses") == "./")
    check = job["steps"][index + 1 :]
    gate_id = job["steps"][index]["id"]

    def outcome(step_outcome: str, outputs: dict[str, str]) -> bool:
        contexts = Contexts(
            inputs={},
            github={},
            runner={},
            steps={gate_id: {"outcome": step_outcome, "outputs": outputs}},
            step_ids={gate_id},
        )
        steps = [{"shell": "bash", **step} for step in check]
        temp = Path(tempfile.mkdtemp(prefix="check-", dir=tmp_path))
        run_steps(steps, contexts, tmp_path, base_env(tmp_path, temp, {}))
        return not contexts.failed

    assert outcome("failure", run.outputs)
    assert not outcome("success", run.outputs)  # the step passed, the outputs say blocked
    assert not outcome("failure", {**run.outputs, "passed": "true"})
    assert not outcome("failure", {**run.outputs, "report": ""})


# -- linters ------------------------------------------------------------------------------------


def tool(name: str) -> str | None:
    return shutil.which(name, path=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))


@pytest.mark.skipif(tool("actionlint") is None, reason="actionlint is not installed")
def test_actionlint_is_clean_on_every_workflow() -> None:
    files = [*WORKFLOWS, *sorted((ROOT / "examples" / "github").glob("*.yml"))]
    done = subprocess.run(
        [str(tool("actionlint")), "-no-color", *(str(f.relative_to(ROOT)) for f in files)],
        cwd=ROOT,  # the project root: `uses: ./` is checked against action.yml's inputs
        env={**os.environ, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")])},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(tool("shellcheck") is None, reason="shellcheck is not installed")
def test_shellcheck_is_clean_on_the_action_scripts(tmp_path: Path) -> None:
    for number, step in enumerate(s for s in load(ACTION)["runs"]["steps"] if "run" in s):
        script = tmp_path / f"step-{number}.sh"
        script.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + step["run"])
        done = subprocess.run(
            [str(tool("shellcheck")), "--severity=style", str(script)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{step['name']}:\n{done.stdout}"
