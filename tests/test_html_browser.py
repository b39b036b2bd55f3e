"""The HTML report in a real browser: Debian's headless Chromium through Selenium.

What a reviewer sees: the blocking case first, its unsupported sentence marked, the link to
the passage it was aligned with, the filters (by mouse and by keyboard), and a summary's
``<script>`` shown as text and never run. Skipped, saying why, where Chromium, chromedriver
or Selenium is missing; ``.ci/run`` installs them and sets SUMMGATE_BROWSER_REQUIRED=1, so
on CI a missing browser fails instead.

``SUMMGATE_SCREENSHOTS=docs/images`` keeps the screenshots there (README's is
``html-report.png``, from the model-repository example: ``-m model``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_html_report import evidence_project

pytestmark = pytest.mark.slow  # a browser is another process

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1280,1800",
)  # fmt: skip
REPO = Path(__file__).resolve().parent.parent


def _missing() -> str:
    """Why no browser test can run here ('' when one can)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return f"no {path}: apt-get install {package} (Debian's headless Chromium)"
    return ""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = _missing()
    if missing:
        if os.environ.get("SUMMGATE_BROWSER_REQUIRED") == "1":
            pytest.fail(f"the browser tests must run here: {missing}")
        pytest.skip(f"headless Chromium not available: {missing}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="summgate-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def evidence(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return evidence_project(pytester, monkeypatch)


def open_page(browser: Any, gate: pytest.Pytester) -> Any:
    gate.runpytest("--summgate", "--summgate-html=page.html")
    browser.get(gate.path.joinpath("page.html").as_uri())
    return browser


def screenshot(browser: Any, name: str, tmp: Path) -> Path:
    folder = Path(os.environ.get("SUMMGATE_SCREENSHOTS") or tmp)
    path = (REPO / folder if not folder.is_absolute() else folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(path))
    return path


def visible_cases(browser: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [
        e.find_element(By.CSS_SELECTOR, "h2 code").text
        for e in browser.find_elements(By.CSS_SELECTOR, "section.case")
        if e.is_displayed()
    ]


def test_the_blocking_case_comes_first_with_its_sentence_marked_and_linked(
    browser: Any, evidence: pytest.Pytester, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    page = open_page(browser, evidence)
    assert page.title == "summgate: blocked"
    heading = page.find_element(By.TAG_NAME, "h1")
    assert heading.text == "summgate: blocked"
    assert heading.is_displayed()
    assert "1 case with hard evidence" in page.find_element(By.CLASS_NAME, "blocked-by").text
    assert visible_cases(page)[0] == "cases.jsonl::invented"
    first = page.find_element(By.ID, "case-0")
    marked = first.find_element(By.CSS_SELECTOR, "p.text .sent.unsupported")
    assert "budget of 45 million" in marked.text
    assert "unsupported" in marked.text
    assert marked.find_element(By.CSS_SELECTOR, "mark.novel").text == "45"
    page.save_screenshot(str(tmp_path / "page.png"))
    # The reason links to the article sentence the claim was aligned with.
    link = first.find_element(By.PARTIAL_LINK_TEXT, "article sentence")
    link.click()
    target = page.execute_script("return document.querySelector(':target')")
    assert target.get_attribute("class") == "passage aligned-unsupported"
    assert target.text.startswith("The city council approved a new budget on Tuesday.")
    assert page.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.top >= 0 && r.bottom <= window.innerHeight;",
        target,
    )


def test_filters_hide_and_show_cases_by_mouse_and_by_keyboard(
    browser: Any, evidence: pytest.Pytester
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    page = open_page(browser, evidence)
    shown = page.find_element(By.ID, "shown")
    assert shown.text == "4 of 4 cases shown"
    page.find_element(By.CSS_SELECTOR, "input[value=failed]").click()
    assert visible_cases(page) == ["cases.jsonl::<b>hostile</b>", "cases.jsonl::good"]
    assert shown.text == "2 of 4 cases shown"
    # The keyboard: focus the box, space ticks it again.
    box = page.find_element(By.CSS_SELECTOR, "input[value=failed]")
    page.execute_script("arguments[0].focus()", box)
    box.send_keys(Keys.SPACE)
    assert shown.text == "4 of 4 cases shown"
    Select(page.find_element(By.ID, "metric")).select_by_value("faithfulness")
    assert visible_cases(page) == ["cases.jsonl::invented", "cases.jsonl::weak"]
    finder = page.find_element(By.ID, "find")
    finder.send_keys("WEAK")
    assert visible_cases(page) == ["cases.jsonl::weak"]
    # j moves to the next case shown, / back to the search box.
    finder.send_keys(Keys.ESCAPE)
    page.find_element(By.TAG_NAME, "body").send_keys("j")
    assert page.switch_to.active_element.get_attribute("id") == "case-1"
    page.find_element(By.TAG_NAME, "body").send_keys("/")
    assert page.switch_to.active_element.get_attribute("id") == "find"


def test_a_script_in_a_summary_is_shown_as_text_and_never_runs(
    browser: Any, evidence: pytest.Pytester
) -> None:
    from selenium.webdriver.common.by import By

    page = open_page(browser, evidence)
    assert page.title == "summgate: blocked"  # no injected script set it
    hostile = next(
        e
        for e in page.find_elements(By.CSS_SELECTOR, "section.case")
        if "hostile" in e.find_element(By.CSS_SELECTOR, "h2 code").text
    )
    assert hostile.find_element(By.CSS_SELECTOR, "h2 code").text == "cases.jsonl::<b>hostile</b>"
    summary = hostile.find_element(By.CSS_SELECTOR, ".columns p.text").text
    assert "<script>document.title='pwned'</script>" in summary
    assert "<img src=x onerror=" in summary
    assert not hostile.find_elements(By.TAG_NAME, "img")
    assert len(page.find_elements(By.TAG_NAME, "script")) == 1
    # Nothing was fetched: the page is all there is.
    assert page.execute_script("return performance.getEntriesByType('resource').length") == 0


# The pull request of the model-repository example that docs/model-repositories.md shows: a
# new model whose numbers are off by one.
WORSE_MODEL = (
    "def summarize(article: str) -> str:\n"
    '    lead = " ".join(split_sentences(article)[:3])\n'
    '    return re.sub(r"\\d+", lambda n: str(int(n.group()) + 1), lead)  # off by one\n'
)


@pytest.mark.model
def test_the_model_repositorys_blocked_pull_request_shows_both_summaries_and_why(
    browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    repo = tmp_path / "model_repo"
    shutil.copytree(REPO / "examples" / "model_repo", repo)
    shutil.copy(repo / ".summgate" / "baseline.json", repo / "base.json")  # the base branch's
    conftest = repo / "conftest.py"
    text = conftest.read_text(encoding="utf-8")
    start = text.index("def summarize(")
    end = text.index("\n\n\n", start)
    text = text[:start] + WORSE_MODEL + text[end:]
    conftest.write_text(
        text.replace("\nfrom pytest_summgate", "\nimport re\nfrom pytest_summgate", 1)
    )
    summary = repo / "summary.md"
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary),
           "HF_HUB_OFFLINE": "1", "PYTEST_ADDOPTS": "-p no:cacheprovider"}  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--summgate", "cases/", "--summgate-html=page.html",
         "--summgate-base-baseline=base.json"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout[-3000:]
    # The job summary: the two summaries of each case, the changed numbers marked.
    markdown = summary.read_text(encoding="utf-8")
    assert "## summgate: blocked" in markdown
    block = markdown[markdown.index("<details><summary><code>cases/news.jsonl::brisbane-crash") :]
    assert "<del>40</del>-year-old" in block
    assert "<ins>41</ins>-year-old" in block
    # The page: what blocked it, the case, its marked sentence and why, both summaries.
    browser.get((repo / "page.html").as_uri())
    assert "2 cases with hard evidence" in browser.find_element(By.CLASS_NAME, "blocked-by").text
    first = browser.find_element(By.ID, "case-0")
    marked = first.find_element(By.CSS_SELECTOR, "p.text .sent.unsupported")
    assert "RC-136U" in marked.text
    assert "number 136 is not in the article (135 is)" in first.text
    assert first.find_element(By.CSS_SELECTOR, ".diff del").text == "135U"
    assert first.find_element(By.CSS_SELECTOR, ".diff ins").text == "136U"
    browser.set_window_size(1280, 2150)  # down to the two summaries
    screenshot(browser, "html-report.png", tmp_path)
    browser.set_window_size(1280, 1800)
