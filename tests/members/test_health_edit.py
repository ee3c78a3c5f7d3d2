"""The health record is changed on the health page only, where every opening is logged."""

import pytest
from django.urls import reverse

from members.models import CareCategory, CarePeriod, HealthRecordView
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
CHANGE = {"condition": "hospitalised", "mobility": "with_aid", "note": "髋关节置换术后"}


@pytest.fixture
def patient(branch, group):
    return MemberFactory(branch=branch, contact_group=group, condition="fair", health_note="血压偏高")


def health_url(member) -> str:
    return reverse("members:health", args=[member.pk])


def test_an_editor_sees_the_form_filled_in_and_the_opening_is_logged(client, secretary, patient):
    client.force_login(secretary)
    response = client.get(health_url(patient))
    form = response.context["form"]
    assert (form["condition"].value(), form["note"].value()) == ("fair", "血压偏高")
    assert "no-store" in response["Cache-Control"]
    assert HealthRecordView.objects.filter(member=patient, viewer=secretary).count() == 1


def test_an_editor_changes_the_record_and_its_care_period_opens(client, committee, patient):
    client.force_login(committee)
    response = client.post(health_url(patient), CHANGE)
    assert response.status_code == 302 and response["Location"] == patient.get_absolute_url()
    patient.health.refresh_from_db()
    assert (patient.health.condition, patient.health.mobility, patient.health.note) == tuple(CHANGE.values())
    assert CarePeriod.objects.filter(
        member=patient, category=CareCategory.HOSPITALISED, ended_on__isnull=True
    ).exists()


def test_a_member_without_a_record_gets_one(client, secretary, branch):
    member = MemberFactory(branch=branch)
    member.health.delete()
    client.force_login(secretary)
    assert client.get(health_url(member)).context["form"]["condition"].value() == "good"
    assert client.post(health_url(member), CHANGE).status_code == 302
    member.refresh_from_db()
    assert member.health.note == CHANGE["note"]


def test_an_invalid_change_shows_the_errors_beside_the_record_and_is_logged(client, secretary, patient):
    client.force_login(secretary)
    response = client.post(health_url(patient), {**CHANGE, "condition": "cured"})
    assert response.status_code == 200 and response.context["form"].errors["condition"]
    assert "no-store" in response["Cache-Control"]
    patient.health.refresh_from_db()
    assert patient.health.condition == "fair"
    assert HealthRecordView.objects.filter(member=patient).count() == 1


@pytest.mark.parametrize("role", ["liaison", "bureau"])
def test_carers_who_may_not_edit_members_read_the_record_but_cannot_change_it(client, cast, patient, role):
    client.force_login(cast[role])
    assert client.get(health_url(patient)).context["form"] is None
    assert client.post(health_url(patient), CHANGE).status_code == 403
    patient.health.refresh_from_db()
    assert patient.health.note == "血压偏高"


def test_the_member_page_offers_the_form_after_showing_the_record_in_place(client, secretary, patient):
    client.force_login(secretary)
    html = client.get(health_url(patient), headers={"HX-Request": "true"}).content.decode()
    assert "血压偏高" in html and f'href="{health_url(patient)}#health-form"' in html
