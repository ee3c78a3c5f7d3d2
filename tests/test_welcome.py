"""`make run` ends by saying where to go and how to log in (`manage.py welcome`, in the Procfile)."""

import io
import urllib.parse

from django.core.management import call_command


def test_the_banner_names_the_address_and_the_demo_accounts_once_the_portal_answers(live_server, monkeypatch):
    port = urllib.parse.urlsplit(live_server.url).port
    monkeypatch.setenv("WEB_PORT", str(port))
    out = io.StringIO()

    call_command("welcome", "--once", "--wait", "10", stdout=out)

    banner = out.getvalue()
    assert f"http://127.0.0.1:{port}/" in banner
    assert "demo-pass-2026" in banner
    for username in ("secretary", "liaison", "member", "bureau"):
        assert f"    {username} " in banner


def test_nothing_answering_is_said_on_stderr_not_as_a_ready_banner(monkeypatch):
    monkeypatch.setenv("WEB_PORT", "9")  # the discard port: nothing serves HTTP there
    out, err = io.StringIO(), io.StringIO()

    call_command("welcome", "--once", "--wait", "1", stdout=out, stderr=err)

    assert out.getvalue() == ""
    assert "No answer" in err.getvalue()
