"""The bench's one wrk runner: one page with its cookie, or a list of requests played in turn."""

import shutil

import pytest
from werkzeug import Response

from tests.bench.load import run_wrk
from tests.bench.mix import write_script_input

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")


def recorder(seen: list):
    def answer(request):
        seen.append((request.method, request.path, request.headers.get("Cookie"), request.get_data()))
        return Response("ok", status=404 if request.path == "/missing" else 200)

    return answer


def test_one_page_is_asked_for_with_the_cookie(httpserver):
    seen = []
    httpserver.expect_request("/page").respond_with_handler(recorder(seen))

    load = run_wrk(httpserver.url_for("/page"), 1, cookie="sessionid=abc", threads=1, connections=1)

    assert load.requests > 0 and load.failures == 0
    assert {(method, path, cookie) for method, path, cookie, _body in seen} == {
        ("GET", "/page", "sessionid=abc")
    }


def test_a_list_is_played_in_turn_with_each_requests_headers_and_body(httpserver, tmp_path):
    seen = []
    httpserver.expect_request("/a").respond_with_handler(recorder(seen))
    httpserver.expect_request("/b", method="POST").respond_with_handler(recorder(seen))
    httpserver.expect_request("/missing").respond_with_handler(recorder(seen))
    played = [
        {"method": "GET", "path": "/a", "headers": {"Cookie": "sessionid=1"}, "body": ""},
        {"method": "POST", "path": "/b", "headers": {"Cookie": "sessionid=2"}, "body": "x=1"},
        {"method": "GET", "path": "/missing", "headers": {"Cookie": "sessionid=3"}, "body": ""},
    ]
    write_script_input(played, tmp_path / "list.tsv")

    load = run_wrk(httpserver.url_for("/"), 1, requests_file=tmp_path / "list.tsv", threads=1, connections=1)

    sent = seen
    cycle = [
        ("GET", "/a", "sessionid=1", b""),
        ("POST", "/b", "sessionid=2", b"x=1"),
        ("GET", "/missing", "sessionid=3", b""),
    ]
    first = cycle.index(sent[0])
    assert sent == [cycle[(first + n) % 3] for n in range(len(sent))]  # in turn, round and round
    assert load.bad_status > 0 and load.failures == load.bad_status  # the 404s, as failures
