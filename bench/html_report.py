"""Size and time of the HTML report, the base-vs-pull-request records and the job summary at
10,000 cases: a measurement, not a test.

Run by hand: ``python bench/html_report.py [--cases 10000] [--e2e]``.

It builds ``--cases`` case records as a run makes them (``ci_outputs.case_record`` with the
evidence beside the article, from ``Metric.aligned`` as the faithfulness and coverage scorers
fill it) on the CNN/DailyMail article of ``examples/`` (4,100 characters, 33 sentences; each
case's summary its own), every case failing with a drop against the base branch's baseline
(the worst case for the page and the job summary), and prints, each the median of three:

1. building the records' evidence (``alignment``) and the JSON report's size with it;
2. pairing base and pull request summaries (``changes.compared``, the word diffs);
3. the HTML page: time and size (the first ``DETAIL_CASES`` cases with their evidence, one
   row for each other case);
4. the job summary: time and size (GitHub's limit is 1 MiB).

``--e2e`` also times ``pytest --summgate`` over the same number of cases with the lexical
stand-in scorers (no model: what the gate adds, not the model's encoding), with and without
``--summgate-html``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pytest_summgate import changes, ci_outputs, html_report, job_summary, text  # noqa: E402
from pytest_summgate.baseline import StoredCase, StoredSummary, findings_of  # noqa: E402
from pytest_summgate.cases import Case  # noqa: E402
from pytest_summgate.engine import CaseResult  # noqa: E402
from pytest_summgate.metrics import Aligned, Metric  # noqa: E402
from pytest_summgate.suite import Counts  # noqa: E402


def median_of_three(function: Callable[[], Any]) -> tuple[float, Any]:
    timings, result = [], None
    for _ in range(3):
        start = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), result


def result_for(number: int, article: str, sentences: list[str]) -> CaseResult:
    """A case as the scorers leave it: three summary sentences aligned with their closest
    article sentences, the second one unsupported (a number the article lacks)."""
    picks = [sentences[(number + k * 7) % len(sentences)] for k in range(3)]
    picks[1] = f"{picks[1].rstrip('. ')} in {1900 + number % 100}."
    summary = " ".join(picks)
    aligned = tuple(
        Aligned(
            sentence,
            0.0 if k == 1 else 0.9,
            tuple((number + k * 7 + j) % len(sentences) for j in range(3)),
            (0.82, 0.61, 0.55),
            (f"number {1900 + number % 100} is not in the article",) if k == 1 else (),
            (True,) if k == 1 else (),
        )
        for k, sentence in enumerate(picks)
    )
    metrics = {
        "faithfulness": Metric(0.0, ("unsupported ...",), decisive=("number",), aligned=aligned),
        "length": Metric(float(text.word_count(summary))),
    }
    case = Case(
        id=f"c{number}", path="cases.jsonl", line=number + 1, article=article, summary=summary
    )
    return CaseResult(case, metrics, ())


def records(cases: int, article: str) -> list[ci_outputs.CaseRecord]:
    sentences = text.split_sentences(article)
    made = []
    for number in range(cases):
        result = result_for(number, article, sentences)
        record = ci_outputs.case_record(
            f"cases.jsonl::c{number}", result.case, result, message="x", aligned=True
        )
        record["outcome"] = "failed"
        record["regressions"] = [
            {"metric": "faithfulness", "baseline": 0.9, "now": 0.0, "delta": -0.9,
             "tolerance": 0.05, "blocking": False}
        ]  # fmt: skip
        made.append(record)
    return made


def base_entry(article_sentences: list[str]) -> Callable[[str], StoredCase]:
    def entry(nodeid: str) -> StoredCase:
        number = int(nodeid.rsplit("c", 1)[1])
        picks = [article_sentences[(number + k * 7) % len(article_sentences)] for k in range(3)]
        return StoredCase("x", {"faithfulness": 0.9}, None, StoredSummary.of(" ".join(picks)))

    return entry


def e2e(cases: int, article: str) -> None:
    conftest = textwrap.dedent(
        """
        import pytest
        from pytest_summgate.testing import lexical_engine, summgate_run

        @pytest.hookimpl(trylast=True)
        def pytest_configure(config):
            run = summgate_run(config)
            if run is not None:
                run.engine = lexical_engine(run.settings, run.engine, decisive_numbers=True)
        """
    )
    sentences = text.split_sentences(article)
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        (where / "conftest.py").write_text(conftest)
        (where / "pytest.ini").write_text("[pytest]\n")
        with (where / "cases.jsonl").open("w") as out:
            for n in range(cases):
                summary = result_for(n, article, sentences).case.summary
                out.write(json.dumps({"id": f"c{n}", "article": article, "summary": summary}))
                out.write("\n")
        for label, extra in (
            ("without a page", []),
            ("with --summgate-html", ["--summgate-html=p.html"]),
        ):
            command = [sys.executable, "-m", "pytest", "--summgate", "-q", "-p", "no:cacheprovider",
                       "--summgate-report=r.json", *extra]  # fmt: skip
            start = time.perf_counter()
            subprocess.run(command, cwd=where, capture_output=True, env={**os.environ, "CI": ""})
            took = time.perf_counter() - start
            size = (where / "p.html").stat().st_size if extra else 0
            report = (where / "r.json").stat().st_size
            print(f"  pytest --summgate, {cases:,} cases, lexical scorers, {label}: {took:.1f} s"
                  f"; JSON report {report / 2**20:.1f} MiB"
                  + (f", page {size / 2**20:.1f} MiB" if extra else ""))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--e2e", action="store_true")
    options = parser.parse_args()
    row = json.loads((ROOT / "examples" / "cnn_dm_chatgpt_row.jsonl").read_text().splitlines()[0])
    article = row["article"]
    n = options.cases
    print(
        f"{n:,} cases, each on a {len(article):,}-character article, every one failing with a drop"
    )
    took, made = median_of_three(lambda: records(n, article))
    size = len(json.dumps(made).encode())
    print(f"  case records with their evidence: {took:.2f} s ({took / n * 1e3:.2f} ms a case); "
          f"{size / 2**20:.1f} MiB of JSON ({size / n / 1024:.1f} KiB a case)")  # fmt: skip
    entry = base_entry(text.split_sentences(article))
    took, (pairs, total) = median_of_three(lambda: changes.compared(made, entry, {}, findings_of))
    size = len(json.dumps(pairs).encode())
    print(f"  base vs pull request: {total:,} cases listed, {len(pairs):,} paired and diffed in "
          f"{took:.2f} s; {size / 2**20:.2f} MiB in the JSON report")  # fmt: skip
    report = {
        "decision": {"passed": False, "blocked_by": [f"{n} cases with hard evidence"]},
        "cases": made,
        "compared": {"total": total, "cases": pairs},
    }
    took, page = median_of_three(lambda: html_report.page(report))
    detail = html_report.DETAIL_CASES
    print(f"  HTML page: {took:.2f} s, {len(page.encode()) / 2**20:.1f} MiB "
          f"({detail} cases with their evidence, {n - detail:,} one row each)")  # fmt: skip
    decided = {"decision": report["decision"], "drops": [], "compared": report["compared"],
               "accepted": [], "notices": []}  # fmt: skip
    counts = Counts(cases=n, failed=n)
    took, summary = median_of_three(
        lambda: job_summary.step_summary(made, [], None, decided, counts=counts)
    )
    print(f"  job summary: {took:.2f} s, {len(summary.encode()) / 1024:.0f} KiB "
          "(GitHub's limit: 1,024 KiB)")  # fmt: skip
    if options.e2e:
        e2e(n, article)


if __name__ == "__main__":
    main()
