"""The concern list's filters (django-filter)."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import branches_of
from lib.filters import BranchAndYearChoices, FilterForm

from .models import Concern

State = Concern.State
ATTENTION = "attention"
ALL = "all"
RECENT_DAYS = 90
# What still waits for someone: the branch carries a concern until it is closed; the bureau's
# inbox waits only on escalations it has not answered.
LIVE_STATES = {
    False: [State.OPEN, State.ANSWERED, State.ESCALATED, State.BUREAU_REPLIED],
    True: [State.ESCALATED],
}


class ConcernFilter(BranchAndYearChoices, django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=[], method="filter_status", empty_label=None
    )
    branch = django_filters.ChoiceFilter(
        label=_("Branch"), choices=[], field_name="member__branch_id", empty_label=_("All branches")
    )
    year = django_filters.ChoiceFilter(
        label=_("Year raised"),
        choices=[],
        field_name="raised_on",
        lookup_expr="year",
        empty_label=_("All years"),
    )
    q = django_filters.CharFilter(
        label=_("Name or words of the concern"),
        method="filter_search",
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    class Meta:
        form = FilterForm
        model = Concern
        fields = ["status", "branch", "year", "q"]

    def __init__(self, data=None, *args, request=None, inbox: bool = False, **kwargs):
        # What needs attention unless the user asks for more.
        data = data.copy() if data is not None else {}
        if not data.get("status"):
            data["status"] = ATTENTION
        super().__init__(data, *args, request=request, **kwargs)
        self.inbox = inbox
        self.filters["status"].extra["choices"] = [
            (ATTENTION, _("Needs attention, or closed in the last 90 days")),
            (ALL, _("All, however old")),
            *State.choices,
        ]
        self.offer_branches(branches_of(request.user, "answer_escalations" if inbox else "record_visits"))
        self.offer_recent_years()

    def filter_status(self, queryset, name, value):
        if value == ALL:
            return queryset
        if value != ATTENTION:
            return queryset.filter(state=value)
        # A closed concern is never saved again, so its updated_at is when it was closed.
        recent = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
        return queryset.filter(Q(state__in=LIVE_STATES[self.inbox]) | Q(updated_at__gte=recent))

    def filter_search(self, queryset, name, value):
        value = value.replace("\x00", "").strip()  # PostgreSQL refuses NUL in a string
        if not value:
            return queryset
        return queryset.filter(Q(text__icontains=value) | Q(member__name__icontains=value))
