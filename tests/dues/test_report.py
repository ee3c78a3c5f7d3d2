"""The annual report on a known year (2025), every figure checked against the sums worked out by hand.

Rates:    李秀英 4,000.00 → 20.00/month from 2024-01, 5,200.00 → 52.00 from 2025-07;
          王建国 5,000.00 → 25.00 from 2024-01;
          张志远 6,000.00 → 60.00 by the rule, agreed 100.00, from 2025-01.
Payments: 2024: 李 240.00 (Jan–Dec), 王 300.00 (Jan–Dec)                      → 540.00
          2025: 王 300.00 (Jan–Dec, 01-08), 李 60.00 (Jan–Mar, 01-10), 张 600.00 (Jan–Jun, 03-01),
                李 60.00 (Apr–Jun, 04-10), 李 156.00 (Jul–Sep, 07-10)          → 1,176.00
          2026: 李 156.00 (Oct–Dec 2025, paid 2026-01-05): not in 2025's report.
Spent:    2024: visits 100.00, remitted 270.00                              → 370.00; carried over 170.00
          2025: visits 200.00 + 150.00, study 88.50, activities 120.00, other 30.00, remitted 500.00
Balance:  170.00 + 1,176.00 − 1,088.50 = 257.50
Owed on 2025-12-31: 李 Oct–Dec 3 × 52.00 = 156.00; 张 Jul–Dec 6 × 100.00 = 600.00 → 756.00 in 9 months.
"""

import datetime
import io
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import translation
from docx import Document
from openpyxl import load_workbook

from dues import services
from dues.exports import report_docx, report_xlsx
from dues.models import Expenditure
from dues.report import annual_report
from notifications.models import Notice
from study.models import Contribution, StudyActivity
from tests.dues.factories import pay
from tests.factories import MemberFactory
from tests.study.factories import StudyActivityFactory
from visits.models import BirthdayCelebration, CelebrationGift, Concern, Visit

D = datetime.date
TODAY = D(2026, 3, 1)
YEAR = 2025


@pytest.fixture(autouse=True)
def in_english():
    """The exports are checked against the English msgids, whatever the default language."""
    with translation.override("en"):
        yield


def test_the_dues_account_of_the_known_year(branch, known_year):
    report = annual_report(branch=branch, year=YEAR, today=TODAY)
    account = report.account
    assert report.as_of == D(2025, 12, 31)
    assert account.carried_over == Decimal("170.00")
    assert account.collected == Decimal("1176.00")
    assert account.payment_count == 5
    assert account.paying_members == 3
    assert account.collected_by_month == [
        Decimal(x) for x in ["360.00", "0", "600.00", "60.00", "0", "0", "156.00", "0", "0", "0", "0", "0"]
    ]
    assert [(v, a) for v, _l, a in account.used_by_purpose] == [
        ("visits", Decimal("350.00")),
        ("study", Decimal("88.50")),
        ("activities", Decimal("120.00")),
        ("other", Decimal("30.00")),
    ]
    assert account.used == Decimal("588.50")
    assert account.remitted == Decimal("500.00")
    assert account.spent == Decimal("1088.50")
    assert account.balance == Decimal("257.50")


def test_arrears_as_they_stood_at_the_end_of_the_year(branch, known_year):
    report = annual_report(branch=branch, year=YEAR, today=TODAY)
    owing = [(s.member.name, s.unpaid_count, s.unpaid_ranges, s.arrears) for s in report.arrears]
    assert owing == [
        ("张志远", 6, "2025-07–2025-12", Decimal("600.00")),
        ("李秀英", 3, "2025-10–2025-12", Decimal("156.00")),
    ]
    assert (report.arrears_months, report.arrears_total) == (9, Decimal("756.00"))


def test_the_years_work_and_next_years_plan(branch, known_year):
    report = annual_report(branch=branch, year=YEAR, today=TODAY)
    work = report.work
    assert [(d.date, d.attended, d.recorded, d.percent) for d in work.study_days] == [
        (D(2025, 3, 10), 2, 3, 67),
        (D(2025, 6, 10), 2, 3, 67),
        (D(2025, 9, 10), 3, 3, 100),
    ]
    assert (work.study_days_held, work.activities_held, work.average_attendance) == (3, 4, 78)
    assert work.held_by_kind == {"monthly": 3, "lecture": 1}
    assert (report.plan_year, [i.text for i in report.plan]) == (
        2026,
        ["坚持每月支部学习活动日", "落实三探望制度"],
    )


