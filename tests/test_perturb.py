"""The perturbation rules of bench/perturb.py on hand-written sentences (no model).

Each unfaithful rule must make exactly its one error, each control must keep the meaning,
a rule that cannot apply must return None, and the same row must give the same variant on
every run.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import perturb  # noqa: E402
import perturb_clauses as clauses  # noqa: E402
import perturb_controls as controls  # noqa: E402
import perturb_errors as errors  # noqa: E402
import perturb_rewrites as rewrites  # noqa: E402
import perturb_roles as roles  # noqa: E402
from perturbations import (  # noqa: E402
    NUMBER_WORDS,
    Context,
    Entity,
    Pool,
    mentions,
    numbers,
    rng_for,
    spelled_numbers,
)

from pytest_summgate import text  # noqa: E402

ARTICLE = (
    "On Sunday, Chelsea beat Arsenal 2-1 at Stamford Bridge. "
    "Manager Jose Mourinho said the win was deserved. "
    '"We played with great courage and we deserved the points," Mourinho said. '
    "Arsenal manager Arsene Wenger said his team had not played well. "
    '"It was a difficult afternoon for us, and we must improve," Wenger told reporters. '
    "The club spent 45 million pounds on new players in 2014. "
    "Mourinho, 52, arrived in London from Madrid two years ago. "
    "Ticket prices rose 5% last season, according to the club. "
    "Dr Sarah Jones, the club doctor, said three players were injured. "
    "On Monday, Jones did not attend the meeting."
)
OTHER = (
    "Floods hit the village of Upper Ambleford in Kentshire on Tuesday. "
    '"The water came up so fast that nobody could save their furniture," Margaret Ellery said. '
    "A Russian crew helped."
)
INVENTED = "The water came up so fast that nobody could save their furniture"


def context(article: str = ARTICLE) -> Context:
    """The article's context, with a pool lent by one other article."""
    pool = Pool()
    other = Context(OTHER, text.split_sentences(OTHER), "other", pool)
    pool.entities += [("other", e) for e in other.entities]
    pool.quotes.append(("other", INVENTED))
    pool.capitalised.update(re.findall(r"\b[A-Z][a-z]+\b", OTHER))
    return Context(article, text.split_sentences(article), "this", pool)


def apply(
    rule: perturb.Rule, sentence: str, ctx: Context | None = None, seed: int = 7
) -> str | None:
    """The rule's variant of the sentence, or None."""
    variant = rule(sentence, ctx or context(), random.Random(seed))
    return None if variant is None else variant.text


def variants(rule: perturb.Rule, sentence: str, seeds: int = 30) -> set[str | None]:
    """Every variant the rule writes of the sentence over some seeds."""
    ctx = context()
    return {apply(rule, sentence, ctx, seed) for seed in range(seeds)}


