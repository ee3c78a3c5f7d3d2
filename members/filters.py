"""The member list's filters (django-filter)."""

import django_filters
from django import forms
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy as _

from accounts.current_branch import current_branch
from accounts.permissions import Role, branches_of, has_role
from lib.filters import BranchAndYearChoices, FilterForm

from . import selectors
from .models import ELDERLY_AGE, CareCategory, Member

ANY_CARE = "any"
CARE_CHOICES = [(ANY_CARE, _("Any care category")), *CareCategory.choices]
# value → (at least, under) in years
AGE_BANDS = {
    "under70": (None, 70),
    "70s": (70, 80),
    "80s": (80, 90),
    "90plus": (90, None),
}
AGE_BAND_CHOICES = [
    ("under70", _("Under 70")),
    ("70s", _("70–79")),
    ("80s", _("80–89")),
    ("90plus", _("90 and over")),
]


class MemberFilter(BranchAndYearChoices, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Name or pinyin"),
        method="filter_search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 张志远 or zzy")}),
    )
    contact_group = django_filters.ModelChoiceFilter(
        label=_("Contact group"), queryset=Member.objects.none(), empty_label=_("All groups")
    )
    care = django_filters.ChoiceFilter(
        label=_("Care category"), choices=CARE_CHOICES, method="filter_care", empty_label=_("All")
    )
    age = django_filters.ChoiceFilter(
        label=_("Age"), choices=AGE_BAND_CHOICES, method="filter_age", empty_label=_("All ages")
    )
    # The page's branch menu, a form of its own (a select of a bureau's 200 branches written by the
    # form renderer in Python, not option by option in the template).
    branch = django_filters.ChoiceFilter(
        label=_("Branch"),
        choices=[],
        field_name="branch_id",
        empty_label=_("All branches"),
        widget=forms.Select(attrs={"class": "form-select branch-choice", "id": "list-branch"}),
    )
    district = django_filters.ChoiceFilter(label=_("District"), choices=[], empty_label=_("All districts"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Member.Status.choices, empty_label=_("All statuses")
    )

    class Meta:
        form = FilterForm
        model = Member
        fields = ["q", "branch", "contact_group", "care", "age", "district", "status"]

    def __init__(self, data=None, *args, request=None, **kwargs):
        # Active members unless the user asks otherwise (an empty status means all).
        data = data.copy() if data is not None else {}
        data.setdefault("status", Member.Status.ACTIVE)
        user = request.user
        branches = branches_of(user, "view_roster")
        reads_bureau = has_role(user, Role.BUREAU) and len(branches) > 1
        if reads_bureau:
            # A bureau reads hundreds of branches: one at a time, unless it asks for all (an empty choice).
            data.setdefault("branch", str(current_branch(request, "view_roster").pk))
        super().__init__(data, *args, request=request, **kwargs)
        branch_id = selectors.roster_branch_in_view(user, data.get("branch"))
        self.offer_branches(branches)
        groups = selectors.contact_group_choices(user=user, branch_id=branch_id)
        # Across a whole bureau a list of its ~1,200 groups helps nobody: a group is chosen within a branch.
        self.filters["contact_group"].queryset = (
            groups.none() if reads_bureau and branch_id is None else groups
        )
        districts = selectors.districts(user=user, branch_id=branch_id)
        self.filters["district"].extra["choices"] = [(d, d) for d in districts]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q(name__icontains=value)
        latin = value.replace(" ", "").lower()
        if latin.isascii():
            # "zzy" → the initials of 张志远; "zhiyuan" → part of the full pinyin (stored "zhang zhi yuan").
            queryset = queryset.alias(pinyin_compact=Replace("name_pinyin", Value(" "), Value("")))
            condition |= Q(name_initials__startswith=latin) | Q(pinyin_compact__contains=latin)
        return queryset.filter(condition)

    def filter_care(self, queryset, name, value):
        if value == ANY_CARE:
            return queryset.in_care_category(*CareCategory.values)
        if value == CareCategory.ELDERLY:
            return queryset.aged_at_least(ELDERLY_AGE)
        return queryset.in_care_category(value)

    def filter_age(self, queryset, name, value):
        at_least, under = AGE_BANDS[value]
        if at_least is not None:
            queryset = queryset.aged_at_least(at_least)
        if under is not None:
            queryset = queryset.aged_under(under)
        return queryset
