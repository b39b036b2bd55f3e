"""Negation and direction against the supporting passage: a flip is reported on the word it
is about; a negation kept in other words, or a phrase copied from the article, is not."""

from __future__ import annotations

import pytest

from pytest_summgate.metrics import claims
from pytest_summgate.metrics.polarity import overlap
from pytest_summgate.text import split_sentences

ARTICLE = (
    "The Riverside library will not charge late fees from March, the mayor said. "
    "Tom Baker, the caretaker, did not attend the opening. "
    "The council refused to pay for the new roof. "
    "Visits rose by a third last year, and the library lent more books than ever. "
    "The mayor had intended to stand for re-election. "
    "The fire did not reach the reading room, but it damaged the roof."
)


@pytest.fixture(scope="module")
def source() -> claims.Source:
    return claims.Source(ARTICLE)


def passage_of(sentence: str) -> str:
    """The article sentence that makes most of the sentence's claim (the closest passage)."""
    toks = claims.tokens(sentence)
    return max(split_sentences(ARTICLE), key=lambda p: overlap(toks, claims.tokens(p)))


def reasons(sentence: str, source: claims.Source) -> list[str]:
    return [f.text for f in claims.check(sentence, source, passage_of(sentence)).findings]


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        (
            "The Riverside library will charge late fees from March.",
            'negation flipped: the article negates "charge", the summary does not',
        ),
        (
            "Tom Baker, the caretaker, attended the opening.",
            'negation flipped: the article negates "attended", the summary does not',
        ),
        (
            "Visits did not rise last year.",
            'negation flipped: the summary negates "rise", the article does not',
        ),
        (
            "The fire never damaged the roof.",
            'negation flipped: the summary negates "damaged", the article does not',
        ),
    ],
)
def test_a_negation_inserted_or_removed_is_named_on_its_word(
    source: claims.Source, sentence: str, reason: str
) -> None:
    assert reasons(sentence, source) == [reason]
    finding = claims.check(sentence, source, passage_of(sentence)).findings[0]
    assert finding.decisive == ("negation" in claims.DECISIVE_KINDS)


@pytest.mark.parametrize(
    "sentence",
    [
        "The Riverside library will not charge late fees, the mayor said.",
        "Tom Baker, the caretaker, stayed away from the opening.",  # kept in other words
        "Tom Baker, the caretaker, failed to attend the opening.",
        "The council did not pay for the new roof.",  # "refused to pay"
        "The mayor will not stand for re-election.",  # "had intended to": not an assertion
        "Visits were not only up, the library lent more books than ever.",  # "not only"
        "The fire did not reach the reading room, but it damaged the roof.",  # copied
        "The fire damaged the roof but did not reach the reading room.",
        "The council is unlikely to pay for the new roof.",  # "refused to pay"
    ],
)
def test_a_negation_kept_is_no_flip(source: claims.Source, sentence: str) -> None:
    assert reasons(sentence, source) == []


def test_a_direction_word_turned_into_its_opposite(source: claims.Source) -> None:
    assert reasons("Visits fell by a third last year.", source) == [
        'direction flipped: "fell" where the article says "rose"'
    ]
    assert reasons("The library lent fewer books than ever.", source) == [
        'direction flipped: "fewer" where the article says "more"'
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Visits increased by a third last year.",  # the same direction in other words
        "Visits did not fall last year.",  # a negated opposite is no opposite
        "Visits rose by a third last year.",
    ],
)
def test_a_direction_kept_is_no_flip(source: claims.Source, sentence: str) -> None:
    assert reasons(sentence, source) == []


def test_not_likely_is_unlikely() -> None:
    source = claims.Source("The council is unlikely to pay for the roof, the mayor said.")
    sentence = "The council is not likely to pay for the roof."
    assert claims.check(sentence, source, source.article).findings == ()
    flipped = claims.check("The council will pay for the roof.", source, source.article)
    assert [f.kind for f in flipped.findings] == []  # "unlikely" keeps it open: no flip


MODAL = (
    "Spahic could face a lengthy ban after the match. Here are some of our pictures from the "
    "beaches. The museum, which was still open, was sold to a trust. The council hopes the "
    "bridge will reopen in spring."
)


