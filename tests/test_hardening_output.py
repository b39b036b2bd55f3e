"""Issue 14, class 6: what the user wrote cannot forge output, wherever the gate puts it.

Four destinations, one escaping function each: the terminal (``errors.terminal_line``, and
``errors.visible`` beneath it), GitHub workflow commands (``ci_outputs.command_data`` and
``command_property``), the Markdown job summary (``job_summary.markdown`` and ``markdown_code``),
and the JSON report (``json.dumps``). GitHub's runner is modelled from its source
(actions/runner, ActionCommand.TryParseV2 and TryParse, and OutputManager): a line of a
step's output is a command when, less leading white space, it starts with ``::`` or when it
holds ``##[`` anywhere; stdout and stderr are both read, and a line ends at LF or CR.
"""

from __future__ import annotations

import html
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import case, jsonl
from pytest_summgate import ci_outputs, job_summary, suite
from pytest_summgate.errors import output_problem, terminal_line, visible
from test_reports import GITHUB_ENV, validate

# Inputs of the class: line breaks and commands, ANSI, C1 controls, Markdown and HTML
# syntax, separators, bidi overrides, invisible characters, a lone surrogate.
HOSTILE = [
    "\n::error file=x::forged",
    "\r::warning::forged by a carriage return",
    "\x1b[31mred\x1b[0m",
    "\x9b31mC1 CSI",
    "a|b|c",
    "`code` and ``two``",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[link](http://x)",
    "![image](http://x/i.png)",
    "# heading",
    "x\u2028::error::after a line separator",
    "nul\x00nul",
    "\u202eevil",
    "##[error]the old command form",
    "#\u200d#[error]a joiner between",
    "  ::notice::indented",
    "\u3000::error::after an ideographic space",
    "\x85::error::after NEL",
    "www.evil.com http://evil.com <http://x>",
    "*em* _em_ ~~struck~~ $x$",
    "&lt;b&gt; &amp;",
    "\\|",
    "lone \ud800 surrogate",
    "\U000e0041\U000e0042 tag characters",
]
_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}
_JOINERS = {"\u200c", "\u200d"}
_IGNORABLE = re.compile("[\u200c\u200d\u034f\ufe00-\ufe0f\U000e0100-\U000e01ef]")
# What the gate itself prints as workflow commands: its annotations, and the count of the rest.
OURS = re.compile(
    r"::error file=[^,:\r\n]*,line=\d+,title=summgate%3A [^,:\r\n]*::[^\r\n]*"
    r"|::warning title=summgate::\d+ more [a-z ]+ not annotated: [^\r\n]*"
)

# Syntax-heavy text for hypothesis: Markdown, HTML, commands, escapes, controls.
SYNTAX = st.text(
    st.sampled_from(list("|`<>[]()#*_~$\\!:/.w& \t\n\r\x1b\x00\x85\u2028\u202e\u200d\ud800ax")),
    max_size=40,
)
TEXT = st.one_of(st.text(max_size=60), SYNTAX, st.sampled_from(HOSTILE))


def unshowable(character: str) -> bool:
    return unicodedata.category(character) in _CATEGORIES and character not in _JOINERS


def runner_lines(text: str) -> list[str]:
    """The lines GitHub's runner reads (.NET's ReadLine: a line ends at LF, CR or CRLF)."""
    return re.split(r"\r\n|\r|\n", text)


def runner_command(line: str) -> bool:
    """Whether GitHub's runner would try the line as a workflow command. Characters its
    culture-aware comparison ignores are dropped first; .NET's TrimStart strips less white
    space than Python's str.lstrip."""
    bare = _IGNORABLE.sub("", line)
    return bare.lstrip().startswith("::") or "##[" in bare


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """ActionCommand.TryParseV2, ported: the command, its properties, its data."""
    message = line.lstrip()
    assert message.startswith("::")
    end = message.index("::", 2)
    info = message[2:end]
    name, _, rest = info.partition(" ")
    properties = {}
    for pair in filter(None, rest.strip().split(",")):
        key, _, value = pair.partition("=")
        for escaped, plain in (
            ("%0D", "\r"),
            ("%0A", "\n"),
            ("%3A", ":"),
            ("%2C", ","),
            ("%25", "%"),
        ):
            value = value.replace(escaped, plain)
        properties[key] = value
    data = message[end + 2 :]
    for escaped, plain in (("%0D", "\r"), ("%0A", "\n"), ("%25", "%")):
        data = data.replace(escaped, plain)
    return name, properties, data


