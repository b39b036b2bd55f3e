"""Polarity against the supporting passage: a negation inserted or removed, and a direction
word turned into its opposite (rose / fell, more / fewer, won / lost, before / after).

Both compare one word of the summary sentence with the same word (or its antonym) in the
article passage that supports it, said with the same context: a content word next to it in
the sentence is next to it in the passage. A negation kept in other words (``did not
attend`` / ``stayed away``, ``refused to pay`` / ``did not pay``) is not a flip.

The predicates of the parse (:mod:`.predicates`) decide a flip of a verb in any clause; this
word-level reading stays for what the parse has no predicate for (a flipped adjective or
adverb: ``higher`` / ``lower``, ``before`` / ``after``), where it is evidence, and for text
the English pipeline cannot read, where it is all there is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import clauses, context, is_content, stem, word_list

# Negations that reverse the next content word ("will not charge", "never attended").
_STRONG = frozenset(["not", "never", "cannot"])
# Negations whose reach is unclear ("nobody was hurt", "without paying", "refused to pay"):
# they keep a negation ("did not pay" / "refused to pay") but never make a flip on their own.
_WEAK = frozenset(word_list("no nobody nothing none neither nor without unlikely unable unwilling"))
# Likewise for verbs that deny what follows ("refused to pay").
_WEAK_VERB_WORDS = word_list("refuse deny fail decline reject avoid")
# What is only possible, intended or expected ("would attend", "could face a ban", "plans to
# build"): a flip only against the same word under the same modal or verb ("could not face"
# / "could face"), never against an assertion.
_MODAL_WORDS = word_list(
    """
    would could might may should intend plan expect hope want wish consider threaten
    propose seek try
    """
)


# Stemmed on first use, not at import: stemming loads nltk (0.7 s), and collection (which
# imports the scorers) must stay light.
@lru_cache(maxsize=1)
def _weak_verbs() -> frozenset[str]:
    return frozenset(stem(w) for w in _WEAK_VERB_WORDS)


@lru_cache(maxsize=1)
def _modals() -> frozenset[str]:
    return frozenset(stem(w) for w in _MODAL_WORDS)


# Every negation word: not content, whatever the polarity of the clause.
NEGATIONS = _STRONG | _WEAK
# Not a negation: "not only", "not just", "no doubt", "no matter".
_NOT_NEGATING = frozenset(word_list("only just doubt matter less more"))
# Words a negation reaches past to the word it negates.
_PAST = frozenset(
    word_list(
        """
        longer yet even always ever quite been be being later again anymore
        """
    )
)
_REACH = 4
_SAME = 8  # occurrences of one word compared (the bound keeps the checks linear)

# Antonym pairs of direction and comparison words, as word forms.
_DIRECTIONS = [
    ("arrive arrives arrived arriving", "depart departs departed departing"),
    (
        "start starts started starting begin begins began begun beginning",
        "end ends ended ending finish finishes finished finishing",
    ),
    ("east eastern", "west western"),
    ("north northern", "south southern"),
    (
        "rise rises rising rose risen increase increases increased increasing grow grows "
        "grew grown growing climb climbs climbed climbing soar soared surge surged",
        "fall falls falling fell fallen decrease decreases decreased decreasing decline "
        "declines declined declining shrink shrinks shrank shrunk shrinking drop drops "
        "dropped dropping plunge plunged slump slumped",
    ),
    (
        "win wins won winning winner winners victory gain gains gained",
        "lose loses lost losing loser losers defeat",
    ),
    ("opened reopened", "closed"),  # "open" and "close" are adjectives too
    ("stronger strongest", "weaker weakest"),
    ("expensive dearer", "cheap cheaper cheapest inexpensive"),
    ("more", "fewer less"),
    ("most", "fewest least"),
    ("higher", "lower"),
    ("highest", "lowest"),
    ("larger bigger greater", "smaller"),
    ("largest biggest greatest", "smallest"),
    ("above", "below"),
    ("before", "after"),
    ("earlier", "later"),
    ("earliest", "latest"),
    ("maximum", "minimum"),
    ("better", "worse"),
    ("best", "worst"),
    ("majority", "minority"),
    ("profit profits", "loss losses"),
    ("buy buys bought buying", "sell sells sold selling"),
    ("import imports imported", "export exports exported"),
    ("strengthen strengthens strengthened", "weaken weakens weakened"),
    ("accept accepts accepted approve approves approved", "reject rejects rejected"),
    ("support supports supported", "oppose opposes opposed"),
    ("positive", "negative"),
    ("inside", "outside"),
    ("older oldest", "younger youngest"),
    ("longer longest", "shorter shortest"),
    ("faster fastest", "slower slowest"),
    ("richer richest", "poorer poorest"),
]
# Each form to (pair number, side).
DIRECTION = {
    form: (number, side)
    for number, sides in enumerate(_DIRECTIONS)
    for side, forms in enumerate(sides)
    for form in forms.split()
}


def lemma(token: str) -> str:
    """The word's stem; one key for every form of a direction word ("rose" is "rise")."""
    if token in DIRECTION:
        pair, side = DIRECTION[token]
        return f"{pair}:{side}"
    return stem(token)


@dataclass(frozen=True)
class Word:
    """A token of a clause, with its stem, whether it is negated, and its context."""

    token: str
    stem: str  # what the forms of one word share
    polarity: str  # "negated" (not, never), "weak" (no, refused to...) or ""
    context: frozenset[str]
    window: tuple[str, ...]  # the tokens around it (and its negation): copied or not
    modal: str = ""  # the modal it is said under ("could face"), or ""
    clause: tuple[str, ...] = ()  # its clause without negation words


