"""Unfaithful rules: each makes one error of its type in a faithful sentence, or returns None.

Types: number, date, entity (a person or place of the same article), outside-name (a name
from another article of the split), negation, swap (subject and object of one verb),
invented-quote, misattributed (a quotation of the article given to another of its people).
Directions and clauses are :mod:`perturb_clauses`'s, roles and figures :mod:`perturb_roles`'s.
See :mod:`perturbations` for the shared reading of numbers, names and quotations.
"""

from __future__ import annotations

import random
import re
from itertools import pairwise

from perturbations import (
    FUNCTION_WORDS,
    MONTHS,
    SPEECH_VERBS,
    WEEKDAYS,
    Context,
    Variant,
    bigram_share,
    day_of_month,
    key,
    lower_words,
    match_case,
    name_mentions,
    numbers,
    other_value,
    outside_quotes,
    put_entity,
    quote_spans,
    spell,
    spelled_numbers,
    splice,
    unrelated,
    written_like,
)

from pytest_summgate.metrics import claims

_SPEECH = "|".join(sorted(SPEECH_VERBS))


def _words(lines: str) -> tuple[str, ...]:
    return tuple(lines.split())


def change_number(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A count, amount, percentage or age gets another value the article does not state."""
    options: list[tuple[int, int, str]] = []
    for n in numbers(sentence):
        skip = n.is_year or day_of_month(sentence, n.start, n.end)
        value = None if skip else other_value(n, rng, ctx.values)
        if value is not None:
            options.append((n.start, n.end, n.currency + written_like(value, n) + n.unit))
    for start, end, value in spelled_numbers(sentence):
        if value < 13:
            choices = [v for v in range(2, 13) if v != value]
        else:  # the tens change, the unit stays: twenty-five -> forty-five
            choices = [t + value % 10 for t in range(20, 100, 10) if t != value - value % 10]
            choices = choices if value >= 20 else [v for v in range(13, 20) if v != value]
        choices = [v for v in choices if float(v) not in ctx.values]
        if choices:
            options.append((start, end, match_case(spell(rng.choice(choices)), sentence[start:])))
    if not options:
        return None
    start, end, new = rng.choice(options)
    return Variant("number", splice(sentence, start, end, new), f"{sentence[start:end]} -> {new}")


def _date_words(sentence: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """Weekdays and months as written; in lowercased text ``may`` and ``march`` are verbs."""
    found = []
    mixed = claims.is_mixed_case(sentence)
    for table in (WEEKDAYS, MONTHS):
        for m in re.finditer(r"\b(?:" + "|".join(table) + r")\b", sentence, re.IGNORECASE):
            word = m[0]
            if mixed and not word[0].isupper():
                continue
            if word.lower() in ("may", "march") and not (
                (mixed and re.match(r"\s+\d|\s+(?:this|last|next)\b", sentence[m.end() :]))
                or re.search(
                    r"\b(?:in|of|on|since|until|by|early|late|mid)\s+$", sentence[: m.start()]
                )
            ):
                continue
            found.append((m.start(), m.end(), table))
    return found


def change_date(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A weekday, month or year becomes one the article does not mention."""
    options: list[tuple[int, int, str]] = []
    for start, end, table in _date_words(sentence):
        word = sentence[start:end]
        choices = [w for w in table if w.lower() not in ctx.words]
        if choices:
            new = rng.choice(choices)
            options.append((start, end, new if word[0].isupper() else new.lower()))
    for n in numbers(sentence):
        if day_of_month(sentence, n.start, n.end) and not n.decimals and n.bare <= 31:
            days = [d for d in range(1, 29) if d != n.bare and float(d) not in ctx.values]
            if days:
                options.append((n.start, n.end, str(rng.choice(days))))
        if n.is_year:
            shift = rng.choice((1, 2, 3, 4, 5))
            year = n.bare - shift if n.bare + shift > 2024 or rng.random() < 0.5 else n.bare + shift
            if year not in ctx.values:
                options.append((n.start, n.end, str(int(year))))
    if not options:
        return None
    start, end, new = rng.choice(options)
    return Variant("date", splice(sentence, start, end, new), f"{sentence[start:end]} -> {new}")


def same_article_entity(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A person or place named by another person or place of the same article."""
    words = {key(w) for w in lower_words(sentence)}
    options = []
    for m, entity in name_mentions(sentence, ctx):
        if entity.kind not in ("person", "place"):
            continue
        others = [
            e
            for e in ctx.entities
            if e is not entity and e.kind == entity.kind and unrelated(e, words)
        ]
        if others:
            options.append((m, rng.choice(others)))
    if not options:
        return None
    m, other = rng.choice(options)
    return put_entity(sentence, m, other, "entity")


def outside_name(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A name replaced by one of the same kind from another article of the split, none of
    whose words this article uses, and none of whose words an article of the split writes
    in lower case (not a dialogue's "Actually", "Yes", "Phone Number")."""
    found = name_mentions(sentence, ctx)
    if not found or not ctx.pool.entities:
        return None
    m, entity = rng.choice(found)
    for _ in range(60):
        key, other = rng.choice(ctx.pool.entities)
        fits = key != ctx.key and other.kind == entity.kind
        if fits and not other.tokens & ctx.pool.lowercase and unrelated(other, ctx.keys):
            return put_entity(sentence, m, other, "outside-name")
    return None


_AUX = "is are was were has have had do does did can could will would should must might"
_NEGATED = re.compile(
    rf"\b(?P<aux>{'|'.join(_AUX.split())}|ca|wo)(?P<neg> not|n't| n't)\b"
    r"(?! (?:only|just|least|even|to mention)\b)"
    r"|\bcannot\b|\b(?P<never>never|no longer) (?=[a-z])"
)
_ASSERTED = re.compile(
    r"\b(?:(?P<aux>is|are|was|were|will|would|can|could|should|must|might) (?=(?!(?:not|n't|no"
    r"|never|also|to|a|an|the|his|her|their|its)\b)[a-z])"
    # "has" asserts a fact of its own ("has two children"): only before a participle.
    r"|(?P<perfect>has|have|had) (?=been\b|[a-z]+(?:ed|en|wn)\b))"
)


def flip_negation(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A negation removed (``was not charged`` -> ``was charged``) or, in a sentence that has
    none, inserted after its first auxiliary (``has been`` -> ``has not been``)."""
    if (m := _NEGATED.search(sentence)) is not None:
        if m["aux"]:
            aux = {"ca": "can", "wo": "will"}.get(m["aux"], m["aux"])
            new = splice(sentence, m.start(), m.end(), aux)
        elif m["never"]:
            new = splice(sentence, m.start(), m.end(), "")
        else:  # cannot
            new = splice(sentence, m.start(), m.end(), "can")
        return Variant("negation", new, f"removed: {m[0].strip()}")
    if (m := _ASSERTED.search(sentence)) is not None:
        new = splice(sentence, m.end(), m.end(), "not ")
        return Variant("negation", new, f"inserted: {m['aux'] or m['perfect']} not")
    return None


_SYMMETRIC = frozenset(
    _words(
        """
        met meets meet meeting married marries marry played plays play faced faces face
        drew draw draws tied ties fought fights battled hugged kissed dated joined joins
        partnered versus vs v is was are were be been became becomes become remains remained
        and or of with in at on for from to by as than nor but the a an s like near
        """
    )
)
_DETERMINERS = frozenset(_words("the a an his her their its"))
_AUXILIARIES = frozenset(
    _words("has have had will would could did does do can may might must also")
)
# Past tenses without -ed that take an object (a general table, not benchmark words).
_IRREGULAR = frozenset(
    _words(
        """
        beat beats told tells hit hits won led leads left sent sends took takes gave gives
        sold sells bought buys caught struck shot brought brings paid pays chose hired fired
        replaced signed sued sacked dropped
        """
    )
)


def _verb_between(words: list[str]) -> bool:
    """Auxiliaries, then one verb with an object: ``has rejoined``, ``beat``, ``told``."""
    *aux, verb = words
    transitive = (verb.endswith("ed") or verb in _IRREGULAR) and verb not in _SYMMETRIC
    return transitive and all(w in _AUXILIARIES for w in aux)


def _np_swaps(sentence: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """``the police arrested the man``: two noun phrases (a determiner and one to three
    content words) on either side of one ``-ed`` verb."""
    toks = [(m.start(), m.end(), m[0]) for m in re.finditer(r"[\w'’-]+|[^\w\s]+", sentence)]
    content = [t[2].isalpha() and t[2].lower() not in FUNCTION_WORDS for t in toks]

    def run(i: int) -> int:
        """The end of the content words that follow token i."""
        j = i + 1
        while j < len(toks) and content[j]:
            j += 1
        return j

    found = []
    for i, (start, _, word) in enumerate(toks):
        j = run(i)
        if word.lower() not in _DETERMINERS or not 3 <= j - i <= 5 or j == len(toks):
            continue
        verb = toks[j - 1][2]
        if not (verb.islower() and verb.endswith("ed") and verb not in _SYMMETRIC):
            continue
        k = run(j)
        second = (toks[j][0], toks[k - 1][1])
        if toks[j][2].lower() in _DETERMINERS and 2 <= k - j <= 4:
            found.append(((start, toks[j - 2][1]), second))
    return found


def swap_roles(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """Subject and object of one verb swapped: ``A beat B`` -> ``B beat A``, with names or
    with noun phrases on both sides. Symmetric verbs (met, married, played) and copulas are
    left alone: swapping their sides says the same."""
    options = []
    named = name_mentions(sentence, ctx)
    for (a, ea), (b, eb) in pairwise(named):
        between = sentence[a.end : b.start]
        plain = re.fullmatch(r" (?:[a-z]+ ){1,3}", between)
        # "told CNN's reporter", "told BBC Radio 5": the name is not the whole object.
        whole = not re.match(r"\s?['’]s\b|\s+\d+(?!-\d)\b", sentence[b.end :])
        if ea is not eb and plain and whole and _verb_between(between.split()):
            options.append(((a.start, a.end), (b.start, b.end)))
    options += _np_swaps(sentence)
    if not options:
        return None
    (a0, a1), (b0, b1) = rng.choice(options)
    first, second = sentence[a0:a1], sentence[b0:b1]
    if first.split()[0] in ("The", "A", "An", "His", "Her", "Their", "Its"):
        # A noun phrase opened the sentence: its capital goes to the one that takes its place.
        first, second = first[0].lower() + first[1:], match_case(second, first)
    new = sentence[:a0] + second + sentence[a1:b0] + first + sentence[b1:]
    return Variant("swap", new, f"{sentence[a0:a1]} <-> {sentence[b0:b1]}")


def _attributed(sentence: str) -> bool:
    """A speech verb outside the quotations attributes them."""
    return bool(SPEECH_VERBS & set(lower_words(outside_quotes(sentence))))


def invent_quote(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A quotation's words replaced by a quotation of another article of the split (none of
    its word pairs in this article), attribution kept."""
    spans = [(a, b) for a, b in quote_spans(sentence) if len(lower_words(sentence[a:b])) >= 3]
    if not spans or not ctx.pool.quotes or not _attributed(sentence):
        return None
    start, end = rng.choice(spans)
    old = sentence[start:end]
    closing = re.search(r"[\s,.!?]*$", old)
    for _ in range(60):
        doc, quote = rng.choice(ctx.pool.quotes)
        if doc == ctx.key or bigram_share(quote, ctx.bigrams) > 0.2:
            continue
        new = quote.rstrip(" ,.!?") + (closing[0] if closing else "")
        first = new.split(" ", 1)[0]
        if old[:1].islower() and first.lower() in FUNCTION_WORDS and first != "I":
            new = new[:1].lower() + new[1:]  # a quotation that continued the sentence
        elif old[:1].isupper():
            new = new[:1].upper() + new[1:]
        return Variant("invented-quote", splice(sentence, start, end, new), f"-> {new}")
    return None


# "Smith said", "Smith, 45, told", "Smith, the club doctor, said", "Smith has said"; or
# "..., said Smith." (not "the General Staff, Gen Valery Gerasimov, told").
_SPEAKS_AFTER = re.compile(
    rf"\s*(?:,\s*(?:\d+|[a-z][^,]{{0,40}}),\s*)?(?:has |had |also )?(?:{_SPEECH})\b"
)
# Not "told" or "asked": the name after them is the one spoken to.
_SPEAKS_BEFORE = re.compile(r"\b(?:said|says|added|explained|insisted|wrote|according to)\s*$")


def misattribute(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A quotation of the article given to another person of the article: the name next to
    the speech verb replaced."""
    spans = [(a, b) for a, b in quote_spans(sentence) if len(lower_words(sentence[a:b])) >= 3]
    if not spans or not any(bigram_share(sentence[a:b], ctx.bigrams) >= 0.75 for a, b in spans):
        return None
    plain = outside_quotes(sentence)
    words = {key(w) for w in lower_words(sentence)}
    options = []
    for m, entity in name_mentions(sentence, ctx):
        speaks = _SPEAKS_AFTER.match(plain[m.end :]) or (
            _SPEAKS_BEFORE.search(plain[: m.start]) and re.match(r"\s*(?:[,.;:]|$)", plain[m.end :])
        )
        if not speaks or entity.kind != "person":
            continue
        people = [e for e in ctx.entities if e.kind == "person" and e is not entity]
        people = [e for e in people if unrelated(e, words)]
        speakers = [e for e in people if e.speaker] or people
        if speakers:
            options.append((m, rng.choice(speakers)))
    if not options:
        return None
    m, other = rng.choice(options)
    return put_entity(sentence, m, other, "misattributed")
