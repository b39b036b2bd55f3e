"""Numbers and dates: one amount written several ways is one claim; a number or date the
article does not state is reported, with the article's own where it says something else."""

from __future__ import annotations

import pytest

from pytest_summgate.metrics import claims
from pytest_summgate.metrics.numbers import NumberIndex, quantities

ARTICLE = (
    "The Riverside fair raised 2,000 dollars on Saturday for 40 new computers. "
    "The library opened in 2019 and now lends 2,634 books a week. "
    "Half of its visitors are children, and a dozen volunteers run the reading club. "
    "The council spent 2,600,000 dollars on the building, and 4 in 10 residents have a card. "
    "On Sunday the library hosted a chess day."
)
PASSAGE = "The Riverside fair raised 2,000 dollars on Saturday for 40 new computers."


@pytest.fixture(scope="module")
def source() -> claims.Source:
    return claims.Source(ARTICLE)


def reasons(sentence: str, source: claims.Source, passage: str = PASSAGE) -> list[str]:
    return [f.text for f in claims.check(sentence, source, passage).findings]


def values(sentence: str) -> list[float]:
    return [q.value for q in quantities(sentence)]


def test_quantities_in_digits_words_units_shares_and_percentages() -> None:
    assert values("45 people died") == [45]
    assert values("nine died, twenty-five were hurt") == [9, 25]
    assert values("$ 2.6 million and 2,600,000 and £5m") == [2.6e6, 2.6e6, 5e6]
    assert values("two hundred and fifty, one of them 84-year-old") == [250, 84]
    assert values("up 45% or 45 per cent") == [45, 45]
    assert values("4 in 10 voters, one in five") == [40, 20]
    assert values("one of the players said") == []  # a lone "one" is a pronoun


def test_a_run_of_number_words_is_several_numbers_unless_it_is_one() -> None:
    assert values("between eight and twelve players") == [8, 12]
    assert values("one hundred thousand, two thousand and five") == [100_000, 2005]
    assert values("call zero eight zero zero five") == [8, 5]  # digits read out
    assert values("sixty seventy, twenty-one") == [60, 70, 21]


def test_a_count_in_words_of_what_the_article_counts_otherwise_is_decisive() -> None:
    article = "Four men were seen near the shop. Police arrested Smith and Jones after the fire."
    source = claims.Source(article)
    passage = "Police arrested Smith and Jones after the fire."

    def decisive(sentence: str, passage: str = passage) -> list[str]:
        found = claims.check(sentence, source, passage).findings
        return [f.text for f in found if f.kind == "number" and f.decisive]

    assert decisive("Police arrested three men after the fire.") == [
        "number three is not in the article"
    ]
    assert decisive("police arrested three men after the fire .") == [
        "number three is not in the article"
    ]
    # The passage's list counted, or a list in the article sentence most like the summary's
    # when the passage is another.
    assert decisive("Police arrested two men after the fire.") == []
    assert decisive("Police arrested two men after the fire.", "Four men were seen.") == []
    # What the article never counts (a sum of things it tells one by one), a number in a
    # name, and no count of things: evidence only.
    assert decisive("Police arrested three people after the fire.") == []
    assert decisive("A World War Two veteran was arrested after the fire.") == []
    assert decisive("Police arrested a man after the fire at three.") == []


def test_years_and_seasons_are_dates() -> None:
    assert [(q.text, q.kind) for q in quantities("in 2019, and in the 2010-11 season")] == [
        ("2019", "year"),
        ("2010", "year"),
    ]
    assert [q.kind for q in quantities("2,019 people")] == ["number"]


@pytest.mark.parametrize(
    "sentence",
    [
        "The fair raised two thousand dollars for forty new computers.",
        "The fair raised $2,000 for forty computers.",
        "Fifty percent of the visitors are children.",  # half
        "Twelve volunteers run the reading club.",  # a dozen
        "The building cost 2.6 million dollars.",
        "Forty percent of residents have a library card.",  # 4 in 10
        "The library lends about 2,600 books a week.",  # rounded from 2,634
    ],
)
def test_one_amount_written_another_way_is_the_same_claim(
    source: claims.Source, sentence: str
) -> None:
    assert reasons(sentence, source, ARTICLE) == []
    assert "forty" not in claims.check(sentence, source, ARTICLE).novel


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        (
            "The fair raised 20,000 dollars for 40 new computers.",
            "number 20,000 is not in the article (2,000 is)",
        ),
        (
            "The fair raised 2,000 dollars for 45 computers.",
            "number 45 is not in the article (40 is)",
        ),
        (
            "The library lends about 2,900 books a week.",
            "number 2,900 is not in the article (2,634 is)",
        ),
        ("Its 45 volunteers came.", "number 45 is not in the article"),  # no figure said alike
        ("The building cost 2.6 billion dollars.", "number 2.6 billion is not in the article"),
    ],
)
def test_a_number_the_article_does_not_state(
    source: claims.Source, sentence: str, reason: str
) -> None:
    assert reasons(sentence, source, ARTICLE) == [reason]
    checked = claims.check(sentence, source, ARTICLE)
    assert checked.findings[0].decisive == ("number" in claims.DECISIVE_KINDS)
    assert checked.unseen_numbers == 1


def test_a_wrong_year_is_a_date_finding(source: claims.Source) -> None:
    passage = "The library opened in 2019 and now lends 2,634 books a week."
    assert reasons("The library opened in 2017.", source, passage) == [
        "date 2017 is not in the article (2019 is)"
    ]
    assert reasons("The library opened in 2019.", source, passage) == []


