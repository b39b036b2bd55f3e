"""Names in a summary sentence: found by spaCy's recogniser, matched with the article's forms.

:func:`named_entities` takes the names (people, places, organisations, groups, events,
works) from the English pipeline's named-entity recogniser, in any case; proper nouns it did
not type are read too, but never as sure. Whether the article has a name is matching, which
is not the recogniser's job: a title is not part of a name (``Mayor Helen Ortega`` is
``Helen Ortega``), a prefix is not (``Pro-Moscow`` is ``Moscow``), a demonym is its place
(``Ukrainian`` / ``Ukraine``, ``Danish`` / ``Denmark``), a surname alone is the person, an
acronym is its expansion, and a transliteration (``Luhansk`` / ``Lugansk``) is the same
place. The capital-letter reading (:func:`find_names`) remains for the quotation speakers
and the slots of :mod:`.roles`, which compare a sentence with its passage word by word.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import islice
from typing import TYPE_CHECKING

from .. import text
from .lexicon import STOPWORDS, stem, tokens, word_list
from .numbers import DATE_WORDS, NUMBER_WORDS, ORDINAL_WORDS

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

# Titles and honorifics before a name: not part of it.
TITLES = frozenset(
    word_list(
        """
        mr mrs ms miss mx dr doctor prof professor sir dame lord lady madam president vice
        prime minister chancellor secretary senator sen rep representative congressman
        congresswoman governor gov mayor judge justice chief general gen colonel col major maj
        captain capt lieutenant lt sergeant sgt corporal cpl private officer detective det
        inspector constable commissioner sheriff marshal admiral adm commander cmdr king queen
        prince princess duke duchess earl count baron baroness emperor empress pope cardinal
        archbishop bishop reverend rev father pastor rabbi imam sheikh ayatollah coach
        chairman chairwoman ceo director ambassador councillor councilman councilwoman
        alderman speaker deputy dean principal agent trooper st saint
        """
    )
)
# Prefixes joined to a name by a hyphen (Pro-Moscow, Anti-Putin): not part of the name.
AFFIXES = frozenset(
    word_list("pro anti non ex post pre neo mid pan co semi trans ultra far all inter")
)
# Endings of a demonym or adjective (Ukrainian, British, Iraqi) and of the place name it
# comes from (Ukraine, Britain, Iraq): one name written two ways.
_ADJECTIVE_ENDINGS = frozenset(
    word_list("n an ian ean ese i is ish ic ite er ers ern erner erners ns ans ians eans ist ists")
)
_PLACE_ENDINGS = frozenset(word_list("a e o y ia ain land istan s es ey"))
_OPENER = re.compile(r"[.!?][\"'”’)]*\s+$")
# Between two words of one name there is only a space, a full stop (U.K.), an apostrophe or
# a hyphen.
_NAME_GAP = re.compile(r"[\s.-]*(?:['’][\s.-]*)?")
# A run of more capitalized words than this is a title-case headline, not a name.
_LONGEST_NAME = 6
# Look-ups for the article's form of one word: enough for any real article, and a bound on
# the work a sentence of thousands of made-up names can cause.
_LOOKUPS = 64
_VARIANTS = 400
# A word (starting with a letter) that does not open a sentence: not after a full stop, an
# opening bracket, or a closing quotation mark after a full stop.
_INNER_WORD = re.compile(r"(?<![.!?(\s])(?<![.!?][\"'”’])\s+[\"'“‘(]*([^\W\d_]\w*)")


@dataclass(frozen=True)
class Name:
    """A name as written in a sentence (titles and prefixes left out) and where it is."""

    text: str
    words: tuple[str, ...]  # its lowercase tokens
    span: tuple[int, int]
    # Recognised as a named entity; False for a proper noun the recogniser did not type
    # (evidence, never decisive on its own).
    entity: bool = True
    label: str = ""  # the recogniser's type (PERSON, ORG, GPE...), when it typed it


def is_mixed_case(passage: str) -> bool:
    """True when capitals mark names: words that do not open a sentence are capitalized."""
    inner = 0
    capital = 0
    for match in _INNER_WORD.finditer(passage):
        inner += 1
        capital += match.group(1)[0].isupper()
    return inner > 0 and capital / inner >= 0.02


def find_names(sentence: str, initial: bool = False) -> list[Name]:
    """Runs of capitalized words (``Angela Merkel``, ``NATO``) in a mixed-case sentence.

    The sentence's first word counts only as part of a longer run (any word is capitalized
    there) unless ``initial``. Months and weekdays are left to the date check; titles and
    hyphenated prefixes are dropped from the run.
    """
    runs: list[list[tuple[int, int]]] = []  # the (start, end) of each word of each run
    openers: list[bool] = []  # whether each run starts a sentence (its first word is capital)
    last = -2
    end = 0
    for position, word in enumerate(text.words(sentence)):
        start = sentence.find(word, end)
        joined = bool(runs) and last == position - 1
        joined = joined and _NAME_GAP.fullmatch(sentence[end:start]) is not None
        end = start + len(word)
        lower = word.lower()
        if not word[0].isupper() or lower in STOPWORDS or lower in DATE_WORDS:
            continue
        if joined:
            runs[-1].append((start, end))
        else:
            runs.append([(start, end)])
            openers.append(
                position == 0 or bool(_OPENER.search(sentence[max(start - 4, 0) : start]))
            )
        last = position
    found = []
    for run, opens in zip(runs, openers, strict=True):
        core = [
            (s, e)
            for s, e in run
            if not (sentence[s:e].lower() in AFFIXES and sentence[e : e + 1] == "-")
        ]
        while len(core) > 1 and sentence[core[0][0] : core[0][1]].lower() in TITLES:
            core.pop(0)
        if not core or (opens and len(run) == 1 and not initial) or len(core) > _LONGEST_NAME:
            continue
        start, stop = core[0][0], core[-1][1]
        words = tuple(tokens(sentence[start:stop]))
        if words:
            found.append(Name(sentence[start:stop], words, (start, stop)))
    return found


# Words that follow an opening imperative or adverb ("Click here", "Read the...", "Later
# on"), seldom a name.
_NOT_AFTER_NAME = frozenset(
    word_list(
        """
        here there to the a an below above down up on out more now this these those our your
        my for in at of it them him her us me you by with from
        """
    )
)


_COUNTS = NUMBER_WORDS | ORDINAL_WORDS


def opening_name(sentence: str) -> Name | None:
    """The sentence's first word, capitalized, when it reads as a name on its own
    (``Guzman uploaded the videos``): not an adverb or a label before a comma or colon
    (``Later,``, ``Ultimately``), not an imperative (``Click here``). A longer run of
    capitals opening a sentence is found by :func:`find_names` anyway."""
    found = find_names(sentence[:200], initial=True)[:1]
    if not found or len(found[0].words) != 1 or sentence[: found[0].span[0]].strip(_QUOTE_MARKS):
        return None
    name = found[0]
    after = sentence[name.span[1] : name.span[1] + 30]
    following = tokens(after)[:1]
    word = name.words[0]
    if re.match(r"\s*[,:;]", after) or word.endswith("ly") or word in _COUNTS:
        return None
    return None if following and following[0] in _NOT_AFTER_NAME else name


def named_entities(sentence: str) -> list[Name]:
    """The names of a sentence as spaCy's named-entity recogniser finds them (people, places,
    organisations, groups, events, works; not numbers or dates), in any case, titles and
    hyphenated prefixes left out. The sentence should be English (see
    :func:`.analysis.english`)."""
    from . import analysis

    doc = analysis.parse(sentence)
    # A recognised entity with no proper noun in it ("Digital images", "Airplane passenger"
    # opening a sentence) is read as a name, but not as a sure one; a demonym is an adjective,
    # sure when written with a capital (a lowercase "creepy" is read as a group too).
    runs: list[tuple[list[Token], bool, str]] = [
        (
            list(e),
            _capital(e) if e.label_ == "NORP" else any(t.pos_ == "PROPN" for t in e),
            e.label_,
        )
        for e in analysis.names(doc)
    ]
    inside = {t.i for run, _, _ in runs for t in run}
    for token in doc:  # proper nouns the recogniser did not type as names, in runs
        if token.pos_ != "PROPN" or token.i in inside or token.lower_ in DATE_WORDS:
            continue
        if token.ent_type_ in ("DATE", "TIME") and token.is_alpha:  # "weekday trains" (not Q3)
            continue
        if runs and not runs[-1][1] and runs[-1][0][-1].i == token.i - 1:
            runs[-1][0].append(token)
        else:
            runs.append(([token], False, ""))
    found = []
    for run, entity, label in runs:
        kept = [t for t in run if _lettered(t.text) and not _prefix(t)]
        while len(kept) > 1 and kept[0].lower_.rstrip(".") in TITLES:
            kept.pop(0)
        if not kept:
            continue
        start, stop = kept[0].idx, kept[-1].idx + len(kept[-1].text)
        words = tuple(w for w in tokens(sentence[start:stop]) if any(c.isalpha() for c in w))
        if words:
            found.append(Name(sentence[start:stop], words, (start, stop), entity, label))
    return sorted(found, key=lambda n: n.span)


def qualifies(sentence: str, name: Name, article_words: frozenset[str]) -> bool:
    """The name is a place qualifying a name of the article, by the parse: ``the Cleveland
    Zoo in Ohio``, ``Birmingham, Alabama``. Where a place lies is often world knowledge a
    summary adds, not a claim of the article's it contradicts."""
    from . import analysis

    span = analysis.parse(sentence).char_span(*name.span, alignment_mode="expand")
    if span is None:
        return False
    root = span.root
    head = root.head
    if root.dep_ == "pobj" and head.lower_ in ("in", "of", "across"):
        head = head.head
    elif root.dep_ not in ("appos", "npadvmod", "conj", "compound"):
        return False
    if head.i in range(span.start, span.end) or head.lower_ not in article_words:
        return False
    # A proper noun, or a noun named by the article's words (the lowercased "cleveland
    # metroparks zoo in ohio", where the parse reads "zoo" as a common noun).
    named = [c for c in head.children if c.dep_ == "compound"]
    before = head.doc[max(head.i - 3, 0) : head.i]
    if not named and before and before[-1].pos_ in ("PROPN", "NOUN"):  # a misread compound
        named = [t for t in before if t.pos_ in ("PROPN", "NOUN")]
    return head.pos_ == "PROPN" or (
        head.pos_ == "NOUN" and bool(named) and all(c.lower_ in article_words for c in named)
    )


