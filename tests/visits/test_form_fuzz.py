"""Fuzzing the phone-first visit form through its view (see tests/fuzz.py)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.models import HealthRecord
from tests import fuzz
from tests.factories import MemberFactory
from tests.visits.factories import PlannedVisitFactory
from visits.models import Concern, PlannedVisit, Visit
from visits.services import HEALTH_REPORT_WITHIN, URGENT_HEALTH

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NEW = reverse("visits:new")


@pytest.fixture
def world(client, liaison, secretary, stranger, branch, group, other_branch):
    """The liaison logged in; a member with visits due; another branch's member and planned visit."""
    client.force_login(liaison)
    member = MemberFactory(branch=branch, contact_group=group, name="李秀英")
    foreign = MemberFactory(branch=other_branch, name="赵建国")
    cancelled = PlannedVisitFactory(member=member, kind="birthday", occasion="birthday-2026")
    PlannedVisit.objects.filter(pk=cancelled.pk).update(
        status=PlannedVisit.Status.CANCELLED, cancel_reason="家属请缓"
    )
    return {
        "member": member,
        "carers": [liaison.pk, secretary.pk],
        "due": [
            PlannedVisitFactory(member=member).pk,
            PlannedVisitFactory(member=member, kind="festival", occasion="festival-2026-spring").pk,
        ],
        "foreign_member": foreign,
        "foreign_planned": PlannedVisitFactory(member=foreign).pk,
        "cancelled": cancelled.pk,
        "stranger": stranger.pk,
    }


def visit_dates() -> st.SearchStrategy[str]:
    today = timezone.localdate()
    return fuzz.iso(st.dates(today - datetime.timedelta(days=3 * 365), today))


def concerns() -> st.SearchStrategy[tuple[str, str]]:
    """(category, text): none, or a concern with both."""
    raised = st.tuples(st.sampled_from(Concern.Category.values), fuzz.plain_text(min_size=1, max_size=80))
    return st.one_of(st.just(("", "")), raised)


def plausible_post(world) -> st.SearchStrategy[dict]:
    fields = {
        "member": st.just(world["member"].pk),
        "kind": st.sampled_from(PlannedVisit.Kind.values),
        "date": visit_dates(),
        "mode": st.sampled_from(Visit.Mode.values),
        "visitors": st.lists(st.sampled_from(world["carers"]), min_size=1, max_size=2, unique=True),
        "health": st.sampled_from(["", *HealthRecord.Condition.values]),
        "amount": st.one_of(st.just(""), st.decimals(0, Decimal("999999.99"), places=2).map(str)),
        "notes": fuzz.plain_text(max_size=200),
        "follow_up": st.sampled_from(["", "on"]),
        "planned": st.sampled_from(["", *world["due"]]),
        "concern": concerns(),
    }
    return st.fixed_dictionaries(fields).map(_split_concern)


def _split_concern(data: dict) -> dict:
    data = dict(data)
    if "concern" in data:
        data["concern_category"], data["concern_text"] = data.pop("concern")
    return data


def hostile_post(world) -> st.SearchStrategy[dict]:
    own = world["member"].pk
    foreign = world["foreign_member"].pk
    fields = {
        "member": st.sampled_from([own, own, own, foreign, "²", "-1", "99999999999999999999999", "0"]),
        "kind": st.sampled_from(PlannedVisit.Kind.values),
        "date": st.one_of(visit_dates(), fuzz.odd_dates),
        "mode": st.sampled_from(Visit.Mode.values),
        "visitors": st.sampled_from([*world["carers"], world["stranger"]]),
        "health": st.sampled_from(HealthRecord.Condition.values),
        "amount": st.one_of(st.decimals(allow_nan=True).map(str), st.sampled_from(["1000000", "0.001"])),
        "notes": fuzz.plain_text(max_size=200),
        "follow_up": st.sampled_from(["on", "off", "0"]),
        "planned": st.sampled_from([*world["due"], world["cancelled"], world["foreign_planned"]]),
        "concern_category": st.sampled_from(Concern.Category.values),
        "concern_text": fuzz.plain_text(max_size=80),
    }
    return fuzz.posts(fields)


