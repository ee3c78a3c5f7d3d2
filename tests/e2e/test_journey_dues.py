"""Journey: the secretary records a member's overdue dues and opens the annual report (desktop and
phone); a member reads their own dues on a phone."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dues.models import Payment
from dues.selectors import arrears_list, dues_owed

from .audit import assert_accessible, assert_age_friendly
from .browser import login, open_menu

pytestmark = pytest.mark.e2e


def test_secretary_records_overdue_dues_and_opens_the_report(page, demo_branch):
    today = timezone.localdate()
    owing = arrears_list(branch=demo_branch, upto=today)
    assert owing, "the demo has members behind with their dues"
    member, month = owing[0].member, owing[0].unpaid_months[0]
    owed = dues_owed(member=member, first_month=month, last_month=month)
    login(page, "secretary")

    open_menu(page)
    page.locator("#portal-nav a[href='/dues/']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("党费账目")
    assert_accessible(page)
    page.locator("summary", has_text="登记交纳党费").click()
    form = page.locator("form[action='/dues/payments/new/']")
    form.get_by_label("党员").select_option(label=member.name)
    form.get_by_label("交纳起始月份").fill(f"{month:%Y-%m}")
    form.get_by_label("交纳截止月份").fill(f"{month:%Y-%m}")
    form.get_by_label("金额（元）").fill(str(owed))
    form.locator("button[type=submit]").click()

    expect(page.locator(".alert-success")).to_contain_text(member.name)
    payment = Payment.objects.get(member=member, first_month=month)
    expect(page.locator(".alert-success")).to_contain_text(payment.receipt)
    assert payment.amount == owed

    page.locator("main a", has_text=f"{today.year}年度报告").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("向全体党员大会的报告")
    # The chart scripts are deferred: wait until they have drawn, rather than count too early.
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length >= 3")
    expect(page.locator("button[data-print]")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.locator("main a", has_text=".docx").click()
    assert (
        download.value.suggested_filename == f"{demo_branch.name}-{today.year}年度报告-{today:%Y-%m-%d}.docx"
    )


def test_member_reads_their_own_dues_on_a_phone(phone_page, demo_branch):
    login(phone_page, "member")
    open_menu(phone_page)
    phone_page.locator("#portal-nav a[href='/dues/']").click()
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("我的党费")
    expect(phone_page.locator(".dues-facts")).to_contain_text(re.compile(r"每月党费"))
    assert_accessible(phone_page)
    assert_age_friendly(phone_page)


def test_member_reads_the_annual_report_on_a_phone_without_names_of_who_owes(phone_page, demo_branch):
    today = timezone.localdate()
    owers = [s.member.name for s in arrears_list(branch=demo_branch, upto=today)]
    login(phone_page, "member")
    open_menu(phone_page)
    phone_page.locator("#portal-nav a[href='/dues/']").click()
    phone_page.locator("main a", has_text=f"{today.year}年度报告").click()
    expect(phone_page.get_by_role("heading", level=1)).to_contain_text("向全体党员大会的报告")
    main = phone_page.locator("main").inner_text()
    assert "欠缴党费" in main and not any(name in main for name in owers)
    assert phone_page.locator("a[href*='/committee/']").count() == 0
    assert_age_friendly(phone_page)
