"""Claim checks: what a summary sentence asserts that its article does not support.

Each check is precise about one thing, and says what it found as a :class:`Finding`: a number
or date the article does not state (:mod:`.numbers`), a name it never uses (:mod:`.names`), a
quotation it does not contain or gives to another speaker (:mod:`.quotes`), a negation or
direction word flipped against the supporting passage (:mod:`.polarity`), another name, date
or number in a slot of that passage's claim, or two roles swapped (:mod:`.roles`).

Pure functions over text, no model. Benchmark and user text comes raw (``Merson's``),
tokenized (``Merson 's``, ``do n't``) or lowercased (``paul merson``), so every comparison
with the article is case-insensitive and on normalized tokens; capital letters are used to
find names only when the sentence's text is written in mixed case. A sentence copied from
the article (give or take case, punctuation and tokenization) has no findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from .. import text
from . import analysis, polarity, predicates, roles

# Re-exported: the faithfulness features and bench scripts read text through this module.
from .lexicon import bigrams as bigrams
from .lexicon import clauses
from .lexicon import content_stems as content_stems
from .lexicon import content_words as content_words
from .lexicon import stem as stem
from .lexicon import tokens as tokens
from .names import (
    Name,
    NameIndex,
    find_names,
    modified_noun,
    named_entities,
    qualifies,
    same_family,
    standalone,
)
from .names import is_mixed_case as is_mixed_case
from .names import spelling_variant as _variant
from .numbers import NUMBER_WORDS, DateWord, NumberIndex, Quantity, dates, days
from .numbers import quantities as quantities
from .quotes import find_quotes, misattributed, supported
from .quotes import quotes as quotes

# What a finding is about; see Finding.
KINDS = (
    "number",  # a number the article does not state
    "date",  # a year, month or weekday the article does not state, or another one than it
    "name",  # a name the article never uses
    "entity",  # a name of the article put in the place of another one of the passage
    "quote",  # a quotation the article does not contain
    "misattributed",  # a quotation of the article given to another speaker
    "negation",  # negated here and asserted in the supporting passage, or back
    "swap",  # subject and object of one verb swapped against the passage
    "circular",  # one name as both the subject of a verb and its object
    "role",  # another of the article's names as the subject or object of a passage's verb
    "figure",  # a number of the article bound to another noun than the article binds it to
    "direction",  # a direction word flipped (rose/fell, more/fewer, won/lost, before/after)
    "off_topic",  # no article passage is close
)
# The kinds precise enough to fail a case on their own, measured on the summaries experts
# judged consistent of every dev split (python bench/evidence.py --splits dev --measure
# role,figure,entity): number, date, name, quote, negation, swap, direction and
# misattributed fire on at most 0.9% each (one summary of XSumFaith's 114 per kind there);
# circular on none (and on 9 of the 2,399 inconsistent ones).
# Not "role": 2 of the 1,898 consistent summaries (FRANK's) against 2 of the 2,399
# inconsistent ones (an article's name in another's role is as often a faithful paraphrase
# the parse reads wrongly). Not "figure": 0.9% of FRANK's consistent
# summaries, none of its inconsistent ones. Not "entity": a place of the article named for
# another is often metonymy, which is faithful ("NATO says Russia has broken the rules"
# where the article has "accused Moscow of breaking the rules"). "off_topic" is decisive
# only below faithfulness.UNRELATED. The others are evidence, shown and scored.
DECISIVE_KINDS = frozenset(
    {
        "number",
        "date",
        "name",
        "quote",
        "negation",
        "swap",
        "circular",
        "direction",
        "misattributed",
    }
)


@dataclass(frozen=True)
class Finding:
    """One thing a summary sentence asserts that the article does not support.

    ``kind`` is one of :data:`KINDS`; ``text`` is the reason as the user reads it;
    ``decisive`` marks hard evidence, which fails the case whatever the score.
    """

    kind: str
    text: str
    decisive: bool = False


# An invented quotation shorter than this is often a paraphrase in scare quotes ("very
# concerned"): reported, never decisive.
DECISIVE_QUOTE_WORDS = 4


def finding(kind: str, reason: str, sure: bool = True) -> Finding:
    """A finding of ``kind``, decisive when the kind is in :data:`DECISIVE_KINDS` and the
    check is ``sure`` of this one."""
    return Finding(kind, reason, sure and kind in DECISIVE_KINDS)


# Names, numbers and dates of one sentence or passage compared (a sentence of hundreds is
# no prose; the bound keeps the checks linear in its length).
_NAMES = 24
# A sentence's end with no space after it: a lowercase word's full stop (and a closing
# quotation mark) right before a capital.
_JOINED = re.compile(
    r"(?<=[a-z0-9][.!?])(?=[A-Z“])|(?<=[a-z0-9][.!?][\"”’])(?=[A-Z\"“])"
    r"|(?<=[a-z0-9][\"”’][.!?])(?=[A-Z\"“])"
)
# A sentence of more content words than this is no claim looked up by its words; and a word
# is looked up in this many article sentences at most (the bounds keep the look-up linear).
_CLAIM_WORDS = 80
_CLAIM_SENTENCES = 400
# Of one sentence, the predicates and figures whose article sentences are looked up.
_PREDICATES = 16
# Endings of a demonym or an adjective of a place (Colombian, Spanish, Chinese, Icelandic).
_DEMONYMS = ("an", "ese", "ish", "ic", "i")
# Endings of a people or a group (the Italians, the Chinese), which can stand for a name.
_GROUPS = ("ans", "ese", "ish")


@dataclass
class Source:
    """An article read once for the claim checks: its tokens, stems, numbers, dates, names
    and sentences, each computed on first use and kept for every summary of the article."""

    article: str
    tokens: list[str] = field(init=False)

    def __post_init__(self) -> None:
        # As the summary's sentences are: NFKC, so "8½" reads as the "81⁄2" they have.
        self.article = text.normalize(self.article)
        self.tokens = tokens(self.article)

    @cached_property
    def token_set(self) -> frozenset[str]:
        return frozenset(self.tokens)

    @cached_property
    def stems(self) -> frozenset[str]:
        return frozenset(stem(t) for t in self.token_set)

    @cached_property
    def bigrams(self) -> set[tuple[str, str]]:
        return bigrams(self.tokens)

    @cached_property
    def content_bigrams(self) -> set[tuple[str, str]]:
        return bigrams(content_stems(self.tokens))

    @cached_property
    def numbers(self) -> NumberIndex:
        return NumberIndex(self.article, self.mixed_case)

    @cached_property
    def names(self) -> NameIndex:
        return NameIndex(self.article, self.tokens)

    @cached_property
    def english(self) -> bool:
        """The article reads as English prose: its sentences go to the English pipeline."""
        return analysis.english(self.tokens[:2000])

    @cached_property
    def mixed_case(self) -> bool:
        return is_mixed_case(self.article)

    @cached_property
    def _joined(self) -> str:
        return f" {' '.join(self.tokens)} "

    @cached_property
    def sentences(self) -> list[tuple[str, list[str]]]:
        """Each article sentence with its tokens (where a quotation's speaker is found); also
        where a page lost the space after a full stop (``said it."Mr Hurd``)."""
        return [
            (part, tokens(part))
            for s in text.split_sentences(self.article)
            for part in _JOINED.split(s)
            if part.strip()
        ]

    @cached_property
    def _sentence_lemmas(self) -> dict[str, list[int]]:
        """Each word's key (see :func:`polarity.lemma`) to the sentences that use it."""
        index: dict[str, list[int]] = {}
        for i, (_, toks) in enumerate(self.sentences):
            for key in {polarity.lemma(t) for t in toks}:
                index.setdefault(key, []).append(i)
        return index

    def same_claim(self, sentence_tokens: Sequence[str]) -> tuple[str, float] | None:
        """The article sentence with most of the sentence's content words, and that share,
        when it is at least :data:`roles.SAME_CLAIM`; else None."""
        ours = polarity.claim_words(sentence_tokens)
        if not ours or len(ours) > _CLAIM_WORDS:
            return None
        counts: dict[int, int] = {}
        for key in ours:
            for i in self._sentence_lemmas.get(key, ())[:_CLAIM_SENTENCES]:
                counts[i] = counts.get(i, 0) + 1
        best = max(counts.items(), key=lambda c: (c[1], -c[0]), default=None)
        if best is None or best[1] / len(ours) < roles.SAME_CLAIM:
            return None
        return self.sentences[best[0]][0], best[1] / len(ours)

    def stating(
        self, keys: Sequence[str], words: Sequence[str], ours: AbstractSet[str]
    ) -> list[str]:
        """The article sentences (at most three) that have one of the verb ``keys`` (see
        :func:`polarity.lemma`) and one of the subject's ``words``, those that share most of
        the summary sentence's content words ``ours`` (:func:`polarity.claim_words`) first:
        where a summary predicate is stated."""
        index = self._sentence_lemmas
        with_verb = {i for k in keys for i in index.get(k, ())[:_CLAIM_SENTENCES]}
        with_subject = {
            i for w in words for i in index.get(polarity.lemma(w), ())[:_CLAIM_SENTENCES]
        }
        found = with_verb & with_subject
        if not found:
            return []
        ranked = sorted(
            found,
            key=lambda i: (-len(ours & set(map(polarity.lemma, self.sentences[i][1]))), i),
        )
        return [self.sentences[i][0] for i in ranked[:3]]

    def _with_all(self, words: Sequence[str]) -> list[int]:
        index = self._sentence_lemmas
        having = [set(index.get(polarity.lemma(w), ())[:_CLAIM_SENTENCES]) for w in words]
        return sorted(set.intersection(*having)) if having else []

    def giving(self, words: Sequence[str]) -> list[str]:
        """The article sentences with every one of ``words`` (in any form)."""
        return [self.sentences[i][0] for i in self._with_all(words)]

    def sharing(self, words: Sequence[str], ours: AbstractSet[str]) -> int:
        """Of the article sentences with every one of ``words``, the most of the summary
        sentence's content words ``ours`` (:func:`polarity.claim_words`) that one shares;
        0 when no sentence has them all."""
        return max(
            (
                len(ours & set(map(polarity.lemma, self.sentences[i][1])))
                for i in self._with_all(words)
            ),
            default=0,
        )

    @cached_property
    def _counted(self) -> frozenset[str]:
        """Stems of the words with a number at most three words before them."""
        return frozenset(
            stem(word)
            for i, word in enumerate(self.tokens)
            if any(t[:1].isdigit() or t in NUMBER_WORDS for t in self.tokens[max(i - 3, 0) : i])
        )

    def counts(self, noun: str) -> bool:
        """The article counts ``noun``: a number at most three words before one of its forms
        (``2 men``, ``two young men``)."""
        return stem(noun) in self._counted

    def copied(self, sentence_tokens: Sequence[str]) -> bool:
        """The sentence is a run of the article's words: copied, give or take case,
        punctuation and tokenization."""
        return bool(sentence_tokens) and f" {' '.join(sentence_tokens)} " in self._joined

    def has_word(self, word: str) -> bool:
        """The word, its stem, or a longer form (``Russia`` / ``Russian``) is in the article."""
        return self.names.known(word.lower())

    def related(self, a: str, b: str) -> bool:
        """Two name words for one name: equal, inflected, a demonym, or a spelling variant."""
        return a == b or stem(a) == stem(b) or same_family(a, b) or _variant(a, b)


@dataclass(frozen=True)
class Claims:
    """What the checks found in one sentence, and the counts the learned score reads."""

    findings: tuple[Finding, ...] = ()
    # True remarks that are no finding: spellings of the article's names read as its own.
    variants: tuple[str, ...] = ()
    novel: tuple[str, ...] = ()  # content words the article never uses (numbers excluded)
    unseen_numbers: int = 0
    unseen_names: int = 0
    unsupported_quotes: int = 0
    negation_flip: bool = False
    swapped_names: bool = False


def check(sentence: str, source: Source, passage: str) -> Claims:
    """Every claim check of one summary sentence against its article and the article
    passage that supports it best (the closest sentence, or the best-entailed window)."""
    sentence, passage = text.normalize(sentence), text.normalize(passage)
    toks = tokens(sentence)
    if not toks or source.copied(toks):
        return Claims()
    passage = narrowed(passage, toks)
    passage_tokens = tokens(passage)
    claim_overlap = polarity.overlap(toks, passage_tokens)
    found, numbers_missing = _numbers(sentence, source, passage, claim_overlap)
    quoted = [
        q for q in find_quotes(sentence) if not supported(q.text, source.token_set, source.bigrams)
    ]
    found += [_invented_quote(q.text) for q in quoted[:1]]
    spelled: dict[str, str] = {}
    names_missing = 0
    named, names_missing, spelled = _names(sentence, source, passage, claim_overlap)
    found += named
    # The closest passage by meaning may make another claim: the article sentence that
    # shares most of the sentence's words may make this one. It is used for the checks that
    # compare one word with the same word (not for the slots: a name or date where another
    # stands, which a sentence picked by its words has more often about another event).
    claim, claim_overlap = passage, claim_overlap
    if claim_overlap < roles.SAME_CLAIM:
        claim, claim_overlap = source.same_claim(toks) or (passage, claim_overlap)
    flips = _polarity(sentence, source, claim) if claim_overlap >= roles.SAME_CLAIM else []
    found += flips
    if claim_overlap >= roles.SAME_CLAIM and not any(f.kind == "swap" for f in found):
        found += _swapped_clauses(sentence, claim)
    if source.english:
        # One finding of a kind; another name in a role is the "entity" slot's finding too.
        said = {f.kind for f in found} | (
            {"role"} if any(f.kind == "entity" for f in found) else set()
        )
        found += [f for f in _contradictions(sentence, source, passage, toks) if f.kind not in said]
    novel = [
        w
        for w in content_words(toks)
        if w not in NUMBER_WORDS and w not in spelled and not source.has_word(w)
    ]
    return Claims(
        tuple(found),
        tuple(
            f"{a.capitalize()} read as the article's {b.capitalize()}" for a, b in spelled.items()
        ),
        tuple(novel),
        numbers_missing,
        names_missing,
        len(quoted),
        any(f.kind == "negation" for f in flips),
        any(f.kind == "swap" for f in found),
    )


def _contradictions(
    sentence: str, source: Source, passage: str, sentence_tokens: Sequence[str]
) -> list[Finding]:
    """The sentence's predicates (every clause, from the parse) against the article
    sentences that state the same predicate of the same subject, and the aligned passage."""
    doc = analysis.parse(sentence)
    candidates = [passage] if passage else []
    ours = set(polarity.claim_words(sentence_tokens))
    # Bounded: a sentence of hundreds of clauses or figures is not a summary's (and each
    # looks up its own article sentences).
    for predicate in predicates.predicates(doc)[:_PREDICATES]:
        if not predicate.subject.words:
            continue
        keys = {polarity.lemma(predicate.lemma), polarity.lemma(predicate.text.lower())}
        # A direction word's key is "pair:side": its opposite is stated with the other side.
        keys |= {f"{k[:-1]}{1 - int(k[-1])}" for k in keys if ":" in k}
        candidates += source.stating(sorted(keys), sorted(predicate.subject.words), ours)
    figures = [t for t in doc if t.dep_ == "nummod" and t.like_num][:_PREDICATES]
    for number in figures:
        candidates += source.stating([number.lower_], [number.head.lower_], ours)
    unique = list(dict.fromkeys(candidates))
    analysis.warm(unique)
    parsed = [analysis.parse(c) for c in unique]
    found = predicates.contradictions(doc, parsed, source.token_set) + predicates.circular(doc)
    if figures:
        found += predicates.rebound_numbers(doc, parsed)
    return [finding(c.kind if c.kind != "entity" else "role", c.reason) for c in found]


def _invented_quote(quote: str) -> Finding:
    """A quotation the article does not hold; decisive when long enough to be a quote."""
    decisive = len(tokens(quote)) >= DECISIVE_QUOTE_WORDS
    return finding("quote", f'quote "{text.clip(quote, 60)}" is not in the article', decisive)


def _swapped_clauses(sentence: str, claim: str) -> list[Finding]:
    """The claim's subject and object heads, swapped in the sentence's clause."""
    swap = roles.swapped_heads(clauses(sentence), clauses(claim))
    if not swap:
        return []
    a, b, verb = swap
    return [
        finding("swap", f'roles swapped: the article has "{b}" before "{verb}" and "{a}" after it')
    ]


def narrowed(passage: str, sentence_tokens: Sequence[str]) -> str:
    """The sentence of a passage that lost the spaces after its full stops (``fire.The
    council``) that shares most of the sentence's words; the passage as it is otherwise."""
    parts = [p for p in _JOINED.split(passage) if p.strip()]
    if len(parts) < 2:
        return passage
    return max(parts, key=lambda p: polarity.overlap(sentence_tokens, tokens(p)))


def _polarity(sentence: str, source: Source, passage: str) -> list[Finding]:
    """A negation or a direction word flipped against the passage that supports the
    sentence."""
    found = []
    ours = polarity.read_text(sentence)
    theirs = polarity.read_text(passage)
    word, negator = polarity.negation_flip(ours, theirs, source.copied)
    if word:
        other = "article" if negator == "summary" else "summary"
        reason = f'negation flipped: the {negator} negates "{word}", the {other} does not'
        # Sure of a verb (or an adjective: "not safe"); a noun's "no" ("no motivation",
        # "did not receive any bids") is often the same claim worded another way.
        sure = not source.english or _verbal(word, sentence)
        found.append(finding("negation", reason, sure))
    said, theirs_said = polarity.direction_flip(ours, theirs, source.copied)
    if said:
        # A direction word read word by word (an adjective or an adverb too) is evidence where
        # the parse reads the text: its subject is not known to be the passage's.
        reason = f'direction flipped: "{said}" where the article says "{theirs_said}"'
        found.append(finding("direction", reason, sure=not source.english))
    return found


def _verbal(word: str, sentence: str) -> bool:
    """The parse reads ``word`` (as the summary sentence writes it) as a verb or an
    adjective that the sentence asserts: not asked for, denied or supposed ("patients are
    asked to be diagnosed" says nothing of whether they were)."""
    return any(
        t.lower_ == word.lower() and t.pos_ in ("VERB", "AUX", "ADJ") and not predicates.hedged(t)
        for t in analysis.parse(sentence)
    )


def _items(
    text_: str, quantities_: Sequence[Quantity], dates_: Sequence[DateWord]
) -> list[roles.Item]:
    """The numbers and dates of a text as items; a day of a month is a date (``March 14``)."""
    day = days(text_, quantities_, dates_)
    items = [
        roles.Item(day[q.span], f"{q.value:g}", "day", q.span)
        if q.span in day
        else roles.Item(q.text, f"{q.value:g}", q.kind, q.span)
        for q in quantities_
    ]
    return items + [roles.Item(d.text, d.key, d.kind, d.span) for d in dates_]


def _numbers(
    sentence: str, source: Source, passage: str, claim_overlap: float
) -> tuple[list[Finding], int]:
    """Numbers and dates the article does not state, and ones of the article in the place
    of another of the passage; with the count of the first (a feature of the score)."""
    # Lowercased text has no capital to tell the month "march" from the verb.
    qs = quantities(sentence)
    ds = dates(sentence, is_mixed_case(sentence))
    ours = _items(sentence, qs, ds)[:_NAMES]
    passage_dates = dates(passage, source.mixed_case or is_mixed_case(sentence))
    theirs = _items(passage, quantities(passage), passage_dates)[:_NAMES]
    missing = {q.span for q in qs if not source.numbers.has(q)}
    missing |= {d.span for d in ds if d.key not in source.numbers.date_words}

    def same(a: roles.Item, b: roles.Item) -> bool:
        return a.key == b.key

    lacking = [i for i in ours if not any(same(i, t) for t in theirs)]
    candidates = [t for t in theirs if not any(same(i, t) for i in ours)]
    slots = dict(roles.slot_swaps(sentence, lacking, passage, candidates, same, claim_overlap))
    found: list[Finding] = []
    days_said: list[str] = []  # the days reported, each with its month ("1 April")
    for item in ours:
        kind = "number" if item.sort == "number" else "date"  # a year, a day, a month...
        if len(found) == 2:  # two are shown, and the score counts two at most
            break
        if item.sort == "month" and any(item.text in day for day in days_said):
            continue
        if item.sort == "day" and (item.span in missing or item in slots):
            days_said.append(item.text)
        if item.span in missing:
            other = slots.get(item)
            hint = f" ({other.text} is)" if other else ""
            reason = f"{kind} {item.text} is not in the article{hint}"
            found.append(finding(kind, reason, sure=_figure(sentence, item, source, passage)))
        elif (
            item in slots
            and kind == "date"
            and not _stated(item, slots[item], sentence, source, passage)
        ):
            found.append(
                finding(
                    kind, f"wrong {kind}: the article says {slots[item].text} here, not {item.text}"
                )
            )
    return found, len(missing)


def _stated(
    item: roles.Item, other: roles.Item, sentence: str, source: Source, passage: str
) -> bool:
    """An article sentence gives the sentence's date (``item``, where the passage has
    ``other``) and shares as much of the sentence as the passage does, or says the date
    with more of the words the sentence says it with: the article says it of this claim
    too (a career's 2009 and 2012 are told in different sentences)."""
    ours = set(polarity.claim_words(tokens(sentence)))
    in_passage = len(ours & set(map(polarity.lemma, tokens(passage))))
    if source.sharing(tokens(item.text), ours) >= in_passage:
        return True
    keys = {*item.key.split(), *other.key.split()}
    near = roles.item_context(sentence, item, keys)
    theirs = len(near & roles.item_context(passage, other, keys))
    return any(
        len(near & roles.item_context(giving, said, keys)) > theirs
        for giving in source.giving(tokens(item.text))
        for said in _items(giving, quantities(giving), dates(giving, source.mixed_case))
        if said.key == item.key
    )


def _figure(sentence: str, item: roles.Item, source: Source, passage: str) -> bool:
    """An absent number or date that is a claim of its own: not part of a name (``World War
    Two``, ``Apollo 13``) by the parse, and a count in words only of things (``two men``, by
    the parse) that neither the passage nor the article sentence most like the sentence
    lists (it names two men: a count of the article's own list)."""
    worded = item.sort == "number" and not any(c.isdigit() for c in item.text)
    if not source.english:
        return not worded
    doc = analysis.parse(sentence)
    start, end = item.span
    if any(e.start_char < end and start < e.end_char for e in analysis.names(doc)):
        return False
    if not worded:
        return True
    counted = [
        t.head
        for t in doc
        if start <= t.idx < end and t.dep_ == "nummod" and t.head.tag_ in ("NNS", "NNPS")
    ]
    # A count of what the article counts with another number ("three men" where it has "two
    # men"): a sum of things it tells one by one is no count it gives.
    if not any(
        source.counts(noun.lower_) or source.counts(noun.lemma_.lower()) for noun in counted
    ):
        return False
    # The passage, and the article sentence that shares most of the sentence's words.
    same = source.same_claim(tokens(sentence))
    return not any(float(item.key) in _listed(p) for p in (passage, same[0] if same else ""))


def _listed(passage: str) -> set[float]:
    """The lengths of the passage's lists (``Smith, Jones and Brown``: 3) by the parse."""
    return {
        1.0 + len(t.conjuncts) for t in analysis.parse(passage) if t.dep_ != "conj" and t.conjuncts
    }


def _names(
    sentence: str, source: Source, passage: str, claim_overlap: float
) -> tuple[list[Finding], int, dict[str, str]]:
    """Names the article never uses, quotations given to another speaker, names of the
    article in the place of another of the passage, swapped roles; with the count of the
    first and the words read as the article's names spelled another way (to its spelling)."""
    found: list[Finding] = []
    variants: dict[str, str] = {}
    absent: list[Finding] = []
    for name in named_entities(sentence)[:_NAMES] if source.english else ():
        variants.update(source.names.missing(name)[1])
        theirs = source.names.other_name(name)
        if theirs:
            absent.append(finding("name", f"name {name.text} is not in the article ({theirs} is)"))
            continue
        if not source.names.absent(name):
            continue
        # An acronym the article does not spell out is often its name abbreviated with
        # world knowledge (U.K. for London's): reported, not decisive.
        acronym = name.text.replace(".", "").isupper() or (
            not is_mixed_case(sentence) and all(len(w) <= 3 for w in name.words)  # "uk"
        )
        reason = f"name {name.text} is not in the article"
        sure = name.entity and not acronym and not qualifies(sentence, name, source.token_set)
        absent.append(finding("name", reason, sure=sure))
    # Two are shown, the decisive first, and the score counts two at most.
    found += sorted(absent, key=lambda f: not f.decisive)[:2]
    missing = min(len(absent), 2)
    # Quotations and slots by capitals: a sentence whose only capital opens it ("Ortega said
    # she was...") reads as the article does.
    if not (is_mixed_case(sentence) or (source.mixed_case and sentence[:1].isupper())):
        return found, missing, variants
    # The article's own names (a sentence's first word too, when the article capitalizes it).
    capitalized = source.names.capitalized
    ours = [
        n
        for n in find_names(sentence, initial=True)[:_NAMES]
        if not source.names.missing(n)[0] and any(w in capitalized for w in n.words)
    ]
    speakers = set()
    # A speaker read off a capital that only opens the sentence is a name the article
    # writes away from a sentence's start, or one by the parse ("Ministers said", a plural
    # noun that opens sentences only, is no one the article names).
    inner = source.names.inner
    proper = [
        n
        for n in ours
        if not source.english
        or n.span[0] > 0
        or any(w in inner for w in n.words)
        or _proper(sentence, n)
    ]
    for quote, said_by, theirs in misattributed(sentence, proper, source.sentences, source.related):
        speakers.add(said_by)
        clipped = text.clip(quote, 60)
        reason = f'quote "{clipped}" is said by {theirs} in the article, not by {said_by}'
        found.append(finding("misattributed", reason))
    found += _roles(
        sentence, [n for n in ours if n.text not in speakers], source, passage, claim_overlap
    )
    return found, missing, variants


def _proper(sentence: str, name: Name) -> bool:
    """The parse reads a word of the name, where the sentence writes it, as a proper noun
    or a named entity."""
    start, end = name.span
    return any(
        start <= t.idx < end and (t.pos_ == "PROPN" or t.ent_type_ in analysis.NAME_LABELS)
        for t in analysis.parse(sentence)
    )


@lru_cache(maxsize=1024)  # an article's passages are read for each summary of it
def _vocabulary(passage: str) -> NameIndex:
    return NameIndex(passage, tokens(passage))


def _roles(
    sentence: str, ours: Sequence[Name], source: Source, passage: str, claim_overlap: float
) -> list[Finding]:
    """The passage's claim with another name of the article in one slot, or with two names'
    roles swapped."""
    capitalized = source.names.capitalized
    sentence_tokens, passage_tokens = tokens(sentence), tokens(passage)
    vocabulary = {
        id(sentence_tokens): _vocabulary(sentence),
        id(passage_tokens): _vocabulary(passage),
    }

    def present(name: Name, toks: Sequence[str]) -> bool:
        return any(vocabulary[id(toks)].known(w) for w in name.words)

    def same(a: roles.Item, b: roles.Item) -> bool:
        return any(source.related(x, y) for x in a.key.split() for y in b.key.split())

    def item(name: Name) -> roles.Item:
        shape = "acronym" if name.text.isupper() else "name"
        return roles.Item(name.text, " ".join(name.words), shape, name.span)

    # A name of the sentence that the passage lacks, and one of the passage that the
    # sentence lacks: neither a sentence's opening word, a modifier or a group's demonym.
    # The sentence's opening name too, where capitals mark whole names.
    mixed = is_mixed_case(sentence)
    lacking = [
        item(n)
        for n in ours
        if (mixed or n.span[0] > 0) and standalone(sentence, n) and not present(n, passage_tokens)
    ]
    candidates = [
        item(n)
        for n in find_names(passage, initial=True)[:_NAMES]
        if any(w in capitalized for w in n.words)
        and standalone(passage, n)
        and not n.words[-1].endswith(_GROUPS)
        and not present(n, sentence_tokens)
    ]
    pairs = roles.slot_swaps(sentence, lacking, passage, candidates, same, claim_overlap)
    if not pairs and claim_overlap >= roles.SAME_CLAIM:
        texts = (sentence, sentence_tokens, passage, passage_tokens)
        pairs = _other_modifier(texts, ours, present, same, item)
    found = [
        finding("entity", f"wrong name: the article says {other.text} here, not {ours_.text}")
        for ours_, other in pairs
    ]
    shared = [(n.text, n.words) for n in ours[:_NAMES] if present(n, passage_tokens)]
    swap = roles.swapped(sentence_tokens, passage_tokens, shared)
    if swap:
        a, b, verb = swap
        found.append(finding("swap", f"roles swapped: the article has {b} {verb} {a}"))
    return found


def _other_modifier(
    texts: tuple[str, Sequence[str], str, Sequence[str]],
    ours: Sequence[Name],
    present: Callable[[Name, Sequence[str]], bool],
    same: Callable[[roles.Item, roles.Item], bool],
    item: Callable[[Name], roles.Item],
) -> list[tuple[roles.Item, roles.Item]]:
    """A name modifying a noun where the passage has another modifying the same noun
    ("Arsenal teenager X" / "Anderlecht teenager X"); not a demonym, which says something
    else of it ("the Colombian striker" / "the Atletico striker"). ``texts``: the sentence,
    its tokens, the passage, its tokens (the very lists ``present`` knows)."""
    sentence, sentence_tokens, passage, passage_tokens = texts
    theirs = {
        noun: n
        for n in find_names(passage, initial=True)[:_NAMES]
        if (noun := modified_noun(passage, n))
        and not n.words[-1].endswith(_DEMONYMS)
        and not present(n, sentence_tokens)
    }
    return [
        (item(n), item(theirs[noun]))
        for n in ours
        if (noun := modified_noun(sentence, n))
        and noun in theirs
        and not n.words[-1].endswith(_DEMONYMS)
        and not present(n, passage_tokens)
        and not same(item(n), item(theirs[noun]))
    ][:1]


def unseen_numbers(sentence: str, source: Source) -> list[str]:
    """Numbers and dates of the sentence that the article does not state."""
    missing = [q.text for q in quantities(sentence) if not source.numbers.has(q)]
    return missing + [
        d.text
        for d in dates(sentence, is_mixed_case(sentence))
        if d.key not in source.numbers.date_words
    ]


def unseen_names(sentence: str, source: Source) -> list[str]:
    """Names in the sentence (spaCy's named entities) of which the article uses no form."""
    if not source.english:
        return []
    return [n.text for n in named_entities(sentence) if source.names.absent(n)]


def unsupported_quotes(sentence: str, source: Source) -> list[str]:
    """Quotations whose words the article does not contain near-verbatim."""
    return [q for q in quotes(sentence) if not supported(q, source.token_set, source.bigrams)]


def novel_words(sentence_tokens: Sequence[str], source: Source) -> list[str]:
    """Content words of the sentence that the article does not use in any form."""
    return [w for w in content_words(sentence_tokens) if not source.has_word(w)]
