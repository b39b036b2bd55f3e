"""Claim checks: the numbers, names, quotations and negations a summary sentence asserts.

Pure functions over text, no model. Benchmark and user text comes raw (``Merson's``),
tokenized (``Merson 's``, ``do n't``) or lowercased (``paul merson``), so every comparison
with the article is case-insensitive and on normalized tokens; capital letters are used to
find names only when the sentence's text is written in mixed case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import pairwise

from .. import text

# What a finding is about; see Finding.
KINDS = (
    "number",  # a number the article does not state
    "date",  # a year, month or weekday the article does not state, or another one than it
    "name",  # a name the article never uses
    "entity",  # a name of the article put in the place of another one of the passage
    "quote",  # a quotation the article does not contain
    "misattributed",  # a quotation of the article given to another speaker
    "negation",  # negated here and asserted in the supporting passage, or back
    "swap",  # subject and object of one verb swapped against the passage
    "direction",  # a direction word flipped (rose/fell, more/fewer, won/lost, before/after)
    "off_topic",  # no article passage is close
)
# The kinds precise enough to fail a case on their own: measured on summaries experts judged
# consistent (bench/quality.py) and kept only where they almost never fire there (none yet:
# the checks are being made precise first).
DECISIVE_KINDS: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Finding:
    """One thing a summary sentence asserts that the article does not support.

    ``kind`` is one of :data:`KINDS`; ``text`` is the reason as the user reads it;
    ``decisive`` marks hard evidence, which fails the case whatever the score.
    """

    kind: str
    text: str
    decisive: bool = False


def finding(kind: str, reason: str) -> Finding:
    """A finding of ``kind``, decisive when the kind is in :data:`DECISIVE_KINDS`."""
    return Finding(kind, reason, kind in DECISIVE_KINDS)


def _word_list(lines: str) -> tuple[str, ...]:
    """A word list written as lines of prose, so it reads as one block."""
    return tuple(lines.split())


# Function words: never a name, never a content word.
STOPWORDS = frozenset(
    _word_list(
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
NEGATIONS = frozenset(
    _word_list("not no never nor neither none nobody nothing nowhere without cannot n't")
)
_CLITICS = ("'s", "'re", "'ve", "'ll", "'d", "'m")

_UNITS = {
    word: value
    for value, word in enumerate(
        _word_list(
            """
            zero one two three four five six seven eight nine ten eleven twelve thirteen
            fourteen fifteen sixteen seventeen eighteen nineteen
            """
        )
    )
}
_TENS = {
    word: 10 * (i + 2)
    for i, word in enumerate(_word_list("twenty thirty forty fifty sixty seventy eighty ninety"))
}
_SCALES = {"hundred": 100.0, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
# Abbreviated scales, written against the digits: "£5m", "$2bn", "10k".
_SCALES.update({"m": 1e6, "bn": 1e9, "k": 1e3})
DATE_WORDS = frozenset(
    _word_list(
        """
        january february march april june july august september october november december
        monday tuesday wednesday thursday friday saturday sunday
        """
    )
)
_DIGITS = re.compile(
    r"(?<![\w.])(\d+(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(million|billion|trillion|"
    r"thousand|hundred|m|bn|k)\b)?",
    re.IGNORECASE,
)
_DETACHED_CLITIC = re.compile(r"(?<=\w)\s+('(?:s|re|ve|ll|d|m)|n't)\b", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[,;:.!?()\[\]]")
# A word (starting with a letter) that does not open a sentence.
_INNER_WORD = re.compile(r"(?<![.!?\"'“”‘’(\s])\s+[\"'“‘(]*([^\W\d_]\w*)")
_QUOTE = re.compile(
    r"``\s*(.+?)\s*''"
    r"|\"\s*(.+?)\s*\""
    r"|“\s*(.+?)\s*”"
    # Single quotes, and CNN/DM's tokenized "` ... '"; "'re" and "'s" open no quotation.
    r"|(?<![\w'’`])['‘`](?!(?:s|re|ve|ll|d|m|t)\b)\s*(.+?)\s*['’](?![\w'’])"
)
# Between two words of one name there is only a space, a full stop (U.K.) or an apostrophe.
_NAME_GAP = re.compile(r"[\s.'’-]*")


def tokens(sentence: str) -> list[str]:
    """Lowercase word tokens with clitics normalized: ``Merson 's`` and ``Merson's`` both
    give ``merson``; ``don't`` and ``do n't`` both give ``do not``."""
    result: list[str] = []
    sentence = _DETACHED_CLITIC.sub(r"\1", sentence.replace("’", "'"))
    for token in text.words(sentence):
        token = token.lower()
        if token.endswith("n't"):
            result.extend(t for t in (token[:-3], "not") if t)
            continue
        for clitic in _CLITICS:
            if token.endswith(clitic) and len(token) > len(clitic):
                token = token[: -len(clitic)]
                break
        result.append(token)
    return result


def content_words(toks: Sequence[str]) -> list[str]:
    """Tokens that carry content: not function words, not bare numbers."""
    return [t for t in toks if t not in STOPWORDS and not t.isdigit() and len(t) > 1]


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


@dataclass(frozen=True)
class Quantity:
    """A number as written (``2.6 million``, ``nine``) and its value."""

    text: str
    value: float
    bare: float  # the value without its scale word: 2.6 for "2.6 million"
    scaled: bool


def _value(raw: str) -> float:
    return float(raw.replace(",", ""))


def quantities(sentence: str) -> list[Quantity]:
    """Numbers in digits (``45``, ``2,600``, ``45%``, ``£5m``, ``84-year-old``) and in words
    (``nine``, ``twenty-five``, ``three million``). A lone ``one`` is a pronoun, not a count."""
    found: list[Quantity] = []
    for match in _DIGITS.finditer(sentence):
        bare = _value(match.group(1))
        scale = match.group(2)
        value = bare * _SCALES[scale.lower()] if scale else bare
        found.append(Quantity(match.group(0), value, bare, bool(scale)))
    for clause in _CLAUSE_BREAK.split(sentence):
        found.extend(_spelled(text.words(clause.lower())))
    return found


def _spelled(words: Sequence[str]) -> list[Quantity]:
    found: list[Quantity] = []
    i = 0
    while i < len(words):
        j, total, current = i, 0.0, 0.0
        while j < len(words):
            word = words[j]
            if word in _UNITS:
                current += _UNITS[word]
            elif word in _TENS:
                current += _TENS[word]
            elif word in _SCALES and j > i and len(word) > 2:
                if word == "hundred":
                    current = max(current, 1.0) * 100
                else:
                    total += max(current, 1.0) * _SCALES[word]
                    current = 0.0
            elif (
                word == "and"
                and j > i
                and j + 1 < len(words)
                and (words[j + 1] in _UNITS or words[j + 1] in _TENS)
            ):
                pass
            else:
                break
            j += 1
        if j == i:
            i += 1
            continue
        span = words[i:j]
        if span != ["one"] and span != ["zero"]:
            found.append(Quantity(" ".join(span), total + current, total + current, False))
        i = j
    return found


def is_mixed_case(passage: str) -> bool:
    """True when capitals mark names: words that do not open a sentence are capitalized."""
    inner = 0
    capital = 0
    for match in _INNER_WORD.finditer(passage):
        inner += 1
        capital += match.group(1)[0].isupper()
    return inner > 0 and capital / inner >= 0.02


def names(sentence: str, initial: bool = False) -> list[str]:
    """Runs of capitalized words (``Angela Merkel``, ``NATO``) in a mixed-case sentence.

    The sentence's first word counts only as part of a longer run (any word is capitalized
    there) unless ``initial``. Months and weekdays are left to the date check.
    """
    runs: list[list[int]] = []  # [index of the first word, word count, start, end]
    end = 0
    for position, word in enumerate(text.words(sentence)):
        start = sentence.find(word, end)
        joined = bool(runs) and runs[-1][0] + runs[-1][1] == position
        joined = joined and _NAME_GAP.fullmatch(sentence[end:start]) is not None
        end = start + len(word)
        lower = word.lower()
        if not word[0].isupper() or lower in STOPWORDS or lower in DATE_WORDS:
            continue
        if joined:
            runs[-1][1:] = [runs[-1][1] + 1, runs[-1][2], end]
        else:
            runs.append([position, 1, start, end])
    return [
        sentence[start:end] for first, count, start, end in runs if first or count > 1 or initial
    ]


def quotes(sentence: str) -> list[str]:
    """Quoted passages: ``"..."``, curly quotes, ````...''`` and single quotes."""
    return [next(g for g in m.groups() if g) for m in _QUOTE.finditer(sentence)]


@dataclass
class Source:
    """An article read once for the claim checks: its tokens, stems, numbers and dates."""

    article: str
    tokens: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = tokens(self.article)

    @cached_property
    def token_set(self) -> frozenset[str]:
        return frozenset(self.tokens)

    @cached_property
    def stems(self) -> frozenset[str]:
        return frozenset(stem(t) for t in self.token_set)

    @cached_property
    def bigrams(self) -> set[tuple[str, str]]:
        return bigrams(self.tokens)

    @cached_property
    def content_bigrams(self) -> set[tuple[str, str]]:
        return bigrams(content_stems(self.tokens))

    @cached_property
    def values(self) -> frozenset[float]:
        found = quantities(self.article)
        return frozenset([q.value for q in found] + [q.bare for q in found])

    def has_word(self, word: str) -> bool:
        """The word, its stem, or a longer form (``Russia`` / ``Russian``) is in the article."""
        word = word.lower()
        if word in self.token_set or stem(word) in self.stems:
            return True
        return len(word) >= 5 and any(
            t.startswith(word) or (len(t) >= 5 and word.startswith(t)) for t in self.token_set
        )


def unseen_numbers(sentence: str, source: Source) -> list[str]:
    """Numbers and dates of the sentence that the article does not state."""
    missing = []
    for q in quantities(sentence):
        if q.value not in source.values and (q.scaled or q.bare not in source.values):
            missing.append(q.text)
    missing.extend(w for w in tokens(sentence) if w in DATE_WORDS and w not in source.token_set)
    return missing


def unseen_names(sentence: str, source: Source) -> list[str]:
    """Names in the sentence (mixed-case text only) with a word the article never uses."""
    return [n for n in names(sentence) if not all(source.has_word(w) for w in tokens(n) if w)]


def novel_words(sentence_tokens: Sequence[str], source: Source) -> list[str]:
    """Content words of the sentence that the article does not use in any form."""
    return [w for w in content_words(sentence_tokens) if not source.has_word(w)]


def unsupported_quotes(sentence: str, source: Source) -> list[str]:
    """Quotations whose words the article does not contain near-verbatim.

    A quote of one or two words must appear as is; a longer one needs three quarters of its
    word pairs in the article.
    """
    missing = []
    for quote in quotes(sentence):
        toks = tokens(quote)
        if not toks:
            continue
        if len(toks) == 1:
            ok = toks[0] in source.token_set
        else:
            pairs = list(pairwise(toks))
            share = sum(p in source.bigrams for p in pairs) / len(pairs)
            ok = share >= (1.0 if len(toks) <= 2 else 0.75)
        if not ok:
            missing.append(quote)
    return missing


def _negated(toks: Sequence[str]) -> set[str]:
    """Content words within three tokens after a negation cue."""
    found: set[str] = set()
    for i, token in enumerate(toks):
        if token in NEGATIONS:
            found.update(content_words(toks[i + 1 : i + 4]))
    return found


def negation_flip(sentence_tokens: Sequence[str], passage_tokens: Sequence[str]) -> str:
    """A content word negated in one text and asserted in the other; '' when none."""
    shared = set(content_words(sentence_tokens)) & set(passage_tokens)
    in_sentence = _negated(sentence_tokens) & shared
    in_passage = _negated(passage_tokens) & shared
    flipped = sorted(in_sentence ^ in_passage)
    return flipped[0] if flipped else ""


def swapped_names(sentence: str, passage: str) -> tuple[str, str] | None:
    """Two names that the passage mentions in the opposite order (``A beat B`` / ``B beat A``)."""
    found = [n for n in names(sentence, initial=True) if n.lower() in passage.lower()]
    for first, second in pairwise(found):
        if first.lower() == second.lower():
            continue
        if passage.lower().find(first.lower()) > passage.lower().find(second.lower()):
            return first, second
    return None
