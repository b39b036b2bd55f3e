"""Claim checks on small hand-made article/summary pairs: numbers, names, quotes, negation."""

from __future__ import annotations

import pytest

from pytest_summgate.metrics import claims

ARTICLE = (
    "Komoyedov warned that the ceasefire was not holding, highlighted by the downing of a "
    "Ukrainian military helicopter in which nine died. V. Stiviano must pay back $2.6 million "
    "in gifts. Paul Merson's dog bit 45% of the players on Monday. "
    "'There will be no business as usual with Russia,' Rasmussen said."
)


@pytest.fixture(scope="module")
def source() -> claims.Source:
    return claims.Source(ARTICLE)


def values(sentence: str) -> list[float]:
    return [q.value for q in claims.quantities(sentence)]


def test_quantities_in_digits_words_units_and_percentages() -> None:
    assert values("45 people died") == [45]
    assert values("nine died, twenty-five were hurt") == [9, 25]
    assert values("$ 2.6 million and 2,600,000 and £5m") == [2.6e6, 2.6e6, 5e6]
    assert values("two hundred and fifty, one of them 84-year-old") == [84, 250]
    assert values("up 45% or 45 per cent") == [45, 45]


def test_a_lone_one_is_not_a_count() -> None:
    assert values("one of the players said") == []


def test_number_not_in_the_article(source: claims.Source) -> None:
    assert claims.unseen_numbers("A helicopter was downed and 45 people died.", source) == []
    assert claims.unseen_numbers("A helicopter was downed and 12 people died.", source) == ["12"]


def test_spelled_and_digit_numbers_match_each_other(source: claims.Source) -> None:
    assert claims.unseen_numbers("9 died in the helicopter.", source) == []
    assert claims.unseen_numbers("Forty-five percent were bitten.", source) == []
    assert claims.unseen_numbers("eleven died in the helicopter.", source) == ["eleven"]


def test_scaled_numbers_keep_their_scale(source: claims.Source) -> None:
    assert claims.unseen_numbers("Stiviano must repay $2,600,000.", source) == []
    assert claims.unseen_numbers("Stiviano must repay $2.6 billion.", source) == ["2.6 billion"]


def test_dates_count_as_claims(source: claims.Source) -> None:
    assert claims.unseen_numbers("The dog bit players on Monday.", source) == []
    assert claims.unseen_numbers("The dog bit players on Friday.", source) == ["friday"]


def test_names_need_mixed_case() -> None:
    assert claims.names("Angela Merkel met NATO leaders in Brussels.") == [
        "Angela Merkel",
        "NATO",
        "Brussels",
    ]
    assert claims.names("Separatists want troops.") == []
    assert claims.is_mixed_case("Angela Merkel met NATO leaders.")
    assert not claims.is_mixed_case("paul merson 's dog bit players . but he said so .")


def test_a_name_ends_at_punctuation_and_keeps_its_abbreviation() -> None:
    assert claims.names("Later, Mike asks Ann about the milk.") == ["Mike", "Ann"]
    assert claims.names("In Ukraine, U.K. activists met.") == ["Ukraine", "U.K"]
    assert claims.names("Merkel said so.") == []
    assert claims.names("Merkel said so.", initial=True) == ["Merkel"]


def test_name_not_in_the_article(source: claims.Source) -> None:
    sentence = "Angela Merkel said Paul Merson's dog bit players."
    assert claims.unseen_names(sentence, source) == ["Angela Merkel"]


def test_lowercased_and_tokenized_text_matches_the_article(source: claims.Source) -> None:
    assert claims.tokens("Merson 's dog") == claims.tokens("Merson's dog") == ["merson", "dog"]
    assert claims.tokens("he do n't") == claims.tokens("he don't") == ["he", "do", "not"]
    assert claims.novel_words(claims.tokens("paul merson 's dog bit players"), source) == []
    assert claims.novel_words(claims.tokens("angela merkel 's dog"), source) == [
        "angela",
        "merkel",
    ]
    assert claims.unseen_names("Paul Merson 's dog bit the players.", source) == []


def test_quotes_must_be_near_verbatim(source: claims.Source) -> None:
    kept = "Rasmussen said 'there will be no business as usual with Russia'."
    invented = 'Rasmussen said "Russia\'s illegal annexation of Crimea is a disgrace".'
    assert claims.unsupported_quotes(kept, source) == []
    assert claims.unsupported_quotes(invented, source) == [
        "Russia's illegal annexation of Crimea is a disgrace"
    ]
    assert claims.quotes("He said `` no deal '' today") == ["no deal"]
    # CNN/DM tokenized quotes, and clitics that open no quotation.
    assert claims.quotes("they 're ` very happy ' with him") == ["very happy"]
    assert claims.quotes("Merson 's dog and Ann 's cat") == []


def test_negation_flip() -> None:
    passage = claims.tokens("The ceasefire was not holding in eastern Ukraine.")
    assert claims.negation_flip(claims.tokens("The ceasefire was holding."), passage) == "holding"
    assert claims.negation_flip(claims.tokens("The ceasefire is not holding."), passage) == ""
    assert claims.negation_flip(claims.tokens("The truce was n't holding."), passage) == ""


def test_swapped_names() -> None:
    passage = "Chelsea beat Arsenal 2-0 at the Emirates."
    assert claims.swapped_names("Arsenal beat Chelsea 2-0.", passage) == ("Arsenal", "Chelsea")
    assert claims.swapped_names("Chelsea beat Arsenal 2-0.", passage) is None


def test_a_metric_with_decisive_reasons_round_trips_through_the_cache_record() -> None:
    from pytest_summgate.metrics import Metric, _metric, _record

    metric = Metric(0.0, ("unsupported (decisive): ...",), decisive=("number 45 is new",))
    assert _metric(_record(metric)) == metric
    old = {"value": 0.5, "evidence": ["x"], "skipped": ""}  # written before decisive existed
    assert _metric(old) is None
    assert _metric({**old, "decisive": [1]}) is None


def test_a_finding_is_decisive_only_for_a_decisive_kind() -> None:
    assert set(claims.DECISIVE_KINDS) <= set(claims.KINDS)
    for kind in claims.KINDS:
        assert claims.finding(kind, "x").decisive == (kind in claims.DECISIVE_KINDS)
