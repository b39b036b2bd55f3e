"""No claim check is worse than linear in the text's length: pathological text (a long run of
unclosed quotation marks, of capitalized words, of numbers) is checked in milliseconds. The
bound is generous: a guard against a quadratic pattern, not a benchmark."""

from __future__ import annotations

import itertools
import string
import time

import pytest

from pytest_summgate.metrics import claims

N = 8_000


def distinct(template: str, count: int, seed: int = 0) -> str:
    """``count`` different words made from ``template`` ("{}" is a 4-letter tail)."""
    tails = itertools.islice(itertools.product(string.ascii_lowercase, repeat=4), seed, None)
    return " ".join(template.replace("{}", "".join(t)) for t in itertools.islice(tails, count))


RUNS = {
    "unclosed double quotes": '"a ' * (N // 3),
    "unclosed single quotes": "'a " * (N // 3),
    "unclosed curly quotes": "“a " * (N // 3),
    "capitalized words": "Aaa " * (N // 4),
    "distinct capitalized words": distinct("Gad{}", N // 8),
    "capitalized words and stops": "Aaa. " * (N // 5),
    "hyphenated names": "Pro-Aaa " * (N // 8),
    "quoted names": distinct('"Gad{}" said Bob{}', N // 20),
    "numbers": "12 in 13 " * (N // 9),
    "distinct numbers": " ".join(str(1000 + i) for i in range(N // 5)),
    "spelled numbers": "twenty-one " * (N // 11),
    "negations": "the library did not charge fees " * (N // 32),
    "directions": "prices rose and fell " * (N // 20),
    "one long word": "a" * N,
}


@pytest.mark.parametrize("run", list(RUNS.values()), ids=list(RUNS))
def test_a_pathological_text_is_checked_in_linear_time(run: str) -> None:
    start = time.perf_counter()
    source = claims.Source(f"The council met. {run} It ended.")
    other = run.replace("a", "e").replace("did not", "did").replace("rose", "fell")
    claims.check(f"The board met. {other}", source, run)
    claims.check(f"The Board met with Gadaaaa. {run}", source, run)
    assert time.perf_counter() - start < 1.0
