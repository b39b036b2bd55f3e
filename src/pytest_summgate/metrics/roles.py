"""Who did what, when: the supporting passage's claim with another name, date or number in
one slot, and the subject and object of one verb swapped.

A slot is an item of the sentence (a name, a weekday, a number) that the passage does not
have, where the passage has another item of the same sort that the sentence does not, said
with the same context (a content word next to one is next to the other), in a sentence that
otherwise says what the passage says.

Dates and numbers in a slot are compared here (the pipeline finds a number but does not say
that ``Tuesday`` and ``Wednesday`` are two values of one slot); who did what to whom in a
clause is the parse's (:mod:`.predicates`), and this module's word-order reading of names is
evidence only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import find, is_content, stem, tokens, word_list

# Share of the sentence's content words that must be in the passage for the two to make the
# same claim.
SAME_CLAIM = 0.6
_WINDOW = 60  # characters each side of an item read for its context
_GAP = 6  # most tokens between the two names of a subject-verb-object claim
_SENTENCE_END = re.compile(r"[.!?;](?=\s)")


@dataclass(frozen=True)
class Item:
    """A name, date or number in a text: how it reads, how it compares, where it stands."""

    text: str
    key: str  # what equal items share (lowercase words, a value)
    sort: str  # "name", "weekday", "month", "year" or "number"
    span: tuple[int, int]


def item_context(passage: str, item: Item, keys: set[str]) -> set[str]:
    """Stems of the three content words on each side of the item within its sentence,
    leaving out every item."""
    start, end = item.span
    before = _SENTENCE_END.split(passage[max(start - _WINDOW, 0) : start])[-1]
    after = _SENTENCE_END.split(passage[end : end + _WINDOW])[0]
    left = [t for t in tokens(before) if is_content(t)]
    right = [t for t in tokens(after) if is_content(t)]
    return {stem(t) for t in [*left[-3:], *right[:3]] if t not in keys}


def slot_swaps(
    sentence: str,
    ours: Sequence[Item],
    passage: str,
    theirs: Sequence[Item],
    same: Callable[[Item, Item], bool],
    claim_overlap: float,
) -> list[tuple[Item, Item]]:
    """Items of the sentence that the passage lacks (``ours``) put in the place of an item
    of the passage that the sentence lacks (``theirs``): (the sentence's item, the
    passage's item) for each."""
    if claim_overlap < SAME_CLAIM:
        return []
    found = []
    keys = {w for item in [*ours, *theirs] for w in item.key.split()}
    for item in ours:
        near = item_context(sentence, item, keys)
        shared = [
            (len(near & item_context(passage, other, keys)), -i, other)
            for i, other in enumerate(theirs)
            if other.sort == item.sort and not same(item, other)
        ]
        best = max(shared, key=lambda s: s[:2], default=None)
        if best and best[0]:  # the passage's item said most alike
            found.append((item, best[2]))
    return found


def swapped(
    sentence: Sequence[str],
    passage: Sequence[str],
    names: Sequence[tuple[str, tuple[str, ...]]],
) -> tuple[str, str, str] | None:
    """Two names on opposite sides of one verb in both texts, in swapped places (``A beat
    B`` / ``B beat A``): (A, B, the verb as the passage has it), or None.

    ``names`` are the sentence's names that the passage also has, as (text, tokens). A passive
    in one text only (``B was beaten by A``) is the same claim, not a swap.
    """
    for i, (a_text, a) in enumerate(names):
        for b_text, b in names[i + 1 :]:
            if a == b:
                continue
            a_here, b_here = find(sentence, a), find(sentence, b)
            b_there, a_there = find(passage, b), find(passage, a)
            if min(a_here, b_here, a_there, b_there) < 0:
                continue
            if not (a_here < b_here and b_there < a_there):
                continue
            ours = list(sentence[a_here + len(a) : b_here])
            theirs = list(passage[b_there + len(b) : a_there])
            if max(len(ours), len(theirs)) > _GAP or ("by" in ours) != ("by" in theirs):
                continue
            verbs = {stem(t) for t in ours if _verb_like(t)}
            shared = [t for t in theirs if _verb_like(t) and stem(t) in verbs]
            if shared and find(passage[a_there + len(a) :], b) < 0:
                return a_text, b_text, shared[0]
    return None


# Words before a noun that do not change its role ("the", "its closure").
_ARTICLES = frozenset(word_list("a an the its his her their our my your this that these those"))
# Function words that are the verb of a claim between two names ("X told Y").
_TOLD = frozenset(word_list("tell tells told telling"))


def _verb_like(token: str) -> bool:
    return is_content(token) or token in _TOLD


# Verbs whose subject and object can change places without changing the claim.
_SYMMETRIC_WORDS = word_list(
    """
    meet met marry married face faced play played draw drew drawn tie tied fight fought
    clash clashed battle battled date dated resemble resembled match matched join joined
    """
)


@lru_cache(maxsize=1)
def _symmetric() -> frozenset[str]:
    """Stemmed on first use: stemming loads nltk, which collection must not pay for."""
    return frozenset(stem(w) for w in _SYMMETRIC_WORDS)


def _head_before(toks: Sequence[str], i: int) -> int:
    """The index of the last word of the noun phrase before ``toks[i]`` (an auxiliary or
    two between), or -1."""
    for j in range(i - 1, max(i - 4, -1), -1):
        if is_content(toks[j]):
            return j
    return -1


def _head_after(toks: Sequence[str], i: int) -> int:
    """The index of the last word of the noun phrase after ``toks[i]`` (``the Belgian
    starlet``: starlet), or -1."""
    j = i + 1
    while j < len(toks) and j < i + 4 and not is_content(toks[j]):
        j += 1
    if j >= len(toks) or not is_content(toks[j]):
        return -1
    while j + 1 < len(toks) and j < i + 6 and is_content(toks[j + 1]):
        j += 1
    return j


def _roles_of(
    clauses: Sequence[Sequence[str]],
) -> dict[str, list[tuple[str, str, frozenset[str]]]]:
    """For each verb-like content word: the heads before and after it, and the function
    words between it and the one after (``by`` of a passive, ``in`` of "based in")."""
    found: dict[str, list[tuple[str, str, frozenset[str]]]] = {}
    for toks in clauses:
        for i, token in enumerate(toks):
            if not is_content(token) or stem(token) in _symmetric():
                continue
            before, after = _head_before(toks, i), _head_after(toks, i)
            if before >= 0 and after >= 0:
                between = frozenset(t for t in toks[i + 1 : after] if not is_content(t))
                between -= _ARTICLES
                roles = (stem(toks[before]), stem(toks[after]), between)
                found.setdefault(stem(token), []).append(roles)
    return found


def swapped_heads(
    sentence: Sequence[Sequence[str]], passage: Sequence[Sequence[str]]
) -> tuple[str, str, str] | None:
    """The heads of the noun phrases on the two sides of one verb, in swapped places (``the
    winds carried the smoke`` / ``the smoke carried the winds``): (the sentence's first
    head, its second, the verb), or None. A passive or a preposition in one text only
    (``beaten by``, ``X-based Y`` / ``Y based in X``) is the same claim."""
    theirs = _roles_of(passage)
    words = {stem(t): t for toks in sentence for t in toks}
    for verb, ours in _roles_of(sentence).items():
        for a, b, between in ours[:4]:
            for c, d, their_between in theirs.get(verb, [])[:4]:
                if a != b and (a, b) == (d, c) and between == their_between:
                    return words.get(a, a), words.get(b, b), words.get(verb, verb)
    return None
