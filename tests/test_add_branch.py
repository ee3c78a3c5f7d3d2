"""`manage.py add_branch`: a production's first branch and secretary, without the demo data."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import BranchRole, User
from org.models import Branch, Bureau

pytestmark = pytest.mark.django_db


def add_branch(*args: str) -> str:
    out = io.StringIO()
    call_command("add_branch", *args, stdout=out)
    return out.getvalue()


def test_creates_the_bureau_the_branch_and_a_secretary_who_must_choose_a_password(client):
    output = add_branch(
        "--bureau", "某某局离退休干部党委", "--branch", "第1党支部", "--secretary", "wang", "--name", "王建国"
    )

    branch = Branch.objects.get(name="第1党支部", bureau__name="某某局离退休干部党委")
    user = User.objects.get(username="wang")
    assert user.get_full_name() == "王建国"
    assert user.must_change_password
    assert list(BranchRole.objects.filter(user=user).values_list("branch", "role")) == [
        (branch.pk, BranchRole.Role.SECRETARY)
    ]
    password = output.split("一次性密码 ")[1].split("（")[0]
    response = client.post("/accounts/login/", {"username": "wang", "password": password})
    assert response.status_code == 302
    assert client.get("/").url.startswith("/accounts/password/")


def test_a_second_branch_of_the_bureau_reuses_it(db):
    add_branch("--bureau", "某某局", "--branch", "第1党支部", "--secretary", "wang")
    add_branch("--bureau", "某某局", "--branch", "第2党支部", "--secretary", "li")

    assert Bureau.objects.count() == 1
    assert Branch.objects.filter(bureau__name="某某局").count() == 2


def test_refuses_a_taken_user_name_and_changes_nothing(db):
    add_branch("--bureau", "某某局", "--branch", "第1党支部", "--secretary", "wang")
    password = User.objects.get(username="wang").password

    with pytest.raises(CommandError, match="用户名 wang 已被占用"):
        add_branch("--bureau", "某某局", "--branch", "第2党支部", "--secretary", "wang")
    assert not Branch.objects.filter(name="第2党支部").exists()
    assert User.objects.get(username="wang").password == password
