"""Issue 14, classes 7 and 8, for YAML case files: read at libyaml's speed with every guard
kept, and nothing YAML reads silently in a way the file does not say.

Each kind of input is tried in each place a case file can hold it (id, thresholds,
tolerance, defaults, the file's own keys), under libyaml's parser and PyYAML's: the case that
holds it is that case's error naming ``path:line`` (or, for what the whole file depends on, the
file's collection error naming its line), and every other case of the file is read as
written.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import ARTICLE, GOOD_SUMMARY, case, jsonl, python_steps
from pytest_summgate import cases, suite, thresholds, yaml_loader
from pytest_summgate.cases import Case, Entry, InvalidCase
from pytest_summgate.errors import CaseFileError, SettingError
from test_plugin import assert_no_traceback

PARSERS = [pytest.param(True, id="libyaml"), pytest.param(False, id="pyyaml")]
if not yaml_loader.LIBYAML:
    PARSERS = PARSERS[1:]


@pytest.fixture(params=PARSERS)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Each test under libyaml's parser (when installed) and under PyYAML's own."""
    monkeypatch.setattr(yaml_loader, "LIBYAML", request.param)
    libyaml: bool = request.param
    return libyaml


def load(tmp_path: Path, content: str, name: str = "c.yaml") -> list[Entry]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(content), encoding="utf-8")
    return cases.load(path, name, {})


def good(case_id: str) -> str:
    return f"- id: {case_id}\n  article: {ARTICLE}\n  summary: {GOOD_SUMMARY}\n"


def around(middle: str) -> str:
    """A file of a good case, ``middle`` (cases at line 4 on), and another good case."""
    return good("before") + middle + good("after")


def assert_rest_intact(entries: list[Entry], bad: int = 1) -> None:
    """The good cases around the bad one are read as written."""
    first, last = entries[0], entries[-1]
    for entry, case_id in ((first, "before"), (last, "after")):
        assert isinstance(entry, Case), entry
        assert (entry.id, entry.article, entry.summary) == (case_id, ARTICLE, GOOD_SUMMARY)
    assert len(entries) == bad + 2


def the_error(entries: list[Entry]) -> InvalidCase:
    (error,) = [e for e in entries if isinstance(e, InvalidCase)]
    return error


# -- class 7: libyaml's speed, with every guard ---------------------------------------------


def test_libyaml_parses_when_pyyaml_has_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML was built without libyaml")
    assert yaml_loader.LIBYAML

    def no_python_parser(*args: object) -> None:
        raise AssertionError("PyYAML's own parser was used for a file libyaml reads")

    monkeypatch.setattr(yaml_loader, "_PythonLoader", no_python_parser)
    assert isinstance(load(tmp_path, good("a"))[0], Case)


def cases_file(count: int) -> str:
    rows = (
        f"  - id: case-{i}\n    article: {ARTICLE}\n    summary: {GOOD_SUMMARY}\n"
        f"    highlights: [Council approves budget, Money for schools]\n"
        f"    thresholds: {{min_words: 5, max_words: 80}}\n    source: set-{i % 7}\n"
        for i in range(count)
    )
    return "defaults:\n  thresholds: {faithfulness: 0.1}\ncases:\n" + "".join(rows)


def test_a_large_yaml_file_is_read_in_time_linear_in_its_cases(tmp_path: Path) -> None:
    # Counted in Python steps, not timed (how fast, against libyaml's own loader, is measured
    # in the docs' figures; that libyaml parses is tested above).
    if not yaml_loader.LIBYAML:
        pytest.skip("PyYAML was built without libyaml")
    small, large = tmp_path / "small.yaml", tmp_path / "large.yaml"
    small.write_text(cases_file(250), encoding="utf-8")
    large.write_text(cases_file(1_000), encoding="utf-8")
    cases.load(small, "small.yaml", {})
    ratio = python_steps(lambda: cases.load(large, "large.yaml", {})) / python_steps(
        lambda: cases.load(small, "small.yaml", {})
    )
    assert ratio < 5, ratio  # four times the cases, about four times the steps


