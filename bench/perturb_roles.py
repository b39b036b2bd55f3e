"""Unfaithful rules on who did what and which number counts what, read off spaCy's parse.

Types: role (the subject or object of a verb, a name of the article, replaced by another name
the article uses elsewhere: ``Chelsea beat Arsenal`` -> ``Spurs beat Arsenal``) and figure
(two numbers bound to nouns exchanged: ``11 goals in 16 games`` -> ``16 goals in 11 games``).

Each is made only where it contradicts the article: the article states the original (the verb
with both names in their roles; each number with its noun) and never the variant (the new
name in that role with the verb and the other name; a number with the other noun). The parse
is spaCy's (:func:`pytest_summgate.metrics.analysis.parse`, as the claim checks read it); the
article is parsed once (:func:`facts`).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from perturb_world import same_place
from perturbations import (
    FUNCTION_WORDS,
    TITLES,
    Context,
    Variant,
    day_of_month,
    key,
    lower_words,
    match_case,
    related,
    splice,
)

from pytest_summgate.metrics import analysis

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

# Names that can take another's role; a group (NORP) or a date cannot.
_LABELS = frozenset({"PERSON", "ORG", "GPE"})
# Verbs whose subject and object can change places with the same meaning, and verbs too
# general to make a claim of who did what.
_SYMMETRIC = frozenset(
    [
        "meet",
        "marry",
        "face",
        "play",
        "draw",
        "tie",
        "fight",
        "clash",
        "battle",
        "date",
        "resemble",
        "match",
        "join",
        "be",
        "have",
    ]
)
_SKIPPED_NUMBERS = frozenset({"1", "one", "0", "zero"})  # "1 goal" -> "16 goal"


@dataclass
class Facts:
    """What an article states, parsed once: its names by label (the most frequent form of
    each first), who does what, and which number counts which noun."""

    names: dict[str, Counter[str]] = field(default_factory=dict)
    # (verb lemma, subject words, object words)
    predicates: set[tuple[str, frozenset[str], frozenset[str]]] = field(default_factory=set)
    figures: set[tuple[str, str]] = field(default_factory=set)  # (number, noun lemma)
    surnames: set[str] = field(default_factory=set)  # single-word names the article writes

    def label(self, name: str) -> str:
        """The type the article's entities give this name most often, or ''."""
        counts = {label: forms[name] for label, forms in self.names.items() if name in forms}
        return max(counts, key=lambda k: counts[k]) if counts else ""


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in lower_words(text) if w not in FUNCTION_WORDS)


def _name_span(token: Token | None, found: Facts) -> Span | None:
    """The name (person, organisation, place) the token is part of: a named entity, or a
    proper noun with its compounds that the article names as one."""
    if token is None:
        return None
    doc = token.doc
    for ent in doc.ents:
        if ent.start <= token.i < ent.end:
            return ent if ent.label_ in _LABELS else None
    if token.pos_ != "PROPN":
        return None
    bound = [token, *(c for c in token.children if c.dep_ in ("compound", "flat"))]
    start, end = min(t.i for t in bound), max(t.i for t in bound) + 1
    if end - start != len(bound) or any(t.pos_ != "PROPN" for t in bound):
        return None
    span = doc[start:end]
    label = found.label(span.text)
    return doc.char_span(span.start_char, span.end_char, label=label) if label else None


def _arguments(verb: Token) -> tuple[Token | None, Token | None]:
    """The verb's subject and object (a passive's agent is its subject)."""
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
    if subject is not None and subject.dep_ == "nsubjpass":
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        by = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent else None
        subject, obj = by, subject
    return subject, obj


def _argument_words(token: Token | None) -> frozenset[str]:
    """The words of a subject or object: its head and the words compounded with it."""
    if token is None:
        return frozenset()
    bound = [token, *(c for c in token.children if c.dep_ in ("compound", "flat"))]
    return _words(" ".join(t.text for t in bound))


def _figures(doc: Doc) -> list[tuple[Token, Token]]:
    """Numbers bound to a noun (``16 games``): the number a single token, not a year, a date,
    an amount or a share."""
    found = []
    for t in doc:
        head = t.head
        if t.dep_ != "nummod" or not t.like_num or list(t.children) or head.pos_ != "NOUN":
            continue
        if not t.whitespace_:
            continue  # "2km": a unit written onto its number
        year = re.fullmatch(r"1[89]\d\d|20\d\d", t.text) is not None
        if year or t.ent_type_ in ("DATE", "TIME", "MONEY", "PERCENT") or not head.is_alpha:
            continue
        if day_of_month(doc.text, t.idx, t.idx + len(t.text)):
            continue  # "the 12 August blast", "a march 4 incident": a date the parse missed
        found.append((t, head))
    return found


