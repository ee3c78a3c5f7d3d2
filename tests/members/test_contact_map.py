import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import ContactGroupFactory, MemberFactory
from tests.members.factories import bulk_members

pytestmark = pytest.mark.django_db
URL = reverse("members:contact_map")
XLSX = reverse("members:contact_map_xlsx")
# A page served from the cache reads only the user and the user's roles (the session is cached).


@pytest.fixture
def mapped(branch, group, liaison, committee):
    liaison.phone = "+8613700000001"
    liaison.save(update_fields=["phone"])
    silent = ContactGroupFactory(branch=branch, number=2, name="第二联络小组", leader=committee)
    return {
        "grouped": MemberFactory(branch=branch, name="张志远", contact_group=group, district="海淀区"),
        "neighbour": MemberFactory(branch=branch, name="李秀英", contact_group=silent),
        "ungrouped": MemberFactory(branch=branch, name="赵无组", contact_group=None),
        "silent": silent,
    }


def test_map_shows_groups_with_leaders_and_members(client, secretary, mapped, group, liaison):
    client.force_login(secretary)
    html = client.get(URL).content.decode()
    for text in [group.name, str(liaison), "137 0000 0001", "张志远", "海淀区", "李秀英"]:
        assert text in html


def test_coverage_lists_members_without_group_and_leaders_without_phone(client, secretary, mapped):
    client.force_login(secretary)
    (branch_map,) = client.get(URL).context["maps"]
    assert [m.name for m in branch_map.ungrouped] == ["赵无组"]
    assert branch_map.leaders_without_phone == [mapped["silent"]]


def test_coverage_ignores_members_who_left(client, secretary, mapped, branch):
    MemberFactory(branch=branch, contact_group=None, status="deceased", status_changed_on="2025-01-01")
    client.force_login(secretary)
    (branch_map,) = client.get(URL).context["maps"]
    assert [m.name for m in branch_map.ungrouped] == ["赵无组"]


def test_member_sees_only_their_leader_and_phone(client, member_user, own_member, mapped, liaison):
    client.force_login(member_user)
    response = client.get(URL)
    html = response.content.decode()
    assert response.context["maps"] == []
    assert str(liaison) in html and "137 0000 0001" in html
    for other in ["张志远", "李秀英", "赵无组", mapped["grouped"].phone.as_national]:
        assert other not in html
    assert client.get(XLSX).status_code == 403


def test_stranger_sees_only_their_own_branch(client, stranger, mapped, other_branch):
    MemberFactory(branch=other_branch, name="外支部")
    client.force_login(stranger)
    response = client.get(URL)
    assert [m.branch for m in response.context["maps"]] == [other_branch]
    assert "张志远" not in response.content.decode()


def test_xlsx_has_a_row_per_member_with_phones_as_text(client, secretary, mapped, group):
    client.force_login(secretary)
    response = client.get(XLSX)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    assert sheet["A1"].value == f"{group.branch.name} 联络图"
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert {row[5] for row in rows} == {"张志远", "李秀英", "赵无组"}
    zhang = next(row for row in rows if row[5] == "张志远")
    assert zhang[0] == group.name and zhang[2] == "137 0000 0001"
    phone_cell = sheet.cell(row=3 + rows.index(zhang), column=8)
    assert phone_cell.data_type == "s" and phone_cell.number_format == "@"


def test_xlsx_gives_the_landline_of_a_member_without_a_mobile(client, secretary, mapped):
    li = mapped["neighbour"]
    li.phone, li.phone_alt = "", "+861062345678"
    li.save(update_fields=["phone", "phone_alt"])
    client.force_login(secretary)
    sheet = load_workbook(io.BytesIO(client.get(XLSX).getvalue())).active
    assert sheet["H2"].value == "电话（座机已注明）"
    row = next(row for row in sheet.iter_rows(min_row=3, values_only=True) if row[5] == "李秀英")
    assert row[7] == "座机 010 6234 5678"


@pytest.mark.parametrize("count", [50, 500])
def test_map_runs_a_constant_number_of_queries(
    client, secretary, branch, group, committee, count, django_assert_max_num_queries
):
    groups = [group] + [ContactGroupFactory(branch=branch, number=n, leader=committee) for n in range(2, 7)]
    bulk_members(branch, count, groups[:5])
    bulk_members(branch, 3, start=count)  # in no group
    client.force_login(secretary)
    with django_assert_max_num_queries(10):
        response = client.get(URL)
    assert response.context["maps"][0].member_count == count + 3
    with django_assert_max_num_queries(10):
        assert client.get(XLSX).status_code == 200


def test_map_and_list_query_counts_do_not_grow_with_the_roster(client, secretary, branch, group):
    client.force_login(secretary)
    counts = []
    for batch in (50, 450):
        bulk_members(branch, batch, [group], start=len(counts) * 50)
        with CaptureQueriesContext(connection) as page_queries:
            client.get(URL)
            client.get(reverse("members:list"), {"care": "any"})
        counts.append(len(page_queries))
    assert counts[0] == counts[1]


def test_bureau_reads_one_branch_at_a_time_and_only_its_own(client, bureau, mapped, branch, other_branch):
    from tests.factories import BranchFactory

    sibling = BranchFactory(bureau=branch.bureau, name="第18党支部")
    MemberFactory(branch=sibling, name="郑玉兰")
    MemberFactory(branch=other_branch, name="外局人")
    client.force_login(bureau)

    first = client.get(URL).content.decode()
    assert "张志远" in first and "郑玉兰" not in first
    assert "第18党支部" in first  # offered as a choice

    chosen = client.get(URL, {"branch": sibling.pk}).content.decode()
    assert "郑玉兰" in chosen and "张志远" not in chosen

    foreign = client.get(URL, {"branch": other_branch.pk}).content.decode()
    assert "外局人" not in foreign