def outside_code(text: str) -> str:
    """``text`` less its code spans (a fence, then anything up to the same fence)."""
    return re.sub(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)", "", text)


def cells(row: str) -> list[str]:
    """A GFM table row's cells: split at each "|" no backslash precedes."""
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


# -- the terminal -----------------------------------------------------------------------------


def test_visible_escapes_exactly_the_control_format_and_separator_characters() -> None:
    # Every character of Unicode: Cc, Cf (but the joiners), Cs, Zl, Zp are escaped; nothing
    # else that this Python knows is touched (newer format characters are, unassigned here).
    for number in range(sys.maxunicode + 1):
        character = chr(number)
        escaped = visible(character) != character
        if unshowable(character):
            assert escaped, hex(number)
        elif escaped:
            assert unicodedata.category(character) == "Cn", hex(number)


@given(TEXT)
def test_visible_text_is_one_line_with_nothing_hidden(text: str) -> None:
    shown = visible(text)
    assert len(shown.splitlines()) <= 1
    assert not any(unshowable(c) for c in shown)
    if not any(unshowable(c) for c in text):
        assert shown == text


@given(TEXT, st.sampled_from(["", "  ", "\u3000", "worst cases: "]))
def test_a_terminal_line_is_never_a_workflow_command(text: str, before: str) -> None:
    line = terminal_line(before + text)
    assert len(runner_lines(line)) == 1
    assert not runner_command(line)
    assert not any(unshowable(c) for c in line)
    assert not output_problem(line)
    assert terminal_line(line) == line  # a line escaped twice reads as escaped once


@pytest.mark.parametrize("text", HOSTILE)
def test_output_problem_names_what_pytests_own_lines_would_print_as_is(text: str) -> None:
    assert bool(output_problem(text)) is (visible(text) != text or runner_command(text))
    assert output_problem("cases/news.jsonl::a b: c") == ""


# -- workflow commands ------------------------------------------------------------------------


# A file's path: no NUL, no lone surrogate (a file system gives neither).
PATH = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40),
    st.sampled_from([t for t in HOSTILE if "\x00" not in t and "\ud800" not in t]),
)


@given(PATH, TEXT, TEXT)
def test_an_annotation_carries_any_text_and_stays_one_command(
    path: str, case_id: str, message: str
) -> None:
    record = {"outcome": "failed", "path": path, "line": 7, "id": case_id, "message": message}
    (line,) = ci_outputs.case_annotations([record], Path("/"), "/")
    assert len(runner_lines(line)) == 1
    name, properties, data = parse_command(line)
    assert name == "error"
    assert properties["line"] == "7"
    # The runner trims the properties' end: the title's trailing spaces (an id has none).
    assert properties["title"] == visible(f"summgate: {case_id}").rstrip()
    assert properties["file"] == visible(ci_outputs.annotation_path(path, Path("/"), "/"))
    cut = ci_outputs.cut(message, ci_outputs.ANNOTATION_CHARS)
    assert data == "\n".join(visible(part) for part in cut.split("\n"))


def failing(n: int, outcome: str = "failed", start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "nodeid": f"c.jsonl::{i:03}",
            "id": f"{i:03}",
            "path": "c.jsonl",
            "line": i + 1,
            "outcome": outcome,
            "message": "1 of 4 checks failed",
            "verdict": "1 of 4 checks failed",
            "reason": f"least supported: {HOSTILE[i % len(HOSTILE)]!s}",
        }
        for i in range(start, start + n)
    ]


@pytest.mark.parametrize(
    ("n", "annotated", "more"), [(1, 1, 0), (9, 9, 0), (10, 9, 1), (25, 9, 16)]
)
def test_annotations_stop_at_githubs_limit_and_count_the_rest(
    n: int, annotated: int, more: int
) -> None:
    lines = ci_outputs.case_annotations(failing(n), Path("/"), "/")
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    # Nine: the action's own "::error title=summgate: blocked" is the step's tenth.
    assert len(errors) == annotated <= ci_outputs.ANNOTATIONS_PER_STEP - 1
    if more:
        (warning,) = warnings
        noun = "case" if more == 1 else "cases"
        assert warning.startswith(f"::warning title=summgate::{more} more failing {noun} ")
    else:
        assert warnings == []


