"""Names: a name the article never uses is reported; the article's names written another way
(a title, a prefix, a demonym, a possessive, a surname, a transliteration) are not; a name of
the article in another's place, and two roles swapped, are."""

from __future__ import annotations

import pytest

from pytest_summgate.metrics import claims
from pytest_summgate.metrics.names import (
    edit_distance,
    find_names,
    names,
    spelling_variant,
    standalone,
)

ARTICLE = (
    "Mayor Helen Ortega opened the Riverside library on Saturday. Maria Lopez, the head "
    "librarian, organised the book fair. Tom Baker, the caretaker, fixed the roof. "
    "Activists supporting Moscow in the Lugansk district criticised the plan. "
    "A delegation from Ukraine and the United States visited, with Colonel Muammar Gaddafi's "
    "former translator. Chelsea beat Arsenal in the charity match. "
    "The Tottenham striker is nominated for the town's sports award."
)


@pytest.fixture(scope="module")
def source() -> claims.Source:
    return claims.Source(ARTICLE)


def reasons(sentence: str, source: claims.Source, passage: str = ARTICLE) -> list[str]:
    return [f.text for f in claims.check(sentence, source, passage).findings]


def test_names_are_runs_of_capitals_in_mixed_case_text() -> None:
    assert names("Angela Merkel met NATO leaders in Brussels.") == [
        "Angela Merkel",
        "NATO",
        "Brussels",
    ]
    assert names("Later, Mike asks Ann about the milk.") == ["Mike", "Ann"]
    assert names("In Ukraine, U.K. activists met.") == ["Ukraine", "U.K"]
    assert names("Merkel said so.") == []  # a sentence's first word is capitalized anyway
    assert names("Merkel said so.", initial=True) == ["Merkel"]
    assert claims.is_mixed_case('"Books are for everyone," Ortega said.')
    assert not claims.is_mixed_case("paul merson 's dog bit players . but he said so .")


def test_a_title_or_a_prefix_is_not_part_of_the_name() -> None:
    assert names("Then Mayor Helen Ortega and Dr. Tom Baker spoke.") == [
        "Helen Ortega",
        "Tom Baker",
    ]
    assert names("The Pro-Moscow, Russian-backed and US-led groups met.") == [
        "Moscow",
        "Russian",
        "US",
    ]


def test_a_name_not_in_the_article(source: claims.Source) -> None:
    assert reasons("Angela Merkel opened the Riverside library.", source) == [
        "name Angela Merkel is not in the article"
    ]
    assert reasons("The plan was criticised by Estonian activists.", source) == [
        "name Estonian is not in the article"
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Then Mayor Helen Ortega opened the library.",  # the title is the article's too
        "Then President Helen Ortega opened the library.",  # a title is not checked
        "The Pro-Moscow activists criticised the plan.",
        "The plan was criticised by activists in Luhansk.",  # a transliteration
        "A delegation of Ukrainian officials visited.",  # the demonym of the article's place
        "A delegation from the U.S. visited.",  # the initials of the United States
        "The plan of Ortega was criticised.",  # a surname alone
        "It was Helen Ortega's library.",  # a possessive
        "The book fair of Ms Lopez was a success.",
        "Colonel Qadhafi's former translator visited.",  # Gaddafi spelled another way
    ],
)
def test_the_articles_names_written_another_way(source: claims.Source, sentence: str) -> None:
    assert reasons(sentence, source) == []


def test_a_spelling_variant_is_a_note_not_a_finding(source: claims.Source) -> None:
    checked = claims.check("The plan was criticised by activists in Luhansk.", source, ARTICLE)
    assert checked.variants == ("Luhansk read as the article's Lugansk",)
    assert "luhansk" not in checked.novel


def test_spelling_variants_need_a_close_spelling_for_their_length() -> None:
    assert edit_distance("lugansk", "luhansk") == 1
    assert edit_distance("gaddafi", "qadhafi") == 2
    assert edit_distance("abcd", "abdc") == 1  # a transposition is one edit
    assert spelling_variant("lugansk", "luhansk")
    assert spelling_variant("gaddafi", "qadhafi")
    assert not spelling_variant("baker", "baxter")
    # Letters transliterations disagree on, and doubled letters, at any length.
    for a, b in [("hasan", "hassan"), ("mikhail", "mikail"), ("dmitry", "dmitri"),
                 ("jackson", "jaxon"), ("yusuf", "yousuf"), ("hull", "hul")]:  # fmt: skip
        assert spelling_variant(a, b), (a, b)
    assert not spelling_variant("tom", "tim")  # short names must match exactly
    assert not spelling_variant("harris", "morris")


def test_names_are_found_in_lowercase_text_too(source: claims.Source) -> None:
    # The recogniser reads names without their capitals: an invented one is found, and the
    # article's own (any part of it) is not.
    assert reasons("angela merkel opened the riverside library .", source) == [
        "name angela merkel is not in the article"
    ]
    assert reasons("lopez opened the riverside library .", source) == []