def test_a_weekday_not_in_the_article(source: claims.Source) -> None:
    assert reasons("The fair raised 2,000 dollars on Friday.", source) == [
        "date Friday is not in the article (Saturday is)"
    ]


def test_a_weekday_of_the_article_in_the_place_of_another(source: claims.Source) -> None:
    # Sunday is in the article, but this claim happened on Saturday.
    assert reasons("The Riverside fair raised 2,000 dollars on Sunday.", source) == [
        "wrong date: the article says Saturday here, not Sunday"
    ]
    assert reasons("On Sunday the library hosted a chess day.", source) == []


def test_a_date_the_article_gives_this_claim_in_another_sentence() -> None:
    # A career told in two sentences: the passage closest by meaning has the year he left,
    # another sentence the year he came back.
    source = claims.Source(
        "Haskell has played his rugby in France and Japan after leaving the Wasps in 2009. "
        "The flanker returned to Wasps for the 2012 season after spells with clubs in France "
        "and Japan."
    )
    passage = "Haskell has played his rugby in France and Japan after leaving the Wasps in 2009."
    returned = "Haskell returned to the Wasps in 2012 after spells in France and Japan."
    assert reasons(returned, source, passage) == []
    # The passage shares more of the sentence (a caption run into the next sentence), but
    # another sentence says the year with the words the summary says it with.
    caption = (
        "Haskell has played his rugby in France, Japan and New Zealand after leaving the Wasps "
        "in 2009 Since his return to England, Haskell has passed 100 games for Wasps."
    )
    run_on = claims.Source(
        f"{caption} He returned to Wasps for the 2012 season after spells abroad."
    )
    returned = "Haskell returned to Wasps for the 2012 season after spells in France, Japan."
    assert reasons(returned, run_on, caption) == []
    # The year of the return where the article tells of the leaving is still wrong.
    left = "Haskell played his rugby in France and Japan after leaving the Wasps in 2012."
    assert reasons(left, source, passage) == ["wrong date: the article says 2009 here, not 2012"]


def test_a_month_name_that_is_a_word_is_no_date() -> None:
    source = claims.Source("The council met in June. Members may march to the hall.")
    assert reasons("Members may march to the hall in June.", source, ARTICLE) == []
    assert reasons("The council met in March.", source, "The council met in June.") == [
        "date March is not in the article (June is)"
    ]


def test_the_article_index_reads_ordinals_and_fractions() -> None:
    index = NumberIndex("On the twenty-first, a third of the staff and a dozen guests.")
    said = quantities("On the 21st, 33% of the staff and 12 guests came.")
    assert all(index.has(q) for q in said)
    assert not any(index.has(q) for q in quantities("On the 22nd, 11 guests came."))


def test_a_small_count_is_exact_and_an_ordinal_is_no_count() -> None:
    source = claims.Source("The 11 volunteers met for the second time, and 4.9% came back.")
    assert claims.unseen_numbers("The 10 volunteers met.", source) == ["10"]
    assert claims.unseen_numbers("The 2 volunteers met.", source) == ["2"]
    assert claims.unseen_numbers("They met for the 2nd time.", source) == []
    assert claims.unseen_numbers("About 5% came back.", source) == []


def test_the_number_of_a_code_is_the_articles() -> None:
    source = claims.Source("The F1 season opens as the G20 meets.")
    assert claims.unseen_numbers("The Formula 1 season opens.", source) == []
    assert claims.unseen_numbers("The Formula 2 season opens.", source) == ["2"]


def test_a_month_in_lowercased_text_is_a_date() -> None:
    source = claims.Source("The council met in February. Members may march to the hall.")
    passage = "The council met in February."
    assert reasons("the council met in august .", source, passage) == [
        "date august is not in the article (February is)"
    ]
    assert reasons("the council met in february .", source, passage) == []
    # "may" and "march" are months only after a preposition or next to a number.
    assert reasons("members may march to the hall .", source, "Members may march.") == []
    assert reasons("the council met in march .", source, passage) == [
        "date march is not in the article (February is)"
    ]


def test_a_day_of_the_month_is_a_date() -> None:
    source = claims.Source("The hearing is on 7 August. It will hear 14 witnesses.")
    passage = "The hearing is on 7 August."
    assert reasons("The hearing is on 21 August.", source, passage) == [
        "date 21 August is not in the article (7 August is)"
    ]
    assert reasons("The hearing is on August 7th.", source, passage) == []
    # A day the article has as another number, in the place of the passage's day.
    assert reasons("The hearing is on 14 August.", source, passage) == [
        "wrong date: the article says 7 August here, not 14 August"
    ]
    assert reasons("It will hear 21 witnesses in August.", source, passage) == [
        "number 21 is not in the article"
    ]


def test_the_minutes_of_a_clock_time_are_no_number_of_their_own() -> None:
    assert [q.text for q in quantities("Kick-off is at 4:00PM, or 16:30 in Madrid.")] == [
        "4",
        "16",
    ]
    # A score or a ratio keeps both of its numbers.
    assert [q.text for q in quantities("They won 3:1 on a 2:145 vote.")] == ["3", "1", "2", "145"]
    source = claims.Source("Chelsea visit Arsenal at 4pm on Sunday.")
    sentence = "Chelsea visit Arsenal at 4:00PM on Sunday."
    assert claims.check(sentence, source, "Chelsea visit Arsenal at 4pm on Sunday.").findings == ()
