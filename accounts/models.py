from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


def display_name(last_name: str, first_name: str, username: str) -> str:
    """How the pages name a user (`str(user)`), from these three columns: a list that reads only them
    need not build the user."""
    # Chinese names are written family name first, without a space.
    return f"{last_name}{first_name}".strip() or username


class User(AbstractUser):
    class TextSize(models.TextChoices):
        STANDARD = "standard", _("Standard")
        LARGE = "large", _("Large")
        EXTRA_LARGE = "xlarge", _("Extra large")

    phone = PhoneNumberField(_("mobile phone"), blank=True)
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set for accounts the committee created; cleared when the user picks a password."),
    )
    text_size = models.CharField(
        _("text size"), max_length=10, choices=TextSize.choices, default=TextSize.STANDARD
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return display_name(self.last_name, self.first_name, self.username)

    def get_full_name(self) -> str:
        return display_name(self.last_name, self.first_name, "")


class BranchRole(models.Model):
    class Role(models.TextChoices):
        SECRETARY = "secretary", _("Secretary")
        DEPUTY = "deputy", _("Deputy secretary")
        COMMITTEE = "committee", _("Committee member")
        LIAISON = "liaison", _("Liaison officer")
        MEMBER = "member", _("Member")
        # A member's child or carer (家属): reads the portal as the member they stand for (FamilyProxy).
        PROXY = "proxy", _("Family proxy")
        BUREAU = "bureau", _("Bureau")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="branch_roles", verbose_name=_("user")
    )
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.CASCADE, related_name="roles", verbose_name=_("branch")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("branch role")
        verbose_name_plural = _("branch roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "branch", "role"], name="unique_branch_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.branch} · {self.get_role_display()}"


class LoginCode(models.Model):
    """A six-digit code sent by SMS to log in (accounts/login_codes.py).

    Only a keyed hash of the code is kept. It lasts a few minutes, logs in once, and dies after
    too many wrong tries.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="login_codes", verbose_name=_("user")
    )
    phone = models.CharField(_("sent to"), max_length=20)  # E.164
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    wrong_tries = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("login code")
        verbose_name_plural = _("login codes")
        indexes = [
            # The check: the latest code sent to a number.
            models.Index(fields=["phone", "-created_at"], name="login_code_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


class LoginThrottle(models.Model):
    """One count against the SMS-code throttle: a code asked for, or a wrong code entered.

    Counted for every number, known or not, so that the throttle answers alike for both; the number is
    kept as a keyed hash, so that numbers that are nobody's are not stored.
    """

    class Kind(models.TextChoices):
        ASKED = "asked", _("Code asked for")
        WRONG = "wrong", _("Wrong code")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    phone_digest = models.CharField(max_length=64)
    address = models.GenericIPAddressField(_("network address"), null=True, blank=True)
    at = models.DateTimeField(_("counted at"))

    class Meta:
        verbose_name = _("login throttle count")
        verbose_name_plural = _("login throttle counts")
        indexes = [
            # The counts in the last hour for one number and for one address.
            models.Index(fields=["kind", "phone_digest", "at"], name="login_throttle_phone_idx"),
            models.Index(fields=["kind", "address", "at"], name="login_throttle_address_idx"),
            # Pruning counts older than the longest window.
            models.Index(fields=["at"], name="login_throttle_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
