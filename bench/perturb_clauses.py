"""Unfaithful rules on directions and clauses: each makes one error, or returns None.

Types: direction (rose/fell, won/lost, more/less anywhere in the sentence), clause-negation
(a negation added or removed in a subordinate or second clause of a sentence of two clauses
or more), clause-direction (a direction flipped in a clause after the main one), and
reordered-negation / reordered-direction (a trailing ``while``/``as``/``after``... clause
moved to the front, the flip inside it); the control clause-moved is the same move without a
flip.

The clauses come from spaCy's parse (:func:`pytest_summgate.metrics.analysis.parse`, the
pipeline the claim checks read): a clause is the root verb, or a verb that hangs from another
as an adverbial clause, a complement, a conjunct or a relative clause. No flip is made inside
a condition (``if``, ``unless``, ``whether``), under a verb of denial, doubt or intent
(``refused to pay``), under a negation, or inside a quotation: there it would not say the
opposite of the article.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

from perturbations import Context, Variant, match_case, quote_spans, splice

from pytest_summgate.metrics import analysis

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token


def _words(lines: str) -> tuple[str, ...]:
    return tuple(lines.split())


_OPPOSITES = [
    pair.split("/")
    for pair in _words(
        """
        rose/fell rise/fall rises/falls risen/fallen rising/falling increased/decreased
        increase/decrease increases/decreases increasing/decreasing higher/lower
        highest/lowest more/less fewer/more above/below before/after larger/smaller
        largest/smallest bigger/smaller biggest/smallest longer/shorter longest/shortest
        older/younger oldest/youngest better/worse best/worst earlier/later
        maximum/minimum strengthened/weakened stronger/weaker positive/negative
        successful/unsuccessful accepted/rejected approved/rejected majority/minority
        inside/outside arrived/departed opened/closed began/ended started/ended
        victory/defeat profit/loss profits/losses cheap/expensive richer/poorer won/lost
        wins/losses gained/lost
        northern/southern eastern/western north/south east/west up/down
        """
    )
]
_FLIP: dict[str, str] = {}
for _a, _b in _OPPOSITES:  # the first pair of a word wins: more -> less, lost -> won
    _FLIP.setdefault(_a, _b)
for _a, _b in _OPPOSITES:
    _FLIP.setdefault(_b, _a)
# Words whose flip reads as garbage unless a number or comparison follows.
# Rise and fall as amounts do (fell 5%, rose sharply), not "fell ill", "fallen in with".
_MOVES = (
    r"\s*(?:[,.;]|$|by\b|to\b|from\b|\d|[$£€]|sharply|slightly|steeply|significantly"
    r"|dramatically|again|for\b|in\s+(?:value|price|number))"
)
# "arrived at the scene" -> "departed at the scene": only where no place or aim follows.
_COMES = r"\s*(?:[,.;]|$)|\s+(?:early|late|first|last|after|before|with|by|from)\b"
# What must follow the word for its opposite to read as English.
_GUARDED = {
    **dict.fromkeys(_words("rose fell rise fall rises falls risen fallen rising falling"), _MOVES),
    "up": r"\s+(?:[$£€]\s?)?\d",
    "down": r"\s+(?:[$£€]\s?)?\d",
    "lost": r"\s+(?:\d|by\b)",
    "more": r"\s+than\b",
    "less": r"\s+than\b",
    "after": r"\s+(?!all\b)",
    "opened": r"(?!\s+(?:fire|up)\b)",  # "opened up a lead": no "closed up a lead"
    "closed": r"(?!\s+(?:down|off|in)\b)",
    # "started crying", "began to sit", "ended up": no "ended crying", "began up".
    **dict.fromkeys(_words("started began ended"), r"(?!\s+(?:to|up|out|off|[a-z]+ing)\b)"),
    # "his best season"; not "did his best to", "try my best not to", "suits you best."
    **dict.fromkeys(_words("best worst"), r"\s+(?!to\b|not\b)[a-z]"),
    "arrived": _COMES,
    "departed": _COMES,
    "accepted": r"(?!\s+that\b)",  # "accepted that ...": "rejected that ..." is no claim
}
# What must not come before it: "look after", "get started", "no longer", "more expensive".
_AFTERS = re.compile(r"\b(?:look|looks|looked|looking|named|take|takes|took|after)\s+$")
_NOT_AFTER = {
    "after": _AFTERS,
    "before": _AFTERS,
    **dict.fromkeys(_words("started began"), re.compile(r"\b(?:get|gets|got|getting)\s+$")),
    # "had ended", "was ended": no "had began".
    "ended": re.compile(
        r"\b(?:get|gets|got|getting|ha[sd]|have|having|be|been|being|is|are|was|were)\s+$"
    ),
    "longer": re.compile(r"\b(?:no|any)\s+$"),
    "expensive": re.compile(r"\b(?:more|most|less|least)\s+$"),
    "majority": re.compile(r"\b(?:vast|overwhelming)\s+$"),
}
# A profit or a loss of money, not "memory loss", "a sense of loss", "heavy losses".
_MONEY = re.compile(
    r"[$£€¥]|\d\s*(?:%|m\b|bn\b|million|billion|per\s*cent)"
    r"|\b(?:net|pre-?tax|operating|annual|quarterly|half-year|full-year|trading|underlying)"
    r"\s+(?:profits?|loss(?:es)?)\b",
    re.IGNORECASE,
)
_FINANCIAL = frozenset(_words("profit profits loss losses"))
# Read as a noun or an adjective only: "wins a free kick" is no "losses a free kick", "help
# lower costs" no "help higher costs".
_NOT_VERBS = frozenset(_words("wins lower higher"))


def direction_words(sentence: str) -> list[tuple[int, int, str]]:
    """Where a direction or comparison word can turn to its opposite: (start, end, opposite).
    Only lowercase words: ``North Korea`` and ``Rose`` are names."""
    options = []
    for m in re.finditer(r"\b[a-z]+\b", sentence):
        word = m[0]
        beside = sentence[max(m.start() - 1, 0) : m.start()] + sentence[m.end() : m.end() + 1]
        if word not in _FLIP or "-" in beside:
            continue  # "best-known", "after-school": half of a compound
        guard = _GUARDED.get(word)
        if guard and not re.match(guard, sentence[m.end() :]):
            continue
        before = _NOT_AFTER.get(word)
        if before is not None and before.search(sentence[: m.start()]):
            continue
        if word in _FINANCIAL and not _MONEY.search(sentence):
            continue
        if word in _NOT_VERBS and _verb_at(sentence, m.start()):
            continue
        if re.search(rf"\b{_FLIP[word]}\b|\b{word} and {word}\b", sentence):
            continue  # "inside and outside", "stronger and stronger": one flip says both
        options.append((m.start(), m.end(), _FLIP[word]))
    return options


def _verb_at(sentence: str, start: int) -> bool:
    """The parse reads the word at ``start`` as a verb."""
    return any(t.idx == start and t.pos_ == "VERB" for t in analysis.parse(sentence))


def turned(sentence: str, start: int, end: int, new: str, kind: str) -> Variant:
    """The word at start:end turned to ``new``, with its article: ``a decrease`` -> ``an
    increase``."""
    detail = f"{sentence[start:end]} -> {new}"
    before = re.search(r"\b([Aa]n?) $", sentence[:start])
    if before:
        article = "an" if new[0] in "aeiou" else "a"
        start, new = before.start(), match_case(article, before[1]) + " " + new
    return Variant(kind, splice(sentence, start, end, new), detail)


def flip_direction(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A direction or comparison word turned to its opposite (rose/fell, won/lost, more/less,
    before/after)."""
    options = direction_words(sentence)
    if not options:
        return None
    return turned(sentence, *rng.choice(options), "direction")


