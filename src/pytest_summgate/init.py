"""``python -m pytest_summgate init``: a repository's first gate, written in one command.

It writes a starter ``cases/`` (one faithful summary and one that invents facts, recorded as
an expected failure), the gate's ini lines where pytest reads this repository's settings
(``pytest.ini``, ``[tool.pytest.ini_options]`` of ``pyproject.toml``, ``tox.ini`` or
``setup.cfg``, in pytest's order), and ``.github/workflows/summgate.yml``. It never replaces
a file: an existing one is kept, or added to at its end where that is the ini section's
place; what it could not add, it prints for the reader to add. It ends with the command to
run next. No pytest, no model: a plain script.
"""

from __future__ import annotations

import argparse
import configparser
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .version import __version__

NEXT = "pytest --summgate cases/ -rx"
STARTER = "cases/starter.yaml"
WORKFLOW = ".github/workflows/summgate.yml"
CASE_SUFFIXES = (".yaml", ".yml", ".jsonl")
GLOBS = ("cases/*.yaml", "cases/*.yml", "cases/*.jsonl")
TOML_TABLE = "tool.pytest.ini_options"
COMMENT = (
    "pytest-summgate (written by python -m pytest_summgate init): `pytest --summgate cases/`\n"
    "runs the gate on the case files under cases/. Thresholds: summgate_thresholds, e.g.\n"
    "faithfulness=0.5 (the built-in bars decide until you set your own)."
)

CASES = """\
# Starter cases of pytest-summgate (python -m pytest_summgate init). Each case is a source
# article, a candidate summary and, optionally, reference highlights; `defaults:` gives every
# case of this file the same article and highlights. Replace them with your model's cases:
# YAML like this or JSONL, one case a line ({"id": ..., "article": ..., "summary": ...}).
defaults:
  article: >-
    The city council of Riverton voted on Tuesday to build a new footbridge over the Mill
    River. The bridge will connect the train station with the old market and is expected to
    cost 4 million dollars, paid for by the regional transport fund. Construction will start
    in March and take about eighteen months. Council member Ana Ortiz said the crossing would
    cut the walk from the station to the market from twenty minutes to five. Some shop owners
    on Bridge Street opposed the plan, saying that the works would keep customers away during
    the busy summer months. The council promised to keep the street open while the bridge is
    built.
  highlights:
    - Riverton council votes to build a footbridge over the Mill River
    - The bridge will link the train station with the old market

cases:
  # Passes: every sentence is supported by the article, and it covers the highlights.
  - id: faithful
    summary: >-
      Riverton's council voted on Tuesday to build a footbridge over the Mill River that will
      connect the train station with the old market. It is expected to cost 4 million
      dollars, and construction will start in March.

  # Fails: a cost and a month the article does not have (hard evidence, whatever the
  # scores). Recorded as an expected failure so the first run is green; delete the `expect:`
  # line to see its failure in full.
  - id: invented-facts
    summary: >-
      Riverton's council voted on Tuesday to build a footbridge over the Mill River that will
      connect the train station with the old market. It is expected to cost 9 million
      dollars, and construction will start in June.
    expect: "fail: the summary invents a cost (9 million) and a month (June)"
"""

WORKFLOW_TEXT = """\
# The summarization gate (written by python -m pytest_summgate init): on every pull request,
# score the cases under cases/, judge them against the baseline committed on the pull
# request's base branch, and fail the check when the gate blocks (make the check required in
# branch protection to block the merge).
name: summgate
on:
  pull_request:
  # Pushes to the default branch (main, trunk, master: whatever its name) run it too, and
  # fill the caches that its pull requests restore; the job's `if:` skips other branches.
  push:
    branches: ["**"]

permissions:
  contents: read

concurrency:  # a new push to a pull request cancels the run it replaces
  group: summgate-${{{{ github.ref }}}}
  cancel-in-progress: true

jobs:
  gate:
    if: github.event_name != 'push' || github.ref_name == github.event.repository.default_branch
    runs-on: ubuntu-latest
    timeout-minutes: 60
    steps:
      - uses: actions/checkout@v6
      - uses: actions/setup-python@v6
        with:
          python-version: "3.12"
      # {action_note}
      - uses: {action}
        with:
          cases: cases/
          # List what conftest.py imports (your model's packages) in requirements.txt: the
          # action installs it with the gate. More pytest arguments, one a line:
          # args: |
          #   --summgate-suite=max_mean_drop_faithfulness=0.01
"""


