"""Loading case files: YAML lists, YAML with defaults, JSONL, field mapping, and bad input."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conftest import ARTICLE, GOOD_SUMMARY, SEED_ROW, case, jsonl
from pytest_summgate.cases import Case, Entry, InvalidCase, load, parse_field_map
from pytest_summgate.errors import CaseFileError, SettingError


def load_text(
    tmp_path: Path, name: str, content: str, fields: dict[str, str] | None = None
) -> list[Entry]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(content), encoding="utf-8")
    return load(path, name, fields or {})


def only_case(entries: list[Entry]) -> Case:
    (entry,) = entries
    assert isinstance(entry, Case), entry
    return entry


def invalid(entries: list[Entry], case_id: str) -> InvalidCase:
    (entry,) = [e for e in entries if e.id == case_id]
    assert isinstance(entry, InvalidCase), entry
    return entry


def test_yaml_list_of_cases(tmp_path: Path) -> None:
    entries = load_text(
        tmp_path,
        "news.yaml",
        """\
        - id: budget
          article: The council approved the budget on Tuesday after a long debate.
          summary: The council approved the budget.
          highlights: [Council approves budget, Debate was long]
          source: city-hall
        - article: Second article text here.
          summary: Second summary.
        """,
    )
    first, second = entries
    assert first == Case(
        id="budget",
        path="news.yaml",
        line=1,
        article="The council approved the budget on Tuesday after a long debate.",
        summary="The council approved the budget.",
        highlights=("Council approves budget", "Debate was long"),
        metadata={"source": "city-hall"},
    )
    assert first.location == "news.yaml:1"
    assert isinstance(second, Case)
    assert (second.id, second.line, second.highlights) == ("line-6", 6, None)


def test_yaml_mapping_with_defaults(tmp_path: Path) -> None:
    entries = load_text(
        tmp_path,
        "news.yml",
        """\
        defaults:
          fields: {summary: candidate}
          thresholds: {coverage: 0.3, max_words: off}
        cases:
          - id: a
            article: The council approved the budget on Tuesday.
            candidate: The council approved the budget.
            thresholds: {faithfulness: 0.9}
        """,
    )
    found = only_case(entries)
    assert found.summary == "The council approved the budget."
    assert found.line == 5
    assert found.file_thresholds == {"coverage": 0.3, "max_words": None}
    assert found.thresholds == {"faithfulness": 0.9}
    assert found.metadata == {}


def test_file_field_mapping_overrides_the_command_line(tmp_path: Path) -> None:
    content = """\
        defaults:
          fields: {summary: model_b}
        cases:
          - {article: Some article text., model_a: Summary A., model_b: Summary B.}
        """
    found = only_case(load_text(tmp_path, "f.yaml", content, {"summary": "model_a"}))
    assert found.summary == "Summary B."
    assert found.metadata == {"model_a": "Summary A."}


def test_jsonl_one_case_per_line_skipping_blank_lines(tmp_path: Path) -> None:
    content = jsonl(case(id="a")) + "\n" + jsonl(case(), case(id=7))
    first, second, third = load_text(tmp_path, "c.jsonl", content)
    assert [(e.id, e.line) for e in (first, second, third)] == [("a", 1), ("line-3", 3), ("7", 4)]


def test_seed_row_loads_with_the_summary_mapped(seed_row: dict[str, Any]) -> None:
    found = only_case(load(SEED_ROW, "seed.jsonl", {"summary": "chatgpt"}))
    assert found.id == seed_row["id"]
    assert found.summary == seed_row["chatgpt"]
    assert found.highlights == seed_row["highlights"]
    assert found.metadata == {}


def test_seed_row_without_mapping_says_which_option_to_use() -> None:
    # Without a summary a case may still get one from a generation hook or predictions, so
    # loading keeps it, with the message the item reports when nothing provides one.
    (entry,) = load(SEED_ROW, "seed.jsonl", {})
    assert isinstance(entry, Case)
    assert entry.summary is None
    assert entry.unsummarized == (
        "missing 'summary'; this case has 'chatgpt': map one with --summgate-field summary=chatgpt"
    )
    assert entry.location == "seed.jsonl:1"


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + jsonl(case(id="a")).encode())
    assert only_case(load(path, "bom.jsonl", {})).id == "a"


@pytest.mark.parametrize("content", ["", "# nothing yet\n", "cases: []\n", "cases:\n"])
def test_empty_yaml_files_have_no_cases(tmp_path: Path, content: str) -> None:
    assert load_text(tmp_path, "empty.yaml", content) == []


@pytest.mark.parametrize(
    ("row", "message"),
    [
        pytest.param({"summary": "S."}, "missing 'article'", id="missing-article"),
        pytest.param(case(summary="  "), "'summary' is empty", id="empty-summary"),
        pytest.param(case(article=3), "'article' must be text, got a int", id="article-number"),
        pytest.param(case(summary=["a"]), "'summary' must be text, got a list", id="summary-list"),
        pytest.param(
            case(highlights=5),
            "'highlights' must be text or a list of texts, got a int",
            id="highlights-number",
        ),
        pytest.param(
            case(highlights=["a", 1]),
            "'highlights' must be text or a list of texts",
            id="highlights-mixed-list",
        ),
        pytest.param(
            case(highlights=" "),
            "'highlights' is empty (leave it out to skip coverage checks)",
            id="highlights-empty",
        ),
        pytest.param(
            case(thresholds=[0.5]),
            "'thresholds' must be a mapping of NAME: VALUE",
            id="thresholds-list",
        ),
        pytest.param(
            case(thresholds={"faithfulnes": 0.5}),
            "unknown threshold 'faithfulnes' (did you mean 'faithfulness'?); known: "
            "faithfulness, coverage, rouge1, rouge2, rougeL, min_words, max_words, max_compression",
            id="unknown-threshold",
        ),
        pytest.param(
            case(thresholds={"coverage": 1.5}),
            "threshold coverage must be between 0 and 1, not 1.5",
            id="threshold-out-of-range",
        ),
        pytest.param(
            case(id={"a": 1}),
            "'id' must be text or a whole number, got a dict: {'a': 1}",
            id="id-mapping",
        ),
        pytest.param(
            case(id=1.5), "'id' must be text or a whole number, got a float: 1.5", id="id-float"
        ),
        pytest.param(
            case(id=True), "'id' must be text or a whole number, got a bool: True", id="id-bool"
        ),
        pytest.param(
            ["a", "list"],
            "a case must be a mapping with 'article' and 'summary', got a list",
            id="not-a-mapping",
        ),
    ],
)
def test_a_bad_case_is_invalid_and_the_others_still_load(
    tmp_path: Path, row: Any, message: str
) -> None:
    entries = load_text(tmp_path, "c.jsonl", jsonl(case(id="before")) + json.dumps(row) + "\n")
    before, bad = entries
    assert isinstance(before, Case)
    assert isinstance(bad, InvalidCase)
    assert bad.message == message
    assert bad.location == "c.jsonl:2"


def test_a_mapped_field_is_named_with_its_key(tmp_path: Path) -> None:
    entries = load_text(tmp_path, "c.jsonl", jsonl({"article": ARTICLE}), {"summary": "chatgpt"})
    (entry,) = entries
    assert isinstance(entry, Case)
    assert entry.unsummarized == "missing 'summary' (read from 'chatgpt')"


def test_duplicate_id_points_at_the_first_use(tmp_path: Path) -> None:
    entries = load_text(
        tmp_path,
        "dup.yaml",
        f"""\
        - {{id: same, article: {ARTICLE}, summary: {GOOD_SUMMARY}}}
        - {{id: other, article: {ARTICLE}, summary: {GOOD_SUMMARY}}}
        - {{id: same, article: {ARTICLE}, summary: {GOOD_SUMMARY}}}
        """,
    )
    first, other, dup = entries
    assert isinstance(first, Case)
    assert isinstance(other, Case)
    assert isinstance(dup, InvalidCase)
    assert dup.message == (
        "duplicate id 'same' (first used at dup.yaml:1); ids must be unique within a file"
    )
    assert dup.line == 3


def test_ids_cannot_break_the_node_id(tmp_path: Path) -> None:
    found = only_case(load_text(tmp_path, "c.jsonl", jsonl(case(id="a::b"))))
    assert found.id == "a:b"


def test_invalid_json_line_is_that_case_only(tmp_path: Path) -> None:
    entries = load_text(tmp_path, "c.jsonl", jsonl(case(id="ok")) + "{not json\n")
    assert isinstance(entries[0], Case)
    bad = invalid(entries, "line-2")
    assert bad.message.startswith("invalid JSON: ")
    assert bad.location == "c.jsonl:2"


def test_yaml_off_switches_a_threshold_off(tmp_path: Path) -> None:
    # YAML 1.1 reads a bare off as the boolean false; the loader knows it was written "off".
    content = f"- {{article: {ARTICLE}, summary: {GOOD_SUMMARY}, thresholds: {{max_words: off}}}}"
    assert only_case(load_text(tmp_path, "c.yaml", content)).thresholds == {"max_words": None}


@pytest.mark.parametrize("written", ["no", "false"])
def test_yaml_no_and_false_do_not_switch_a_threshold_off(tmp_path: Path, written: str) -> None:
    # Also the boolean false to YAML 1.1, but not the word the README gives for off.
    rules = f"thresholds: {{max_words: {written}}}"
    content = f"- {{article: {ARTICLE}, summary: {GOOD_SUMMARY}, {rules}}}"
    (entry,) = load_text(tmp_path, "c.yaml", content)
    assert isinstance(entry, InvalidCase)
    assert entry.message == (
        f"threshold max_words is written '{written}' at c.yaml:1, which YAML 1.1 reads as the "
        "boolean false: write a number, or off"
    )


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        pytest.param(
            "- id: a\n  article: [unclosed\n",
            2,
            "invalid YAML: expected ',' or ']'",
            id="unclosed-flow-sequence",
        ),
        pytest.param(
            "- id: a\n  article: x\n summary: y\n", 3, "invalid YAML: ", id="bad-indentation"
        ),
        pytest.param("- id: a\n  summary: 'open quote\n", 2, "invalid YAML: ", id="unclosed-quote"),
        pytest.param(
            "title: not cases\n",
            1,
            "not a case file: expected a list of cases, or a mapping with 'cases:' and "
            "optional 'defaults:' (unexpected keys: title)",
            id="other-yaml",
        ),
        pytest.param(
            "cases: {a: 1}\n", 1, "'cases:' must be a list of cases", id="cases-not-a-list"
        ),
        pytest.param(
            "just text\n",
            1,
            "not a case file: expected a list of cases or a mapping with 'cases:'",
            id="scalar",
        ),
    ],
)
def test_unreadable_yaml_is_a_file_error_with_its_line(
    tmp_path: Path, content: str, line: int, message: str
) -> None:
    with pytest.raises(CaseFileError) as raised:
        load_text(tmp_path, "bad.yaml", content)
    assert (raised.value.path, raised.value.line) == ("bad.yaml", line)
    assert raised.value.message.startswith(message)
    assert str(raised.value).startswith(f"bad.yaml:{line}: ")


@pytest.mark.parametrize(
    "defaults",
    ["[1, 2]", "{thresholds: {coverag: 0.5}}", "{thresholds: [1]}", "{fields: {bogus: x}}"],
)
def test_bad_defaults_are_a_file_error(tmp_path: Path, defaults: str) -> None:
    with pytest.raises(CaseFileError, match=r"^bad\.yaml"):
        load_text(tmp_path, "bad.yaml", f"defaults: {defaults}\ncases: []\n")


def test_text_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(jsonl(case(id="a")).encode() + '{"article": "caf\xe9"}\n'.encode("latin-1"))
    with pytest.raises(CaseFileError) as raised:
        load(path, "latin1.jsonl", {})
    assert str(raised.value) == "latin1.jsonl:2: not UTF-8 text (byte 0xe9); save it as UTF-8"


def test_parse_field_map() -> None:
    assert parse_field_map(["summary=chatgpt", " highlights = refs "]) == {
        "summary": "chatgpt",
        "highlights": "refs",
    }


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("summary", "expected FIELD=KEY (for example summary=chatgpt), got 'summary'"),
        ("summary=", "expected FIELD=KEY (for example summary=chatgpt), got 'summary='"),
        ("bogus=x", "unknown case field 'bogus'; fields: id, article, summary, highlights"),
    ],
)
def test_parse_field_map_rejects(assignment: str, message: str) -> None:
    with pytest.raises(SettingError) as raised:
        parse_field_map([assignment])
    assert str(raised.value).startswith(message)
