"""Numbered notices (期), the outbox of messages they and reminders produce, templates and switches."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lib.choices import ChoiceLabels
from members.models import ContactGroup, Member
from org.models import Branch


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    BRANCH_WECHAT = "branch_wechat", _("Branch WeChat group")
    COMMITTEE_WECHAT = "committee_wechat", _("Committee WeChat group")
    # The notice read aloud by the provider's text-to-speech call, to members who cannot read SMS.
    VOICE = "voice", _("Voice call")


GROUP_CHANNELS = frozenset({Channel.BRANCH_WECHAT, Channel.COMMITTEE_WECHAT})
# Channels that ring or buzz a member's phone: nothing goes out on them in quiet hours.
QUIET_CHANNELS = frozenset({Channel.SMS, Channel.VOICE})


class NoticeCategory(models.TextChoices):
    STUDY = "study", _("Study arrangement")
    FESTIVAL = "festival", _("Festival greeting")
    WEATHER = "weather", _("Weather warning")
    ACTIVITY = "activity", _("Activity notice")
    OTHER = "other", _("Other")


class NoticeQuerySet(models.QuerySet):
    def in_branches(self, branch_ids):
        return self.filter(branch_id__in=branch_ids)

    def numbered(self):
        return self.filter(number__isnull=False)


class Notice(models.Model):
    class Audience(models.TextChoices):
        BRANCH = "branch", _("The whole branch")
        GROUPS = "groups", _("Chosen contact groups")
        COMMITTEE = "committee", _("The committee")
        CARE = "care", _("Chosen care categories")
        MEMBERS = "members", _("Hand-picked members")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")

    class Unsent(models.TextChoices):
        """Why a notice reaches nobody; kept on a scheduled notice the sweeper took back to draft."""

        NO_RECIPIENTS = "no_recipients", _("Nobody is in its audience")
        NO_USABLE_MOBILE = "no_usable_mobile", _("Nobody in its audience can get an SMS")

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="notices", verbose_name=_("branch")
    )
    # Both set together when the notice is sent (never when drafted), so drafts leave no gaps.
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, editable=False)
    number = models.PositiveIntegerField(_("issue number"), null=True, blank=True, editable=False)
    category = models.CharField(
        _("category"), max_length=20, choices=NoticeCategory.choices, default=NoticeCategory.OTHER
    )
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(
        _("text"), help_text=_("Placeholders: {姓名} the member's name, {支部} the branch.")
    )
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.BRANCH
    )
    groups = models.ManyToManyField(
        ContactGroup, blank=True, related_name="+", verbose_name=_("contact groups")
    )
    care_categories = models.JSONField(_("care categories"), default=list, blank=True)
    members = models.ManyToManyField(Member, blank=True, related_name="+", verbose_name=_("members"))
    send_sms = models.BooleanField(_("SMS to each recipient"), default=True)
    send_branch_wechat = models.BooleanField(_("Branch WeChat group"), default=False)
    send_committee_wechat = models.BooleanField(_("Committee WeChat group"), default=False)
    scheduled_for = models.DateTimeField(
        _("send at"), null=True, blank=True, help_text=_("Leave empty to send at once.")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Set when its time came and nobody could receive it, so it went back to draft instead.
    unsent_reason = models.CharField(
        _("why it was not sent"), max_length=20, choices=Unsent.choices, blank=True, editable=False
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The notices list: a branch's notices, newest first.
            models.Index(fields=["branch", "-created_at"], name="notice_list_idx"),
            # The sweeper: scheduled notices whose time has come.
            models.Index(fields=["status", "scheduled_for"], name="notice_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "year", "number"],
                condition=Q(number__isnull=False),
                name="unique_notice_number",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(status="scheduled") | Q(number__isnull=False),
                name="sent_notice_has_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issue_label} {self.title}" if self.number else self.title

    def get_absolute_url(self) -> str:
        return reverse("notifications:detail", args=[self.pk])

    @property
    def issue_label(self) -> str:
        if not self.number:
            return ""
        return _("%(year)s issue %(number)s") % {"year": self.year, "number": self.number}

    @property
    def channels(self) -> list[str]:
        wanted = [
            (self.send_sms, Channel.SMS),
            (self.send_branch_wechat, Channel.BRANCH_WECHAT),
            (self.send_committee_wechat, Channel.COMMITTEE_WECHAT),
        ]
        return [channel for on, channel in wanted if on]


class MessageQuerySet(models.QuerySet):
    def due(self, now):
        return self.filter(status=Message.Status.QUEUED, not_before__lte=now)


class Message(ChoiceLabels, models.Model):
    """One outbox row: one recipient on one channel. Written with the notice, sent by a worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+", verbose_name=_("branch"))
    notice = models.ForeignKey(
        Notice,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("notice"),
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("member"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    recipient_name = models.CharField(_("recipient"), max_length=100)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    to = models.CharField(
        _("to"), max_length=100, blank=True, help_text=_("Phone number; empty for a group.")
    )
    body = models.TextField(_("text"))
    # <occasion>:<channel>[:<kind>:<id>], a notice's occasion being notice:<id> (outbox.message_key).
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    provider_message_id = models.CharField(_("provider's message id"), max_length=100, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    not_before = models.DateTimeField(_("not before"))
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    # Asked for by its recipient just now (a login code): sent at once, in the request, whatever the hour
    # (quiet hours are for what the portal starts), never retried; `body` keeps its text with the secret
    # masked (notifications.services.sms_send_requested).
    requested = models.BooleanField(_("asked for by the recipient"), default=False, editable=False)
    # Set when an attempt ended without an answer (a crash, a timeout): ask the provider before resending.
    verify_before_send = models.BooleanField(default=False, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    dispatched_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["recipient_name", "channel", "id"]
        indexes = [
            # The sweeper: queued messages that are due, and sending ones whose claim went stale.
            models.Index(fields=["status", "not_before"], name="message_due_idx"),
            # The notice detail page and its counts by status.
            models.Index(fields=["notice", "status"], name="message_notice_idx"),
            # The member panel: notices a member received, newest first.
            models.Index(fields=["member", "-created_at"], name="message_member_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sending", "sent", "failed", "cancelled"]),
                name="message_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient_name}"


class NoticeTemplate(models.Model):
    """A reusable text for one category; the defaults are seeded by a data migration."""

    category = models.CharField(_("category"), max_length=20, choices=NoticeCategory.choices)
    name = models.CharField(_("name"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("notice template")
        verbose_name_plural = _("notice templates")
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class ReminderSettings(models.Model):
    """Which automatic reminders a branch sends; the committee switches each on or off."""

    branch = models.OneToOneField(
        Branch, on_delete=models.CASCADE, related_name="reminder_settings", verbose_name=_("branch")
    )
    birthday_greeting = models.BooleanField(_("Birthday greeting on the day"), default=True)
    study_day_before = models.BooleanField(_("Study day reminder the day before"), default=True)
    visit_digest = models.BooleanField(_("Monday digest of visits for group leaders"), default=True)
    concern_escalation = models.BooleanField(_("Unanswered concern escalated to the secretary"), default=True)
    # notifications/links.py: opens the notice and the study schedule without a password, for 30 days.
    personal_link = models.BooleanField(_("A personal link in each notice SMS"), default=True)

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self) -> str:
        return str(self.branch)


class CallQuerySet(models.QuerySet):
    def open(self):
        """Still to make: a member who has died or left since is never phoned, nor named in a reminder."""
        return self.filter(outcome=Call.Outcome.OPEN, member__status=Member.Status.ACTIVE)

    def reached(self):
        return self.exclude(outcome=Call.Outcome.OPEN)


class Call(models.Model):
    """A notice read out by phone to a member an SMS cannot reach, on their group leader's list."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("Not reached yet")
        IN_PERSON = "in_person", _("Reached in person")
        FAMILY = "family", _("Reached through family")

    class Reason(models.TextChoices):
        NO_MOBILE = "no_mobile", _("No mobile")
        OPTED_OUT = "opted_out", _("No SMS, as they asked")
        NEEDS_CALL = "needs_call", _("Needs a phone call")

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+", verbose_name=_("branch"))
    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="calls", verbose_name=_("notice")
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="calls", verbose_name=_("member")
    )
    # The group's leader (or deputy while the leader is away) when the notice went; the secretary for a
    # member in no group. Null only in a branch without a secretary: the committee then sees the call.
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("caller"),
    )
    reason = models.CharField(_("why a call"), max_length=20, choices=Reason.choices)
    body = models.TextField(_("text to read out"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.OPEN)
    attempts = models.PositiveSmallIntegerField(_("tries"), default=0)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )
    marked_at = models.DateTimeField(_("marked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-created_at", "id"]
        indexes = [
            # The leader's list and the home page's count: a caller's calls by outcome.
            models.Index(fields=["caller", "outcome", "-created_at"], name="call_caller_idx"),
            # The next-day reminder: calls still open, by age.
            models.Index(fields=["outcome", "created_at"], name="call_open_idx"),
        ]
        constraints = [
            # A notice sent again, or its sending retried, never puts a member on the list twice.
            models.UniqueConstraint(fields=["notice", "member"], name="one_call_per_notice_and_member"),
            models.CheckConstraint(
                condition=Q(outcome__in=["open", "in_person", "family"]), name="call_outcome_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice} → {self.member}"

    @property
    def numbers(self) -> list[tuple[str, str, object]]:
        """(label, relation, phone number) to try: the member's own first, then their family's, each
        number once. Reads only the member's row (select_related it)."""
        member = self.member
        candidates = [
            (_("Other phone"), "", member.phone_alt),
            (_("Mobile phone"), "", member.phone),
            (_("Phone for notices"), "", member.notice_phone),
            (member.emergency_name_1, member.emergency_relation_1, member.emergency_phone_1),
            (member.emergency_name_2, member.emergency_relation_2, member.emergency_phone_2),
        ]
        seen, numbers = set(), []
        for label, relation, number in candidates:
            if number and str(number) not in seen:
                seen.add(str(number))
                numbers.append((label or _("Emergency contact"), relation, number))
        return numbers