# YAML the two parsers may read differently; both readings must be the same.
CORPUS = [
    good("a") + good("b"),
    "defaults: &d\n  article: shared\ncases:\n  - &base {id: a, summary: s}\n  - *base\n",
    "- {id: a, <<: {article: x, summary: y}, summary: z}\n",
    '- id: "\\ud800"\n  article: x\n  summary: "\\U0001F600 \\x41 \\t"\n',
    "- id: a\n  article: |\n    two\n    lines\n  summary: >-\n    folded\n    text\n",
    "- id: 010\n  article: x\n  summary: y\n  thresholds: {max_words: 0x10, coverage: 1_0}\n",
    "- id: a\n  article: x\n  summary: y\n  when: 2024-01-01\n  ok: yes\n  n: ~\n",
    "- id: a\n  article: x\n  summary: y\n  summary: z\n",
    "- id: a\n\tarticle: x\n",
    "- id: a\n  article: x\x00\n",
    "- id: a\n  article: !!python/object:os.system x\n",
    "- [" * 5_000 + "]" * 5_000 + "\n",
    "- id: a\n  article: 'unclosed\n",
    "%YAML 1.1\n---\n- id: a\n  article: x\n  summary: y\n",
    "- id: a\n---\n- id: b\n",
    "- &a [*a]\n",
    "- id: " + "9" * 5_000 + "\n  article: x\n  summary: y\n",
    "- {id: a, article: x, summary: y, ? [complex]: key}\n",
    "- id: a\n  article: x\n  summary: y\n  : empty key\n",
]


def read(text: str, libyaml: bool) -> tuple[str, object]:
    try:
        document = yaml_loader.read(text, "c.yaml", libyaml=libyaml)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return "error", (type(error).__name__, getattr(error, "problem", None), mark and mark.line)
    written = sorted(
        (w.text, w.line, w.kind) for values in document.written.values() for w in values.values()
    )
    return "read", (repr(document.data), sorted(document.alias_lines.values()), written)


@pytest.mark.parametrize("text", CORPUS)
def test_both_parsers_read_a_file_alike(text: str) -> None:
    if not yaml_loader.LIBYAML:
        pytest.skip("PyYAML was built without libyaml")
    assert read(text, libyaml=True) == read(text, libyaml=False)


def deep(levels: int) -> str:
    return good("a") + "- " + "[" * levels + "]" * levels + "\n"


@pytest.mark.parametrize("levels", [103, 5_000, 200_000])
def test_deep_nesting_is_a_collection_error_naming_its_line(
    tmp_path: Path, parser: bool, levels: int
) -> None:
    with pytest.raises(CaseFileError) as raised:
        load(tmp_path, deep(levels))
    assert raised.value.line == 4
    assert "nested more than 100 levels deep" in raised.value.message


