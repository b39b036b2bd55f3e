"""Faithfulness: is every summary sentence supported by the article, and if not, why not?

Each summary sentence gets claim checks (numbers, names, quotations, negation; see
:mod:`.claims`), lexical overlap with the article and with its closest passages, and its best
cosine similarity with an article sentence (the default embedding model). A small logistic
model, learned on human labels by ``bench/learn_faithfulness.py`` and shipped as
``faithfulness_weights.json``, turns these features into the probability that the sentence is
supported. The case's score is its weakest sentence's probability.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .. import text
from . import analysis, claims
from .base import Aligned, Document, Metric
from .similarity import SentenceIndex

if TYPE_CHECKING:
    from ..models import Embedder

WEIGHTS_FILE = Path(__file__).resolve().parent.parent / "faithfulness_weights.json"
FEATURES = (
    "support",  # best cosine with an article sentence
    "passage_precision",  # share of content words found in the 3 closest article sentences
    "novel_words",  # share of content words the article never uses
    "novel_bigrams",  # share of word pairs not in the article
    "novel_content_pairs",  # share of adjacent content-word stem pairs not in the article
    "unseen_numbers",  # numbers and dates not in the article (capped at 2)
    "unseen_names",  # names not in the article (capped at 2)
    "unsupported_quotes",  # quotations not in the article near-verbatim (capped at 1)
    "negation_flip",  # a word negated here and asserted in the closest passage, or back
    "swapped_names",  # two names in the opposite order of the closest passage
    "length",  # log of 1 + the number of content words
)
# Below this cosine no article sentence is about the same thing.
NO_CLOSE_PASSAGE = 0.45
# Below this cosine no article sentence is even on the topic: decisive. On the dev splits it
# fires on 1 of the 758 consistent SummEval summaries and on none of the other dev splits.
UNRELATED = 0.2
# Reasons that name something the summary invents (shown even past the two weakest).
_INVENTED = ("quote", "number", "date", "name")
_PASSAGES = 3


@dataclass(frozen=True)
class SentenceCheck:
    """One summary sentence: its features, the closest article sentence and the findings of
    its claim checks."""

    sentence: str
    features: tuple[float, ...]
    closest: str
    findings: tuple[claims.Finding, ...]
    notes: tuple[str, ...] = ()  # true remarks shown after the findings, never a finding
    nearest: tuple[tuple[float, int], ...] = ()  # (cosine, article sentence), closest first

    @property
    def reasons(self) -> tuple[str, ...]:
        """The findings as the user reads them."""
        return tuple(f.text for f in self.findings)

    @property
    def decisive(self) -> tuple[str, ...]:
        """The reasons that fail the case on their own."""
        return tuple(f.text for f in self.findings if f.decisive)


@dataclass(frozen=True)
class Article:
    """An article read once: the claim-check source, and the tokens and stems of each
    sentence."""

    source: claims.Source
    passages: list[list[str]]
    stems: list[frozenset[str]]


@dataclass(frozen=True)
class Weights:
    """The learned logistic model: one coefficient per feature name, and the threshold.

    Every coefficient's sign is constrained when it is learned (support can only raise the
    probability; novelty and a failed check can only lower it), so the probability is
    monotonic in each feature.
    """

    names: tuple[str, ...]
    coefficients: tuple[float, ...]
    intercept: float
    threshold: float

    def probability(self, features: Sequence[float]) -> float:
        """sigmoid(intercept + coefficients . features), in [0, 1]."""
        z = self.intercept + sum(c * f for c, f in zip(self.coefficients, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    @classmethod
    def from_json(cls, data: object) -> Weights:
        """Weights from the parsed JSON; a ValueError says what is missing or wrong."""
        if not isinstance(data, dict) or not isinstance(data.get("coefficients"), dict):
            raise ValueError("faithfulness weights must be an object with 'coefficients'")
        coefficients = data["coefficients"]
        missing = [name for name in FEATURES if name not in coefficients]
        if missing:
            raise ValueError(f"faithfulness weights lack features: {', '.join(missing)}")
        values = {name: _number(coefficients[name], name) for name in FEATURES}
        threshold = _number(data.get("threshold"), "threshold")
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"faithfulness threshold must be between 0 and 1, not {threshold}")
        return cls(
            FEATURES,
            tuple(values[name] for name in FEATURES),
            _number(data.get("intercept"), "intercept"),
            threshold,
        )

    @classmethod
    def read(cls, path: Path) -> Weights:
        """Weights from a JSON file; a file that cannot be read or parsed, or that lacks a
        weight, is a ValueError naming the file."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls.from_json(data)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise ValueError(f"cannot use the faithfulness weights {path}: {error}") from None


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"faithfulness weight {name!r} must be a finite number, not {value!r}")
    return float(value)