def _written_alike(ours: str, theirs: str) -> bool:
    """The same word misspelled or shortened: ``Bayem`` for ``Bayern``, ``Man`` for
    ``Manchester``."""
    return theirs.startswith(ours) or ours.startswith(theirs) or spelling_variant(ours, theirs)


def _lettered(word: str) -> bool:
    """A word that can be part of a name: letters, and no number with a unit (``200k``,
    ``17s``; ``Q3`` is a name)."""
    letters = sum(c.isalpha() for c in word)
    return letters > 2 or (letters > 0 and not word[0].isdigit())


def _capital(span: Span) -> bool:
    """A span written with a capital (a lowercase "creepy" read as a group is no demonym)."""
    return span.text[:1].isupper()


def _name_words(words: Sequence[str]) -> tuple[str, ...]:
    """A name's words that tell it from another: no titles, function words or initials."""
    return tuple(w for w in words if w not in TITLES and w not in STOPWORDS and len(w) > 1)


def _prefix(token: Token) -> bool:
    """A prefix joined to a name by a hyphen (``Pro`` of ``Pro-Moscow``)."""
    doc = token.doc
    return token.lower_ in AFFIXES and token.i + 1 < len(doc) and doc[token.i + 1].text == "-"


def names(sentence: str, initial: bool = False) -> list[str]:
    """The names of a mixed-case sentence as written (see :func:`find_names`)."""
    return [n.text for n in find_names(sentence, initial)]