def test_another_name_of_the_article_in_the_place_of_the_passages(
    source: claims.Source,
) -> None:
    passage = "Maria Lopez, the head librarian, organised the book fair."
    assert reasons("Tom Baker, the head librarian, organised the book fair.", source, passage) == [
        "wrong name: the article says Maria Lopez here, not Tom Baker"
    ]
    assert reasons("Lopez, the head librarian, organised the fair.", source, passage) == []


def test_a_name_modifying_a_noun_is_no_slot(source: claims.Source) -> None:
    # "The Tottenham striker" names the player's club, not someone in his place.
    passage = "The Tottenham striker is nominated for the town's sports award."
    sentence = "The striker Tom Baker is nominated for the town's sports award."
    assert reasons(sentence, source, passage) == []


def test_roles_swapped_around_one_verb(source: claims.Source) -> None:
    passage = "Chelsea beat Arsenal in the charity match."
    assert reasons("Arsenal beat Chelsea in the charity match.", source, passage) == [
        "roles swapped: the article has Chelsea beat Arsenal"
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Chelsea beat Arsenal in the charity match.",
        "Arsenal were beaten by Chelsea in the charity match.",  # a passive: the same claim
        "Arsenal and Chelsea played in the charity match, which Chelsea won.",  # no one verb
    ],
)
def test_two_names_in_the_other_order_are_no_swap(source: claims.Source, sentence: str) -> None:
    passage = "Chelsea beat Arsenal in the charity match."
    assert [f.kind for f in claims.check(sentence, source, passage).findings] == []


def test_codes_placeholders_and_acronyms_are_compared_as_written() -> None:
    source = claims.Source(
        "Client: It costs $XXX a month, said the agent of BestInsuranceXYZ in London. "
        "Revenue rose in Q2, the United States office said."
    )
    unseen = [
        ("It costs $XXXX a month, said the agent of BestInsuranceXYZ.", []),
        ("It costs $YYY a month, said the agent of BestInsuranceXYZ.", ["YYY"]),
        ("The agent of BestInsuranceABC called.", ["BestInsuranceABC"]),
        ("Revenue rose in Q2, said the US office.", []),
        ("Revenue rose in Q3, said the office.", ["Q3"]),
        ("Revenue rose, the U.K. office said.", ["U.K."]),
    ]
    for sentence, names_ in unseen:
        assert claims.unseen_names(sentence, source) == names_, sentence


def test_an_acronym_the_article_does_not_spell_out_is_not_decisive() -> None:
    source = claims.Source("Activists in London protested. The council met.")
    sentence = "The protest of the U.K. activists went on."
    found = claims.check(sentence, source, "Activists in London protested.")
    assert [(f.text, f.decisive) for f in found.findings] == [
        ("name U.K. is not in the article", False)
    ]


def test_a_name_opening_the_sentence_in_the_place_of_the_passages(
    source: claims.Source,
) -> None:
    passage = "Tom Baker, the caretaker, fixed the roof."
    sentence = "Lopez, the caretaker, fixed the roof on Saturday."
    assert reasons(sentence, source, passage) == [
        "wrong name: the article says Tom Baker here, not Lopez"
    ]
    assert reasons("Baker, the caretaker, fixed the roof on Saturday.", source, passage) == []
    # In lowercased text the opening capital marks no name.
    lowered = "Lopez , the caretaker , fixed the roof on saturday ."
    assert reasons(lowered, source, passage) == []


@pytest.mark.parametrize(
    ("sentence", "alone"),
    [
        ("Arsenal playmaker Mesut Ozil posted a photo.", False),  # the noun has its name
        ("The Arsenal playmaker posted a photo.", False),
        ("Arsenal signed the playmaker Mesut Ozil.", True),
        ("Ozil joined Arsenal last summer.", True),
    ],
)
def test_a_name_before_a_noun_and_a_name_modifies_it(sentence: str, alone: bool) -> None:
    arsenal = next(n for n in find_names(sentence, initial=True) if n.text == "Arsenal")
    assert standalone(sentence, arsenal) == alone


def test_a_passage_that_lost_the_spaces_after_its_stops_is_read_sentence_by_sentence() -> None:
    article = (
        "Tom Baker fixed the roof of the library on Monday.Maria Lopez organised the book "
        "fair in the main hall, and the caretaker swept the floor of the hall afterwards."
    )
    source = claims.Source(article)
    sentence = "Tom Baker organised the book fair in the main hall."
    assert reasons(sentence, source, article) == [
        "wrong name: the article says Maria Lopez here, not Tom Baker"
    ]
    assert reasons("Maria Lopez organised the book fair in the main hall.", source, article) == []