@lru_cache(maxsize=1)
def default_weights() -> Weights:
    """The weights shipped with the package (read once)."""
    return Weights.read(WEIGHTS_FILE)


def check_sentences(docs: Sequence[Document], embedder: Embedder) -> list[list[SentenceCheck]]:
    """Features and reasons for every summary sentence of every document.

    All sentences of the batch are encoded at once; each article is read once.
    """
    index = SentenceIndex(
        embedder, [s for d in docs for s in d.article_sentences + d.summary_sentences]
    )
    # Many summaries of one article are scored together (one per system): read it once.
    articles: dict[str, Article] = {}
    for doc in docs:
        if doc.article not in articles:
            passages = [claims.tokens(s) for s in doc.article_sentences]
            stems = [frozenset(map(claims.stem, p)) for p in passages]
            articles[doc.article] = Article(claims.Source(doc.article), passages, stems)
    nearest = [_nearest(doc, index) for doc in docs]
    # What the claim checks parse, in one batch for the whole chunk.
    analysis.warm(
        parsed
        for doc, near in zip(docs, nearest, strict=True)
        for parsed in _parsed(doc, near, articles[doc.article].source)
    )
    return [
        _check_document(doc, near, articles[doc.article])
        for doc, near in zip(docs, nearest, strict=True)
    ]


def _parsed(
    doc: Document, nearest: list[list[tuple[float, int]]], source: claims.Source
) -> Iterator[str]:
    """The texts :func:`claims.check` parses first for a document: each summary sentence that
    is not copied (a copied one has no claims), as the check normalizes it, and the article
    passage it is compared with, as the check narrows it. The article sentences that state the
    same predicates are found from the sentence's parse, so the check parses those itself."""
    if not source.english:
        return
    for sentence, near in zip(doc.summary_sentences, nearest, strict=True):
        sentence = text.normalize(sentence)
        toks = claims.tokens(sentence)
        if not toks or source.copied(toks):
            continue
        yield sentence
        if near:
            yield claims.narrowed(text.normalize(doc.article_sentences[near[0][1]]), toks)


def _check_document(
    doc: Document, nearest_of: list[list[tuple[float, int]]], article: Article
) -> list[SentenceCheck]:
    checks = []
    for sentence, nearest in zip(doc.summary_sentences, nearest_of, strict=True):
        if nearest:
            support = max(nearest[0][0], 0.0)
            closest = doc.article_sentences[nearest[0][1]]
            near = frozenset().union(*(article.stems[i] for _, i in nearest))
        else:
            support, closest, near = 0.0, "", frozenset()
        check = _check_sentence(sentence, article, support, closest, near)
        checks.append(dataclasses.replace(check, nearest=tuple(nearest)))
    return checks


# Summary sentences compared with the article at a time: the similarity matrix of a long
# summary against a long article is built a block of rows at a time (bounded memory).
_ROWS = 256