def test_only_what_blocks_is_an_error_and_it_comes_first() -> None:
    records = failing(12, "xfailed") + failing(3, "failed", start=12) + failing(1, "error", 15)
    records += failing(1, "xpassed", start=16) + failing(2, "passed", start=17)
    lines = ci_outputs.case_annotations(records, Path("/"), "/")
    commands = [parse_command(line) for line in lines]
    assert [(kind, props.get("title")) for kind, props, _ in commands[:4]] == [
        ("error", f"summgate: {i:03}") for i in range(12, 16)
    ]
    # Known failures are warnings, nine of them (one warning is left for the count); the
    # case that now passes is a notice; passing cases are not annotated.
    warnings = [c for c in commands if c[0] == "warning" and "file" in c[1]]
    assert [props["title"] for _, props, _ in warnings] == [
        f"summgate: {i:03} (known failure)" for i in range(9)
    ]
    (notice,) = [c for c in commands if c[0] == "notice"]
    assert notice[1]["title"] == "summgate: 016 (known failure, now passes)"
    assert "now passes (XPASS)" in notice[2]
    assert [kind for kind, _, _ in commands].count("error") == 4
    assert lines[-1].startswith(
        "::warning title=summgate::3 more known failures not annotated: GitHub shows 10 "
        "annotations of each kind a step"
    )


# -- the job summary --------------------------------------------------------------------------


@settings(max_examples=3 * settings().max_examples)  # CI: 300
@given(TEXT)
def test_markdown_cells_hold_any_text_as_text(text: str) -> None:
    row = f"| {job_summary.markdown_code(text)} | {job_summary.markdown(text)} |"
    assert len(cells(row)) == 2
    assert len(runner_lines(row)) == 1
    assert "<" not in outside_code(row)  # in a code span "<" is text
    cmarkgfm = pytest.importorskip("cmarkgfm")
    rendered = cmarkgfm.github_flavored_markdown_to_html(f"| a | b |\n|---|---|\n{row}\n")
    found = re.findall(r"<td>(.*?)</td>", rendered, re.S)
    assert len(found) == 2, rendered
    code, plain = found
    shown = visible(ci_outputs.cut(text, job_summary.CELL_CHARS))
    # No markup at all: not a link, an image, emphasis, a heading, raw HTML (GitHub's
    # renderer, from its own fork of cmark, in the safe mode that drops raw HTML).
    assert "<" not in plain
    assert html.unescape(plain) == shown.strip(" ")
    if shown.strip(" "):
        assert code.startswith("<code>")
        assert code.endswith("</code>")
        assert "<" not in code[len("<code>") : -len("</code>")]
        assert html.unescape(code[len("<code>") : -len("</code>")]) == shown


def summary_records() -> list[dict[str, Any]]:
    records = failing(len(HOSTILE))
    for record, text in zip(records, HOSTILE, strict=True):
        record.update(nodeid=f"c.jsonl::{text}", verdict=text, scores={"faithfulness": 0.1})
    return records


def test_a_job_summary_of_hostile_text_keeps_its_tables_and_shows_no_markup() -> None:
    decided = {
        "decision": {"passed": False, "blocked_by": ["1 case below a threshold"]},
        "notices": [],
        "accepted": [
            {
                "nodeid": f"c.jsonl::{t}",
                "changes": [{"metric": t, "base": 0.5, "now": 0.4}],
                "reproduced": True,
            }
            for t in HOSTILE
        ],
        "known_failures_added": [
            {
                "nodeid": f"c.jsonl::{t}",
                "checks": [t],
                "findings": [t],
                "recorded_in": "baseline",
                "worst": {"metric": t, "base": 1.0, "now": 0.5},
            }
            for t in HOSTILE
        ],
        "removed": [
            {"nodeid": f"c.jsonl::{t}", "ran": True, "worst": {"metric": t, "base": 1, "now": 0}}
            for t in HOSTILE
        ],
        "drops": [
            {
                "nodeid": f"c.jsonl::{t}",
                "metric": t,
                "baseline": 1.0,
                "now": 0.5,
                "delta": -0.5,
                "blocking": False,
            }
            for t in HOSTILE
        ],
    }
    text = job_summary.step_summary(
        summary_records(), [], None, decided, counts=suite.counts_of(summary_records())
    )
    lines = text.split("\n")
    assert text.splitlines() == text.removesuffix("\n").split("\n")  # no CR, NEL, U+2028
    assert "<" not in outside_code(text)
    widths = []
    for line in lines:
        if line.startswith("|"):
            widths.append(len(cells(line)))
        elif widths:
            assert len(set(widths)) == 1, widths  # each table: one width for every row
            widths = []
    assert [line for line in lines if line.startswith("#")] == ["## summgate: blocked"]
    cmarkgfm = pytest.importorskip("cmarkgfm")
    rendered = cmarkgfm.github_flavored_markdown_to_html(text)
    assert re.findall(r"<(a|img|script|h1|h3|em|del|blockquote|math)\b", rendered) == []
    assert rendered.count("<h2>") == 1
    assert re.findall("<strong>(.*?)</strong>", rendered) == [
        "Blocked by:",
        "Accepted in this pull request",
        "Known failures added in this pull request",
        "Removed from the baseline in this pull request",
        "Drops against the baseline",
    ]


