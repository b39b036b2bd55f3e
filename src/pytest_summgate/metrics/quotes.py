"""Quotations in a summary sentence: are they the article's words, and the same speaker's?

Quotation marks come straight (``"``), curly, as CNN/DailyMail's tokenized ```` `` ... '' ````
and ``` ... '``, or single. A quotation is at most a few hundred characters. Finding them is
linear in the sentence: each stretch of text is searched once for the next closing mark of a
kind, however many marks are left unclosed and however much space follows them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from .lexicon import find, tokens, word_list
from .names import TITLES, Name, find_names

_LONGEST = 400  # characters of a quotation, at most


@dataclass(frozen=True)
class _Kind:
    """One kind of quotation: its opening mark (with the context it needs), its closing
    mark (with what may not follow it), and a mark its words cannot hold."""

    opens: re.Pattern[str]
    closes: re.Pattern[str]
    inside_not: str = ""


# In the order they are tried at a mark: two backticks open a tokenized quotation before one
# opens a single-quoted one.
_KINDS = (
    _Kind(re.compile("``"), re.compile("''")),
    _Kind(re.compile('"'), re.compile('"'), '"'),
    _Kind(re.compile("“"), re.compile("”"), "”"),
    # Single quotes, and CNN/DM's tokenized "` ... '"; "'re" and "'s" open no quotation.
    _Kind(
        re.compile(r"(?<![\w'’`])['‘`](?!(?:s|re|ve|ll|d|m|t)\b)"),
        re.compile(r"['’](?![\w'’])"),
    ),
)
_MARK = re.compile("[\"“'‘`]")
_TEXT = re.compile(r"\S")
_NEWLINE = re.compile("\n")
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
    """Quoted passages: ``"..."``, curly quotes, ````...''`` and single quotes.

    A quotation is the first closing mark of its kind after its opening mark, within
    :data:`_LONGEST` characters of its words and on one line; spaces around its words are
    not its words. Scanned left to right, a quotation's closing mark opens no other.
    """
    kinds = [_Closing(kind, sentence) for kind in _KINDS]
    found = []
    position = 0
    while (mark := _MARK.search(sentence, position)) is not None:
        # The kinds in order, as a regular expression's alternatives would be tried.
        quotation = next(filter(None, (kind.at(mark.start()) for kind in kinds)), None)
        if quotation is None:
            position = mark.start() + 1
            continue
        words, end = quotation
        inner = words.strip(_MARKS + " ,;:\\").removesuffix(".")
        if inner:
            found.append(Quote(inner, (mark.start(), end)))
        position = end
    return found


class _Ahead:
    """Where ``pattern`` next matches at or after a position. Asked for positions in
    increasing order, as a left-to-right scan asks, each stretch of text is searched once:
    a thousand unclosed marks do not search the rest of the text a thousand times."""

    def __init__(self, pattern: re.Pattern[str], text: str) -> None:
        self.pattern, self.text = pattern, text
        self.asked, self.found = 0, -1  # no match starts in text[asked:found]

    def first(self, position: int) -> int:
        """The start of the first match at or after ``position``; len(text) if none."""
        if not self.asked <= position <= self.found:
            match = self.pattern.search(self.text, position)
            self.asked, self.found = position, match.start() if match else len(self.text)
        return self.found


class _Closing:
    """The quotations of one kind in one sentence, asked for at marks left to right."""

    def __init__(self, kind: _Kind, sentence: str) -> None:
        self.kind, self.sentence = kind, sentence
        # One of each per kind, so that each is asked for increasing positions.
        self.text = _Ahead(_TEXT, sentence)
        self.newline = _Ahead(_NEWLINE, sentence)
        self.mark = _Ahead(kind.closes, sentence)
        self.words_end: dict[int, int] = {}  # a closing mark: where the space before it starts

    def at(self, start: int) -> tuple[str, int] | None:
        """The quotation of this kind opening at ``start``: its words (the spaces after the
        opening mark and before the closing one left out) and where its closing mark ends;
        None when none opens there."""
        sentence, kind = self.sentence, self.kind
        opening = kind.opens.match(sentence, start)
        if opening is None:
            return None
        after = opening.end()
        begin = self.text.first(after)
        close = self.mark.first(begin + 1)
        if close < len(sentence):
            end = self._words_end(begin, close)
            if (
                end - begin <= _LONGEST
                and sentence[begin] not in kind.inside_not
                and self.newline.first(begin) >= end
            ):
                return sentence[begin:end], self._after_mark(close)
        # Only spaces between the marks: a quotation of one space (any but a line break)
        # that closes right after them. It has no words, but its closing mark opens nothing.
        if begin > after and kind.closes.match(sentence, begin):
            spaces = sentence[after:begin].replace("\n", "")
            if spaces:
                return spaces[-1], self._after_mark(begin)
        return None

    def _words_end(self, begin: int, close: int) -> int:
        """Where the space before a closing mark starts (the mark itself if none)."""
        if close not in self.words_end:
            # ``begin`` is no space and precedes the mark, and a later mark is first asked
            # with a ``begin`` past this one: the stretches stripped do not overlap.
            self.words_end[close] = begin + len(self.sentence[begin:close].rstrip())
        return self.words_end[close]

    def _after_mark(self, close: int) -> int:
        closed = self.kind.closes.match(self.sentence, close)
        assert closed is not None
        return closed.end()


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
