"""Reads of study activities, each scoped to the branches the user may see."""

import datetime
import hmac
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, prefetch_related_objects
from django.shortcuts import get_object_or_404

from accounts.permissions import branch_ids
from members.models import Member
from members.selectors import reader_member_ids

from .models import Attendance, CalendarToken, InterestGroup, StudyActivity, StudyMaterial, StudyPlan

FEED_DAYS_BACK = 180


def _own_attendance(user) -> Prefetch:
    return Prefetch(
        "attendances",
        queryset=Attendance.objects.filter(member__in=reader_member_ids(user)),
        to_attr="own_attendances",
    )


def _list_prefetches(user) -> list:
    return ["branches", "materials", _own_attendance(user)]


def activity_list(*, user, prefetch: bool = True):
    """Activities in which any branch the user may see takes part, with what the list shows preloaded.

    With `prefetch=False` the caller slices several lists first and preloads them together
    with `activities_preload`: three queries for all of them instead of three per list.
    """
    activities = StudyActivity.objects.in_branches(branch_ids(user, "view_study")).select_related(
        "organiser", "interest_group"
    )
    return activities.prefetch_related(*_list_prefetches(user)) if prefetch else activities


def activities_preload(*, user, lists: list[list[StudyActivity]]) -> None:
    """Loads the branches (`branch_list`), materials (`material_list`) and the user's own attendance
    of every activity in the lists."""
    every = [activity for activities in lists for activity in activities]
    # As lists (to_attr): the cards read them directly instead of cloning a queryset per card.
    as_lists = [Prefetch("branches", to_attr="branch_list"), Prefetch("materials", to_attr="material_list")]
    prefetch_related_objects(every, *as_lists, _own_attendance(user))


def activity_get_for_user(user, pk: int) -> StudyActivity:
    """The activity if one of its branches is the user's; 404 otherwise."""
    return get_object_or_404(activity_list(user=user), pk=pk)


def activity_get_for_editor(user, pk: int) -> StudyActivity:
    """The activity for editing: 404 outside the user's branches, 403 unless they manage the organiser."""
    activity = activity_get_for_user(user, pk)
    if activity.organiser_id not in branch_ids(user, "manage_study"):
        raise PermissionDenied
    return activity


def activity_get_for_attendance(user, pk: int) -> StudyActivity:
    """The activity for taking attendance: 403 unless the user manages a branch taking part."""
    activity = activity_get_for_user(user, pk)
    if not managed_branch_ids(user, activity):
        raise PermissionDenied
    return activity


def managed_branch_ids(user, activity: StudyActivity) -> list[int]:
    """The branches taking part in the activity whose attendance the user may take."""
    manages = set(branch_ids(user, "manage_study"))
    return sorted(b.pk for b in activity.branches.all() if b.pk in manages)


def next_activity(*, user, today: datetime.date) -> StudyActivity | None:
    return (
        StudyActivity.objects.in_branches(branch_ids(user, "view_study"))
        .upcoming(today)
        .select_related("organiser")
        .first()
    )


def material_get_for_user(user, pk: int) -> StudyMaterial:
    """A stored file of an activity the user may see; 404 otherwise (and for links, which have no file)."""
    visible = StudyActivity.objects.in_branches(branch_ids(user, "view_study"))
    return get_object_or_404(
        StudyMaterial.objects.exclude(kind=StudyMaterial.Kind.LINK).filter(activity__in=visible), pk=pk
    )


@dataclass
class SheetRow:
    member: Member
    attendance: Attendance | None


def attendance_sheet(*, user, activity: StudyActivity) -> list[SheetRow]:
    """Active members of the branches taking part that the user manages, each with their record."""
    members = (
        Member.objects.active()
        .in_branches(managed_branch_ids(user, activity))
        .select_related("branch")
        .order_by("branch__name", "name_pinyin", "pk")
    )
    records = {a.member_id: a for a in Attendance.objects.filter(activity=activity, member__in=members)}
    return [SheetRow(member, records.get(member.pk)) for member in members]


def sheet_row(*, user, activity: StudyActivity, member_id: int) -> SheetRow:
    """One row of the sheet, for the htmx swap; 404 for a member outside it."""
    member = get_object_or_404(
        Member.objects.active().in_branches(managed_branch_ids(user, activity)).select_related("branch"),
        pk=member_id,
    )
    return SheetRow(member, Attendance.objects.filter(activity=activity, member=member).first())


def makeup_list(*, user):
    """Missed monthly study days not yet made up, in the branches the user manages, oldest first."""
    return (
        Attendance.objects.filter(
            activity__kind=StudyActivity.Kind.MONTHLY,
            status__in=Attendance.MISSED,
            makeup_on__isnull=True,
            member__status=Member.Status.ACTIVE,
            member__branch_id__in=branch_ids(user, "manage_study"),
        )
        .select_related("member__branch", "activity")
        .order_by("activity__date", "member__name_pinyin", "pk")
    )


