"""The benchmark's mix on a tiny bench bureau: every role, the pages' htmx requests, 5 % writes that work."""

import random

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.bench import mix
from visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def played():
    call_command("seed_bench", branches=3, members_per_branch=6, stdout=open("/dev/null", "w"))  # noqa: SIM115
    rng = random.Random(15)
    sessions = mix.build_sessions(rng)
    return sessions, mix.requests(sessions, timezone.localdate().year, rng, cycles=2)


def replay(request: dict):
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    for pair in request["headers"]["Cookie"].split("; "):
        name, value = pair.split("=", 1)
        client.cookies[name] = value
    headers = {k: v for k, v in request["headers"].items() if k not in ("Cookie", "Content-Type")}
    if request["method"] == "POST":
        content_type = request["headers"]["Content-Type"]
        return client.post(request["path"], request["body"], content_type=content_type, headers=headers)
    return client.get(request["path"], headers=headers)


def test_every_role_and_five_per_cent_writes(played):
    sessions, requests = played
    assert {s.role for s in sessions} == {"member", "liaison", "committee", "secretary", "bureau"}
    assert len(sessions) >= 200
    posts = [r for r in requests if r["method"] == "POST"]
    assert len(posts) >= 0.05 * len(requests)


def test_member_page_comes_with_its_sections_request(played):
    _sessions, requests = played
    pages = [i for i, r in enumerate(requests) if r["path"].rstrip("/").split("/")[-2:-1] == ["members"]
             and r["path"].split("/")[-2].isdigit() and r["method"] == "GET"]  # fmt: skip
    assert pages
    for i in pages:
        member_id = int(requests[i]["path"].split("/")[-2])
        follow = requests[i + 1]
        assert follow["path"] == reverse("member_sections", args=[member_id])
        assert follow["headers"]["HX-Request"] == "true"


def test_every_request_answers_and_the_writes_take_effect(played):
    _sessions, requests = played
    sample = requests[:150] + [r for r in requests if r["method"] == "POST"]
    statuses = [(r["method"], r["path"], replay(r).status_code) for r in sample]

    assert [s for s in statuses if s[2] >= 400] == []
    visits_posted = sum(1 for r in sample if r["method"] == "POST" and r["path"] == reverse("visits:new"))
    assert Visit.objects.filter(notes="bench mix").count() == visits_posted
