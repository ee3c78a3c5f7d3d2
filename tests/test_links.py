"""lib.links: id_url gives the URL reverse() gives, under any script prefix."""

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from lib.links import id_url


@pytest.mark.parametrize("viewname", ["members:detail", "visits:concern_transition"])
@pytest.mark.parametrize("pk", [1, 42, 9_081_726_355, 10**12])
def test_id_url_is_reverses(viewname, pk):
    assert id_url(viewname, pk) == reverse(viewname, args=[pk])


def test_id_url_follows_the_script_prefix():
    set_script_prefix("/portal/")
    try:
        assert id_url("members:detail", 7) == reverse("members:detail", args=[7]) == "/portal/members/7/"
    finally:
        clear_script_prefix()
    assert id_url("members:detail", 7) == "/members/7/"
