"""The member page's sections, served together by branch_portal.views.member_sections."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dues import services as dues_services
from visits import services as visits_services
from visits.models import PlannedVisit

pytestmark = pytest.mark.django_db


def test_member_sections_bring_visits_attendance_dues_and_notices(
    client, secretary, own_member, django_assert_max_num_queries
):
    client.force_login(secretary)
    url = reverse("member_sections", args=[own_member.pk])
    client.get(url)  # per-process caches (roles query, templates)

    # The session (no cache in tests), user, roles and member, then four apps' reads: visits with their
    # visitors, planned visits, concerns, attendance, talks and essays, dues rates with payments, messages.
    with django_assert_max_num_queries(11):
        html = client.get(url).content.decode()

    for section in ("visits", "study", "dues", "notices"):
        assert f'id="{section}-panel-heading"' in html


def test_member_sections_cost_the_same_queries_with_more_rows(
    client, secretary, liaison, own_member, django_assert_max_num_queries
):
    """Constant queries: the sections read each kind of row once, whatever the member's history."""
    client.force_login(secretary)
    url = reverse("member_sections", args=[own_member.pk])
    client.get(url)
    with django_assert_max_num_queries(11) as few:
        client.get(url)
    today = timezone.localdate()
    for days in (3, 2, 1):
        visits_services.visit_record(
            actor=secretary,
            member=own_member,
            date=today - datetime.timedelta(days=days),
            kind=PlannedVisit.Kind.ROUTINE,
            visitors=[secretary, liaison],
        )
    for month in (1, 2):
        first = datetime.date(today.year - 1, month, 1)
        dues_services.dues_rate_set(
            actor=secretary, member=own_member, valid_from=first, monthly_pension=Decimal("4000.00")
        )
        dues_services.payment_record(
            actor=secretary,
            member=own_member,
            first_month=first,
            last_month=first,
            amount=Decimal("20.00"),
            paid_on=first,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count(f"{secretary}、{liaison}") == 3
    assert html.count("20.00") >= 2


def test_a_visits_visitors_are_listed_in_the_order_they_were_recorded(client, secretary, liaison, own_member):
    client.force_login(secretary)
    for visitors in ([secretary, liaison], [liaison, secretary]):
        visits_services.visit_record(
            actor=secretary,
            member=own_member,
            date=timezone.localdate(),
            kind=PlannedVisit.Kind.ROUTINE,
            visitors=visitors,
        )

    html = client.get(reverse("member_sections", args=[own_member.pk])).content.decode()

    assert f"{secretary}、{liaison}" in html and f"{liaison}、{secretary}" in html


def test_members_own_page_shows_their_dues_and_attendance_but_not_visits(client, member_user, own_member):
    client.force_login(member_user)
    html = client.get(reverse("member_sections", args=[own_member.pk])).content.decode()

    assert 'id="dues-panel-heading"' in html
    assert 'id="study-panel-heading"' in html
    assert 'id="visits-panel-heading"' not in html
