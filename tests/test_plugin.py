"""The wiring: collection, outcomes, exit codes, option and input errors, junit properties.

Every run here uses the lexical stand-in scorers (the ``gate`` fixture), so no model loads.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from conftest import ARTICLE, BAD_SUMMARY, GOOD_SUMMARY, SEED_ROW, case, jsonl

HIGHLIGHTS = ["The council approved a new budget", "The budget adds money for schools"]


def assert_no_traceback(result: pytest.RunResult) -> None:
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output
    assert not re.search(r"\.py:\d+", output), output


def yaml_case(case_id: str, summary: str = GOOD_SUMMARY, extra: str = "") -> str:
    return textwrap.indent(
        f"- id: {case_id}\n  article: {ARTICLE}\n  summary: {summary}\n{extra}", ""
    )


@pytest.fixture
def news(gate: pytest.Pytester) -> pytest.Pytester:
    """One YAML file with a passing and a failing case, one JSONL file with a passing one."""
    gate.makefile(".yaml", news=yaml_case("good") + yaml_case("bad", BAD_SUMMARY))
    gate.makefile(".jsonl", more=jsonl(case(id="short-one", highlights=HIGHLIGHTS)))
    return gate


def test_without_the_option_case_files_are_left_alone(news: pytest.Pytester) -> None:
    result = news.runpytest()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.assert_outcomes()
    assert "summgate:" not in result.stdout.str()


def test_collects_yaml_yml_and_jsonl_with_path_and_id_node_ids(news: pytest.Pytester) -> None:
    news.makefile(".yml", other=yaml_case("yml-case"))
    news.makefile(".json", ignored=jsonl(case(id="json-case")))
    news.makefile(".txt", notes="not a case file")
    result = news.runpytest("--summgate", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    assert result.stdout.lines[:4] == [
        "more.jsonl::short-one",
        "news.yaml::good",
        "news.yaml::bad",
        "other.yml::yml-case",
    ]


def test_the_header_says_what_is_in_force(news: pytest.Pytester) -> None:
    result = news.runpytest(
        "--summgate", "--collect-only", "--summgate-field", "summary=chatgpt",
        "--summgate-threshold", "coverage=0.7", "--summgate-threshold", "max_words=off",
    )  # fmt: skip
    result.stdout.fnmatch_lines(
        [
            "summgate: model sentence-transformers/all-MiniLM-L6-v2; fields summary=chatgpt",
            "summgate: thresholds faithfulness=0.1, coverage=0.7, min_words=10, "
            "max_compression=0.5",
        ]
    )


@pytest.mark.parametrize(
    ("globs", "collected"),
    [
        ("*.jsonl", ["more.jsonl::short-one"]),
        ("cases/*.yaml", ["cases/news.yaml::good"]),
    ],
)
def test_ini_globs_narrow_collection(
    gate: pytest.Pytester, globs: str, collected: list[str]
) -> None:
    gate.makeini(f"[pytest]\nsummgate_globs = {globs}\n")
    gate.makefile(".jsonl", more=jsonl(case(id="short-one")))
    gate.mkdir("cases").joinpath("news.yaml").write_text(yaml_case("good"))
    gate.path.joinpath("top.yaml").write_text(yaml_case("top"))
    result = gate.runpytest("--summgate", "--collect-only", "-q")
    assert [line for line in result.stdout.lines if "::" in line] == collected


def test_passing_and_failing_cases(news: pytest.Pytester) -> None:
    result = news.runpytest("--summgate")
    result.assert_outcomes(passed=2, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*_ case: bad _*",
            "1 of 4 checks failed: faithfulness 0.00 < 0.10",
            "  check * score * rule * margin",
            "  faithfulness * 0.00 * >= 0.10 * -0.10 * FAIL  (faithfulness, built-in default)",
            "  coverage * - * >= 0.27 * skipped: no highlights in this case",
            "  length * 12 w * >= 10 w * +2 * ok",
            "  length * 12 w * <= 150 w * +138 * ok",
            "  compression * 0.* <= 0.50 * +0.* ok",
            '  least supported: "Zeppelins hovered above distant marshes*"',
            "  news.yaml:4",
            "*= summgate =*",
            "3 cases: 2 passed, 1 failed, 0 could not be checked",
            "worst cases:",
            "  news.yaml::bad: faithfulness",
            "*= short test summary info =*",
            "FAILED news.yaml::bad - 1 of 4 checks failed: faithfulness 0.00 < 0.10",
        ]
    )
    assert_no_traceback(result)


def test_terminal_summary_per_check(news: pytest.Pytester) -> None:
    result = news.runpytest("--summgate")
    result.stdout.fnmatch_lines(
        [
            "*= summgate =*",
            "3 cases: 2 passed, 1 failed, 0 could not be checked",
            "  check * mean * min * failed",
            "  faithfulness * 0.* 0.* 1",
            "  coverage * 1.00 * 1.00 * 0",
            "  rouge1 *",
            "  rouge2 *",
            "  rougeL *",
            "  length * 1* w * 1* w * 0",
            "  compression * 0.* 0.* 0",
        ]
    )


def test_select_with_k_and_deselect(news: pytest.Pytester) -> None:
    news.runpytest("--summgate", "-k", "bad").assert_outcomes(failed=1, deselected=2)
    result = news.runpytest("--summgate", "--deselect", "news.yaml::bad")
    result.assert_outcomes(passed=2, deselected=1)
    assert result.ret == pytest.ExitCode.OK


def test_last_failed_reruns_only_the_failing_case(news: pytest.Pytester) -> None:
    news.runpytest("--summgate").assert_outcomes(passed=2, failed=1)
    result = news.runpytest("--summgate", "--lf", "-v")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["news.yaml::bad FAILED*"])


def test_where_each_failing_rule_came_from(gate: pytest.Pytester) -> None:
    gate.makeini("[pytest]\nsummgate_thresholds =\n    rouge2=1\n    min_words=100\n")
    gate.makefile(
        ".yaml",
        news=textwrap.dedent(
            f"""\
            defaults:
              thresholds: {{rouge1: 1}}
            cases:
              - id: all-layers
                article: {ARTICLE}
                summary: {GOOD_SUMMARY}
                highlights: {[*HIGHLIGHTS, "Opponents warned that taxes will rise"]}
                thresholds: {{max_compression: 0.01}}
            """
        ),
    )
    result = gate.runpytest("--summgate", "--summgate-threshold", "rougeL=1")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines_random(
        [
            "  rouge1 * FAIL  (rouge1, file defaults of news.yaml)",
            "  rouge2 * FAIL  (rouge2, ini summgate_thresholds)",
            "  rougeL * FAIL  (rougeL, --summgate-threshold)",
            "  length * FAIL  (min_words, ini summgate_thresholds)",
            "  compression * FAIL  (max_compression, case thresholds)",
        ]
    )


def test_case_thresholds_beat_the_command_line(gate: pytest.Pytester) -> None:
    gate.makefile(
        ".yaml", news=yaml_case("lenient", BAD_SUMMARY, "  thresholds: {faithfulness: 0}\n")
    )
    result = gate.runpytest("--summgate", "--summgate-threshold", "faithfulness=0.9")
    result.assert_outcomes(passed=1)


def test_off_on_the_command_line_switches_a_rule_off(gate: pytest.Pytester) -> None:
    gate.makefile(".jsonl", long=jsonl(case(id="long", summary=ARTICLE)))
    gate.runpytest("--summgate").assert_outcomes(failed=1)
    result = gate.runpytest("--summgate", "--summgate-threshold", "max_compression=off")
    result.assert_outcomes(passed=1)


def test_off_in_yaml_switches_a_rule_off(gate: pytest.Pytester) -> None:
    gate.makefile(
        ".yaml", long=yaml_case("long", ARTICLE, "  thresholds: {max_compression: off}\n")
    )
    gate.runpytest("--summgate").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("how", "args", "ini"),
    [
        ("command line", ["--summgate-field", "summary=chatgpt"], ""),
        ("ini", [], "summgate_fields = summary=chatgpt\n"),
    ],
)
def test_the_seed_row_runs_with_one_field_mapping(
    gate: pytest.Pytester, how: str, args: list[str], ini: str
) -> None:
    gate.makeini(f"[pytest]\n{ini}")
    gate.path.joinpath("seed.jsonl").write_bytes(SEED_ROW.read_bytes())
    result = gate.runpytest("--summgate", *args)
    # 470 words against a 500-word article: the built-in length rules fail it.
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["2 of 5 checks failed: length 470 words > 150, compression*"])


def test_yaml_defaults_map_fields(gate: pytest.Pytester) -> None:
    gate.makefile(
        ".yaml",
        mapped=textwrap.dedent(
            f"""\
            defaults:
              fields: {{summary: model_output, highlights: reference}}
            cases:
              - id: mapped
                article: {ARTICLE}
                model_output: {GOOD_SUMMARY}
                reference: {HIGHLIGHTS}
            """
        ),
    )
    result = gate.runpytest("--summgate", "--summgate-threshold", "coverage=1", "-rA")
    result.assert_outcomes(passed=1)


def test_junit_xml_carries_the_scores(news: pytest.Pytester) -> None:
    news.runpytest("--summgate", "--junitxml=out.xml").assert_outcomes(passed=2, failed=1)
    xml = news.path.joinpath("out.xml").read_text()
    for name in ("faithfulness", "coverage", "rouge1", "rougeL", "length", "compression"):
        assert f'<property name="{name}" value="' in xml
    assert xml.count('<property name="faithfulness"') == 3


def test_invalid_cases_error_and_the_others_are_scored(gate: pytest.Pytester) -> None:
    gate.makefile(
        ".jsonl",
        cases=jsonl(
            case(id="fine"),
            {"id": "no-article", "summary": GOOD_SUMMARY},
            case(id="empty", summary=""),
            case(id="typed", highlights=3),
            case(id="typo", thresholds={"coverag": 0.5}),
            case(id="range", thresholds={"faithfulness": 2}),
            case(id="fine"),
        ),
    )
    result = gate.runpytest("--summgate")
    result.assert_outcomes(passed=1, errors=6)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines_random(
        [
            "invalid case: missing 'article'",
            "invalid case: 'summary' is empty",
            "invalid case: 'highlights' must be text or a list of texts, got a int",
            "invalid case: unknown threshold 'coverag' (did you mean 'coverage'?)*",
            "invalid case: threshold faithfulness must be between 0 and 1, not 2",
            "invalid case: duplicate id 'fine' (first used at cases.jsonl:1)*",
            *(f"  cases.jsonl:{line}" for line in range(2, 8)),
            "7 cases: 1 passed, 0 failed, 6 could not be checked",
        ]
    )
    assert_no_traceback(result)


def test_broken_yaml_is_a_collection_error_with_its_line(gate: pytest.Pytester) -> None:
    gate.makefile(".yaml", broken="- id: a\n  article: [unclosed\n  summary: x\n")
    result = gate.runpytest("--summgate")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting broken.yaml*",
            "broken.yaml:3: invalid YAML: expected ',' or ']', but got ':'",
        ]
    )
    assert_no_traceback(result)


def test_a_yaml_file_that_is_not_a_case_file(gate: pytest.Pytester) -> None:
    gate.makefile(".yml", config="version: 2\njobs: {}\n")
    result = gate.runpytest("--summgate")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["config.yml:1: not a case file*unexpected keys: jobs, version)"])
    assert_no_traceback(result)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--summgate-threshold", "faithfulness=2"],
            "*argument --summgate-threshold: threshold faithfulness must be between 0 and 1, "
            "not '2'",
        ),
        (
            ["--summgate-threshold", "faithfulnes=0.5"],
            # Names are checked once custom scorers have registered theirs (pytest_configure).
            "*summgate: --summgate-threshold: unknown threshold 'faithfulnes' "
            "(did you mean 'faithfulness'?)*",
        ),
        (
            ["--summgate-threshold", "coverage"],
            "*argument --summgate-threshold: expected NAME=VALUE, got 'coverage'",
        ),
        (
            ["--summgate-field", "bogus=x"],
            "*argument --summgate-field: unknown case field 'bogus'*",
        ),
        (
            ["--summgate-hard-evidence", "some"],
            # argparse quotes the choices in some Python versions, not in others.
            "*argument --summgate-hard-evidence: invalid choice: 'some' "
            "(choose from *paired*, *any*)",
        ),
    ],
)
def test_bad_option_values_are_usage_errors(
    gate: pytest.Pytester, args: list[str], message: str
) -> None:
    result = gate.runpytest("--summgate", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert_no_traceback(result)


@pytest.mark.parametrize(
    ("ini", "message"),
    [
        (
            "summgate_thresholds = coverage=7",
            "ERROR: summgate: summgate_thresholds: threshold coverage must be between 0 and 1, "
            "not '7'",
        ),
        (
            "summgate_thresholds = max_word=100",
            "ERROR: summgate: summgate_thresholds: unknown threshold 'max_word' "
            "(did you mean 'max_words'?)*",
        ),
        (
            "summgate_fields = summary",
            "ERROR: summgate: expected FIELD=KEY (for example summary=chatgpt), got 'summary'",
        ),
        (
            "summgate_hard_evidence = every",
            "ERROR: summgate: summgate_hard_evidence must be paired or any, not 'every'",
        ),
    ],
)
def test_bad_ini_values_are_usage_errors(gate: pytest.Pytester, ini: str, message: str) -> None:
    gate.makeini(f"[pytest]\n{ini}\n")
    result = gate.runpytest("--summgate")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert_no_traceback(result)


def test_summary_names_cases_as_pytest_does(gate: pytest.Pytester) -> None:
    cases_dir = gate.mkdir("cases")
    cases_dir.joinpath("pytest.ini").write_text("[pytest]\n")
    cases_dir.joinpath("conftest.py").write_text(gate.path.joinpath("conftest.py").read_text())
    cases_dir.joinpath("news.yaml").write_text(yaml_case("bad", BAD_SUMMARY))
    result = gate.runpytest("--summgate", "cases/")
    result.stdout.fnmatch_lines(["  cases/news.yaml:1", "FAILED cases/news.yaml::bad - *"])
    result.stdout.fnmatch_lines(["worst cases:", "  cases/news.yaml::bad: faithfulness"])


def test_a_failing_run_with_some_errors_still_scores_the_rest(gate: pytest.Pytester) -> None:
    gate.makefile(".yaml", good=yaml_case("fine"))
    gate.makefile(".jsonl", bad=jsonl({"id": "x", "article": ARTICLE, "summary": 5}))
    result = gate.runpytest("--summgate", "-q")
    result.assert_outcomes(passed=1, errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["invalid case: 'summary' must be text, got a int", "  bad.jsonl:1"]
    )
