"""What the perturbation rules read in a sentence and its article: numbers, names, quotations.

Shared by ``perturb_errors.py`` (unfaithful rules: one error each) and ``perturb_controls.py``
(faithful rewrites), which ``bench/perturb.py`` runs. A rule takes a sentence, its article's
:class:`Context` and a ``random.Random`` of its own (:func:`rng_for`: seeded by the row, no
global state), and returns a :class:`Variant`, or None when it cannot apply: never a
half-made sentence.

Everything here is general: regular expressions, capitalisation runs, and small tables of
function, title, number, time and speech words. No word or name of the benchmarks is
written here; a name brought in from outside comes from another article of the same split
(:class:`Pool`). Text may be raw (``Merson's``), tokenized (``Merson 's``) or lowercased;
names are read only in mixed-case articles, where capitals mark them.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise

from pytest_summgate.metrics import claims


def _words(lines: str) -> tuple[str, ...]:
    return tuple(lines.split())


FUNCTION_WORDS = frozenset(
    _words(
        """
        a an the and or but nor so yet of in on at to for from by with without about into
        onto over under after before during since until while when where whether if as than
        though although because despite following according unlike like near among between
        through across against around toward towards upon within this that these those it its
        he she they we i you him her them us his their our my your who whom whose which what
        is are was were be been being has have had do does did will would can could should
        must may might shall not no never also just only even still then there here now
        however meanwhile earlier later last next once both each every all some any many much
        more most such other another s said says told
        """
    )
)
TITLES = frozenset(
    _words(
        """
        mr mrs ms miss dr prof professor sir lord lady dame president senator sen rep
        governor gov mayor judge justice coach captain capt general gen sergeant sgt officer
        detective inspector chief minister chancellor king queen prince princess pope rev
        reverend father sister bishop
        """
    )
)
SPEECH_VERBS = frozenset(
    _words(
        """
        said says told added explained insisted wrote claimed warned admitted stated tweeted
        asked argued recalled continued according
        """
    )
)
WEEKDAYS = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
MONTHS = _words(
    "January February March April May June July August September October November December"
)
TIME_WORDS = frozenset(
    _words(
        """
        week weekend month year day morning afternoon evening night season summer winter
        spring autumn decade century hour minute
        """
    )
    + tuple(w.lower() for w in WEEKDAYS + MONTHS)
)
_UNITS = _words(
    """
    zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen
    """
)
_TENS = _words("twenty thirty forty fifty sixty seventy eighty ninety")
NUMBER_WORDS = {w: v for v, w in enumerate(_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SCALES |= {"m": 1e6, "bn": 1e9, "k": 1e3}


def spell(value: int) -> str:
    """``40`` -> ``forty``, ``25`` -> ``twenty-five`` (0 to 99)."""
    if value < 20:
        return _UNITS[value]
    tens, unit = divmod(value, 10)
    return _TENS[tens - 2] + (f"-{_UNITS[unit]}" if unit else "")


@dataclass(frozen=True)
class Variant:
    """A generated sentence, its type and what changed (``45 -> 52``)."""

    type: str
    text: str
    detail: str


def rng_for(key: str) -> random.Random:
    """A random generator of its own for one row and type: the same draws every run."""
    return random.Random(int.from_bytes(hashlib.blake2b(key.encode()).digest()[:8], "big"))


def lower_words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[^\W_]+", text)]


def splice(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def match_case(new: str, old: str) -> str:
    """``new`` with ``old``'s first letter's case."""
    return new[:1].upper() + new[1:] if old[:1].isupper() else new


def key(word: str) -> str:
    """A word's Porter stem, lowercased: ``Universities`` and ``university`` share one."""
    return claims.stem(word.lower())


def related(a: str, b: str) -> bool:
    """Two stems of one word, or one a longer form of the other (``Russia`` / ``Russian``)."""
    return a == b or (min(len(a), len(b)) >= 5 and (a.startswith(b) or b.startswith(a)))


# --- numbers --------------------------------------------------------------------------------

