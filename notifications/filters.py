"""The notices list's filters (django-filter): a branch, for those who read several, and a year."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.permissions import branches_of
from branch_portal.filters import BranchAndYearChoices

from .models import Notice


class NoticeFilter(BranchAndYearChoices, django_filters.FilterSet):
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
        self.offer_branches(branches_of(request.user, "view_study"))
        self.offer_recent_years()
