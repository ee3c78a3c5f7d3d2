"""The ledger's filters: year and member for payments, year and purpose for expenditures (one GET form)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from lib.filters import FilterForm
from members.models import Member

from .forms import MemberChoiceField
from .models import Expenditure, Payment


class MemberFilter(django_filters.ModelChoiceFilter):
    field_class = MemberChoiceField


class PaymentFilter(django_filters.FilterSet):
    year = django_filters.ChoiceFilter(
        field_name="paid_on", lookup_expr="year", label=_("Year"), empty_label=None
    )
    member = MemberFilter(queryset=Member.objects.none(), label=_("Member"), empty_label=_("Any member"))

    class Meta:
        form = FilterForm
        model = Payment
        fields = ["year", "member"]

    def __init__(self, *args, branch, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["year"].extra["choices"] = [(y, y) for y in years]
        self.filters["member"].queryset = Member.objects.in_branch(branch)


class ExpenditureFilter(django_filters.FilterSet):
    year = django_filters.ChoiceFilter(
        field_name="spent_on", lookup_expr="year", label=_("Year"), empty_label=None
    )
    purpose = django_filters.ChoiceFilter(
        choices=Expenditure.Purpose.choices, label=_("Purpose"), empty_label=_("Any purpose")
    )

    class Meta:
        form = FilterForm
        model = Expenditure
        fields = ["year", "purpose"]

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["year"].extra["choices"] = [(y, y) for y in years]