@lru_cache(maxsize=4096)  # an article's passages are read for each summary of it
def read_text(passage: str) -> tuple[Word, ...]:
    """Every content word of the text, with its polarity and context."""
    return tuple(read(clauses(passage)))


def read(clauses: Sequence[Sequence[str]]) -> list[Word]:
    """Every content word of the clauses, with its polarity and context."""
    words = []
    for toks in clauses:
        polarity = [""] * len(toks)
        negator = list(range(len(toks)))  # where the negation of each word stands
        modal = [""] * len(toks)
        first = len(toks)  # the first negation of the clause
        for i, token in enumerate(toks):
            if stem(token) in _modals():
                modal[i + 1 :] = [stem(token)] * (len(toks) - i - 1)
                continue
            strong = token in _STRONG
            if not (strong or token in _WEAK or stem(token) in _weak_verbs()):
                continue
            if i + 1 < len(toks) and toks[i + 1] in _NOT_NEGATING:
                continue
            for j in range(i + 1, min(i + 1 + _REACH, len(toks))):
                # Past an adverb too: "not reportedly called" negates "called".
                if is_content(toks[j]) and toks[j] not in _PAST and not toks[j].endswith("ly"):
                    # "no" negates a noun right after it ("no injuries"); further it is weak.
                    sure = strong or (token == "no" and j == i + 1)
                    polarity[j] = "negated" if sure else "weak"
                    negator[j] = i
                    break
            first = min(first, i)
        # The rest of the clause may be in a negation's reach ("not fit enough to play"): it
        # keeps a negation but makes no flip.
        for j in range(first + 1, len(toks)):
            polarity[j] = polarity[j] or "weak"
        clause = tuple(t for t in toks if t not in NEGATIONS)
        for i, token in enumerate(toks):
            if (is_content(token) and token not in NEGATIONS) or token in DIRECTION:
                near = context(toks, i, i + 1) - {stem(token)} - NEGATIONS
                window = tuple(toks[max(min(i - 3, negator[i]), 0) : i + 2])
                words.append(
                    Word(
                        token, lemma(token), polarity[i], frozenset(near), window, modal[i], clause
                    )
                )
    return words


def negation_flip(
    sentence: Sequence[Word], passage: Sequence[Word], copied: Callable[[Sequence[str]], bool]
) -> tuple[str, str]:
    """A word negated in one text and plainly asserted in the other, said with the same
    context, in a phrase of the sentence that is not copied from the article: (the word as
    the sentence has it, "summary" or "article": which one negates it); ("", "") when none."""
    for ours, theirs, negator in ((sentence, passage, "summary"), (passage, sentence, "article")):
        by_stem: dict[str, list[Word]] = {}
        for w in theirs:
            by_stem.setdefault(w.stem, []).append(w)
        for word in ours:
            if word.polarity != "negated":
                continue
            same = by_stem.get(word.stem, [])
            # Said otherwise anywhere in the passage (negated, or under another modal): open.
            if not same or any(w.polarity or w.modal != word.modal for w in same):
                continue
            for other in same[:_SAME]:
                said = word if negator == "summary" else other
                # Said with the same words next to it, or in the same clause but for the
                # negation (a word alone in its clause has no context).
                alike = other.context & word.context or other.clause == word.clause
                if alike and other.modal == word.modal and not copied(said.window):
                    return said.token, negator
    return "", ""


def direction_flip(
    sentence: Sequence[Word], passage: Sequence[Word], copied: Callable[[Sequence[str]], bool]
) -> tuple[str, str]:
    """A direction word of the passage turned into its opposite in the sentence, said with
    the same context, in a phrase not copied from the article: (the sentence's word, the
    passage's word); ("", "") when none."""
    ours = Counter(DIRECTION[w.token] for w in sentence if w.token in DIRECTION)
    theirs: dict[tuple[int, int], list[Word]] = {}
    for w in passage:
        if w.token in DIRECTION:
            theirs.setdefault(DIRECTION[w.token], []).append(w)
    for word in sentence:
        if word.token not in DIRECTION or word.polarity == "negated" or copied(word.window):
            continue
        pair, side = DIRECTION[word.token]
        opposite = theirs.get((pair, 1 - side), [])
        # The sentence has the word's side too, or as many of the opposite as the passage
        # ("rose and fell"): each may be the passage's own.
        if (pair, side) in theirs or ours[pair, 1 - side] >= len(opposite):
            continue
        for other in opposite[:_SAME]:
            # Said in the same reach of a negation ("not ... after" / "not ... before"), with
            # the same words next to it or the same clause but for this word.
            alike = word.context & other.context or _rest(word) == _rest(other)
            if other.polarity == word.polarity and alike:
                return word.token, other.token
    return "", ""


def _rest(word: Word) -> tuple[str, ...]:
    """The word's clause without it: the claim it is said in."""
    return tuple(t for t in word.clause if t != word.token)


def claim_words(sentence: Sequence[str]) -> list[str]:
    """The keys of the sentence's content words (negations left out), as :func:`overlap`
    compares them."""
    return [lemma(t) for t in sentence if is_content(t) and t not in NEGATIONS]


def overlap(sentence: Sequence[str], passage: Sequence[str]) -> float:
    """The share of the sentence's content words (negations left out) that the passage has
    in some form: how far the two make the same claim, whatever its polarity."""
    ours = claim_words(sentence)
    theirs = {lemma(t) for t in passage}
    return sum(w in theirs for w in ours) / len(ours) if ours else 0.0
