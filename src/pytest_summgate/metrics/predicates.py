"""Predicates from the parse, and the contradictions between a summary sentence's and the
article's: the same predicate negated, its direction reversed, its subject and object
swapped, or another of the article's names in its subject or object.

Each verb of a parsed sentence (spaCy's dependency parse: every clause, in any order) is a
:class:`Predicate`: its lemma, whether a ``neg`` child negates it, the modal it is said under,
and the content words of its subject and object (a passive's agent is its subject). A summary
predicate is compared with the article sentences that state the same predicate of the same
arguments (found by their words, then parsed): only a predicate whose arguments match is a
contradiction, and only when no candidate sentence states it as the summary does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import analysis
from .lexicon import word_list
from .names import spelling_variant
from .polarity import DIRECTION

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# Modals and the class they share: reported speech turns "will" into "would".
_MODALS = {
    "will": "will", "would": "will", "shall": "will", "can": "can", "could": "can",
    "may": "may", "might": "may", "must": "must", "should": "must",
}  # fmt: skip
# A clause under one of these says what is denied, doubted or only possible: it makes no
# contradiction ("refused to pay" / "paid"; "if he does not pay").
_HEDGES = frozenset(
    word_list(
        """
        refuse deny fail decline reject avoid doubt question claim allege hope want plan
        expect consider propose seek try threaten ask urge whether if unless
        """
    )
)
_MARKS = frozenset(word_list("if unless whether"))
# Verbs whose subject and object can change places with the same meaning.
_SYMMETRIC = frozenset(
    word_list("meet marry face play draw tie fight clash battle date resemble match join")
)
# Verbs too general to carry a claim of their own.
_LIGHT = frozenset(word_list("be have do say tell get make go come take give"))
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj"})
_OBJECTS = frozenset({"dobj", "attr", "oprd"})
# The article sentences compared with one summary predicate.
_CANDIDATES = 3


@dataclass(frozen=True)
class Argument:
    """A subject or object: the lemmas of its head and the words bound to the head (compound
    names, ``'s``), and whether it is a name."""

    words: frozenset[str]
    text: str
    named: bool

    def matches(self, other: Argument) -> bool:
        """A word in common, or, of two names, one spelled another way (the article's typo
        ``Gerogia``)."""
        if self.words & other.words:
            return True
        return (
            self.named
            and other.named
            and any(spelling_variant(a, b) for a in self.words for b in other.words)
        )


_NONE = Argument(frozenset(), "", False)


@dataclass(frozen=True)
class Predicate:
    """One verb of a parsed sentence with its arguments and polarity."""

    lemma: str
    negated: bool
    modal: str
    subject: Argument
    object: Argument
    hedged: bool  # under a verb of denial or doubt, or a condition
    text: str  # the verb as written

    @property
    def direction(self) -> tuple[int, int] | None:
        return DIRECTION.get(self.lemma) or DIRECTION.get(self.text.lower())


# Heads that say how much of something: "the number of murders" is about murders.
_MEASURES = frozenset(
    word_list("number percentage rate level amount share proportion total figure price cost")
)


def _argument(token: Token | None) -> Argument:
    if token is None:
        return _NONE
    if token.pos_ == "PRON":
        return _NONE  # who "he" is the parse does not say
    if token.lemma_.lower() in _MEASURES:
        of = next((c for c in token.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        measured = _child(of, frozenset({"pobj"})) if of is not None else None
        if measured is not None:
            token = measured
    bound = [token, *(c for c in token.children if c.dep_ in ("compound", "flat"))]
    # Lemma and form: "prices" matches "price", and a name matches the article's token.
    content = [t for t in bound if (t.is_alpha or t.like_num) and not t.is_stop]
    words = frozenset(w for t in content for w in (t.lemma_.lower(), t.lower_))
    start = min(t.i for t in bound)
    text = token.doc[start : token.i + 1].text
    # A name heads it: the recogniser's, or a capitalised proper noun (lowercased text
    # tags "the inter milan star" a proper noun too: a description, not a name).
    named = token.ent_type_ in analysis.NAME_LABELS or (
        token.pos_ == "PROPN" and token.text[:1].isupper()
    )
    return Argument(words, text, named)


def _child(token: Token, deps: frozenset[str]) -> Token | None:
    return next((c for c in token.children if c.dep_ in deps), None)


def _agent(token: Token) -> Token | None:
    agent = _child(token, frozenset({"agent"}))
    return _child(agent, frozenset({"pobj"})) if agent is not None else None


def hedged(token: Token) -> bool:
    """The verb's clause says what is asked, denied, doubted or only possible (under a
    verb of :data:`_HEDGES` or a condition): no assertion of its own."""
    if any(c.dep_ == "mark" and c.lower_ in _MARKS for c in token.children):
        return True
    head = token
    for _ in range(4):  # the verbs this clause hangs from
        if head.head is head:
            return False
        if head.dep_ in ("xcomp", "ccomp") and head.head.lemma_.lower() in _HEDGES:
            return True
        head = head.head
    return False


def predicates(doc: Doc) -> list[Predicate]:
    """Every verb of the analysed text with its subject, object, negation and modal; a verb
    joined to another by ``and`` shares its subject, a passive's agent is its subject."""
    found = []
    for token in doc:
        if token.pos_ not in ("VERB", "AUX") or token.dep_ in ("aux", "auxpass"):
            continue
        subject_token = _child(token, _SUBJECTS)
        object_token = _child(token, _OBJECTS)
        if subject_token is not None and subject_token.dep_ == "nsubjpass":
            subject_token, object_token = _agent(token), subject_token
        if subject_token is None and token.dep_ == "conj":
            subject_token = _child(token.head, _SUBJECTS)
        if subject_token is None and token.dep_ in ("relcl", "acl"):
            subject_token = token.head
        modal = next(
            (_MODALS[c.lower_] for c in token.children if c.dep_ == "aux" and c.lower_ in _MODALS),
            "",
        )
        negated = any(c.dep_ == "neg" for c in token.children)
        found.append(
            Predicate(
                token.lemma_.lower(),
                negated,
                modal,
                _argument(subject_token),
                _argument(object_token),
                hedged(token),
                token.text,
            )
        )
    return found


@dataclass(frozen=True)
class Contradiction:
    """A predicate of the summary that an article sentence states otherwise."""

    kind: str  # "negation", "direction", "swap" or "entity"
    reason: str


def _same_arguments(ours: Predicate, theirs: Predicate) -> bool:
    subjects = ours.subject.matches(theirs.subject)
    objects = (
        ours.object.matches(theirs.object) if ours.object.words and theirs.object.words else True
    )
    return subjects and objects


def _states(ours: Predicate, passages: Sequence[Sequence[Predicate]]) -> bool:
    """Some candidate sentence states the predicate as the summary does (same verb, same
    polarity, matching arguments): what the summary says is in the article."""
    return any(
        (p.lemma == ours.lemma or (ours.direction is not None and p.direction == ours.direction))
        and p.negated == ours.negated
        and _same_arguments(ours, p)
        for passage in passages
        for p in passage
    )


# The predicates of a sentence that are compared (a sentence of a summary or an article has
# far fewer): each is compared with each of the other's, so text of hundreds of clauses would
# cost the square of its length.
COMPARED = 24


def contradictions(
    sentence: Doc, passages: Sequence[Doc], article_words: frozenset[str]
) -> list[Contradiction]:
    """The summary sentence's predicates that the candidate article sentences state
    otherwise: negated, reversed in direction, with subject and object swapped, or with
    another of the article's names as subject or object. ``article_words``: the article's
    lowercase tokens (a name in a role must be the article's own to be misplaced)."""
    theirs = [predicates(p)[:COMPARED] for p in passages]
    found: list[Contradiction] = []
    kinds: set[str] = set()
    for ours in predicates(sentence)[:COMPARED]:
        if ours.hedged or ours.lemma in _LIGHT or not ours.subject.words:
            continue
        if _states(ours, theirs):
            continue
        for passage, their in zip(passages, theirs, strict=True):
            for other in their:
                if other.hedged or other.modal != ours.modal:
                    continue
                hit = _compare(ours, other, passage, article_words)
                if hit and hit.kind not in kinds:
                    kinds.add(hit.kind)
                    found.append(hit)
    return found


def _compare(
    ours: Predicate, other: Predicate, passage: Doc, article_words: frozenset[str]
) -> Contradiction | None:
    if ours.lemma == other.lemma:
        if ours.negated != other.negated and _same_arguments(ours, other):
            negator = "summary" if ours.negated else "article"
            return Contradiction(
                "negation",
                f'negation flipped: the {negator} negates "{ours.lemma}" '
                f"of {ours.subject.text or other.subject.text}",
            )
        if ours.negated != other.negated:
            return None
        swapped = (
            ours.object.words
            and other.object.words
            and ours.subject.matches(other.object)
            and ours.object.matches(other.subject)
            and not ours.subject.matches(ours.object)
            and ours.lemma not in _SYMMETRIC
        )
        if swapped:
            return Contradiction(
                "swap",
                f'roles swapped: the article has {other.subject.text} "{other.text}" '
                f"{other.object.text}",
            )
        return _misplaced(ours, other, passage, article_words)
    ours_direction, their_direction = ours.direction, other.direction
    if (
        ours_direction
        and their_direction
        and ours_direction[0] == their_direction[0]
        and ours_direction[1] != their_direction[1]
        and ours.negated == other.negated
        and ours.subject.matches(other.subject)
    ):
        return Contradiction(
            "direction", f'direction flipped: "{ours.text}" where the article says "{other.text}"'
        )
    return None


def _misplaced(
    ours: Predicate, other: Predicate, passage: Doc, article_words: frozenset[str]
) -> Contradiction | None:
    """Another of the article's names in the subject (or object) the passage gives the same
    predicate: both names, no word shared, the summary's name the article's own but absent
    from this sentence (where it could be the same one in other words)."""
    for role, same in (("subject", "object"), ("object", "subject")):
        mine, theirs = getattr(ours, role), getattr(other, role)
        if not (mine.named and theirs.named and mine.words and theirs.words):
            continue
        if mine.matches(theirs) or not getattr(ours, same).matches(getattr(other, same)):
            continue
        in_passage = {t.lower_ for t in passage} | {t.lemma_.lower() for t in passage}
        if not mine.words <= article_words or mine.words & in_passage:
            continue
        return Contradiction(
            "entity",
            f'wrong {role}: the article says {theirs.text} "{other.text}" here, not {mine.text}',
        )
    return None


def _name_tokens(token: Token) -> list[Token]:
    """The proper nouns bound to ``token`` (``Ruud`` of ``Ruud Gullit``), and the token."""
    bound = [t for t in token.children if t.dep_ in ("compound", "flat") and t.pos_ == "PROPN"]
    return [*bound, token]


def _name_words(token: Token) -> frozenset[str] | None:
    """The words of the name ``token`` heads (``Ruud Gullit``), or None when it is no name."""
    if token.pos_ != "PROPN" and token.ent_type_ not in analysis.NAME_LABELS:
        return None
    return frozenset(t.lower_ for t in _name_tokens(token))


def _partners(verb: Token) -> list[Token]:
    """What the verb relates its subject to: its object, the agent of a passive, and the
    objects of its prepositions and of its complement's (``assistant to Gullit``)."""
    heads = [verb, *(c for c in verb.children if c.dep_ in ("dobj", "attr", "acomp", "oprd"))]
    found = [c for c in verb.children if c.dep_ in ("dobj", "attr", "oprd")]
    for head in heads:
        for prep in (c for c in head.children if c.dep_ in ("prep", "agent", "dative")):
            found += [c for c in prep.children if c.dep_ == "pobj"]
    return found


def _run_on(name: Token) -> bool:
    """The name opens a sentence that lost its full stop, which the parse joined to the one
    before: it follows another name's word (``at the Kensington Oval Ben Stokes is``) or a
    finite verb follows it (``watched El Clasico with Neymar helped Brazil``)."""
    doc = name.doc
    first = min(t.i for t in _name_tokens(name))
    before = doc[first - 1] if first > 0 else None
    after = doc[name.i + 1] if name.i + 1 < len(doc) else None
    return (before is not None and before.pos_ == "PROPN") or (
        after is not None and after.tag_ in ("VBD", "VBZ", "VBP", "MD")
    )


def circular(sentence: Doc) -> list[Contradiction]:
    """One name as both the subject of a verb and what the verb relates it to (``PSV have
    informed PSV``, ``Gullit was assistant to Ruud Gullit``): no article says that of one
    name, a summarizer does when it copies a name into the place of another. Two names that
    share a word are one only when one's words are all the other's (``Phil Neville replaced
    Gary Neville`` is two brothers, ``Inter Milan drew with AC Milan`` two clubs)."""
    for verb in sentence:
        if verb.pos_ not in ("VERB", "AUX") or verb.dep_ in ("aux", "auxpass"):
            continue
        subject = _child(verb, _SUBJECTS)  # a passive's subject, set beside its agent
        if subject is None:
            continue
        ours = _name_words(subject)
        if not ours:
            continue
        for partner in _partners(verb)[:COMPARED]:
            theirs = _name_words(partner)
            if (
                theirs
                and partner.lower_ == subject.lower_
                and (ours <= theirs or theirs <= ours)
                and not _run_on(partner)
            ):
                reason = (
                    f'one name on both sides of "{verb.text}": {subject.text} ... {partner.text}'
                )
                return [Contradiction("circular", reason)]
    return []


def _figures(doc: Doc) -> list[tuple[str, str, str]]:
    """Each number bound to a noun (``16 goals``): (the number as written, the noun's lemma,
    the noun as written)."""
    found = []
    for token in doc:
        if token.dep_ == "nummod" and token.like_num and token.head.pos_ == "NOUN":
            found.append(
                (token.lower_.replace(",", ""), token.head.lemma_.lower(), token.head.text)
            )
    return found


def rebound_numbers(sentence: Doc, passages: Sequence[Doc]) -> list[Contradiction]:
    """A number of the summary bound to a noun (``16 goals``) where a candidate sentence binds
    that number to another noun and gives the noun another number (``11 goals in 16 games``),
    and no candidate binds it as the summary does."""
    theirs = [f for p in passages for f in _figures(p)[:COMPARED]]
    bound = {(number, noun) for number, noun, _ in theirs}
    found = []
    for number, noun, written in _figures(sentence)[:COMPARED]:
        if (number, noun) in bound:
            continue
        elsewhere = [w for n, lemma, w in theirs if n == number and lemma != noun]
        others = [n for n, lemma, _ in theirs if lemma == noun and n != number]
        if elsewhere and others:
            found.append(
                Contradiction(
                    "figure",
                    f"number {number} is the article's figure for {elsewhere[0]}, not "
                    f"{written} (it has {others[0]} {written})",
                )
            )
    return found[:1]