_DETERMINERS = frozenset(word_list("the a an former ex his her their its"))
_QUOTE_MARKS = "\"'“”‘’`"


def standalone(sentence: str, name: Name) -> bool:
    """The name stands for someone or something, not a title in quotation marks (``"Roots"``)
    or a modifier of a noun (``the Tottenham striker``, ``the Swedish model``)."""
    start, end = name.span
    before, after = sentence[max(start - 3, 0) : start].strip(), sentence[end : end + 3].strip()
    if before[-1:] in tuple(_QUOTE_MARKS) and after[:1] in tuple(_QUOTE_MARKS):
        return False
    preceding = tokens(sentence[max(start - 30, 0) : start])[-2:]
    following = text.words(sentence[end : end + 40])[:2]
    modifies = bool(following) and following[0][0].islower() and following[0] not in STOPWORDS
    # "the Tottenham striker", or "Arsenal playmaker Mesut Ozil": a noun and its name after.
    named = len(following) > 1 and following[1][0].isupper()
    return not (modifies and (_DETERMINERS.intersection(preceding) or named))


def modified_noun(sentence: str, name: Name) -> str:
    """The noun a name modifies (``teenager`` of ``the Anderlecht teenager``), when it is
    no standalone name (see :func:`standalone`); else ''."""
    if standalone(sentence, name):
        return ""
    following = text.words(sentence[name.span[1] : name.span[1] + 40])[:1]
    return following[0].lower() if following else ""


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment): ``Lugansk`` / ``Luhansk`` 1."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