@pytest.fixture
def visits_and_notices(branch, known_year, secretary):

    li, wang, zhang = known_year["li"], known_year["wang"], known_year["zhang"]
    for member, day, kind in [
        (li, D(2025, 1, 20), "festival"),
        (wang, D(2025, 1, 22), "festival"),
        (zhang, D(2025, 10, 1), "festival"),
        (li, D(2025, 3, 1), "birthday"),
        (wang, D(2025, 3, 15), "routine"),
        (zhang, D(2025, 6, 15), "routine"),
        (zhang, D(2025, 6, 20), "hospital"),
        (li, D(2024, 12, 30), "routine"),
    ]:
        Visit.objects.create(member=member, date=day, kind=kind, recorded_by=secretary)
    moment = datetime.datetime(2025, 5, 1, 10, tzinfo=datetime.UTC)
    for state, escalated_at in [
        ("answered", None),
        ("escalated", moment),
        ("closed", moment),
        ("open", None),
    ]:
        Concern.objects.create(
            member=li,
            category="health",
            text="诉求",
            raised_on=D(2025, 4, 1),
            state=state,
            escalated_at=escalated_at,
        )
    for number in (1, 2):
        Notice.objects.create(
            branch=branch, title=f"第{number}期", body="通知", year=2025, number=number, status="sent"
        )
    Notice.objects.create(branch=branch, title="草稿", body="通知")


def test_visits_concerns_and_notices_of_the_year(branch, visits_and_notices):
    work = annual_report(branch=branch, year=YEAR, today=TODAY).work
    assert dict(
        zip([k for k, _l in work.visit_kinds], [c for _l, c in work.visits_by_kind], strict=True)
    ) == {
        "festival": 3,
        "birthday": 1,
        "routine": 2,
        "hospital": 1,
        "condolence": 0,
    }
    assert work.visits_total == 7
    assert work.visits_month_totals == [2, 0, 2, 0, 0, 2, 0, 0, 0, 1, 0, 0]
    assert (work.concerns_raised, work.concerns_answered, work.concerns_escalated) == (4, 1, 2)
    assert work.notices_issued == 2


def test_a_year_without_concerns_counts_none(branch, visits_and_notices):
    # The three counts come from one grouped row, which does not exist when nothing was raised.
    work = annual_report(branch=branch, year=YEAR - 1, today=TODAY).work
    assert (work.concerns_raised, work.concerns_answered, work.concerns_escalated) == (0, 0, 0)


def test_report_page_shows_the_figures(client, secretary, branch, known_year):
    client.force_login(secretary)
    response = client.get(reverse("dues:report_committee", args=[YEAR]))
    body = response.content.decode()
    assert response.status_code == 200
    for figure in ["170.00", "1,176.00", "588.50", "500.00", "257.50", "756.00", "落实三探望制度", "张志远"]:
        assert figure in body
    assert 'id="chart-collected"' in body and "data-print" in body
    assert "<script>" not in body  # CSP: data only, in json_script blocks


def docx_of(branch, *, names: bool, year: int = YEAR) -> Document:
    report = annual_report(branch=branch, year=year, today=TODAY)
    return Document(io.BytesIO(report_docx(report, names=names)))


def docx_table(document, first_header: str, second_header: str) -> list[list[str]]:
    """The rows (header first) of the document's table whose header starts with these two columns."""
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        if header[:2] == [first_header, second_header]:
            return [[c.text for c in row.cells] for row in table.rows]
    raise AssertionError(f"no table {first_header}, {second_header}")


def test_docx_has_the_sections_and_figures(branch, known_year):
    document = docx_of(branch, names=True)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:2] == ["1. The year's work", "Meetings and organisational life"]
    assert "2. Party dues: collected, used and managed" in headings and "3. Work plan for 2026" in headings
    account = dict(docx_table(document, "Item", "Amount (yuan)")[1:])
    assert account["Carried over from last year"] == "170.00"
    assert account["Dues collected"] == "1,176.00"
    assert account["Remitted to the higher Party organisation"] == "500.00"
    assert account["Balance at the end of the year"] == "257.50"
    assert docx_table(document, "Member", "Months owed")[1:] == [
        ["张志远", "6", "2025-07–2025-12", "600.00"],
        ["李秀英", "3", "2025-10–2025-12", "156.00"],
    ]
    plan = [p.text for p in document.paragraphs if p.style.name == "List Number"]
    assert plan == ["坚持每月支部学习活动日", "落实三探望制度"]


def test_xlsx_has_the_sections_and_figures(branch, known_year):
    report = annual_report(branch=branch, year=YEAR, today=TODAY)
    workbook = load_workbook(io.BytesIO(report_xlsx(report, names=True)))
    assert workbook.sheetnames == ["The year's work", "Party dues", "Work plan"]
    dues = {row[0]: row[1] for row in workbook["Party dues"].iter_rows(values_only=True) if row and row[0]}
    assert dues["Carried over from last year"] == 170
    assert dues["Dues collected"] == 1176
    assert dues["Study materials"] == 88.5
    assert dues["Balance at the end of the year"] == 257.5
    assert dues["李秀英"] == 3
    assert len(workbook["Party dues"]._charts) == 1
    assert workbook["Party dues"]["A1"].value == f"{branch}: report to the all-member meeting, {YEAR}"
    plan = [row for row in workbook["Work plan"].iter_rows(values_only=True)][2:4]  # title, heading
    assert [r[:2] for r in plan] == [(1, "坚持每月支部学习活动日"), (2, "落实三探望制度")]
    rows = workbook["The year's work"].iter_rows(values_only=True)
    study = [row for row in rows if row[0] and str(row[0]).startswith("2025-09-10")]
    assert study[0][2:5] == (3, 3, 100)


