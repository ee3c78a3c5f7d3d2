import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import SYSTEM
from lib.calendar import years_before
from members import services
from members.models import HealthRecord, HealthRecordView, Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


@pytest.fixture
def patient(branch, group):
    return MemberFactory(
        branch=branch,
        contact_group=group,
        condition="seriously_ill",
        health_note="心脏搭桥术后",
        emergency_name_1="张伟",
        emergency_phone_1="+8613800000001",
    )


def health_url(member) -> str:
    return reverse("members:health", args=[member.pk])


def test_member_page_shows_no_health_values_and_logs_nothing(client, liaison, patient):
    client.force_login(liaison)
    html = client.get(patient.get_absolute_url()).content.decode()
    health_section = html.split('id="health-heading"')[1].split('id="history-heading"')[0]
    assert "心脏搭桥术后" not in html
    assert f'href="{health_url(patient)}"' in health_section
    assert f'hx-get="{health_url(patient)}"' in health_section
    assert not HealthRecordView.objects.exists()


def test_carer_opens_the_health_record_and_each_opening_is_logged(client, liaison, patient):
    client.force_login(liaison)
    response = client.get(health_url(patient))
    client.get(health_url(patient))
    html = response.content.decode()
    assert "心脏搭桥术后" in html and patient.name in html
    assert f'href="{patient.get_absolute_url()}"' in html  # back to the member page
    assert "no-store" in response["Cache-Control"]  # a shared phone keeps no copy; each opening is logged
    views = HealthRecordView.objects.filter(member=patient)
    assert views.count() == 2
    assert {view.viewer for view in views} == {liaison}


def test_the_health_record_lists_who_opened_it(client, liaison, secretary, patient):
    client.force_login(secretary)
    client.get(health_url(patient))
    client.force_login(liaison)
    assert [view.viewer for view in client.get(health_url(patient)).context["health_views"]] == [
        liaison,
        secretary,
    ]


def test_htmx_gets_only_the_record_to_swap_into_the_member_page(client, liaison, patient):
    client.force_login(liaison)
    html = client.get(health_url(patient), headers={"HX-Request": "true"}).content.decode()
    assert "心脏搭桥术后" in html
    assert "<html" not in html and "<h1" not in html and 'id="health-heading"' not in html
    assert "autofocus" in html  # focus moves into the record, not back to the top of the page
    assert HealthRecordView.objects.filter(member=patient, viewer=liaison).count() == 1


def test_bureau_reads_health_too(client, bureau, patient):
    client.force_login(bureau)
    assert "心脏搭桥术后" in client.get(health_url(patient)).content.decode()
    assert HealthRecordView.objects.filter(member=patient, viewer=bureau).exists()


def test_no_health_record_yet_is_said_and_nothing_is_logged(client, secretary, patient):
    HealthRecord.objects.filter(member=patient).delete()
    client.force_login(secretary)
    response = client.get(health_url(patient))
    assert response.status_code == 200 and response.context["health"] is None
    assert not HealthRecordView.objects.exists()


def test_member_sees_own_profile_without_health_or_history(client, member_user, own_member):
    services.member_update(actor=SYSTEM, member=own_member, condition="critical", health_note="病危通知")
    client.force_login(member_user)
    response = client.get(own_member.get_absolute_url())
    html = response.content.decode()
    assert own_member.phone.as_national in html
    assert "病危通知" not in html and health_url(own_member) not in html
    assert "history" not in response.context
    assert client.get(health_url(own_member)).status_code == 404  # not even their own
    assert not HealthRecordView.objects.exists()


def test_member_cannot_open_a_neighbours_page(client, member_user, own_member, patient):
    client.force_login(member_user)
    assert client.get(patient.get_absolute_url()).status_code == 404
    assert client.get(health_url(patient)).status_code == 404
    assert not HealthRecordView.objects.exists()


def test_stranger_gets_404_for_the_health_record(client, stranger, patient):
    client.force_login(stranger)
    assert client.get(health_url(patient)).status_code == 404
    assert not HealthRecordView.objects.exists()


def test_history_says_who_changed_which_field(client, secretary, committee, patient):
    services.member_update(actor=committee, member=patient, district="朝阳区")
    client.force_login(secretary)
    history = client.get(patient.get_absolute_url()).context["history"]
    change = next(entry for entry in history if entry.changes and entry.changes[0].new == "朝阳区")
    assert change.actor == committee
    assert [(c.field, c.old, c.new) for c in change.changes] == [(label(Member, "district"), "—", "朝阳区")]


def test_history_of_health_says_changed_without_values(client, secretary, committee, patient):
    services.member_update(actor=committee, member=patient, condition="hospitalised", health_note="住院观察")
    client.force_login(secretary)
    response = client.get(patient.get_absolute_url())
    health_entries = [e for e in response.context["history"] if e.changes and e.changes[0].masked]
    assert health_entries and health_entries[0].actor == committee
    assert {c.field for c in health_entries[0].changes} == {
        label(HealthRecord, "condition"),
        label(HealthRecord, "note"),
    }
    assert all(c.old is None and c.new is None for c in health_entries[0].changes)
    history_html = response.content.decode().split('id="history-heading"')[1]
    assert "住院观察" not in history_html and "心脏搭桥术后" not in history_html


def test_care_categories_show_since_and_until_and_the_80th_birthday(client, secretary, branch):
    today = timezone.localdate()
    born = years_before(today, 85) - datetime.timedelta(days=10)
    member = MemberFactory(
        branch=branch, birth_date=born, living_situation="alone", on=today - datetime.timedelta(days=30)
    )
    services.member_update(actor=secretary, member=member, living_situation="with_family")
    client.force_login(secretary)
    lines = client.get(member.get_absolute_url()).context["care_lines"]
    elderly, alone = lines
    assert elderly.computed and elderly.since == years_before(born, -80)
    assert (alone.since, alone.until) == (today - datetime.timedelta(days=30), today)


def test_group_leader_and_deputy_with_phones_show(client, secretary, patient, group, committee):
    services.contact_group_update(
        actor=secretary, group=group, name=group.name, leader=group.leader, deputy=committee
    )
    client.force_login(secretary)
    html = client.get(patient.get_absolute_url()).content.decode()
    assert str(group.leader) in html and str(committee) in html


@pytest.mark.parametrize("changes", [3, 30])
def test_detail_runs_at_most_eight_queries_whatever_the_history(
    client,
    secretary,
    liaison,
    bureau,
    member_user,
    own_member,
    patient,
    changes,
    django_assert_max_num_queries,
):
    for n in range(changes):
        situation = "alone" if n % 2 else "with_family"
        services.member_update(
            actor=secretary, member=patient, district=f"第{n}区", living_situation=situation
        )
    readers = [(secretary, patient), (liaison, patient), (bureau, patient), (member_user, own_member)]
    for user, subject in readers:
        client.force_login(user)
        client.get(subject.get_absolute_url())  # the first request after logging in writes the session
        with django_assert_max_num_queries(8):
            response = client.get(subject.get_absolute_url())
        assert response.context["member"] == subject


def test_health_record_runs_at_most_eight_queries(client, secretary, patient, django_assert_max_num_queries):
    client.force_login(secretary)
    client.get(health_url(patient))  # the first request after logging in writes the session
    with django_assert_max_num_queries(8):
        client.get(health_url(patient))