def test_a_huge_suites_job_summary_lists_thirty_and_counts_the_rest() -> None:
    text = job_summary.step_summary(
        failing(20_000), [], None, counts=suite.counts_of(failing(20_000))
    )
    assert len(text.encode()) < job_summary.SUMMARY_BUDGET
    assert "\n... and 19970 more failing cases." in text


def test_a_job_summary_past_githubs_limit_is_cut_with_a_note() -> None:
    heavy = "\U000e0041" * 500  # 4 bytes each, written as 11 characters: \\U000e0041
    records = [
        {**r, "nodeid": f"c.jsonl::{heavy}{i}", "verdict": heavy, "reason": heavy}
        for i, r in enumerate(failing(30))
    ]
    decided = {
        "decision": {"passed": False, "blocked_by": ["30 cases below a threshold"]},
        "notices": [],
        "accepted": [
            {
                "nodeid": f"c.jsonl::{heavy}{i}",
                "reproduced": None,
                "changes": [{"metric": f"{heavy}{m}", "base": 0.5, "now": 0.4} for m in range(20)],
            }
            for i in range(30)
        ],
        "drops": [],
    }
    whole = job_summary.step_summary(
        records, [], None, decided, max_bytes=10**9, counts=suite.counts_of(records)
    )
    assert len(whole.encode()) > job_summary.SUMMARY_LIMIT  # the case this test is about
    text = job_summary.step_summary(records, [], None, decided, counts=suite.counts_of(records))
    assert len(text.encode()) <= job_summary.SUMMARY_BUDGET
    assert text.startswith("## summgate: blocked\n")
    cut = r"\n\.\.\. \d+ more rows cut: the job summary stays under GitHub's 1 MiB limit"
    assert re.search(cut, text)
    # The pull request's changes come first; the failing cases get their share first.
    changes = text.split("**Accepted in this pull request**")[1]
    accepted, failures = changes.split("| case | verdict")
    assert failures.count("| `c.jsonl::") == 30  # every failing case
    assert 0 < accepted.count("| `c.jsonl::") < 600


@given(st.integers(300, 60_000), st.sampled_from([5, 30]))
def test_the_job_summary_never_exceeds_its_budget(budget: int, n: int) -> None:
    records = summary_records()[:n]
    text = job_summary.step_summary(
        records, [], None, max_bytes=budget, counts=suite.counts_of(records)
    )
    assert len(text.encode("utf-8")) <= budget
    assert text.startswith("## summgate: blocked")


