"""The notices list's filters (django-filter): a branch, for those who read several, and a year."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import branches_of

from .models import Notice

YEARS_OFFERED = 10


class NoticeFilter(django_filters.FilterSet):
    branch = django_filters.ChoiceFilter(
        label=_("Branch"), choices=[], field_name="branch_id", empty_label=_("All branches")
    )
    year = django_filters.ChoiceFilter(
        label=_("Year"), choices=[], field_name="created_at", lookup_expr="year", empty_label=_("All years")
    )

    class Meta:
        model = Notice
        fields = ["branch", "year"]

    def __init__(self, data=None, *args, request=None, **kwargs):
        super().__init__(data, *args, request=request, **kwargs)
        # The branches come with the user's roles: no query of their own. A branch not offered
        # (another bureau's) makes the form invalid, never a wider list.
        self.filters["branch"].extra["choices"] = [
            (str(branch.pk), branch.name) for branch in branches_of(request.user, "view_study")
        ]
        this_year = timezone.localdate().year
        self.filters["year"].extra["choices"] = [
            (str(year), str(year)) for year in range(this_year, this_year - YEARS_OFFERED, -1)
        ]

    @property
    def shows_branches(self) -> bool:
        return len(self.filters["branch"].extra["choices"]) > 1
