"""branch_portal.renderers writes selects and inputs in Python: the same markup as Django's templates."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from branch_portal.renderers import FormRenderer
from members.models import Member
from tests.factories import MemberFactory


class Everything(forms.Form):
    name = forms.CharField(max_length=20, required=False, widget=forms.TextInput(attrs={"autofocus": True}))
    count = forms.IntegerField(min_value=0)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    secret = forms.CharField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=[("", "—"), ("a", "A & <b>"), ("b", "Bee")])
    grouped = forms.ChoiceField(choices=[("Fruit", [("apple", "Apple"), ("pear", "Pear")]), ("x", "X")])
    many = forms.MultipleChoiceField(choices=[(1, "one"), (2, 2026), (3, '"three"')], required=False)
    member = forms.ModelChoiceField(queryset=Member.objects.order_by("pk"), required=False)
    agree = forms.BooleanField(required=False)
    notes = forms.CharField(widget=forms.Textarea, required=False)
    flavour = forms.ChoiceField(widget=forms.RadioSelect, choices=[("x", "X"), ("y", "Y")])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        None,
        {"name": 'O\'Neil "<x>"', "count": "12", "day": "2026-02-03", "secret": "s&t", "kind": "a",
         "grouped": "pear", "many": ["2", "3"], "agree": "on", "flavour": "y"},
        {"count": "not a number", "kind": "zzz"},
    ],
)  # fmt: skip
def test_every_field_renders_as_djangos_templates_do(branch, data):
    members = MemberFactory.create_batch(3, branch=branch, name="李<四>")
    if data:
        data["member"] = str(members[1].pk)
    initial = {"day": datetime.date(2026, 1, 2), "count": 3} if data is None else None
    fast = Everything(data=data, initial=initial, renderer=FormRenderer())
    plain = Everything(data=data, initial=initial, renderer=DjangoTemplates())

    for name in fast.fields:
        assert str(fast[name]) == str(plain[name]), name