@pytest.mark.parametrize("levels", [5_000, 200_000])
def test_deep_nesting_is_refused_having_read_a_bounded_part_of_it(
    tmp_path: Path, parser: bool, levels: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A size, not a time: how far PyYAML's reader got (libyaml's parser, in C, refuses such
    # nesting itself, and the file is then read by PyYAML's, which stops at the limit).
    loaders: list[object] = []
    real = yaml_loader._read

    def reading(loader: Any) -> yaml_loader.Document:
        loaders.append(loader)
        return real(loader)

    monkeypatch.setattr(yaml_loader, "_read", reading)
    with pytest.raises(CaseFileError):
        load(tmp_path, deep(levels))
    read = [loader.index for loader in loaders if isinstance(loader, yaml.reader.Reader)]
    # The cases before it, 101 levels and PyYAML's look-ahead of 1,024 characters for a key.
    assert read
    assert max(read) < len(good("a")) + 101 + 1_024 + 10


def test_an_alias_case_stands_at_its_own_line(tmp_path: Path, parser: bool) -> None:
    entries = load(
        tmp_path,
        f"cases:\n  - &base {{id: a, article: {ARTICLE}, summary: {GOOD_SUMMARY}}}\n  - *base\n",
    )
    assert [(e.id, e.line) for e in entries] == [("a", 2), ("line-3", 3)]


def test_a_lone_surrogate_escape_is_that_cases_error(tmp_path: Path, parser: bool) -> None:
    # libyaml refuses the escape; the file is read again by PyYAML's parser, as before.
    entries = load(tmp_path, around(f'- id: odd\n  article: {ARTICLE}\n  summary: "x\\ud800"\n'))
    assert_rest_intact(entries)
    assert "lone surrogate" in the_error(entries).message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- id: a\n  article: !!python/object/apply:os.system [ls]\n", "could not determine"),
        ("- id: a\n  article: x\x00\n", "special characters are not allowed"),
        ("- id: a\n  summary: 'open\n", "found unexpected end of stream"),
    ],
)
def test_what_pyyaml_refuses_is_refused_with_its_message(
    tmp_path: Path, parser: bool, text: str, message: str
) -> None:
    with pytest.raises(CaseFileError) as raised:
        load(tmp_path, text)
    assert message in raised.value.message
    assert raised.value.line is not None


# -- class 8: duplicate keys ----------------------------------------------------------------

# Lines added to a case (its lines 4 to 6), the key they repeat as quoted, and its line.
DUPLICATES = [
    pytest.param("  summary: other\n", "'summary'", 7, id="case-key"),
    pytest.param("  id: again\n", "'id'", 7, id="id"),
    pytest.param("  thresholds: {coverage: 0.2, coverage: 0.3}\n", "'coverage'", 7, id="threshold"),
    pytest.param("  tolerance:\n    rouge1: 0.1\n    rouge1: 0.2\n", "'rouge1'", 9, id="tolerance"),
    pytest.param("  meta: {a: {b: 1, b: 2}}\n", "'b'", 7, id="nested-metadata"),
    pytest.param("  1: x\n  1.0: y\n", "1.0", 8, id="equal-numbers"),
    pytest.param("  yes: x\n  true: y\n", "True", 8, id="equal-booleans"),
]


@pytest.mark.parametrize(("extra", "key", "line"), DUPLICATES)
def test_a_key_written_twice_in_a_case_is_that_cases_error(
    tmp_path: Path, parser: bool, extra: str, key: str, line: int
) -> None:
    entries = load(tmp_path, around(good("twice") + extra))
    assert_rest_intact(entries)
    error = the_error(entries)
    assert error.location == "c.yaml:4"
    assert error.message.startswith(f"duplicate key {key} at c.yaml:{line} (first at line ")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("cases: []\ncases:\n" + good("a"), 2, "duplicate key 'cases' at c.yaml:2"),
        ("defaults: {}\ncases: []\ndefaults: {}\n", 3, "duplicate key 'defaults' at c.yaml:3"),
        (
            "defaults:\n  thresholds: {coverage: 0.2}\n  thresholds: {coverage: 0.3}\ncases: []\n",
            None,
            "in defaults: duplicate key 'thresholds' at c.yaml:3 (first at line 2)",
        ),
        (
            "defaults:\n  fields: {summary: a, summary: b}\ncases: []\n",
            None,
            "in defaults: duplicate key 'summary' at c.yaml:2",
        ),
    ],
)
def test_a_key_written_twice_in_what_every_case_uses_is_the_files_error(
    tmp_path: Path, parser: bool, text: str, line: int | None, message: str
) -> None:
    with pytest.raises(CaseFileError) as raised:
        load(tmp_path, text)
    assert raised.value.line == line
    assert raised.value.message.startswith(message)


