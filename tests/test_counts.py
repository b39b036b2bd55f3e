"""The suite's counts in README.md and docs/development.md are the suite's (tests/counts.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO
from counts import BLOCK, Counts, stated


def test_the_counts_read_as_the_docs_state_them() -> None:
    counts = Counts(total=1_700, model=60, slow=40)
    assert counts.everyday == 1_600
    text = f"The suite has <!-- test-counts -->{counts.text()}<!-- /test-counts -->."
    assert stated(text) == [counts.text()]
    assert counts.text().startswith("1,700 tests: 1,600 in the everyday loop")
    assert (
        BLOCK.sub(r"\g<1>new\g<3>", text)
        == "The suite has <!-- test-counts -->new<!-- /test-counts -->."
    )


@pytest.mark.slow  # collects the whole suite, in another process
def test_the_counts_the_docs_state_are_the_suites() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    done = subprocess.run(
        [sys.executable, str(REPO / "tests" / "counts.py"), "--check"],
        cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
