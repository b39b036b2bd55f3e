"""Faithful controls that real summaries showed: each rewrites a sentence the way a summary
writer does without changing what it claims, or returns None.

Types: fuller-name (a person's surname alone given the article's full name for them, or their
full name cut to the surname when no one else of the article has it), demonym (``the Danish
government`` / ``Denmark's government``), acronym (``the European Union`` / ``the EU``, from
a table of standard ones or an article's own ``Full Name (FN)``), plural-opening (the
sentence opens with a plural common noun: ``The new rules apply`` -> ``New rules apply``,
``The firm's shares fell`` -> ``Shares of the firm fell``), and outside-knowledge (a capital
for its city or back: ``in Kiev`` -> ``in the Ukrainian capital`` where the article names
Ukraine; ``in the capital`` -> ``in Kiev`` where the article names no other country).

The world knowledge is :mod:`perturb_world`'s; the parse is spaCy's (the claim checks' own
pipeline, :func:`pytest_summgate.metrics.analysis.parse`).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from typing import TYPE_CHECKING

from perturb_roles import facts
from perturb_world import ACRONYMS, COUNTRIES, Country, country
from perturbations import Context, Variant, match_case, name_mentions, quote_spans, splice

from pytest_summgate.metrics import analysis

if TYPE_CHECKING:
    from spacy.tokens import Token

Edit = tuple[int, int, str]  # (start, end, new text)


def _indefinite(new: str) -> str:
    """``a`` or ``an`` before the new words, by their first sound: ``an RSPCA``, ``a Royal
    Society``, ``a UN``, ``a European``, ``an Italian``."""
    word = new.split()[0] if new.strip() else ""
    if len(word) > 1 and word.isupper():
        return "an" if word[0] in "AEFHILMNORSX" else "a"
    vowel = word[:1].lower() in ("a", "e", "i", "o") and not word.lower().startswith("eu")
    return "an" if vowel else "a"


# Quotations in single marks too (`` ` dream of Falcao ' ``, ``‘... the UK’s influence ...’``).
_SINGLE_QUOTED = re.compile(r"(?<!\w)[`‘'](?:[^`‘'’\n]|['’]\w)+?['’](?!\w)")


def _quoted(sentence: str) -> list[tuple[int, int]]:
    return quote_spans(sentence) + [m.span() for m in _SINGLE_QUOTED.finditer(sentence)]


def _variant(kind: str, sentence: str, options: list[Edit], rng: random.Random) -> Variant | None:
    """One of the edits made outside quotations (a quotation rewritten is no longer the
    article's words), with the ``a`` or ``an`` before it to match; a sentence that opened
    with a capital still does."""
    quoted = _quoted(sentence)
    options = [o for o in options if not any(a <= o[0] < b for a, b in quoted)]
    if not options:
        return None
    start, end, new = rng.choice(options)
    before = re.search(r"\b([Aa]n?) $", sentence[:start])
    if before is not None and new:
        start, new = before.start(), f"{match_case(_indefinite(new), before[1])} {new}"
    text = splice(sentence, start, end, new)
    if start == 0 and sentence[:1].isupper():
        text = text[:1].upper() + text[1:]
    return Variant(kind, text, f"{sentence[start:end]} -> {new or '(none)'}")


# The lowercase words inside names ("da Silva", "van Gaal", "bin Salman").
_PARTICLE = re.compile(
    r"\b(?:da|de|di|do|dos|das|del|della|van|von|der|den|le|la|du|bin|ibn|al|y)\s+$"
)


def _alone(full: str, article: str) -> bool:
    """The article writes the last word of the name without the word before it at least
    once (``Potro`` of ``Juan Martin del Potro`` never stands alone)."""
    *_, before, last = full.split()
    alone = rf"(?<!{re.escape(before)} )\b{re.escape(last)}\b"
    return re.search(alone, article, re.IGNORECASE) is not None


def fuller_name(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A person of the article named as the article names them in full (``Mourinho`` ->
    ``Jose Mourinho``) or by the surname it also uses alone (``Jose Mourinho`` ->
    ``Mourinho``), when no other full name of the article ends with that surname."""
    people: Counter[str] = facts(tuple(ctx.sentences)).names.get("PERSON", Counter())
    full_names = {n for e in ctx.entities for n in e.names if " " in n}
    options: list[Edit] = []
    for m, entity in name_mentions(sentence, ctx):
        if _PARTICLE.search(sentence[: m.start]):
            continue  # "Santos da Silva": a part of a longer name
        last = m.name.split()[-1]
        fuller = {n for n in full_names if n.split()[-1] == last}
        if len(fuller) != 1 or not fuller <= set(people) or not fuller <= set(entity.names):
            continue  # two people share the surname, or spaCy does not read it as a person
        (full,) = fuller
        if len(m.tokens) == 1:
            options.append((m.name_start, m.end, full))
        elif m.name == full and _alone(full, ctx.article):
            # Cut only to a surname the article uses alone: not "Xi Jinping" to "Jinping",
            # "Del Potro" to "Potro", "Boko Haram" to "Haram".
            options.append((m.name_start, m.end, last))
    return _variant("fuller-name", sentence, options, rng)


def _mentioned(ctx: Context) -> list[Country]:
    """The countries the article names, by a name or their demonym, as written."""
    return [
        c
        for c in COUNTRIES
        if any(re.search(rf"\b{re.escape(n)}\b", ctx.article) for n in (*c.names, c.demonym))
    ]


_COMPOUND_ADJECTIVES = frozenset(["prime", "foreign", "national"])
# "of Lebanese descent" is no "of Lebanon's descent": a demonym naming where one comes from.
_ORIGINS = frozenset(["descent", "origin", "origins", "heritage", "ancestry", "nationality"])


def demonym(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A country as an adjective or back, before a common noun: ``the Danish government`` <->
    ``Denmark's government``, ``Scottish fans`` -> ``Scotland's fans``."""
    if not ctx.mixed_case:
        return None
    doc = analysis.parse(sentence)
    options: list[Edit] = []
    for t in doc[: len(doc) - 2]:
        place, head, after = country(t.text), t.head, doc[t.i + 1]
        if place is None or head.pos_ != "NOUN" or not head.is_lower or head.i <= t.i:
            continue
        if any(c.dep_ == "conj" for c in t.children) or t.dep_ == "conj" or after.text == "-":
            continue  # "the French and German governments", "French-speaking"
        if t.text == place.demonym and t.dep_ in ("amod", "compound"):
            det = doc[t.i - 1] if t.i > 0 else None
            if det is not None and det.lower_ == "the" and det.head.i == head.i:
                options.append((det.idx, t.idx + len(t.text), place.names[0] + ctx.possessive()))
            elif head.left_edge.i == t.i and head.lower_ not in _ORIGINS:
                options.append((t.idx, t.idx + len(t.text), place.names[0] + ctx.possessive()))
        noun = doc[t.i + 2]
        # "Denmark's prime minister": "the Danish prime minister", not "Denmark's new
        # minister": "the Danish new minister".
        kind = noun.pos_ == "NOUN" or noun.lower_ in _COMPOUND_ADJECTIVES
        owned = kind and noun.is_lower and head.i in (noun.i, noun.head.i)
        if t.text in place.names and t.dep_ == "poss" and after.lower_ in ("'s", "’s") and owned:
            options.append((t.idx, after.idx + len(after.text), f"the {place.demonym}"))
    return _variant("demonym", sentence, options, rng)


def _acronyms(ctx: Context) -> list[tuple[str, str, bool]]:
    """(short, full, takes "the") of the standard acronyms and of the article's own ``Full
    Name (FN)``."""
    found = [(a.short, a.full, a.the) for a in ACRONYMS]
    for m in re.finditer(r"((?:[A-Z][a-z]+ (?:(?:of|for|and) )?)+)\(([A-Z]{2,6})\)", ctx.article):
        words = m[1].split()
        for i in range(len(words)):
            if "".join(w[0] for w in words[i:] if w[0].isupper()) == m[2] and words[i][0].isupper():
                found.append((m[2], " ".join(words[i:]), True))
                break
    return found


def acronym(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """An organisation's full name as its acronym or back: ``the European Union`` <-> ``the
    EU``, ``Nato`` -> ``the North Atlantic Treaty Organization``, ``Nato allies`` ->
    ``North Atlantic Treaty Organization allies``."""
    if not ctx.mixed_case:
        return None
    options: list[Edit] = []
    for short, full, the in _acronyms(ctx):
        if f"({short})" in sentence:
            continue  # where the article defines it
        for m in re.finditer(rf"\b(?:(?P<the>[Tt]he) )?{re.escape(full)}\b", sentence):
            start = m.start() if m["the"] and not the else m.end() - len(full)
            options.append((start, m.end(), short))
        written = "|".join({short, short.title()} if len(short) >= 4 else {short})
        for m in re.finditer(rf"\b(?:(?P<the>[Tt]he) )?(?:{written})\b(?![.-]\w)", sentence):
            if re.match(r" [A-Z]", sentence[m.end() :]):
                continue  # "FA Cup", "BBC Radio": part of a longer name
            start = m.end() - len(m[0].split()[-1])
            token = next((t for t in analysis.parse(sentence) if t.idx == start), None)
            modifier = token is not None and token.dep_ in ("compound", "amod", "nmod")
            bare = not (m["the"] or the or modifier)  # "Nato said", not "Nato allies"
            options.append((start, m.end(), f"the {full}" if bare else full))
    return _variant("acronym", sentence, options, rng)


# Nouns whose singular ends as their plural does ("the miniseries drew", "the news was").
_SAME_PLURAL = re.compile(r"(?:series|species|news|means|quarters|barracks|crossroads|ics)$")


def _plural_subject(doc_first: Token) -> Token | None:
    """The plural common noun that the sentence's opening ``The`` determines, when it is
    the subject, a plural (not ``miniseries``, ``news``) and only adjectives or nouns stand
    between them."""
    head = doc_first.head
    if doc_first.lower_ != "the" or doc_first.dep_ != "det" or head.tag_ != "NNS":
        return None
    if head.lower_ == head.lemma_.lower() or _SAME_PLURAL.search(head.lower_):
        return None
    between = doc_first.doc[1 : head.i]
    if head.dep_ not in ("nsubj", "nsubjpass") or not head.is_lower:
        return None
    if any(t.pos_ not in ("ADJ", "NOUN") or not t.is_lower for t in between):
        return None
    return head


def _a_name(words: str, ctx: Context) -> bool:
    """The article writes these words capitalised after "the": a name a lowercased summary
    writes in lower case ("the hawks" for the article's "The Hawks")."""
    capitalised = " ".join(w[:1].upper() + w[1:] for w in words.split())
    return re.search(rf"\b[Tt]he {re.escape(capitalised)}\b", ctx.article) is not None


def plural_opening(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """The sentence opened by a plural common noun: ``The new rules apply`` -> ``New rules
    apply``; ``The firm's shares fell`` -> ``Shares of the firm fell``."""
    doc = analysis.parse(sentence)
    if len(doc) < 4:
        return None
    options: list[Edit] = []
    subject = _plural_subject(doc[0])
    if subject is not None and not _a_name(doc[1 : subject.i + 1].text, ctx):
        options.append((0, doc[1].idx, ""))
    owner = next((t for t in doc[1:5] if t.lower_ in ("'s", "’s") and t.dep_ == "case"), None)
    if doc[0].lower_ == "the" and owner is not None:
        noun = doc[owner.i + 1] if owner.i + 1 < len(doc) else None
        owned = doc[1 : owner.i]
        plain = all(t.is_lower and t.pos_ in ("NOUN", "ADJ") for t in owned)
        if (
            noun is not None
            and noun.tag_ == "NNS"
            and noun.dep_ in ("nsubj", "nsubjpass")
            and plain
        ):
            end = noun.idx + len(noun.text)
            options.append((0, end, f"{noun.text} of the {owned.text}"))
    return _variant("plural-opening", sentence, options, rng)


_COMPASS = frozenset(["east", "west", "north", "south", "central", "greater", "inner", "outer"])
_LOCATIVE = frozenset(
    ["in", "to", "from", "into", "near", "around", "across", "through", "outside", "at", "inside"]
)


def outside_knowledge(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A capital named by what it is, or back: ``in Kiev`` -> ``in the Ukrainian capital``
    where the article names Ukraine; ``in the capital`` (``the Ukrainian capital``) -> ``in
    Kiev`` where Ukraine is the one country of the table the article names."""
    if not ctx.mixed_case:
        return None
    named = _mentioned(ctx)
    doc = analysis.parse(sentence)
    options: list[Edit] = []
    for t in doc:
        if t.dep_ != "pobj" or t.head.lower_ not in _LOCATIVE:
            continue
        place = country(t.text)
        # Not part of a longer name ("East London", "Greater London").
        alone = t.left_edge.i == t.i and not (t.i > 0 and doc[t.i - 1].text[:1].isupper())
        city = t.pos_ == "PROPN" and t.ent_type_ != "PERSON" and alone
        city = city and (t.i == 0 or doc[t.i - 1].lower_ not in _COMPASS)
        # "from Kabul, Afghanistan", "from the capital, Abuja": the name beside it already
        # says which; the rewrite would say it twice.
        apposed = re.match(r"\s*,\s*[A-Z]", sentence[t.idx + len(t.text) :]) is not None
        if place and t.text == place.capital and place in named and city and not apposed:
            options.append((t.idx, t.idx + len(t.text), f"the {place.demonym} capital"))
        if t.lower_ == "capital" and len(named) == 1 and not apposed:
            first = t.left_edge
            modifiers = doc[first.i : t.i]
            plain = [w.lower_ for w in modifiers] in (["the"], ["the", named[0].demonym.lower()])
            if plain and t.right_edge.i == t.i:
                options.append((first.idx, t.idx + len(t.text), named[0].capital))
    return _variant("outside-knowledge", sentence, options, rng)
