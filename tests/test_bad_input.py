"""Issue 7, bad input: every bad case file gives a clear error naming ``path:line``.

A problem with one case is that case's error, the other cases of the file are still scored,
and the run exits non-zero; a file that cannot be read at all is a collection error. No
traceback either way, and nothing in a file is ever executed. The wiring runs use the
lexical stand-in scorers (the ``gate`` fixture); the last tests need the real model (one
module-scoped engine): a 100,000-word article and summaries in other scripts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import ARTICLE, GOOD_SUMMARY, case, jsonl
from test_plugin import assert_no_traceback

GOOD = json.dumps(case(id="good"))


def run(gate: pytest.Pytester, name: str, content: str | bytes) -> pytest.RunResult:
    data = content.encode() if isinstance(content, str) else content
    gate.path.joinpath(name).write_bytes(data)
    return gate.runpytest("--summgate", "-p", "no:cacheprovider")


def yaml_row(case_id: str, extra: str = "", summary: str = GOOD_SUMMARY) -> str:
    return f"- id: {case_id}\n  article: {ARTICLE}\n  summary: {summary}\n{extra}"


# (file name, content with one good case and bad ones, expected lines, number of errors)
BAD_CASES = [
    pytest.param(
        "c.jsonl",
        GOOD + "\n" + GOOD[:50] + "\n",
        ["invalid case: invalid JSON: Unterminated string*", "  c.jsonl:2"],
        1,
        id="jsonl-truncated-line",
    ),
    pytest.param(
        "c.jsonl",
        GOOD + "\n" + json.dumps({"case": case()}) + "\n",
        ["invalid case: missing 'article'", "  c.jsonl:2"],
        1,
        id="jsonl-wrong-nesting",
    ),
    pytest.param(
        "c.jsonl",
        GOOD + "\n" + json.dumps([case(), case()]) + "\n",
        [
            "invalid case: a case must be a mapping with 'article' and 'summary', got a list",
            "  c.jsonl:2",
        ],
        1,
        id="jsonl-array-instead-of-lines",
    ),
    pytest.param(
        "c.jsonl",
        GOOD + "\n" + json.dumps([case(id="x")], indent=1) + "\n",
        ["invalid case: invalid JSON: Expecting value at column 2", "  c.jsonl:2", "  c.jsonl:7"],
        7,
        id="jsonl-pretty-printed-array",
    ),
    pytest.param(
        "c.jsonl",
        "\n\n" + GOOD + "\n   \n" + json.dumps(case(id="n", summary=7)) + "\n\n",
        ["invalid case: 'summary' must be text, got a int", "  c.jsonl:5"],
        1,
        id="blank-lines-keep-line-numbers",
    ),
    pytest.param(
        "c.jsonl",
        GOOD + "\r\n" + json.dumps(case(id="d", highlights={"a": "b"})) + "\r\n",
        ["invalid case: 'highlights' must be text or a list of texts, got a dict", "  c.jsonl:2"],
        1,
        id="jsonl-crlf-dict-as-highlights",
    ),
    pytest.param(
        "c.jsonl",
        GOOD
        + "\n"
        + jsonl(
            case(id="a", article=" \t\n"),
            case(id="s", summary=""),
            case(id="h", highlights=["", "  "]),
            case(id="h2", highlights="\n"),
        ),
        [
            "invalid case: 'article' is empty",
            "  c.jsonl:2",
            "invalid case: 'summary' is empty",
            "  c.jsonl:3",
            "invalid case: 'highlights' is empty (leave it out to skip coverage checks)",
            "  c.jsonl:4",
            "  c.jsonl:5",
        ],
        4,
        id="empty-and-whitespace-texts",
    ),
    pytest.param(
        "c.jsonl",
        GOOD
        + "\n"
        + jsonl(
            case(id="typo", thresholds={"faithfullness": 0.5}),
            case(id="unknown", thresholds={"bleu": 0.5}),
            case(id="range", thresholds={"coverage": -0.1}),
            case(id="words", thresholds={"max_words": 12.5}),
            case(id="text", thresholds={"faithfulness": "high"}),
            case(id="list", thresholds={"faithfulness": [0.5]}),
        ),
        [
            "invalid case: unknown threshold 'faithfullness' (did you mean 'faithfulness'?)*",
            "invalid case: unknown threshold 'bleu'; known: *",
            "invalid case: threshold coverage must be between 0 and 1, not -0.1",
            "invalid case: threshold max_words must be a whole number of words, not 12.5",
            "invalid case: threshold faithfulness must be a number, not 'high'",
            "invalid case: threshold faithfulness must be a number, not [0.5]",
            *(f"  c.jsonl:{n}" for n in range(2, 8)),
        ],
        6,
        id="thresholds",
    ),
    pytest.param(
        "c.yaml",
        yaml_row("good") + yaml_row("good") + yaml_row("num", summary="42"),
        [
            "invalid case: duplicate id 'good' (first used at c.yaml:1)*",
            "  c.yaml:4",
            "invalid case: 'summary' must be text, got a int",
            "  c.yaml:7",
        ],
        2,
        id="yaml-duplicate-id-number-as-summary",
    ),
    pytest.param(
        "c.yaml",
        # An alias repeats a whole case, id and all; a merge key overrides the id.
        f"- &base\n  id: good\n  article: {ARTICLE}\n  summary: {GOOD_SUMMARY}\n"
        "- <<: *base\n  id: merged\n  summary: Aliens landed.\n- *base\n",
        ["invalid case: duplicate id 'good' (first used at c.yaml:1)*", "  c.yaml:8"],
        1,
        id="yaml-anchors-and-merge-keys",
    ),
]


@pytest.mark.parametrize(("name", "content", "lines", "errors"), BAD_CASES)
def test_a_bad_case_is_its_own_error_and_the_rest_is_scored(
    gate: pytest.Pytester, name: str, content: str, lines: list[str], errors: int
) -> None:
    result = run(gate, name, content)
    outcomes = result.parseoutcomes()
    assert outcomes.get("errors") == errors, result.stdout.str()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) >= 1  # the good case scored
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines_random(lines)
    assert_no_traceback(result)


# (file name, content, the collection error's text)
BAD_FILES = [
    pytest.param(
        "c.yaml",
        yaml_row("a") + f'- {{id: b, article: "{ARTICLE[:40]}',
        "c.yaml:4: invalid YAML: *",
        id="yaml-truncated",
    ),
    pytest.param("c.yaml", "- id: a\n  article: [x\n", "c.yaml:2: invalid YAML: *", id="yaml-open"),
    pytest.param(
        "c.yaml",
        "cases:\n  id: a\n",
        "c.yaml:2: 'cases:' must be a list of cases",
        id="yaml-nesting",
    ),
    pytest.param(
        "c.yaml",
        f"[{json.dumps(case())}]"[:-3],
        "c.yaml:1: invalid YAML: *",
        id="json-in-yaml-truncated",
    ),
    pytest.param(
        "c.jsonl",
        (GOOD + "\n").encode() + '{"summary": "caf\xe9"}\n'.encode("cp1252"),
        "c.jsonl:2: not UTF-8 text (byte 0xe9); save it as UTF-8",
        id="not-utf8",
    ),
    pytest.param(
        "c.yaml",
        yaml_row("a").encode("utf-16"),
        "c.yaml:1: not UTF-8 text (byte 0xff); save it as UTF-8",
        id="utf16",
    ),
    pytest.param(
        "c.yaml",
        yaml_row("a") + "  note: \x00\n",
        "c.yaml:4: invalid YAML: unacceptable char*",
        id="nul",
    ),
    pytest.param(
        "c.yaml",
        "defaults:\n  fields: [summary]\ncases: []\n",
        "c.yaml: in defaults: 'fields' must be a mapping of FIELD: KEY*",
        id="defaults-fields-list",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES)
def test_an_unreadable_file_is_a_collection_error_naming_its_line(
    gate: pytest.Pytester, name: str, content: str | bytes, message: str
) -> None:
    result = run(gate, name, content)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*ERROR collecting {name}*", message])
    assert_no_traceback(result)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\xef\xbb\xbf" + (GOOD + "\n").encode(), id="bom-jsonl"),
        pytest.param(b"\xef\xbb\xbf" + yaml_row("good").encode(), id="bom-yaml"),
        pytest.param(yaml_row("good").replace("\n", "\r\n"), id="crlf-yaml"),
        pytest.param(
            json.dumps(
                case(id="good", article=ARTICLE.replace(". ", ".\u2028")), ensure_ascii=False
            )
            + "\n",
            id="line-separator-inside-a-jsonl-string",
        ),
    ],
)
def test_bom_crlf_and_unicode_line_separators_are_read(
    gate: pytest.Pytester, content: str | bytes
) -> None:
    suffix = (
        ".yaml"
        if (content.decode() if isinstance(content, bytes) else content)
        .lstrip("\ufeff")
        .startswith("-")
        else ".jsonl"
    )
    result = run(gate, f"c{suffix}", content)
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("content", ["", "\n\n", "# no cases yet\n", "cases: []\n"])
def test_an_empty_file_has_no_cases_and_the_run_says_so(
    gate: pytest.Pytester, content: str
) -> None:
    result = run(gate, "c.yaml", content)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED  # non-zero: nothing was checked
    assert_no_traceback(result)


def test_odd_ids_make_working_node_ids(gate: pytest.Pytester) -> None:
    ids = ["a::b", "with space", "ünïcödé-中文-عربي", "a[1]", "a/b", "7"]
    gate.makefile(".jsonl", c=jsonl(*(case(id=i) for i in ids)))
    result = gate.runpytest("--summgate", "--collect-only", "-q")
    collected = [line for line in result.stdout.lines if line.startswith("c.jsonl::")]
    assert collected == [f"c.jsonl::{i.replace('::', ':')}" for i in ids]
    # Each one can be run by its node id, as a CI log or --lf would.
    chosen = gate.runpytest("--summgate", "c.jsonl::ünïcödé-中文-عربي", "c.jsonl::a:b", "-v")
    chosen.assert_outcomes(passed=2)


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch pwned']",
        "!!python/object/apply:subprocess.call [['touch', 'pwned']]",
        "!!python/object/new:os.system ['touch pwned']",
        "!!python/name:os.system",
        "!!python/module:os",
        "!custom 'touch pwned'",
    ],
)
@pytest.mark.parametrize("where", ["file", "case", "field"])
def test_yaml_tags_never_execute_anything(gate: pytest.Pytester, tag: str, where: str) -> None:
    content = {
        "file": f"{tag}\n",
        "case": f"- {tag}\n",
        "field": yaml_row("a", f"  highlights: {tag}\n"),
    }[where]
    result = run(gate, "c.yaml", content)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["c.yaml:*: invalid YAML: could not determine a constructor*"])
    assert not gate.path.joinpath("pwned").exists()
    assert_no_traceback(result)


def test_a_yaml_bomb_loads_in_bounded_time(gate: pytest.Pytester) -> None:
    # Billion laughs: aliases are shared, never expanded, and metadata is not reported.
    levels = ["  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"] + [
        f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9)
    ]
    content = yaml_row("good", "".join(levels))
    result = run(gate, "c.yaml", content)
    result.assert_outcomes(passed=1)
    # Bounded, counted: test_hardening_input reads bombs of 5 and 9 levels in Python steps.


# With the real model: a very long article, and summaries in other scripts.


@pytest.fixture(scope="module")
def engine() -> Any:
    from pytest_summgate.engine import Engine
    from pytest_summgate.settings import Settings

    engine = Engine(Settings())
    engine.check_models()
    return engine


def peak_rss_reset() -> int:
    """Reset the process's peak RSS (Linux) and return the current RSS, in bytes."""
    Path("/proc/self/clear_refs").write_text("5")
    return status_kib("VmRSS") * 1024


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(field)