def changed(old: str, new: str) -> tuple[str, str]:
    """The differing middle of two strings (common prefix and suffix removed)."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    return old[start : len(old) - end], new[start : len(new) - end]


def values(sentence: str) -> list[float]:
    found = [n.value for n in numbers(sentence)] + [v for _, _, v in spelled_numbers(sentence)]
    return sorted(float(v) for v in found)


# --- reading ------------------------------------------------------------------------------


def test_numbers_read_digits_scales_percent_and_currency() -> None:
    found = {n.text: n.value for n in numbers("He paid $ 2.6 million, 45% more, for 2,600 cars.")}
    assert found == {"$ 2.6 million": 2.6e6, "45%": 45.0, "2,600": 2600.0}
    years = [n.is_year for n in numbers("In 2014 they sold 2014 units for £5m.")]
    assert years == [True, True, False]
    assert [v for _, _, v in spelled_numbers("Forty-two of the twenty people")] == [42, 20]


def test_entities_group_a_name_and_its_surname_and_type_them() -> None:
    entities = context().entities
    kinds = {e.longest: e.kind for e in entities}
    assert kinds["Jose Mourinho"] == "person"  # full name, surname alone, speaks
    assert kinds["Arsene Wenger"] == "person"
    assert kinds["Sarah Jones"] == "person"  # a title
    assert kinds["London"] == "place"  # "in London"
    assert "Manager Jose Mourinho" not in kinds  # "manager" is a word of the article
    assert [set(e.names) for e in entities if "Mourinho" in e.names] == [
        {"Mourinho", "Jose Mourinho"}
    ]
    # "Arsenal" and "Arsene" share a Porter stem, not a word: two entities.
    assert not [e for e in entities if {"arsenal", "arsene"} <= e.tokens]


def test_a_month_that_is_a_surname_stays_in_the_name() -> None:
    found = [m.text for m in mentions("Yesterday Theresa May met the King on 4 May.")]
    assert found == ["Yesterday Theresa May", "King"]


def test_name_rules_skip_a_sentence_that_lowercases_the_names() -> None:
    # Only the first word keeps its capital: "Jose" alone is not the whole name.
    sentence = "Jose mourinho said the win was deserved."
    for rule in (errors.same_article_entity, errors.outside_name, controls.rewrite_name):
        assert apply(rule, sentence) is None
    assert apply(errors.same_article_entity, "Jose Mourinho said the win was deserved.")


def test_name_rules_do_not_apply_to_lowercased_text() -> None:
    ctx = context(ARTICLE.lower())
    assert ctx.entities == []
    sentence = "mourinho said the win was deserved."
    for rule in (errors.same_article_entity, errors.outside_name, controls.rewrite_name):
        assert apply(rule, sentence, ctx) is None


# --- unfaithful rules ---------------------------------------------------------------------


def test_number_changes_one_value_to_one_the_article_does_not_state() -> None:
    ctx = context()
    sentence = "The club spent 45 million pounds on new players in 2014."
    for seed in range(10):
        variant = apply(errors.change_number, sentence, ctx, seed)
        assert variant is not None
        _, new = changed(sentence, variant)
        assert re.fullmatch(r"\d+", new), new
        after = [v for v in values(variant) if v != 2014]
        assert len(after) == 1
        assert after[0] not in ctx.values  # a new value, not one of the article's
        assert "2014" in variant  # a year is a date, not a count


def test_number_changes_a_spelled_number_to_another_word() -> None:
    for variant in variants(errors.change_number, "Three players were injured."):
        assert variant is not None
        word = variant.split()[0]
        assert word != "Three"
        assert word[0].isupper()
        assert word.lower() in NUMBER_WORDS


def test_number_needs_a_count() -> None:
    assert apply(errors.change_number, "Mourinho said the win was deserved.") is None
    assert apply(errors.change_number, "They met in 2014.") is None
    assert apply(errors.change_number, "They met on 4 May.") is None  # a date


def test_date_changes_a_weekday_to_one_the_article_does_not_name() -> None:
    for variant in variants(errors.change_date, "Jones missed the meeting on Monday."):
        assert variant is not None
        assert variant.startswith("Jones missed the meeting on ")
        # Not Monday, nor Sunday, which the article names.
        assert variant.split()[-1] in (
            "Tuesday.",
            "Wednesday.",
            "Thursday.",
            "Friday.",
            "Saturday.",
        )


def test_date_shifts_a_year_or_a_day_and_leaves_a_surname_alone() -> None:
    for variant in variants(errors.change_date, "The club spent heavily in 2014."):
        assert variant is not None
        year = int(re.findall(r"\d{4}", variant)[0])
        assert 0 < abs(year - 2014) <= 5
    for variant in variants(errors.change_date, "They met on 4 May."):
        assert variant is not None
        assert re.fullmatch(r"They met on (\d+) May\.", variant)
        assert variant != "They met on 4 May."
    assert apply(errors.change_date, "Theresa May said the talks went well.") is None


def test_entity_puts_another_person_of_the_article_never_a_form_of_the_same() -> None:
    sentence = "Mourinho said the win was deserved."
    found = variants(errors.same_article_entity, sentence)
    # A surname for a surname, a person for a person; never "Jose" or another Mourinho.
    assert found == {"Wenger said the win was deserved.", "Jones said the win was deserved."}


def test_entity_puts_a_place_for_a_place() -> None:
    found = variants(errors.same_article_entity, "Mourinho was seen in London.", seeds=40)
    assert found == {
        "Mourinho was seen in Stamford Bridge.",
        "Mourinho was seen in Madrid.",
        "Wenger was seen in London.",
        "Jones was seen in London.",
    }


def test_entity_needs_a_second_entity_of_the_kind() -> None:
    article = "Mourinho said the win was deserved. Later Jose Mourinho left the ground."
    assert apply(errors.same_article_entity, "Mourinho left.", context(article)) is None


def test_outside_name_comes_from_another_article_and_is_unknown_here() -> None:
    ctx = context()
    for seed in range(10):
        variant = errors.outside_name("Mourinho was seen in London.", ctx, random.Random(seed))
        if variant is None:
            continue  # no name of the same kind in the pool
        new = variant.detail.split(" -> ")[1]
        assert new in OTHER
        assert not any(w.lower() in ctx.words for w in new.split())


def test_outside_name_lends_no_common_word_a_dialogue_capitalises() -> None:
    ctx = context()
    # A transcript's "Tom: Okay, ..." read as a person, and "okay" written as a word elsewhere.
    ctx.pool.entities = [("dialogue", Entity(["Okay"], {"okay"}, [], kind="person"))]
    sentence = "Mourinho praised the players."
    assert apply(errors.outside_name, sentence, ctx) == "Okay praised the players."
    ctx.pool.lowercase = {"okay"}
    assert apply(errors.outside_name, sentence, ctx) is None


def test_negation_is_removed_or_inserted_once() -> None:
    assert apply(errors.flip_negation, "Jones did not attend.") == "Jones did attend."
    assert apply(errors.flip_negation, "Jones did n't attend .") == "Jones did attend ."
    assert apply(errors.flip_negation, "They can't win.") == "They can win."
    inserted = apply(errors.flip_negation, "Three players were injured on Sunday.")
    assert inserted == "Three players were not injured on Sunday."
    assert apply(errors.flip_negation, "Chelsea beat Arsenal on Sunday.") is None
    # "has" with an object is not an auxiliary: "has not two children" is not English.
    assert apply(errors.flip_negation, "Wenger has two children.") is None


def test_swap_exchanges_the_two_sides_of_one_verb() -> None:
    assert apply(errors.swap_roles, "Chelsea beat Arsenal.") == "Arsenal beat Chelsea."
    nouns = apply(errors.swap_roles, "The police arrested the man on Sunday.")
    assert nouns == "The man arrested the police on Sunday."


def test_swap_leaves_symmetric_verbs_and_appositions_alone() -> None:
    assert apply(errors.swap_roles, "Mourinho met Wenger on Sunday.") is None
    assert apply(errors.swap_roles, "Arsenal manager Arsene Wenger spoke.") is None
    assert apply(errors.swap_roles, "The police were told about the man.") is None
    # The object is "Wenger's assistant", not Wenger: swapping the names says something else.
    assert apply(errors.swap_roles, "Mourinho told Wenger's assistant to leave.") is None


def test_invented_quote_replaces_the_words_and_keeps_the_attribution() -> None:
    sentence = '"We played with great courage and we deserved the points," Mourinho said.'
    assert apply(errors.invent_quote, sentence) == f'"{INVENTED}," Mourinho said.'
    # Scare quotes with no speech verb are not a quotation to invent.
    assert apply(errors.invent_quote, 'It was "a difficult afternoon for us" indeed.') is None


def test_misattributed_quote_goes_to_another_speaker_of_the_article() -> None:
    sentence = '"It was a difficult afternoon for us, and we must improve," Wenger told reporters.'
    for variant in variants(errors.misattribute, sentence):
        assert variant is not None
        assert changed(sentence, variant)[0] == "Wenger"
        assert changed(sentence, variant)[1] in ("Mourinho", "Jones")
    # A quotation the article does not have cannot be misattributed.
    assert apply(errors.misattribute, '"We will win the league," Wenger told reporters.') is None


def test_direction_flips_one_word_and_its_article() -> None:
    rose = apply(clauses.flip_direction, "Ticket prices rose 5% last season.")
    assert rose == "Ticket prices fell 5% last season."
    decrease = apply(clauses.flip_direction, "The club reported a decrease in sales.")
    assert decrease == "The club reported an increase in sales."
    assert apply(clauses.flip_direction, "Mourinho fell ill on Sunday.") is None
    assert apply(clauses.flip_direction, "They set up a fund.") is None
    assert apply(clauses.flip_direction, "Fans stood inside and outside the ground.") is None


@pytest.mark.parametrize(
    "sentence",
    [
        "She started crying when the verdict was read.",  # "ended crying"
        "The pupils began to sit their exams.",  # "ended to sit"
        "He ended up facing prosecution.",  # "began up"
        "Let us get started with the plan.",  # "get ended"
        "The suspension of the player had ended.",  # "had began"
        "The company will no longer be able to sell it.",  # "no shorter"
        "He did his best to make it work.",  # "his worst to"
        "The actor is best-known for the role.",  # "worst-known"
        "She suffers a brain injury and memory loss each day.",  # "memory profit"
        "The attacks caused heavy losses to public assets.",  # "heavy profits"
        "Ince (Derby County) wins a free kick in his own half.",  # "losses a free kick"
        "They discussed ways to lower the expenses of the project.",  # "to higher"
        "Firefighters and paramedics arrived on the scene.",  # "departed on the scene"
        "The insurance is more expensive but can be cancelled.",  # "more cheap"
        "The board accepted that the plan had failed.",  # "rejected that"
        "I could become stronger and stronger.",  # "weaker and stronger"
        "The hosts opened up a 16-point lead.",  # "closed up a lead"
    ],
)
def test_direction_leaves_words_whose_opposite_reads_as_garbage(sentence: str) -> None:
    assert apply(clauses.flip_direction, sentence) is None


def test_direction_flips_a_profit_or_loss_of_money_and_a_noun_win() -> None:
    loss = apply(clauses.flip_direction, "The firm made a pre-tax loss of £5m.")
    assert loss == "The firm made a pre-tax profit of £5m."
    wins = apply(clauses.flip_direction, "He has eight wins in his nine fights.")
    assert wins == "He has eight losses in his nine fights."
    started = apply(clauses.flip_direction, "He started his career at the club.")
    assert started == "He ended his career at the club."


ROLES = (
    "Jose Mourinho praised Eden Hazard after the game on Sunday. "
    "Arsene Wenger criticised the referee. "
    "Russia accused Ukraine of shelling the town. "
    "Germany condemned the attack, and Moscow denied it. "
    "Hazard scored 11 goals in 16 games this season. "
    "Donald Sterling sued the league, and Adam Silver banned Sterling."
)


def all_variants(rule: perturb.Rule, sentence: str, ctx: Context, seeds: int = 30) -> set[str]:
    """Every variant the rule writes of the sentence in this context (None left out)."""
    found = {apply(rule, sentence, ctx, seed) for seed in range(seeds)}
    return {v for v in found if v is not None}


def test_role_puts_another_name_of_the_article_in_the_subject_or_object() -> None:
    ctx = context(ROLES)
    found = all_variants(roles.move_role, "Russia accused Ukraine of shelling the town.", ctx)
    # Moscow is Russia's capital: "Moscow accused Ukraine" would be the same claim.
    assert found == {
        "Germany accused Ukraine of shelling the town.",
        "Russia accused Germany of shelling the town.",
    }
    people = all_variants(roles.move_role, "Adam Silver banned Sterling.", ctx)
    assert "Arsene Wenger banned Sterling." in people
    # Donald is Sterling's own first name, not another person.
    assert not any("Donald" in v for v in people)


def test_role_is_made_only_where_it_contradicts_the_article() -> None:
    sentence = "Russia accused Ukraine of shelling the town."
    # The article says Germany accused Ukraine too: no error to make there.
    ctx = context(ROLES + " Germany accused Ukraine of lying.")
    assert all_variants(roles.move_role, sentence, ctx) == {
        "Russia accused Germany of shelling the town."
    }
    # A symmetric verb, and a verb the article never gives these names, make no role error.
    assert apply(roles.move_role, "Mourinho met Wenger on Sunday.", context(ROLES)) is None
    assert apply(roles.move_role, "Russia praised Ukraine.", context(ROLES)) is None


def test_role_writes_the_before_a_name_the_article_writes_with_it() -> None:
    article = (
        "NHS Employers asked the Nuffield Trust to look at the workforce. "
        "The British Medical Association said it was unhappy. "
        "The British Medical Association rejected the plan."
    )
    sentence = "NHS Employers asked the Nuffield Trust to look at the workforce."
    found = all_variants(roles.move_role, sentence, context(article))
    assert found == {
        "NHS Employers asked the British Medical Association to look at the workforce."
    }
    # After a title, no name the article writes with "the": not "Mr the Lib Dems".
    article = (
        "Andrew Marr asked Mr Farron about the vote. The Lib Dems said he was right. "
        "The Lib Dems voted for it. Andrew Marr said he was pleased."
    )
    found = all_variants(roles.move_role, "Andrew Marr asked Mr Farron.", context(article))
    assert found == {"The Lib Dems asked Mr Farron."}


def test_role_puts_no_person_where_the_article_reads_another_kind() -> None:
    # spaCy may label a person an organisation; the article's own reading (a pronoun
    # after the name) says Sterling is a person, so no club or city takes his place.
    article = (
        "Liverpool sold Sterling to Manchester City on Monday. "
        "Raheem Sterling said he was happy. Sterling, 20, played at Wembley."
    )
    ctx = context(article)
    found = all_variants(roles.move_role, "Liverpool sold Sterling to Manchester City.", ctx)
    for variant in found:
        assert "Sterling" in variant, variant
    # Candidates and the replaced span alike: a recognised span that is no one name (the
    # parse's "Omar Villarreal, Communication Integration Planner") is not replaced.
    assert not roles._named("Omar Villarreal, Communication Integration Planner")
    assert not roles._named("midfield")
    assert not roles._named("deviceThe stadium")
    assert roles._named("Republic of Ireland")


def test_figure_exchanges_the_numbers_of_two_nouns() -> None:
    ctx = context(ROLES)
    sentence = "Hazard scored 11 goals in 16 games this season."
    assert all_variants(roles.rebind_figure, sentence, ctx) == {
        "Hazard scored 16 goals in 11 games this season."
    }
    # Where the article also says "16 goals", the exchange says something it states.
    assert apply(roles.rebind_figure, sentence, context(ROLES + " He has 16 goals now.")) is None
    # A unit written onto its number ("2km") is not a noun to exchange with.
    article = "Three vehicles collided 2km south of Fernvale."
    assert apply(roles.rebind_figure, article, context(article)) is None
    # A day of the month the parse reads as a count is a date, not a figure.
    article = "A total of 367 people remain in hospital after the 12 August blast."
    assert apply(roles.rebind_figure, article, context(article)) is None


CLAUSES = context("Sales rose. Prices fell. Smith resigned. The company was sold.")


def test_clause_negation_flips_a_subordinate_clause_only() -> None:
    ctx = CLAUSES
    found = all_variants(
        clauses.clause_negation, "Shares rose by 3% as investors welcomed the news.", ctx
    )
    assert found == {"Shares rose by 3% as investors did not welcome the news."}
    removed = all_variants(
        clauses.clause_negation, "Police said the player had not been injured.", ctx
    )
    assert removed == {"Police said the player had been injured."}
    relative = all_variants(clauses.clause_negation, "Police found the car, which was stolen.", ctx)
    assert relative == {"Police found the car, which was not stolen."}


def test_clause_negation_leaves_conditions_denials_and_participles_alone() -> None:
    for sentence in (
        "He will resign if the board rejects the plan.",
        "He refused to say whether he had taken the money.",
        "The club did not say that the player was injured.",
        "Having only scored four goals, the side sold him.",
        "Sales rose sharply last year.",  # one clause
    ):
        assert apply(clauses.clause_negation, sentence, CLAUSES) is None, sentence


@pytest.mark.parametrize(
    ("sentence", "garbled"),
    [
        # spaCy lemmatises "hopes" as "hop": "does not hop to raise".
        ("The campaign, which hopes to raise $500,000, begins April 16.", "does not hop"),
        # A past it tags as a present: "when he does not leap".
        ("Phillips fell down the cliff when he leapt over a fence.", "does not leap"),
        # Half of a hyphenated word: "who did not re-pointed".
        ("Mystery surrounds who re-pointed the camera in the city.", "not re"),
        # A focus word before the verb: "only does not cost".
        ("The agent recommended the plan, which only costs $20 a month.", "only does"),
        # A past it tags as a present for a singular subject: "flowers do not lay".
        ("It was cordoned off by police tape and a bunch of flowers lay outside.", "not lay"),
        # A name it reads as a verb in a lowercased article: "kelly do not robarge".
        (
            "james robarge , 45 , was sentenced on friday for murder in the death of his wife"
            " kelly robarge , 42 , who disappeared from her home .",
            "not robarge",
        ),
    ],
)
def test_clause_negation_leaves_verbs_it_would_garble(sentence: str, garbled: str) -> None:
    for variant in all_variants(clauses.clause_negation, sentence, CLAUSES):
        assert garbled not in variant, variant


def test_clause_negation_reads_no_name_of_the_article_as_a_verb() -> None:
    # A lowercased summary: the parse reads the surname "robarge" as a present verb.
    ctx = context("James Robarge was sentenced on Friday. Kelly Robarge disappeared in June.")
    sentence = (
        "robarge was convicted of second-degree murder in the death of his wife kelly robarge ."
    )
    for variant in all_variants(clauses.clause_negation, sentence, ctx):
        assert "not robarge" not in variant, variant


def test_clause_direction_flips_a_word_of_a_later_clause() -> None:
    sentence = "Sales rose sharply, but the team lost by 2 points."
    assert all_variants(clauses.clause_direction, sentence, CLAUSES) == {
        "Sales rose sharply, but the team won by 2 points."
    }
    # The main clause's direction is the direction rule's, not this one's.
    assert apply(clauses.clause_direction, "Sales rose 5% last year.", CLAUSES) is None


def test_reordered_moves_the_trailing_clause_to_the_front_with_the_flip_inside() -> None:
    sentence = "Smith resigned after he was charged with fraud."
    negated = all_variants(clauses.reordered_negation, sentence, CLAUSES)
    assert negated == {"After he was not charged with fraud, Smith resigned."}
    turned = all_variants(clauses.reordered_direction, sentence, CLAUSES)
    assert turned == {"Before he was charged with fraud, Smith resigned."}
    assert apply(clauses.clause_moved, sentence, CLAUSES) == (
        "After he was charged with fraud, Smith resigned."
    )
    lower = apply(clauses.clause_moved, "Prices rose 5% last year, while wages fell 2%.", CLAUSES)
    assert lower == "While wages fell 2%, prices rose 5% last year."


def test_reordered_needs_a_clause_of_the_root_that_ends_the_sentence() -> None:
    for sentence in (
        "The company said it would cut jobs, although profits fell sharply.",  # under "cut"
        "After the match, Smith resigned.",  # already in front
        '"We lost," he said after the match ended.',  # a quotation
        # A comparison with no subject before its verb cannot open the sentence.
        "Faith is a third-rail issue, as is revealing decisions before they are announced.",
        "Prices rose sharply last year, as did wages.",
    ):
        for rule in (clauses.reordered_negation, clauses.clause_moved):
            assert apply(rule, sentence, CLAUSES) is None, sentence


# --- controls -----------------------------------------------------------------------------


def test_reorder_moves_a_clause_and_keeps_every_word() -> None:
    moved = apply(controls.reorder, "After the match, the manager praised his players.")
    assert moved == "The manager praised his players after the match."
    trailing = apply(controls.reorder, "The club sold the stadium last week.")
    assert trailing == "Last week, the club sold the stadium."
    according = apply(controls.reorder, "Ticket prices rose by a fifth, according to the club.")
    assert according == "According to the club, ticket prices rose by a fifth."
    names = apply(controls.reorder, "New Zealand's bank raised its rates on Wednesday.")
    assert names == "On Wednesday, New Zealand's bank raised its rates."
    # A second verb could take the moved phrase: not reordered.
    assert apply(controls.reorder, "After the match, he said they had lost.") is None
    assert apply(controls.reorder, "He failed to stop her fleeing last year.") is None


@pytest.mark.parametrize(
    ("sentence", "written"),
    [
        ("They sold 40 tickets.", "They sold forty tickets."),
        ("Forty people came.", "40 people came."),
        ("Prices rose by 40%.", "Prices rose by 40 per cent."),
        ("The club spent £5m on players.", "The club spent £5 million on players."),
        ("It cost 2,600,000 dollars.", "It cost 2.6 million dollars."),
    ],
)
def test_number_format_keeps_the_value(sentence: str, written: str) -> None:
    assert apply(controls.rewrite_number, sentence) == written
    assert values(written) == values(sentence)


def test_number_format_writes_a_share_in_tens_and_leaves_names_alone() -> None:
    found = variants(controls.rewrite_number, "Some 40% of fans agreed.")
    assert found == {"Some 40 per cent of fans agreed.", "Some 4 in 10 fans agreed."}
    assert apply(controls.rewrite_number, "He took the 6 train.") is None  # a line's name
    assert apply(controls.rewrite_number, "The tower is 53m tall.") is None  # metres?
    assert apply(controls.rewrite_number, "Tickets go on sale on April 19.") is None  # a date


def test_name_variant_writes_the_same_person_another_way() -> None:
    found = variants(controls.rewrite_name, "Dr Sarah Jones said three players were hurt.")
    names = {v.split(" said")[0] for v in found if v is not None}
    assert {"Dr Jones", "Sarah Jones"} <= names  # surname alone, title dropped
    spellings = names - {"Dr Jones", "Sarah Jones"}
    assert spellings  # one letter of the surname, as transliterations differ
    assert all(re.fullmatch(r"Dr Sarah J\w{3,5}", s) for s in spellings), spellings
    added = variants(controls.rewrite_name, "Jones said three players were hurt.")
    assert "Dr Jones said three players were hurt." in added  # the article's own title


def test_name_variant_needs_a_known_person() -> None:
    assert apply(controls.rewrite_name, "The club sold the stadium.") is None
    assert apply(controls.rewrite_name, "Fans in London cheered.") is None  # a place


def test_adjectival_forms_keep_the_place() -> None:
    ctx = context("Troops from Russia reached the border. A firm based in London won the contract.")
    assert (
        apply(controls.adjectival, "Russia's army is large.", ctx) == "The Russian army is large."
    )
    based = apply(controls.adjectival, "A London-based firm said it had won.", ctx)
    assert based == "A firm based in London said it had won."
    # "London-based property firm": the word after the compound may not be its noun.
    assert apply(controls.adjectival, "A London-based property firm won.", ctx) is None
    assert apply(controls.adjectival, "The army is large.", ctx) is None
    # Not "the Russian only border": a possessive before "only", "own", "-est" stays.
    assert apply(controls.adjectival, "Russia's only army is large.", ctx) is None
    # A demonym no article writes ("Londonian") is not made up; London has no rule anyway.
    shibuya = context("Officials from Shibuya met. Shibuya's ward office opened.")
    assert apply(controls.adjectival, "Shibuya's ward office opened.", shibuya) is None
    # "Islamist" names no person or place of the article: no "insurgency led by Islamist".
    assert apply(controls.adjectival, "They fought an Islamist-led insurgency.", ctx) is None


def test_quote_short_keeps_a_verbatim_first_part() -> None:
    sentence = '"It was a difficult afternoon for us, and we must improve," Wenger told reporters.'
    short = apply(controls.shorten_quote, sentence)
    assert short == '"It was a difficult afternoon for us," Wenger told reporters.'
    # No clause break inside: cutting would change what it says.
    assert apply(controls.shorten_quote, '"There is no magic bullet here at all," he said.') is None


def test_negation_paraphrase_keeps_the_polarity() -> None:
    attend = apply(controls.paraphrase_negation, "Jones did not attend the meeting.")
    assert attend == "Jones stayed away from the meeting."
    assert apply(controls.paraphrase_negation, "He was not aware of it.") == "He was unaware of it."
    refused = apply(controls.paraphrase_negation, "The club refused to comment.")
    assert refused == "The club would not comment."
    assert apply(controls.paraphrase_negation, "The club has refused to comment.") is None


def test_unchanged_is_the_sentence() -> None:
    assert apply(controls.unchanged, "Chelsea beat Arsenal.") == "Chelsea beat Arsenal."


REWRITES = (
    "Jose Mourinho praised the Danish government on Sunday. "
    "Mourinho said the European Union must act. "
    "Nato allies met in Copenhagen, where Denmark's prime minister spoke. "
    "The club's shares fell 5% after the new rules were published. "
    "Protesters gathered in the capital. "
    "Sarah Jones and Tom Jones left the club."
)


def test_fuller_name_writes_the_article_s_full_name_or_the_surname() -> None:
    ctx = context(REWRITES)
    fuller = apply(rewrites.fuller_name, "Mourinho said the European Union must act.", ctx)
    assert fuller == "Jose Mourinho said the European Union must act."
    shorter = apply(rewrites.fuller_name, "Jose Mourinho praised the team.", ctx)
    assert shorter == "Mourinho praised the team."
    # Two people of the article are Jones: the surname alone would not say which.
    assert apply(rewrites.fuller_name, "Sarah Jones left the club.", ctx) is None
    assert apply(rewrites.fuller_name, "Jones left the club.", ctx) is None
    # A name is cut only to a last word the article uses alone: "Xi" is the surname of Xi
    # Jinping, and "Haram" alone names nothing.
    china = context("President Xi Jinping met the leaders. Xi Jinping said he was pleased.")
    assert apply(rewrites.fuller_name, "Xi Jinping said he was pleased.", china) is None
    # A surname after a name particle is part of a longer name: no "Santos da Santos Silva".
    silva = context("Elizeu Santos Silva, 47, died. Police said Silva was shot.")
    assert apply(rewrites.fuller_name, "Elizeu Santos da Silva, 47, died.", silva) is None
    quoted = apply(rewrites.fuller_name, "Fans ` dream of Mourinho ' and his return.", ctx)
    assert quoted is None
    # "Potro" alone: only where a page lost a space ("deviceDel Potro").
    tennis = "Video is not supported on this deviceDel Potro won. Del Potro, 27, was happy."
    assert not rewrites._alone("Del Potro", tennis)
    assert rewrites._alone("Jose Mourinho", REWRITES)


def test_demonym_writes_the_country_as_an_adjective_and_back() -> None:
    ctx = context(REWRITES)
    owner = apply(rewrites.demonym, "Mourinho praised the Danish government on Sunday.", ctx)
    assert owner == "Mourinho praised Denmark's government on Sunday."
    adjective = apply(rewrites.demonym, "Denmark's prime minister spoke.", ctx)
    assert adjective == "The Danish prime minister spoke."
    assert apply(rewrites.demonym, "The French and German governments met.", ctx) is None
    assert apply(rewrites.demonym, "Denmark's new minister spoke.", ctx) is None
    assert apply(rewrites.demonym, "The minister is of Danish descent.", ctx) is None


def test_acronym_writes_an_organisation_short_or_in_full() -> None:
    ctx = context(REWRITES)
    short = apply(rewrites.acronym, "Mourinho said the European Union must act.", ctx)
    assert short == "Mourinho said the EU must act."
    allies = apply(rewrites.acronym, "Nato allies met in Copenhagen.", ctx)
    assert allies == "North Atlantic Treaty Organization allies met in Copenhagen."
    said = apply(rewrites.acronym, "He said Nato would act.", ctx)
    assert said == "He said the North Atlantic Treaty Organization would act."
    assert apply(rewrites.acronym, "Chelsea won the FA Cup.", ctx) is None  # part of a name
    # Not inside a quotation, in double or single marks: it would no longer be verbatim.
    for quoted in (
        "It reads: ‘A degree of the UK’s influence flows from whether the UK can grow.’",
        'He said: "The European Union must act."',
    ):
        assert apply(rewrites.acronym, quoted, ctx) is None, quoted
    # The article before it follows the new first sound: not "An Royal Society ...".
    rspca = apply(rewrites.acronym, "An RSPCA spokesman said it was unclear.", ctx)
    assert rspca == (
        "A Royal Society for the Prevention of Cruelty to Animals spokesman said it was unclear."
    )
    un = apply(rewrites.acronym, "A United Nations official said it was unclear.", ctx)
    assert un == "A UN official said it was unclear."
    defined = context("The Football Writers Association (FWA) met. The FWA voted.")
    assert apply(rewrites.acronym, "The FWA voted.", defined) == (
        "The Football Writers Association voted."
    )


def test_plural_opening_starts_the_sentence_with_a_plural_common_noun() -> None:
    ctx = context(REWRITES)
    assert apply(rewrites.plural_opening, "The new rules were published.", ctx) == (
        "New rules were published."
    )
    assert apply(rewrites.plural_opening, "The club's shares fell 5%.", ctx) == (
        "Shares of the club fell 5%."
    )
    assert apply(rewrites.plural_opening, "The club was sold on Sunday.", ctx) is None
    # A singular that ends in s, and a team the article names "The Hawks", keep their "the".
    assert apply(rewrites.plural_opening, "The original miniseries drew 100 viewers.", ctx) is None
    hawks = context("The Hawks were arrested on Sunday, police said. The Hawks deny it.")
    lowered = "the hawks were not involved in the stabbing incident, police said."
    assert apply(rewrites.plural_opening, lowered, hawks) is None


def test_outside_knowledge_names_a_capital_by_what_it_is_and_back() -> None:
    article = "Protesters from Ukraine gathered in the capital. Thousands marched in Kiev."
    ctx = context(article)
    assert apply(rewrites.outside_knowledge, "Thousands marched in Kiev.", ctx) == (
        "Thousands marched in the Ukrainian capital."
    )
    # Where the recogniser reads the city as a person ("to Kiev" here), nothing is written.
    assert apply(rewrites.outside_knowledge, "They marched to Kiev.", ctx) is None
    assert apply(rewrites.outside_knowledge, "Protesters gathered in the capital.", ctx) == (
        "Protesters gathered in Kiev."
    )
    # With two countries in the article, "the capital" is not known to be Kiev.
    two = context(article + " Russia sent troops.")
    assert apply(rewrites.outside_knowledge, "Protesters gathered in the capital.", two) is None
    # A capital whose country the article never names is not made its demonym's capital.
    assert apply(rewrites.outside_knowledge, "They flew to Paris.", ctx) is None
    # Part of a longer name: not "from East the Ukrainian capital".
    assert apply(rewrites.outside_knowledge, "Thousands marched in East Kiev.", ctx) is None
    assert apply(rewrites.outside_knowledge, "Thousands marched in east Kiev.", ctx) is None
    # A name beside it already says which: not "from the Ukrainian capital, Ukraine" or
    # "from Kiev, Kiev".
    assert apply(rewrites.outside_knowledge, "He reported from Kiev, Ukraine.", ctx) is None
    assert apply(rewrites.outside_knowledge, "He reported from the capital, Kiev.", ctx) is None


# --- determinism and the benchmark loop -----------------------------------------------------


def test_rng_for_gives_the_same_draws_for_the_same_key() -> None:
    first = [rng_for("row:number").random() for _ in range(3)]
    assert first == [rng_for("row:number").random() for _ in range(3)]
    assert rng_for("row:number").random() != rng_for("row:date").random()


def split_data() -> perturb.SplitData:
    data = perturb.SplitData()
    for doc, article in (("d:1", ARTICLE), ("d:2", OTHER)):
        data.articles[doc] = article
        for i, s in enumerate(text.split_sentences(article)):
            if perturb.usable(s):
                data.sources.append(perturb.Source(f"{doc}/a{i}", "d", "dev", doc, "article", s))
    return data


def test_generate_gives_the_same_cases_on_every_run() -> None:
    first = perturb.generate(split_data(), per_type=5)
    assert first == perturb.generate(split_data(), per_type=5)
    types = {c.type for c in first}
    assert {"number", "date", "negation", "swap", "direction", "unchanged"} <= types
    for case in first:
        assert case.faithful == (case.type in perturb.CONTROLS)
        assert (case.summary == case.original) == (case.type == "unchanged")
        assert text.split_sentences(case.summary) == [case.summary]


def test_generate_caps_each_type() -> None:
    counts: dict[str, int] = {}
    for case in perturb.generate(split_data(), per_type=1):
        counts[case.type] = counts.get(case.type, 0) + 1
    assert counts
    assert set(counts.values()) == {1}


def test_usable_skips_headings_and_fragments() -> None:
    assert perturb.usable("Chelsea beat Arsenal 2-1 at Stamford Bridge on Sunday.")
    assert not perturb.usable("Man Utd Beat Chelsea In The Cup Final At Wembley On Sunday.")
    assert not perturb.usable('It was great," said Cook, who made 105 runs in the match.')
    assert not perturb.usable("Short one.")


def test_missing_benchmarks_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert perturb.main(["--benchmarks", str(tmp_path / "nowhere")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "nowhere" in err