# Letters that transliterations write in more than one way: "kh" / "k" (Mikhail, Mikail),
# "ou" / "u" (Yousouf, Yusuf), "ks" / "x", "ph" / "f", a final "y" / "i" (Dmitry, Dmitri).
_TRANSLITERATIONS = (
    ("kh", "k"), ("ph", "f"), ("ck", "k"), ("cks", "x"), ("ks", "x"), ("ou", "u"), ("dh", "d"),
)  # fmt: skip
_DOUBLED = re.compile(r"([a-z])\1+")


def spelling_key(word: str) -> str:
    """The word with the letters transliterations disagree on made one, and doubled letters
    single (Hassan, Hasan; Gaddafi, Gadafi)."""
    for old, new in _TRANSLITERATIONS:
        word = word.replace(old, new)
    if word.endswith("y"):
        word = word[:-1] + "i"
    return _DOUBLED.sub(r"\1", word)


def spelling_variant(a: str, b: str) -> bool:
    """Two spellings of one name: the same but for letters transliterations disagree on or
    a doubled letter (``Hasan`` / ``Hassan``), or close in edit distance for their length (1
    edit from 5 letters, 2 from 7; never 3: ``BestInsuranceABC`` is not
    ``BestInsuranceXYZ``)."""
    shortest = min(len(a), len(b))
    if shortest < 3 or abs(len(a) - len(b)) > 2:
        return False
    if spelling_key(a) == spelling_key(b):
        return True
    return shortest >= 5 and edit_distance(a, b) <= min((shortest + 1) // 4, 2)


def same_family(a: str, b: str) -> bool:
    """One name in two forms: a longer form (``Russia`` / ``Russian``), or a demonym and its
    place (``Ukrainian`` / ``Ukraine``, ``British`` / ``Britain``)."""
    if len(a) >= 5 and len(b) >= 5 and (a.startswith(b) or b.startswith(a)):
        return True
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    if common < 4:
        return False
    rest_a, rest_b = a[common:], b[common:]
    return (rest_a in _ADJECTIVE_ENDINGS | {""} and rest_b in _PLACE_ENDINGS | {""}) or (
        rest_b in _ADJECTIVE_ENDINGS | {""} and rest_a in _PLACE_ENDINGS | {""}
    )


class NameIndex:
    """An article's words for name look-ups, read once: every token, its stems, the words it
    capitalizes, and the acronyms of its names."""

    def __init__(self, article: str, article_tokens: Sequence[str]) -> None:
        self.article = article
        self.sequence = tuple(article_tokens)
        self.tokens = frozenset(article_tokens)
        self.stems = frozenset(stem(t) for t in self.tokens)
        self.by_prefix: dict[str, list[str]] = defaultdict(list)
        for token in self.tokens:
            if len(token) >= 4:
                self.by_prefix[token[:4]].append(token)
        self._known: dict[str, bool] = {}
        self._initials: dict[int, frozenset[str]] = {}
        self._variants: dict[str, str] = {}

    @cached_property
    def capitalized(self) -> frozenset[str]:
        """Words the article writes as (part of) a name: away from a sentence's start, or
        there but never in lowercase (``Chelsea`` opening a sentence; not ``Officials``)."""
        if not is_mixed_case(self.article):
            return frozenset(t for t in self.tokens if len(t) >= 4)
        lowercase = {w for w in text.words(self.article) if w[0].islower()}
        opening = {w for n in find_names(self.article, initial=True) for w in n.words}
        return self.inner | (opening - lowercase)

    @cached_property
    def inner(self) -> frozenset[str]:
        """Words the article capitalises away from a sentence's start (in mixed-case text)."""
        if not is_mixed_case(self.article):
            return frozenset()
        return frozenset(w for n in find_names(self.article) for w in n.words)

    @cached_property
    def by_length(self) -> dict[int, list[str]]:
        """The capitalized words by their length (a spelling variant is about as long)."""
        found: dict[int, list[str]] = defaultdict(list)
        for word in sorted(self.capitalized):
            found[len(word)].append(word)
        return found

    @cached_property
    def initials(self) -> frozenset[str]:
        return frozenset(w[0] for w in self.capitalized)

    @cached_property
    def acronyms(self) -> frozenset[str]:
        """``us`` for ``United States`` or ``U.S.``, ``nhs`` for ``National Health Service``."""
        found = set()
        for name in find_names(self.article, initial=True):
            if len(name.words) > 1:
                found.add("".join(w[0] for w in name.words))
        return frozenset(found)

    def known(self, word: str) -> bool:
        """The article uses this name word: as is, inflected, or as a longer form or demonym."""
        if word not in self._known:
            bucket = islice(self.by_prefix.get(word[:4], ()), _LOOKUPS)
            self._known[word] = (
                word in self.tokens
                or stem(word) in self.stems
                or (len(word) >= 4 and any(same_family(word, t) for t in bucket))
            )
        return self._known[word]

    def variant(self, word: str) -> str:
        """The article's spelling of this name word, when it writes it another way; or ''."""
        if word not in self._variants:
            lengths = range(len(word) - 2, len(word) + 3)
            near = (w for n in lengths for w in self.by_length.get(n, ()))
            candidates = islice(near, _VARIANTS) if len(word) <= 30 else iter(())
            self._variants[word] = next((w for w in candidates if spelling_variant(word, w)), "")
        return self._variants[word]

    def missing(self, name: Name) -> tuple[list[str], dict[str, str]]:
        """The words of the name the article does not use in any form, and the words it
        spells another way (word to the article's spelling)."""
        words = list(name.words)
        if len(words) > 1 and all(len(w) == 1 for w in words):  # U.K., U.S.
            acronym = "".join(words)
            known = acronym in self.tokens or acronym in self.acronyms
            return ([] if known else [acronym]), {}
        if len(words) == 1 and name.text.isupper() and words[0] in self.acronyms:
            return [], {}
        unknown, variants = [], {}
        for word in words:
            if len(word) == 1:  # an initial: the article has a name word with that letter
                if word not in self.initials:
                    unknown.append(word)
            elif not word.isalpha() or _placeholder(word):
                # A code ("Q3") or a placeholder ("XXXX", as long as the article's "XXX").
                if _placeholder(word) not in self.placeholders and word not in self.tokens:
                    unknown.append(word)
            elif not self.known(word):
                other = self.variant(word)
                if other:
                    variants[word] = other
                else:
                    unknown.append(word)
        return unknown, variants

    def absent(self, name: Name) -> bool:
        """No word of the name is the article's in any form: not as written, inflected, as a
        longer form, a demonym of its place or back, a spelling variant, an acronym of the
        article's words or their expansion. A fuller name (``Eddie Howe`` for the article's
        ``Howe``), a club's short name or a title with the name is not absent."""
        words = [w for w in name.words if w not in TITLES and w not in STOPWORDS]
        if not words:
            return False
        if len(words) > 1 and all(len(w) == 1 for w in words):  # U.K., U.S.
            words = ["".join(words)]
        for word in words:
            if len(word) == 1:
                continue  # an initial says too little to be the absent part
            if word in self.tokens or self.known(word) or self.variant(word):
                return False
            if _placeholder(word) and _placeholder(word) in self.placeholders:
                return False  # XXXX where the anonymized article writes XXX
            if any(place in self.tokens for place in DEMONYMS.get(word, ())):
                return False
            if word.isalpha() and 2 <= len(word) <= 6 and self.expands(word):
                return False
        if len(words) > 1 and "".join(w[0] for w in words) in self.tokens:
            return False  # National Health Service where the article writes NHS
        return any(len(w) > 1 for w in words)

    @cached_property
    def multiword(self) -> dict[str, list[tuple[tuple[str, ...], str]]]:
        """The article's names of two words or more (titles and function words left out),
        by each of their words; none in a text without capitals to read them by."""
        found: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        if not is_mixed_case(self.article):
            return found
        names = (n for s in text.split_sentences(self.article) for n in find_names(s, True))
        for name in names:
            words = _name_words(name.words)
            if len(words) > 1:
                for word in set(words):
                    found[word].append((words, name.text))
        return found

    def other_name(self, name: Name) -> str:
        """The article's name that this one is another of: the same words but one, written as
        a name, that the article never uses (``Mark Jones`` where it has ``Mark Smith``,
        ``Manchester United`` for its ``Manchester City``); "" when there is none. A fuller name
        (``Eddie Howe`` for ``Howe``, ``Doncaster Rovers`` for ``Doncaster``) is no other."""
        words = _name_words(name.words)
        if not name.entity or len(words) < 2:
            return ""
        unknown = [
            i
            for i, w in enumerate(words)
            if not (w in self.tokens or self.known(w) or self.variant(w))
        ]
        # One word unknown, after the first: a first word (Teddy for Terrence, Later opening
        # a sentence before Pietersen) is too often a nickname or no name at all.
        if len(unknown) != 1 or unknown[0] == 0:
            return ""
        at = unknown[0]
        written = [t for t in name.text.split() if t.lower() == words[at]]
        if not written or not (written[0][0].isupper() and written[0][1:].islower()):
            return ""  # a placeholder's UNK, a lowercased text's misread, Under-17s
        for theirs, text_ in self.multiword.get(words[at - 1], ()):
            same_rest = len(theirs) == len(words) and all(
                a == b for i, (a, b) in enumerate(zip(theirs, words, strict=True)) if i != at
            )
            if same_rest and not _written_alike(words[at], theirs[at]):
                return text_
        return ""

    def expands(self, acronym: str) -> bool:
        """The article has consecutive words whose initials spell the acronym (function words
        between them skipped): ``nhs`` for ``National Health Service``, in any case."""
        if acronym in self.acronyms:
            return True
        length = len(acronym)
        if length not in self._initials:
            words = [w for w in self.sequence if w not in STOPWORDS]
            self._initials[length] = frozenset(
                "".join(w[0] for w in words[i : i + length]) for i in range(len(words) - length + 1)
            )
        return acronym in self._initials[length]

    @cached_property
    def placeholders(self) -> frozenset[str]:
        return frozenset(p for t in self.tokens if (p := _placeholder(t)))


# Demonyms whose country is not their stem with another ending (Danish / Denmark, Dutch /
# the Netherlands): world knowledge no parser has, kept as data. A regular pair (Ukrainian /
# Ukraine, Iraqi / Iraq) is found by :func:`same_family`.
_DEMONYM_PLACES = {
    "danish": "denmark dane danes",
    "dutch": "netherlands holland",
    "scottish": "scotland scot",
    "scots": "scotland",
    "welsh": "wales",
    "irish": "ireland",
    "english": "england",
    "british": "britain uk",
    "briton": "britain uk",
    "brit": "britain uk",
    "french": "france",
    "swiss": "switzerland",
    "greek": "greece",
    "spanish": "spain",
    "spaniard": "spain",
    "swedish": "sweden swede",
    "finnish": "finland finn",
    "polish": "poland pole",
    "turkish": "turkey turk",
    "thai": "thailand",
    "filipino": "philippines",
    "norwegian": "norway",
    "portuguese": "portugal",
    "belgian": "belgium",
    "afghan": "afghanistan",
    "emirati": "uae emirates",
    "saudi": "arabia",
    "kiwi": "zealand",
    "argentine": "argentina",
    "argentinian": "argentina",
    "peruvian": "peru",
    "venezuelan": "venezuela",
    "chilean": "chile",
    "colombian": "colombia",
    "ecuadorian": "ecuador",
    "icelandic": "iceland",
    "lebanese": "lebanon",
    "maltese": "malta",
    "cypriot": "cyprus",
    "croatian": "croatia croat",
    "serbian": "serbia serb",
    "slovak": "slovakia",
    "slovenian": "slovenia",
    "czech": "czechia",
    "yemeni": "yemen",
    "omani": "oman",
    "qatari": "qatar",
    "kuwaiti": "kuwait",
    "bahraini": "bahrain",
    "moroccan": "morocco",
    "monegasque": "monaco",
    "american": "us usa america states",
    "soviet": "ussr russia",
    "hungarian": "hungary",
    "ukrainian": "ukraine kiev kyiv",
    "russian": "russia moscow kremlin",
    "chinese": "china beijing",
    "israeli": "israel",
    "palestinian": "palestine gaza",
    "congolese": "congo",
    "bangladeshi": "bangladesh",
    "catalan": "catalonia barcelona",
    "basque": "spain bilbao",
    "bavarian": "bavaria",
    "texan": "texas",
    "californian": "california",
    "floridian": "florida",
    "parisian": "paris",
    "londoner": "london",
    "european": "europe eu",
    "asian": "asia",
    "african": "africa",
    "arab": "arabia arabic",
    "latino": "latin",
    "hispanic": "spanish",
}
# Each word to the words it can stand for, both ways (danish: denmark; denmark: danish).
DEMONYMS: dict[str, set[str]] = defaultdict(set)
for _demonym, _places in _DEMONYM_PLACES.items():
    for _place in _places.split():
        DEMONYMS[_demonym].add(_place)
        DEMONYMS[_place].add(_demonym)


def _placeholder(word: str) -> str:
    """``xxx`` for ``XXXX``: one letter repeated, as anonymized text writes a name; or ''."""
    return word[0] * 3 if len(word) > 2 and len(set(word)) == 1 else ""