def _number(token: Token) -> str:
    return token.lower_.replace(",", "")


@lru_cache(maxsize=32)
def facts(sentences: tuple[str, ...]) -> Facts:
    """The article's names, predicates and figures (its sentences parsed in one batch)."""
    analysis.warm(sentences)
    found = Facts()
    for sentence in sentences:
        doc = analysis.parse(sentence)
        for ent in doc.ents:
            if ent.label_ in _LABELS:
                name = re.sub(r"^(?:[Tt]he\s+)", "", ent.text.strip())
                found.names.setdefault(ent.label_, Counter())[name] += 1
                if " " not in name:
                    found.surnames.add(name)
        for token in doc:
            if token.pos_ == "VERB":
                subject, obj = _arguments(token)
                found.predicates.add(
                    (token.lemma_.lower(), _argument_words(subject), _argument_words(obj))
                )
        found.figures |= {(_number(n), noun.lemma_.lower()) for n, noun in _figures(doc)}
    return found


def _states(found: Facts, lemma: str, subject: frozenset[str], obj: frozenset[str]) -> bool:
    """The article has the verb with a subject and an object sharing words with these."""
    return any(v == lemma and s & subject and o & obj for v, s, o in found.predicates if s and o)


def _alias(a: str, b: str) -> bool:
    """One name may be the other: shared words or stems, a word the start of another (``Man
    Utd`` / ``Manchester United``), the same initials (``NHS``)."""
    wa, wb = lower_words(a), lower_words(b)
    if any(related(key(x), key(y)) or x.startswith(y) or y.startswith(x) for x in wa for y in wb):
        return True
    initials = ("".join(w[0] for w in wa), "".join(w[0] for w in wb))
    return initials[0] == initials[1] or a.lower() in initials or b.lower() in initials


def _surface(forms: list[str], label: str, replaced: Span, found: Facts) -> str:
    """The new name as the article writes it: a surname for a surname, else its fullest
    form."""
    longest = max(forms, key=lambda f: len(f.split()))
    last = longest.split()[-1]
    if label == "PERSON" and len(replaced) == 1 and last in found.surnames:
        return last
    return longest


def _grouped(ctx: Context, a: str, b: str) -> bool:
    """The article's grouping of names (by a shared word) puts the two in one entity:
    ``Donald`` and ``Sterling`` of ``Donald Sterling``."""
    wa, wb = set(lower_words(a)), set(lower_words(b))
    return any(wa & e.tokens and wb & e.tokens for e in ctx.entities)


_PLAIN_NAME = re.compile(r"[^\W\d_][\w'’.&-]*(?: [^\W\d_][\w'’.&-]*)*")


def _named(name: str) -> bool:
    """Written as a name: plain words, the first and the last capitalised (not the parse's
    ``midfield``, ``anabolic steroids``, ``deviceThe``)."""
    if _PLAIN_NAME.fullmatch(name) is None:
        return False
    words = name.split()
    return words[0][0].isupper() and words[-1][0].isupper()


def _misread(ctx: Context, name: str, label: str) -> bool:
    """The article's own reading of the name (:attr:`Context.entities`: a pronoun or a title
    after it makes a person, ``in`` before it a place) contradicts the parse's label:
    ``Sterling`` labelled an organisation where the article calls him he."""
    words = {w for w in lower_words(name) if len(w) > 1}
    kinds = {e.kind for e in ctx.entities if words and words <= e.tokens}
    return "place" in kinds if label == "PERSON" else "person" in kinds


def _candidates(span: Span, in_sentence: list[str], found: Facts, ctx: Context) -> list[list[str]]:
    """The article's names of the span's type that cannot be a name of the sentence in other
    words, each with its forms (the most frequent first); not a first name alone."""
    forms = found.names.get(span.label_, Counter())
    chosen: list[list[str]] = []
    for name, _ in forms.most_common():
        if not _named(name) or _misread(ctx, name, span.label_):
            continue
        if any(
            _alias(name, n) or same_place(name, n) or _grouped(ctx, name, n) for n in in_sentence
        ):
            continue
        same = next((c for c in chosen if _alias(name, c[0]) or _grouped(ctx, name, c[0])), None)
        if same is not None:
            same.append(name)
        elif not (" " not in name and any(f.startswith(f"{name} ") for f in forms)):
            chosen.append([name])
    return chosen


