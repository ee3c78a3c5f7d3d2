import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from members import services
from members.models import CarePeriod, Member
from tests.factories import ContactGroupFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
MAY = datetime.date(2026, 5, 1)
JUNE = datetime.date(2026, 6, 1)


def open_categories(member) -> set[str]:
    return set(
        CarePeriod.objects.filter(member=member, ended_on__isnull=True).values_list("category", flat=True)
    )


def test_member_update_opens_and_closes_care_periods_with_their_dates(branch, secretary):
    member = MemberFactory(branch=branch, on=MAY, living_situation="alone")
    services.member_update(
        actor=secretary, member=member, on=JUNE, living_situation="with_family", condition="hospitalised"
    )
    alone = CarePeriod.objects.get(member=member, category="alone")
    assert (alone.started_on, alone.ended_on) == (MAY, JUNE)
    hospital = CarePeriod.objects.get(member=member, category="hospitalised")
    assert (hospital.started_on, hospital.ended_on) == (JUNE, None)


def test_member_leaving_closes_every_care_period_but_keeps_them(branch, secretary):
    member = MemberFactory(branch=branch, on=MAY, living_situation="alone", condition="poor")
    services.member_update(actor=secretary, member=member, on=JUNE, status="deceased", status_changed_on=JUNE)
    assert open_categories(member) == set()
    assert CarePeriod.objects.filter(member=member, ended_on=JUNE).count() == 2


def test_leaving_without_a_date_is_refused_with_a_clear_message(branch, secretary):
    member = MemberFactory(branch=branch)
    with pytest.raises(ValidationError) as raised:
        services.member_update(actor=secretary, member=member, status="transferred")
    assert "status_changed_on" in raised.value.message_dict
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE


def test_group_of_another_branch_is_refused(branch, other_branch, secretary):
    foreign = ContactGroupFactory(branch=other_branch)
    with pytest.raises(ValidationError) as raised:
        MemberFactory(branch=branch, contact_group=foreign)
    assert "contact_group" in raised.value.message_dict
    assert not Member.objects.exists()


def test_updates_are_recorded_with_their_actor(branch, secretary):
    member = MemberFactory(branch=branch, district="海淀区")
    services.member_update(actor=secretary, member=member, district="西城区")
    entry = LogEntry.objects.get_for_object(member).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == secretary
    assert entry.changes_dict["district"] == ["海淀区", "西城区"]


def test_contact_group_update_changes_leader_deputy_and_away(group, secretary, committee):
    services.contact_group_update(
        actor=secretary, group=group, name="第一组", leader=committee, deputy=secretary, leader_away=True
    )
    group.refresh_from_db()
    assert (group.name, group.leader, group.deputy, group.leader_away) == (
        "第一组",
        committee,
        secretary,
        True,
    )
    assert group.responsible == secretary


@pytest.mark.parametrize(
    "change, field",
    [
        ({"leader": "outsider"}, "leader"),
        ({"deputy": "leader"}, "deputy"),
        ({"deputy": None, "leader_away": True}, "leader_away"),
    ],
)
def test_contact_group_update_refuses_bad_leaders(group, secretary, committee, change, field):
    cast = {"outsider": UserFactory(), "leader": committee, None: None}
    fields = {"name": group.name, "leader": committee, "deputy": secretary, "leader_away": False}
    fields.update({key: cast.get(value, value) for key, value in change.items()})
    with pytest.raises(ValidationError) as raised:
        services.contact_group_update(actor=secretary, group=group, **fields)
    assert field in raised.value.message_dict
    group.refresh_from_db()
    assert group.leader != committee


@pytest.mark.parametrize("field", ["name", "address", "notes", "emergency_name_1"])
def test_member_update_refuses_control_characters_and_keeps_the_row(branch, secretary, field):
    member = MemberFactory(branch=branch)
    before = getattr(member, field)
    with pytest.raises(ValidationError) as refused:
        services.member_update(actor=secretary, member=member, **{field: "周\x08建华"})
    assert field in refused.value.message_dict
    member.refresh_from_db()
    assert getattr(member, field) == before


def test_health_and_group_names_refuse_control_characters(group, secretary, committee):
    member = MemberFactory(branch=group.branch)
    with pytest.raises(ValidationError):
        services.health_record_update(
            actor=secretary, member=member, condition="good", mobility="independent", note="\x1b"
        )
    with pytest.raises(ValidationError):
        services.contact_group_update(actor=secretary, group=group, name="第\x02组", leader=committee)