def test_a_name_alone_opening_the_sentence_is_checked() -> None:
    source = claims.Source("The council met on Monday. It approved the new budget.")
    passage = "The council met on Monday."
    assert reasons("Guzman met the council on Monday.", source, passage) == [
        "name Guzman is not in the article"
    ]
    for sentence in [
        "Later, the council met on Monday.",  # an adverb before a comma
        "Ultimately the council approved the budget.",
        "Click here to read the council's budget.",  # an imperative
        "Twelve councillors met on Monday.",  # a number (the number check says so)
        "Council members met on Monday.",  # the article's word
    ]:
        found = claims.check(sentence, source, passage).findings
        assert "name" not in [f.kind for f in found], sentence


def test_a_name_modifying_the_same_noun_as_the_passages_is_in_its_slot() -> None:
    passage = "Riverside signed the Lakeside teenager Tom Baker in May."
    source = claims.Source(f"The club was sold. {passage} Lakeside and Hillford both bid.")
    wrong = "Riverside signed the Hillford teenager Tom Baker in May."
    assert reasons(wrong, source, passage) == [
        "wrong name: the article says Lakeside here, not Hillford"
    ]
    assert reasons("Riverside signed the Lakeside youngster Tom Baker.", source, passage) == []
    # A demonym says something else of him than his club.
    demonym = claims.Source(f"The club was sold. {passage} The Italian club also bid.")
    assert (
        reasons("Riverside signed the Italian teenager Tom Baker in May.", demonym, passage) == []
    )


def decisive(sentence: str, source: claims.Source, passage: str = "") -> list[str]:
    return [f.text for f in claims.check(sentence, source, passage).findings if f.decisive]


def test_a_place_added_to_a_name_of_the_article_is_not_decisive_in_any_case() -> None:
    article = (
        "Visitors at the Cleveland Metroparks Zoo heard a scream. The toddler fell into a pit."
    )
    for text in (article, article.lower()):
        source = claims.Source(text)
        sentence = "Visitors at Cleveland Metroparks Zoo in Ohio heard a scream."
        for written in (sentence, sentence.lower()):
            assert decisive(written, source) == [], written
    # A place that qualifies nothing of the article's is a claim of its own.
    source = claims.Source(article)
    assert decisive("The toddler fell in a pit in Ohio.", source) == [
        "name Ohio is not in the article"
    ]


def test_a_name_of_the_article_with_one_word_replaced_is_another() -> None:
    source = claims.Source(
        "Mark Smith, the coach, resigned on Monday. Manchester City paid him. "
        "Doncaster thanked him."
    )
    assert decisive("Mark Jones, the coach, resigned on Monday.", source) == [
        "name Mark Jones is not in the article (Mark Smith is)"
    ]
    assert decisive("Manchester United paid Mark Smith.", source) == [
        "name Manchester United is not in the article (Manchester City is)"
    ]
    assert decisive("Doncaster Rovers thanked Mark Smith.", source) == []
    # A fuller name, a placeholder and a lowercased text's misread are not.
    assert decisive("Coach Mark Smith resigned on Monday.", source) == []
    assert decisive("Mark UNK resigned on Monday.", source) == []
    assert decisive("mark smith, the coach, resigned on monday.", source) == []


def test_a_short_name_in_lowercased_text_is_read_as_an_acronym() -> None:
    source = claims.Source("the wedgwood museum collection was saved after a campaign in stoke.")
    sentence = "the oldest collection in the uk, the wedgwood museum, has been saved."
    found = claims.check(sentence, source, "the wedgwood museum collection was saved.").findings
    assert [(f.text, f.decisive) for f in found] == [("name uk is not in the article", False)]
    # Written in capitals it is the same acronym; a longer name is a name.
    assert (
        decisive("The oldest collection in the UK, the Wedgwood Museum, was saved.", source) == []
    )
    assert decisive(
        "the oldest collection in germany, the wedgwood museum, was saved.", source
    ) == ["name germany is not in the article"]


def test_a_misspelled_shortened_or_first_name_variant_is_not_another_name() -> None:
    source = claims.Source(
        "Bayern Munich beat Dortmund on the day. Manchester United drew with them at home. "
        "Kevin Pietersen joked about it with the fans after the game was over."
    )
    for sentence in (
        "They played Bayem Munich.",  # misspelled
        "Man United drew at home.",  # shortened
        "Later Pietersen joked with the fans.",  # an adverb opening the sentence
        "The tickets cost 200k.",  # a number with a unit, no name
        "A creepy fan joked with Pietersen.",  # a lowercase word read as a group
    ):
        assert not [
            f
            for f in claims.check(sentence, source, "").findings
            if f.kind == "name" and f.decisive
        ], sentence
    assert decisive("Manchester City drew with them at home.", source) == [
        "name Manchester City is not in the article (Manchester United is)"
    ]
