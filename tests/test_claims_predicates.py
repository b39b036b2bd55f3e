"""Contradictions read off the parse: a predicate negated, reversed, with its roles swapped or
another of the article's names in a role, a number bound to another fact; in any clause and
any order of clauses; and the faithful rewrites of each that must pass."""

from __future__ import annotations

import pytest

from pytest_summgate.metrics import claims, predicates
from pytest_summgate.metrics.analysis import parse

ARTICLE = (
    "The council met on Monday to discuss the budget. "
    "The mayor said the project would not raise property taxes. "
    "Councillor Smith opposed the plan. "
    "Petrol prices fell sharply in May, pushing inflation down to 2.1 percent. "
    "Fenerbahce beat Caykur 5-1 on Sunday to go top of the league. "
    "The ministry said PSV had informed Ajax of its decision. "
    "Kane has scored 11 goals in 16 games this season."
)
# An aligned passage that supports none of the sentences below: every finding comes from
# the article sentences that state the sentence's own predicates.
UNRELATED = "The council met on Monday to discuss the budget."


@pytest.fixture(scope="module")
def source() -> claims.Source:
    return claims.Source(ARTICLE)


def kinds(sentence: str, source: claims.Source) -> list[str]:
    return [f.kind for f in claims.check(sentence, source, UNRELATED).findings]


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        # A negation dropped inside a longer sentence, in either order of its clauses.
        ("The mayor said the project would raise property taxes, while Smith opposed it.",
         "negation"),
        ("While Smith opposed it, the mayor said the project would raise property taxes.",
         "negation"),
        ("Smith did not oppose the plan, the council heard.", "negation"),
        # A direction reversed in a clause of its own.
        ("Petrol prices rose in May, pushing inflation to 2.1 percent.", "direction"),
        ("Inflation hit 2.1 percent as petrol prices increased in May.", "direction"),
        # Subject and object of one event swapped, active or passive.
        ("Caykur beat Fenerbahce 5-1 on Sunday.", "swap"),
        ("Fenerbahce were beaten by Caykur on Sunday.", "swap"),
        # A number of the article bound to another fact.
        ("Kane has scored 16 goals in 16 games.", "figure"),
    ],
)  # fmt: skip
def test_a_contradiction_in_any_clause_is_found(
    source: claims.Source, sentence: str, kind: str
) -> None:
    assert kind in kinds(sentence, source)


@pytest.mark.parametrize(
    "sentence",
    [
        "The mayor said the project would not raise property taxes, while Smith opposed it.",
        "Smith opposed the plan, and the mayor said taxes would not rise because of it.",
        "Petrol prices fell in May, and inflation went down to 2.1 percent.",
        "Caykur were beaten 5-1 by Fenerbahce on Sunday.",  # the passive of the same claim
        "Fenerbahce beat Caykur to go top.",
        "Kane has 11 goals in 16 games.",
        # A claim the article does not make is no contradiction of one it makes.
        "The mayor hopes the project will not raise taxes.",
    ],
)
def test_a_faithful_rewrite_is_no_contradiction(source: claims.Source, sentence: str) -> None:
    assert kinds(sentence, source) == []


def test_another_name_of_the_article_in_a_role_of_the_same_predicate() -> None:
    passage = parse("The ministry said PSV had informed Ajax of its decision.")
    words = frozenset(claims.tokens(ARTICLE + " Arsenal lost."))
    found = predicates.contradictions(parse("PSV told Arsenal of its decision."), [passage], words)
    assert found == []  # another verb: no claim of the passage to compare with
    ours = parse("The ministry said PSV had informed Arsenal of its decision.")
    found = predicates.contradictions(ours, [passage], words)
    assert [c.kind for c in found] == ["entity"]
    assert "the article says Ajax" in found[0].reason
    # A name the article never uses is the absence check's, not a misplaced one.
    ours = parse("The ministry said PSV had informed Chelsea of its decision.")
    assert predicates.contradictions(ours, [passage], words) == []


def test_hedged_and_conditional_clauses_make_no_contradiction() -> None:
    passage = [parse("The mayor said the project would not raise property taxes.")]
    words = frozenset(claims.tokens(ARTICLE))
    for sentence in (
        "The mayor denied that the project would raise property taxes.",
        "If the project would raise property taxes, the mayor said, he would resign.",
    ):
        assert predicates.contradictions(parse(sentence), passage, words) == [], sentence


def test_a_predicate_stated_both_ways_is_supported() -> None:
    # The article has the summary's claim too: the other sentence is no contradiction.
    passages = [parse("Smith did not attend the meeting."), parse("Smith attended the meeting.")]
    words = frozenset(["smith", "meeting"])
    assert predicates.contradictions(parse("Smith attended the meeting."), passages, words) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "PSV have informed PSV of their decision.",
        "Fenerbahce went top after Fenerbahce beat Fenerbahce 5-1.",
        "Smith was assistant to former Riverside manager John Smith.",  # a complement's "to"
        "Caykur were beaten by Caykur on Sunday.",  # a passive's subject and its agent
    ],
)
def test_one_name_on_both_sides_of_a_verb_is_decisive(source: claims.Source, sentence: str) -> None:
    found = claims.check(sentence, source, UNRELATED).findings
    assert [(f.kind, f.decisive) for f in found if f.kind == "circular"] == [("circular", True)]


@pytest.mark.parametrize(
    "sentence",
    [
        "Phil Neville replaced Gary Neville at Valencia.",  # two brothers
        "Inter Milan drew with AC Milan on Sunday.",  # two clubs
        "Smith thanked Smith's parents.",  # the name is no object, its parents are
        "Kane scored for Tottenham as Tottenham beat Arsenal.",  # two verbs
        "Murray said Murray would play.",  # what he said is a clause
        # Sentences that lost their full stops, which the parse joins.
        "Stokes showed up at the Kensington Oval Ben Stokes is on the England team",
        "Neymar and Alves watched El Clasico with Neymar helped Brazil to beat Chile",
    ],
)
def test_two_names_sharing_a_word_or_one_name_in_two_clauses_is_not_circular(
    sentence: str,
) -> None:
    assert predicates.circular(parse(sentence)) == []


def test_a_name_the_article_misspells_or_a_description_is_in_no_other_role() -> None:
    article = "Germany beat Gerogia 2-0. The Inter Milan star Cambiasso won the cup. Georgia"
    words = frozenset(claims.tokens(article))
    passage = parse("Germany beat Gerogia 2-0 on Sunday.")  # the article's typo
    ours = parse("Ozil impressed as Germany beat Georgia 2-0.")
    assert predicates.contradictions(ours, [passage], words) == []
    # A common noun described by a name (lowercased text tags it a proper noun) is no name.
    passage = parse("Esteban Cambiasso won the cup.")
    ours = parse("the former inter milan star won the cup .")
    assert predicates.contradictions(ours, [passage], words) == []
    ours = parse("Germany won the cup.")
    assert [c.kind for c in predicates.contradictions(ours, [passage], words)] == ["entity"]
