"""Faithful controls: each rewrites a sentence without changing what it claims, or returns None.

Types: reorder (a leading clause moved to the end, a trailing time phrase to the front),
number-format (``40``/``forty``, ``40%``/``40 per cent``/``4 in 10``, ``2,600,000``/``2.6
million``), name-variant (a transliteration spelling, the surname alone, a title dropped or
added, ``X's wife``/``the wife of X``), adjectival (``Russia's army``/``the Russian army``,
``London-based firm``/``firm based in London``, ``supporters of X``/``pro-X supporters``),
quote-short (a quotation cut to its first words, verbatim), negation-paraphrase (``did not
attend``/``stayed away from``, ``was not aware``/``was unaware``) and unchanged.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict

from perturbations import (
    FUNCTION_WORDS,
    TIME_WORDS,
    Context,
    Mention,
    Variant,
    day_of_month,
    lower_words,
    match_case,
    name_mentions,
    numbers,
    quote_spans,
    spell,
    spelled_numbers,
    splice,
)

_SCALE_WORDS = {"m": "million", "bn": "billion", "k": "thousand"}


def _words(lines: str) -> frozenset[str]:
    return frozenset(lines.split())


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _uncapital(text: str, ctx: Context) -> str:
    """The sentence's first word in lower case, once it no longer opens the sentence, unless
    the article capitalises it inside a sentence too (a name)."""
    first, *rest = text.split(" ", 2)
    if rest and rest[0][:1].isupper():
        return text  # "New Zealand's central bank"
    if first.lower() not in FUNCTION_WORDS and re.search(
        rf"[\w,;] {re.escape(first)}\b", ctx.article
    ):
        return text
    return text[:1].lower() + text[1:]


_OPENERS = _words(
    """
    after before when while although though because since if in on at during despite
    following as unlike under with without by for earlier later last this over until once
    amid according
    """
)
# A main clause with one of these may have a second verb for the moved phrase to attach to
# ("he blamed police for failing to stop her fleeing ... earlier this year").
_SECOND_CLAUSE = re.compile(
    r"\b(?:who|which|that|where|whom|whose|when|while|since|after|before|because|until|if"
    r"|although|though|as|and|but|or|said|says|told|say|to|\w+ing)\b",
    re.IGNORECASE,
)
_STOP = re.compile(r"\s*\.\s*$")


def reorder(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """``After the match, he left.`` -> ``He left after the match.``; ``He was arrested on
    Tuesday.`` -> ``On Tuesday, he was arrested.``; ``..., according to police.`` to the front.
    Only when the main clause has one verb for the phrase to belong to."""
    stop = _STOP.search(sentence)
    if stop is None or re.search(r"[\"“”`()]|''", sentence):
        return None
    body, end = sentence[: stop.start()], sentence[stop.start() :].rstrip()
    options = []
    lead = re.fullmatch(r"(?P<lead>(?P<first>[A-Za-z]+)\b[^,;:]*?)\s*,\s*(?P<main>[^,;:]+)", body)
    if lead and lead["first"].lower() in _OPENERS:
        main, words = lead["main"], len(lower_words(lead["lead"]))
        if 2 <= words <= 12 and len(lower_words(main)) >= 4 and not _SECOND_CLAUSE.search(main):
            moved = lead["first"].lower() + lead["lead"][len(lead["first"]) :]
            glue = f"{ctx.comma()} " if lead["first"].lower() == "according" else " "
            options.append(f"{_capital(main)}{glue}{moved}{end}")
    trail = re.fullmatch(r"(?P<main>[^,;:]+?)\s*,\s*(?P<who>according to [^,;:]+)", body)
    if trail and len(lower_words(trail["main"])) >= 4:
        options.append(
            f"{_capital(trail['who'])}{ctx.comma()} {_uncapital(trail['main'], ctx)}{end}"
        )
    when = re.fullmatch(
        r"(?P<main>[^,;:]+?) (?P<when>(?:on|in|last|this|during|earlier|later) (?:[\w-]+ ){0,3}"
        r"[\w-]+)",
        body,
    )
    if (
        when
        and all(
            w in TIME_WORDS or w in FUNCTION_WORDS or w.isdigit() for w in lower_words(when["when"])
        )
        and len(lower_words(when["main"])) >= 4
        and not _SECOND_CLAUSE.search(when["main"])
    ):
        options.append(
            f"{_capital(when['when'])}{ctx.comma()} {_uncapital(when['main'], ctx)}{end}"
        )
    if not options:
        return None
    return Variant("reorder", rng.choice(options), "clause moved")


# A count of things ("6 people", "9-inch", an age ", 34,"), not a name ("the 6 train").
_COUNTS = re.compile(r"\s+[a-z]+s\b|-[a-z]|\s*,")


def rewrite_number(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """The same value written another way: digits and words, ``%`` and ``per cent`` or ``4 in
    10``, ``2,600,000`` and ``2.6 million``, ``£5m`` and ``£5 million``."""
    options: list[tuple[int, int, str]] = []
    for n in numbers(sentence):
        unit = n.unit.strip().lower()
        after = sentence[n.end :]
        if n.is_year or re.match(r"-\d|:", after) or day_of_month(sentence, n.start, n.end):
            continue
        if n.percent:
            options.append((n.start, n.end, n.digits + ("%" if "cent" in unit else " per cent")))
            of = re.match(r" of (?=[a-z])", after)
            if of and n.bare in range(10, 100, 10):
                options.append((n.start, n.end + of.end() - 1, f"{int(n.bare) // 10} in 10"))
        elif unit in _SCALE_WORDS and (n.currency or unit == "bn"):  # "53m" may be metres
            options.append((n.start, n.end, f"{n.currency}{n.digits} {_SCALE_WORDS[unit]}"))
        elif unit in ("million", "billion") and n.value == int(n.value):
            options.append((n.start, n.end, f"{n.currency}{int(n.value):,}"))
        elif not unit and "," in n.digits and n.value >= 1e6 and (n.value / 1e5).is_integer():
            options.append((n.start, n.end, f"{n.currency}{n.value / 1e6:g} million"))
        elif not (unit or n.currency or n.decimals) and 2 <= n.bare <= 99 and _COUNTS.match(after):
            words = spell(int(n.bare))
            options.append((n.start, n.end, _capital(words) if n.start == 0 else words))
    for start, end, value in spelled_numbers(sentence):
        options.append((start, end, str(value)))
    if not options:
        return None
    start, end, new = rng.choice(options)
    detail = f"{sentence[start:end]} -> {new}"
    return Variant("number-format", splice(sentence, start, end, new), detail)


# One change of the kind transliterations differ by (Mikhail/Mikail, Yusuf/Yousouf,
# Dmitry/Dmitri, Hasan/Hassan, Aleksandr/Alexandr), applied after the first letter.
_SPELLINGS = (
    (r"kh", "k"),
    (r"(?<=[aeiou])k(?=[aeiou])", "kh"),
    (r"ou", "u"),
    (r"(?<=[^aeiouq])u(?=[^aeiou])", "ou"),
    (r"y$", "i"),
    (r"(?<=[^aeiou])i$", "y"),
    (r"(?<=[aeiou])([bdglmnprst])(?=[aeiou])", r"\1\1"),
    (r"([bdglmnprst])\1", r"\1"),
    (r"ph", "f"),
    (r"x", "ks"),
    (r"ks", "x"),
)


def _spellings(mention: Mention, surnames: set[str], ctx: Context) -> list[tuple[int, int, str]]:
    """Spellings of the mention's last word when the article uses it as a surname: first
    names and words before a name ("Prosecutor Sarah Marsh") are left alone."""
    found = []
    word = re.search(r"\b[A-Z][a-z]{3,}$", mention.name)
    if word is None or word[0] not in surnames:
        return []
    start = mention.name_start + word.start()
    for pattern, repl in _SPELLINGS:
        new = word[0][0] + re.sub(pattern, repl, word[0][1:], count=1)
        if new != word[0] and new.lower() not in ctx.words:
            found.append((start, start + len(word[0]), new))
    return found


# After a noun phrase's head: punctuation, or a verb or function word that cannot be a noun.
_AFTER_HEAD = "is was are were has had said says will would and of in on at to for who"
_HEAD_ENDS = rf"(?=\s*(?:[,.;:]|$)|\s+(?:{'|'.join(_AFTER_HEAD.split())})\b)"


def rewrite_name(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A person of the article written another way: one transliteration letter of the
    surname, the surname alone (where the article uses it alone), a title the article gives
    them dropped or added, ``X's wife`` / ``the wife of X``. Each way is as likely."""
    ways: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for m, entity in name_mentions(sentence, ctx):
        if entity.kind != "person":
            continue
        surnames = {n.split()[-1] for n in entity.names if " " in n} & set(entity.names)
        ways["spelling"] += _spellings(m, surnames, ctx)
        last = m.name.split()[-1]
        if len(m.tokens) >= 2 and last in surnames and m.name in entity.names:
            ways["surname"].append((m.name_start, m.end, last))
        if m.title:
            ways["title"].append((m.start, m.name_start, ""))
        else:
            # "Dr Jones" where the article writes "Dr Sarah Jones": its own title for them.
            given = (
                rf"\b{re.escape(t)} (?:[A-Z]\w+ )?{re.escape(m.name)}\b" for t in entity.titles
            )
            titled = [
                t for t, g in zip(entity.titles, given, strict=True) if re.search(g, ctx.article)
            ]
            ways["title"] += [(m.start, m.start, f"{t} ") for t in titled[:1]]
        owner = re.match(rf" ?'s (?P<noun>[a-z]+){_HEAD_ENDS}", sentence[m.end :])
        if owner:
            the = "The" if m.start == 0 else "the"
            phrase = f"{the} {owner['noun']} of {m.text}"
            ways["possessive"].append((m.start, m.end + owner.end(), phrase))
        of = re.search(r"\b(?P<the>[Tt]he) (?P<noun>[a-z]+) of $", sentence[: m.start])
        if of and re.match(r"\s*(?:[,.;:]|$)|\s+[a-z]", sentence[m.end :]):
            phrase = match_case(f"{m.text}{ctx.possessive()} {of['noun']}", of["the"])
            ways["possessive"].append((of.start(), m.end, phrase))
    if not any(ways.values()):
        return None
    start, end, new = rng.choice(ways[rng.choice(sorted(k for k, v in ways.items() if v))])
    detail = f"{sentence[start:end] or '(none)'} -> {new or '(none)'}"
    return Variant("name-variant", splice(sentence, start, end, new).replace("  ", " "), detail)


