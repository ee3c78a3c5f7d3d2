import datetime
import uuid
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from lib.choices import ChoiceLabels
from lib.links import id_url
from members.models import ContactGroup, Member
from org.models import Branch

SHANGHAI = ZoneInfo("Asia/Shanghai")


class InterestGroup(models.Model):
    """A group of members who study a subject together, e.g. 理论学习兴趣小组."""

    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, related_name="interest_groups", verbose_name=_("branch")
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        Member, blank=True, related_name="interest_groups", verbose_name=_("members")
    )
    organiser = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organised_interest_groups",
        verbose_name=_("organiser"),
    )

    class Meta:
        verbose_name = _("interest group")
        verbose_name_plural = _("interest groups")
        ordering = ["branch", "name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="unique_interest_group_name"),
        ]

    def __str__(self) -> str:
        return self.name


class StudyActivityQuerySet(models.QuerySet):
    def in_branches(self, branch_ids):
        """Activities in which any of the branches takes part (no duplicates, no DISTINCT)."""
        taking_part = StudyActivity.branches.through.objects.filter(
            studyactivity_id=OuterRef("pk"), branch_id__in=branch_ids
        )
        return self.filter(Exists(taking_part))

    def upcoming(self, today: datetime.date):
        return self.filter(date__gte=today).order_by("date", "starts_at", "pk")

    def past(self, today: datetime.date):
        return self.filter(date__lt=today).order_by("-date", "-starts_at", "-pk")


FIRST_YEAR = 2000  # no branch records a meeting before this; 1900 is a typing slip
LAST_YEAR = 2100