def check_recorded(changes: dict, response, member) -> None:
    """One visit with its visitors and history; the member's planned visits closed; a concern if raised."""
    assert response["Location"] == reverse("visits:schedule")
    visit = Visit.objects.get(pk=_only(changes.pop("visit")["added"]))
    assert visit.member == member
    assert changes.pop("visit_visitor")["added"] == set(
        Visit.visitors.through.objects.filter(visit=visit).values_list("pk", flat=True)
    )
    planned = changes.pop("planned_visit", {"added": set(), "changed": set(), "removed": set()})
    if visit.health in URGENT_HEALTH and visit.date >= timezone.localdate() - HEALTH_REPORT_WITHIN:
        # The report put the member in hospital or critically ill (visits.care): the health record and
        # care periods follow, the hospital visit is planned (and fulfilled by a hospital visit now),
        # the carers alerted.
        for table in ("member", "health", "care_period", "message"):
            changes.pop(table, None)
        added = PlannedVisit.objects.filter(pk__in=planned["added"])
        assert {(p.member_id, p.kind) for p in added} <= {(member.pk, PlannedVisit.Kind.HOSPITAL)}
        planned["added"] = set()
    assert planned["added"] == planned["removed"] == set()
    closed = PlannedVisit.objects.filter(pk__in=planned["changed"])
    assert all(p.member_id == member.pk and p.status == PlannedVisit.Status.DONE for p in closed)
    if visit.planned_id:
        assert visit.planned_id in planned["changed"]
    concern = changes.pop("concern", None)
    if concern:
        assert Concern.objects.get(pk=_only(concern["added"])).visit == visit
        assert len(changes.pop("concern_event")["added"]) == 1
    assert changes.pop("log_entry")["added"]
    assert changes == {}, f"unexpected writes: {changes}"


def _only(keys: set):
    assert len(keys) == 1, keys
    return next(iter(keys))


def check_any(changes: dict, response, member) -> None:
    if response.status_code == 302:
        check_recorded(changes, response, member)
        return
    assert changes == {}, f"a refused visit wrote {changes}"
    if response.status_code == 200 and "form" in response.context:
        fuzz.assert_errors_shown(response)
    else:  # another branch's member (404), or no member chosen: the search page
        assert response.status_code in (200, 404)


@FUZZ
@given(data=st.data())
def test_any_input_gives_errors_or_exactly_one_visit(client, world, data):
    with fuzz.rolled_back():
        before = fuzz.rows()
        response = fuzz.post(client, NEW, data.draw(hostile_post(world)))
        check_any(fuzz.changes(before, fuzz.rows()), response, world["member"])


@FUZZ
@given(data=st.data())
def test_any_plausible_visit_is_recorded(client, world, data):
    with fuzz.rolled_back():
        before = fuzz.rows()
        response = fuzz.post(client, NEW, data.draw(plausible_post(world)))
        assert response.status_code == 302, response.context["form"].errors
        check_recorded(fuzz.changes(before, fuzz.rows()), response, world["member"])


def valid_post(world, **changed) -> dict:
    data = {
        "member": world["member"].pk,
        "kind": "routine",
        "date": timezone.localdate().isoformat(),
        "mode": "home",
        "visitors": world["carers"][0],
    }
    return {**data, **changed}


def rejected(client, world, **changed) -> dict:
    """Posts a valid visit with `changed` fields; asserts nothing was written; returns the form's errors."""
    before = fuzz.rows()
    response = fuzz.post(client, NEW, valid_post(world, **changed))
    assert fuzz.changes(before, fuzz.rows()) == {}
    fuzz.assert_errors_shown(response)
    return response.context["form"].errors


def test_a_visit_in_year_9999_has_not_come_yet(client, world):
    assert rejected(client, world, date="9999-12-31") == {"date": ["不能登记尚未到来的日期的探望。"]}


def test_a_visit_in_year_1_is_refused(client, world):
    assert rejected(client, world, date="0001-01-01") == {"date": ["探望日期不能早于该党员的出生日期。"]}


def test_a_missing_mode_is_said_on_the_page(client, world):
    assert rejected(client, world, mode="") == {"mode": ["这个字段是必填项。"]}


def test_a_planned_visit_of_another_member_is_not_a_choice(client, world):
    errors = rejected(client, world, planned=world["foreign_planned"])
    assert errors == {"planned": ["选择一个有效的选项： 该选择不在可用的选项中。"]}


def test_a_superscript_digit_as_member_shows_the_search(client, world):
    before = fuzz.rows()
    response = fuzz.post(client, NEW, valid_post(world, member="²"))
    assert response.status_code == 200 and response.context["member"] is None
    assert fuzz.changes(before, fuzz.rows()) == {}


def test_a_member_of_another_branch_is_404(client, world):
    before = fuzz.rows()
    response = fuzz.post(client, NEW, valid_post(world, member=world["foreign_member"].pk))
    assert response.status_code == 404
    assert fuzz.changes(before, fuzz.rows()) == {}


def test_a_visitor_id_past_64_bits_is_not_a_choice(client, world):
    errors = rejected(client, world, visitors=str(2**63))
    assert errors == {"visitors": [f"选择一个有效的选项。 {2**63} 不在可用的选项中。"]}


@FUZZ
@given(query=st.one_of(fuzz.hostile, fuzz.plain_text(max_size=10)))
def test_the_member_search_takes_any_text(client, world, query):
    """Step one of the phone form, as a page and as the htmx search (PostgreSQL refuses NUL in a query)."""
    page = client.get(NEW, {"q": query})
    assert page.status_code == 200 and page.context["query"] == query
    assert client.get(reverse("visits:member_search"), {"q": query}).status_code == 200


def test_a_nul_byte_in_the_search_finds_nobody(client, world):
    response = client.get(NEW, {"q": "\x00"})
    assert response.status_code == 200 and list(response.context["found"]) == []
