"""What the apps' list filters (django-filter) share: the branches and the years they offer, and a
form whose fields crispy draws with less template work."""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone

YEARS_OFFERED = 10


class FilterForm(forms.Form):
    """The form of a filter whose fields are all text inputs and selects (its Meta.form): `|as_crispy_field`
    draws them with templates/_filter_field.html, crispy-bootstrap5's markup for those two, instead of
    bootstrap5/field.html's many branches (a quarter of the member list's render)."""

    helper = FormHelper()
    helper.field_template = "_filter_field.html"


class BranchAndYearChoices:
    """For a FilterSet with a `branch` and perhaps a `year` ChoiceFilter.

    The branches come with the user's roles (no query of their own); a branch not offered (another
    bureau's) makes the form invalid, never a wider list.
    """

    def offer_branches(self, branches) -> None:
        self.filters["branch"].extra["choices"] = [(str(branch.pk), branch.name) for branch in branches]

    def offer_recent_years(self) -> None:
        this_year = timezone.localdate().year
        self.filters["year"].extra["choices"] = [
            (str(year), str(year)) for year in range(this_year, this_year - YEARS_OFFERED, -1)
        ]

    @property
    def shows_branches(self) -> bool:
        return len(self.filters["branch"].extra["choices"]) > 1