# --- clauses ----------------------------------------------------------------------------------

_CLAUSES = frozenset({"advcl", "ccomp", "conj", "relcl"})
_CONDITIONS = frozenset(_words("if unless whether than"))
_HEDGES = frozenset(
    _words(
        """
        refuse deny fail decline reject avoid doubt question hope want plan expect consider
        propose seek try threaten ask urge wonder intend aim wish
        """
    )
)
# Marks of a trailing clause that can open the sentence instead, saying the same.
_MOVABLE = frozenset(
    _words("while as after before although though because when since whereas until once")
)
_DO = {"VBD": "did", "VBZ": "does", "VBP": "do"}
_SHORT = {"ca": "can", "wo": "will", "sha": "shall"}
# Pasts written as their verb ("they beat Georgia"); any other past that is its own lemma is
# a word the parse misread.
_SAME_PAST = frozenset(
    _words("beat bet bid broadcast burst cast cost cut forecast hit hurt let put quit read set")
    + _words("shed shut split spread thrust upset")
)
# "only costs" -> "only does not cost": a focus word binds the verb it stands before.
_FOCUS = frozenset(_words("only just even merely simply"))


def _inflected(verb: Token) -> bool:
    """The verb's form is its lemma inflected as its tag and subject say: not a name the parse
    read as a verb (``gianluigi buffon``, ``kelly robarge``), nor a form it lemmatised wrongly
    (``hopes`` as ``hop``) or tagged wrongly (``leapt``, ``flowers lay`` as a present)."""
    form, lemma = verb.lower_, verb.lemma_.lower()
    if verb.tag_ == "VBP":
        # A present for "they", not for a singular noun ("a bunch of flowers lay": a past).
        subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        if subject is not None and subject.tag_ in ("NN", "NNP"):
            return form == lemma and any(c.dep_ == "conj" for c in subject.children)
        return form == lemma
    if verb.tag_ == "VBZ":
        if lemma == "have":
            return form == "has"
        if re.search(r"[^aeiou]y$", lemma):
            return form == lemma[:-1] + "ies"
        return form == lemma + ("es" if re.search(r"(?:s|x|z|ch|sh|o)$", lemma) else "s")
    return form != lemma or form in _SAME_PAST


