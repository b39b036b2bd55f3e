"""Text handling shared by every metric: sentences, highlights, words and ROUGE tokens.

Pure functions, no model and no pytest. The inputs are real dataset text: raw news prose,
tokenized CNN/DailyMail text (``Merson 's`` and ``region .``), lowercased text, and other
scripts (Cyrillic, Greek, Arabic, CJK), so nothing here may assume ASCII or capital letters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

# Abbreviations after which a full stop does not end a sentence (lowercase, no dot).
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "ft",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "gov",
        "sen",
        "rep",
        "rev",
        "hon",
        "pres",
        "no",
        "nos",
        "vs",
        "etc",
        "al",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "est",
        "approx",
        "fig",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "u.n",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
    ]
)

# Scripts written without spaces between words: every character counts as a word.
_CJK = (
    r"\u3040-\u30ff"  # hiragana, katakana
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    r"\uac00-\ud7af"  # hangul syllables
)
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+(?:['’][^\W_{_CJK}]+)*", re.UNICODE)

# A sentence ends at terminal punctuation, optionally followed by closing quotes or brackets.
_TERMINAL = ".!?…。！？؟۔"
_CLOSERS = "\"'’”»)]"
# CJK text puts no space after a stop. NFKC (see normalize) turns the full-width ！ and ？
# into ASCII ! and ?, so those end a sentence when a CJK character follows directly.
# A match starts only where a run of stops starts: tried from inside a run too, a long run
# that ends no sentence ("!!!...x") cost time quadratic in its length.
_BOUNDARY = re.compile(
    rf"(?<![{re.escape(_TERMINAL)}])([{re.escape(_TERMINAL)}]+[{re.escape(_CLOSERS)}]*)"
    rf"(\s+|(?<=[。！？])(?=\S)|(?<=[!?])(?=[{_CJK}]))"
)
# In CNN/DailyMail highlight strings a lost newline leaves a closing quote against the next
# highlight: "help 'maintain order' They have asked".
_QUOTE_JOIN = re.compile(r"(?<=\w)(['’\"”])\s+(?=[A-Z][a-z])")


# A quotation mark escaped by the program that wrote the text (``city\\'s``).
_ESCAPED_QUOTE = re.compile(r"\\+(?=['\"])")


def normalize(text: str) -> str:
    """Unicode-normalize, drop the backslash of an escaped quotation mark and collapse
    whitespace (tabs, CR, NBSP) to single spaces."""
    text = _ESCAPED_QUOTE.sub("", unicodedata.normalize("NFKC", text))
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """Word tokens: letters and digits in any script, one token per CJK character.

    Punctuation is not a word, so tokenized text (``Merson 's``, ``region .``) counts the
    same as the raw text it came from, give or take the clitic.
    """
    return _TOKEN.findall(text)


def word_spans(text: str) -> Iterator[re.Match[str]]:
    """The word tokens of ``words`` with where each is in ``text``."""
    return _TOKEN.finditer(text)


def word_count(text: str) -> int:
    return len(words(text))


def _ends_with_abbreviation(chunk: str) -> bool:
    """True when the full stop ending ``chunk`` belongs to an abbreviation or an initial."""
    tail = chunk.rstrip(_CLOSERS).rstrip(".")
    last = tail.rsplit(" ", 1)[-1].lower()
    if not last:
        return False
    if last in _ABBREVIATIONS:
        return True
    # A single letter ("V. Stiviano", "J.") is an initial, not the end of a sentence.
    return len(last) == 1 and last.isalpha()


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences.

    Handles abbreviations and initials, closing quotes after the stop, CJK and Arabic stops,
    tokenized text with spaced full stops, and lowercased text (where no capital letter marks
    the start of the next sentence). Fragments of one or two words ("By .") are joined to the
    sentence that follows them.
    """
    text = normalize(text)
    if not text:
        return []
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end(1)
        chunk = text[start:end]
        single_stop = match.group(1).rstrip(_CLOSERS) == "."
        if single_stop and _ends_with_abbreviation(chunk):
            continue
        pieces.append(chunk.strip())
        start = match.end()
    rest = text[start:].strip()
    if rest:
        pieces.append(rest)
    return _join_fragments(pieces)


def _join_fragments(pieces: Sequence[str]) -> list[str]:
    """Each piece of two words or fewer (not CJK) joined to the sentence after it (or, at
    the end, to the one before it). Word counts add up as fragments are carried, so a run of
    thousands of bare stops costs time linear in its length."""
    sentences: list[str] = []
    carried: list[str] = []
    carried_words = 0
    for piece in pieces:
        count = carried_words + len(words(piece))
        if count <= 2 and not _is_cjk(piece):
            carried.append(piece)
            carried_words = count
            continue
        sentences.append(" ".join([*carried, piece]))
        carried, carried_words = [], 0
    if carried:
        if sentences:
            sentences[-1] = " ".join([sentences[-1], *carried])
        else:
            sentences.append(" ".join(carried))
    return sentences


def _is_cjk(text: str) -> bool:
    return re.search(rf"[{_CJK}]", text) is not None


def split_highlights(highlights: str | Sequence[str] | None) -> list[str]:
    """The reference highlights as a list of separate highlights.

    A list is taken as given. A string is split on newlines, then each line on sentence
    boundaries, including the CNN/DailyMail forms: `` .`` between highlights, and a
    closing quote directly followed by the next highlight.
    """
    if highlights is None:
        return []
    if isinstance(highlights, str):
        result: list[str] = []
        for line in highlights.splitlines():
            line = _QUOTE_JOIN.sub(r"\1\n", normalize(line))
            for part in line.split("\n"):
                result.extend(split_sentences(part))
        return [h for h in result if words(h)]
    return [normalize(h) for h in highlights if words(normalize(h))]


def passages(sentences: Sequence[str], window: int = 24, stride: int = 12) -> list[str]:
    """The sentences, plus overlapping windows of ``window`` words over longer ones."""
    result: list[str] = []
    for sentence in sentences:
        result.append(sentence)
        tokens = sentence.split()
        if len(tokens) > window + stride:
            for start in range(0, len(tokens) - window + stride, stride):
                result.append(" ".join(tokens[start : start + window]))
    return result


def clip(text: str, limit: int = 90) -> str:
    """Shorten ``text`` to about ``limit`` characters at a word boundary, marking the cut."""
    text = normalize(text)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return f"{cut}..."


class RougeTokenizer:
    """A rouge-score tokenizer that keeps every script.

    rouge-score's default tokenizer replaces anything outside ``[a-z0-9]`` with spaces, so
    Cyrillic, Greek, Arabic or Chinese text scores a silent 0.0. This one lowercases, keeps
    letters and digits of any script (CJK one character per token) and applies the same
    Porter stemming as rouge-score to Latin words of more than three letters.
    """

    def __init__(self, use_stemmer: bool = True) -> None:
        self._stem = _porter_stem if use_stemmer else None

    def tokenize(self, text: str) -> list[str]:
        tokens = [t.lower().replace("’", "'") for t in words(normalize(text))]
        if self._stem is None:
            return tokens
        return [self._stem(t) if len(t) > 3 and t.isascii() and t.isalpha() else t for t in tokens]


@lru_cache(maxsize=1)
def _porter() -> Any:
    from nltk.stem import porter  # rouge-score's own dependency, imported on first use

    return porter.PorterStemmer("ORIGINAL_ALGORITHM")


@lru_cache(maxsize=65536)
def _porter_stem(token: str) -> str:
    return str(_porter().stem(token))
