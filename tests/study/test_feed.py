import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from study import services
from tests.study.factories import StudyActivityFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def token(member_user):
    return services.calendar_token_regenerate(user=member_user).token


def _feed(client, token):
    return client.get(reverse("study:calendar_feed"), {"token": token})


def test_feed_parses_and_carries_shanghai_times(client, token, activity):
    response = _feed(client, token)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    start, end = events[0].decoded("dtstart"), events[0].decoded("dtend")
    assert start == datetime.datetime(2026, 12, 8, 9, 30, tzinfo=SHANGHAI)
    assert start.astimezone(datetime.UTC) == datetime.datetime(2026, 12, 8, 1, 30, tzinfo=datetime.UTC)
    assert end - start == datetime.timedelta(hours=2)
    assert events[0]["dtstart"].params["TZID"] == "Asia/Shanghai"
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert activity.theme in str(events[0]["summary"])
    assert str(events[0]["uid"]) == f"study-activity-{activity.pk}@branch-portal"
    assert b"DTSTART;TZID=Asia/Shanghai:20261208T093000" in response.content


def test_feed_needs_no_login_but_a_valid_token(client, token, activity):
    assert _feed(client, token).status_code == 200
    assert _feed(client, token[:-1] + ("A" if token[-1] != "A" else "B")).status_code == 404
    assert _feed(client, "").status_code == 404
    assert _feed(client, token[:12] + "\x00").status_code == 404  # a 500 on PostgreSQL before
    assert client.get(reverse("study:calendar_feed")).status_code == 404


def test_old_token_stops_working_once_regenerated(client, member_user, token, activity):
    new = services.calendar_token_regenerate(user=member_user).token

    assert _feed(client, token).status_code == 404
    assert _feed(client, new).status_code == 200


def test_revoked_token_stops_working(client, member_user, token, activity):
    services.calendar_token_revoke(user=member_user)
    assert _feed(client, token).status_code == 404


def test_regenerating_from_the_page_replaces_the_address(client, member_user, token):
    client.force_login(member_user)
    page = client.get(reverse("study:calendar_token")).content.decode()
    assert token in page
    client.post(reverse("study:calendar_token"), {"action": "regenerate"})
    member_user.calendar_token.refresh_from_db()
    assert member_user.calendar_token.token != token
    client.logout()
    assert _feed(client, token).status_code == 404


def test_feed_carries_only_the_users_branches(client, token, activity, other_branch):
    StudyActivityFactory(organiser=other_branch, theme="别的支部")
    cal = Calendar.from_ical(_feed(client, token).content)
    summaries = [str(e["summary"]) for e in cal.walk("VEVENT")]
    assert len(summaries) == 1
    assert summaries[0].endswith(activity.theme)


def test_inactive_users_token_is_refused(client, member_user, token, activity):
    member_user.is_active = False
    member_user.save(update_fields=["is_active"])
    assert _feed(client, token).status_code == 404
