"""The member page's sections, served together by branch_portal.views.member_sections."""

import pytest
from django.urls import reverse

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_member_sections_bring_visits_attendance_dues_and_notices(
    client, secretary, own_member, django_assert_max_num_queries
):
    client.force_login(secretary)
    url = reverse("member_sections", args=[own_member.pk])
    client.get(url)  # per-process caches (roles query, templates)

    # Four apps' reads: the session, user, roles and member, visits (and their visitors), planned
    # visits, concerns, attendance, dues rates, payments, messages.
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()

    for section in ("visits", "study", "dues", "notices"):
        assert f'id="{section}-panel-heading"' in html


def test_member_sections_cost_the_same_queries_with_more_rows(
    client, secretary, own_member, branch, django_assert_max_num_queries
):
    """Constant queries: the sections read each kind of row once, whatever the member's history."""
    client.force_login(secretary)
    url = reverse("member_sections", args=[own_member.pk])
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    MemberFactory.create_batch(5, branch=branch)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_members_own_page_shows_their_dues_and_attendance_but_not_visits(client, member_user, own_member):
    client.force_login(member_user)
    html = client.get(reverse("member_sections", args=[own_member.pk])).content.decode()

    assert 'id="dues-panel-heading"' in html
    assert 'id="study-panel-heading"' in html
    assert 'id="visits-panel-heading"' not in html
