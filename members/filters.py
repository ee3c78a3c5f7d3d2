"""The member list's filters (django-filter)."""

import django_filters
from django import forms
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy as _

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


class MemberFilter(django_filters.FilterSet):
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
    district = django_filters.ChoiceFilter(label=_("District"), choices=[], empty_label=_("All districts"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Member.Status.choices, empty_label=_("All statuses")
    )

    class Meta:
        model = Member
        fields = ["q", "contact_group", "care", "age", "district", "status"]

    def __init__(self, data=None, *args, request=None, **kwargs):
        # Active members unless the user asks otherwise (an empty status means all).
        data = data.copy() if data is not None else {}
        data.setdefault("status", Member.Status.ACTIVE)
        super().__init__(data, *args, request=request, **kwargs)
        user = request.user
        self.filters["contact_group"].queryset = selectors.contact_groups(user=user)
        self.filters["district"].extra["choices"] = [(d, d) for d in selectors.districts(user=user)]

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