@dataclass(frozen=True)
class Step:
    """What init did with one path: ``wrote``, ``added to``, ``kept`` or ``add by hand``."""

    path: str
    action: str
    why: str
    lines: tuple[str, ...] = ()


def init(root: Path) -> list[Step]:
    """Write the starter files under ``root`` (never replacing one); what was done, a step
    for each."""
    return [_cases(root), _settings(root), _workflow(root)]


def _cases(root: Path) -> Step:
    folder = root / "cases"
    if (folder / "starter.yaml").exists():
        return Step(STARTER, "kept", "it is there already")
    if folder.is_dir() and any(p.suffix in CASE_SUFFIXES for p in folder.rglob("*")):
        return Step("cases/", "kept", "it holds case files already; no starter added")
    folder.mkdir(parents=True, exist_ok=True)
    _create(folder / "starter.yaml", CASES)
    return Step(STARTER, "wrote", "a faithful case and one that invents facts")


def _create(path: Path, text: str) -> None:
    with path.open("x", encoding="utf-8", newline="\n") as created:  # "x": never replace
        created.write(text)


def _workflow(root: Path) -> Step:
    path = root / WORKFLOW
    if path.exists():
        return Step(WORKFLOW, "kept", "it is there already")
    action, action_note = action_ref()
    path.parent.mkdir(parents=True, exist_ok=True)
    _create(
        path,
        WORKFLOW_TEXT.format(action=action, action_note=action_note),
    )
    why = "the gate on pull requests and on pushes to the default branch"
    if action.startswith("OWNER/"):
        why += "; replace OWNER with the account that hosts pytest-summgate"
    return Step(WORKFLOW, "wrote", why)


def action_ref() -> tuple[str, str]:
    """``uses:`` for the action: the git commit this copy was installed from, when pip
    recorded one on GitHub (a SHA cannot be moved, a tag can), else a release tag."""
    try:
        recorded = metadata.distribution("pytest-summgate").read_text("direct_url.json")
        origin = json.loads(recorded or "{}")
    except (metadata.PackageNotFoundError, ValueError):
        origin = {}
    url = str(origin.get("url", ""))
    found = re.fullmatch(r"(?:git\+)?https://github\.com/([\w.-]+/[\w.-]+?)(?:\.git)?/?", url)
    commit = str(origin.get("vcs_info", {}).get("commit_id", ""))
    if found and re.fullmatch(r"[0-9a-f]{40}", commit):
        tag = origin["vcs_info"].get("requested_revision") or "the commit installed"
        return f"{found.group(1)}@{commit}  # {tag}", "Pinned to the commit pip installed."
    return (
        f"OWNER/pytest-summgate@v{__version__}",
        "OWNER: the account that hosts pytest-summgate. Pin a release tag or, better, its full\n"
        "      # commit SHA with the tag in a comment; never @main.",
    )


def _settings(root: Path) -> Step:
    """The gate's lines where pytest reads this repository's settings, in pytest's order."""
    pyproject = root / "pyproject.toml"
    for name, section in (("pytest.ini", "pytest"), (".pytest.ini", "pytest")):
        if (root / name).exists():
            return _ini(root / name, section)
    if pyproject.exists() and _toml_table(pyproject.read_text(encoding="utf-8")):
        return _toml(pyproject)
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        path = root / name
        if path.exists() and section in _ini_sections(path):
            return _ini(path, section)
    if pyproject.exists():
        return _toml(pyproject)
    lines = ["[pytest]", *_commented(), f"summgate_globs = {' '.join(GLOBS)}"]
    _create(root / "pytest.ini", "\n".join(lines) + "\n")
    return Step("pytest.ini", "wrote", "the gate's settings (the repository had no pytest ini)")


