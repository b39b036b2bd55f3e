"""Numbers and dates a sentence states, in the ways news text writes them.

``40``, ``forty``, ``40%``, ``4 in 10`` and ``40 per cent`` are one claim; so are
``2.6 million`` and ``2,600,000``, and a rounded ``2,600`` of the article's ``2,634``.
Years, months and weekdays are dates: a different one than the article's is a wrong date.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import islice

from .. import text
from .lexicon import word_list

_UNITS = {
    word: value
    for value, word in enumerate(
        word_list(
            """
            zero one two three four five six seven eight nine ten eleven twelve thirteen
            fourteen fifteen sixteen seventeen eighteen nineteen
            """
        )
    )
}
_TENS = {
    word: 10 * (i + 2)
    for i, word in enumerate(word_list("twenty thirty forty fifty sixty seventy eighty ninety"))
}
_SCALES = {"hundred": 100.0, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
# Abbreviated scales, written against the digits: "£5m", "$2bn", "10k".
_SHORT_SCALES = {**_SCALES, "m": 1e6, "bn": 1e9, "k": 1e3}
# Amounts the article may state in words, for a sentence that gives them in digits.
_FRACTIONS = {"half": 0.5, "third": 1 / 3, "thirds": 1 / 3, "quarter": 0.25, "quarters": 0.25}
_ORDINALS = {
    word: value
    for value, word in enumerate(
        word_list(
            """
            zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh
            twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth
            nineteenth twentieth
            """
        )
    )
}
ORDINAL_WORDS = frozenset(_ORDINALS)
# Words that only spell numbers: never "words not in the article" when the number matches.
NUMBER_WORDS = frozenset([*_UNITS, *_TENS, *_SCALES, *_FRACTIONS, "dozen", "dozens"])
WEEKDAYS = frozenset(word_list("monday tuesday wednesday thursday friday saturday sunday"))
MONTHS = frozenset(
    word_list(
        """
        january february march april may june july august september october november december
        """
    )
)
DATE_WORDS = WEEKDAYS | MONTHS

# The minutes of a clock time (``4:00``, ``16:30``) are no number of their own: the hour is.
_DIGITS = re.compile(
    r"(?<![\w.])(?!(?<=\d:)\d\d(?!\d))(\d+(?:,\d{3})+|\d+(?:\.\d+)?)"
    r"(?:\s*(%|per\s*cent\b|percent\b|million\b|billion\b|trillion\b|thousand\b|hundred\b"
    r"|m\b|bn\b|k\b))?",
    re.IGNORECASE,
)
_WORD = "|".join(sorted([*_UNITS, *_TENS], key=len, reverse=True))
_SPELLED = re.compile(
    rf"\b(?:{_WORD})(?:(?:[\s-]+(?:and[\s-]+)?)(?:{_WORD}|hundred|thousand|million|billion"
    rf"|trillion)\b)*\b",
    re.IGNORECASE,
)
_AMOUNT = rf"(?:\d+(?:\.\d+)?|{_WORD})"
# "4 in 10", "one in five", "nine out of every ten": a share.
_RATIO = re.compile(
    rf"\b({_AMOUNT})\s+(?:in|out\s+of)\s+(?:every\s+)?({_AMOUNT})\b(?![.,]\d)", re.IGNORECASE
)
_FRACTION = re.compile(
    rf"\b(?:(an?|{_WORD})[\s-]+)?(half|thirds?|quarters?|dozen)\b|\b({_WORD})[\s-]+dozen\b",
    re.IGNORECASE,
)
_ORDINAL = re.compile(
    rf"\b(?:({'|'.join(_TENS)})[\s-]+)?({'|'.join(sorted(_ORDINALS, key=len, reverse=True))})\b",
    re.IGNORECASE,
)
_CODE = re.compile(r"\b[^\W\d_]+(\d{1,4})\b")
_ORDINAL_SUFFIX = re.compile(r"(?:st|nd|rd|th)\b", re.IGNORECASE)
# A season or a span of years: "2010-11", "1939/45".
_SEASON = re.compile(r"\b((?:18|19|20)\d\d)[-–/](\d\d)\b(?![-–/.,]\d)")
_DATE = re.compile(r"\b(?:" + "|".join(sorted(DATE_WORDS)) + r")\b", re.IGNORECASE)
_YEARS = (1800.0, 2100.0)


@dataclass(frozen=True)
class Quantity:
    """A number as written (``2.6 million``, ``nine``, ``4 in 10``) and its value.

    ``bare`` is the value without its scale word (2.6 for ``2.6 million``); ``also`` holds
    other ways to state the same amount (0.4 for 40%); ``parts`` are the two counts of a
    share (4 and 10 for ``4 in 10``). ``kind`` is ``year`` for a year, else ``number``;
    ``ordinal`` marks ``21st``, which the article may spell (``twenty-first``).
    """

    text: str
    value: float
    bare: float
    scaled: bool
    kind: str = "number"
    also: tuple[float, ...] = ()
    parts: tuple[float, ...] = ()
    span: tuple[int, int] = (0, 0)
    ordinal: bool = False  # "21st"


def _number(raw: str) -> float:
    word = raw.lower()
    if word in _UNITS:
        return float(_UNITS[word])
    if word in _TENS:
        return float(_TENS[word])
    return float(raw.replace(",", ""))


def _spelled_value(words: list[str]) -> float:
    """The value of a run of number words: ``two hundred and fifty`` is 250."""
    total, current = 0.0, 0.0
    for word in words:
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1.0) * 100
        elif word in _SCALES:
            total += max(current, 1.0) * _SCALES[word]
            current = 0.0
    return total + current


def _blank(sentence: str, spans: Iterable[tuple[int, int]]) -> str:
    """The sentence with the given spans blanked out, so no other pattern reads them again."""
    chars = list(sentence)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def quantities(sentence: str) -> list[Quantity]:
    """Numbers in digits (``45``, ``2,600``, ``45%``, ``£5m``, ``84-year-old``), in words
    (``nine``, ``twenty-five``, ``three million``) and shares (``4 in 10``). A lone ``one``
    is a pronoun, not a count; a 4-digit whole number from 1800 to 2100 is a year."""
    return list(_quantities(sentence))


@lru_cache(maxsize=4096)  # an article's passages are read for each summary of it
def _quantities(sentence: str) -> tuple[Quantity, ...]:
    found: list[Quantity] = []
    for match in _RATIO.finditer(sentence):
        a, b = _number(match.group(1)), _number(match.group(2))
        if 0 < a <= b < 1000:
            share = a / b
            found.append(
                Quantity(
                    match.group(0),
                    share * 100,
                    share * 100,
                    False,
                    "number",
                    (share,),
                    (a, b),
                    match.span(),
                )
            )
    rest = _blank(sentence, [q.span for q in found])
    for match in _SEASON.finditer(rest):
        year = float(match.group(1))
        found.append(Quantity(match.group(1), year, year, False, "year", span=match.span()))
    rest = _blank(sentence, [q.span for q in found])
    for match in _DIGITS.finditer(rest):
        raw, unit = match.group(1), (match.group(2) or "").lower()
        bare = float(raw.replace(",", ""))
        scale = _SHORT_SCALES.get(unit, 1.0)
        percent = unit == "%" or unit.startswith("per")
        also = (bare / 100,) if percent else ()
        year = not unit and raw.isdigit() and len(raw) == 4 and _YEARS[0] <= bare <= _YEARS[1]
        kind = "year" if year else "number"
        found.append(
            Quantity(
                match.group(0),
                bare * scale,
                bare,
                scale != 1.0,
                kind,
                also,
                (),
                match.span(),
                _ORDINAL_SUFFIX.match(rest, match.end()) is not None,
            )
        )
    for match in _SPELLED.finditer(rest):
        for start, end in _spelled_numbers(match):
            words = [w for w in text.words(sentence[start:end].lower()) if w != "and"]
            if words in (["one"], ["zero"]):
                continue
            value = _spelled_value(words)
            found.append(Quantity(sentence[start:end], value, value, False, span=(start, end)))
    found.sort(key=lambda q: q.span)
    return tuple(found)


def _spelled_numbers(match: re.Match[str]) -> list[tuple[int, int]]:
    """The numbers of a run of number words, as spans: one number goes on from a ten to a
    unit (``twenty-five``), to a scale (``three hundred``, ``five million``) and from a scale
    on (``two hundred and fifty``); anything else starts another (``between eight and
    twelve``, a phone number read out ``zero eight zero zero``)."""
    spans: list[tuple[int, int]] = []
    previous, last = "", ""  # the kind of the word before, and the word
    for word in re.finditer(r"[^\W\d_]+", match.group(0)):
        token = word.group(0).lower()
        if token == "and":
            continue
        start, end = match.start() + word.start(), match.start() + word.end()
        kind = "scale" if token in _SCALES else "ten" if token in _TENS else "unit"
        joined = bool(spans) and (
            (previous == "ten" and kind == "unit" and _UNITS[token] < 10)
            or (kind == "scale" and (previous != "scale" or last == "hundred" != token))
            or (previous == "scale" and kind != "scale")
        )
        if joined:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
        previous, last = kind, token
    return spans


def _fractions(article: str) -> list[float]:
    """Amounts the article gives as fractions or dozens: ``half`` is 0.5 and 50 (%)."""
    values: list[float] = []
    for match in _FRACTION.finditer(article):
        count, word, dozens = match.group(1), (match.group(2) or "").lower(), match.group(3)
        if dozens or word == "dozen":
            lead = dozens or count or "a"
            n = 1.0 if lead.lower() in ("a", "an") else _number(lead)
            values.append(12 * n)
            continue
        n = 1.0 if not count or count.lower() in ("a", "an") else _number(count)
        share = n * _FRACTIONS[word]
        values += [share, share * 100]
    return values


def significant(quantity: Quantity) -> int:
    """How many significant digits the number is written with: 2 for ``2,600`` and for
    ``2.6 million``, 1 for ``forty``."""
    digits = re.sub(r"\D", "", quantity.text.split("%")[0]) if quantity.text[0].isdigit() else ""
    if not digits:
        digits = str(int(quantity.bare)) if quantity.bare == int(quantity.bare) else "00"
    if "." in quantity.text:
        return max(len(digits.lstrip("0")), 1)
    return max(len(digits.lstrip("0").rstrip("0")), 1)


def _rounds_to(value: float, rounded: float, digits: int) -> bool:
    """True when ``value`` rounded to ``digits`` significant digits is ``rounded``."""
    if value <= 0 or rounded <= 0:
        return False
    magnitude = 10 ** (math.floor(math.log10(value)) - digits + 1)
    return math.isclose(math.floor(value / magnitude + 0.5) * magnitude, rounded, rel_tol=1e-9)


@dataclass
class DateWord:
    """A weekday or month as written, where it is and which of the two it is."""

    text: str
    kind: str  # "weekday" or "month"
    span: tuple[int, int]

    @property
    def key(self) -> str:
        return self.text.lower()


def dates(sentence: str, mixed_case: bool) -> list[DateWord]:
    """Weekdays and months. A month name is also a word (``may``, ``march``): in mixed-case
    text it must be capitalized; in lowercase text those two need a number next to them or
    a preposition before them (``in march``, not ``the march``)."""
    found = []
    for match in _DATE.finditer(sentence):
        word = match.group(0)
        lower = word.lower()
        if lower in MONTHS:
            if mixed_case and not word[0].isupper():
                continue
            near = sentence[max(match.start() - 6, 0) : match.end() + 6]
            number = re.search(r"\d", near) is not None
            before = _WORD_BEFORE.search(sentence[max(match.start() - 12, 0) : match.start()])
            led = before is not None and before.group(1).lower() in _MONTH_LEADS
            # Capitalized "May" is also a name (Theresa May); "March" is not.
            word_too = lower == "may" or (lower in _MONTH_VERBS and not mixed_case)
            if word_too and not (number or (led and not mixed_case)):
                continue
        kind = "weekday" if lower in WEEKDAYS else "month"
        found.append(DateWord(word, kind, match.span()))
    return found


# Months that are also common words ("may", "march"), and the words that make them months
# ("in march", "since may", "early march").
_MONTH_VERBS = frozenset(["may", "march"])
_MONTH_LEADS = frozenset(
    word_list("in since until till by from during early late mid last next this of before after")
)
_WORD_BEFORE = re.compile(r"(\w+)[\s-]+$")
# A day of the month next to its month: "14 March", "14th of March", "March 14", "March 14th".
_DAY_BEFORE = re.compile(r"(?:st|nd|rd|th)?\s+(?:of\s+)?", re.IGNORECASE)
_DAY_AFTER = re.compile(r"\.?\s+(?:the\s+)?", re.IGNORECASE)


def days(
    sentence: str, found: Iterable[Quantity], months: Iterable[DateWord]
) -> dict[tuple[int, int], str]:
    """The numbers that are days of a month (1 to 31 next to a month name), by their span:
    the day with its month as written (``March 14``)."""
    # Only the month nearest before a number and the one nearest after it can be next to it:
    # looked up by position, so a text of many dates costs no more per date than one of few.
    spans = sorted(d.span for d in months if d.kind == "month")
    ends = [m_end for _, m_end in spans]
    result = {}
    for q in found:
        if q.kind != "number" or not q.text.isdigit() or not 1 <= q.value <= 31:
            continue
        start, end = q.span
        before = bisect.bisect_right(ends, start) - 1  # the last month ending by the number
        after = bisect.bisect_left(spans, (end, -1))  # the first month starting after it
        if before >= 0 and _DAY_AFTER.fullmatch(sentence[spans[before][1] : start]):
            m_start, m_end = spans[before]
        elif after < len(spans) and _DAY_BEFORE.fullmatch(sentence[end : spans[after][0]]):
            m_start, m_end = spans[after]
        else:
            continue
        result[q.span] = sentence[min(start, m_start) : max(end, m_end)]
    return result


@dataclass
class NumberIndex:
    """The numbers and dates of an article, read once for every sentence checked against it."""

    article: str
    mixed_case: bool = True
    values: frozenset[float] = field(init=False)
    ordinals: frozenset[float] = field(init=False)

    def __post_init__(self) -> None:
        found = quantities(self.article)
        values = [v for q in found for v in (q.value, q.bare, *q.also, *q.parts)]
        values += _fractions(self.article)
        # The number of a code ("F1", "G20") for a summary that spells it out ("Formula 1").
        values += [float(m.group(1)) for m in _CODE.finditer(self.article)]
        self.values = frozenset(values)
        # "twenty-first" for a summary's "21st" (and only for an ordinal: "second" is no 2).
        self.ordinals = frozenset(
            float(_TENS.get((m.group(1) or "").lower(), 0) + _ORDINALS[m.group(2).lower()])
            for m in _ORDINAL.finditer(self.article)
        )

    @cached_property
    def lower(self) -> str:
        return self.article.lower()

    @cached_property
    def sorted_values(self) -> list[float]:
        return sorted(v for v in self.values if v > 0)

    @cached_property
    def date_words(self) -> frozenset[str]:
        """The weekdays and months the article states, read as mixed-case and as lowercased
        text (``in May`` with no day: "May" may be a name, but a summary's "in may" is no
        date the article lacks)."""
        read = [*dates(self.article, self.mixed_case), *dates(self.article, False)]
        return frozenset(d.key for d in read)

    def has(self, quantity: Quantity) -> bool:
        """The article states this amount: exactly, in another form, or rounded."""
        candidates = (quantity.value, *quantity.also) + (
            () if quantity.scaled else (quantity.bare,)
        )
        if any(v in self.values for v in candidates):
            return True
        if quantity.ordinal and quantity.value in self.ordinals:
            return True
        if quantity.parts and all(p in self.values for p in quantity.parts):
            return True
        if quantity.kind == "year":
            return False
        # A rounded figure of the article's: 2,600 for 2,634, 2.6 million for 2,634,000, 5%
        # for 4.9%; not 10 for 11 (a small count is exact).
        value, digits = quantity.value, significant(quantity)
        low = bisect.bisect_left(self.sorted_values, value / 1.1)
        high = bisect.bisect_right(self.sorted_values, value * 1.1)
        near = islice(self.sorted_values, low, min(high, low + 64))
        return any(_rounds_to(a, value, digits) and (value >= 100 or a != int(a)) for a in near)
