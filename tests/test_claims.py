"""Claim checks as a whole, on hand-written articles: the Finding interface, a copied sentence
that has nothing to report, quotations (invented, printed once, given to another speaker),
and the cache record of a Metric's decisive reasons."""

from __future__ import annotations

import pytest

from pytest_summgate.metrics import Metric, _metric, _record, claims

ARTICLE = (
    "The Riverside library will not charge late fees from March, Mayor Helen Ortega said on "
    "Saturday. Maria Lopez, the head librarian, organised the book fair in 2019. "
    '"Books are for everyone," Lopez said. '
    'Tom Baker, the caretaker, told the council: "We need a new roof before the winter." '
    "The fair raised 2,000 dollars for 40 new computers."
)


@pytest.fixture(scope="module")
def source() -> claims.Source:
    return claims.Source(ARTICLE)


def findings(sentence: str, source: claims.Source, passage: str = ARTICLE) -> list[str]:
    return [f.kind for f in claims.check(sentence, source, passage).findings]


def reasons(sentence: str, source: claims.Source, passage: str = ARTICLE) -> list[str]:
    return [f.text for f in claims.check(sentence, source, passage).findings]


# -- the interface ---------------------------------------------------------------------------


def test_a_finding_is_decisive_only_for_a_decisive_kind() -> None:
    assert set(claims.DECISIVE_KINDS) <= set(claims.KINDS)
    for kind in claims.KINDS:
        assert claims.finding(kind, "x").decisive == (kind in claims.DECISIVE_KINDS)
        assert not claims.finding(kind, "x", sure=False).decisive


def test_a_metric_with_decisive_reasons_round_trips_through_the_cache_record() -> None:
    metric = Metric(0.0, ("unsupported (decisive): ...",), decisive=("number 45 is new",))
    assert _metric(_record(metric)) == metric
    old = {"value": 0.5, "evidence": ["x"], "skipped": ""}  # written before decisive existed
    assert _metric(old) is None
    assert _metric({**old, "decisive": [1]}) is None


# -- a copied sentence -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Maria Lopez, the head librarian, organised the book fair in 2019.",
        "maria lopez , the head librarian , organised the book fair in 2019 .",
        "The fair raised 2,000 dollars",
        '" Books are for everyone , " Lopez said .',
    ],
)
def test_a_sentence_copied_from_the_article_has_no_findings(
    source: claims.Source, sentence: str
) -> None:
    # Even against a passage it does not come from (the closest passage can be wrong).
    other = "The fair raised 2,000 dollars for 40 new computers."
    assert claims.check(sentence, source, other) == claims.Claims()


def test_a_changed_copy_is_checked(source: claims.Source) -> None:
    assert findings("Maria Lopez, the head librarian, organised the fair in 2017.", source) == [
        "date"
    ]


def test_a_paraphrase_without_a_specific_error_has_no_finding(source: claims.Source) -> None:
    checked = claims.check("Lopez ran the fair, which was a great success.", source, ARTICLE)
    assert checked.findings == ()
    assert checked.novel == ("ran", "great", "success")  # only a note, never a reason


# -- quotations ------------------------------------------------------------------------------


def test_an_invented_quotation_is_reported_once_without_its_marks(source: claims.Source) -> None:
    sentence = 'Lopez said "Riverside\'s readers deserve free coffee".'
    assert reasons(sentence, source) == [
        'quote "Riverside\'s readers deserve free coffee" is not in the article'
    ]
    assert claims.quotes("He said '\"Riverside's readers'") == ["Riverside's readers"]


def test_a_quotation_of_the_article_is_not_reported(source: claims.Source) -> None:
    assert findings('Lopez said: "books are for everyone".', source) == []


def test_only_a_long_invented_quotation_is_decisive(source: claims.Source) -> None:
    long, short = (
        claims.check(s, source, ARTICLE).findings
        for s in ('Lopez called it "a day for every reader in town".', 'Lopez was "thrilled".')
    )
    assert [(f.kind, f.decisive) for f in long] == [("quote", "quote" in claims.DECISIVE_KINDS)]
    assert [(f.kind, f.decisive) for f in short] == [("quote", False)]


def test_quotation_marks_of_every_kind(source: claims.Source) -> None:
    assert claims.quotes("He said `` no deal '' today") == ["no deal"]
    assert claims.quotes("they 're ` very happy ' with him") == ["very happy"]
    assert claims.quotes("Merson 's dog and Ann 's cat") == []
    assert claims.quotes("“Curly,” she said") == ["Curly"]