def _nearest(doc: Document, index: SentenceIndex) -> list[list[tuple[float, int]]]:
    """For each summary sentence, the ``_PASSAGES`` article sentences closest to it (cosine
    similarity, index), closest first; ties go to the later sentence. Selected in time linear
    in the article's sentences (a partition, not a sort)."""
    summary, candidates = doc.summary_sentences, doc.article_sentences
    if not candidates:
        return [[] for _ in summary]
    keep = min(_PASSAGES, len(candidates))
    found = []
    for start in range(0, len(summary), _ROWS):
        sims = index.similarities(summary[start : start + _ROWS], candidates)
        top = np.argpartition(-sims, keep - 1, axis=1)[:, :keep] if keep < len(candidates) else None
        for row in range(sims.shape[0]):
            columns = top[row] if top is not None else range(len(candidates))
            pairs = [(float(sims[row, j]), int(j)) for j in columns]
            found.append(sorted(pairs, key=lambda pair: (-pair[0], -pair[1]))[:keep])
    return found


def _check_sentence(
    sentence: str,
    article: Article,
    support: float,
    closest: str,
    near_stems: frozenset[str],
) -> SentenceCheck:
    source = article.source
    toks = claims.tokens(sentence)
    content = claims.content_words(toks)
    in_near = sum(claims.stem(w) in near_stems for w in content)
    novel = claims.novel_words(toks, source)
    pairs = list(pairwise(toks))
    stem_pairs = claims.bigrams(claims.content_stems(toks))
    found = claims.check(sentence, source, closest)
    features = (
        support,
        in_near / len(content) if content else 1.0,
        len(novel) / len(content) if content else 0.0,
        sum(p not in source.bigrams for p in pairs) / len(pairs) if pairs else 0.0,
        sum(p not in source.content_bigrams for p in stem_pairs) / max(len(stem_pairs), 1),
        float(min(found.unseen_numbers, 2)),
        float(min(found.unseen_names, 2)),
        float(min(found.unsupported_quotes, 1)),
        float(found.negation_flip),
        float(found.swapped_names),
        math.log1p(len(content)),
    )
    findings = list(found.findings)
    if support < NO_CLOSE_PASSAGE and not source.copied(toks):
        reason = f"no article passage is close to it (best similarity {support:.2f})"
        if support < UNRELATED:
            # Nothing in the article is about it: hard evidence on its own.
            findings.append(claims.Finding("off_topic", reason, decisive=True))
        else:
            findings.append(claims.finding("off_topic", reason))
    return SentenceCheck(sentence, features, closest, *shown(findings, found))


def shown(
    findings: list[claims.Finding], found: claims.Claims
) -> tuple[tuple[claims.Finding, ...], tuple[str, ...]]:
    """The findings, decisive ones first, and the notes to show after them: the spellings
    read as the article's names when something is reported, else the words the article
    never uses."""
    ordered = tuple(sorted(findings, key=lambda f: not f.decisive))
    if ordered:
        return ordered, found.variants[:1]
    if found.novel:
        return ordered, (f"words not in the article: {', '.join(found.novel[:4])}",)
    return ordered, ()


def probability(weights: Weights, check: SentenceCheck) -> float:
    """The probability that the sentence is supported: 0.0 with a decisive finding."""
    return 0.0 if check.decisive else weights.probability(check.features)


def aligned(probability: float, check: SentenceCheck) -> Aligned:
    """The sentence as the HTML report shows it beside the article: its probability, the
    article sentences closest to it, its findings and notes."""
    return Aligned(
        check.sentence,
        probability,
        tuple(index for _, index in check.nearest),
        tuple(round(similarity, 4) for similarity, _ in check.nearest),
        check.reasons,
        tuple(f.decisive for f in check.findings),
        check.notes,
    )


