from django.contrib.auth.password_validation import MinimumLengthValidator
from django.utils.translation import gettext as _


class PhraseLengthValidator(MinimumLengthValidator):
    """Length over complexity, worded for elderly users (Django's own message lacks a translation)."""

    def get_error_message(self) -> str:
        return _(
            "This password is too short: use at least %(min_length)d characters. "
            "A short sentence you can remember works well."
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("At least %(min_length)d characters; a short sentence you can remember works well.") % {
            "min_length": self.min_length
        }
