"""Issue 14, classes 2 and 4: files and options the gate is pointed at.

A file that is not a regular file (``/dev/zero``, a named pipe, a directory) or is too big
is a clear error, never an endless read; a job summary that cannot be written is one
warning line, and the annotations and the rest of the run still come; a seed numpy would
refuse is a usage error naming the option; two runs updating one baseline at once both
keep their entries.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from conftest import BAD_SUMMARY, LEXICAL_CONFTEST, case, jsonl
from pytest_summgate import baseline, cases, files
from pytest_summgate.errors import BaselineError
from test_plugin import assert_no_traceback

RUN = ("--summgate", "-p", "no:cacheprovider")


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    return path


def special_paths(tmp_path: Path) -> dict[str, Path]:
    """Paths that are not regular files, with no writer or end."""
    pipe = tmp_path / "special-pipe"
    if not pipe.exists():
        os.mkfifo(pipe)
    folder = tmp_path / "special-dir"
    folder.mkdir(exist_ok=True)
    link = tmp_path / "special-link"
    if not link.exists():
        link.symlink_to("/dev/zero")
    return {"dev-zero": Path("/dev/zero"), "fifo": pipe, "dir": folder, "link-to-zero": link}


KINDS = ["dev-zero", "fifo", "dir", "link-to-zero"]


# -- bounded reads --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_read_bounded_refuses_what_is_not_a_regular_file_at_once(tmp_path: Path, kind: str) -> None:
    path = special_paths(tmp_path)[kind]
    # Refused before it is opened for reading (a pipe would wait for a writer, /dev/zero
    # would be read up to the limit and refused as too large, with another message).
    with pytest.raises(files.FileRefused) as refused:
        files.read_bounded(path, 1024)
    assert refused.value.strerror in ("Is a directory",) or "not a regular file" in str(
        refused.value.strerror
    )


@pytest.mark.parametrize("size", [1025, 4096, 1_000_000])
def test_read_bounded_refuses_a_file_over_its_limit(tmp_path: Path, size: int) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"x" * size)
    with pytest.raises(files.FileRefused, match="larger than the limit"):
        files.read_bounded(path, 1024)
    path.write_bytes(b"x" * 1024)
    assert files.read_bounded(path, 1024) == b"x" * 1024


def test_read_bounded_caps_a_file_that_reports_no_size(tmp_path: Path) -> None:
    # /proc files report size 0 and hold more: the read stops at the limit all the same.
    with pytest.raises(files.FileRefused, match="larger than the limit"):
        files.read_bounded(Path("/proc/self/maps"), 16)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("update", [False, True])
def test_a_baseline_that_is_not_a_regular_file_is_a_clear_error(
    gate: pytest.Pytester, kind: str, update: bool
) -> None:
    path = special_paths(gate.path)[kind]
    gate.makefile(".jsonl", c=jsonl(case(id="a")))
    flags = ["--summgate-update-baseline"] if update else []
    result = gate.runpytest(*RUN, f"--summgate-baseline={path}", *flags)
    assert_no_traceback(result)
    if update:  # the run scores, then refuses to replace what is not a file
        assert result.ret == pytest.ExitCode.TESTS_FAILED
        shown = path.relative_to(gate.path) if path.is_relative_to(gate.path) else path
        result.stdout.fnmatch_lines([f"error: cannot write {shown}: *"])
    else:
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines([f"ERROR: summgate: baseline {path} cannot be read: *"])
    if kind == "dir":
        assert path.is_dir()
    assert not path.is_file()


@pytest.mark.parametrize("option", ["--summgate-base-baseline", "--summgate-predictions"])
@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "link-to-zero"])
def test_other_files_read_are_bounded_too(gate: pytest.Pytester, option: str, kind: str) -> None:
    path = special_paths(gate.path)[kind]
    gate.makefile(".jsonl", c=jsonl(case(id="a")))
    result = gate.runpytest(*RUN, f"{option}={path}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: summgate: *not a regular file*"])
    assert_no_traceback(result)


@pytest.mark.parametrize("size", [2_000, 50_000])
def test_a_baseline_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"version": 1, "cases": {}, "pad": "x" * size}))
    monkeypatch.setattr(baseline, "MAX_BYTES", 1_000)
    with pytest.raises(BaselineError, match=r"cannot be read: it is larger than the limit"):
        baseline.load(path)


def test_a_case_file_over_the_size_limit_is_a_collection_error(
    gate: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate.makefile(".jsonl", c=jsonl(*(case(id=f"c{i}") for i in range(20))))
    monkeypatch.setattr(cases, "MAX_FILE_BYTES", 1_000)
    result = gate.runpytest(*RUN)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*c.jsonl: cannot be read: it is larger than the limit of *"])
    assert_no_traceback(result)


@pytest.mark.parametrize("target", ["fifo", "dir"])
def test_a_write_never_replaces_what_is_not_a_regular_file(tmp_path: Path, target: str) -> None:
    path = special_paths(tmp_path)[target]
    with pytest.raises(files.FileRefused):
        files.write_atomic(path, "{}")
    assert not path.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "special-dir",
        "special-link",
        "special-pipe",
    ]


def test_a_lone_surrogate_is_written_as_its_escape(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    files.write_atomic(path, json.dumps({"id": "\ud800"}, ensure_ascii=False))
    assert json.loads(path.read_text(encoding="utf-8")) == {"id": "\ud800"}
    files.append_text(tmp_path / "summary.md", "a \ud800 b\n")
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == "a \\ud800 b\n"


# -- the job summary ------------------------------------------------------------------------


@pytest.fixture
def on_github(gate: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("CI", "BUILD_NUMBER", "PYTEST_XDIST_WORKER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(gate.path))
    bar = {"faithfulness": 0.9}  # the bad summary misses it, whatever the built-in defaults
    gate.makefile(
        ".jsonl", c=jsonl(case(id="good"), case(id="bad", summary=BAD_SUMMARY, thresholds=bar))
    )
    return gate


def _summary_target(gate: pytest.Pytester, kind: str, monkeypatch: pytest.MonkeyPatch) -> str:
    if kind == "directory":
        gate.path.joinpath("summary-dir").mkdir()
        return str(gate.path / "summary-dir")
    if kind == "missing-parent":
        return str(gate.path / "no" / "such" / "dir" / "summary.md")
    if kind == "proc-file":  # root may write any file: /proc/version refuses even root
        return "/proc/version"
    if kind == "fifo-without-reader":
        os.mkfifo(gate.path / "pipe")
        return str(gate.path / "pipe")

    def full(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(files, "append_text", full)
    return str(gate.path / "summary.md")


SUMMARY_PROBLEMS = ["directory", "missing-parent", "proc-file", "fifo-without-reader", "full-disk"]


@pytest.mark.parametrize("kind", SUMMARY_PROBLEMS)
def test_a_job_summary_that_cannot_be_written_is_one_warning(
    on_github: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    baseline_run = on_github.runpytest(*RUN, "--summgate-report=before.json")
    target = _summary_target(on_github, kind, monkeypatch)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", target)
    result = on_github.runpytest(*RUN, "--summgate-report=r.json")
    assert result.ret == baseline_run.ret == pytest.ExitCode.TESTS_FAILED
    assert_no_traceback(result)
    result.stdout.fnmatch_lines(
        [
            "decision: blocked by 1 case below a threshold",
            "warning: the job summary was not written to GITHUB_STEP_SUMMARY (*): *",
            "::error file=c.jsonl,line=2,title=summgate%3A bad::*",
        ]
    )
    warnings = [line for line in result.stdout.lines if "GITHUB_STEP_SUMMARY" in line]
    assert len(warnings) == 1
    assert json.loads(on_github.path.joinpath("r.json").read_text())["totals"]["cases"] == 2


def test_a_job_summary_problem_leaves_a_passing_run_passing(
    gate: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(gate.path / "missing" / "summary.md"))
    gate.makefile(".jsonl", c=jsonl(case(id="good")))
    result = gate.runpytest(*RUN)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["warning: the job summary was not written *No such file*"])


# -- the seed -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["-1", "-4294967296", "4294967296", str(2**64), "1.5", "abc", "", "9" * 5000]
)
def test_a_seed_numpy_would_refuse_is_a_usage_error_naming_the_option(
    gate: pytest.Pytester, value: str
) -> None:
    gate.makefile(".jsonl", c=jsonl(case(id="a")))
    result = gate.runpytest(*RUN, f"--summgate-seed={value}", "--summgate-suite=pass_rate=1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*argument --summgate-seed: expected a whole number from 0 to 4294967295, got *"]
    )
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert max(len(line) for line in result.stderr.lines) < 300


@pytest.mark.parametrize("value", ["0", "4294967295", "20261125"])
def test_every_seed_in_range_runs(gate: pytest.Pytester, value: str) -> None:
    gate.makefile(".jsonl", c=jsonl(case(id="a"), case(id="b")))
    gate.runpytest(*RUN, "--summgate-update-baseline").assert_outcomes(passed=2)
    result = gate.runpytest(*RUN, f"--summgate-seed={value}")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK


# -- concurrent baseline writers ------------------------------------------------------------


def test_the_lock_is_exclusive_and_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    inside = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with files.locked(path):
            inside.set()
            release.wait(600)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(600)  # hang guards
    with (
        pytest.raises(TimeoutError, match="another run has held the lock"),
        files.locked(path, timeout=0.3),
    ):
        pass
    release.set()
    holder.join(600)
    with files.locked(path, timeout=1):
        assert files.lock_path(path).exists()
    assert list(tmp_path.iterdir()) == []


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from pytest_summgate import baseline

    path, name, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    for number in range(count):
        entry = baseline.StoredCase("c", {"faithfulness": 0.5})
        baseline.update(path, {f"{name}.jsonl::{number}": entry}, "m")
    """
)