def test_merging_a_mapping_is_no_duplicate(tmp_path: Path, parser: bool) -> None:
    # "<<: *base" then a key of base is YAML's way of overriding: no duplicate.
    entries = load(
        tmp_path,
        f"- &base {{id: a, article: {ARTICLE}, summary: {GOOD_SUMMARY}}}\n"
        "- <<: *base\n  id: b\n  summary: Another summary of the budget vote.\n",
    )
    assert [type(e) for e in entries] == [Case, Case]
    second = entries[1]
    assert isinstance(second, Case)
    assert second.summary == "Another summary of the budget vote."


KEYS = ["id", "article", "summary", "highlights", "thresholds", "tolerance", "source", "meta"]


@settings(max_examples=settings().max_examples * 2, deadline=None)
@given(st.permutations(KEYS), st.sampled_from(KEYS), st.booleans())
def test_any_key_of_a_case_written_twice_is_found(
    order: list[str], twice: str, libyaml: bool
) -> None:
    values = {
        "id": "x",
        "article": ARTICLE,
        "summary": GOOD_SUMMARY,
        "highlights": "[one]",
        "thresholds": "{coverage: 0.2}",
        "tolerance": "{coverage: 0.1}",
        "source": "s",
        "meta": "{a: 1}",
    }
    lines = [f"  {key}: {values[key]}" for key in order]
    at = order.index(twice)
    lines.insert(at + 1, f"  {twice}: {values[twice]}")
    text = "- " + "\n".join(lines)[2:] + "\n"
    document = yaml_loader.read(text, "c.yaml", libyaml=libyaml)
    (row,) = document.data
    duplicate = row[twice]
    assert isinstance(duplicate, yaml_loader.DuplicateKey)
    assert f"at c.yaml:{at + 2} (first at line {at + 1})" in duplicate.problem


# -- class 8: min_words over max_words ------------------------------------------------------


@pytest.mark.parametrize(
    ("defaults", "own", "message"),
    [
        ("{}", "{min_words: 40, max_words: 30}", "(min_words from this case, max_words from"),
        ("{max_words: 30}", "{min_words: 40}", "(min_words from this case, max_words from its"),
        ("{min_words: 40}", "{max_words: 30}", "(min_words from its file defaults, max_words"),
    ],
)
def test_a_minimum_over_the_maximum_of_words_is_that_cases_error(
    tmp_path: Path, parser: bool, defaults: str, own: str, message: str
) -> None:
    text = f"defaults:\n  thresholds: {defaults}\ncases:\n" + textwrap.indent(
        around(good("tight") + f"  thresholds: {own}\n"), "  "
    )
    entries = load(tmp_path, text)
    assert_rest_intact(entries)
    error = the_error(entries)
    assert error.location == "c.yaml:7"
    assert error.message.startswith(
        "thresholds: min_words 40 is more than max_words 30: no summary can pass both"
    )
    assert message in error.message


def test_a_minimum_over_the_maximum_in_defaults_is_the_files_error(
    tmp_path: Path, parser: bool
) -> None:
    with pytest.raises(CaseFileError) as raised:
        load(tmp_path, "defaults:\n  thresholds: {min_words: 9, max_words: 8}\ncases: []\n")
    assert raised.value.message == (
        "in defaults: thresholds: min_words 9 is more than max_words 8: no summary can pass both"
    )


@given(
    st.integers(min_value=0, max_value=500) | st.none(),
    st.integers(min_value=0, max_value=500) | st.none(),
)
def test_bounds_are_refused_exactly_when_no_length_passes(
    low: int | None, high: int | None
) -> None:
    conflict = thresholds.contradiction({"min_words": low, "max_words": high})
    some_length_passes = low is None or high is None or low <= high
    assert bool(conflict) != some_length_passes


