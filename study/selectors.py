"""Reads of study activities, each scoped to the branches the user may see."""

import datetime
import functools
import hmac
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Cast, Coalesce, ExtractMonth, NullIf
from django.shortcuts import get_object_or_404
from django.utils.html import format_html_join
from django.utils.translation import gettext as _

from accounts.models import BranchRole
from accounts.permissions import COMMITTEE, branch_ids
from lib import figures
from lib.links import id_url
from members.models import Member
from members.selectors import reader_member_ids
from org.models import Branch

from .models import (
    DEFAULT_FREQUENCIES,
    MINUTED_KINDS,
    Attendance,
    CalendarToken,
    Contribution,
    Frequency,
    InterestGroup,
    MeetingFrequency,
    Resolution,
    StudyActivity,
    StudyMaterial,
    StudyPlan,
)

FEED_DAYS_BACK = 180
# What a card on the list shows (the activity-card partial of templates/study/activity_list.html).
CARD_FIELDS = ("organiser_id", "kind", "theme", "date", "starts_at", "ends_at", "place", "speaker", "summary")
# What the member page's attendance and talks show of their activity (templates/study/member_panel.html).
ACTIVITY_SHOWN = ("activity__date", "activity__theme", "activity__kind")


def _own_attendance(user, *fields: str) -> Prefetch:
    """The reader's own attendance of each activity (`own_attendances`), of `fields` or whole. The reader
    is one member: nothing to order (the default ordering would join each row's member to sort)."""
    own = Attendance.objects.filter(member__in=reader_member_ids(user)).order_by()
    return Prefetch("attendances", own.only(*fields) if fields else own, to_attr="own_attendances")


def visible_activities(user):
    """Activities in which a branch the user may see takes part; a committee meeting (支委会) only
    where the user reads committee minutes (the committee, the liaison, the bureau)."""
    readers = branch_ids(user, "read_committee_minutes")
    committee_meeting = Q(kind=StudyActivity.Kind.COMMITTEE_MEETING)
    return StudyActivity.objects.in_branches(branch_ids(user, "view_study")).exclude(
        committee_meeting & ~Q(organiser_id__in=readers)
    )


def attendees(activity: StudyActivity, branch_ids: list[int]):
    """Who is expected at the activity among the given branches' active members: the committee's
    members for a committee meeting, the contact group's for a party-group meeting, everyone otherwise
    (the sign-in sheet, attendance, reminder)."""
    members = Member.objects.active().in_branches(branch_ids)
    if activity.kind == StudyActivity.Kind.GROUP_MEETING and activity.contact_group_id:
        members = members.filter(contact_group_id=activity.contact_group_id)
    if activity.kind == StudyActivity.Kind.COMMITTEE_MEETING:
        on_committee = BranchRole.objects.filter(
            user_id=OuterRef("user_id"), branch_id=OuterRef("branch_id"), role__in=COMMITTEE
        )
        members = members.filter(Exists(on_committee))
    return members


def activity_cards(*, user):
    """The activities the user may see with only the columns a card shows, nothing preloaded: the
    caller slices several lists first and preloads them together with `activities_preload`."""
    return visible_activities(user).only(*CARD_FIELDS)


def activities_preload(*, user, lists: list[list[StudyActivity]]) -> None:
    """Loads the branches (`branch_list`), materials (`material_list`) and the user's own attendance
    of every activity in the lists: three queries for all of them, of the columns a card shows."""
    every = [activity for activities in lists for activity in activities]
    # As lists (to_attr): the cards read them directly instead of cloning a queryset per card. Ordered
    # within an activity only: the models' default ordering would join each row's activity to sort by it.
    materials = StudyMaterial.objects.only("activity", "kind", "title", "url").order_by(
        "kind", "uploaded_at", "pk"
    )
    prefetch_related_objects(
        every,
        Prefetch("branches", Branch.objects.only("name"), to_attr="branch_list"),
        Prefetch("materials", materials, to_attr="material_list"),
        _own_attendance(user, "activity", "status", "makeup_on"),
    )