@pytest.mark.parametrize(("writers", "each"), [(2, 20), (4, 10)])
def test_processes_updating_one_baseline_at_once_lose_no_entry(
    tmp_path: Path, writers: int, each: int
) -> None:
    path = tmp_path / ".summgate" / "baseline.json"
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"w{n}", str(each)])
        for n in range(writers)
    ]
    assert [p.wait(120) for p in processes] == [0] * writers
    stored = baseline.load(path)
    assert stored is not None
    assert len(stored.entries) == writers * each
    assert sorted(p.name for p in path.parent.iterdir()) == ["baseline.json"]


# Holds each run between collection and its first case until every run has collected: by
# then each has read the baseline, so each writes after the other has read.
BARRIER = """
import os, pathlib, time

def pytest_collection_finish(session):
    barrier = pathlib.Path(os.environ["SUMMGATE_BARRIER"])
    barrier.joinpath(os.environ["SUMMGATE_RUN"]).touch()
    deadline = time.monotonic() + 600  # a hang guard: the other run is slow only under load
    while len(list(barrier.iterdir())) < int(os.environ["SUMMGATE_RUNS"]):
        assert time.monotonic() < deadline, "the other run never started"
        time.sleep(0.05)
"""


@pytest.mark.slow  # two and three pytest processes at once
@pytest.mark.parametrize("runs", [2, 3])
def test_update_baseline_runs_at_once_on_different_files_keep_all_entries(
    gate: pytest.Pytester, runs: int
) -> None:
    for number in range(runs):
        gate.path.joinpath(f"f{number}.jsonl").write_text(
            jsonl(*(case(id=f"c{i}") for i in range(3))), encoding="utf-8"
        )
    # A baseline from before, with an entry no run touches: it must stay too.
    gate.path.joinpath("old.jsonl").write_text(jsonl(case(id="kept")), encoding="utf-8")
    gate.runpytest(*RUN, "--summgate-update-baseline", "old.jsonl").assert_outcomes(passed=1)
    gate.makeconftest(LEXICAL_CONFTEST + BARRIER)
    barrier = gate.path / "barrier"
    barrier.mkdir()
    environment = {**os.environ, "SUMMGATE_BARRIER": str(barrier), "SUMMGATE_RUNS": str(runs)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "pytest", *RUN, "--summgate-update-baseline", f"f{n}.jsonl"],
            cwd=gate.path,
            env={**environment, "SUMMGATE_RUN": str(n)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for n in range(runs)
    ]
    outputs = [p.communicate(timeout=180)[0] for p in processes]
    assert [p.returncode for p in processes] == [0] * runs, outputs
    assert all("baseline written" in output for output in outputs)
    assert any("written by another run meanwhile" in output for output in outputs), outputs
    stored = json.loads(gate.path.joinpath(".summgate", "baseline.json").read_text())
    expected = {f"f{n}.jsonl::c{i}" for n in range(runs) for i in range(3)} | {"old.jsonl::kept"}
    assert set(stored["cases"]) == expected