def _is_clause(token: Token) -> bool:
    if token.pos_ not in ("VERB", "AUX") or token.dep_ not in _CLAUSES:
        return False
    return token.dep_ != "conj" or token.head.pos_ in ("VERB", "AUX")


def clause_of(token: Token) -> Token:
    """The verb heading the token's clause (the root for the main clause)."""
    while token.dep_ != "ROOT" and not _is_clause(token):
        token = token.head
    return token


def _stated(verb: Token) -> bool:
    """The clause states something: no condition, and no verb of denial, doubt or intent and
    no negation above it (a relative clause says its own fact whatever is said of its noun)."""
    token = verb
    for _ in range(12):
        if any(c.dep_ == "mark" and c.lower_ in _CONDITIONS for c in token.children):
            return False
        if token.i != verb.i and (token.lemma_.lower() in _HEDGES or analysis.negated(token)):
            return False
        if token.dep_ in ("ROOT", "relcl") or token.head.i == token.i:
            return True
        token = token.head
    return False


# Quotations in single marks too (`` ` his best ' ``, ``'armed himself'``).
_SINGLE_QUOTED = re.compile(r"(?<!\w)[`‘'][^`‘'’\n]+?['’](?!\w)")


def _quoted(doc: Doc) -> set[int]:
    spans = quote_spans(doc.text) + [m.span() for m in _SINGLE_QUOTED.finditer(doc.text)]
    return {t.i for t in doc if any(a <= t.idx < b for a, b in spans)}


def _subordinate(doc: Doc) -> list[Token]:
    """The clause verbs other than the main one that state something, outside quotations, in
    a sentence whose root is a verb; none in a question."""
    roots = [t for t in doc if t.dep_ == "ROOT"]
    if len(roots) != 1 or roots[0].pos_ not in ("VERB", "AUX") or "?" in doc.text:
        return []
    quoted = _quoted(doc)
    return [t for t in doc if _is_clause(t) and t.i not in quoted and _stated(t)]