TOPICS = ["road repairs", "school meals", "water pipes", "library hours", "bus routes",
          "park lighting", "tax records", "housing permits"]  # fmt: skip


@pytest.mark.model
def test_a_100000_word_article_is_read_to_its_end_in_bounded_time_and_memory(
    engine: Any, tmp_path: Path
) -> None:
    from pytest_summgate.cases import Case, load
    from pytest_summgate.text import split_sentences, word_count

    sentences = [
        f"On day {i} the committee for district {i % 97} reviewed {i * 7 % 1000} reports "
        f"about {TOPICS[i % 8]}."
        for i in range(7200)
    ]
    # The one fact the summary states is at the very end, far past the model's input length.
    article = " ".join(sentences) + " In the final session the council approved a new bridge."
    assert word_count(article) >= 100_000
    path = tmp_path / "long.jsonl"
    summary = "The council approved a new bridge in the final session."
    path.write_text(jsonl({"id": "long", "article": article, "summary": summary}))
    (entry,) = load(path, "long.jsonl", {})
    assert isinstance(entry, Case)
    # Bounded work, counted (bench/costs.py times it): the model is asked for each distinct
    # sentence of the article and the summary once, whatever the scorers ask of it.
    asked: list[str] = []
    encode = engine.embedder.encode

    def counted(sentences: list[str]) -> Any:
        asked.extend(sentences)
        return encode(sentences)

    engine.embedder.encode = counted
    before = peak_rss_reset()
    try:
        (result,) = engine.check([entry])
    finally:
        del engine.embedder.encode
    growth = status_kib("VmHWM") * 1024 - before
    print(f"100,000-word article: peak RSS growth {growth / 2**20:.0f} MiB")
    distinct = len(set(split_sentences(article)) | set(split_sentences(summary)))
    assert len(set(asked)) <= distinct + 1  # the article's and the summary's sentences
    assert len(asked) <= 3 * distinct  # each scorer asks once at most
    assert growth < 1.5 * 2**30
    faithfulness = result.scores["faithfulness"]
    assert faithfulness is not None
    assert faithfulness > 0.45, result.metrics["faithfulness"].evidence
    assert result.scores["length"] == 10


