"""Words for the claim checks: normalized tokens, stems, function words and clauses.

Benchmark and user text comes raw (``Merson's``), tokenized (``Merson 's``, ``do n't``) or
lowercased (``paul merson``), so the claim checks compare lowercase tokens with clitics
normalized, and stems where a word may be inflected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

from .. import text


def word_list(lines: str) -> tuple[str, ...]:
    """A word list written as lines of prose, so it reads as one block."""
    return tuple(lines.split())


# Function words: never a name, never a content word.
STOPWORDS = frozenset(
    word_list(
        """
        a about above after again against all also am an and any are as at be because been
        before being below between both but by can could did do does doing down during each
        few for from further had has have having he her here hers herself him himself his how
        i if in into is it its itself just me more most my myself nor of off on once only or
        other our ours out over own same she should so some such than that the their theirs
        them themselves then there these they this those through to too under until up very
        was we were what when where which while who whom why will with would you your yours s
        t d ll m re ve said says say told tell according mr mrs ms new one ones year years
        last first next two time now today yesterday week may might must shall per cent
        percent still even like well get got back made make many much another every including
        since however although though yet whether via amid onto upon within across around
        among toward towards cnn unk
        """
    )
)
_CLITICS = ("'s", "'re", "'ve", "'ll", "'d", "'m")
_DETACHED_CLITIC = re.compile(r"(?<=\w)\s+('(?:s|re|ve|ll|d|m)|n't)\b", re.IGNORECASE)
# "doesn ' t" and "Merson ' s": a clitic with the apostrophe spaced off on both sides.
_SPACED_CLITIC = re.compile(r"(?<=\w)(?:(?<=n)\s*'\s*(t)|\s+'\s+(s|re|ve|ll|d|m))\b", re.IGNORECASE)
# Punctuation that ends a clause: a negation or a name's context does not reach past it.
CLAUSE_BREAK = re.compile(r"[,;:.!?()\[\]\"“”]|--|\s-\s")


def tokens(sentence: str) -> list[str]:
    """Lowercase word tokens with clitics normalized: ``Merson 's`` and ``Merson's`` both
    give ``merson``; ``don't`` and ``do n't`` both give ``do not``."""
    # An article's passages are read for each sentence of each of its summaries: once is
    # enough. A whole article is read once anyway, and would crowd the cache out.
    return list(_cached_tokens(sentence) if len(sentence) < 2000 else _tokens(sentence))


def _tokens(sentence: str) -> tuple[str, ...]:
    result: list[str] = []
    sentence = sentence.replace("’", "'")
    if "'" in sentence:
        sentence = _SPACED_CLITIC.sub(lambda m: "'" + (m.group(1) or m.group(2)), sentence)
        sentence = _DETACHED_CLITIC.sub(r"\1", sentence)
    for token in text.words(sentence):
        token = token.lower()
        if "'" not in token:
            result.append(token)
        elif token.endswith("n't"):
            result.extend(t for t in (token[:-3], "not") if t)
        else:
            for clitic in _CLITICS:
                if token.endswith(clitic) and len(token) > len(clitic):
                    token = token[: -len(clitic)]
                    break
            result.append(token)
    return tuple(result)


_cached_tokens = lru_cache(maxsize=4096)(_tokens)


def clauses(sentence: str) -> list[list[str]]:
    """The tokens of each clause (split at punctuation), in order."""
    return [t for part in CLAUSE_BREAK.split(sentence) if (t := tokens(part))]


def is_content(token: str) -> bool:
    """A token that carries content: not a function word, not a bare number."""
    return token not in STOPWORDS and not token.isdigit() and len(token) > 1


def content_words(toks: Sequence[str]) -> list[str]:
    """Tokens that carry content: not function words, not bare numbers."""
    return [t for t in toks if is_content(t)]


_STEMMER = text.RougeTokenizer()


@lru_cache(maxsize=1 << 17)
def stem(token: str) -> str:
    """The Porter stem ROUGE uses, so ``hospitals`` matches ``hospital`` (each word once)."""
    stems = _STEMMER.tokenize(token)
    return stems[0] if stems else token


def content_stems(toks: Sequence[str]) -> list[str]:
    """The stems of the content words, in order: what a paraphrase keeps of a phrase."""
    return [stem(t) for t in content_words(toks)]


def bigrams(toks: Sequence[str]) -> set[tuple[str, str]]:
    return set(pairwise(toks))


def context(toks: Sequence[str], start: int, end: int, width: int = 3) -> set[str]:
    """Stems of the ``width`` nearest content words before ``start`` and after ``end`` (within
    ten tokens): what a word or name of ``toks[start:end]`` is said with."""
    before = [t for t in toks[max(start - 10, 0) : start] if is_content(t)][-width:]
    after = [t for t in toks[end : end + 10] if is_content(t)][:width]
    return {stem(t) for t in [*before, *after]}


def find(toks: Sequence[str], part: Sequence[str], start: int = 0) -> int:
    """The index where ``part`` occurs in ``toks`` from ``start`` on, or -1."""
    if not part:
        return -1
    first = part[0]
    for i in range(start, len(toks) - len(part) + 1):
        if toks[i] == first and list(toks[i : i + len(part)]) == list(part):
            return i
    return -1