@pytest.mark.parametrize(
    "sentence",
    [
        '"Books are for everyone," Ortega said.',
        'Ortega said: "Books are for everyone."',
        'According to Ortega, "Books are for everyone".',
    ],
)
def test_a_quotation_given_to_another_speaker(source: claims.Source, sentence: str) -> None:
    assert reasons(sentence, source) == [
        'quote "Books are for everyone" is said by Lopez in the article, not by Ortega'
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        '"Books are for everyone," Lopez said.',
        'Maria Lopez said: "Books are for everyone."',  # the full name of the same speaker
        'Baker told the council: "We need a new roof before the winter."',  # not the council
        '"Books are for everyone," she said.',  # no name: nothing to compare
    ],
)
def test_a_quotation_given_to_its_speaker(source: claims.Source, sentence: str) -> None:
    assert findings(sentence, source) == []


# A page that lost the space after its full stops, with two speakers of one title.
JOINED = (
    "The tower burned on Monday.Fire Minister Nick Hurd said he was sure the inquiry would "
    'find "every single cause of the fire".Former Fire Minister Ann Kerr visited the site '
    'and said: "The residents deserve answers."'
)


@pytest.mark.parametrize(
    ("sentence", "theirs", "ours"),
    [
        # The speech verb right after the name, the quotation later in the sentence.
        ('Ortega said she believed "books are for everyone".', "Lopez", "Ortega"),
        ('Lopez told the council that "we need a new roof".', "Tom Baker", "Lopez"),
        # An aside between the speaker and the verb, with a name in it that does not speak.
        ('Ortega, the mayor of Riverside, said "books are for everyone".', "Lopez", "Ortega"),
        ('Ortega later angrily remarked: "Books are for everyone."', "Lopez", "Ortega"),
    ],
)
def test_a_reported_quotation_given_to_another_speaker(
    source: claims.Source, sentence: str, theirs: str, ours: str
) -> None:
    assert findings(sentence, source) == ["misattributed"]
    assert f"is said by {theirs} in the article, not by {ours}" in reasons(sentence, source)[0]


@pytest.mark.parametrize(
    "sentence",
    [
        'Lopez said she believed "books are for everyone".',
        'Ortega met Lopez, who said she believed "books are for everyone".',
        'Lopez, the head librarian of Riverside, said "books are for everyone".',
        # A sentence between the name and the quotation: the name is not its speaker.
        'Ortega spoke. She said the librarians believe "books are for everyone".',
    ],
)
def test_a_reported_quotation_given_to_its_speaker(source: claims.Source, sentence: str) -> None:
    assert findings(sentence, source) == []


def test_the_speaker_is_the_name_after_a_title_in_joined_sentences() -> None:
    source = claims.Source(JOINED)
    wrong = 'Fire Minister Ann Kerr said the inquiry would find "every single cause of the fire".'
    assert findings(wrong, source, JOINED) == ["misattributed"]
    reason = reasons(wrong, source, JOINED)[0]
    assert "said by Fire Minister Nick Hurd in the article, not by Fire Minister Ann Kerr" in reason
    right = 'Nick Hurd said the inquiry would find "every single cause of the fire".'
    assert findings(right, source, JOINED) == []
    assert findings('Kerr said: "The residents deserve answers."', source, JOINED) == []


def test_a_speaker_the_parse_reads_as_a_noun_is_a_name_the_article_writes_as_one() -> None:
    # "Price" opening the sentence is a noun to the parse; the article names Anna Price.
    article = (
        'Tom Baker, the caretaker, said: "We need a new roof before the winter." '
        "Councillor Anna Price visited the hall on Monday."
    )
    sentence = 'Price said: "We need a new roof before the winter."'
    assert findings(sentence, claims.Source(article), article) == ["misattributed"]


def test_a_quotation_given_to_a_plural_noun_opening_the_sentence_is_no_misattribution() -> None:
    # "Ministers" is capitalised only because it opens the sentence: no one the article names.
    article = (
        "The Passport Office said it could not say how many claims were rejected, partly "
        'because of "the system failure of our customer complaint database". '
        "Ministers were told last week, and Minister Nick Hurd apologised."
    )
    source = claims.Source(article)
    quote = 'partly because of "the system failure of our customer complaint database".'
    assert (
        findings(
            f"Ministers said it could not say how many claims were rejected, {quote}",
            source,
            article,
        )
        == []
    )
    assert findings(
        f"Hurd said it could not say how many claims were rejected, {quote}", source, article
    ) == ["misattributed"]
