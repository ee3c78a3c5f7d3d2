import datetime

import pytest

from lib import figures
from members.models import (
    ELDERLY_AGE,
    CareCategory,
    CarePeriod,
    Member,
    aged_at_least,
    in_care_category,
)
from members.services import name_pinyin
from org.models import Branch
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_aged_at_least_80_counts_from_the_80th_birthday(branch):
    born = datetime.date(1946, 3, 15)
    member = MemberFactory(branch=branch, birth_date=born)
    eve, birthday = datetime.date(2026, 3, 14), datetime.date(2026, 3, 15)
    assert member not in Member.objects.aged_at_least(80, on=eve)
    assert member in Member.objects.aged_at_least(80, on=birthday)
    assert member in Member.objects.in_care_category(CareCategory.ELDERLY, on=birthday)
    assert member not in Member.objects.in_care_category(CareCategory.ELDERLY, on=eve)


@pytest.mark.parametrize(
    "categories",
    [
        CareCategory.values,
        [CareCategory.ELDERLY],
        [CareCategory.ALONE],
        [CareCategory.ELDERLY, CareCategory.ALONE],
    ],
)
def test_care_categories_counted_in_one_pass_are_the_filters_counts(branch, other_branch, categories):
    """The dashboard counts its member figures in one pass (`figures.Counts`) with the conditions the
    member list filters by, its care periods read for the branches counted: the same members."""
    today = datetime.date(2026, 12, 6)
    old_alone = MemberFactory(branch=branch, birth_date=datetime.date(1940, 1, 1))
    young_alone = MemberFactory(branch=branch, birth_date=datetime.date(1960, 1, 1))
    MemberFactory(branch=branch, birth_date=datetime.date(1938, 5, 1))  # 80 and over, no stored category
    MemberFactory(branch=branch, birth_date=datetime.date(1955, 5, 1))  # neither
    elsewhere = MemberFactory(branch=other_branch, birth_date=datetime.date(1960, 1, 1))
    for member in (old_alone, young_alone, elsewhere):
        CarePeriod.objects.create(
            member=member, category=CareCategory.ALONE, started_on=datetime.date(2020, 1, 1)
        )
    members = Member.objects.filter(branch=branch)

    counted = Branch.objects.filter(pk=branch.pk).values(
        counts=figures.Counts(
            members,
            elderly=aged_at_least(ELDERLY_AGE, today),
            cared=in_care_category(*categories, on=today, hashed=True),
            cared_each=in_care_category(*categories, on=today),
        )
    )[0]["counts"]

    assert counted == {
        "all": 4,
        "elderly": members.aged_at_least(ELDERLY_AGE, on=today).count(),
        "cared": members.in_care_category(*categories, on=today).count(),
        "cared_each": members.in_care_category(*categories, on=today).count(),
    }
    assert counted["cared"] == {
        (CareCategory.ALONE,): 2,
        (CareCategory.ELDERLY,): 2,
    }.get(tuple(categories), 3)


def test_leap_day_birth_counts_a_year_older_from_1_march_and_agrees_with_age_on(branch):
    member = MemberFactory(branch=branch, birth_date=datetime.date(1944, 2, 29))
    assert member in Member.objects.aged_at_least(80, on=datetime.date(2024, 2, 29))
    assert member.elderly_since == datetime.date(2024, 2, 29)
    for day, older in [(datetime.date(2025, 2, 28), False), (datetime.date(2025, 3, 1), True)]:
        assert (member in Member.objects.aged_at_least(81, on=day)) is older
        assert (member.age_on(day) >= 81) is older


def test_name_pinyin_gives_sort_key_and_initials():
    assert name_pinyin("张志远") == ("zhang zhi yuan", "zzy")


def test_name_pinyin_reads_family_names_as_names():
    assert name_pinyin("曾磊") == ("zeng lei", "zl")
    assert name_pinyin("单田芳")[1] == "stf"


def test_syllables_sort_chen_before_cheng_whatever_follows(branch):
    for name in ["程琳", "陈桂芳", "蔡建"]:
        MemberFactory(branch=branch, name=name)
    assert list(Member.objects.values_list("name", flat=True)) == ["蔡建", "陈桂芳", "程琳"]


def test_care_badges_put_elderly_first_and_read_stored_periods(branch):
    member = MemberFactory(branch=branch, birth_date=datetime.date(1930, 1, 1), living_situation="alone")
    assert [str(label) for label in member.care_badges] == [
        str(CareCategory.ELDERLY.label),
        str(CareCategory.ALONE.label),
    ]