_DEMONYMS = (
    ("ia", "ian"),
    ("ael", "aeli"),
    ("aq", "aqi"),
    ("ran", "ranian"),
    ("ea", "ean"),
    ("ica", "ican"),
    ("ya", "yan"),
    ("ine", "inian"),
)


def demonym(place: str) -> str | None:
    """``Russia`` -> ``Russian``, ``Ukraine`` -> ``Ukrainian``, by regular suffixes only."""
    for suffix, new in _DEMONYMS:
        if place.endswith(suffix) and len(place) > len(suffix) + 2:
            return place[: -len(suffix)] + new
    return None


# A capitalised run that does not open with a function word ("A London-based firm").
_OPENING_WORDS = "|".join(sorted(w.capitalize() for w in FUNCTION_WORDS))
_NAME = rf"(?!(?:{_OPENING_WORDS})\b)[A-Z]\w*(?: [A-Z]\w*)?"  # one or two words
_PREPOSITION = {"based": "in", "born": "in"}  # the others are "by": backed, led, owned...


def _person_or_place(name: str, ctx: Context) -> bool:
    """The whole name is a person or place of the article."""
    return any(name in e.names and e.kind in ("person", "place") for e in ctx.entities)


def adjectival(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A place or name as an adjective or compound, or back: ``Russia's army`` -> ``the
    Russian army``, ``London-based firm`` <-> ``firm based in London``, ``Russian-backed
    rebels`` -> ``rebels backed by Russia``, ``supporters of X`` <-> ``pro-X supporters``."""
    places = {e.names[0]: e for e in ctx.entities if e.kind == "place"}
    by_demonym = {demonym(n): n for e in places.values() for n in e.names}
    options: list[tuple[int, int, str]] = []
    for m, entity in name_mentions(sentence, ctx):
        # "Kenya's army", not "Kenya's only terrorist" or "India's largest bank".
        owner = re.match(r" ?'s (?=[a-z])(?!only|own|first|\w+est\b)", sentence[m.end :])
        adjective = demonym(m.name) if len(m.tokens) == 1 else None
        known = adjective is not None and (
            adjective in ctx.pool.capitalised or adjective in ctx.article
        )
        if entity.kind == "place" and owner and adjective and known:
            the = "The" if m.start == 0 else "the"
            options.append((m.start, m.end + owner.end(), f"{the} {adjective} "))
    parts = "based|born|backed|led|owned|funded|run"
    for c in re.finditer(
        rf"\b(?P<x>{_NAME})-(?P<part>{parts}) (?P<noun>[a-z]+){_HEAD_ENDS}", sentence
    ):
        name = by_demonym.get(c["x"], c["x"])
        if _person_or_place(name, ctx):  # not "Islamist-led"
            where = _PREPOSITION.get(c["part"], "by")
            options.append((c.start(), c.end(), f"{c['noun']} {c['part']} {where} {name}"))
    # "photographer based in Malmo, Sweden": the place goes on after a comma.
    ends = _HEAD_ENDS.replace("[,.;:]", "[.;:]")
    for c in re.finditer(
        rf"\b(?P<noun>[a-z]+) (?P<part>{parts}) (?:in|by) (?P<x>{_NAME}){ends}", sentence
    ):
        if c["noun"] not in FUNCTION_WORDS and _person_or_place(c["x"], ctx):
            options.append((c.start(), c.end(), f"{c['x']}-{c['part']} {c['noun']}"))
    for c in re.finditer(
        rf"\b(?P<who>supporters|supporter|fans|loyalists) of (?P<x>{_NAME}){_HEAD_ENDS}", sentence
    ):
        options.append((c.start(), c.end(), f"pro-{c['x']} {c['who']}"))
    for c in re.finditer(rf"\b[Pp]ro-(?P<x>{_NAME}) (?P<who>[a-z]+)", sentence):
        if c["x"] in places:
            options.append((c.start(), c.end(), f"{c['who']} loyal to {c['x']}"))
    if not options:
        return None
    start, end, new = rng.choice(options)
    detail = f"{sentence[start:end]} -> {new}"
    return Variant("adjectival", splice(sentence, start, end, new), detail)


def shorten_quote(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A quotation cut at a comma, semicolon or dash to its first part (four words or more),
    verbatim, its closing punctuation kept. Never cut elsewhere: "there is no magic bullet"
    cut to "there is" would say the opposite."""
    options = []
    for start, end in quote_spans(sentence):
        inner = sentence[start:end]
        words = list(re.finditer(r"\S+", inner))
        breaks = [
            i for i, w in enumerate(words[:-2]) if i >= 3 and re.search(r"[,;]$|^[-–—]$", w[0])
        ]
        if not breaks:
            continue
        last = words[breaks[0]] if words[breaks[0]][0] not in "-–—" else words[breaks[0] - 1]
        cut = inner[: last.end()].rstrip(" ,;:-–—")
        closing = re.search(r"\s*[,.!?]*$", inner)
        options.append((start, end, cut + (closing[0] if closing else "")))
    if not options:
        return None
    start, end, new = rng.choice(options)
    return Variant("quote-short", splice(sentence, start, end, new), f"-> {new}")


_NOT = r"(?: not|n't| n't)"
_UN = "aware able available clear known likely happy sure usual common lawful fair conscious true"
_IM = {"possible": "impossible", "legal": "illegal", "present": "absent", "allowed": "forbidden"}
_NEGATION_PARAPHRASES = (
    (rf"\bdid{_NOT} attend\b", "stayed away from"),
    (rf"\bdid{_NOT} accept\b", "refused"),
    (rf"\bdid{_NOT} agree with\b", "disagreed with"),
    (rf"\bdid{_NOT} remember\b", "forgot"),
    (rf"\bdid{_NOT} include\b", "excluded"),
    (rf"\b(?:did|would){_NOT} comment\b", "declined to comment"),
    (rf"\b(is|are|was|were|be|been){_NOT} ({'|'.join(_UN.split())})\b", r"\1 un\2"),
    *((rf"\b(is|are|was|were|be|been){_NOT} {w}\b", rf"\1 {n}") for w, n in _IM.items()),
    (r"\brefused to (?=[a-z])", "would not "),
    (r"\bdeclined to comment\b", "would not comment"),
    (r"\bfailed to (?=[a-z])", "did not "),
    (r"\bstayed away from\b", "did not attend"),
    (rf"\b(is|are|was|were|be|been) un({'|'.join(_UN.split())})\b", r"\1 not \2"),
    *((rf"\b(is|are|was|were|be|been) {n}\b", rf"\1 not {w}") for w, n in _IM.items()),
)


def paraphrase_negation(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A negation said with other words: ``did not attend`` -> ``stayed away from``, ``was
    not aware`` -> ``was unaware``, ``refused to`` -> ``would not``, and back."""
    options = []
    for pattern, repl in _NEGATION_PARAPHRASES:
        for m in re.finditer(pattern, sentence):
            new = m.expand(repl)
            # "has refused to" cannot become "has would not".
            helper = re.search(
                r"\b(?:has|have|had|will|would|to|be|been|is|was|are|were)\s+$",
                sentence[: m.start()],
            )
            if not (helper and new.startswith(("would", "did", "declined", "stayed"))):
                options.append((m.start(), m.end(), new))
    if not options:
        return None
    start, end, new = rng.choice(options)
    detail = f"{sentence[start:end]} -> {new}"
    return Variant("negation-paraphrase", splice(sentence, start, end, new), detail)


def unchanged(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """The faithful sentence itself."""
    return Variant("unchanged", sentence, "")