_NUMBER = re.compile(
    r"(?<![\w.,:/-])(?P<cur>[$£€] ?)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<unit> ?(?:%|per cent\b|percent\b|(?:thousand|million|billion|trillion)\b"
    r"|(?:m|bn|k)\b))?(?!\d|[,.:/]\d|[^\W\d_])"
)
_SPELLED = re.compile(
    r"\b(?P<word>" + "|".join(_TENS + _UNITS[2:]) + r")(?:-(?P<unit>"
    r"" + "|".join(_UNITS[1:10]) + r"))?\b(?!-)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Number:
    """A number written in digits, where it is, and its value (``bare``: without scale)."""

    start: int
    end: int
    text: str
    value: float
    bare: float
    currency: str
    unit: str
    digits: str

    @property
    def is_year(self) -> bool:
        plain = not (self.currency or self.unit or "," in self.digits or "." in self.digits)
        return plain and len(self.digits) == 4 and 1800 <= self.bare <= 2099

    @property
    def percent(self) -> bool:
        return "%" in self.unit or "cent" in self.unit

    @property
    def decimals(self) -> int:
        return len(self.digits.split(".")[1]) if "." in self.digits else 0


def numbers(text: str) -> list[Number]:
    """Numbers in digits: ``45``, ``2,600``, ``45%``, ``45 per cent``, ``$ 2.6 million``."""
    found = []
    for m in _NUMBER.finditer(text):
        bare = float(m["num"].replace(",", ""))
        unit = m["unit"] or ""
        value = bare * _SCALES.get(unit.strip().lower(), 1.0)
        found.append(Number(m.start(), m.end(), m[0], value, bare, m["cur"] or "", unit, m["num"]))
    return found


def spelled_numbers(text: str) -> list[tuple[int, int, int]]:
    """Numbers in words from two to ninety-nine, as (start, end, value)."""
    found = []
    for m in _SPELLED.finditer(text):
        unit = NUMBER_WORDS[m["unit"].lower()] if m["unit"] else 0
        found.append((m.start(), m.end(), NUMBER_WORDS[m["word"].lower()] + unit))
    return found


def number_values(text: str) -> set[float]:
    values = {v for n in numbers(text) for v in (n.value, n.bare)}
    return values | {float(v) for _, _, v in spelled_numbers(text)}


_MONTH = "|".join(MONTHS)


def day_of_month(sentence: str, start: int, end: int) -> bool:
    """``April 14``, ``14 April``, ``14th of April``: a date, not a count."""
    before = re.search(rf"\b(?:{_MONTH})\s*$", sentence[:start], re.IGNORECASE)
    after = re.match(rf"(?:st|nd|rd|th)?\s*(?:of\s+)?(?:{_MONTH})\b", sentence[end:], re.IGNORECASE)
    return bool(before or after)


def written_like(value: float, number: Number) -> str:
    """``value`` in ``number``'s style: thousands commas, decimals."""
    comma = "," if "," in number.digits else ""
    if number.decimals:
        return f"{value:{comma}.{number.decimals}f}"
    return f"{int(value):{comma}}"


def other_value(number: Number, rng: random.Random, taken: set[float]) -> float | None:
    """A different bare value as round as this one, that the article does not state."""
    bare = number.bare
    scale = number.value / bare if bare else 1.0
    digits = str(int(bare))
    # 14,000 moves in thousands, 45 in units: a changed number looks like a real one.
    round_to = 10 ** min(len(digits) - len(digits.rstrip("0")), max(len(digits) - 2, 0))
    for _ in range(30):
        if bare < 10 and not number.decimals:
            candidate = float(rng.randint(2, 12))
        else:
            candidate = bare * rng.choice((0.5, 0.6, 0.7, 0.8, 1.25, 1.4, 1.5, 2.0, 3.0))
            if number.decimals:
                candidate = round(candidate, number.decimals)
            else:
                candidate = float(int(candidate / round_to + 0.5) * round_to)
        if number.percent and candidate > 100:
            continue
        fresh = candidate not in taken and candidate * scale not in taken
        if candidate != bare and candidate > 0 and fresh:
            return candidate
    return None


# --- names and entities ---------------------------------------------------------------------

_CAP_RUN = re.compile(r"(?<![\w'’`-])[A-Z][\w’.&-]*(?: +[A-Z][\w’.&-]*)*")
_DATE_WORDS = frozenset(w.lower() for w in WEEKDAYS + MONTHS)


@dataclass(frozen=True)
class Mention:
    """A capitalised run of a sentence, without leading function words; a leading title
    (``Dr Urho Kujala``) is kept apart in ``title``."""

    start: int
    end: int
    text: str
    title: str
    name_start: int

    @property
    def name(self) -> str:
        return self.text[self.name_start - self.start :]

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(lower_words(self.name))


def mentions(sentence: str) -> list[Mention]:
    """Capitalised runs, split at months and weekdays; the sentence's first word included."""
    found = []
    for run in _CAP_RUN.finditer(sentence):
        pieces = [
            (p.start() + run.start(), p.end() + run.start()) for p in re.finditer(r"\S+", run[0])
        ]
        segments: list[list[tuple[int, int]]] = [[]]
        for start, end in pieces:
            word = sentence[start:end].lower().rstrip(".")
            # A month or weekday ends a name, unless it is a surname ("Theresa May").
            if word in _DATE_WORDS and (not segments[-1] or re.match(r"\s*\d", sentence[end:])):
                segments.append([])
            elif segments[-1] or word not in FUNCTION_WORDS:
                segments[-1].append((start, end))
        for segment in filter(None, segments):
            start, end = segment[0][0], segment[-1][1]
            if sentence[end - 1] == "." and sentence[start:end].count(".") == 1:
                end -= 1  # the sentence's full stop, not an initial's ("U.S.")
            if re.match(r"['’](?:[^\Ws]|s\w)", sentence[end:]):
                continue  # a word that goes on after an apostrophe: "Ba'ath"
            first = sentence[segment[0][0] : segment[0][1]]
            titled = len(segment) > 1 and first.lower().rstrip(".") in TITLES
            name_start = segment[1][0] if titled else start
            if end > name_start:
                found.append(Mention(start, end, sentence[start:end], first * titled, name_start))
    return found


@dataclass
class Entity:
    """One person, place or other named thing of an article: its names and its kind."""

    names: list[str]  # without titles, the most frequent first
    tokens: set[str]  # the names' words, lowercased
    titles: list[str]
    kind: str = "other"  # "person", "place" or "other"
    speaker: bool = False

    @property
    def longest(self) -> str:
        return max(self.names, key=lambda n: len(n.split()))

    def surface(self, like: Mention) -> str:
        """This entity written in the place of ``like``: a surname for a surname."""
        if self.kind == "person" and len(like.tokens) == 1:
            return self.longest.split()[-1]
        return self.longest


_SPEECH = "|".join(sorted(SPEECH_VERBS))
_PERSON_AFTER = re.compile(
    r"^\s*(?:,\s*\d+\s*,|\s*,\s*who\b"
    # "Nigel Pearson has urged his players": a personal pronoun soon after, no other name.
    r"|(?:\s+[a-z][\w'’]*){0,3}?\s+(?:he|she|his|her|him|himself|herself)\b)"
)
_PERSON_BEFORE = re.compile(r"\b(?:said|says|told)\s*,?\s*$")
_PLACE_BEFORE = re.compile(r"\b(?:in|at|from|near|across|outside|inside)\s+(?:the\s+)?$")
_MODIFIES = re.compile(r"^\s+([a-z]+)")


def trim(mention: Mention, lowercase: set[str] | frozenset[str]) -> Mention | None:
    """The mention without leading words the article also writes in lower case (a sentence's
    ``Graduate Jacob Phillips``); None when nothing is left."""
    start = mention.name_start
    for word in re.finditer(r"\S+", mention.name):
        if word[0] not in lowercase and word[0].lower() not in lowercase:
            break
        start = mention.name_start + word.end() + 1
    else:
        return None
    if start == mention.name_start:
        return mention
    return Mention(start, mention.end, mention.text[start - mention.start :], "", start)


@dataclass
class _Evidence:
    """What the words around one name said about it, over the article."""

    count: int = 0
    person: int = 0
    place: int = 0
    determiner: int = 0  # "the Times", "the State Department": no person's name
    speaker: int = 0
    modifier: int = 0
    titles: list[str] = field(default_factory=list)


def _read_names(
    article: str, sentences: Sequence[str], lowercase: set[str]
) -> dict[str, _Evidence]:
    """Every name of the article (capitalised runs that do not open a sentence, or are
    longer than one word) and the evidence of its kind."""
    evidence: dict[str, _Evidence] = {}
    for sentence in sentences:
        for run in mentions(sentence):
            m = trim(run, lowercase)
            opening = m is not None and not sentence[: m.start].strip(" `'\"“(")
            if m is None or (opening and len(m.tokens) == 1 and not m.title):
                continue
            ev = evidence.setdefault(m.name, _Evidence())
            before, after = sentence[: m.start], sentence[m.end :]
            speaks = bool(re.match(rf"^\s*,?\s*(?:{_SPEECH})\b", after))
            speaks = speaks or bool(_PERSON_BEFORE.search(before))
            modified = _MODIFIES.match(after)
            ev.count += 1
            ev.titles += [m.title] if m.title else []
            ev.person += bool(_PERSON_AFTER.match(after) or m.title)
            ev.place += bool(_PLACE_BEFORE.search(before))
            ev.determiner += bool(re.search(r"\b(?:the|a|an)\s+$", before, re.IGNORECASE))
            ev.speaker += speaks
            ev.modifier += bool(modified and modified[1] not in FUNCTION_WORDS)
    return evidence


def _kind(names: Sequence[str], evidence: dict[str, _Evidence], lowercase: set[str]) -> str:
    person = sum(evidence[n].person for n in names)
    place = sum(evidence[n].place for n in names)
    # Countries, firms and ministries speak too ("China said", "Network Rail said"): speech
    # counts for a name of two words or more that are never written in lower case.
    person += sum(
        evidence[n].speaker
        for n in names
        if " " in n and not any(w.lower() in lowercase for w in n.split())
    )
    # A full name, then its last word alone: how news writes about people.
    last = {n.split()[-1] for n in names if " " in n}
    person += any(n in last for n in names)
    if all(n.replace(".", "").isupper() for n in names):
        return "other"  # an acronym (CNN, NATO) names an organisation, though it speaks
    if 2 * sum(evidence[n].determiner for n in names) >= sum(evidence[n].count for n in names):
        person = 0  # mostly "the ...": a newspaper, a ministry, a region
    ev = evidence[names[0]]
    single = len(names) == 1 and " " not in names[0] and not (person or place)
    if single and ev.modifier >= 2 and 2 * ev.modifier > ev.count:
        return "modifier"
    return "person" if person > place else "place" if place > person else "other"


def article_entities(article: str, sentences: Sequence[str]) -> list[Entity]:
    """The named entities of a mixed-case article.

    Names are grouped when they share a word (``Barack Obama``, ``Obama`` and ``Mr Obama``
    are one; so are two Sterlings, which keeps a swap from choosing between relatives), and
    typed by the words around them: a person has a title, an age, a pronoun after it or a
    surname used alone, or speaks under a full name, and mostly goes without "the"; a place
    follows ``in``, ``at``, ``from``; a single word mostly written before a noun (``Russian
    state media``) is a ``modifier``; an acronym is other.
    """
    lowercase = {w.lower() for w in re.findall(r"[^\W_]+", article) if w[0].islower()}
    evidence = _read_names(article, sentences, lowercase)
    groups: list[Entity] = []
    for name in sorted(evidence, key=lambda n: (-evidence[n].count, n)):
        toks = {t for t in lower_words(name) if len(t) > 1}
        joined = [g for g in groups if g.tokens & toks]
        for other in joined[1:]:  # a name sharing words with two groups joins them
            joined[0].names += other.names
            joined[0].tokens |= other.tokens
            joined[0].titles += other.titles
            groups.remove(other)
        if joined:
            joined[0].names.append(name)
            joined[0].tokens |= toks
            joined[0].titles += evidence[name].titles
        elif toks:
            groups.append(Entity([name], toks, list(evidence[name].titles)))
    for g in groups:
        g.kind = _kind(g.names, evidence, lowercase)
        g.speaker = any(evidence[n].speaker for n in g.names)
    return groups


# --- quotations -----------------------------------------------------------------------------

_QUOTE_SPAN = re.compile(r"``\s*(?P<a>.+?)\s*''|\"\s*(?P<b>[^\"]+?)\s*\"|“\s*(?P<c>[^”]+?)\s*”")


def quote_spans(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of each quotation's inner text."""
    spans = []
    for m in _QUOTE_SPAN.finditer(sentence):
        group = next(g for g in ("a", "b", "c") if m[g])
        spans.append((m.start(group), m.end(group)))
    return spans


def outside_quotes(sentence: str) -> str:
    """The sentence with every quotation's text blanked out."""
    for start, end in quote_spans(sentence):
        sentence = splice(sentence, start, end, " " * (end - start))
    return sentence


def bigram_share(text: str, bigrams: set[tuple[str, str]]) -> float:
    pairs = list(pairwise(lower_words(text)))
    return sum(p in bigrams for p in pairs) / len(pairs) if pairs else 1.0


# --- the context of a sentence --------------------------------------------------------------


@dataclass
class Pool:
    """What the other articles of a split lend: their entities, their quotations, and the
    capitalised words they write (a demonym formed by rule is used only if one of them
    writes it: ``Kenyan`` is a word, ``Shibuyan`` is not)."""

    entities: list[tuple[str, Entity]] = field(default_factory=list)  # (article key, entity)
    quotes: list[tuple[str, str]] = field(default_factory=list)  # (article key, quotation)
    capitalised: set[str] = field(default_factory=set)
    # Words some mixed-case article writes in lower case: common words, not names, however
    # a dialogue's "Tom: Actually, yes" capitalises them.
    lowercase: set[str] = field(default_factory=set)


@dataclass
class Context:
    """One article, read once for the rules, and the pool of its split."""

    article: str
    sentences: Sequence[str]
    key: str = ""
    pool: Pool = field(default_factory=Pool)

    @cached_property
    def mixed_case(self) -> bool:
        return claims.is_mixed_case(self.article)

    @cached_property
    def tokenized(self) -> bool:
        return len(re.findall(r" [,.] | 's\b", self.article)) >= 3

    @cached_property
    def entities(self) -> list[Entity]:
        return article_entities(self.article, self.sentences) if self.mixed_case else []

    @cached_property
    def words(self) -> set[str]:
        return set(lower_words(self.article))

    @cached_property
    def lowercase(self) -> frozenset[str]:
        """Words the article writes in lower case: common words, whatever their capital."""
        return frozenset(w.lower() for w in re.findall(r"[^\W_]+", self.article) if w[0].islower())

    @cached_property
    def capitalised(self) -> frozenset[str]:
        """Words the article only ever writes with a capital: names."""
        found = {w.lower() for w in re.findall(r"\b[A-Z][a-z]+\b", self.article)}
        return frozenset(found - self.lowercase)

    def lowercases_names(self, sentence: str) -> bool:
        return any(w in self.capitalised for w in re.findall(r"\b[a-z]+\b", sentence))

    @cached_property
    def bigrams(self) -> set[tuple[str, str]]:
        return set(pairwise(lower_words(self.article)))

    @cached_property
    def values(self) -> set[float]:
        return number_values(self.article)

    @cached_property
    def keys(self) -> frozenset[str]:
        return frozenset(key(w) for w in self.words)

    def entity_of(self, mention: Mention) -> Entity | None:
        toks = {t for t in mention.tokens if len(t) > 1}
        return next((e for e in self.entities if toks and toks <= e.tokens), None)

    def possessive(self) -> str:
        return " 's" if self.tokenized else "'s"

    def comma(self) -> str:
        return " ," if self.tokenized else ","


Rule = Callable[[str, Context, random.Random], "Variant | None"]


def name_mentions(sentence: str, ctx: Context) -> list[tuple[Mention, Entity]]:
    """Mentions outside quotations that name an entity of a mixed-case article; none in a
    sentence that writes the article's names in lower case ("Nathan hughes 's knee"), whose
    capitals no longer mark whole names."""
    if not ctx.entities or ctx.lowercases_names(sentence):
        return []
    quoted = quote_spans(sentence)
    found = []
    for run in mentions(sentence):
        m = trim(run, ctx.lowercase)
        entity = None if m is None else ctx.entity_of(m)
        if m is not None and entity is not None and not any(a <= m.start < b for a, b in quoted):
            found.append((m, entity))
    return found


def unrelated(entity: Entity, keys: set[str] | frozenset[str]) -> bool:
    """No word of the entity has a stem among ``keys`` (see :func:`key`) or a form of one:
    stems are too coarse to group names by (``Arsenal`` and ``Arsene`` share one) but keep
    a replacement from being a form of a word already there."""
    return not any(related(key(t), k) for t in entity.tokens for k in keys)


def put_entity(sentence: str, mention: Mention, entity: Entity, kind: str) -> Variant:
    """``mention`` replaced by ``entity``; a title stays only if the article gives it to it."""
    surface = entity.surface(mention)
    if mention.title and mention.title in entity.titles:
        surface = f"{mention.title} {surface}"
    new = splice(sentence, mention.start, mention.end, surface)
    return Variant(kind, new, f"{mention.text} -> {surface}")
