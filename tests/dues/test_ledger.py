import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from dues import selectors, services
from dues.models import DuesRate, Expenditure, Payment
from members.models import Member
from tests.dues.factories import pay
from tests.factories import MemberFactory

D = datetime.date
LEDGER = reverse("dues:ledger")


def many_members(branch, group, secretary, count: int):
    for i in range(count):
        member = MemberFactory(branch=branch, contact_group=group)
        services.dues_rate_set(
            actor=secretary, member=member, valid_from=D(2025, 1, 1), monthly_pension=Decimal(3000 + i)
        )
        pay(secretary, member, D(2025, 1, 1), D(2025, 3, 1), D(2025, 1, 5))


@pytest.mark.parametrize("count", [5, 50])
def test_ledger_runs_a_constant_number_of_queries(
    client, secretary, committee, bureau, branch, group, count, django_assert_max_num_queries
):
    many_members(branch, group, secretary, count)
    for reader in (secretary, committee, bureau):
        client.force_login(reader)
        client.get(LEDGER)  # the first request after logging in writes the session
        # The secretary's too: the approvers are read when the expenditure form is opened, not here.
        with django_assert_max_num_queries(10):
            response = client.get(LEDGER, {"year": 2025})
        assert response.status_code == 200
        assert len(response.context["payments"]) == count
        assert len(response.context["arrears"]) == count


def test_own_dues_run_a_constant_number_of_queries(
    client, member_user, own_member, secretary, django_assert_max_num_queries
):
    services.dues_rate_set(
        actor=secretary, member=own_member, valid_from=D(2025, 1, 1), monthly_pension=Decimal(3000)
    )
    for month in range(1, 13):
        pay(secretary, own_member, D(2025, month, 1), D(2025, month, 1), D(2025, month, 5))
    client.force_login(member_user)
    client.get(LEDGER)
    with django_assert_max_num_queries(10):
        response = client.get(LEDGER)
    assert len(response.context["standing"].payments) == 12


def test_ledger_rows_write_months_and_dates_the_portals_one_way(client, secretary, rated_member):
    pay(secretary, rated_member, D(2025, 3, 1), D(2025, 5, 1), D(2025, 3, 9))
    pay(secretary, rated_member, D(2025, 6, 1), D(2025, 6, 1), D(2025, 6, 10))
    client.force_login(secretary)
    page = client.get(LEDGER, {"year": 2025}).content.decode()
    assert "<td>2025年3月–2025年5月</td>" in page
    assert "<td>2025年6月</td>" in page  # one month: no range
    assert "<td>2025年3月9日</td>" in page and "<td>2025年6月10日</td>" in page  # another year: with it
    assert "<td>2025年1月</td>" in page  # the rate in force since January


def test_ledger_filters_by_year_member_and_purpose(client, secretary, rated_member, branch):
    pay(secretary, rated_member, D(2025, 1, 1), D(2025, 12, 1), D(2025, 1, 5))
    pay(secretary, rated_member, D(2026, 1, 1), D(2026, 1, 1), D(2026, 1, 5))
    services.expenditure_record(
        actor=secretary,
        branch=branch,
        spent_on=D(2025, 6, 1),
        amount=Decimal("50"),
        purpose=Expenditure.Purpose.STUDY,
        approver=secretary,
    )
    services.expenditure_record(
        actor=secretary,
        branch=branch,
        spent_on=D(2025, 7, 1),
        amount=Decimal("80"),
        purpose=Expenditure.Purpose.VISITS,
        approver=secretary,
    )
    client.force_login(secretary)
    response = client.get(LEDGER, {"year": 2025, "purpose": "study"})
    assert [p.receipt for p in response.context["payments"]] == ["2025-0001"]
    assert [e.amount for e in response.context["expenditures"]] == [Decimal("50.00")]
    account = response.context["account"]
    assert (account.collected, account.spent, account.balance) == (
        Decimal("240.00"),
        Decimal("130.00"),
        Decimal("110.00"),
    )
    other = MemberFactory(branch=branch)
    response = client.get(LEDGER, {"year": 2026, "member": other.pk})
    assert response.context["payments"] == []


def test_ledger_lists_arrears_and_members_without_rate(client, secretary, rated_member, branch):
    MemberFactory(branch=branch, name="赵无率")
    client.force_login(secretary)
    response = client.get(LEDGER)
    assert [s.member for s in response.context["arrears"]] == [rated_member]
    assert [m.name for m in response.context["without_rate"]] == ["赵无率"]
    assert "赵无率" in response.content.decode()