@pytest.mark.parametrize(
    "sentence",
    [
        "Spahic could not face a lengthy ban after the match.",  # the same modal, negated
        "Here are not some of our pictures from the beaches.",  # "not" far from its word
        "The museum, which was not still open, was sold to a trust.",  # alone in its clause
        "The council hopes the bridge will not reopen in spring.",  # under the same verb
    ],
)
def test_a_negation_inserted_under_a_modal_far_or_alone_in_its_clause(sentence: str) -> None:
    source = claims.Source(MODAL)
    passage = max(
        split_sentences(MODAL), key=lambda p: overlap(claims.tokens(sentence), claims.tokens(p))
    )
    assert [f.kind for f in claims.check(sentence, source, passage).findings] == ["negation"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Spahic did not face a lengthy ban after the match.",  # an assertion, not the possibility
        "Spahic would not face a lengthy ban after the match.",  # another modal
        "Spahic could face a long ban after the match.",
        "The museum, which was open, was sold to a trust.",
        "The bridge did not reopen in spring.",  # a fact, not the council's hope
    ],
)
def test_a_modal_or_a_clause_without_a_flip(sentence: str) -> None:
    source = claims.Source(MODAL)
    passage = max(
        split_sentences(MODAL), key=lambda p: overlap(claims.tokens(sentence), claims.tokens(p))
    )
    assert claims.check(sentence, source, passage).findings == ()


def test_the_sentence_sharing_the_words_is_read_when_the_closest_makes_another_claim() -> None:
    article = "The mayor opened the new bridge on Friday. The ferry company raised its fares."
    source = claims.Source(article)
    other = "The mayor opened the new bridge on Friday."  # the closest by meaning, say
    negated = claims.check("The ferry company did not raise its fares.", source, other)
    assert [f.kind for f in negated.findings] == ["negation"]
    # Too few of its words in any one article sentence: no claim to compare with.
    loose = claims.check(
        "The ferry company did not raise prices for pensioners on weekday trains.", source, other
    )
    assert loose.findings == ()


@pytest.mark.parametrize(
    ("article", "sentence", "said", "theirs"),
    [
        # "after" twice in the article, once here: the other one was turned.
        (
            "Smith was arrested after the match, after police found him asleep.",
            "Smith was arrested before the match, after police found him asleep.",
            "before",
            "after",
        ),
        # Both in the reach of one negation.
        (
            "The camera has not worked for two years after the cuts.",
            "The camera has not worked for two years before the cuts.",
            "before",
            "after",
        ),
        # Alone in its clause: the clause is the same but for the word.
        (
            "Years earlier, the band had split up.",
            "Years later, the band had split up.",
            "later",
            "earlier",
        ),
        (
            "The museum closed in May for repairs.",
            "The museum opened in May for repairs.",
            "opened",
            "closed",
        ),
    ],
)
def test_a_direction_turned_twice_said_under_a_negation_or_alone(
    article: str, sentence: str, said: str, theirs: str
) -> None:
    found = claims.check(sentence, claims.Source(article), article).findings
    assert [f.text for f in found] == [
        f'direction flipped: "{said}" where the article says "{theirs}"'
    ]


@pytest.mark.parametrize(
    ("article", "sentence"),
    [
        ("Prices rose in May and fell in June.", "Prices fell in June after they rose in May."),
        (
            "The camera has not worked for two years after the cuts.",
            "The camera has not worked since the cuts.",
        ),
        ("Years earlier, the band had split up.", "Later, the band toured again."),
        ("The museum closed in May for repairs.", "The museum is close to the station."),
    ],
)
def test_a_direction_kept_twice_or_under_a_negation(article: str, sentence: str) -> None:
    assert claims.check(sentence, claims.Source(article), article).findings == ()


def test_a_nouns_negation_is_evidence_and_a_verbs_is_decisive() -> None:
    article = "McGregor said he had the motivation to win the title. He did not train on Monday."
    source = claims.Source(article)
    noun = claims.check("McGregor says he has no motivation to win the title.", source, article)
    assert [(f.kind, f.decisive) for f in noun.findings if f.kind == "negation"] in ([], [
        ("negation", False)
    ])  # fmt: skip
    verb = claims.check("McGregor trained on Monday.", source, "He did not train on Monday.")
    assert [(f.kind, f.decisive) for f in verb.findings] == [("negation", True)]


def test_a_verb_under_a_request_or_a_condition_is_no_decisive_flip() -> None:
    # What patients are asked to do, or what happens if something is done, is not asserted.
    article = "Patients with symptoms that doctors cannot diagnose are sent to the new centres."
    source = claims.Source(article)
    for sentence in (
        "Patients are being asked by doctors to be diagnosed at the new centres.",
        "If doctors diagnose the symptoms, patients are sent to the new centres.",
    ):
        found = claims.check(sentence, source, article).findings
        assert not [f for f in found if f.kind == "negation" and f.decisive], sentence
    asserted = claims.check("Doctors diagnose the symptoms at the new centres.", source, article)
    assert [(f.kind, f.decisive) for f in asserted.findings] == [("negation", True)]