def activity_get_for_user(user, pk: int) -> StudyActivity:
    """The activity if one of its branches is the user's; 404 otherwise."""
    activities = visible_activities(user).select_related("organiser", "interest_group", "contact_group")
    preloaded = activities.prefetch_related("branches", "materials", _own_attendance(user))
    return get_object_or_404(preloaded, pk=pk)


def activity_get_for_editor(user, pk: int) -> StudyActivity:
    """The activity for editing: 404 outside the user's branches, 403 unless they manage the organiser
    (for a meeting: unless they are on its committee)."""
    activity = activity_get_for_user(user, pk)
    if activity.organiser_id not in branch_ids(user, activity.capability):
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
    return visible_activities(user).upcoming(today).select_related("organiser").first()


def next_study_day(*, member: Member, today: datetime.date) -> StudyActivity | None:
    """The member's branch's next monthly study day from today on (one query)."""
    return (
        StudyActivity.objects.in_branches([member.branch_id])
        .filter(kind=StudyActivity.Kind.MONTHLY)
        .upcoming(today)
        .first()
    )


def printed_schedule(*, user, today: datetime.date) -> tuple[int, list[StudyActivity]]:
    """The year a member plans for and its monthly study days in date order (one query): this year
    while a study day is still to come or next year's are not yet planned, else next year."""
    days = list(
        StudyActivity.objects.in_branches(branch_ids(user, "view_study"))
        .filter(kind=StudyActivity.Kind.MONTHLY, date__year__in=[today.year, today.year + 1])
        .order_by("date", "starts_at", "pk")
    )
    this_year = [day for day in days if day.date.year == today.year]
    next_year = [day for day in days if day.date.year > today.year]
    if next_year and not any(day.date >= today for day in this_year):
        return today.year + 1, next_year
    return today.year, this_year


def material_get_for_user(user, pk: int) -> StudyMaterial:
    """A stored file of an activity the user may see; 404 otherwise (and for links, which have no file)."""
    visible = visible_activities(user)
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
        attendees(activity, managed_branch_ids(user, activity))
        .select_related("branch")
        .order_by("branch__name", "name_pinyin", "pk")
    )
    records = {a.member_id: a for a in Attendance.objects.filter(activity=activity, member__in=members)}
    return [SheetRow(member, records.get(member.pk)) for member in members]