def negation_splice(verb: Token) -> tuple[int, int, str] | None:
    """The (start, end, text) that turns the verb's clause to the other polarity: its
    negation removed (``did n't`` -> ``did``, ``cannot`` -> ``can``, ``never``), or ``not``
    after its first auxiliary, after a copula, or ``did not`` and the lemma for a bare past
    (``fell`` -> ``did not fall``); None for a participle or an infinitive."""
    doc = verb.doc
    end = verb.idx + len(verb.text)
    if "-" in doc.text[max(verb.idx - 1, 0) : verb.idx] + doc.text[end : end + 1]:
        return None  # "re-pointed": part of a word
    negations = [c for c in verb.children if c.dep_ == "neg"]
    if negations:
        neg = negations[0]
        after = doc[neg.i + 1].lower_ if neg.i + 1 < len(doc) else ""
        if neg.i == 0 or neg.lower_ not in ("not", "n't", "never") or after in ("only", "longer"):
            return None
        before = doc[neg.i - 1]
        end = neg.idx + len(neg.text)
        if neg.lower_ == "n't" and before.lower_ in _SHORT:
            return before.idx, end, match_case(_SHORT[before.lower_], before.text)
        return before.idx + len(before.text), end, ""
    auxiliaries = [c for c in verb.children if c.dep_ in ("aux", "auxpass") and c.i < verb.i]
    if auxiliaries:
        first = auxiliaries[0]
        if first.tag_ not in ("MD", "VBD", "VBZ", "VBP") or not first.is_alpha:
            return None  # "to win", "having scored": no finite verb to negate
        return first.idx + len(first.text), first.idx + len(first.text), " not"
    if not verb.is_alpha or verb.tag_ not in ("VBD", "VBZ", "VBP"):
        return None
    if verb.lemma_.lower() == "be":
        return verb.idx + len(verb.text), verb.idx + len(verb.text), " not"
    if not _inflected(verb) or (verb.i > 0 and doc[verb.i - 1].lower_ in _FOCUS):
        return None
    return verb.idx, verb.idx + len(verb.text), f"{_DO[verb.tag_]} not {verb.lemma_.lower()}"


def negated_variant(sentence: str, start: int, end: int, new: str, kind: str) -> Variant:
    """The sentence with a :func:`negation_splice` made."""
    old = sentence[start:end].strip()
    detail = f"removed: {old}" if not new else f"{old} -> {new.strip()}" if old else "added: not"
    return Variant(kind, splice(sentence, start, end, new), detail)


def _a_name(verb: Token, ctx: Context) -> bool:
    """A name the parse read as a verb in lowercased text (``kelly robarge``): the article
    writes the word only with a capital, or the sentence uses it as a proper noun too."""
    same = (t for t in verb.doc if t.lower_ == verb.lower_ and t.i != verb.i)
    return verb.lower_ in ctx.capitalised or any(t.pos_ == "PROPN" for t in same)


def _negations(verbs: list[Token], ctx: Context) -> list[tuple[int, int, str]]:
    """The negation splices of the verbs, but of no name read as a verb."""
    return [s for v in verbs if not _a_name(v, ctx) and (s := negation_splice(v))]


