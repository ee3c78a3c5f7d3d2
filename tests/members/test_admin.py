import pytest
from django.urls import reverse

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
MODELS = ["org_bureau", "org_branch", *(f"members_{model}" for model in
          ["member", "healthrecord", "careperiod", "contactgroup", "familyproxy"])]  # fmt: skip


@pytest.mark.parametrize("model", MODELS)
def test_admin_lists_each_members_model_for_superusers(admin_client, own_member, model):
    response = admin_client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200


def test_admin_searches_members_by_pinyin_initials(admin_client, branch):
    MemberFactory(branch=branch, name="张志远")
    MemberFactory(branch=branch, name="李秀英")
    response = admin_client.get(reverse("admin:members_member_changelist"), {"q": "zzy"})
    assert [m.name for m in response.context["cl"].result_list] == ["张志远"]
