from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


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
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        # Chinese names are written family name first, without a space.
        return f"{self.last_name}{self.first_name}".strip()


class BranchRole(models.Model):
    class Role(models.TextChoices):
        SECRETARY = "secretary", _("Secretary")
        DEPUTY = "deputy", _("Deputy secretary")
        COMMITTEE = "committee", _("Committee member")
        LIAISON = "liaison", _("Liaison officer")
        MEMBER = "member", _("Member")
        BUREAU = "bureau", _("Bureau")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="branch_roles", verbose_name=_("user")
    )
    branch = models.ForeignKey(
        "members.Branch", on_delete=models.CASCADE, related_name="roles", verbose_name=_("branch")
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