def _commented() -> list[str]:
    return [f"# {line}" for line in COMMENT.splitlines()]


def _ini_sections(path: Path) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error:
        return []
    return parser.sections()


def _ini(path: Path, section: str) -> Step:
    text = path.read_text(encoding="utf-8")
    if re.search(r"(?m)^\s*summgate_", text):
        return Step(path.name, "kept", "it sets the gate already")
    keys = [*_commented(), f"summgate_globs = {' '.join(GLOBS)}"]
    headers = re.findall(r"(?m)^\s*\[([^\]]+)\]", text)
    if headers and headers[-1].strip() != section:
        lines = (f"[{section}]", *keys)
        return Step(path.name, "add by hand", f"its [{section}] is not its last section", lines)
    addition = ([] if headers else [f"[{section}]"]) + keys
    _append(path, text, addition)
    return Step(path.name, "added to", f"the gate's lines, in [{section}]")


def _toml_table(text: str) -> str:
    """The pytest table ``text`` has: ``tool.pytest.ini_options``, ``tool.pytest`` or ""."""
    for table in ("tool.pytest.ini_options", "tool.pytest"):
        if re.search(rf"(?m)^\s*\[\s*{re.escape(table)}\s*\]", text):
            return table
    return ""


def _toml(path: Path) -> Step:
    text = path.read_text(encoding="utf-8")
    table = _toml_table(text)
    keys = [*_commented(), "summgate_globs = [" + ", ".join(f'"{g}"' for g in GLOBS) + "]"]
    if re.search(r"(?m)^\s*summgate_", text):
        return Step(path.name, "kept", "it sets the gate already")
    headers = re.findall(r"(?m)^\s*\[\[?\s*([^\]]+?)\s*\]", text)
    if table and headers[-1] != table:
        lines = (f"[{table}]", *keys)
        return Step(path.name, "add by hand", f"its [{table}] is not its last table", lines)
    addition = keys if table else ["", f"[{TOML_TABLE}]", *keys]
    if not _valid_toml(text.rstrip("\n") + "\n" + "\n".join(addition) + "\n"):
        return Step(path.name, "add by hand", "it would not read as TOML", tuple(addition))
    _append(path, text, addition)
    return Step(path.name, "added to", f"the gate's lines, in [{table or TOML_TABLE}]")


def _valid_toml(text: str) -> bool:
    if sys.version_info < (3, 11):  # no TOML reader: written unchecked (the lines are plain)
        return True
    import tomllib  # type: ignore[import-not-found, unused-ignore]  # (mypy reads as 3.10)

    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True


def _append(path: Path, text: str, lines: Sequence[str]) -> None:
    """Add ``lines`` at the end of the file (its text kept as it is)."""
    with path.open("a", encoding="utf-8", newline="") as added:
        added.write(("" if text.endswith("\n") or not text else "\n") + "\n".join(lines) + "\n")


def report(steps: Sequence[Step]) -> str:
    """What init did, then the next command."""
    width = max(len(step.path) for step in steps)
    out = ["summgate init:"]
    for step in steps:
        out.append(f"  {step.action:11} {step.path:{width}}  {step.why}")
        out.extend(f"      {line}" for line in step.lines)
    out.append(f"next: {NEXT}")
    if steps[0].action == "wrote":
        out.append("  (1 passed, 1 expected failure: the starter's invented facts)")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_summgate",
        description="pytest-summgate's commands (the gate itself runs as pytest --summgate).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser(
        "init", help="write starter cases, the ini lines and a GitHub workflow (never replacing)"
    )
    start.add_argument("directory", nargs="?", default=".", type=Path, help="default: here")
    options = parser.parse_args(argv)
    root: Path = options.directory
    if not root.is_dir():
        parser.error(f"{str(root)!r} is not a directory")
    print(report(init(root)))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