def makeup_get_for_user(user, pk: int) -> Attendance:
    return get_object_or_404(makeup_list(user=user), pk=pk)


def member_attendance(*, member: Member, limit: int = 24):
    """The member's latest attendance records, newest first."""
    return (
        Attendance.objects.filter(member=member)
        .select_related("activity")
        .order_by("-activity__date", "-activity__starts_at")[:limit]
    )


def interest_group_list(*, user):
    """The interest groups of the user's branches, with their members and the activities they held."""
    return (
        InterestGroup.objects.filter(branch_id__in=branch_ids(user, "view_study"))
        .select_related("branch")
        .prefetch_related(
            Prefetch("members", queryset=Member.objects.active().order_by("name_pinyin")),
            Prefetch("activities", queryset=StudyActivity.objects.order_by("-date")),
        )
    )


def plan_get(*, branch_id: int, year: int) -> StudyPlan | None:
    return StudyPlan.objects.filter(branch_id=branch_id, year=year).prefetch_related("months").first()


def feed_activities(*, user, today: datetime.date):
    """What the user's calendar feed carries: activities from half a year ago on."""
    since = today - datetime.timedelta(days=FEED_DAYS_BACK)
    return (
        StudyActivity.objects.in_branches(branch_ids(user, "view_study"))
        .filter(date__gte=since)
        .select_related("organiser")
        .order_by("date", "starts_at")[:500]
    )


def calendar_token_user(token: str):
    """The active user whose feed secret this is, or None; the secret is compared in constant time."""
    if "\x00" in token:
        return None  # never a secret (they are URL-safe base64), and PostgreSQL refuses it in a query
    row = CalendarToken.objects.select_related("user").filter(lookup=token[:12]).first()
    if row is None or not hmac.compare_digest(row.token.encode(), token.encode()):
        return None
    return row.user if row.user.is_active else None


@dataclass
class Rate:
    recorded: int
    attended: int

    @property
    def percent(self) -> int:
        return round(100 * self.attended / self.recorded) if self.recorded else 0


@dataclass
class ActivityRate(Rate):
    activity_id: int
    date: datetime.date
    theme: str
    kind: str


@dataclass
class MemberRate(Rate):
    member_id: int
    name: str
    made_up: int


def attendance_stats(branch_ids: list[int], year: int) -> dict:
    """Attendance in the branches over a calendar year: per activity (date order) and per member.

    A rate is attended (present or online) over recorded; a joint activity counts these branches' members.
    """
    rows = Attendance.objects.filter(
        member__branch_id__in=branch_ids,
        activity__date__gte=datetime.date(year, 1, 1),
        activity__date__lt=datetime.date(year + 1, 1, 1),
    )
    counts = {"recorded": Count("pk"), "attended": Count("pk", filter=Q(status__in=Attendance.ATTENDED))}
    activities = (
        rows.values("activity_id", "activity__date", "activity__theme", "activity__kind")
        .annotate(**counts)
        .order_by("activity__date", "activity_id")
    )
    members = (
        rows.values("member_id", "member__name", "member__name_pinyin")
        .annotate(**counts, made_up=Count("pk", filter=Q(makeup_on__isnull=False)))
        .order_by("member__name_pinyin", "member_id")
    )
    return {
        "year": year,
        "activities": [
            ActivityRate(
                r["recorded"],
                r["attended"],
                r["activity_id"],
                r["activity__date"],
                r["activity__theme"],
                r["activity__kind"],
            )
            for r in activities
        ],
        "members": [
            MemberRate(r["recorded"], r["attended"], r["member_id"], r["member__name"], r["made_up"])
            for r in members
        ],
    }


def activity_rates(branch_ids: list[int], since: datetime.date, until: datetime.date) -> list[ActivityRate]:
    """Every activity of the branches from `since` to `until`, in date order, with the attendance of
    these branches' members (one query; an activity nobody was recorded at has 0 of 0).
    """
    theirs = Q(attendances__member__branch_id__in=branch_ids)
    rows = (
        StudyActivity.objects.in_branches(branch_ids)
        .filter(date__gte=since, date__lte=until)
        .annotate(
            recorded=Count("attendances", filter=theirs),
            attended=Count("attendances", filter=theirs & Q(attendances__status__in=Attendance.ATTENDED)),
        )
        .order_by("date", "pk")
        .values_list("recorded", "attended", "pk", "date", "theme", "kind")
    )
    return [ActivityRate(*row) for row in rows]
