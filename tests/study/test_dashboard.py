import datetime

from django.urls import reverse
from django.utils import timezone

from tests.study.factories import StudyActivityFactory


def test_committee_dashboard_shows_the_next_study_day(client, secretary, branch, other_branch):
    today = timezone.localdate()
    StudyActivityFactory(organiser=branch, date=today - datetime.timedelta(days=3), theme="上次")
    StudyActivityFactory(organiser=branch, date=today + datetime.timedelta(days=30), theme="下下次")
    nxt = StudyActivityFactory(organiser=branch, date=today + datetime.timedelta(days=5), theme="下次学习")
    StudyActivityFactory(organiser=other_branch, date=today + datetime.timedelta(days=1), theme="别的支部")
    client.force_login(secretary)

    tiles = client.get(reverse("home")).context["tiles"]

    study = [t for t in tiles if t["url"] == nxt.get_absolute_url()]
    assert len(study) == 1
    assert "下次学习" in study[0]["label"]


def test_dashboard_without_a_planned_study_day_has_no_study_tile(client, secretary, branch):
    client.force_login(secretary)
    tiles = client.get(reverse("home")).context["tiles"]
    assert not [t for t in tiles if "/study/" in t["url"]]
