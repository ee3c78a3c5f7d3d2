import django_filters
from django.utils.translation import gettext_lazy as _

from lib.filters import BranchAndYearChoices

from .models import MINUTED_KINDS, StudyActivity


class PastActivityFilter(BranchAndYearChoices, django_filters.FilterSet):
    """The past activities on the members' view: a year and a kind."""

    # A year is chosen from the last ten, not typed: any other value is refused, never queried.
    year = django_filters.ChoiceFilter(
        field_name="date", lookup_expr="year", label=_("Year"), empty_label=_("All years")
    )
    kind = django_filters.ChoiceFilter(
        choices=StudyActivity.Kind.choices, label=_("Kind"), empty_label=_("All kinds")
    )

    class Meta:
        model = StudyActivity
        fields = ["year", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_recent_years()


class MeetingFilter(BranchAndYearChoices, django_filters.FilterSet):
    """The meetings list: a year (of the last ten) and a kind of meeting."""

    year = django_filters.ChoiceFilter(
        field_name="date", lookup_expr="year", label=_("Year"), empty_label=_("All years")
    )
    kind = django_filters.ChoiceFilter(
        choices=[(k, label) for k, label in StudyActivity.Kind.choices if k in MINUTED_KINDS],
        label=_("Kind"),
        empty_label=_("All kinds"),
    )

    class Meta:
        model = StudyActivity
        fields = ["year", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_recent_years()
