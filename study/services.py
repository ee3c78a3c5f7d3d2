"""Writes to study activities, attendance, materials, plans and calendar tokens."""

import calendar
import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.permissions import authorise, person
from members.models import Member
from members.selectors import reader_member
from notifications.services import notify
from org.models import Branch

from . import selectors
from .holidays import off_holiday
from .models import (
    AgendaItem,
    Attendance,
    CalendarToken,
    Contribution,
    InterestGroup,
    MeetingFrequency,
    Resolution,
    StudyActivity,
    StudyMaterial,
    StudyPlan,
    StudyPlanMonth,
    capability_for,
)
from .photos import photo_clean
from .uploads import check_upload

ACTIVITY_FIELDS = {
    "kind",
    "contact_group",
    "theme",
    "date",
    "starts_at",
    "ends_at",
    "place",
    "speaker",
    "chair",
    "recorder",
    "interest_group",
    "description",
    "summary",
}


def _require_manager(actor, branch) -> None:
    authorise(actor, "manage_study", branch, _("You may not manage the study activities of this branch."))


def _require_for_kind(actor, branch, kind: str) -> None:
    """Study activities are the carers'; meetings (三会一课) only the committee records."""
    if capability_for(kind) == "record_meetings":
        refused = _("Only the branch committee records meetings.")
    else:
        refused = _("You may not manage the study activities of this branch.")
    authorise(actor, capability_for(kind), branch, refused)


def _check_branches(organiser: Branch, branches) -> list[Branch]:
    branches = list({b.pk: b for b in [organiser, *branches]}.values())
    if any(b.bureau_id != organiser.bureau_id for b in branches):
        raise ValidationError(_("A joint activity can only include branches of the same bureau."))
    return branches


def _check_interest_group(activity: StudyActivity, branches: list[Branch]) -> None:
    group = activity.interest_group
    if group is not None and group.branch_id not in {b.pk for b in branches}:
        raise ValidationError({"interest_group": _("The interest group belongs to another branch.")})


@transaction.atomic
def activity_create(*, actor, organiser: Branch, branches=(), **fields) -> StudyActivity:
    """Creates an activity of `organiser`, shown in every branch of `branches` as well."""
    _require_for_kind(actor, organiser, fields.get("kind", StudyActivity.Kind.MONTHLY))
    branches = _check_branches(organiser, branches)
    activity = StudyActivity(organiser=organiser, created_by=person(actor), **fields)
    _check_interest_group(activity, branches)
    activity.full_clean()
    activity.save()
    activity.branches.set(branches)
    return activity


