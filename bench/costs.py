"""Times of the pathological inputs whose costs the tests bound by counting (not timing).

The tests (tests/test_claims_speed.py, test_claims_quotes.py, test_costs.py,
test_hardening_yaml.py) count Python steps, so they hold on a loaded machine; this prints
what the same inputs take here, at the sizes the docs quote, each the best of three runs:

    python bench/costs.py

No model is loaded (the claim checks, sentence splitting and YAML reading need none).
"""

from __future__ import annotations

import itertools
import string
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pytest_summgate import cases, text
from pytest_summgate.errors import CaseFileError
from pytest_summgate.metrics import claims
from pytest_summgate.metrics.quotes import find_quotes

N = 8_000


def best_of_three(work: Callable[[], object]) -> float:
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def distinct(template: str, count: int) -> str:
    tails = itertools.product(string.ascii_lowercase, repeat=4)
    return " ".join(template.replace("{}", "".join(t)) for t in itertools.islice(tails, count))


RUNS = {
    "unclosed double quotes": '"a ' * (N // 3),
    "capitalized words": "Aaa " * (N // 4),
    "distinct capitalized words": distinct("Gad{}", N // 8),
    "quoted names": distinct('"Gad{}" said Bob{}', N // 20),
    "numbers": "12 in 13 " * (N // 9),
    "spelled numbers": "twenty-one " * (N // 11),
    "negations": "the library did not charge fees " * (N // 32),
    "directions": "prices rose and fell " * (N // 20),
}


def check(run: str) -> None:
    source = claims.Source(f"The council met. {run} It ended.")
    other = run.replace("a", "e").replace("did not", "did").replace("rose", "fell")
    claims.check(f"The board met. {other}", source, run)


def yaml_cases(count: int) -> str:
    row = (
        "  - id: case-{i}\n    article: The council met on Tuesday and approved the budget.\n"
        "    summary: The council approved the budget on Tuesday.\n"
    )
    return "cases:\n" + "".join(row.format(i=i) for i in range(count))


def main() -> None:
    print(f"claim checks of a sentence of {N:,} characters:")
    for name, run in RUNS.items():
        check(run[: len(run) // 8])
        print(f"  {name:28} {best_of_three(lambda run=run: check(run)):7.3f} s")
    for marks in (8_000, 32_000):
        sentence = "“a " * marks
        took = best_of_three(lambda s=sentence: find_quotes(s))
        print(f"quotations in {marks:,} unclosed marks: {took:.3f} s")
    stops = "a" + "!" * 16_000 + "x"
    took = best_of_three(lambda: text.split_sentences(stops))
    print(f"sentence splitting of 16,000 '!': {took:.4f} s")
    with tempfile.TemporaryDirectory() as folder:
        for count in (1_000, 6_000):
            path = Path(folder) / "c.yaml"
            path.write_text(yaml_cases(count), encoding="utf-8")
            took = best_of_three(lambda path=path: cases.load(path, "c.yaml", {}))
            print(f"a YAML file of {count:,} cases read in {took:.2f} s")
        path = Path(folder) / "deep.yaml"
        path.write_text("- " + "[" * 200_000 + "]" * 200_000 + "\n", encoding="utf-8")

        def refuse() -> None:
            try:
                cases.load(path, "deep.yaml", {})
            except CaseFileError:
                return
            sys.exit("200,000 levels were not refused")

        print(f"200,000 nested brackets refused in {best_of_three(refuse):.2f} s")


if __name__ == "__main__":
    main()
