"""Quotations in a summary sentence: are they the article's words, and the same speaker's?

Quotation marks come straight (``"``), curly, as CNN/DailyMail's tokenized ```` `` ... '' ````
and ``` ... '``, or single. A quotation is at most a few hundred characters, so an unclosed
mark costs one bounded look-ahead, never a scan of the rest of the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from .lexicon import find, tokens, word_list
from .names import TITLES, Name, find_names

_LONGEST = 400
_QUOTE = re.compile(
    rf"``\s*([^\n]{{1,{_LONGEST}}}?)\s*''"
    rf"|\"\s*([^\"\n]{{1,{_LONGEST}}}?)\s*\""
    rf"|“\s*([^”\n]{{1,{_LONGEST}}}?)\s*”"
    # Single quotes, and CNN/DM's tokenized "` ... '"; "'re" and "'s" open no quotation.
    rf"|(?<![\w'’`])['‘`](?!(?:s|re|ve|ll|d|m|t)\b)\s*([^\n]{{1,{_LONGEST}}}?)\s*['’](?![\w'’])"
)
_QUOTES = 4  # quotations of one sentence looked up in the article
# Most tokens between a speaker and the quotation of ``X said he was "hopeful"``; the speech
# verb must follow the name at once.
_REPORTED = 24
# Words between a speaker and its speech verb (``X had said``, ``X also told``).
_AUXILIARIES = frozenset(
    word_list("had has have also then later previously again once was is would will has")
)
# A short aside after a name, between commas (``Tom Baker, the caretaker, said``).
_APPOSITION = re.compile(r"\s*,[^,;\"“”]{1,80}?,")
# A sentence's end between a name and a quotation: the name says nothing of it.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s")
_MARKS = "\"'“”‘’`"
# Verbs that attribute words to a speaker.
SPEECH = frozenset(
    word_list(
        """
        said says say saying told tells tell added adds wrote writes write stated states
        explained explains claimed claims insisted insists warned warns argued argues
        declared declares announced announces noted notes asked asks replied replies urged
        urges demanded demands admitted admits recalled recalls tweeted tweets posted posts
        commented comments remarked remarks continued continues concluded concludes
        acknowledged acknowledges suggested suggests described describes called calls
        vowed vows pledged pledges promised promises
        """
    )
)


@dataclass(frozen=True)
class Quote:
    """A quotation: its words without the quotation marks, and where it stands."""

    text: str
    span: tuple[int, int]


def find_quotes(sentence: str) -> list[Quote]:
    """Quoted passages: ``"..."``, curly quotes, ````...''`` and single quotes."""
    found = []
    for match in _QUOTE.finditer(sentence):
        inner = next(g for g in match.groups() if g).strip(_MARKS + " ,;:\\").removesuffix(".")
        if inner:
            found.append(Quote(inner, match.span()))
    return found


def quotes(sentence: str) -> list[str]:
    """The words of each quotation, without its marks."""
    return [q.text for q in find_quotes(sentence)]


def supported(
    quote: str, article_tokens: frozenset[str], article_bigrams: set[tuple[str, str]]
) -> bool:
    """The article has the quotation near-verbatim: a quote of one or two words as is, a
    longer one with three quarters of its word pairs."""
    # "unk" stands for a word a model could not spell: it matches nothing, and nothing fails.
    toks = [t for t in tokens(quote) if t != "unk"]
    if not toks:
        return True
    if len(toks) == 1:
        return toks[0] in article_tokens
    pairs = list(pairwise(toks))
    share = sum(p in article_bigrams for p in pairs) / len(pairs)
    return share >= (1.0 if len(toks) <= 2 else 0.75)


def speaker(sentence: str, quote: Quote, names: Sequence[Name]) -> Name | None:
    """The name the sentence gives the quotation to: ``X said "..."``, ``X told Y: "..."``,
    ``X said he was "..."``, ``"...", said X``, ``"..." X said`` or ``according to X``; None
    when no name is given it that way (``he said``)."""
    start, end = quote.span
    for name in reversed([n for n in names if n.span[1] <= start]):
        gap = sentence[name.span[1] : start]
        if len(gap) > 200 or _SENTENCE_END.search(gap):
            break
        apposition = _APPOSITION.match(gap)
        if apposition:  # "Tom Baker, the caretaker, told...": the name before it speaks
            gap = gap[apposition.end() :]
        elif gap.lstrip().startswith(","):  # "X, head of the BGS, said": not the BGS
            continue
        between = tokens(gap)
        if len(between) <= _REPORTED and _speaks(between):
            return name
    after = [n for n in names if n.span[0] >= end]
    if after:
        name = after[0]
        between = tokens(sentence[end : name.span[0]][:80])
        follows = tokens(sentence[name.span[1] : name.span[1] + 30])[:2]
        if len(between) <= 2 and SPEECH.intersection([*between, *follows]):
            return name
    for name in names:
        if tokens(sentence[max(name.span[0] - 20, 0) : name.span[0]])[-2:] == ["according", "to"]:
            return name
    return None


def _speaks(between: Sequence[str]) -> bool:
    """The words after a name open with its speech verb: ``said``, ``told``, ``had said``,
    ``angrily remarked``."""
    for word in between[:3]:
        if word in SPEECH:
            return True
        if word not in _AUXILIARIES and not word.endswith("ly"):
            return False
    return False


def person(name: Name) -> list[str]:
    """The words that name the speaker: not a title or a post (``Fire Minister Nick Hurd`` is
    ``nick hurd``: what follows the last title), not an initial."""
    titled = [i for i, w in enumerate(name.words[:-1]) if w in TITLES]
    words = name.words[titled[-1] + 1 :] if titled else name.words
    return [w for w in words if len(w) > 1]


def same_person(a: Name, b: Name, related: Callable[[str, str], bool]) -> bool:
    """Two names of one speaker: a word in common in any of its forms (a surname alone)."""
    return any(related(x, y) for x in person(a) for y in person(b))


def misattributed(
    sentence: str,
    names: Sequence[Name],
    article_sentences: Sequence[tuple[str, list[str]]],
    related: Callable[[str, str], bool],
) -> list[tuple[str, str, str]]:
    """Quotations of the article that the sentence gives to another speaker than the
    article does: (quote, the sentence's speaker, the article's speaker) for each.

    The article's speaker is the name next to the quotation in every article sentence that
    has it (a pronoun there decides nothing); the sentence's speaker must be absent there.
    """
    found = []
    for quote in find_quotes(sentence)[:_QUOTES]:
        said_by = speaker(sentence, quote, names)
        words = tokens(quote.text)[:6]
        if said_by is None or len(words) < 2:
            continue
        theirs: list[Name] = []
        for raw, toks in article_sentences:
            if find(toks, words) < 0:
                continue
            if any(w in toks for w in person(said_by)):
                theirs = []
                break
            quoted = [q for q in find_quotes(raw) if find(tokens(q.text), words) >= 0]
            who = speaker(raw, quoted[0], find_names(raw, initial=True)) if quoted else None
            if who is None:
                theirs = []
                break
            theirs.append(who)
        if theirs and not any(same_person(said_by, t, related) for t in theirs):
            found.append((quote.text, said_by.text, theirs[0].text))
    return found