@transaction.atomic
def activity_update(*, actor, activity: StudyActivity, branches=None, **fields) -> StudyActivity:
    """Changes the given fields (moving a study day is a change of date); only the organiser's carers may,
    and for a meeting (before or after the change) only its committee."""
    _require_for_kind(actor, activity.organiser_id, activity.kind)
    _require_for_kind(actor, activity.organiser_id, fields.get("kind", activity.kind))
    unknown = set(fields) - ACTIVITY_FIELDS
    if unknown:
        raise ValueError(f"Not activity fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(activity, name, value)
    before = list(activity.branches.all())
    current = _check_branches(activity.organiser, branches if branches is not None else before)
    _check_interest_group(activity, current)
    activity.full_clean()
    activity.save(update_fields=[*fields, "updated_at"])
    if branches is not None:
        activity.branches.set(current)
    return activity


@transaction.atomic
def attendance_mark(
    *, actor, activity: StudyActivity, member: Member, status: str, reason: str = ""
) -> Attendance:
    """Records whether the member came; only for members of a branch taking part that the actor manages."""
    _require_manager(actor, member.branch_id)
    if not activity.branches.filter(pk=member.branch_id).exists():
        raise PermissionDenied(_("This member's branch does not take part in the activity."))
    attendance = Attendance.objects.select_for_update().filter(activity=activity, member=member).first()
    if attendance is None:
        attendance = Attendance(activity=activity, member=member)
    attendance.status = status
    attendance.reason = reason.strip() if status == Attendance.Status.LEAVE else ""
    attendance.recorded_by = person(actor)
    if status in Attendance.ATTENDED:
        attendance.makeup_on, attendance.makeup_note = None, ""
    attendance.full_clean(validate_unique=False)
    attendance.save()
    return attendance


@transaction.atomic
def attendance_record_makeup(
    *, actor, attendance: Attendance, on: datetime.date, note: str = ""
) -> Attendance:
    """Records the make-up study (补学) of a member who missed a study day, e.g. done at a home visit."""
    _require_manager(actor, attendance.member.branch_id)
    if attendance.status not in Attendance.MISSED:
        raise ValidationError(_("Make-up study is recorded only for a member who missed the day."))
    if on < attendance.activity.date:
        raise ValidationError({"makeup_on": _("Make-up study cannot come before the study day.")})
    if on > timezone.localdate():
        raise ValidationError({"makeup_on": _("Make-up study cannot be recorded for a future day.")})
    attendance.makeup_on, attendance.makeup_note = on, note.strip()
    attendance.recorded_by = person(actor)
    attendance.full_clean(validate_unique=False)
    attendance.save(update_fields=["makeup_on", "makeup_note", "recorded_by", "recorded_at"])
    return attendance


@transaction.atomic
def material_add(
    *, actor, activity: StudyActivity, kind: str, title: str, file: UploadedFile | None = None, url: str = ""
) -> StudyMaterial:
    """Adds a document, photo or link; files are checked by their content and stored under a random name,
    photos re-encoded without their metadata (study/photos.py)."""
    _require_manager(actor, activity.organiser_id)
    material = StudyMaterial(activity=activity, kind=kind, title=title, url=url, uploaded_by=person(actor))
    if kind != StudyMaterial.Kind.LINK:
        if file is None:
            raise ValidationError({"file": _("Choose a file to upload.")})
        file_type = check_upload(file, image_only=kind == StudyMaterial.Kind.PHOTO)
        if kind == StudyMaterial.Kind.PHOTO:
            file = photo_clean(file)  # resized, upright, EXIF and GPS position stripped
        file.name = f"upload{file_type.extension}"
        material.file, material.content_type, material.size = file, file_type.content_type, file.size
    material.full_clean()
    material.save()
    return material


def monthly_study_date(year: int, month: int, *, weekday: int, week: int) -> datetime.date:
    """The `week`-th (1–4, or -1 for the last) `weekday` (0 = Monday) of the month."""
    weeks = [w[weekday] for w in calendar.monthcalendar(year, month) if w[weekday]]
    return datetime.date(year, month, weeks[week - 1 if week > 0 else -1])


@transaction.atomic
def plan_save(*, actor, branch: Branch, year: int, themes: dict[int, str], **rule) -> StudyPlan:
    """Creates or updates the branch's plan for the year: the day rule and a theme per month."""
    _require_manager(actor, branch)
    plan = StudyPlan.objects.filter(branch=branch, year=year).first() or StudyPlan(branch=branch, year=year)
    for name, value in rule.items():
        setattr(plan, name, value)
    plan.full_clean()
    plan.save()
    existing = {m.month: m for m in plan.months.all()}
    for month in range(1, 13):
        theme = themes.get(month, "").strip()
        row = existing.get(month) or StudyPlanMonth(plan=plan, month=month)
        if row.pk is None or row.theme != theme:
            row.theme = theme
            row.full_clean()
            row.save()
    return plan


@transaction.atomic
def plan_generate(*, actor, plan: StudyPlan, today: datetime.date | None = None) -> list[StudyActivity]:
    """Creates the monthly study days the plan does not have yet, off public holidays; returns them.

    A day already created (and perhaps moved) is left where it is; one not yet held takes the plan's theme.
    """
    _require_manager(actor, plan.branch_id)
    today = today or timezone.localdate()
    themes = {m.month: m.theme for m in plan.months.all()}
    existing = {a.plan_month: a for a in plan.activities.all()}
    created = []
    for month in range(1, 13):
        theme = themes.get(month) or _("Monthly study day")
        activity = existing.get(month)
        if activity is None:
            created.append(_plan_day_create(actor, plan, month, theme))
        elif activity.date >= today and activity.theme != theme:
            activity.theme = theme
            activity.save(update_fields=["theme", "updated_at"])
    return created


def _plan_day_create(actor, plan: StudyPlan, month: int, theme: str) -> StudyActivity:
    day = monthly_study_date(plan.year, month, weekday=plan.weekday, week=plan.week)
    activity = StudyActivity(
        organiser=plan.branch,
        kind=StudyActivity.Kind.MONTHLY,
        theme=theme,
        date=off_holiday(day),  # e.g. the second Tuesday of February 2027 is 正月初四: a week later
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        place=plan.place,
        plan=plan,
        plan_month=month,
        created_by=person(actor),
    )
    activity.full_clean()
    activity.save()
    activity.branches.set([plan.branch])
    return activity


@transaction.atomic
def interest_group_create(
    *, actor, branch: Branch, name: str, members=(), description: str = "", organiser: Member | None = None
) -> InterestGroup:
    """Creates an interest group of the branch with its organiser and the members who joined it."""
    _require_manager(actor, branch)
    group = InterestGroup(branch=branch, name=name, description=description, organiser=organiser)
    _check_group_members(group, members)
    group.full_clean()
    group.save()
    group.members.set(members)
    return group


def _check_group_members(group: InterestGroup, members) -> None:
    people = [*members, group.organiser] if group.organiser else list(members)
    if any(m.branch_id != group.branch_id for m in people):
        raise ValidationError(_("Only members of the branch can join its interest group."))


@transaction.atomic
def interest_group_update(
    *, actor, group: InterestGroup, name: str, description: str, organiser: Member | None, members=None
) -> InterestGroup:
    """Renames, describes or hands the group to another organiser; `members`, when given, replaces them."""
    _require_manager(actor, group.branch_id)
    group.name, group.description, group.organiser = name, description, organiser
    _check_group_members(group, members or [])
    group.full_clean()
    group.save(update_fields=["name", "description", "organiser"])
    if members is not None:
        group.members.set(members)
    return group


def _own_member(actor, group: InterestGroup) -> Member:
    """The member `actor` reads the portal as (a family proxy joins for their member)."""
    member = reader_member(actor)
    if member is None or member.branch_id != group.branch_id or member.status != Member.Status.ACTIVE:
        raise PermissionDenied(_("Only members of the branch can join its interest group."))
    return member


@transaction.atomic
def interest_group_join(*, actor, group: InterestGroup) -> InterestGroup:
    """The member behind `actor` joins the group (again joining changes nothing)."""
    group.members.add(_own_member(actor, group))
    return group


@transaction.atomic
def interest_group_leave(*, actor, group: InterestGroup) -> InterestGroup:
    """The member behind `actor` leaves the group."""
    group.members.remove(_own_member(actor, group))
    return group


def _require_recorder(actor, activity: StudyActivity) -> None:
    authorise(
        actor, "record_meetings", activity.organiser_id, _("Only the branch committee records meetings.")
    )


@transaction.atomic
def minutes_record(
    *, actor, activity: StudyActivity, chair: str, recorder: str, items: list[dict], resolutions=()
) -> StudyActivity:
    """Writes the minutes: the chair and recorder, the agenda items (replacing the previous ones,
    in the given order) and new resolutions. Everything is checked first: an error writes nothing."""
    _require_recorder(actor, activity)
    activity.chair, activity.recorder = chair.strip(), recorder.strip()
    activity.full_clean()
    rows = [
        AgendaItem(activity=activity, position=n, **{k: item.get(k, "").strip() for k in AGENDA_FIELDS})
        for n, item in enumerate(items, start=1)
    ]
    for row in rows:
        row.full_clean(exclude=["activity"], validate_unique=False)
    new = [_resolution_build(activity, **fields) for fields in resolutions]
    activity.save(update_fields=["chair", "recorder", "updated_at"])
    activity.agenda_items.all().delete()
    AgendaItem.objects.bulk_create(rows)
    Resolution.objects.bulk_create(new)
    return activity


AGENDA_FIELDS = ("title", "discussion", "decision")


def _resolution_build(activity: StudyActivity, *, text: str, owner, due_on) -> Resolution:
    if owner is None:
        raise ValidationError({"owner": _("Name who carries out the resolution.")})
    if due_on is None:
        raise ValidationError({"due_on": _("Give the date the resolution is due.")})
    resolution = Resolution(activity=activity, text=text.strip(), owner=owner, due_on=due_on)
    resolution.full_clean(exclude=["activity"])
    if owner.pk not in set(selectors.resolution_owners(activity.organiser_id).values_list("pk", flat=True)):
        raise ValidationError({"owner": _("The owner must hold a role in the branch.")})
    if due_on < activity.date:
        raise ValidationError({"due_on": _("A resolution cannot be due before the meeting.")})
    return resolution


@transaction.atomic
def resolution_done(*, actor, resolution: Resolution) -> Resolution:
    """Marks the resolution carried out; its owner or the committee may."""
    if actor.pk != resolution.owner_id:
        _require_recorder(actor, resolution.activity)
    if resolution.done_at is None:
        resolution.done_at, resolution.done_by = timezone.now(), person(actor)
        resolution.save(update_fields=["done_at", "done_by"])
    return resolution


@transaction.atomic
def frequencies_save(*, actor, branch: Branch, every: dict[str, int]) -> None:
    """Sets the branch's expected frequency of each kind of meeting (in months; 0: not required)."""
    authorise(actor, "record_meetings", branch, _("Only the branch committee records meetings."))
    for kind, months in every.items():
        row = MeetingFrequency(branch=branch, kind=kind, every_months=months)
        row.full_clean(validate_unique=False)
        MeetingFrequency.objects.update_or_create(branch=branch, kind=kind, defaults={"every_months": months})


@transaction.atomic
def contribution_add(
    *,
    actor,
    activity: StudyActivity,
    author: Member,
    kind: str,
    title: str,
    text: str = "",
    file: UploadedFile | None = None,
):
    """Records a member's talk (宣讲) or essay (征文) at the activity, with its text or a file (checked by
    its content, stored under a random name); the author's branch must take part."""
    _require_for_kind(actor, activity.organiser_id, activity.kind)
    if not activity.branches.filter(pk=author.branch_id).exists():
        raise ValidationError({"author": _("The author's branch does not take part in the activity.")})
    contribution = Contribution(
        activity=activity, author=author, kind=kind, title=title.strip(), text=text.strip()
    )
    if file:
        file_type = check_upload(file)
        file.name = f"upload{file_type.extension}"
        contribution.file, contribution.content_type = file, file_type.content_type
    contribution.full_clean()
    contribution.save()
    return contribution


@transaction.atomic
def calendar_token_regenerate(*, user) -> CalendarToken:
    """Issues a new secret for the user's calendar feed; the previous address stops working."""
    token = secrets.token_urlsafe(32)
    row, _created = CalendarToken.objects.update_or_create(
        user=user, defaults={"lookup": token[:12], "token": token, "created_at": timezone.now()}
    )
    return row


@transaction.atomic
def calendar_token_revoke(*, user) -> None:
    """Deletes the user's calendar secret: the feed address stops working until a new one is made."""
    CalendarToken.objects.filter(user=user).delete()


def study_reminders_send(*, on: datetime.date) -> int:
    """The day-before SMS to the active members of every branch taking part in an activity the next day.

    Queued once per activity, date and member however often it runs (a moved day is reminded again);
    a branch that switched the reminder off gets none. Returns the number of messages queued.
    """
    queued = 0
    tomorrow = on + datetime.timedelta(days=1)
    for activity in StudyActivity.objects.filter(date=tomorrow).prefetch_related("branches"):
        text = _reminder_text(activity)
        for branch in activity.branches.all():
            result = notify(
                branch=branch,
                occasion=f"study-eve:{activity.pk}:{activity.date:%Y%m%d}",
                text=text,
                recipients=selectors.attendees(activity, [branch.pk]),
                reminder="study_day_before",
            )
            queued += result.queued
    return queued


def _reminder_text(activity: StudyActivity) -> str:
    # Members read their SMS in the portal's language, whatever language the worker runs in.
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "{姓名}: tomorrow, %(date)s, at %(time)s, %(kind)s at %(place)s. Theme: %(theme)s. "
            "If you cannot come, please tell your contact group leader. {支部}"
        ) % {
            "date": date_format(activity.date, "MONTH_DAY_FORMAT"),
            "time": f"{activity.starts_at:%H:%M}",
            "kind": activity.get_kind_display(),
            "place": activity.place or _("the usual place"),
            "theme": activity.theme,
        }
