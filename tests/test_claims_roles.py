"""Roles: the subject and object of one verb swapped against the passage, for any noun
phrases (lowercase text too); the same claim said another way is no swap."""

from __future__ import annotations

import pytest

from pytest_summgate.metrics import claims

PASSAGE = "The winds carried the smoke from the hills across the bay to the city."
SOURCE = claims.Source(f"The fire burned for a week. {PASSAGE} The Florida-based team won.")


def kinds(sentence: str, passage: str = PASSAGE) -> list[str]:
    return [f.kind for f in claims.check(sentence, SOURCE, passage).findings]


def test_the_subject_and_object_of_one_verb_swapped() -> None:
    assert [
        f.text
        for f in claims.check(
            "The smoke carried the winds from the hills across the bay.", SOURCE, PASSAGE
        ).findings
    ] == ['roles swapped: the article has "winds" before "carried" and "smoke" after it']
    assert kinds("the smoke carried the winds from the hills across the bay .") == ["swap"]


@pytest.mark.parametrize(
    ("sentence", "passage"),
    [
        ("The winds carried the smoke across the bay.", PASSAGE),
        ("The smoke was carried by the winds across the bay.", PASSAGE),  # a passive
        ("The team based in Florida won.", "The Florida-based team won."),
        ("Arsenal face Chelsea in the final.", "Chelsea face Arsenal in the final."),  # symmetric
    ],
)
def test_the_same_claim_said_another_way_is_no_swap(sentence: str, passage: str) -> None:
    assert "swap" not in kinds(sentence, passage)


def test_roles_swapped_around_a_possessive_or_told() -> None:
    passage = "The judge ordered its closure for six weeks."
    source = claims.Source(f"The club was fined. {passage}")
    assert [
        f.kind
        for f in claims.check(
            "Its closure ordered the judge for six weeks.", source, passage
        ).findings
    ] == ["swap"]
    assert (
        claims.check("The judge ordered the closure for six weeks.", source, passage).findings == ()
    )
    told = "Police spokeswoman Anna Berg told Riverside Radio the search was over."
    source = claims.Source(f"A search began. {told}")
    swapped = "Police spokeswoman Riverside Radio told Anna Berg the search was over."
    assert [f.kind for f in claims.check(swapped, source, told).findings] == ["swap"]
    same = "Anna Berg told Riverside Radio that the search was over."
    assert claims.check(same, source, told).findings == ()
