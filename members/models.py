import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from lib.calendar import years_before
from lib.links import id_url
from org.models import Branch


class CareCategory(models.TextChoices):
    """The branch's own care vocabulary. 高龄 is computed from the birth date, the rest are stored."""

    ELDERLY = "elderly", _("Aged 80+")
    FRAIL = "frail", _("Frail")
    SERIOUSLY_ILL = "seriously_ill", _("Seriously ill")
    HOSPITALISED = "hospitalised", _("In hospital")
    CRITICAL = "critical", _("Critically ill")
    EMPTY_NEST = "empty_nest", _("Empty nest")
    ALONE = "alone", _("Living alone")
    NO_FAMILY = "no_family", _("No family")


ELDERLY_AGE = 80


def aged_at_least(age: int, on: datetime.date) -> Q:
    """Members of at least `age` on the day, as a condition."""
    return Q(birth_date__lte=years_before(on, age))


def in_care_category(*categories: str, on: datetime.date, hashed: bool = False) -> Q:
    """Members in any of the categories on the day, as a condition: a filter, or one figure of several
    counted in one pass (`lib.figures.Counts`).

    Each member's stored periods are looked up by index, which is cheapest for a branch or a few. With
    `hashed`, the installation's current periods are read and hashed once instead, cheaper for many
    members: at bench scale 2.1 against 0.3 ms of PostgreSQL for one branch's 50 members, 2.5 against
    1.2 for 20 branches, 7.8 against 12.7 for a bureau's 10,000 members."""
    stored = CarePeriod.objects.filter(category__in=categories).current(on)
    if hashed:
        condition = Q(pk__in=stored.values("member_id"))
    else:
        condition = Q(Exists(stored.filter(member=OuterRef("pk"))))
    if CareCategory.ELDERLY in categories:
        condition |= aged_at_least(ELDERLY_AGE, on)
    return condition


class MemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Member.Status.ACTIVE)

    def in_branch(self, branch):
        return self.filter(branch=branch)

    def in_branches(self, branch_ids):
        return self.filter(branch_id__in=branch_ids)

    def aged_at_least(self, age: int, *, on: datetime.date | None = None):
        return self.filter(aged_at_least(age, on or timezone.localdate()))

    def aged_under(self, age: int, *, on: datetime.date | None = None):
        return self.filter(birth_date__gt=years_before(on or timezone.localdate(), age))

    def in_care_category(self, *categories: str, on: datetime.date | None = None):
        """Members in any of the categories on the day (today by default)."""
        return self.filter(in_care_category(*categories, on=on or timezone.localdate()))


