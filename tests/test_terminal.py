"""What the user reads: the failure block of a case and the summary after a run."""

from __future__ import annotations

from pytest_summgate import suite, terminal, thresholds
from pytest_summgate.metrics import Metric


def check(name: str, value: float, score: float | None, source: str = "built-in default",
          skipped: str = "") -> thresholds.Check:  # fmt: skip
    spec = thresholds.BUILTIN_SPECS[name]
    return thresholds.Check(
        thresholds.Rule(name, spec.metric, spec.op, value, source), score, skipped
    )


CHECKS = [
    check("faithfulness", 0.80, 0.31, source="case thresholds"),
    check("coverage", 0.50, 0.72),
    check("max_words", 120, 131.0, source="--summgate-threshold"),
    check("rouge1", 0.30, None, skipped="no highlights in this case"),
]
METRICS = {
    "faithfulness": Metric(0.31, ('least supported: "45 people died."',)),
    "coverage": Metric(0.72, ('missed highlight: "never shown, coverage passed"',)),
    "length": Metric(131.0),
}


def test_failure_block_reads_as_in_the_style_guide() -> None:
    block = terminal.failure_block(CHECKS, METRICS, "cases/news.jsonl:7")
    assert block.splitlines() == [
        "2 of 3 checks failed: faithfulness 0.31 < 0.80, length 131 words > 120",
        "  check          score   rule       margin",
        "  faithfulness   0.31    >= 0.80    -0.49    FAIL  (faithfulness, case thresholds)",
        "  coverage       0.72    >= 0.50    +0.22    ok",
        "  length         131 w   <= 120 w   -11      FAIL  (max_words, --summgate-threshold)",
        "  rouge1         -       >= 0.30             skipped: no highlights in this case",
        '  least supported: "45 people died."',
        "  cases/news.jsonl:7",
    ]


def test_margin_is_negative_exactly_when_a_check_fails() -> None:
    checks = [
        check("max_words", 150, 470.0),
        check("min_words", 10, 470.0),
        check("max_compression", 0.5, 0.94),
        check("coverage", 0.5, 1.0),
    ]
    table = terminal.check_table(checks)[1:]
    for row, c in zip(table, checks, strict=True):
        margin = row.split()[6 if c.rule.metric == "length" else 4]
        assert margin.startswith("-") is c.failed, row


def test_evidence_is_capped() -> None:
    metrics = {"faithfulness": Metric(0.1, tuple(f"line {i}" for i in range(10)))}
    block = terminal.failure_block([check("faithfulness", 0.5, 0.1)], metrics, "f.yaml:1")
    lines = block.splitlines()
    cut = "  ... and 4 more lines (-v shows all)"
    assert lines[-8:] == [*(f"  line {i}" for i in range(6)), cut, "  f.yaml:1"]
    verbose = terminal.failure_block(
        [check("faithfulness", 0.5, 0.1)], metrics, "f.yaml:1", verbose=True
    )
    assert verbose.splitlines()[-11:] == [*(f"  line {i}" for i in range(10)), "  f.yaml:1"]


def test_verdict_when_everything_passed() -> None:
    assert terminal.verdict([check("coverage", 0.5, 0.9), check("rouge1", 0.3, None)]) == (
        "all 1 checks passed"
    )


def counts(summary: terminal.RunSummary) -> suite.Counts:
    """The counts a run of these cases would have (the controller's come from its records)."""
    return suite.Counts(
        cases=len(summary.scores) + len(summary.errors),
        passed=len(summary.scores) - len(summary.failures),
        failed=len(summary.failures),
        errors=len(summary.errors),
        metrics=tuple(suite.metric_stats(summary.scores, summary.failures)),
    )


def test_run_summary_per_check_and_worst_cases() -> None:
    summary = terminal.RunSummary()
    summary.add("a.yaml::one", {"faithfulness": 0.9, "length": 40.0}, [])
    summary.add("a.yaml::two", {"faithfulness": 0.3, "length": 200.0}, ["faithfulness", "length"])
    summary.add("a.yaml::three", {"faithfulness": 0.6, "length": 20.0}, ["length"])
    summary.errors["a.yaml::bad"] = "invalid case: 'summary' is empty"
    assert summary.lines(counts(summary)) == [
        "4 cases: 1 passed, 2 failed, 1 could not be checked",
        "  check          mean   min    failed",
        "  faithfulness   0.60   0.30   1",
        "  length         87 w   20 w   2",
        "worst cases:",
        "  a.yaml::two: faithfulness, length",
        "  a.yaml::three: length",
        "not checked:",
        "  a.yaml::bad: invalid case: 'summary' is empty",
    ]


def test_run_summary_of_nothing_is_silent() -> None:
    assert terminal.RunSummary().lines(suite.Counts()) == []


def test_worst_cases_name_each_check_once() -> None:
    summary = terminal.RunSummary()
    failed = ["faithfulness", "length", "faithfulness (decisive)", "coverage (regressed)"]
    summary.add("a.yaml::one", {"faithfulness": 0.0}, failed)
    lines = summary.lines(counts(summary))
    assert lines[-1] == "  a.yaml::one: faithfulness (decisive), length, coverage (regressed)"


def test_the_failure_block_keeps_a_users_text_on_its_line() -> None:
    # A summary quoted as evidence, and a file name, with a line break, a command and ANSI.
    metrics = {"faithfulness": Metric(0.1, ('least supported: "a\n::error file=x::forged"',))}
    evidence = ("  ::warning::an evidence line of a scorer's own", "\x1b[31mred\x1b[0m")
    metrics["faithfulness"] = Metric(0.1, (*metrics["faithfulness"].evidence, *evidence))
    block = terminal.failure_block(
        [check("faithfulness", 0.5, 0.1)], metrics, "cases\n##[error]x.jsonl:3"
    )
    assert block.splitlines()[-4:] == [
        '  least supported: "a\\n::error file=x::forged"',
        "    \\x3a:warning::an evidence line of a scorer's own",
        "  \\x1b[31mred\\x1b[0m",
        "  cases\\n##\\x5berror]x.jsonl:3",
    ]


def test_worst_cases_never_start_a_workflow_command() -> None:
    summary = terminal.RunSummary()
    summary.add("::error title=forged::x.jsonl::a", {"faithfulness": 0.1}, ["faithfulness"])
    summary.errors["y\x1b[2J.jsonl::b"] = "invalid case: 'summary' is empty"
    lines = summary.lines(counts(summary))
    assert lines[-3:] == [
        "  \\x3a:error title=forged::x.jsonl::a: faithfulness",
        "not checked:",
        "  y\\x1b[2J.jsonl::b: invalid case: 'summary' is empty",
    ]