def test_switching_a_bound_off_resolves_the_conflict(tmp_path: Path, parser: bool) -> None:
    text = "defaults:\n  thresholds: {min_words: 40}\ncases:\n" + textwrap.indent(
        good("free") + "  thresholds: {min_words: off, max_words: 30}\n", "  "
    )
    (entry,) = load(tmp_path, text)
    assert isinstance(entry, Case)
    assert entry.thresholds == {"min_words": None, "max_words": 30.0}


# -- class 8: one word for off --------------------------------------------------------------

OFF_IN_YAML = ["off", "Off", "OFF", "'off'", '" off "', "~", "null", "Null", ""]
NOT_OFF_IN_YAML = {
    "no": "is written 'no' at c.yaml:8, which YAML 1.1 reads as the boolean false: write a "
    "number, or off",
    "No": "is written 'No' at c.yaml:8, which YAML 1.1 reads as the boolean false",
    "false": "is written 'false' at c.yaml:8, which YAML 1.1 reads as the boolean false",
    "FALSE": "is written 'FALSE' at c.yaml:8",
    "yes": "is written 'yes' at c.yaml:8, which YAML 1.1 reads as the boolean true",
    "on": "is written 'on' at c.yaml:8, which YAML 1.1 reads as the boolean true",
    "''": "must be a number, not '' (to switch it off, write off)",
    '"None"': "must be a number, not 'None' (to switch it off, write off)",
    "none": "must be a number, not 'none' (to switch it off, write off)",
    "None": "must be a number, not 'None' (to switch it off, write off)",
    '"null"': "must be a number, not 'null' (to switch it off, write off)",
    "disabled": "must be a number, not 'disabled' (to switch it off, write off)",
    "n": "must be a number, not 'n'",
}


@pytest.mark.parametrize("written", OFF_IN_YAML)
def test_off_and_null_switch_a_threshold_off(tmp_path: Path, parser: bool, written: str) -> None:
    entries = load(tmp_path, around(good("switch") + f"  thresholds:\n    coverage: {written}\n"))
    assert_rest_intact(entries, bad=1)
    assert isinstance(entries[1], Case)
    assert entries[1].thresholds == {"coverage": None}


@pytest.mark.parametrize(("written", "message"), NOT_OFF_IN_YAML.items())
@pytest.mark.parametrize("where", ["thresholds", "defaults"])
def test_other_words_for_off_are_errors_naming_the_line(
    tmp_path: Path, parser: bool, written: str, message: str, where: str
) -> None:
    if where == "thresholds":
        entries = load(
            tmp_path, around(good("switch") + f"  thresholds:\n    coverage: {written}\n")
        )
        assert_rest_intact(entries)
        error = the_error(entries)
        assert error.location == "c.yaml:4"
        assert error.message.startswith("threshold coverage ")
        assert message in error.message
    else:
        text = f"defaults:\n  thresholds:\n    coverage: {written}\ncases: []\n"
        with pytest.raises(CaseFileError) as raised:
            load(tmp_path, text)
        assert raised.value.message.startswith("in defaults: threshold coverage ")
        assert message.replace("c.yaml:8", "c.yaml:3") in raised.value.message


@pytest.mark.parametrize(
    ("value", "off"),
    [("off", True), ("OFF", True), (None, True), (False, False), ("", False), ("none", False)],
)
def test_jsonl_thresholds_take_off_and_null_only(tmp_path: Path, value: object, off: bool) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(jsonl(case(id="a"), case(id="b", thresholds={"coverage": value})))
    first, second = cases.load(path, "c.jsonl", {})
    assert isinstance(first, Case)
    if off:
        assert isinstance(second, Case)
        assert second.thresholds == {"coverage": None}
    else:
        assert isinstance(second, InvalidCase)
        assert second.location == "c.jsonl:2"
        assert second.message.startswith("threshold coverage must be a number, not ")


