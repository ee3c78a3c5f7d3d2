import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from members.models import CarePeriod, HealthRecord, HealthRecordView, Member
from tests.factories import ContactGroupFactory, MemberFactory

pytestmark = pytest.mark.django_db
CREATE = reverse("members:create")


@pytest.fixture
def form_data(group):
    return {
        "name": "张志远",
        "gender": "M",
        "birth_date": "1940-03-15",
        "status": "active",
        "phone": "13912345678",
        "living_situation": "alone",
        "condition": "good",
        "mobility": "independent",
        "contact_group": group.pk,
        "emergency_phone_1": "",
        "branch": group.branch_id,
    }


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_committee_creates_a_member_through_the_service(client, committee, form_data):
    client.force_login(committee)
    response = client.post(CREATE, form_data)
    member = Member.objects.get()
    assert response.status_code == 302 and response["Location"] == member.get_absolute_url()
    assert (member.name_initials, member.phone.as_e164) == ("zzy", "+8613912345678")
    assert member.health.condition == HealthRecord.Condition.GOOD
    assert CarePeriod.objects.filter(member=member, category="alone", ended_on__isnull=True).exists()
    assert LogEntry.objects.get_for_object(member).get().actor == committee


@pytest.mark.parametrize(
    "field, value",
    [
        ("phone", "010 6800 1234"),  # a landline where a mobile is needed
        ("phone", "1391234"),
        ("emergency_phone_1", "12345678901"),
        ("birth_date", "1940-02-30"),
        ("name", ""),
    ],
)
def test_bad_input_re_renders_with_messages_and_writes_nothing(client, secretary, form_data, field, value):
    client.force_login(secretary)
    response = client.post(CREATE, {**form_data, field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert messages_of(response)
    assert not Member.objects.exists() and not LogEntry.objects.get_for_model(Member).exists()


def test_leaving_without_a_date_asks_for_the_date(client, secretary, group, form_data):
    member = MemberFactory(branch=group.branch, contact_group=group, name="张志远")
    client.force_login(secretary)
    response = client.post(reverse("members:edit", args=[member.pk]), {**form_data, "status": "deceased"})
    assert response.status_code == 200
    assert response.context["form"].errors["status_changed_on"]
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE


def test_edit_writes_the_change_and_closes_the_care_period(client, secretary, group, form_data):
    member = MemberFactory(branch=group.branch, contact_group=group, name="张志远", living_situation="alone")
    client.force_login(secretary)
    response = client.post(
        reverse("members:edit", args=[member.pk]),
        {
            **form_data,
            "living_situation": "with_family",
            "status": "transferred",
            "status_changed_on": "2026-06-01",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.status, str(member.status_changed_on)) == ("transferred", "2026-06-01")
    assert not CarePeriod.objects.filter(member=member, ended_on__isnull=True).exists()


def test_edit_form_neither_shows_nor_changes_the_health_record(client, secretary, group):
    """Health is shown and changed only on the logged health page (tests/members/test_health_edit.py)."""
    member = MemberFactory(
        branch=group.branch, condition="poor", mobility="housebound", health_note="腿脚不便"
    )
    client.force_login(secretary)
    response = client.get(reverse("members:edit", args=[member.pk]))
    assert not {"condition", "mobility", "health_note"} & set(response.context["form"].fields)
    html = response.content.decode()
    assert "腿脚不便" not in html and reverse("members:health", args=[member.pk]) in html

    data = {
        "name": member.name,
        "gender": member.gender,
        "birth_date": member.birth_date.isoformat(),
        "status": "active",
        "living_situation": member.living_situation,
        "condition": "critical",
        "mobility": "bedridden",
        "health_note": "改掉",
    }
    assert client.post(reverse("members:edit", args=[member.pk]), data).status_code == 302
    member.health.refresh_from_db()
    assert (member.health.condition, member.health.mobility, member.health.note) == (
        "poor",
        "housebound",
        "腿脚不便",
    )
    assert not HealthRecordView.objects.exists()


def test_group_of_another_branch_cannot_be_chosen(client, secretary, form_data, other_branch):
    foreign = ContactGroupFactory(branch=other_branch)
    client.force_login(secretary)
    response = client.post(CREATE, {**form_data, "contact_group": foreign.pk})
    assert response.context["form"].errors["contact_group"]
    assert not Member.objects.exists()


def test_liaison_may_not_edit(client, liaison, group):
    member = MemberFactory(branch=group.branch)
    client.force_login(liaison)
    assert client.get(reverse("members:edit", args=[member.pk])).status_code == 403
    assert client.post(CREATE, {}).status_code == 403


def test_groups_page_saves_leader_deputy_and_away(client, secretary, committee, group):
    client.force_login(secretary)
    prefix = f"group{group.pk}"
    response = client.post(
        reverse("members:group_update", args=[group.pk]),
        {
            f"{prefix}-name": "第一联络小组",
            f"{prefix}-leader": committee.pk,
            f"{prefix}-deputy": secretary.pk,
            f"{prefix}-leader_away": "on",
        },
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.leader, group.deputy, group.leader_away) == (committee, secretary, True)


def test_groups_page_refuses_a_leader_from_outside_and_keeps_the_group(client, secretary, group, member_user):
    client.force_login(secretary)
    prefix = f"group{group.pk}"
    response = client.post(
        reverse("members:group_update", args=[group.pk]),
        {
            f"{prefix}-name": "改名",
            f"{prefix}-leader": member_user.pk,
        },
    )
    assert response.status_code == 200
    assert messages_of(response)
    bound = next(form for form in response.context["forms"] if form.instance.pk == group.pk)
    assert bound.errors["leader"]
    group.refresh_from_db()
    assert group.name != "改名"


def test_stranger_cannot_update_our_group(client, stranger, group, committee):
    client.force_login(stranger)
    prefix = f"group{group.pk}"
    response = client.post(
        reverse("members:group_update", args=[group.pk]),
        {
            f"{prefix}-name": "x",
            f"{prefix}-leader": committee.pk,
        },
    )
    assert response.status_code == 404


@pytest.mark.parametrize("field", ["name", "address", "notes", "health_note"])
def test_control_characters_are_refused_in_chinese_and_nothing_is_written(
    client, secretary, form_data, field
):
    client.force_login(secretary)
    response = client.post(CREATE, {**form_data, field: "张志远\x07\x1b"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "不可见的控制字符" in str(response.context["form"].errors[field])
    assert not Member.objects.exists()


def test_control_characters_are_refused_when_editing_and_the_row_stays(client, secretary, group, form_data):
    member = MemberFactory(branch=group.branch, contact_group=group, address="北京市西城区")
    client.force_login(secretary)
    response = client.post(reverse("members:edit", args=[member.pk]), {**form_data, "address": "北京\x0c市"})
    assert response.status_code == 200 and response.context["form"].errors["address"]
    member.refresh_from_db()
    assert member.address == "北京市西城区"