def test_the_budget_leaves_out_what_the_step_wrote_before(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    assert job_summary.summary_budget(summary) == job_summary.SUMMARY_BUDGET
    summary.write_text("x" * 1000, encoding="utf-8")
    assert job_summary.summary_budget(summary) == job_summary.SUMMARY_BUDGET - 1000


# -- a run on GitHub ---------------------------------------------------------------------------


@pytest.fixture
def on_github(gate: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("CI", "BUILD_NUMBER", "PYTEST_XDIST_WORKER", *GITHUB_ENV):
        monkeypatch.delenv(name, raising=False)
    summary = gate.path / "step_summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(gate.path))
    return summary


# Ids the gate accepts that are Markdown or HTML; summaries that are everything above (every
# word new to the article: each fails, and its failure quotes it).
IDS = ["a|b", "x`y``z", "<script>alert(1)</script>", "[link](http://x)", "# heading", "*em*"]


def test_a_hostile_run_on_github_forges_nothing(gate: pytest.Pytester, on_github: Path) -> None:
    rows = [
        case(id=IDS[i % len(IDS)] + str(i), summary=f"Zeppelins {text} hovered.")
        for i, text in enumerate(HOSTILE)
        if "\ud800" not in text  # a lone surrogate in a summary is the case's error (class 2)
    ]
    rows += [case(id="bad\nid"), case(id="\x1b[31mred")]  # ids that are the case's error
    gate.path.joinpath("cases.jsonl").write_text(jsonl(*rows), encoding="utf-8")
    gate.runpytest_subprocess("--summgate", "-p", "no:cacheprovider", "--summgate-report=r.json")
    raw = gate.path.joinpath("stdout").read_text(encoding="utf-8", errors="surrogateescape")
    raw += gate.path.joinpath("stderr").read_text(encoding="utf-8", errors="surrogateescape")
    assert "::error file=cases.jsonl" in raw  # the run ran, on GitHub
    commands = [line for line in runner_lines(raw) if runner_command(line)]
    assert all(OURS.fullmatch(line) for line in commands), commands
    assert len(commands) == ci_outputs.ANNOTATIONS_PER_STEP  # nine cases and the count line
    assert [c for c in raw if unshowable(c) and c != "\n"] == []
    # The job summary: one heading, tables of one width, no user HTML.
    text = on_github.read_text(encoding="utf-8")
    assert "<" not in outside_code(text)
    assert text.splitlines() == text.removesuffix("\n").split("\n")
    assert [line for line in text.splitlines() if line.startswith("#")] == ["## summgate: blocked"]
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert {len(cells(line)) for line in table} == {3, 4}  # the cases', the checks'
    assert sum(len(cells(line)) == 3 for line in table) == len(rows) + 1
    # The JSON report: ASCII, strict JSON, the schema's, each summary as written.
    report_text = gate.path.joinpath("r.json").read_text(encoding="utf-8")
    assert report_text.isascii()
    report = json.loads(report_text)
    validate(report)
    evidence = [e for c in report["cases"] for lines in c["evidence"].values() for e in lines]
    assert any("\x1b[31mred" in e for e in evidence)  # kept as written, escaped by JSON


def test_a_run_with_many_failures_annotates_nine_and_counts_the_rest(
    gate: pytest.Pytester, on_github: Path
) -> None:
    bad = "Zeppelins hovered above distant marshes, dazzling curious pelicans everywhere."
    gate.makefile(".jsonl", cases=jsonl(*(case(id=f"c{i:02}", summary=bad) for i in range(14))))
    result = gate.runpytest("--summgate")
    result.assert_outcomes(failed=14)
    found = [line for line in result.outlines if line.startswith("::")]
    assert [line.split(",")[0] for line in found[:9]] == ["::error file=cases.jsonl"] * 9
    assert found[9:] == [
        "::warning title=summgate::5 more failing cases not annotated: GitHub shows 10 "
        "annotations of each kind a step; the log, the job summary and the JSON report have "
        "every case"
    ]


# Names pytest prints itself, in its progress, failure headers and short summary.
NAMES = {
    "an id holding ##[": ("cases.jsonl", "##[error]forged"),
    "an id with a bidi override": ("cases.jsonl", "\u202eevil"),
    "a file named ::error": ("::error title=forged::x.jsonl", "a"),
    "a file name with a newline": ("c\n::error title=forged::x.jsonl", "a"),
    "a file name with an escape sequence": ("\x1b[31mred.jsonl", "a"),
    "a file name holding ##[": ("x##[error]y.jsonl", "a"),
}


@pytest.mark.parametrize(("file", "case_id"), NAMES.values(), ids=list(NAMES))
def test_names_pytest_prints_itself(
    gate: pytest.Pytester, on_github: Path, file: str, case_id: str
) -> None:
    gate.path.joinpath(file).write_text(jsonl(case(id=case_id)), encoding="utf-8")
    gate.path.joinpath("good.jsonl").write_text(jsonl(case(id="fine")), encoding="utf-8")
    result = gate.runpytest("--summgate", "-v", "-rA", "--continue-on-collection-errors")
    printed = "\n".join(result.outlines)
    commands = [line for line in runner_lines(printed) if runner_command(line)]
    # Only the gate's own annotation of a refused id, with the id escaped inside it.
    for line in commands:
        name, properties, data = parse_command(line)
        assert (name, properties["title"]) == ("error", "summgate: line-1"), line
        assert not [c for c in data if unshowable(c) and c != "\n"], line
    assert [c for c in printed if unshowable(c) and c != "\n"] == []
    # The name is refused (the file or the case is one error), the other file still runs.
    assert "good.jsonl::fine PASSED" in printed
    assert result.ret != 0
    assert "rename the file" in printed or "invalid case" in printed