def evidence_lines(label: str, strength: str, check: SentenceCheck, closest: str) -> list[str]:
    """A sentence's two evidence lines: the sentence, then its findings (the decisive ones
    marked), any note, and the closest article passage."""
    why = [f"{f.text} [decisive]" if f.decisive else f.text for f in check.findings[:2]]
    why += check.notes
    if closest:
        why.append(closest)
    sentence = text.clip(check.sentence, 160)
    # A sentence that opens with its own quotation mark is not wrapped in another.
    shown = sentence if sentence[:1] in '"“' else f'"{sentence}"'
    return [f"{label} ({strength}): {shown}", "  " + "; ".join(why)]


def also_line(rest: Sequence[SentenceCheck]) -> list[str]:
    """One line for the unsupported sentences not shown: their first decisive finding, or
    else the first thing they invent (a quote, a number, a date, a name)."""
    found = [f for c in rest for f in c.findings]
    decisive = [f for f in found if f.decisive]
    invented = sorted(
        (f for f in found if f.kind in _INVENTED), key=lambda f: _INVENTED.index(f.kind)
    )
    shown = decisive or invented
    if not shown:
        return []
    mark = " [decisive]" if shown[0].decisive else ""
    return [f"also {shown[0].text}{mark} ({len(rest)} more unsupported sentences)"]


def _evidence(scored: list[tuple[float, SentenceCheck]], threshold: float) -> tuple[str, ...]:
    """Two lines for each of the (at most two) weakest sentences: the sentence, then why and
    the closest article passage. A fifth line names the first decisive finding, or the first
    quote, number, date or name, of an unsupported sentence not shown. Then two lines for
    every other unsupported sentence: the failure text shows the first lines, ``-v`` and the
    JSON report all of them."""
    lines: list[str] = []

    def describe(probability: float, check: SentenceCheck) -> list[str]:
        label = "unsupported" if probability < threshold else "least supported"
        strength = "decisive" if check.decisive else f"{probability:.2f}"
        closest = f'closest source: "{text.clip(check.closest, 90)}"' if check.closest else ""
        return evidence_lines(label, strength, check, closest)

    for rank, (probability, check) in enumerate(scored[:2]):
        if rank > 0 and probability >= threshold:
            break
        lines += describe(probability, check)
    rest = [(p, c) for p, c in scored[2:] if p < threshold]
    lines += also_line([c for _, c in rest])
    for probability, check in rest:
        lines += describe(probability, check)
    return tuple(lines)


class FaithfulnessScorer:
    """``faithfulness``: the probability that the summary's weakest sentence is supported.

    A sentence's probability comes from its claim checks, lexical overlap and embedding
    similarity, combined by the learned weights; the evidence names the weakest sentences,
    why they are not supported, and the closest article passage.
    """

    names = ("faithfulness",)
    needs_model = True

    def __init__(self, weights: Weights | None = None) -> None:
        self.weights = weights or default_weights()

    def fingerprint(self, embedder: Embedder | None) -> str:
        """What the scores depend on besides the texts: the weights, the embedding model and
        the claim checks' pipeline."""
        pipeline = analysis.PINNED["ner/model"][:12]
        embedding = embedder.fingerprint if embedder else ""
        return f"faithfulness:{self.weights!r}:{embedding}:spacy:{pipeline}"

    def load_model(self) -> None:
        """Check that the claim checks' pipeline is installed and intact (loads nothing)."""
        analysis.check()

    def score(self, docs: Sequence[Document], embedder: Embedder | None) -> list[dict[str, Metric]]:
        assert embedder is not None
        results = []
        for checks in check_sentences(docs, embedder):
            if not checks:
                results.append({"faithfulness": Metric(None, skipped="summary has no sentences")})
                continue
            scored = sorted(
                ((probability(self.weights, c), c) for c in checks), key=lambda pair: pair[0]
            )
            evidence = _evidence(scored, self.weights.threshold)
            decisive = tuple(dict.fromkeys(r for c in checks for r in c.decisive))
            sentences = tuple(aligned(probability(self.weights, c), c) for c in checks)
            metric = Metric(scored[0][0], evidence, decisive=decisive, aligned=sentences)
            results.append({"faithfulness": metric})
        return results
