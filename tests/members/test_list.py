import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from lib.calendar import years_before
from members.models import CareCategory, Member
from tests.factories import ContactGroupFactory, MemberFactory
from tests.members.factories import bulk_members

pytestmark = pytest.mark.django_db
URL = reverse("members:list")
# A page served from the cache reads only the user and the user's roles (the session is cached).


def names(response) -> list[str]:
    return [m.name for m in response.context["page"].object_list]


def born_aged(age: int) -> datetime.date:
    """A birth date giving `age` today (mid-year, away from the birthday)."""
    return years_before(timezone.localdate(), age) - datetime.timedelta(days=100)


@pytest.fixture
def roster(branch, group, committee):
    other_group = ContactGroupFactory(branch=branch, number=2, leader=committee)
    return {
        "zhang": MemberFactory(
            branch=branch, name="张志远", birth_date=born_aged(88), contact_group=group, district="海淀区"
        ),
        "chen": MemberFactory(
            branch=branch,
            name="陈桂芳",
            birth_date=born_aged(72),
            contact_group=other_group,
            district="西城区",
            living_situation="alone",
        ),
        "cheng": MemberFactory(
            branch=branch,
            name="程琳",
            birth_date=born_aged(65),
            contact_group=group,
            district="海淀区",
            condition="hospitalised",
        ),
        "wang": MemberFactory(
            branch=branch,
            name="王建国",
            birth_date=born_aged(91),
            contact_group=other_group,
            status="deceased",
            status_changed_on=datetime.date(2025, 1, 2),
        ),
        "other_group": other_group,
    }


def test_list_sorts_active_members_by_pinyin_by_default(client, secretary, roster):
    client.force_login(secretary)
    assert names(client.get(URL)) == ["陈桂芳", "程琳", "张志远"]


def test_pinyin_initials_find_zhang_zhiyuan(client, secretary, roster):
    client.force_login(secretary)
    assert names(client.get(URL, {"q": "zzy"})) == ["张志远"]
    assert names(client.get(URL, {"q": "ZhiYuan"})) == ["张志远"]
    assert names(client.get(URL, {"q": "志远"})) == ["张志远"]


def test_filters_by_group_district_and_status(client, secretary, roster, group):
    client.force_login(secretary)
    assert names(client.get(URL, {"contact_group": group.pk})) == ["程琳", "张志远"]
    assert names(client.get(URL, {"district": "西城区"})) == ["陈桂芳"]
    assert names(client.get(URL, {"status": "deceased"})) == ["王建国"]
    assert names(client.get(URL, {"status": ""})) == ["陈桂芳", "程琳", "王建国", "张志远"]


def test_filters_by_care_category_elderly_and_any(client, secretary, roster):
    client.force_login(secretary)
    assert names(client.get(URL, {"care": "elderly"})) == ["张志远"]
    assert names(client.get(URL, {"care": "alone"})) == ["陈桂芳"]
    assert names(client.get(URL, {"care": "any"})) == ["陈桂芳", "程琳", "张志远"]


def test_filters_by_age_band(client, secretary, roster):
    client.force_login(secretary)
    assert names(client.get(URL, {"age": "under70"})) == ["程琳"]
    assert names(client.get(URL, {"age": "70s"})) == ["陈桂芳"]
    assert names(client.get(URL, {"age": "80s"})) == ["张志远"]
    assert names(client.get(URL, {"age": "90plus", "status": ""})) == ["王建国"]


def test_rows_show_age_group_phone_and_care_badges_as_text(client, secretary, roster):
    client.force_login(secretary)
    html = client.get(URL, {"q": "cgf"}).content.decode()
    assert "陈桂芳" in html and ">72<" in html and roster["other_group"].name in html
    assert roster["chen"].phone.as_national in html
    assert 'class="badge badge-care me-1">Living alone<' in html or "独居" in html


def test_phone_column_links_valid_numbers_and_shows_others_as_entered(client, secretary, branch, group):
    MemberFactory(branch=branch, contact_group=group, name="甲", phone="+8613812345678")
    MemberFactory(branch=branch, contact_group=group, name="乙", phone="")
    odd = MemberFactory(branch=branch, contact_group=group, name="丙")
    Member.objects.filter(pk=odd.pk).update(phone="12345")  # as an old import might have left it
    client.force_login(secretary)
    html = client.get(URL).content.decode()
    assert '<a href="tel:+8613812345678">138 1234 5678</a>' in html
    assert 'class="text-nowrap">—</td>' in html
    assert '<a href="tel:+8612345">12345</a>' in html


def test_group_filter_offers_only_the_users_branches(client, secretary, roster, other_branch):
    foreign = ContactGroupFactory(branch=other_branch, number=1)
    client.force_login(secretary)
    response = client.get(URL, {"contact_group": foreign.pk})
    assert names(response) == []
    assert response.context["filter"].errors


def test_htmx_request_gets_only_the_results(client, secretary, roster):
    client.force_login(secretary)
    html = client.get(URL, {"q": "zzy"}, headers={"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith('<div id="member-results">')
    assert "张志远" in html
    # The column labels, translated once above the rows, come with the partial.
    assert '<th scope="col">年龄</th>' in html and 'data-label="年龄"' in html


def test_fifty_a_page(client, secretary, branch, group):
    bulk_members(branch, 120, [group])
    client.force_login(secretary)
    first, last = client.get(URL), client.get(URL, {"page": 3})
    assert len(first.context["page"].object_list) == 50
    assert len(last.context["page"].object_list) == 20
    assert first.context["page"].paginator.count == 120


@pytest.mark.parametrize("count", [50, 500])
def test_list_runs_a_constant_number_of_queries(
    client, secretary, branch, group, committee, count, django_assert_max_num_queries
):
    groups = [group, ContactGroupFactory(branch=branch, number=2, leader=committee)]
    bulk_members(branch, count, groups)
    client.force_login(secretary)
    with django_assert_max_num_queries(10):
        response = client.get(URL, {"care": "any", "district": "海淀区"})
    expected = Member.objects.in_care_category(*CareCategory.values).count()
    assert response.context["page"].paginator.count == expected
    assert len(response.context["page"].object_list) == min(50, expected)