def test_docx_and_xlsx_download_for_the_committee(client, committee, branch, known_year):
    client.force_login(committee)
    docx = client.get(reverse("dues:report_docx", args=[YEAR]))
    xlsx = client.get(reverse("dues:report_xlsx", args=[YEAR]))
    assert f"{branch.name}-2025年度报告-" in unquote(docx["Content-Disposition"])
    assert unquote(xlsx["Content-Disposition"]).endswith(".xlsx")
    assert "2025" in Document(io.BytesIO(docx.getvalue())).paragraphs[0].text
    assert load_workbook(io.BytesIO(xlsx.getvalue())).sheetnames == ["全年工作", "党费", "工作计划"]
    copy = client.get(reverse("dues:report_committee_docx", args=[YEAR]))
    assert f"{branch.name}-2025年度报告（支委会存档本）-" in unquote(copy["Content-Disposition"])


REPORT_QUERIES = 10  # session, user, roles, then the report's seven (annual_report's docstring)


@pytest.mark.parametrize("extra", [5, 50])
def test_report_runs_a_bounded_number_of_queries(
    client,
    secretary,
    committee,
    bureau,
    own_member,
    branch,
    group,
    known_year,
    extra,
    django_assert_max_num_queries,
):
    celebration = BirthdayCelebration.objects.create(branch=branch, date=D(2025, 9, 9), place="社区活动室")
    celebration.attendees.set(known_year.values())
    activity = StudyActivityFactory(
        organiser=branch, branches=[branch], kind=StudyActivity.Kind.JOINT, date=D(2025, 5, 1)
    )
    for i in range(extra):
        member = MemberFactory(branch=branch, contact_group=group)
        services.dues_rate_set(
            actor=secretary, member=member, valid_from=D(2025, 1, 1), monthly_pension=Decimal(3000 + i)
        )
        pay(secretary, member, D(2025, 1, 1), D(2025, 2, 1), D(2025, 2, 1))
        services.expenditure_record(
            actor=secretary,
            branch=branch,
            spent_on=D(2025, 4, 1),
            amount=Decimal(1 + i),
            purpose=Expenditure.Purpose.OTHER,
            approver=committee,
        )
        Contribution.objects.create(activity=activity, author=member, title=f"征文{i}", kind="essay")
        CelebrationGift.objects.create(celebration=celebration, item=f"礼品{i}", cost=Decimal(i))
    pages = ["dues:report", "dues:report_docx", "dues:report_committee", "dues:report_committee_docx"]
    for reader, names in [
        (secretary, pages),
        (committee, pages),
        (bureau, pages),
        (own_member.user, pages[:2]),
    ]:
        client.force_login(reader)
        client.get(reverse("home"))  # the first request after logging in writes the session
        for name in names:
            with django_assert_max_num_queries(REPORT_QUERIES):
                response = client.get(reverse(name, args=[YEAR]))
            assert response.status_code == 200
            if "docx" not in name:
                assert len(response.context["report"].expenditures) >= extra


def test_a_future_year_has_no_report(client, secretary):
    client.force_login(secretary)
    assert client.get(reverse("dues:report", args=[2999])).status_code == 404


def test_work_plan_is_edited_on_the_page_with_htmx(client, secretary, branch, known_year):
    client.force_login(secretary)
    url = reverse("dues:plan_item_add", args=[YEAR])
    response = client.post(
        url, {"branch": branch.pk, "text": "组织集体生日会"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode() and "组织集体生日会" in response.content.decode()
    items = annual_report(branch=branch, year=YEAR, today=TODAY).plan
    assert [i.text for i in items][-1] == "组织集体生日会"
    client.post(reverse("dues:plan_item_move", args=[items[-1].pk]), {"direction": "up"})
    client.post(reverse("dues:plan_item_update", args=[items[0].pk]), {"text": "坚持学习"})
    client.post(reverse("dues:plan_item_delete", args=[items[1].pk]))
    plan = [i.text for i in annual_report(branch=branch, year=YEAR, today=TODAY).plan]
    assert plan == ["坚持学习", "组织集体生日会"]


def test_committee_reads_the_plan_but_cannot_change_it(client, committee, branch, known_year):
    client.force_login(committee)
    item = annual_report(branch=branch, year=YEAR, today=TODAY).plan[0]
    assert client.post(reverse("dues:plan_item_delete", args=[item.pk])).status_code == 403
    body = client.get(reverse("dues:report", args=[YEAR])).content.decode()
    assert "坚持每月支部学习活动日" in body and "plan-new" not in body