def test_secretary_records_a_quarter_from_the_ledger(client, secretary, rated_member, branch):
    client.force_login(secretary)
    response = client.post(
        reverse("dues:payment_create"),
        {
            "branch": branch.pk,
            "payment-member": rated_member.pk,
            "payment-first_month": "2025-04",
            "payment-last_month": "2025-06",
            "payment-amount": "60.00",
            "payment-paid_on": "2025-04-02",
        },
    )
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.first_month, payment.last_month, payment.receipt) == (
        D(2025, 4, 1),
        D(2025, 6, 1),
        "2025-0001",
    )


def test_wrong_amount_re_renders_the_form_with_the_reason(client, secretary, rated_member, branch):
    client.force_login(secretary)
    response = client.post(
        reverse("dues:payment_create"),
        {
            "branch": branch.pk,
            "payment-member": rated_member.pk,
            "payment-first_month": "2025-04",
            "payment-last_month": "2025-06",
            "payment-amount": "20.00",
            "payment-paid_on": "2025-04-02",
        },
    )
    assert response.status_code == 200
    assert "60.00" in response.context["payment_form"].errors["amount"][0]
    assert not Payment.objects.exists()
    body = response.content.decode()  # the form comes with the page, open, as filled in
    assert "<details open>" in body and 'name="payment-amount" value="20.00"' in body


