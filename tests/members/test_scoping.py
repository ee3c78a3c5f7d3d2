import pytest
from django.urls import reverse

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_stranger_gets_404_for_a_member_of_another_branch(client, stranger, branch):
    member = MemberFactory(branch=branch)
    client.force_login(stranger)
    assert client.get(reverse("members:detail", args=[member.pk])).status_code == 404


def test_member_sees_own_row_but_not_a_neighbour(client, own_member, branch, member_user):
    neighbour = MemberFactory(branch=branch)
    client.force_login(member_user)
    assert client.get(own_member.get_absolute_url()).status_code == 200
    assert client.get(neighbour.get_absolute_url()).status_code == 404
