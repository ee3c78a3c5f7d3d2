"""The organisation every other app hangs from: a bureau and its Party branches.

The bottom layer: accounts (who holds which role where) and members (who belongs to which branch)
both point here and at nothing above. The tables keep the names they had when the models lived in
members, so moving them here changed no table (see migrations/0001_initial.py).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Bureau(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        db_table = "members_bureau"
        verbose_name = _("bureau")
        verbose_name_plural = _("bureaus")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Branch(models.Model):
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="branches", verbose_name=_("bureau")
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        db_table = "members_branch"
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["bureau__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "name"], name="unique_branch_name_in_bureau"),
        ]

    def __str__(self) -> str:
        return self.name