def clause_negation(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A negation added or removed in a subordinate or second clause (``..., although profits
    fell`` -> ``..., although profits did not fall``)."""
    doc = analysis.parse(sentence)
    options = _negations(_subordinate(doc), ctx)
    if not options:
        return None
    return negated_variant(sentence, *rng.choice(options), "clause-negation")


def _in_clauses(doc: Doc, start: int, clauses: list[Token], after: int = -1) -> bool:
    """The word at ``start`` is in one of the clauses, headed after token ``after``."""
    token = next((t for t in doc if t.idx <= start < t.idx + len(t.text)), None)
    if token is None:
        return False
    clause = clause_of(token)
    return any(c.i == clause.i for c in clauses) and clause.i > after


def clause_direction(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A direction word flipped in a clause after the main one (``Sales fell, while profits
    rose 5%`` -> ``..., while profits fell 5%``)."""
    doc = analysis.parse(sentence)
    clauses = _subordinate(doc)
    root = next((t.i for t in doc if t.dep_ == "ROOT"), len(doc))
    options = [o for o in direction_words(sentence) if _in_clauses(doc, o[0], clauses, root)]
    if not options:
        return None
    return turned(sentence, *rng.choice(options), "clause-direction")


def _trailing(doc: Doc) -> Token | None:
    """The root's adverbial clause that ends the sentence and opens with a movable mark
    (``..., while wages fell.``), when the main clause has no other clause it could be read
    with and no pronoun that a name in the moved clause would then seem to name."""
    if re.search(r"[\"“”`()]|''|\?", doc.text):
        return None
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.pos_ not in ("VERB", "AUX"):
        return None
    for clause in root.children:
        first, last = clause.left_edge, clause.right_edge
        ends = all(t.is_punct for t in doc[last.i + 1 :]) and last.text not in (".", "!", ",")
        if not (clause.dep_ == "advcl" and ends and first.i > root.i):
            continue
        if first.dep_ != "mark" or first.lower_ not in _MOVABLE or first.head.i != clause.i:
            continue
        # "..., as is revealing decisions", "..., as did wages": a comparison with no
        # subject of its own before its verb, which cannot open the sentence.
        subjects = ("nsubj", "nsubjpass", "expl", "csubj")
        if not any(c.dep_ in subjects and c.i < clause.i for c in clause.children):
            continue
        main = doc[: first.i]
        others = [t for t in main if _is_clause(t) and t.dep_ != "relcl"]
        # "..., as they beat Georgia, and is now setting his sights": a coordinated verb
        # the parse hung from the clause belongs to the main one.
        others += [t for t in clause.subtree if t.dep_ == "cc" and t.head.pos_ in ("VERB", "AUX")]
        pronoun = any(t.pos_ == "PRON" and t.lower_ not in ("it", "its") for t in main)
        if others or (pronoun and any(t.pos_ == "PROPN" for t in clause.subtree)):
            continue
        if len(main) >= 2:
            return clause
    return None


def moved(
    sentence: str, clause: Token, ctx: Context, flip: tuple[int, int, str] | None, kind: str = ""
) -> str:
    """The sentence with the trailing clause in front (the flip, if any, made inside it
    first): ``Prices rose, while wages fell.`` -> ``While wages fell, prices rose.``"""
    doc = clause.doc
    start = clause.left_edge.idx
    stop = clause.right_edge.idx + len(clause.right_edge.text)
    text = sentence
    if flip is not None:
        flipped = turned if kind == "direction" else negated_variant
        text = flipped(sentence, *flip, kind).text
        stop += len(text) - len(sentence)
    main, sub, end = text[:start].rstrip(" ,;:-–—"), text[start:stop], text[stop:]
    acronym = len(doc[0].text) > 1 and doc[0].text.isupper()
    keep = doc[0].pos_ == "PROPN" or doc[0].text == "I" or acronym
    main = main if keep else main[:1].lower() + main[1:]
    return f"{sub[:1].upper()}{sub[1:]}{ctx.comma()} {main}{end}"


def _flips(clause: Token, kind: str, ctx: Context) -> list[tuple[int, int, str]]:
    """The flips of one kind inside the clause's words."""
    doc = clause.doc
    start = clause.left_edge.idx
    stop = clause.right_edge.idx + len(clause.right_edge.text)
    verbs = [t for t in _subordinate(doc) if clause.left_edge.i <= t.i <= clause.right_edge.i]
    if kind == "direction":
        words = direction_words(doc.text)
        return [o for o in words if start <= o[0] < stop and _in_clauses(doc, o[0], verbs)]
    return [s for s in _negations(verbs, ctx) if start <= s[0] < stop]


def _reordered(sentence: str, ctx: Context, rng: random.Random, kind: str) -> Variant | None:
    clause = _trailing(analysis.parse(sentence))
    if clause is None:
        return None
    if kind == "none":
        return Variant("clause-moved", moved(sentence, clause, ctx, None), "clause moved")
    options = _flips(clause, kind, ctx)
    if not options:
        return None
    flip = rng.choice(options)
    old, new = sentence[flip[0] : flip[1]].strip(), flip[2].strip()
    detail = f"clause moved; {old or '(none)'} -> {new or '(none)'}"
    return Variant(f"reordered-{kind}", moved(sentence, clause, ctx, flip, kind), detail)


def reordered_negation(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A trailing clause moved to the front with a negation added or removed in it (``Prices
    rose as wages fell.`` -> ``As wages did not fall, prices rose.``)."""
    return _reordered(sentence, ctx, rng, "negation")


def reordered_direction(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """A trailing clause moved to the front with a direction flipped in it (``Prices rose,
    while wages fell 2%.`` -> ``While wages rose 2%, prices rose.``)."""
    return _reordered(sentence, ctx, rng, "direction")


def clause_moved(sentence: str, ctx: Context, rng: random.Random) -> Variant | None:
    """The faithful control of the two above: the trailing clause moved, nothing flipped."""
    return _reordered(sentence, ctx, rng, "none")
