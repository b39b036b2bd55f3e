"""Issue 14, classes 1 and 2: input that expands in a message, or raises instead of failing.

Each kind of input is tried in every place a case file can hold it (id, thresholds,
tolerance, texts, metadata, defaults), in YAML and JSONL: the case holding it is that
case's error naming ``path:line`` (or, for YAML that cannot be composed at all, the file's
collection error naming its line), the other cases are still scored, no traceback is
printed, and reading such a file costs work in proportion to its size, counted in Python
steps (an alias bomb's 387 million leaves are never visited).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ARTICLE, GOOD_SUMMARY, LEXICAL_CONFTEST, case, jsonl, python_steps
from pytest_summgate import case_ids, cases, thresholds, yaml_loader
from pytest_summgate.errors import SettingError, quote
from test_plugin import assert_no_traceback

RUN = ("--summgate", "-p", "no:cacheprovider")


def bomb(kind: str, levels: int = 9) -> list[str]:
    """YAML lines (as keys of a case) defining ``&b{levels-1}``, an alias bomb: 9 levels of
    9 shared lists (or mappings) of 9, about 387 million leaves once expanded."""
    if kind == "list":
        first = "  b0: &b0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"
        rest = [f"  b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 9)}]" for i in range(1, levels)]
    else:
        first = "  b0: &b0 {" + ", ".join(f"k{j}: lol" for j in range(9)) + "}"
        rest = [
            f"  b{i}: &b{i} {{" + ", ".join(f"k{j}: *b{i - 1}" for j in range(9)) + "}"
            for i in range(1, levels)
        ]
    return [first, *rest]


def yaml_case(case_id: str | None, *lines: str) -> str:
    """A YAML case with an article (and the id ``case_id``, unless None: ``lines`` give
    one); ``lines`` (SUMMARY: the good summary) follow."""
    lines = tuple(line.replace("SUMMARY", GOOD_SUMMARY) for line in lines)
    head = [f"- id: {case_id}", f"  article: {ARTICLE}"]
    if case_id is None:
        head = [f"- article: {ARTICLE}"]
    return "\n".join([*head, *lines, ""])


def run_gate(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*RUN, *args)


def assert_bounded_output(result: pytest.RunResult) -> None:
    """No traceback, and no line longer than a quoted value could make it."""
    assert_no_traceback(result)
    longest = max(len(line) for line in result.stdout.lines + result.stderr.lines)
    assert longest < 1000, longest


# -- class 1: messages quote a bounded form -------------------------------------------------

# Where a bomb can stand in a case, and what the case's error then says.
BOMB_PLACES = [
    pytest.param(["  id: *B", "  summary: SUMMARY"], "'id' must be text*", id="id"),
    pytest.param(
        ["  summary: SUMMARY", "  thresholds: {faithfulness: *B}"],
        "threshold faithfulness must be a number, not a * of 9 *...",
        id="threshold",
    ),
    pytest.param(
        ["  summary: SUMMARY", "  tolerance: {coverage: *B}"],
        "tolerance: tolerance coverage must be a number, not a * of 9 *...",
        id="tolerance",
    ),
    pytest.param(["  summary: SUMMARY", "  thresholds: *B"], "*threshold*", id="rules"),
    pytest.param(["  summary: *B"], "'summary' must be text, got a *", id="summary"),
    pytest.param(["  summary: SUMMARY", "  highlights: *B"], "'highlights' must be*", id="hl"),
    pytest.param(["  summary: SUMMARY", "  expect: *B"], "'expect' must be *...", id="expect"),
]


@pytest.mark.parametrize("kind", ["list", "mapping"])
@pytest.mark.parametrize(("lines", "message"), BOMB_PLACES)
def test_an_alias_bomb_anywhere_in_a_case_is_its_error_in_bounded_time(
    gate: pytest.Pytester, kind: str, lines: list[str], message: str
) -> None:
    defined = bomb(kind)
    body = [line.replace("*B", "*b8") for line in lines]
    # A key written twice is an error of its own (class 8): the bomb is the case's only id.
    case_id = None if any(line.startswith("  id:") for line in body) else "bombed"
    content = yaml_case(case_id, *defined, *body) + yaml_case("good", "  summary: SUMMARY")
    gate.path.joinpath("c.yaml").write_text(content, encoding="utf-8")
    collected = run_gate(gate, "--collect-only", "-q")
    assert collected.ret == pytest.ExitCode.OK
    result = run_gate(gate)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([f"invalid case: {message}", "  c.yaml:1"])
    assert_bounded_output(result)


def read_steps(tmp_path: Path, content: str) -> int:
    """Python steps to read a case file of ``content`` (parse, compose, check every row)."""
    path = tmp_path / "c.yaml"
    path.write_text(content, encoding="utf-8")
    return python_steps(lambda: cases.load(path, "c.yaml", {}))


@pytest.mark.parametrize("kind", ["list", "mapping"])
@pytest.mark.parametrize(
    "lines",
    [*(place.values[0] for place in BOMB_PLACES), ["  summary: SUMMARY", "  meta: *B"]],
    ids=[*(str(place.id) for place in BOMB_PLACES), "metadata"],
)
def test_an_alias_bomb_is_read_in_steps_linear_in_its_lines(
    tmp_path: Path, kind: str, lines: list[str]
) -> None:
    def bombed(levels: int) -> str:
        body = [line.replace("*B", f"*b{levels - 1}") for line in lines]
        case_id = None if any(line.startswith("  id:") for line in body) else "bombed"
        return yaml_case(case_id, *bomb(kind, levels), *body)

    read_steps(tmp_path, bombed(3))
    # Nine levels have 9 ** 4 = 6,561 times the leaves of five, and under twice the lines.
    assert read_steps(tmp_path, bombed(9)) < 3 * read_steps(tmp_path, bombed(5))


@pytest.mark.parametrize(
    ("defaults", "message"),
    [
        ("  thresholds: {faithfulness: *b8}", "threshold faithfulness must be a number, not a*"),
        ("  thresholds: *b8", "in defaults: *"),
        ("  tolerance: {rouge1: *b8}", "tolerance: tolerance rouge1 must be a number, not a*"),
    ],
)
def test_an_alias_bomb_in_defaults_is_an_error_in_bounded_time(
    gate: pytest.Pytester, defaults: str, message: str
) -> None:
    content = "\n".join(
        ["defaults:", *(line.replace("  b", "  x_b") for line in bomb("list")), defaults]
    ).replace("&x_b", "&b")
    content += f"\ncases:\n  - id: a\n    article: {ARTICLE}\n    summary: {GOOD_SUMMARY}\n"
    gate.path.joinpath("c.yaml").write_text(content, encoding="utf-8")
    result = run_gate(gate)
    assert result.ret != pytest.ExitCode.OK
    result.stdout.fnmatch_lines([f"*{message}*"])
    assert_bounded_output(result)


def test_a_self_referring_value_is_an_error_not_a_hang(gate: pytest.Pytester) -> None:
    content = yaml_case("loop", "  summary: SUMMARY", "  meta: &m [1, *m]") + yaml_case(
        "loop2", "  summary: SUMMARY", "  thresholds: {coverage: &n [*n]}"
    )
    content += yaml_case("good", "  summary: SUMMARY")
    gate.path.joinpath("c.yaml").write_text(content, encoding="utf-8")
    result = run_gate(gate)
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(["invalid case: a YAML alias refers to a value that holds it*"])
    assert_bounded_output(result)


# Values a message may have to quote: expanding, self-referring, very deep, very long.
def _deep(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels):
        value = [value]
    return value


def _shared(levels: int) -> list[Any]:
    value: list[Any] = ["lol"] * 9
    for _ in range(levels):
        value = [value] * 9
    return value


def _cycle() -> dict[str, Any]:
    value: dict[str, Any] = {}
    value["self"] = [value]
    return value


class Hostile:
    def __repr__(self) -> str:
        raise RuntimeError("repr must not be called")


# At most a few thousand Python steps (the deepest value takes about 4,600): visiting a
# million items, or every level of a 100,000-deep list, would take hundreds of thousands.
QUOTE_STEPS = 20_000


@pytest.mark.parametrize(
    "value",
    [
        _shared(9),
        _shared(30),
        _cycle(),
        _deep(100_000),
        10**5000,
        -(10**400),
        "x" * 10_000_000,
        b"\xff" * 1_000_000,
        "\ud800\x1b[31m\n",
        {"k" * 1000: _shared(9)},
        {frozenset(range(10**5))},
        tuple(range(10**6)),
        Hostile(),
    ],
    ids=[
        "bomb",
        "bomb30",
        "cycle",
        "deep",
        "int5000",
        "int400",
        "str",
        "bytes",
        "escapes",
        "dict",
        "set",
        "tuple",
        "hostile-repr",
    ],
)
def test_quote_is_bounded_whatever_it_is_given(value: object) -> None:
    # A bounded number of steps, whatever the value's size: a million items are not visited.
    shown = quote(value)
    assert python_steps(lambda: quote(value)) < QUOTE_STEPS
    assert len(shown) < 120, shown
    assert shown.isprintable(), shown  # no raw control characters or surrogates


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("high", "'high'"),
        ([0.5], "[0.5]"),
        ({"a": 1}, "{'a': 1}"),
        (12, "12"),
        (None, "None"),
        (10**100, "a whole number of 101 digits"),
        ("x" * 100, "'" + "x" * 60 + "'... (100 characters)"),
        (
            _shared(2),
            "a list of 9 items: [[['lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', '...",
        ),
    ],
)
def test_quote_reads_like_repr_when_that_is_short(value: object, shown: str) -> None:
    assert quote(value) == shown


@pytest.mark.parametrize("name", ["faithfulness", "min_words", "coverage"])
@pytest.mark.parametrize(
    "value",
    [_shared(9), _cycle(), 10**400, 10**5000, "9" * 10**6],
    ids=["bomb", "cycle", "int400", "int5000", "str"],
)
def test_threshold_errors_quote_a_bounded_form(name: str, value: object) -> None:
    with pytest.raises(SettingError) as raised:
        thresholds.parse_value(name, value)
    assert len(str(raised.value)) < 200


# -- class 2: deep nesting ------------------------------------------------------------------


@pytest.mark.parametrize("levels", [150, 1_000, 5_000, 100_000])
@pytest.mark.parametrize("field", ["summary", "meta", "id", "thresholds"])
def test_a_jsonl_line_nested_deeply_is_that_lines_error(
    gate: pytest.Pytester, levels: int, field: str
) -> None:
    deep = "[" * levels + "]" * levels
    bad = json.dumps(case(id="deep")).replace('"id": "deep"', f'"id": "deep", "{field}": {deep}')
    gate.makefile(".jsonl", c=jsonl(case(id="a")) + bad + "\n" + jsonl(case(id="b")))
    result = run_gate(gate)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["invalid case: *nested more than 100 levels deep*", "  c.jsonl:2"])
    assert_bounded_output(result)


@pytest.mark.parametrize("levels", [98, 50])
def test_nested_metadata_within_the_bound_is_kept(gate: pytest.Pytester, levels: int) -> None:
    deep: Any = "leaf"
    for _ in range(levels):
        deep = {"k": deep}
    gate.makefile(".jsonl", c=jsonl(case(id="a", meta=deep)))
    run_gate(gate).assert_outcomes(passed=1)


@pytest.mark.parametrize("opening", ["[", "{a: "])
@pytest.mark.parametrize("levels", [200, 5_000])
def test_yaml_nested_deeply_is_a_collection_error_naming_its_line(
    gate: pytest.Pytester, opening: str, levels: int
) -> None:
    closing = "]" if opening == "[" else "}"
    content = yaml_case("good", "  summary: SUMMARY")
    content += yaml_case(
        "deep", "  summary: SUMMARY", f"  meta: {opening * levels}1{closing * levels}"
    )
    gate.path.joinpath("c.yaml").write_text(content, encoding="utf-8")
    result = run_gate(gate)
    assert result.ret == pytest.ExitCode.INTERRUPTED  # a collection error
    result.stdout.fnmatch_lines(["*c.yaml:7: invalid YAML: nested more than 100 levels deep*"])
    assert_bounded_output(result)


@pytest.mark.parametrize("anchors", [101, 150, 3_000])
def test_yaml_nested_deeply_through_aliases_is_that_cases_error(
    gate: pytest.Pytester, anchors: int
) -> None:
    # Each anchor holds the one before: shallow as written, `anchors` levels deep as data.
    chain = ["  n0: &n0 [x]"] + [f"  n{i}: &n{i} [*n{i - 1}]" for i in range(1, anchors)]
    content = yaml_case("chained", "  summary: SUMMARY", *chain)
    content += yaml_case("good", "  summary: SUMMARY")
    gate.path.joinpath("c.yaml").write_text(content, encoding="utf-8")
    result = run_gate(gate)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["invalid case: nested more than 100 levels deep", "  c.yaml:1"])


# -- class 2: whole numbers too large to convert -------------------------------------------

LONG = {"400": "9" * 400, "5000": "9" * 5000, "-4400": "-" + "1" * 4400}

# What a case with a 400-digit number says (None: it passes); a number over Python's limit
# of 4,300 digits is "a whole number of N digits, too long to read" wherever it stands.
NUMBER_PLACES = [
    pytest.param("id", None, id="id"),
    pytest.param("summary", "'summary' must be text, got a int", id="summary"),
    pytest.param(
        "thresholds",
        "threshold faithfulness must be a finite number, not a whole number of 400 digits",
        id="threshold",
    ),
    pytest.param(
        "tolerance",
        "tolerance: tolerance faithfulness must be 0 or more, not a whole number of 400 digits",
        id="tolerance",
    ),
    pytest.param("meta", None, id="metadata"),
]


def _with_number(field: str, digits: str, fmt: str) -> str:
    """A case whose ``field`` is the number ``digits`` (a threshold's or tolerance's value,
    for those), in ``fmt``."""
    value = f'{{"faithfulness": {digits}}}' if field in ("thresholds", "tolerance") else digits
    row = {"id": '"n"', "article": json.dumps(ARTICLE), "summary": json.dumps(GOOD_SUMMARY)}
    row[field] = value
    if fmt == "jsonl":
        return "{" + ", ".join(f'"{key}": {text}' for key, text in row.items()) + "}\n"
    return "- " + "\n  ".join(f"{key}: {text}" for key, text in row.items()) + "\n"


@pytest.mark.parametrize("fmt", ["jsonl", "yaml"])
@pytest.mark.parametrize("size", ["400", "5000", "-4400"])
@pytest.mark.parametrize(("field", "message"), NUMBER_PLACES)
def test_a_very_long_whole_number_is_that_cases_error_or_a_valid_id(
    gate: pytest.Pytester, fmt: str, size: str, field: str, message: str | None
) -> None:
    digits = LONG[size]
    good = jsonl(case(id="good")) if fmt == "jsonl" else yaml_case("good", "  summary: SUMMARY")
    gate.path.joinpath(f"c.{fmt}").write_text(good + _with_number(field, digits, fmt))
    result = run_gate(gate, "--summgate-report=r.json")
    assert_bounded_output(result)
    report = json.loads(gate.path.joinpath("r.json").read_text(encoding="utf-8"))
    assert len(report["cases"]) == 2
    if size != "400":
        message = f"a whole number of {len(digits.lstrip('-'))} digits, too long to read"
    if message is None:
        result.assert_outcomes(passed=2)
        return
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [f"invalid case: {message}", f"  c.{fmt}:{2 if fmt == 'jsonl' else 4}"]
    )


@pytest.mark.parametrize("digits", ["9" * 400, "9" * 5000, "1" + "0" * 309])
def test_a_baseline_score_too_large_is_a_corrupt_baseline(
    gate: pytest.Pytester, digits: str
) -> None:
    gate.makefile(".jsonl", c=jsonl(case(id="a")))
    stored = gate.path / ".summgate" / "baseline.json"
    stored.parent.mkdir()
    stored.write_text(
        '{"version": 1, "model": null, "cases": {"c.jsonl::a": {"content": "x", '
        f'"scores": {{"faithfulness": {digits}}}}}}}}}',
        encoding="utf-8",
    )
    result = run_gate(gate)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: summgate: baseline * is corrupt (*); restore it*"])
    assert_bounded_output(result)


@pytest.mark.parametrize("raw", ["9" * 400, "9" * 5000, '"' + "x" * 5000 + '"'])
def test_a_very_long_prediction_id_is_a_clear_error_or_matches_nothing(
    gate: pytest.Pytester, raw: str
) -> None:
    gate.makefile(".jsonl", c=jsonl({"id": "a", "article": ARTICLE}))
    gate.path.joinpath("p.ndjson").write_text(
        f'{{"id": "a", "summary": "{GOOD_SUMMARY}"}}\n{{"id": {raw}, "summary": "x"}}\n',
        encoding="utf-8",
    )
    result = run_gate(gate, "--summgate-predictions=p.ndjson")
    assert_bounded_output(result)
    if raw.startswith("9" * 5000):
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines(["*p.ndjson:2: missing or invalid 'id': a whole number of*"])
    else:
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(
            ["1 predictions match no case of this run: *... (* characters)"]
        )


# -- class 2: lone surrogates ---------------------------------------------------------------

SURROGATE = "\\ud800"  # as written in the file: the escape of half a character pair


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "summary",
            f'"The council met.{SURROGATE} It voted."',
            "'summary' holds a lone surrogate*",
        ),
        ("article", f'"{SURROGATE}"', "'article' holds a lone surrogate (\\ud800) at character 1*"),
        ("highlights", f'"A {SURROGATE}"', "'highlights' holds a lone surrogate*"),
        ("highlights", '["ok", "\\udfff"]', "'highlights' holds a lone surrogate (\\udfff)*"),
        ("id", f'"case-{SURROGATE}"', "'id' 'case-\\ud800' holds a lone surrogate*"),
        ("id", '"a\\u0000b"', "'id' 'a\\x00b' holds a control character (\\x00)*"),
        ("id", '"two\\nlines"', "'id' 'two\\nlines' holds a control character (\\n)*"),
        ("id", '"sep\\u2028"', "'id' * holds a control character (\\u2028)*"),
    ],
)
@pytest.mark.parametrize("fmt", ["jsonl", "yaml"])
def test_a_lone_surrogate_or_control_character_is_a_case_error_and_the_summary_prints(
    gate: pytest.Pytester, field: str, value: str, message: str, fmt: str
) -> None:
    row = {"id": '"bad"', "article": json.dumps(ARTICLE), "summary": json.dumps(GOOD_SUMMARY)}
    row[field] = value
    if fmt == "jsonl":
        bad = "{" + ", ".join(f'"{k}": {v}' for k, v in row.items()) + "}\n"
        content = jsonl(case(id="good")) + bad
    else:  # YAML's double-quoted scalars take the same escapes
        bad = "- " + "\n  ".join(f"{k}: {v}" for k, v in row.items()) + "\n"
        content = yaml_case("good", "  summary: SUMMARY") + bad
    gate.path.joinpath(f"c.{fmt}").write_text(content, encoding="utf-8")
    result = run_gate(gate, "--summgate-report=r.json", "--summgate-github=on")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([f"invalid case: {message}", "*= summgate =*", "decision: *"])
    assert_bounded_output(result)
    report = json.loads(gate.path.joinpath("r.json").read_text(encoding="utf-8"))
    assert sorted(c["outcome"] for c in report["cases"]) == ["error", "passed"]


def test_a_lone_surrogate_in_a_prediction_is_an_error_naming_its_line(
    gate: pytest.Pytester,
) -> None:
    gate.makefile(".jsonl", c=jsonl({"id": "a", "article": ARTICLE}))
    gate.path.joinpath("p.ndjson").write_text(f'{{"id": "a", "summary": "x{SURROGATE}"}}\n')
    result = gate.runpytest(*RUN, "--summgate-predictions=p.ndjson")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*p.ndjson:1: 'summary' holds a lone surrogate (\\ud800)*"])
    assert_no_traceback(result)


def test_a_lone_surrogate_in_metadata_is_kept_and_harmless(gate: pytest.Pytester) -> None:
    gate.path.joinpath("c.jsonl").write_text(
        json.dumps(case(id="a")).replace("}", f', "note": "{SURROGATE}"}}') + "\n"
    )
    result = gate.runpytest(*RUN, "--summgate-report=r.json", "--summgate-github=on")
    result.assert_outcomes(passed=1)


# -- ids normalised and bounded -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a::b", "a:b"),
        ("b.jsonl:::c", "b.jsonl:c"),
        ("::::", ""),
        (":x", "x"),
        (" : :x", "x"),
        ("x::", "x:"),
        ("  a b  ", "a b"),
        (7, "7"),
        (-(10**20), "-100000000000000000000"),
    ],
)
def test_a_case_id_never_holds_a_node_id_separator_nor_starts_with_a_colon(
    raw: object, expected: str
) -> None:
    assert case_ids.normalized_id(raw, "") == expected


@pytest.mark.parametrize(
    "raw", ["a" * 501, 10**500, -(10**600), "x" * 100_000], ids=["501", "int", "neg", "long"]
)
def test_an_id_over_500_characters_is_that_cases_error(raw: object) -> None:
    case_id, _, problem = case_ids.row_id({"id": raw}, {}, "id")
    assert case_id is None
    assert "ids are at most 500 characters" in problem
    assert len(problem) < 200


def test_the_int_limit_is_pythons(monkeypatch: pytest.MonkeyPatch) -> None:
    # Reading a number never raises, whatever the interpreter's limit.
    monkeypatch.setattr(sys, "get_int_max_str_digits", lambda: 10, raising=False)
    assert isinstance(cases._parse_int("1" * 11), yaml_loader.LongNumber)
    assert cases._parse_int("1" * 10) == 1111111111


@pytest.mark.parametrize(
    ("returned", "problem"),
    [
        ("['A summary.', 'x\\ud800']", "returned text that cannot be scored: the summary at "
         "position 1 of the batch holds a lone surrogate (\\ud800) at character 2*"),
        ("['\\udfff', 'A summary.']", "returned text that cannot be scored: the summary at "
         "position 0 of the batch holds a lone surrogate (\\udfff)*"),
        ("{i: [list(range(10))] * 1000 for i in range(10**4)}",
         "must return a list of 2 summaries, one per case; got a dict of 10000 entries: *..."),
    ],
)  # fmt: skip
def test_a_generate_hook_returning_unscorable_text_is_each_cases_error(
    gate: pytest.Pytester, returned: str, problem: str
) -> None:
    gate.makeconftest(
        LEXICAL_CONFTEST
        + f"\ndef pytest_summgate_generate(cases, config):\n    return {returned}\n"
    )
    gate.makefile(
        ".jsonl", c=jsonl({"id": "a", "article": ARTICLE}, {"id": "b", "article": ARTICLE})
    )
    result = gate.runpytest(*RUN)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines([f"pytest_summgate_generate {problem}", "  c.jsonl:1"])
    result.stdout.fnmatch_lines(["*= summgate =*"])
    assert_bounded_output(result)
