"""Every refusal is a Chinese page in the portal's layout, readable on a phone, with the way home."""

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def assert_refusal_page(response, status: int, heading: str) -> str:
    page = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="zh-hans"' in page and VIEWPORT in page
    assert f"<h1>{heading}</h1>" in page
    assert 'class="portal-header"' in page and "css/portal.css" in page  # the portal's own layout
    assert f'<a class="btn btn-primary btn-lg" href="{reverse("home")}">回到首页</a>' in page
    assert f"错误代码：{status}" in page
    return page


def test_a_page_the_member_may_not_open_is_a_chinese_403(client, member_user):
    client.force_login(member_user)
    page = assert_refusal_page(client.get(reverse("members:list")), 403, "这个页面不对您开放")
    assert 'data-text-size="standard"' in page  # the whole layout, with the user's text size
    assert "Forbidden" not in page


def test_a_missing_row_is_a_chinese_404(client, member_user):
    client.force_login(member_user)
    assert_refusal_page(client.get(reverse("members:detail", args=[999_999])), 404, "没有找到这个页面")


def test_an_unknown_address_is_a_chinese_404_even_before_logging_in(client):
    page = assert_refusal_page(client.get("/no-such-page/"), 404, "没有找到这个页面")
    assert "Not Found" not in page


def test_a_bad_request_is_a_chinese_400(client):
    assert_refusal_page(client.get("/", headers={"host": "evil.example"}), 400, "无法处理这个请求")


def test_a_form_sent_without_its_csrf_token_is_a_chinese_page(member_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member_user)
    response = browser.post(reverse("accounts:text_size"), {"text_size": "xlarge"})
    page = assert_refusal_page(response, 403, "页面已经过期")
    assert "CSRF" not in page
    member_user.refresh_from_db()
    assert member_user.text_size == "standard"


def test_a_failing_view_is_a_chinese_500_with_debug_off(client, settings):
    settings.ROOT_URLCONF = "tests.refusal_urls"
    assert settings.DEBUG is False
    client.raise_request_exception = False
    assert_refusal_page(client.get("/broken/"), 500, "系统出了点问题")


def test_the_500_page_renders_without_the_database(django_db_blocker):
    """Django renders 500.html with no context processors; nothing in it may query (the database
    may be what failed)."""
    with django_db_blocker.block():
        page = render_to_string("500.html")
    assert "系统出了点问题" in page and VIEWPORT in page and f'href="{reverse("home")}"' in page
