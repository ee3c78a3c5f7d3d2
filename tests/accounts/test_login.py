from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_login_page_is_in_chinese_by_default(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()


def test_english_works_when_chosen(client):
    client.post(reverse("set_language"), {"language": "en", "next": LOGIN})
    response = client.get(LOGIN)
    assert response.headers["Content-Language"] == "en"
    assert "Log in" in response.content.decode()


def test_secretary_logs_in_with_password(client, secretary):
    response = client.post(LOGIN, {"username": "secretary", "password": "demo-pass-2026"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == secretary


def test_wrong_password_shows_a_clear_message(client, secretary):
    response = client.post(LOGIN, {"username": "secretary", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_five_failures_lock_the_account_for_thirty_minutes(client, secretary):
    for _ in range(5):
        client.post(LOGIN, {"username": "secretary", "password": "wrong"}, REMOTE_ADDR="10.0.0.5")
    response = client.post(
        LOGIN, {"username": "secretary", "password": "demo-pass-2026"}, REMOTE_ADDR="10.0.0.5"
    )
    assert response.status_code == 429
    assert "锁定30分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_is_per_username_and_address(client, secretary, liaison):
    for _ in range(5):
        client.post(LOGIN, {"username": "secretary", "password": "wrong"}, REMOTE_ADDR="10.0.0.5")
    other_address = client.post(
        LOGIN, {"username": "secretary", "password": "demo-pass-2026"}, REMOTE_ADDR="10.0.0.6"
    )
    assert other_address.status_code == 302


def test_account_created_by_committee_must_change_password_first(client, secretary):
    secretary.must_change_password = True
    secretary.save()
    client.force_login(secretary)
    response = client.get(reverse("members:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "demo-pass-2026",
            "new_password1": "spring river 1949",
            "new_password2": "spring river 1949",
        },
    )
    assert response.status_code == 302
    secretary.refresh_from_db()
    assert secretary.must_change_password is False
    assert secretary.check_password("spring river 1949")
    assert client.get(reverse("members:list")).status_code == 200


def test_short_new_password_is_refused_with_a_message(client, secretary):
    client.force_login(secretary)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "demo-pass-2026", "new_password1": "abc12", "new_password2": "abc12"},
    )
    assert response.status_code == 200
    assert "密码太短" in response.content.decode()
    secretary.refresh_from_db()
    assert secretary.check_password("demo-pass-2026")


def test_text_size_is_remembered(client, member_user):
    client.force_login(member_user)
    client.post(reverse("accounts:text_size"), {"text_size": "xlarge", "next": "/"})
    member_user.refresh_from_db()
    assert member_user.text_size == User.TextSize.EXTRA_LARGE
    assert 'data-text-size="xlarge"' in client.get("/").content.decode()


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get(LOGIN).headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_no_template_relies_on_an_inline_style_the_policy_would_drop():
    # style-src 'self': a style="" attribute is ignored by the browser (the minutes' signature space was).
    templates = Path(settings.BASE_DIR, "templates")
    inline = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if ' style="' in path.read_text()
    ]
    assert inline == []


def test_chinese_even_when_the_browser_asks_for_english(client):
    response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "zh-hans"


def test_text_size_goes_back_to_the_page_but_never_to_another_site(client, member_user):
    client.force_login(member_user)
    url = reverse("accounts:text_size")

    back = client.post(url, {"text_size": "large", "next": "/study/"})
    offsite = client.post(url, {"text_size": "xlarge", "next": "https://evil.example/"})

    assert back["Location"] == "/study/"
    assert offsite["Location"] == reverse("home")
    member_user.refresh_from_db()
    assert member_user.text_size == User.TextSize.EXTRA_LARGE