@pytest.mark.parametrize(
    ("raw", "off"),
    [("off", True), (" Off ", True), ("none", False), ("", False), ("no", False), ("0", False)],
)
def test_thresholds_and_suite_gates_share_one_word_for_off(raw: str, off: bool) -> None:
    if off:
        assert thresholds.parse_value("coverage", raw) is None
        assert suite.parse_gates({"pass_rate": raw}, "ini") == {"pass_rate": None}
    elif raw == "0":
        assert thresholds.parse_value("coverage", raw) == 0.0
        assert suite.parse_gates({"pass_rate": raw}, "ini") == {"pass_rate": 0.0}
    else:
        with pytest.raises(SettingError, match="must be a number, not"):
            thresholds.parse_value("coverage", raw)
        with pytest.raises(SettingError, match="ini: suite gate pass_rate must be a number, not"):
            suite.parse_gates({"pass_rate": raw}, "ini")


# -- class 8: numbers YAML 1.1 reads otherwise ----------------------------------------------

# Written: (YAML 1.1's reading, as the message says it).
SURPRISES = {
    "010": "the octal number 8",
    "0o10": None,  # text to YAML 1.1: "must be a number"
    "0x10": "the hexadecimal number 16",
    "0b1": "the binary number 1",
    "1_000": "the number 1000",
    "1:30": "the base-60 number 90",
    "1:30.5": "the base-60 number 90.5",
    "0_5.5": "the number 5.5",
    "2024-01-01": "a date (2024-01-01)",
}


@pytest.mark.parametrize(("written", "reading"), SURPRISES.items())
@pytest.mark.parametrize(
    ("place", "name"),
    [("thresholds", "threshold max_words"), ("tolerance", "tolerance: tolerance coverage")],
)
def test_numbers_yaml_reads_otherwise_are_refused_where_written(
    tmp_path: Path, parser: bool, written: str, reading: str | None, place: str, name: str
) -> None:
    key = "max_words" if place == "thresholds" else "coverage"
    entries = load(tmp_path, around(good("odd") + f"  {place}:\n    {key}: {written}\n"))
    assert_rest_intact(entries)
    error = the_error(entries)
    assert error.location == "c.yaml:4"
    assert error.message.startswith(name)
    if reading is None:
        assert "must be a number, not '0o10'" in error.message
    else:
        assert f"is written {written!r} at c.yaml:8, which YAML 1.1 reads as {reading}" in (
            error.message
        )


ID_SURPRISES = {
    **{written: reading for written, reading in SURPRISES.items() if reading},
    "+5": "the number 5",
    "-0": "the number 0",
    "1.50": "the number 1.5",
    "yes": "the boolean true",
}


@pytest.mark.parametrize(("written", "reading"), ID_SURPRISES.items())
def test_an_id_yaml_reads_otherwise_is_refused(
    tmp_path: Path, parser: bool, written: str, reading: str
) -> None:
    entries = load(tmp_path, around(good(written)))
    assert_rest_intact(entries)
    error = the_error(entries)
    assert (error.id, error.location) == ("line-4", "c.yaml:4")
    assert error.message == (
        f"'id' is written {written!r} at c.yaml:4, which YAML 1.1 reads as {reading}: quote it "
        "to keep it as written"
    )


@pytest.mark.parametrize("written", ["yes", "No", "on", "OFF", "true", "False"])
def test_a_boolean_id_is_refused_and_a_quoted_one_kept(
    tmp_path: Path, parser: bool, written: str
) -> None:
    entries = load(tmp_path, around(good(written) + good(f"'{written}'")))
    error = entries[1]
    assert isinstance(error, InvalidCase)
    assert "which YAML 1.1 reads as the boolean" in error.message
    quoted = entries[2]
    assert isinstance(quoted, Case)
    assert quoted.id == written


def render(number: int, form: str) -> str:
    """``number`` as YAML 1.1 reads it in ``form``."""
    if form == "octal":
        return f"0{number:o}"
    if form == "hexadecimal":
        return f"0x{number:x}"
    if form == "binary":
        return f"0b{number:b}"
    if form == "underscores":
        digits = str(number)
        return f"{digits[:1]}_{digits[1:]}" if len(digits) > 1 else f"{digits}_"
    hours, minutes = divmod(number, 60)
    return f"{hours}:{minutes:02d}"


