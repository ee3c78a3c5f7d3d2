"""The collective birthday celebration (集体祝寿) as a recorded event."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory
from visits.models import BirthdayCelebration, CelebrationGift

pytestmark = pytest.mark.django_db


@pytest.fixture
def year():
    return timezone.localdate().year


@pytest.fixture
def eighty(branch, year):
    return MemberFactory(branch=branch, name="寿星甲", birth_date=datetime.date(year - 80, 4, 2))


@pytest.fixture
def ninety(branch, year):
    return MemberFactory(branch=branch, name="寿星乙", birth_date=datetime.date(year - 90, 9, 9))


def post(client, year, attendees, gifts=(), **extra):
    data = {
        "date": f"{year}-10-20",
        "place": "老干部活动中心二楼",
        "attendees": [m.pk for m in attendees],
        "notes": "",
        "gift-TOTAL_FORMS": "3",
        "gift-INITIAL_FORMS": "0",
        **extra,
    }
    for i, (item, cost) in enumerate(gifts):
        data[f"gift-{i}-item"], data[f"gift-{i}-cost"] = item, cost
    return client.post(reverse("visits:celebrations"), data)


def test_a_celebration_is_recorded_with_who_came_and_the_gifts(client, secretary, eighty, ninety, year):
    client.force_login(secretary)
    response = post(client, year, [eighty, ninety], gifts=[("生日蛋糕", "268.00"), ("寿桃", "120")])
    assert response.status_code == 302
    celebration = BirthdayCelebration.objects.get()
    assert celebration.date == datetime.date(year, 10, 20) and celebration.place == "老干部活动中心二楼"
    assert set(celebration.attendees.all()) == {eighty, ninety}
    assert list(celebration.gifts.values_list("item", "cost")) == [
        ("生日蛋糕", Decimal("268.00")),
        ("寿桃", Decimal("120.00")),
    ]
    assert celebration.recorded_by == secretary
    page = client.get(reverse("visits:celebrations")).content.decode()
    assert "寿星甲" in page and "生日蛋糕" in page


def test_a_member_without_a_round_birthday_that_year_is_refused_in_chinese_and_nothing_is_written(
    client, secretary, eighty, branch, year
):
    seventy_nine = MemberFactory(branch=branch, name="不到八十", birth_date=datetime.date(year - 79, 4, 2))
    client.force_login(secretary)
    response = post(client, year, [eighty, seventy_nine])
    assert response.status_code == 200
    assert not BirthdayCelebration.objects.exists()
    # 79 this year, 80 next: offered, and refused for this year's celebration.
    assert f"不到八十在{year}年不是80、85、90、95或100岁整寿" in response.content.decode()


def test_a_round_birthday_of_another_year_is_refused_by_the_service(secretary, eighty, branch, year):
    from django.core.exceptions import ValidationError

    from visits.celebrations import celebration_record

    with pytest.raises(ValidationError) as refused:
        celebration_record(
            actor=secretary,
            branch=branch,
            date=datetime.date(year + 1, 3, 1),
            place="会议室",
            attendees=[eighty],
            gifts=[],
        )
    assert "寿星甲" in str(refused.value) and "整寿" in str(refused.value)
    assert not BirthdayCelebration.objects.exists()


def test_a_gift_without_a_cost_is_refused_and_nothing_is_written(client, secretary, eighty, year):
    client.force_login(secretary)
    response = post(client, year, [eighty], gifts=[("鲜花", "")])
    assert response.status_code == 200 and "请填写礼品金额" in response.content.decode()
    assert not BirthdayCelebration.objects.exists() and not CelebrationGift.objects.exists()


def test_the_list_runs_a_constant_number_of_queries(
    client, secretary, eighty, ninety, year, django_assert_max_num_queries
):
    client.force_login(secretary)
    post(client, year, [eighty], gifts=[("蛋糕", "100")])
    client.get(reverse("visits:celebrations"))
    with django_assert_max_num_queries(20) as counted:
        client.get(reverse("visits:celebrations"))
    few = len(counted.captured_queries)  # now: the next request empties the log it reads
    for n in range(3):
        post(client, year, [eighty, ninety], gifts=[("蛋糕", "100"), ("花", "50")], place=f"会场{n}")
    with django_assert_max_num_queries(few):
        assert "会场2" in client.get(reverse("visits:celebrations")).content.decode()


def test_the_form_names_each_celebrant_with_the_day_and_the_age_reached(
    client, secretary, eighty, ninety, year
):
    client.force_login(secretary)
    page = client.get(reverse("visits:celebrations")).content.decode()
    assert f'寿星甲 · <span class="text-nowrap">{year}年4月2日</span>满80岁' in page
    assert f'寿星乙 · <span class="text-nowrap">{year}年9月9日</span>满90岁' in page
    assert page.index("寿星甲") < page.index("寿星乙")  # by birthday
    assert "礼品1" in page and "礼品3" in page
