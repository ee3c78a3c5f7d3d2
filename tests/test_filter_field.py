"""templates/_filter_field.html draws a filter's text inputs and selects as crispy-bootstrap5 does."""

import re

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms

from lib.filters import FilterForm


class Filters(FilterForm):
    q = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "search", "placeholder": "张"}))
    year = forms.ChoiceField(choices=[("", "All years"), ("2026", "2026")], required=False)
    kind = forms.ChoiceField(choices=[("a", "A & <b>"), ("b", "Bee")], help_text="Which <em>kind</em>")
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class Crispys(Filters):
    helper = None  # bootstrap5/field.html


def words(html: str) -> list[str]:
    """The markup without the whitespace between its tags and words (which the browser ignores)."""
    return html.replace(">", "> ").replace("<", " <").split()


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"q": 'O\'Neil "<x>"', "year": "2026", "kind": "b", "day": "2026-02-03"},
        {"year": "1999", "day": "x"},
    ],
)
def test_filter_fields_are_crispys(data):
    slim, crispy = Filters(data=data), Crispys(data=data)
    assert slim.is_valid() == crispy.is_valid()
    for name in slim.fields:
        assert words(as_crispy_field(slim[name])) == words(as_crispy_field(crispy[name])), name


def test_errors_are_shown_and_tied_to_the_field():
    html = as_crispy_field(Filters(data={"year": "1999", "kind": "b"})["year"])
    select = re.search(r'<select name="year" class="[^"]*is-invalid"[^>]*>', html).group()
    assert 'aria-invalid="true" aria-describedby="id_year_error"' in select
    assert '<div id="id_year_error" class="invalid-feedback">' in html