class StudyActivity(ChoiceLabels, models.Model):
    """Every gathering of the branch: study days and activities, and the meetings of 三会一课.

    One model with kinds, not two: the monthly study day *is* the 主题党日, a 党课 is a lecture, and
    every kind shares the date, place, branches, attendance (one sign-in sheet), materials, the
    calendar feed and the day-before reminder. Meeting kinds add a chair, a recorder and minutes
    (AgendaItem, Resolution); a committee meeting is read only by the committee, the liaison and
    the bureau (selectors.visible_activities), and only the committee records meetings.
    """

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly study day (theme Party day)")
        GENERAL_MEETING = "general_meeting", _("All-member meeting")
        COMMITTEE_MEETING = "committee_meeting", _("Committee meeting")
        GROUP_MEETING = "group_meeting", _("Party-group meeting")
        PARTY_LECTURE = "party_lecture", _("Party lecture")
        ORG_LIFE = "org_life", _("Organisational-life meeting")
        INTEREST_GROUP = "interest_group", _("Interest group")
        LECTURE = "lecture", _("Lecture")
        JOINT = "joint", _("Joint activity with other branches")
        TOUR = "tour", _("Tour")
        VIDEO = "video", _("Video")
        QUIZ = "quiz", _("Knowledge quiz")
        SELF_STUDY = "self_study", _("Self-study")

    organiser = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        related_name="organised_study_activities",
        verbose_name=_("organising branch"),
    )
    # A joint activity belongs to every branch taking part and shows in each.
    branches = models.ManyToManyField(
        Branch, related_name="study_activities", verbose_name=_("branches taking part")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MONTHLY)
    theme = models.CharField(_("theme"), max_length=200)
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    speaker = models.CharField(_("speaker or host"), max_length=100, blank=True)
    chair = models.CharField(_("chair"), max_length=100, blank=True)
    recorder = models.CharField(_("recorder"), max_length=100, blank=True)
    interest_group = models.ForeignKey(
        InterestGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("interest group"),
    )
    # A party-group meeting (党小组会) is one contact group's: its members are the ones expected.
    contact_group = models.ForeignKey(
        ContactGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_meetings",
        verbose_name=_("contact group"),
        help_text=_("For a party-group meeting: whose meeting it is."),
    )
    description = models.TextField(_("description"), blank=True)
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("Written after the activity: what was studied and said.")
    )
    # Set on the monthly study days the annual plan created, so generating again adds only what is missing.
    plan = models.ForeignKey(
        "StudyPlan", on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    plan_month = models.PositiveSmallIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StudyActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("study activity")
        verbose_name_plural = _("study activities")
        ordering = ["-date", "-starts_at"]
        indexes = [
            # The members' view and the feed: activities from a day on, in date order.
            models.Index(fields=["date", "starts_at"], name="study_activity_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="study_activity_ends_after_start",
                violation_error_message=_("The activity must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["plan", "plan_month"],
                condition=Q(plan__isnull=False),
                name="one_study_day_per_plan_month",
            ),
            models.CheckConstraint(
                condition=Q(plan_month__isnull=True) | Q(plan_month__gte=1, plan_month__lte=12),
                name="study_activity_plan_month_valid",
            ),
            models.CheckConstraint(
                condition=Q(contact_group__isnull=True) | Q(kind="group_meeting"),
                name="study_activity_contact_group_only_for_group_meeting",
                violation_error_message=_("Only a party-group meeting names a contact group."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.theme}"

    def get_absolute_url(self) -> str:
        return id_url("study:detail", self.pk)

    def clean(self) -> None:
        errors = {}
        if self.date and not FIRST_YEAR <= self.date.year <= LAST_YEAR:
            message = _("Enter a date between %(first)d and %(last)d.")
            errors["date"] = message % {"first": FIRST_YEAR, "last": LAST_YEAR}
        if self.kind == self.Kind.GROUP_MEETING and self.contact_group_id is None:
            errors["contact_group"] = _("Name the contact group whose party-group meeting this is.")
        elif self.contact_group_id and self.kind != self.Kind.GROUP_MEETING:
            errors["contact_group"] = _("Only a party-group meeting names a contact group.")
        elif self.contact_group_id and self.contact_group.branch_id != self.organiser_id:
            errors["contact_group"] = _("The contact group belongs to another branch.")
        if errors:
            raise ValidationError(errors)

    @property
    def starts(self) -> datetime.datetime:
        """Start as an aware datetime in Asia/Shanghai, whatever the server's time zone."""
        return datetime.datetime.combine(self.date, self.starts_at, tzinfo=SHANGHAI)

    @property
    def ends(self) -> datetime.datetime:
        """End as an aware datetime; two hours after the start when no end is set."""
        if self.ends_at:
            return datetime.datetime.combine(self.date, self.ends_at, tzinfo=SHANGHAI)
        return self.starts + datetime.timedelta(hours=2)

    @property
    def is_monthly(self) -> bool:
        return self.kind == self.Kind.MONTHLY

    @property
    def is_meeting(self) -> bool:
        return self.kind in MEETING_KINDS

    @property
    def has_minutes(self) -> bool:
        """Meetings and the theme Party day keep minutes; other activities a summary."""
        return self.kind in MINUTED_KINDS

    @property
    def capability(self) -> str:
        """What editing this activity needs: meetings are the committee's, other activities the carers'."""
        return capability_for(self.kind)


Kind = StudyActivity.Kind
MEETING_KINDS = (
    Kind.GENERAL_MEETING, Kind.COMMITTEE_MEETING, Kind.GROUP_MEETING, Kind.PARTY_LECTURE, Kind.ORG_LIFE,
)  # fmt: skip
MINUTED_KINDS = (*MEETING_KINDS, Kind.MONTHLY)


def capability_for(kind: str) -> str:
    return "record_meetings" if kind in MEETING_KINDS else "manage_study"


class AgendaItem(models.Model):
    """One item of a meeting's agenda with its minutes: what was discussed and what was decided."""

    activity = models.ForeignKey(
        StudyActivity, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("meeting")
    )
    position = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("agenda item"), max_length=200)
    discussion = models.TextField(_("discussion"), blank=True)
    decision = models.TextField(_("decision"), blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["activity", "position"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "position"], name="one_agenda_item_per_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class ResolutionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(done_at__isnull=True)


class Resolution(models.Model):
    """A decision (决议) that someone must carry out by a date; it stays on their home page until done."""

    activity = models.ForeignKey(
        StudyActivity, on_delete=models.CASCADE, related_name="resolutions", verbose_name=_("meeting")
    )
    text = models.CharField(_("resolution"), max_length=300)
    # Required (blank=False) but nullable: a deleted user leaves the resolution without an owner.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="resolutions",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ResolutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["due_on", "pk"]
        indexes = [
            # The owner's home page: their open resolutions, soonest due first.
            models.Index(fields=["owner", "done_at", "due_on"], name="resolution_owner_open_idx"),
        ]

    def __str__(self) -> str:
        return self.text


class Frequency(models.IntegerChoices):
    NONE = 0, _("Not required")
    MONTHLY = 1, _("Monthly")
    QUARTERLY = 3, _("Quarterly")
    HALF_YEARLY = 6, _("Twice a year")
    YEARLY = 12, _("Yearly")


# 三会一课 as the Party's rules set it, and the branch's own monthly study day (每月支部学习活动日制度).
DEFAULT_FREQUENCIES = {
    Kind.GENERAL_MEETING: Frequency.QUARTERLY,
    Kind.COMMITTEE_MEETING: Frequency.MONTHLY,
    Kind.GROUP_MEETING: Frequency.MONTHLY,
    Kind.PARTY_LECTURE: Frequency.QUARTERLY,
    Kind.ORG_LIFE: Frequency.YEARLY,
    Kind.MONTHLY: Frequency.MONTHLY,
}


class MeetingFrequency(models.Model):
    """A branch's own expected frequency of a kind of meeting, where it differs from the default."""

    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, related_name="meeting_frequencies", verbose_name=_("branch")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=StudyActivity.Kind.choices)
    every_months = models.PositiveSmallIntegerField(_("expected"), choices=Frequency.choices)

    class Meta:
        verbose_name = _("meeting frequency")
        verbose_name_plural = _("meeting frequencies")
        constraints = [
            models.UniqueConstraint(fields=["branch", "kind"], name="one_frequency_per_branch_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.branch} · {self.get_kind_display()} · {self.get_every_months_display()}"


def material_upload_to(material: "StudyMaterial", filename: str) -> str:
    # A random name: the uploader's file name is kept in `title` only, never in a path.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"study/{material.activity_id}/{uuid.uuid4().hex}{suffix}"


class StudyMaterial(models.Model):
    class Kind(models.TextChoices):
        FILE = "file", _("Document")
        PHOTO = "photo", _("Photo")
        LINK = "link", _("Link")

    activity = models.ForeignKey(
        StudyActivity, on_delete=models.CASCADE, related_name="materials", verbose_name=_("activity")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FILE)
    title = models.CharField(_("title"), max_length=200)
    # Stored under MEDIA_ROOT, which is never served directly: `study:material` checks access first.
    file = models.FileField(_("file"), upload_to=material_upload_to, blank=True, max_length=200)
    content_type = models.CharField(max_length=100, blank=True, editable=False)
    size = models.PositiveIntegerField(default=0, editable=False)
    url = models.URLField(_("link"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("study material")
        verbose_name_plural = _("study materials")
        ordering = ["activity", "kind", "uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="link") & ~Q(url="") & Q(file=""))
                | (~Q(kind="link") & ~Q(file="") & Q(url="")),
                name="study_material_file_or_link",
                violation_error_message=_("A link needs an address; a document or photo needs a file."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.url if self.kind == self.Kind.LINK else id_url("study:material", self.pk)


class Attendance(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ONLINE = "online", _("Online")
        LEAVE = "leave", _("On leave")
        ABSENT = "absent", _("Absent")

    ATTENDED = (Status.PRESENT, Status.ONLINE)
    MISSED = (Status.LEAVE, Status.ABSENT)

    activity = models.ForeignKey(
        StudyActivity, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("activity")
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="study_attendances", verbose_name=_("member")
    )
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices)
    reason = models.CharField(_("reason for leave"), max_length=200, blank=True)
    makeup_on = models.DateField(_("make-up study on"), null=True, blank=True)
    makeup_note = models.CharField(_("make-up note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["activity", "member"]
        indexes = [
            # The member panel and the per-member statistics: one member's attendance over a year.
            models.Index(fields=["member", "activity"], name="attendance_member_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="one_attendance_per_member"),
            models.CheckConstraint(
                condition=Q(makeup_on__isnull=True) | Q(status__in=["leave", "absent"]),
                name="makeup_only_when_missed",
                violation_error_message=_("Make-up study is recorded only for a member who missed the day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.activity} · {self.get_status_display()}"

    @property
    def attended(self) -> bool:
        return self.status in self.ATTENDED


class StudyPlan(models.Model):
    """A branch's annual study plan: a theme per month and the rule that places the monthly study day."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    class Week(models.IntegerChoices):
        FIRST = 1, _("First")
        SECOND = 2, _("Second")
        THIRD = 3, _("Third")
        FOURTH = 4, _("Fourth")
        LAST = -1, _("Last")

    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, related_name="study_plans", verbose_name=_("branch")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    week = models.SmallIntegerField(_("week of the month"), choices=Week.choices, default=Week.SECOND)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices, default=Weekday.TUESDAY)
    starts_at = models.TimeField(_("starts at"), default=datetime.time(9, 30))
    ends_at = models.TimeField(_("ends at"), default=datetime.time(11, 30))
    place = models.CharField(_("place"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("study plan")
        verbose_name_plural = _("study plans")
        ordering = ["branch", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "year"], name="one_study_plan_per_branch_year"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="study_plan_ends_after_start",
                violation_error_message=_("The study day must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.branch} · {self.year}"


class StudyPlanMonth(models.Model):
    plan = models.ForeignKey(StudyPlan, on_delete=models.CASCADE, related_name="months")
    month = models.PositiveSmallIntegerField(_("month"))
    theme = models.CharField(_("theme"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("monthly theme")
        verbose_name_plural = _("monthly themes")
        ordering = ["plan", "month"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "month"], name="one_theme_per_plan_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="plan_month_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.month}: {self.theme}"


class CalendarToken(models.Model):
    """The secret in a user's calendar-feed address; regenerating it replaces the old one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    # The first characters find the row; the whole token is then compared in constant time.
    lookup = models.CharField(max_length=12, unique=True)
    token = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("calendar token")
        verbose_name_plural = _("calendar tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"


def contribution_upload_to(contribution: "Contribution", filename: str) -> str:
    # A random name, as for materials: never the uploader's file name in a path.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"study/{contribution.activity_id}/contributions/{uuid.uuid4().hex}{suffix}"


class Contribution(ChoiceLabels, models.Model):
    """A member's talk (宣讲) or essay (征文) given at an activity, e.g. 《我所经历的改革和法制故事》."""

    class Kind(models.TextChoices):
        TALK = "talk", _("Talk")
        ESSAY = "essay", _("Essay")

    activity = models.ForeignKey(
        StudyActivity, on_delete=models.CASCADE, related_name="contributions", verbose_name=_("activity")
    )
    author = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="contributions", verbose_name=_("author")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TALK)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True)
    # Stored under MEDIA_ROOT, never served directly: `study:contribution_file` checks access first.
    file = models.FileField(_("file"), upload_to=contribution_upload_to, blank=True, max_length=200)
    content_type = models.CharField(max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["activity", "pk"]
        indexes = [
            # The member's panel: their contributions, newest first.
            models.Index(fields=["author", "activity"], name="contribution_author_idx"),
        ]

    def __str__(self) -> str:
        return self.title
