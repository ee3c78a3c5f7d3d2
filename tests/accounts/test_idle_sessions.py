"""Idle session expiry for users who see members' sensitive data (accounts/idle_sessions.py)."""

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.idle_sessions import LAST_ACTIVITY_KEY
from accounts.models import BranchRole
from tests.factories import BranchRoleFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGGED_OUT_MESSAGE = "为保护党员信息，您已30分钟未操作，系统已自动退出，请重新登录。"
LOGIN = reverse("accounts:login")
HOME = reverse("home")
EXTEND = reverse("accounts:session_extend")


class Clock:
    """time.time() moved forward on request, as time-machine would (it is not installed)."""

    def __init__(self):
        self.offset = 0.0

    def advance(self, **delta) -> None:
        self.offset += timedelta(**delta).total_seconds()


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + clock.offset)
    return clock


@pytest.fixture(autouse=True)
def _thirty_minutes(settings):
    settings.SESSION_IDLE_SECONDS = 1800


def logged_in(client, user):
    """Logs the user in (which starts the idle clock) and makes a first request."""
    client.force_login(user)
    assert client.get(HOME).status_code == 200
    return client.session.session_key


def session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]


@pytest.mark.parametrize("role", ["secretary", "committee", "liaison", "bureau"])
def test_carer_idle_31_minutes_is_sent_to_login_with_the_reason(client, clock, role, request):
    session_key = logged_in(client, request.getfixturevalue(role))
    clock.advance(minutes=31)

    response = client.get(reverse("members:list"))

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/members/"
    assert "_auth_user_id" not in client.session
    assert not Session.objects.filter(session_key=session_key).exists()
    login_page = client.get(response["Location"])
    assert LOGGED_OUT_MESSAGE in login_page.content.decode()


def test_committee_idle_29_minutes_stays_logged_in(client, clock, committee):
    logged_in(client, committee)
    clock.advance(minutes=29)

    response = client.get(reverse("members:list"))

    assert response.status_code == 200
    assert response.context["user"] == committee


def test_each_request_starts_the_thirty_minutes_again(client, clock, committee):
    logged_in(client, committee)
    clock.advance(minutes=20)
    client.get(HOME)
    clock.advance(minutes=20)

    assert client.get(HOME).context["user"] == committee


def test_member_idle_31_minutes_stays_logged_in(client, clock, member_user, own_member):
    logged_in(client, member_user)
    clock.advance(minutes=31)

    response = client.get(HOME)

    assert response.status_code == 200
    assert response.context["user"] == member_user


def test_member_who_is_also_on_the_committee_is_logged_out(client, clock, branch, committee):
    BranchRoleFactory(user=committee, branch=branch, role=BranchRole.Role.MEMBER)
    logged_in(client, committee)
    clock.advance(minutes=31)

    assert client.get(HOME).status_code == 302
    assert "_auth_user_id" not in client.session


def test_staff_without_a_branch_role_is_logged_out(client, clock):
    """The admin site shows every member's data."""
    logged_in(client, UserFactory(is_staff=True))
    clock.advance(minutes=31)

    assert client.get(HOME).status_code == 302
    assert "_auth_user_id" not in client.session


def test_activity_is_written_at_most_once_a_minute(client, clock, committee):
    logged_in(client, committee)
    recorded = client.session[LAST_ACTIVITY_KEY]
    clock.advance(seconds=50)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(HOME)

    assert response.status_code == 200
    assert session_writes(queries) == []
    assert "sessionid" not in response.cookies
    assert client.session[LAST_ACTIVITY_KEY] == recorded
    clock.advance(seconds=20)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(HOME)

    assert len(session_writes(queries)) == 1
    assert client.session[LAST_ACTIVITY_KEY] == pytest.approx(recorded + 70, abs=5)


def test_login_starts_the_idle_clock_so_the_first_page_writes_no_session(client, clock, committee):
    client.force_login(committee)
    assert client.session[LAST_ACTIVITY_KEY] == pytest.approx(time.time(), abs=5)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200

    assert session_writes(queries) == []


def test_member_pages_write_no_session(client, clock, member_user, own_member):
    logged_in(client, member_user)
    clock.advance(minutes=5)

    with CaptureQueriesContext(connection) as queries:
        client.get(HOME)

    assert session_writes(queries) == []
    assert LAST_ACTIVITY_KEY not in client.session


def test_page_carries_the_warning_banner_for_carers_only(client, committee, member_user, own_member):
    logged_in(client, committee)
    page = client.get(HOME).content.decode()
    assert 'id="idle-warning"' in page
    assert 'data-seconds-left="1800"' in page
    assert 'data-warning-seconds="300"' in page
    assert "js/idle-session.js" in page
    assert "继续使用" in page
    assert 'data-message="您已有一段时间未操作。为保护党员信息，系统将在{minutes}分钟后自动退出。"' in page

    logged_in(client, member_user)
    page = client.get(HOME).content.decode()
    assert "idle-warning" not in page
    assert "idle-session.js" not in page


def test_banner_counts_from_the_recorded_activity(client, clock, committee):
    logged_in(client, committee)
    clock.advance(seconds=40)  # within the minute: not recorded again

    assert 'data-seconds-left="1760"' in client.get(HOME).content.decode()


def test_extend_counts_as_activity(client, clock, committee):
    logged_in(client, committee)
    clock.advance(minutes=25)

    response = client.post(EXTEND)

    assert response.status_code == 200
    assert response.json() == {"seconds_left": 1800}
    clock.advance(minutes=25)
    assert client.get(HOME).context["user"] == committee


def test_extend_refuses_get(client, committee):
    logged_in(client, committee)
    assert client.get(EXTEND).status_code == 405


def test_extend_sends_anonymous_to_login(client):
    response = client.post(EXTEND)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_extend_after_expiry_logs_out(client, clock, committee):
    logged_in(client, committee)
    clock.advance(minutes=31)

    response = client.post(EXTEND)

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_login_page_itself_shows_the_reason_after_expiry(client, clock, committee):
    """Where the page's timer sends the browser: the login form, with why, not another redirect."""
    logged_in(client, committee)
    clock.advance(minutes=31)

    response = client.get(f"{LOGIN}?next=/members/")

    assert response.status_code == 200
    assert LOGGED_OUT_MESSAGE in response.content.decode()
    assert 'value="/members/"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_htmx_request_after_expiry_reloads_the_whole_page_to_login(client, clock, committee):
    logged_in(client, committee)
    clock.advance(minutes=31)

    response = client.get(reverse("members:list"), headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_english_message(client, clock, committee):
    client.post(reverse("set_language"), {"language": "en", "next": LOGIN})
    logged_in(client, committee)
    clock.advance(minutes=31)

    response = client.get(HOME, follow=True)

    assert "you were logged out after 30 minutes without activity" in response.content.decode()