@settings(
    max_examples=settings().max_examples * 3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.integers(min_value=1, max_value=100_000),
    st.sampled_from(["octal", "hexadecimal", "binary", "underscores", "sexagesimal"]),
    st.booleans(),
)
def test_a_bound_is_taken_only_as_written_in_decimal(
    tmp_path: Path, number: int, form: str, libyaml: bool
) -> None:
    written = render(number, form)
    assume(written != str(number) and (form != "sexagesimal" or number >= 60))
    yaml_loader_read = yaml_loader.LIBYAML
    try:
        yaml_loader.LIBYAML = libyaml and yaml_loader_read
        plain = load(tmp_path, good("a") + f"  thresholds: {{max_words: {number}}}\n")
        odd = load(tmp_path, good("a") + f"  thresholds: {{max_words: {written}}}\n")
    finally:
        yaml_loader.LIBYAML = yaml_loader_read
    assert isinstance(plain[0], Case)
    assert plain[0].thresholds == {"max_words": float(number)}
    error = odd[0]
    assert isinstance(error, InvalidCase), (written, error)
    assert f"is written {written!r} at c.yaml:4, which YAML 1.1 reads as " in error.message


@pytest.mark.parametrize(
    ("written", "value"),
    [("0.5", 0.5), ("+0.5", 0.5), (".5", 0.5), ("1.0e-1", 0.1), ("0", 0.0), ("'0.25'", 0.25)],
)
def test_decimal_numbers_are_taken_as_written(
    tmp_path: Path, parser: bool, written: str, value: float
) -> None:
    (entry,) = load(tmp_path, good("a") + f"  thresholds: {{coverage: {written}}}\n")
    assert isinstance(entry, Case)
    assert entry.thresholds == {"coverage": value}


@pytest.mark.parametrize("written", [".inf", "-.inf", ".nan", ".NaN"])
def test_infinities_are_refused(tmp_path: Path, parser: bool, written: str) -> None:
    entries = load(tmp_path, around(good("odd") + f"  thresholds: {{coverage: {written}}}\n"))
    assert_rest_intact(entries)
    assert "threshold coverage must be" in the_error(entries).message


def test_metadata_keeps_yaml_1_1s_reading(tmp_path: Path, parser: bool) -> None:
    # Nothing is judged on metadata: it is kept as any YAML 1.1 reader reads it.
    (entry,) = load(tmp_path, good("a") + "  zip: 010\n  verified: yes\n  at: 1:30\n")
    assert isinstance(entry, Case)
    assert entry.metadata == {"zip": 8, "verified": True, "at": 90}


# -- end to end -----------------------------------------------------------------------------


def test_a_run_reports_each_refusal_at_its_line_and_scores_the_rest(
    gate: pytest.Pytester,
) -> None:
    text = (
        good("first")
        + good("010")
        + good("twice")
        + "  summary: again\n"
        + good("bounds")
        + "  thresholds: {min_words: 50, max_words: 20}\n"
        + good("off-words")
        + "  thresholds: {coverage: no}\n"
        + good("last")
    )
    gate.path.joinpath("c.yaml").write_text(text, encoding="utf-8")
    result = gate.runpytest("--summgate", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=4)
    result.stdout.fnmatch_lines_random(
        [
            "invalid case: 'id' is written '010' at c.yaml:4, which YAML 1.1 reads as the "
            "octal number 8: quote it to keep it as written",
            "invalid case: duplicate key 'summary' at c.yaml:10 (first at line 9)*",
            "invalid case: thresholds: min_words 50 is more than max_words 20*",
            "invalid case: threshold coverage is written 'no' at c.yaml:18, which YAML 1.1 "
            "reads as the boolean false: write a number, or off",
        ]
    )
    assert_no_traceback(result)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
