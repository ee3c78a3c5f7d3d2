"""The notices list's filters (django-filter): a branch, for those who read several, and a year."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.permissions import branches_of
from lib.filters import BranchAndYearChoices

from .models import Notice


class NoticeFilter(BranchAndYearChoices, django_filters.FilterSet):
    branch = django_filters.ChoiceFilter(
        label=_("Branch"), choices=[], field_name="branch_id", empty_label=_("All branches")
    )
    year = django_filters.ChoiceFilter(
        label=_("Year"), choices=[], field_name="created_at", lookup_expr="year", empty_label=_("All years")
    )

    # The home page's tile of notices whose messages failed opens the list with this ticked.
    failed = django_filters.BooleanFilter(
        label=_("Only notices with messages that failed"), method="with_failures", widget=forms.CheckboxInput
    )

    class Meta:
        model = Notice
        fields = ["branch", "year", "failed"]

    def with_failures(self, queryset, name, value):
        return queryset.filter(failed_count__gt=0) if value else queryset

    def __init__(self, data=None, *args, request=None, **kwargs):
        super().__init__(data, *args, request=request, **kwargs)
        self.offer_branches(branches_of(request.user, "view_study"))
        self.offer_recent_years()
