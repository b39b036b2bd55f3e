"""What the command line that started pytest says: the remedy command, a moved rootdir.

pytest picks its rootdir from the arguments before plugins' options are known, and a
failing run tells the user the command that accepts its scores; both read the arguments as
the shell gave them (``config.invocation_params``).
"""

from __future__ import annotations

import itertools
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import SettingError

if TYPE_CHECKING:
    import pytest

# Options that shape only this run's outputs: the remedy, run on a laptop, does without them.
_RUN_ONLY = ("--summgate-report", "--junitxml", "--junit-xml", "--summgate-github")


def refuse_a_moved_rootdir(config: pytest.Config) -> None:
    """Refuse a run whose rootdir came from one of this plugin's path options.

    pytest picks its rootdir before it loads plugins, so ``--summgate-baseline /tmp/b.json``
    (value as a separate argument) looks to it like a test path. Unless an ini file fixes the
    rootdir, the common ancestor of that path and the project becomes the rootdir, every
    case's node id changes, and no stored baseline entry matches: the regression gate would
    pass silently. ``--summgate-baseline=/tmp/b.json`` has no such effect.
    """
    if hasattr(config, "workerinput") or config.getoption("rootdir", None):
        return
    if config.inipath is not None and config.inipath.parent == config.rootpath:
        return
    here = config.invocation_params.dir
    args = config.invocation_params.args
    for option, value in itertools.pairwise(args):
        if not option.startswith("--summgate-") or "=" in option or value.startswith("-"):
            continue
        path = argument_path(config, value)
        if path.exists() and not path.is_relative_to(here.resolve()):
            raise SettingError(
                f"{option} {value}: pytest chose its rootdir ({config.rootpath}) "
                f"from this path, before plugins' options are known, so every case's node id "
                f"and baseline key would change; write {option}={value}"
            )


def remedy(config: pytest.Config) -> str:
    """The command that accepts the new scores: this run's own, plus the update flag.

    Without the run's report options, and without a ``--summgate-baseline`` outside the
    project (a CI job's temporary copy of the committed file): the remedy updates the
    project's own baseline.
    """
    args = list(config.invocation_params.args)
    kept = []
    position = 0
    while position < len(args):
        arg = args[position]
        name, equals, value = arg.partition("=")
        takes_next = not equals and position + 1 < len(args)
        if takes_next and name in (*_RUN_ONLY, "--summgate-baseline"):
            value = args[position + 1]
        if name in _RUN_ONLY or (name == "--summgate-baseline" and not _inside(config, value)):
            position += 1 if equals else 2
            continue
        if arg != "--summgate-update-baseline":
            kept.append(arg)
        position += 1
    return shlex.join(["pytest", *kept, "--summgate-update-baseline"])


def _inside(config: pytest.Config, path: str) -> bool:
    return argument_path(config, path).is_relative_to(config.rootpath.resolve())


def argument_path(config: pytest.Config, value: str) -> Path:
    """A path given on the command line, as the shell that ran pytest meant it."""
    return (config.invocation_params.dir / Path(value).expanduser()).resolve()