OTHER_SCRIPTS = {
    "ru": (
        "Городской совет во вторник утвердил новый бюджет. Расходы на школы и парки "
        "вырастут на десять процентов. Мэр сказал, что план поможет семьям. Оппозиция "
        "заявила, что налоги вырастут в следующем году.",
        "Городской совет утвердил новый бюджет. Расходы на школы и парки вырастут.",
        "Совет утвердил новый бюджет\nРасходы на школы вырастут",
    ),
    "zh": (
        "市议会星期二批准了新的预算。学校和公园的开支将增加百分之十。市长说这个计划将帮助家庭。"
        "反对派说明年税收将会增加。",
        "市议会批准了新的预算。学校和公园的开支将增加。",
        "议会批准新预算\n学校开支将增加",
    ),
    "ar": (
        "وافق مجلس المدينة يوم الثلاثاء على ميزانية جديدة. وسيزيد الإنفاق على المدارس "
        "والحدائق بنسبة عشرة في المئة. وقال رئيس البلدية إن الخطة ستساعد العائلات. "
        "وقالت المعارضة إن الضرائب سترتفع في العام المقبل.",
        "وافق مجلس المدينة على ميزانية جديدة. وسيزيد الإنفاق على المدارس والحدائق.",
        "المجلس يوافق على ميزانية جديدة\nزيادة الإنفاق على المدارس",
    ),
}


@pytest.mark.model
def test_summaries_in_russian_chinese_and_arabic_score_no_silent_zero(
    engine: Any, tmp_path: Path
) -> None:
    from pytest_summgate.cases import Case, load

    path = tmp_path / "scripts.jsonl"
    path.write_text(
        jsonl(*({"id": k, "article": a, "summary": s, "highlights": h}
                for k, (a, s, h) in OTHER_SCRIPTS.items())),
        encoding="utf-8",
    )  # fmt: skip
    entries = load(path, "scripts.jsonl", {})
    assert all(isinstance(e, Case) for e in entries)
    results = engine.check(entries)
    for result in results:
        for name in ("faithfulness", "coverage", "rouge1", "rouge2", "rougeL"):
            value = result.scores[name]
            assert value is not None
            assert value > 0.2, (result.case.id, name, value)
        assert result.scores["length"] >= 8, (result.case.id, result.scores["length"])
