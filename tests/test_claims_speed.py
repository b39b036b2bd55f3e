"""No claim check is worse than linear in the text's length: pathological text (a long run of
unclosed quotation marks, of capitalized words, of numbers) four times as long costs about
four times the Python steps (conftest.python_steps), never sixteen. Counted, not timed, so
the bound holds on a loaded machine; ``python bench/costs.py`` prints the times."""

from __future__ import annotations

import itertools
import string
from collections.abc import Callable

import pytest

from conftest import python_steps
from pytest_summgate.metrics import claims

N = 1_000
# Four times the text, at most five times the steps: a linear cost takes about four (the
# constant part of a check makes it less), a quadratic one sixteen.
GROWTH = 5


def distinct(template: str, count: int, seed: int = 0) -> str:
    """``count`` different words made from ``template`` ("{}" is a 4-letter tail)."""
    tails = itertools.islice(itertools.product(string.ascii_lowercase, repeat=4), seed, None)
    return " ".join(template.replace("{}", "".join(t)) for t in itertools.islice(tails, count))


def runs(n: int) -> dict[str, str]:
    """Pathological texts of about ``n`` characters (each size's distinct words its own, so
    that no size finds another's words cached)."""
    return {
        "unclosed double quotes": '"a ' * (n // 3),
        "unclosed single quotes": "'a " * (n // 3),
        "unclosed curly quotes": "“a " * (n // 3),
        "capitalized words": "Aaa " * (n // 4),
        "distinct capitalized words": distinct("Gad{}", n // 8, seed=n),
        "capitalized words and stops": "Aaa. " * (n // 5),
        "hyphenated names": "Pro-Aaa " * (n // 8),
        "quoted names": distinct('"Gad{}" said Bob{}', n // 20, seed=n),
        "numbers": "12 in 13 " * (n // 9),
        "distinct numbers": " ".join(str(1000 + i) for i in range(n // 5)),
        "spelled numbers": "twenty-one " * (n // 11),
        "negations": "the library did not charge fees " * (n // 32),
        "directions": "prices rose and fell " * (n // 20),
        "one long word": "a" * n,
    }


def check(run: str) -> None:
    source = claims.Source(f"The council met. {run} It ended.")
    other = run.replace("a", "e").replace("did not", "did").replace("rose", "fell")
    claims.check(f"The board met. {other}", source, run)
    claims.check(f"The Board met with Gadaaaa. {run}", source, run)


def growth(work: Callable[[str], object], name: str) -> float:
    """Steps on the ``4 * N`` text of ``name`` over steps on the ``N`` one, after a first
    check of a shorter text of the kind (lazy imports and lexicons, once)."""
    work(runs(N // 2)[name])
    return python_steps(lambda: work(runs(4 * N)[name])) / python_steps(lambda: work(runs(N)[name]))


@pytest.mark.parametrize("name", list(runs(N)))
def test_a_pathological_text_is_checked_in_linear_time(name: str) -> None:
    ratio = growth(check, name)
    assert ratio < GROWTH, f"{name}: four times the text took {ratio:.1f} times the steps"


def test_the_bound_fails_a_check_that_is_quadratic_in_the_text() -> None:
    """The sizes are large enough for a quadratic part to show: a stand-in check that
    compares each word with every word before it."""

    def quadratic(run: str) -> None:
        check(run)
        seen: list[str] = []
        for word in run.split():
            for other in seen:
                if other == word + "!":
                    break
            seen.append(word)

    assert growth(check, "capitalized words") < GROWTH
    assert growth(quadratic, "capitalized words") > GROWTH