def test_the_forms_come_when_their_section_is_first_opened(client, secretary, rated_member, branch):
    client.force_login(secretary)
    page = client.get(LEDGER).content.decode()
    assert 'name="payment-member"' not in page
    for name in ("payment_form", "expenditure_form", "rate_form"):
        assert f'hx-get="{reverse("dues:" + name)}?branch={branch.pk}" hx-trigger="toggle once"' in page
    url = reverse("dues:payment_form")
    form = client.get(url, {"branch": branch.pk}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in form and f'action="{reverse("dues:payment_create")}"' in form
    assert f'<option value="{rated_member.pk}">{rated_member.name}</option>' in form
    # Without JavaScript, the form's link (in <noscript>) opens the page again with the form open.
    assert f'href="?branch={branch.pk}&amp;form=rate"' in page
    opened = client.get(LEDGER, {"branch": branch.pk, "form": "rate"}).content.decode()
    assert "<details open>" in opened and 'name="rate-member"' in opened


def test_secretary_sets_a_rate_and_records_spending(client, secretary, rated_member, branch):
    client.force_login(secretary)
    client.post(
        reverse("dues:rate_set"),
        {
            "branch": branch.pk,
            "rate-member": rated_member.pk,
            "rate-valid_from": "2026-01",
            "rate-monthly_pension": "5000.01",
        },
    )
    assert DuesRate.objects.get(member=rated_member, valid_from=D(2026, 1, 1)).monthly_dues == Decimal(
        "50.00"
    )
    client.post(
        reverse("dues:expenditure_create"),
        {
            "branch": branch.pk,
            "expenditure-spent_on": "2026-02-03",
            "expenditure-amount": "300",
            "expenditure-purpose": "remittance",
            "expenditure-approver": secretary.pk,
        },
    )
    assert Expenditure.objects.get().purpose == Expenditure.Purpose.REMITTANCE


def test_committee_reads_but_cannot_record(client, committee, rated_member, branch):
    client.force_login(committee)
    response = client.get(LEDGER)
    assert response.status_code == 200
    assert "payment_form" not in response.context
    response = client.post(reverse("dues:payment_create"), {"branch": branch.pk})
    assert response.status_code == 403


def test_stranger_cannot_post_to_another_branch(client, stranger, rated_member, branch):
    client.force_login(stranger)
    response = client.post(
        reverse("dues:payment_create"),
        {
            "branch": branch.pk,
            "payment-member": rated_member.pk,
            "payment-first_month": "2025-04",
            "payment-last_month": "2025-04",
            "payment-amount": "20.00",
            "payment-paid_on": "2025-04-02",
        },
    )
    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_member_sees_only_their_own_dues(client, member_user, own_member, rated_member, secretary):
    services.dues_rate_set(
        actor=secretary, member=own_member, valid_from=D(2025, 1, 1), monthly_pension=Decimal("6000.00")
    )
    pay(secretary, own_member, D(2025, 1, 1), D(2025, 2, 1), D(2025, 2, 1))
    pay(secretary, rated_member, D(2025, 1, 1), D(2025, 2, 1), D(2025, 2, 1))
    client.force_login(member_user)
    response = client.get(LEDGER)
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["member"] == own_member
    assert [p.member for p in response.context["standing"].payments] == [own_member]
    assert "60.00" in body and rated_member.name not in body
    # Another member's panel is out of reach.
    assert client.get(reverse("dues:member_panel", args=[rated_member.pk])).status_code == 404
    assert client.get(reverse("dues:member_panel", args=[own_member.pk])).status_code == 200


def test_liaison_gets_an_empty_panel(client, liaison, rated_member):
    client.force_login(liaison)
    assert client.get(reverse("dues:member_panel", args=[rated_member.pk])).status_code == 204
    assert client.get(LEDGER).status_code == 403


def test_bureau_reads_each_branch_of_its_bureau_and_nothing_else(client, bureau, branch, other_branch):
    from tests.factories import BranchFactory

    sister = BranchFactory(bureau=branch.bureau, name="第18党支部")
    client.force_login(bureau)
    assert client.get(LEDGER).context["branch"] in (branch, sister)
    assert client.get(LEDGER, {"branch": sister.pk}).context["branch"] == sister
    assert client.get(LEDGER, {"branch": other_branch.pk}).status_code == 404
    assert client.get(reverse("dues:report", args=[2025]), {"branch": other_branch.pk}).status_code == 404
    assert "payment_form" not in client.get(LEDGER, {"branch": branch.pk}).context


def test_the_payment_form_shows_what_the_months_come_to(client, secretary, committee, rated_member, branch):
    url = reverse("dues:payment_owed")
    query = {
        "branch": branch.pk,
        "payment-member": rated_member.pk,
        "payment-first_month": "2025-01",
        "payment-last_month": "2025-03",
    }
    client.force_login(secretary)
    response = client.get(url, query, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "60.00" in response.content.decode()
    early = client.get(url, {**query, "payment-first_month": "2024-12"}).content.decode()
    assert "2024-12" in early  # no rate yet for that month: said plainly
    assert client.get(url, {"branch": branch.pk}).content.decode().strip() == ""
    client.force_login(committee)
    assert client.get(url, query).status_code == 403


def test_the_database_finds_the_same_members_owing_as_the_standings(secretary, branch, group):
    """owing_members (SQL month arithmetic, for the dashboard) agrees with the standings (Python)."""
    today = D(2026, 5, 20)
    cases = {
        "paid up": [(D(2025, 1, 1), D(2026, 5, 1))],
        "a hole in March": [(D(2025, 1, 1), D(2026, 2, 1)), (D(2026, 4, 1), D(2026, 5, 1))],
        "paid ahead": [(D(2025, 1, 1), D(2026, 12, 1))],
        "ahead but May open": [(D(2025, 1, 1), D(2026, 4, 1)), (D(2026, 6, 1), D(2026, 8, 1))],
        "never paid": [],
        "one month short": [(D(2025, 1, 1), D(2026, 4, 1))],
    }
    members = {}
    for name, payments in cases.items():
        member = MemberFactory(branch=branch, contact_group=group, name=name)
        services.dues_rate_set(
            actor=secretary, member=member, valid_from=D(2025, 1, 1), monthly_pension=Decimal(3000)
        )
        for first, last in payments:
            pay(secretary, member, first, last, D(2025, 1, 5))
        members[name] = member
    MemberFactory(branch=branch, contact_group=group, name="no rate")
    late = MemberFactory(branch=branch, contact_group=group, name="paid late")
    services.dues_rate_set(
        actor=secretary, member=late, valid_from=D(2026, 1, 1), monthly_pension=Decimal(3000)
    )
    pay(secretary, late, D(2026, 1, 1), D(2026, 5, 1), D(2026, 6, 1))  # after `today`: not counted yet
    left = members["one month short"]
    Member.objects.filter(pk=left.pk).update(status=Member.Status.DECEASED, status_changed_on=D(2026, 3, 10))
    gone = members["a hole in March"]
    Member.objects.filter(pk=gone.pk).update(status=Member.Status.DECEASED, status_changed_on=D(2026, 2, 10))

    standings = selectors.branch_standings(branch=branch, upto=today)
    by_python = {s.member.name for s in standings if s.unpaid_months}
    by_database = {m.name for m in selectors.owing_members(branch_ids=[branch.pk], upto=today)}
    assert by_database == by_python == {"ahead but May open", "never paid", "paid late"}
