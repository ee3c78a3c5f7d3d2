"""Fuzzing the member create and edit forms through their views (see tests/fuzz.py)."""

import datetime

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.models import HealthRecord, Member
from members.services import stored_categories
from notifications.models import Message
from tests import fuzz
from tests.factories import ContactGroupFactory, MemberFactory

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CREATE = reverse("members:create")


@pytest.fixture
def world(client, secretary, branch, group, other_branch):
    """The secretary logged in; a member of the branch to edit; a group and a member of another branch."""
    client.force_login(secretary)
    return {
        "branch": branch,
        "group": group,
        "member": MemberFactory(branch=branch, contact_group=group, name="李秀英"),
        "foreign_group": ContactGroupFactory(branch=other_branch, number=1),
        "foreign_member": MemberFactory(branch=other_branch, name="赵建国"),
    }


def plausible_fields(world) -> dict[str, st.SearchStrategy]:
    """A valid value for each field of MemberForm (an active member, so no leaving date needed)."""
    dates = fuzz.iso(st.dates(datetime.date(1925, 1, 1), datetime.date(2000, 12, 31)))
    optional_dates = st.one_of(st.just(""), dates)
    short = fuzz.plain_text(max_size=20)
    return {
        "branch": st.just(world["branch"].pk),
        "name": fuzz.plain_text(min_size=1, max_size=4).map(lambda name: f"张{name}"[:50]),
        "gender": st.sampled_from(Member.Gender.values),
        "birth_date": dates,
        "lunar_birthday": st.sampled_from(["", "on"]),
        "native_place": short,
        "status": st.just(Member.Status.ACTIVE),
        "status_changed_on": st.just(""),
        "party_joined_on": optional_dates,
        "work_started_on": optional_dates,
        "retirement_kind": st.sampled_from(["", *Member.RetirementKind.values]),
        "retired_on": optional_dates,
        "former_unit": short,
        "former_post": short,
        "phone": st.one_of(st.just(""), fuzz.mobile_numbers()),
        "phone_alt": st.sampled_from(["", "010 6800 1234", "13912345678"]),
        "notice_phone": st.one_of(st.just(""), fuzz.mobile_numbers()),
        "address": fuzz.plain_text(max_size=60),
        "district": short,
        "contact_group": st.sampled_from(["", world["group"].pk]),
        "living_situation": st.sampled_from(Member.LivingSituation.values),
        "condition": st.sampled_from(HealthRecord.Condition.values),
        "mobility": st.sampled_from(HealthRecord.Mobility.values),
        "health_note": fuzz.plain_text(max_size=200),
        "emergency_name_1": short,
        "emergency_relation_1": short,
        "emergency_phone_1": st.one_of(st.just(""), fuzz.mobile_numbers()),
        "emergency_name_2": short,
        "emergency_relation_2": short,
        "emergency_phone_2": st.one_of(st.just(""), fuzz.mobile_numbers()),
        "notes": fuzz.plain_text(max_size=300),
    }


def hostile_fields(world) -> dict[str, st.SearchStrategy]:
    """Plausible values plus the ids of other branches' objects and a member who has left."""
    fields = plausible_fields(world)
    fields["branch"] = st.sampled_from([world["branch"].pk, world["foreign_group"].branch_id])
    fields["contact_group"] = st.sampled_from(["", world["group"].pk, world["foreign_group"].pk])
    fields["status"] = st.sampled_from(Member.Status.values)
    fields["status_changed_on"] = st.one_of(st.just(""), fields["birth_date"])
    return fields


def check_created(changes: dict, response) -> None:
    """Exactly one member, with their health record, care periods and history."""
    member = Member.objects.get(pk=_only(changes["member"]["added"]))
    assert response["Location"] == member.get_absolute_url()
    assert changes.pop("member") == {"added": {member.pk}, "changed": set(), "removed": set()}
    assert len(changes.pop("health")["added"]) == 1
    _check_care_and_history(changes, member)


def check_edited(changes: dict, response, member: Member) -> None:
    """Only that member's row, health record, care periods and history."""
    assert response["Location"] == member.get_absolute_url()
    assert changes.pop("member", {"changed": {member.pk}})["changed"] == {member.pk}
    health = changes.pop("health", None)
    assert health is None or health["changed"] == {member.health.pk}
    _check_care_and_history(changes, member)


def _check_care_events(changes: dict, member: Member) -> None:
    """An admission, a critical illness or a death acts at once (visits.care): only this member's
    planned visits, and only messages about them (the carers' alerts, their own cancelled ones)."""
    planned = changes.pop("planned_visit", None)
    if planned:
        touched = planned["added"] | planned["changed"]
        assert not planned["removed"] and touched <= set(member.planned_visits.values_list("pk", flat=True))
    messages = changes.pop("message", None)
    if messages:
        touched = Message.objects.filter(pk__in=messages["added"] | messages["changed"])
        assert not messages["removed"]
        assert all(m.member_id == member.pk or f"care:{member.pk}:" in m.idempotency_key for m in touched)


