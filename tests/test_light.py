"""``pytest --help`` and ``--collect-only`` stay light: no model, no torch (real engine)."""

from __future__ import annotations

import sys
import textwrap

import pytest

from conftest import case, jsonl

# nltk (through the stemmer) costs 0.7 s: the claim checks stem on first use, not at import.
HEAVY = ("torch", "sentence_transformers", "transformers", "nltk", "spacy")

GUARD_CONFTEST = textwrap.dedent(
    f"""
    import sys

    HEAVY = {HEAVY!r}

    def _assert_light(when):
        loaded = [name for name in HEAVY if name in sys.modules]
        assert not loaded, f"{{when}} imported {{loaded}}"
        print(f"LIGHT at {{when}}")

    def pytest_collection_finish(session):
        _assert_light("pytest_collection_finish")

    def pytest_sessionfinish(session):
        _assert_light("pytest_sessionfinish")
    """
)


def test_collect_only_imports_no_torch(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(GUARD_CONFTEST)
    pytester.makeini("[pytest]\n")
    pytester.makefile(".jsonl", cases=jsonl(case(id="a"), case(id="b")))
    result = pytester.runpytest_subprocess("--summgate", "--collect-only", "-s", "-p",
                                           "no:cacheprovider")  # fmt: skip
    assert result.ret == pytest.ExitCode.OK, result.stderr.str()
    result.stdout.fnmatch_lines(
        ["*<CaseItem a>*", "*<CaseItem b>*", "LIGHT at pytest_collection_finish",
         "LIGHT at pytest_sessionfinish"]
    )  # fmt: skip


def test_help_imports_no_torch(pytester: pytest.Pytester) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        import pytest
        code = pytest.main(["--summgate", "--help"])
        loaded = [name for name in {HEAVY!r} if name in sys.modules]
        print("EXIT", int(code), "LOADED", loaded)
        """
    )
    result = pytester.run(sys.executable, "-c", script)
    result.stdout.fnmatch_lines(
        ["*--summgate *collect case files*", "*--summgate-threshold=NAME=VALUE*",
         "*summgate_thresholds (linelist):*", "EXIT 0 LOADED []"]
    )  # fmt: skip