class Member(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class RetirementKind(models.TextChoices):
        LIXIU = "lixiu", _("Retired cadre (lixiu)")
        TUIXIU = "tuixiu", _("Retired (tuixiu)")

    class LivingSituation(models.TextChoices):
        WITH_FAMILY = "with_family", _("With spouse or family")
        EMPTY_NEST = "empty_nest", _("Empty nest")
        HALF_EMPTY_NEST = "half_empty_nest", _("Half empty nest")
        ALONE = "alone", _("Living alone")
        NO_FAMILY = "no_family", _("No family")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        DECEASED = "deceased", _("Deceased")
        TRANSFERRED = "transferred", _("Transferred out")

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="members", verbose_name=_("branch")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
        verbose_name=_("login account"),
    )
    name = models.CharField(_("name"), max_length=50)
    # Derived from the name by the services, for sorting and initials search ("zzy" finds 张志远).
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200, editable=False, default="")
    name_initials = models.CharField(_("pinyin initials"), max_length=50, editable=False, default="")
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("date of birth"))
    lunar_birthday = models.BooleanField(
        _("keeps a lunar birthday"),
        default=False,
        help_text=_("The family celebrates the birthday by the Chinese (lunar) calendar."),
    )
    native_place = models.CharField(_("native place"), max_length=100, blank=True)
    party_joined_on = models.DateField(_("joined the Party on"), null=True, blank=True)
    work_started_on = models.DateField(_("started work on"), null=True, blank=True)
    retirement_kind = models.CharField(
        _("retirement kind"), max_length=10, choices=RetirementKind.choices, blank=True
    )
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    former_unit = models.CharField(_("former unit"), max_length=100, blank=True)
    former_post = models.CharField(_("former post"), max_length=100, blank=True)
    phone = PhoneNumberField(_("mobile phone"), blank=True)
    phone_alt = PhoneNumberField(_("other phone"), blank=True)
    notice_phone = PhoneNumberField(
        _("phone for notices"),
        blank=True,
        help_text=_("Leave empty to send notices to the member's own mobile, e.g. fill in a child's phone."),
    )
    sms_opt_out = models.BooleanField(
        _("no SMS notices"),
        default=False,
        help_text=_("The member asked for no text messages; notices reach them by WeChat or phone."),
    )
    needs_call = models.BooleanField(
        _("needs a phone call"),
        default=False,
        help_text=_("Cannot read SMS (e.g. poor eyesight): the group leader phones them with every notice."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    living_situation = models.CharField(
        _("living situation"),
        max_length=20,
        choices=LivingSituation.choices,
        default=LivingSituation.WITH_FAMILY,
    )
    emergency_name_1 = models.CharField(_("emergency contact"), max_length=50, blank=True)
    emergency_relation_1 = models.CharField(_("relation"), max_length=20, blank=True)
    emergency_phone_1 = PhoneNumberField(_("emergency phone"), blank=True)
    emergency_name_2 = models.CharField(_("second emergency contact"), max_length=50, blank=True)
    emergency_relation_2 = models.CharField(_("relation"), max_length=20, blank=True)
    emergency_phone_2 = PhoneNumberField(_("second emergency phone"), blank=True)
    contact_group = models.ForeignKey(
        "ContactGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("contact group"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["name_pinyin", "id"]
        indexes = [
            # The member list: a branch's members in pinyin order, filtered by status.
            models.Index(fields=["branch", "status", "name_pinyin"], name="member_list_idx"),
            # Age filters and 高龄: members born before a date.
            models.Index(fields=["branch", "birth_date"], name="member_birth_idx"),
            # The member list of a bureau's "All branches": active members in pinyin order, read in
            # index order and stopped after a page, where member_list_idx would sort all 10,000.
            models.Index(fields=["status", "name_pinyin", "id"], name="member_pinyin_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="active") | Q(status_changed_on__isnull=False),
                name="member_left_has_date",
                violation_error_message=_("A deceased or transferred member needs the date."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return id_url("members:detail", self.pk)  # lists of members link each

    def age_on(self, day: datetime.date) -> int:
        had_birthday = (day.month, day.day) >= (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - (0 if had_birthday else 1)

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def phone_for_notices(self):
        return self.notice_phone or self.phone

    @property
    def elderly_since(self) -> datetime.date:
        """The 80th birthday: from that day the member counts as 高龄."""
        return years_before(self.birth_date, -ELDERLY_AGE)

    @property
    def care_badges(self) -> list[str]:
        """Labels of today's care categories, 高龄 first. Selectors preload the periods as `current_care`."""
        periods = getattr(self, "current_care", None)
        if periods is None:
            periods = list(self.care_periods.current())
        stored = {period.category for period in periods}
        elderly = self.age >= ELDERLY_AGE
        return [
            category.label
            for category in CareCategory
            if category in stored or (category == CareCategory.ELDERLY and elderly)
        ]


class HealthRecord(models.Model):
    """Sensitive personal information (PIPL Art. 28): only carers see it, and each view is logged."""

    class Condition(models.TextChoices):
        GOOD = "good", _("Good")
        FAIR = "fair", _("Fair")
        POOR = "poor", _("Poor")
        SERIOUSLY_ILL = "seriously_ill", _("Seriously ill")
        HOSPITALISED = "hospitalised", _("In hospital")
        CRITICAL = "critical", _("Critical")

    class Mobility(models.TextChoices):
        INDEPENDENT = "independent", _("Gets about alone")
        WITH_AID = "with_aid", _("Walks with an aid")
        HOUSEBOUND = "housebound", _("Housebound")
        BEDRIDDEN = "bedridden", _("Bedridden")

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="health", verbose_name=_("member")
    )
    condition = models.CharField(
        _("condition"), max_length=20, choices=Condition.choices, default=Condition.GOOD
    )
    mobility = models.CharField(
        _("mobility"), max_length=20, choices=Mobility.choices, default=Mobility.INDEPENDENT
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Told to the carers alerted about an admission (never the note or the condition's details).
    place = models.CharField(
        _("where (hospital, ward)"),
        max_length=100,
        blank=True,
        help_text=_("While in hospital: the hospital and ward, so that carers know where to go."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("health record")
        verbose_name_plural = _("health records")

    def __str__(self) -> str:
        return str(self.member)


class HealthRecordView(models.Model):
    """One row each time someone opens a member's health record (PIPL Art. 51)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="health_views")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("health record view")
        verbose_name_plural = _("health record views")
        ordering = ["-viewed_at"]

    def __str__(self) -> str:
        return f"{self.viewer} → {self.member} @ {self.viewed_at:%Y-%m-%d %H:%M}"


class CarePeriodQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on), started_on__lte=on)


class CarePeriod(models.Model):
    """A stored care category with the day it began (and ended): visit planning needs both."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="care_periods", verbose_name=_("member")
    )
    category = models.CharField(_("care category"), max_length=20, choices=CareCategory.choices)
    started_on = models.DateField(_("since"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    objects = CarePeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("care period")
        verbose_name_plural = _("care periods")
        ordering = ["member", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "category"],
                condition=Q(ended_on__isnull=True),
                name="one_open_care_period_per_category",
            ),
            models.CheckConstraint(
                condition=~Q(category="elderly"),
                name="elderly_is_computed_not_stored",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="care_period_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_category_display()}"


class ContactGroup(models.Model):
    """One of a branch's contact groups (联络小组), led by a committee member or the liaison officer."""

    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, related_name="contact_groups", verbose_name=_("branch")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=50)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_groups",
        verbose_name=_("leader"),
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deputised_groups",
        verbose_name=_("deputy leader"),
    )
    leader_away = models.BooleanField(
        _("leader away"), default=False, help_text=_("While the leader is away the deputy covers.")
    )

    class Meta:
        verbose_name = _("contact group")
        verbose_name_plural = _("contact groups")
        ordering = ["branch", "number"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "number"], name="unique_group_number"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def responsible(self):
        """Who visits this group's members now: the leader, or the deputy while the leader is away."""
        return self.deputy if self.leader_away and self.deputy_id else self.leader


class FamilyProxy(models.Model):
    """A member's child or carer (家属) who reads the portal for them: logs in by SMS code, sees what
    the member sees and nothing of anyone else, and may get the member's notices on their own phone."""

    class Notices(models.TextChoices):
        NONE = "none", _("Not sent to the family member")
        ALSO = "also", _("To the family member as well as the member")
        INSTEAD = "instead", _("To the family member instead of the member")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="proxies", verbose_name=_("member")
    )
    # 1 or 2: a member names at most two family members (a rule the database keeps).
    slot = models.PositiveSmallIntegerField(_("number"), default=1, editable=False)
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=20, help_text=_("e.g. daughter, son, niece"))
    phone = PhoneNumberField(_("mobile phone"))
    notices = models.CharField(
        _("notices by SMS"), max_length=10, choices=Notices.choices, default=Notices.ALSO
    )
    # The family member's own login (no password: they log in by SMS code).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proxy_for",
        verbose_name=_("login account"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("family proxy")
        verbose_name_plural = _("family proxies")
        ordering = ["member", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["member", "slot"], name="one_proxy_per_slot"),
            models.CheckConstraint(condition=Q(slot__in=[1, 2]), name="at_most_two_proxies"),
            models.UniqueConstraint(fields=["member", "phone"], name="unique_proxy_phone_per_member"),
        ]
        indexes = [
            # Who owns a number, at the SMS-code login.
            models.Index(fields=["phone"], name="proxy_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.member.name}的{self.relation}）"

    def get_additional_data(self) -> dict:
        """Kept with each history entry (django-auditlog), so the member's history finds it after a delete."""
        return {"member_id": self.member_id}