def sheet_row(*, user, activity: StudyActivity, member_id: int) -> SheetRow:
    """One row of the sheet, for the htmx swap; 404 for a member outside it."""
    member = get_object_or_404(
        attendees(activity, managed_branch_ids(user, activity)).select_related("branch"),
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
    """The member's latest attendance records, newest first, with the columns the member page shows."""
    return (
        Attendance.objects.filter(member=member)
        .select_related("activity")
        .only("status", "reason", "makeup_on", "makeup_note", *ACTIVITY_SHOWN)
        .order_by("-activity__date", "-activity__starts_at")[:limit]
    )


def interest_group_list(*, user):
    """The interest groups of the user's branches, with their organiser, members and activities."""
    return (
        InterestGroup.objects.filter(branch_id__in=branch_ids(user, "view_study"))
        .select_related("branch", "organiser")
        .prefetch_related(
            Prefetch("members", queryset=Member.objects.active().order_by("name_pinyin")),
            Prefetch("activities", queryset=StudyActivity.objects.order_by("-date")),
        )
    )


def interest_group_get_for_editor(user, pk: int) -> InterestGroup:
    """A group for editing: 404 outside the branches the user manages study in."""
    return get_object_or_404(
        InterestGroup.objects.filter(branch_id__in=branch_ids(user, "manage_study")).select_related("branch"),
        pk=pk,
    )


def plan_get(*, branch_id: int, year: int) -> StudyPlan | None:
    return StudyPlan.objects.filter(branch_id=branch_id, year=year).prefetch_related("months").first()


def feed_activities(*, user, today: datetime.date):
    """What the user's calendar feed carries: activities from half a year ago on."""
    since = today - datetime.timedelta(days=FEED_DAYS_BACK)
    return (
        visible_activities(user)
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

    @property
    def url(self) -> str:
        return id_url("study:detail", self.activity_id)


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


# Meetings (三会一课), their minutes and resolutions, and the year against the rules.


def meeting_list(*, user):
    """Meetings and theme Party days the user may see, newest first, with their minutes counted."""
    return (
        visible_activities(user)
        .filter(kind__in=MINUTED_KINDS)
        .select_related("organiser")
        .annotate(
            item_count=Count("agenda_items", distinct=True),
            open_count=Count("resolutions", filter=Q(resolutions__done_at__isnull=True), distinct=True),
        )
        .order_by("-date", "-starts_at", "-pk")
    )


def contribution_file_get_for_user(user, pk: int) -> Contribution:
    """A talk's or essay's file at an activity the user may see; 404 otherwise (and when it has none)."""
    with_file = Contribution.objects.exclude(file="").filter(activity__in=visible_activities(user))
    return get_object_or_404(with_file, pk=pk)


def contributions_of_activity(activity: StudyActivity) -> list:
    return list(activity.contributions.select_related("author").order_by("pk"))


def member_contributions(*, member: Member, limit: int = 24):
    """The member's talks and essays, newest first, with the columns the member page shows."""
    contributions = member.contributions.select_related("activity").only("kind", "title", *ACTIVITY_SHOWN)
    return contributions.order_by("-activity__date", "-pk")[:limit]


def minutes_get(activity: StudyActivity) -> dict:
    """The minutes of a meeting: its agenda items and resolutions with their owners (two queries)."""
    return {
        "items": list(activity.agenda_items.all()),
        "resolutions": list(activity.resolutions.select_related("owner", "done_by")),
    }


def activity_get_for_recorder(user, pk: int) -> StudyActivity:
    """A meeting for writing its minutes: 404 outside what the user sees, 403 unless on its committee."""
    activity = activity_get_for_user(user, pk)
    if activity.organiser_id not in branch_ids(user, "record_meetings") or not activity.has_minutes:
        raise PermissionDenied
    return activity


def resolution_owners(branch_id: int):
    """Who may carry out a resolution: active users holding a role in the branch, the bureau aside."""
    held = BranchRole.objects.filter(user_id=OuterRef("pk"), branch_id=branch_id).exclude(
        role=BranchRole.Role.BUREAU
    )
    return (
        get_user_model()
        .objects.filter(Exists(held), is_active=True)
        .order_by("last_name", "first_name", "username")
    )


def open_resolutions(*, user):
    """The user's resolutions not yet done, soonest due first: they stay on the home page until done."""
    return Resolution.objects.open().filter(owner=user).select_related("activity").order_by("due_on", "pk")


def resolution_get_for_user(user, pk: int) -> Resolution:
    """A resolution of a meeting the user sees; 404 otherwise."""
    return get_object_or_404(
        Resolution.objects.filter(activity__in=visible_activities(user)).select_related("activity"), pk=pk
    )


@dataclass
class Period:
    first: int  # months 1–12
    last: int
    held: int
    status: str  # "held", "missing" (over, none held), "due" (running, none yet), "later"

    @property
    def span(self) -> int:
        return self.last - self.first + 1

    @property
    def label(self) -> str:
        """12月, or 1–3月 for a quarter."""
        if self.first == self.last:
            return _("Month %(m)s") % {"m": self.first}
        return _("Months %(first)s–%(last)s") % {"first": self.first, "last": self.last}


@dataclass
class KindRow:
    kind: str
    label: str
    every_months: int
    months: list[int]
    periods: list[Period]

    @property
    def held(self) -> int:
        return sum(self.months)

    @property
    def every_label(self) -> str:
        return Frequency(self.every_months).label

    @property
    def missing(self) -> int:
        return sum(1 for p in self.periods if p.status == "missing")

    @property
    def missing_labels(self) -> str:
        """The periods over without a meeting, for the phone's list: 1月、2月、3月, none split by a line."""
        return _labels(p for p in self.periods if p.status == "missing")

    @property
    def due_labels(self) -> str:
        return _labels(p for p in self.periods if p.status == "due")


def _labels(periods) -> str:
    return format_html_join("、", '<span class="text-nowrap">{}</span>', ((p.label,) for p in periods))


@dataclass
class BranchYear:
    branch: Branch
    rows: list[KindRow]

    @property
    def missing(self) -> int:
        return sum(row.missing for row in self.rows)


def frequencies(branch_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each branch's expected frequency per kind (months between meetings; 0: not required)."""
    result = {b: {str(k): int(v) for k, v in DEFAULT_FREQUENCIES.items()} for b in branch_ids}
    for row in MeetingFrequency.objects.filter(branch_id__in=branch_ids):
        result[row.branch_id][row.kind] = row.every_months
    return result


def meeting_year(branches: list[Branch], year: int, today: datetime.date) -> list[BranchYear]:
    """This year's meetings per branch, kind and month against the branch's expected frequency
    (one query whatever the number of branches, `_held_by_month`)."""
    found = _held_by_month([b.pk for b in branches], year)
    labels = dict(StudyActivity.Kind.choices)
    result = []
    for branch in sorted(branches, key=lambda b: b.name):
        rows = []
        for kind, default in DEFAULT_FREQUENCIES.items():
            months = [found.get((branch.pk, kind, m), 0) for m in range(1, 13)]
            every = found.get((branch.pk, kind, 0), int(default))
            rows.append(KindRow(kind, labels[kind], every, months, _periods(months, every, year, today)))
        result.append(BranchYear(branch, rows))
    return result


def missing_meetings_columns(branch_ids: list[int], year: int, today: datetime.date) -> dict:
    """The home page's meetings tile as columns of the dashboard's one query (`lib.figures`): the
    periods of the year that ended with a meeting held in them, over the branches and kinds, and the
    branches' own frequencies (a short list, mostly empty). `missing_meetings` makes the tile of them.
    Counted by the database, not by building the year's table (for the bureau, 200 branches × 6 kinds)."""
    before = _months_ended_before(year, today)
    # A branch's expected months between meetings of a kind: its own (joined, not looked up once per
    # use in each row), else the rules'; NULL for none, which no period matches.
    own = FilteredRelation(
        "branch__meeting_frequencies",
        condition=Q(branch__meeting_frequencies__kind=F("studyactivity__kind")),
    )
    rules = Case(*[When(studyactivity__kind=k, then=Value(int(n))) for k, n in DEFAULT_FREQUENCIES.items()])
    held = (
        StudyActivity.branches.through.objects.filter(
            branch_id__in=branch_ids,
            studyactivity__date__year=year,
            studyactivity__kind__in=list(DEFAULT_FREQUENCIES),
        )
        .annotate(own=own)
        .annotate(every=NullIf(Coalesce("own__every_months", rules), Value(0)))
        .annotate(period=(Cast(ExtractMonth("studyactivity__date"), IntegerField()) - 1) / F("every"))
        # Periods run from January, so those ended are the first (before - 1) // every (`_periods`).
        .filter(period__lt=(Value(before) - 1) / F("every"))
    )
    frequencies = MeetingFrequency.objects.filter(branch_id__in=branch_ids)
    return {
        "meetings_held": figures.Count(held, "branch_id", "studyactivity__kind", "period"),
        "meetings_own_frequencies": figures.Rows(frequencies, "kind", "every_months"),
    }


def missing_meetings(row: dict, branch_ids: list[int], year: int, today: datetime.date) -> int:
    """The periods of the year that ended without their meeting, over the branches: those ended less
    those held, from `missing_meetings_columns`' row."""
    before = _months_ended_before(year, today)

    def ended(every: int) -> int:
        return (before - 1) // every if every else 0

    due = len(branch_ids) * sum(ended(every) for every in DEFAULT_FREQUENCIES.values())
    due += sum(
        ended(every) - ended(DEFAULT_FREQUENCIES[kind]) for kind, every in row["meetings_own_frequencies"]
    )
    return due - row["meetings_held"]


def _months_ended_before(year: int, today: datetime.date) -> int:
    """The first month of `year` not yet over on `today`: 13 for a past year, 1 for a future one."""
    return 13 if year < today.year else today.month if year == today.year else 1


def _held_by_month(branch_ids: list[int], year: int) -> dict[tuple[int, str, int], int]:
    """{(branch, kind, month): meetings held}, and each branch's own frequencies as month 0, in one
    query (UNION ALL). A joint activity counts for every branch taking part."""
    counts = (
        StudyActivity.branches.through.objects.filter(
            branch_id__in=branch_ids,
            studyactivity__date__year=year,
            studyactivity__kind__in=list(DEFAULT_FREQUENCIES),
        )
        .values_list("branch_id", "studyactivity__kind", ExtractMonth("studyactivity__date"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    own = MeetingFrequency.objects.filter(branch_id__in=branch_ids).values_list(
        "branch_id", "kind", Value(0, output_field=IntegerField()), "every_months"
    )
    return {(b, kind, month): n for b, kind, month, n in counts.union(own, all=True)}


@functools.cache
def _period_bounds(every: int, year: int) -> tuple[tuple[int, int, datetime.date, datetime.date], ...]:
    """(first month, last month, first day, the day after) of each period of a year with a meeting
    every `every` (1 or more) months."""
    bounds = []
    for first in range(1, 13, every):
        last = first + every - 1
        bounds.append(
            (first, last, datetime.date(year, first, 1), datetime.date(year + (last == 12), last % 12 + 1, 1))
        )
    return tuple(bounds)


def _periods(months: list[int], every: int, year: int, today: datetime.date) -> list[Period]:
    if not every:
        return [Period(1, 12, sum(months), "held" if sum(months) else "later")]
    periods = []
    for first, last, starts, ends in _period_bounds(every, year):
        held = sum(months[first - 1 : last])
        if held:
            status = "held"
        elif ends <= today:
            status = "missing"
        elif starts <= today:
            status = "due"
        else:
            status = "later"
        periods.append(Period(first, last, held, status))
    return periods


@dataclass
class AttendanceSummary:
    expected: int
    present: list[str]
    leave: list[str]
    absent: list[str]


def attendance_summary(activity: StudyActivity) -> AttendanceSummary:
    """应到、实到、请假、缺席 for the minutes, from the attendance taken (two queries)."""
    expected = attendees(activity, [b.pk for b in activity.branches.all()]).count()
    names: dict[str, list[str]] = {"present": [], "leave": [], "absent": []}
    records = Attendance.objects.filter(activity=activity).order_by("member__name_pinyin", "pk")
    for status, name in records.values_list("status", "member__name"):
        names["present" if status in Attendance.ATTENDED else status].append(name)
    return AttendanceSummary(expected, names["present"], names["leave"], names["absent"])


def home_meetings_columns(user, today: datetime.date) -> dict:
    """The meetings tile's figures, for the dashboard's one query."""
    shown = branch_ids(user, "read_committee_minutes")
    return missing_meetings_columns(shown, today.year, today) if shown else {}


def home_meetings(*, user, today: datetime.date, row: dict) -> dict:
    """The home page's meetings part: the user's open resolutions (one query) and, for the committee,
    the liaison and the bureau, the periods this year that ended without their meeting, from the
    dashboard's figures row (`home_meetings_columns`)."""
    shown = branch_ids(user, "read_committee_minutes")
    return {
        "today": today,
        "resolutions": list(open_resolutions(user=user)[:20]),
        "missing": missing_meetings(row, shown, today.year, today) if shown else None,
    }
