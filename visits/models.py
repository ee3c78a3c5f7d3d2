import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.choices import ChoiceLabels
from members.models import CareCategory, HealthRecord, Member

from .lunar import Festival

DEFAULT_FESTIVALS = [Festival.SPRING.value, Festival.MID_AUTUMN.value, Festival.DOUBLE_NINTH.value]
DEFAULT_MILESTONES = [70, 75, 80, 85, 90, 95, 100]


def default_festivals() -> list[str]:
    return list(DEFAULT_FESTIVALS)


def default_festival_categories() -> list[str]:
    # Everyone aged 80+ ("elderly") and everyone in any care category.
    return list(CareCategory.values)


def default_milestones() -> list[int]:
    return list(DEFAULT_MILESTONES)


class VisitPolicy(models.Model):
    """How often and on which occasions a branch visits its members; the committee edits it.

    A branch without a stored policy is planned with these defaults (`VisitPolicy(branch=…)`).
    """

    branch = models.OneToOneField(
        "org.Branch", on_delete=models.CASCADE, related_name="visit_policy", verbose_name=_("branch")
    )
    # Routine intervals in days; the strictest category a member is in wins.
    critical_days = models.PositiveSmallIntegerField(_("critically ill: every … days"), default=3)
    hospitalised_days = models.PositiveSmallIntegerField(_("in hospital: every … days"), default=7)
    seriously_ill_days = models.PositiveSmallIntegerField(_("seriously ill: every … days"), default=14)
    elderly_days = models.PositiveSmallIntegerField(_("aged 80+: every … days"), default=30)
    alone_days = models.PositiveSmallIntegerField(_("living alone: every … days"), default=30)
    no_family_days = models.PositiveSmallIntegerField(_("no family: every … days"), default=30)
    frail_days = models.PositiveSmallIntegerField(_("frail: every … days"), default=30)
    empty_nest_days = models.PositiveSmallIntegerField(_("empty nest: every … days"), default=60)
    other_days = models.PositiveSmallIntegerField(_("everyone else: every … days"), default=90)
    festivals = models.JSONField(_("festival rounds"), default=default_festivals, blank=True)
    festival_categories = models.JSONField(
        _("festival visits for"), default=default_festival_categories, blank=True
    )
    festival_window_days = models.PositiveSmallIntegerField(
        _("festival visits due within … days before"), default=10
    )
    birthday_from_age = models.PositiveSmallIntegerField(_("birthday visits from age"), default=80)
    milestone_ages = models.JSONField(_("milestone birthdays"), default=default_milestones, blank=True)
    birthday_window_days = models.PositiveSmallIntegerField(
        _("birthday visits due within … days before"), default=7
    )
    hospital_visit_days = models.PositiveSmallIntegerField(
        _("visit a member newly in hospital or critically ill within … days"), default=1
    )
    # The overdue ladder (visits/ladder.py): the group leader is reminded the day after a visit falls
    # due, the secretary told after these many days, then the bureau's liaison officer.
    escalate_secretary_days = models.PositiveSmallIntegerField(
        _("overdue visits reported to the secretary after … days"), default=7
    )
    escalate_liaison_days = models.PositiveSmallIntegerField(
        _("overdue visits reported to the bureau's liaison officer after … days"), default=21
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("visit policy")
        verbose_name_plural = _("visit policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    critical_days__gte=1,
                    hospitalised_days__gte=1,
                    seriously_ill_days__gte=1,
                    elderly_days__gte=1,
                    alone_days__gte=1,
                    no_family_days__gte=1,
                    frail_days__gte=1,
                    empty_nest_days__gte=1,
                    other_days__gte=1,
                ),
                name="visit_intervals_at_least_a_day",
                violation_error_message=_("Every visit interval must be at least one day."),
            ),
            models.CheckConstraint(
                condition=Q(escalate_secretary_days__gte=1)
                & Q(escalate_liaison_days__gt=models.F("escalate_secretary_days")),
                name="escalation_ladder_climbs",
                violation_error_message=_(
                    "Report an overdue visit to the secretary after at least one day, and to the "
                    "liaison officer later than to the secretary."
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(self.branch)

    def interval_for(self, categories) -> int:
        """Days between routine visits for a member in these categories: the strictest wins."""
        days = [getattr(self, f"{category}_days") for category in categories]
        return min([*days, self.other_days])


class PlannedVisitQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=PlannedVisit.Status.DUE)

    def overdue(self, today: datetime.date):
        return self.open().filter(due_by__lt=today)

    def due_between(self, start: datetime.date, end: datetime.date):
        return self.open().filter(due_by__gte=start, due_by__lte=end)


class PlannedVisit(ChoiceLabels, models.Model):
    """One visit the schedule expects, made by the planner; unique per member, kind and occasion.

    "Overdue" is not stored: it is an open visit whose `due_by` has passed, which a stored
    status could only approximate between two planner runs.
    """

    class Kind(models.TextChoices):
        FESTIVAL = "festival", _("Festival visit")
        BIRTHDAY = "birthday", _("Birthday visit")
        ROUTINE = "routine", _("Routine visit")
        HOSPITAL = "hospital", _("Hospital visit")
        CONDOLENCE = "condolence", _("Condolence visit to the family")

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="planned_visits", verbose_name=_("member")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # "2026-double_ninth", "birthday-2026" (the lunar year for lunar birthdays), "routine-7",
    # "hospital-<care period id>", "condolence".
    occasion = models.CharField(_("occasion"), max_length=40)
    occasion_date = models.DateField(_("occasion date"), null=True, blank=True)
    due_from = models.DateField(_("due from"))
    due_by = models.DateField(_("due by"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="planned_visits",
        verbose_name=_("responsible"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DUE)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = PlannedVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")
        ordering = ["due_by", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "occasion"], name="one_planned_visit_per_occasion"
            ),
            models.CheckConstraint(
                condition=Q(due_from__lte=models.F("due_by")), name="planned_window_in_order"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="cancelled_visit_has_reason",
                violation_error_message=_("Say why the visit is cancelled."),
            ),
        ]
        indexes = [
            # The schedule and the dashboard: open visits by due date.
            models.Index(fields=["status", "due_by"], name="planned_open_due_idx"),
            # "Mine": a leader's open visits by due date.
            models.Index(fields=["responsible", "status", "due_by"], name="planned_mine_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_kind_display()} · {self.occasion}"

    def is_overdue(self, today: datetime.date) -> bool:
        return self.status == self.Status.DUE and self.due_by < today

    @property
    def occasion_label(self) -> str:
        return occasion_label(self.occasion)


class Escalation(models.Model):
    """One step of an overdue visit's ladder (visits/ladder.py), taken once: who was told, and when."""

    class Step(models.TextChoices):
        LEADER = "leader", _("Reminded the group leader")
        SECRETARY = "secretary", _("Reported to the secretary")
        LIAISON = "liaison", _("Reported to the liaison officer")

    planned = models.ForeignKey(
        PlannedVisit, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("planned visit")
    )
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    # The notify() occasion of the SMS that told this step, which may name other visits too: a death
    # finds the SMS still waiting by it and takes it back (visits.ladder.ladder_withdraw).
    occasion = models.CharField(_("occasion"), max_length=100, blank=True, editable=False, db_index=True)

    class Meta:
        verbose_name = _("overdue visit escalation")
        verbose_name_plural = _("overdue visit escalations")
        ordering = ["at", "id"]
        constraints = [
            # Each step once per visit, however often (or concurrently) the ladder runs.
            models.UniqueConstraint(fields=["planned", "step"], name="one_escalation_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.planned} · {self.get_step_display()}"


def occasion_label(occasion: str) -> str:
    """The label of a festival occasion ("2026-mid_autumn" → "2026 Mid-Autumn Festival (中秋)"), else ""."""
    prefix, _sep, rest = occasion.partition("-")
    if prefix.isdigit() and rest in Festival.values:
        return f"{prefix} {Festival(rest).label}"
    return ""


class Visit(ChoiceLabels, models.Model):
    """A visit that took place (or a call), recorded by a carer; it fulfils at most one planned visit."""

    class Mode(models.TextChoices):
        HOME = "home", _("At home")
        HOSPITAL = "hospital", _("In hospital")
        PHONE = "phone", _("By phone")
        VIDEO = "video", _("By video call")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="visits", verbose_name=_("member")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=PlannedVisit.Kind.choices)
    planned = models.OneToOneField(
        PlannedVisit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visit",
        verbose_name=_("planned visit fulfilled"),
    )
    mode = models.CharField(_("how"), max_length=10, choices=Mode.choices, default=Mode.HOME)
    visitors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="visits_made", verbose_name=_("visitors")
    )
    amount = models.DecimalField(_("gift or expense (yuan)"), max_digits=8, decimal_places=2, default=0)
    health = models.CharField(
        _("health observed"), max_length=20, choices=HealthRecord.Condition.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    follow_up = models.BooleanField(_("follow-up needed"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits_recorded",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="visit_amount_not_negative"),
        ]
        indexes = [
            # The planner's last visit of each member (one `ORDER BY date DESC LIMIT 1` probe per
            # member in load_roster, not an aggregate over all visits) and the member panel's recent visits.
            models.Index(fields=["member", "-date"], name="visit_member_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.date:%Y-%m-%d} · {self.get_kind_display()}"


class Concern(ChoiceLabels, models.Model):
    """A member's concern (诉求): answered by the branch or escalated to the bureau (上报局党委)."""

    class Via(models.TextChoices):
        VISIT = "visit", _("At a visit")
        PHONE = "phone", _("By phone")
        MEETING = "meeting", _("At a meeting")

    class Category(models.TextChoices):
        HEALTH = "health", _("Health")
        HOUSING = "housing", _("Housing")
        PENSION = "pension", _("Pension and benefits")
        FAMILY = "family", _("Family")
        POLICY = "policy", _("Policy question")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered by the branch")
        ESCALATED = "escalated", _("Escalated to the bureau")
        BUREAU_REPLIED = "bureau_replied", _("Bureau replied")
        CLOSED = "closed", _("Closed")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="concerns", verbose_name=_("member")
    )
    raised_via = models.CharField(_("raised"), max_length=10, choices=Via.choices, default=Via.VISIT)
    visit = models.ForeignKey(
        Visit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="concerns",
        verbose_name=_("visit"),
    )
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    text = models.TextField(_("concern"))
    raised_on = models.DateField(_("raised on"), default=timezone.localdate)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.OPEN)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["-raised_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="concern_has_text"),
        ]
        indexes = [
            # visits.selectors.dashboard_counts: the user's open and escalated concerns
            # (state IN (open, escalated)), the stale ones by escalated_at.
            models.Index(fields=["state", "escalated_at"], name="concern_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_category_display()}"


class ConcernEvent(ChoiceLabels, models.Model):
    """One state change of a concern, with the required comment, who and when."""

    concern = models.ForeignKey(
        Concern, on_delete=models.CASCADE, related_name="events", verbose_name=_("concern")
    )
    from_state = models.CharField(_("from"), max_length=20, choices=Concern.State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=Concern.State.choices)
    comment = models.TextField(_("comment"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("concern event")
        verbose_name_plural = _("concern events")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(comment=""), name="concern_event_has_comment"),
        ]

    def __str__(self) -> str:
        return f"{self.concern} → {self.get_to_state_display()}"


class BirthdayCelebration(models.Model):
    """A collective birthday celebration (集体祝寿) held for the year's members turning 80, 85, 90, …"""

    branch = models.ForeignKey(
        "org.Branch", on_delete=models.CASCADE, related_name="celebrations", verbose_name=_("branch")
    )
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=100)
    attendees = models.ManyToManyField(
        Member, blank=True, related_name="birthday_celebrations", verbose_name=_("members celebrated")
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("collective birthday celebration")
        verbose_name_plural = _("collective birthday celebrations")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(place=""), name="celebration_has_place"),
        ]

    def __str__(self) -> str:
        return f"{self.branch} · {self.date:%Y-%m-%d}"


class CelebrationGift(models.Model):
    """A gift bought for a celebration: what, and what it cost (for the dues expenditures)."""

    celebration = models.ForeignKey(
        BirthdayCelebration, on_delete=models.CASCADE, related_name="gifts", verbose_name=_("celebration")
    )
    item = models.CharField(_("gift"), max_length=100)
    cost = models.DecimalField(_("cost (yuan)"), max_digits=9, decimal_places=2)

    class Meta:
        verbose_name = _("celebration gift")
        verbose_name_plural = _("celebration gifts")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=0), name="celebration_gift_cost_not_negative"),
            models.CheckConstraint(condition=~Q(item=""), name="celebration_gift_has_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.cost}"