def move_role(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """Another name of the article (of the same type, sharing no word with a name of the
    sentence) as the subject or object of a verb whose subject and object are both names,
    where the article states the verb with the two names and never with the new one."""
    if not ctx.mixed_case or len(re.findall(r"\b[A-Z]", sentence)) < 2:
        return None
    doc = analysis.parse(sentence)
    found = facts(tuple(ctx.sentences))
    in_sentence = [e.text for e in doc.ents] + [t.text for t in doc if t.pos_ == "PROPN"]
    options = []
    for verb in doc:
        if verb.pos_ != "VERB" or verb.lemma_.lower() in _SYMMETRIC:
            continue
        subject, obj = _arguments(verb)
        first, second = _name_span(subject, found), _name_span(obj, found)
        if first is None or second is None:
            continue
        spans = (first, second)
        words = (_words(first.text), _words(second.text))
        lemma = verb.lemma_.lower()
        if words[0] & words[1] or not _states(found, lemma, *words):
            continue
        for role, span in enumerate(spans):
            if span.label_ == "PERSON" and span.start > 0 and doc[span.start - 1].dep_ == "det":
                continue  # "the Richards": a family
            plain = re.sub(r"^[Tt]he ", "", span.text)
            if not _named(plain) or _misread(ctx, span.text, span.label_):
                continue  # "Omar Villarreal, Communication Integration Planner": no one name
            for forms in _candidates(span, in_sentence, found, ctx):
                new = frozenset().union(*map(_words, forms))
                other = words[1 - role]
                if not _states(found, lemma, *((new, other) if role == 0 else (other, new))):
                    options.append((span, _surface(forms, span.label_, span, found)))
    if not options:
        return None
    # After a title only a person's name: no "Mr Lib Dems" for "Mr Farron".
    options = [(s, n) for s, n in options if not (_titled(s) and _takes_the(n, ctx.article))]
    if not options:
        return None
    span, name = rng.choice(options)
    start, end = span.start_char, span.end_char
    if _takes_the(name, ctx.article) and not re.search(r"\b[Tt]he\s+$", sentence[:start]):
        name = f"{'The' if start == 0 else 'the'} {name}"  # "told the State Department"
    return Variant("role", splice(sentence, start, end, name), f"{span.text} -> {name}")


def _titled(span: Span) -> bool:
    """A title stands before the name (``Mr Farron``, ``President Obama``)."""
    before = span.doc[span.start - 1].lower_.rstrip(".") if span.start > 0 else ""
    return before in TITLES


def _takes_the(name: str, article: str) -> bool:
    """The article mostly writes the name after "the" (``the Nuffield Trust``)."""
    written = len(re.findall(rf"\b{re.escape(name)}\b", article))
    return 2 * len(re.findall(rf"\b[Tt]he {re.escape(name)}\b", article)) > written


def rebind_figure(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """Two numbers bound to different nouns exchanged (``11 goals in 16 games`` -> ``16 goals
    in 11 games``), where the article binds each as the sentence does and neither the other
    way."""
    doc = analysis.parse(sentence)
    figures = [f for f in _figures(doc) if _number(f[0]) not in _SKIPPED_NUMBERS]
    if len(figures) < 2:
        return None
    found = facts(tuple(ctx.sentences))
    options = []
    for i, (a, noun_a) in enumerate(figures):
        for b, noun_b in figures[i + 1 :]:
            na, nb = _number(a), _number(b)
            la, lb = noun_a.lemma_.lower(), noun_b.lemma_.lower()
            if na == nb or la == lb:
                continue
            if {(na, la), (nb, lb)} <= found.figures and not {(nb, la), (na, lb)} & found.figures:
                options.append((a, b))
    if not options:
        return None
    a, b = rng.choice(options)
    first = match_case(b.text, a.text) if a.i == 0 else b.text.lower() if b.i == 0 else b.text
    second = a.text.lower() if a.i == 0 else a.text
    new = splice(sentence, b.idx, b.idx + len(b.text), second)
    new = splice(new, a.idx, a.idx + len(a.text), first)
    detail = f"{a.text} {a.head.text} / {b.text} {b.head.text} exchanged"
    return Variant("figure", new, detail)
