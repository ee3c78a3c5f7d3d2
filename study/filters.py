import django_filters
from django.utils.translation import gettext_lazy as _

from .models import StudyActivity


class PastActivityFilter(django_filters.FilterSet):
    """The past activities on the members' view: a year and a kind."""

    # A date's year lies in 1–9999; any other number made the query itself fail (a 500).
    year = django_filters.NumberFilter(
        field_name="date", lookup_expr="year", label=_("Year"), min_value=1, max_value=9999
    )
    kind = django_filters.ChoiceFilter(
        choices=StudyActivity.Kind.choices, label=_("Kind"), empty_label=_("All kinds")
    )

    class Meta:
        model = StudyActivity
        fields = ["year", "kind"]
