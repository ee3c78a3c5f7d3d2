"""Form fields the apps' forms share."""

from django import forms
from django.core.exceptions import ValidationError

LARGEST_ID = 2**63 - 1  # primary keys are 64-bit


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several rows by id, refusing an id past 64 bits before the query: no row has one, and SQLite
    cannot even bind it (Django's own field lets it through to an OverflowError, a 500)."""

    def _check_values(self, value):
        for pk in value:
            try:
                out_of_range = abs(int(pk)) > LARGEST_ID
            except (TypeError, ValueError):
                continue  # not a number at all: Django's own check says so
            if out_of_range:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)