def _check_care_and_history(changes: dict, member: Member) -> None:
    opened = member.care_periods.filter(ended_on__isnull=True)
    assert {p.category for p in opened} == stored_categories(member, member.health)
    care = changes.pop("care_period", None)
    if care:
        assert care["removed"] == set()
        assert set(member.care_periods.values_list("pk", flat=True)) >= care["added"] | care["changed"]
    _check_care_events(changes, member)
    assert changes.pop("log_entry")["added"]
    assert changes == {}, f"unexpected writes: {changes}"


def _only(keys: set):
    assert len(keys) == 1, keys
    return next(iter(keys))


def check_rejected(changes: dict, response) -> None:
    fuzz.assert_errors_shown(response)
    assert changes == {}, f"an invalid form wrote {changes}"


@FUZZ
@given(data=st.data())
def test_any_input_to_the_create_form_gives_errors_or_one_whole_member(client, world, data):
    with fuzz.rolled_back():
        before = fuzz.rows()
        response = fuzz.post(client, CREATE, data.draw(fuzz.posts(hostile_fields(world))))
        changes = fuzz.changes(before, fuzz.rows())
        if response.status_code == 302:
            check_created(changes, response)
        else:
            check_rejected(changes, response)


@FUZZ
@given(data=st.data())
def test_any_plausible_member_is_created(client, world, data):
    with fuzz.rolled_back():
        before = fuzz.rows()
        response = fuzz.post(client, CREATE, data.draw(st.fixed_dictionaries(plausible_fields(world))))
        assert response.status_code == 302, response.context["form"].errors
        check_created(fuzz.changes(before, fuzz.rows()), response)


@FUZZ
@given(data=st.data())
def test_any_input_to_the_edit_form_gives_errors_or_changes_only_that_member(client, world, data):
    member = world["member"]
    url = reverse("members:edit", args=[member.pk])
    with fuzz.rolled_back():
        before = fuzz.rows()
        response = fuzz.post(client, url, data.draw(fuzz.posts(hostile_fields(world))))
        changes = fuzz.changes(before, fuzz.rows())
        if response.status_code == 302:
            check_edited(changes, response, Member.objects.get(pk=member.pk))
        else:
            check_rejected(changes, response)


def test_editing_a_member_of_another_branch_is_404_and_writes_nothing(client, world):
    before = fuzz.rows()
    url = reverse("members:edit", args=[world["foreign_member"].pk])
    response = fuzz.post(client, url, {"name": "改名"})
    assert response.status_code == 404
    assert fuzz.changes(before, fuzz.rows()) == {}


def valid_post(world, **changed) -> dict:
    data = {
        "branch": world["branch"].pk,
        "name": "张志远",
        "gender": "M",
        "birth_date": "1940-03-15",
        "status": "active",
        "living_situation": "with_family",
        "condition": "good",
        "mobility": "independent",
    }
    return {**data, **changed}


def rejected(client, world, url, **changed) -> dict:
    """Posts a valid form with `changed` fields; asserts nothing was written; returns the form's errors."""
    before = fuzz.rows()
    response = fuzz.post(client, url, valid_post(world, **changed))
    check_rejected(fuzz.changes(before, fuzz.rows()), response)
    return response.context["form"].errors


def test_a_nul_byte_in_the_name_is_refused(client, world):
    assert rejected(client, world, CREATE, name="张\x00三") == {"name": [fuzz.NUL_REFUSED]}


def test_a_contact_group_of_another_branch_is_not_a_choice(client, world):
    errors = rejected(client, world, CREATE, contact_group=world["foreign_group"].pk)
    assert errors == {"contact_group": ["选择一个有效的选项： 该选择不在可用的选项中。"]}


def test_a_name_over_50_characters_is_refused(client, world):
    errors = rejected(client, world, CREATE, name="张" * 51)
    assert errors == {"name": ["确保该变量包含不超过 50 字符 (目前字符数 51)。"]}


def test_a_long_name_of_many_syllables_is_saved(client, world):
    """50 characters of 双 make 349 letters of pinyin: the sort key must not refuse (or crash on) it."""
    response = fuzz.post(client, CREATE, valid_post(world, name="双" * 50))
    assert response.status_code == 302
    assert Member.objects.get(name="双" * 50).name_initials == "s" * 50


@pytest.mark.parametrize("birth_date", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_a_birth_date_out_of_a_lifetime_is_refused(client, world, birth_date):
    """An age below 0 or past 126 is a typing error (and fell in none of the dashboard's age bands: a 500)."""
    errors = rejected(client, world, CREATE, birth_date=birth_date)
    assert errors == {"birth_date": ["请输入1900年1月1日至今天之间的出生日期。"]}
