"""The annual report tells the year in sentences drawn from the records, and comes in two versions:
the one read to all members (arrears as counts and sums) and the committee's copy (naming who owes).

Built on test_report.py's known year 2025 (李秀英 owes 3 months, 张志远 6: 756.00 in 9 months).
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from docx import Document
from docx.shared import Mm
from openpyxl import load_workbook

from dues import services
from dues.exports import TEXT_WIDTH, report_docx
from dues.models import Expenditure
from dues.narrative import story
from dues.report import annual_report
from study.models import Contribution, StudyActivity, StudyPlan, StudyPlanMonth
from tests.study.factories import StudyActivityFactory
from visits.models import BirthdayCelebration, CelebrationGift

D = datetime.date
TODAY = D(2026, 3, 1)
YEAR = 2025
Kind = StudyActivity.Kind
OWERS = ["张志远", "李秀英"]


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def told_year(branch, known_year, secretary, committee):
    """Known year plus meetings, a joint activity, a talk and an essay, a celebration, next year's themes."""
    li, wang = known_year["li"], known_year["wang"]
    for kind, months in [
        (Kind.GENERAL_MEETING, [4, 12]),
        (Kind.COMMITTEE_MEETING, [1, 2, 3]),
        (Kind.PARTY_LECTURE, [7]),
        (Kind.TOUR, [10]),
    ]:
        for month in months:
            StudyActivityFactory(organiser=branch, branches=[branch], kind=kind, date=D(2025, month, 20))
    joint = StudyActivityFactory(
        organiser=branch, branches=[branch], kind=Kind.JOINT, date=D(2025, 5, 18), theme="参观廉政教育基地"
    )
    Contribution.objects.create(activity=joint, author=li, kind="talk", title="我所经历的改革和法制故事")
    Contribution.objects.create(activity=joint, author=wang, kind="essay", title="入党六十年")
    celebration = BirthdayCelebration.objects.create(branch=branch, date=D(2025, 9, 9), place="社区活动室")
    celebration.attendees.set([li, wang])
    CelebrationGift.objects.create(celebration=celebration, item="蛋糕", cost=Decimal("168.00"))
    CelebrationGift.objects.create(celebration=celebration, item="鲜花", cost=Decimal("90.50"))
    services.expenditure_record(
        actor=secretary,
        branch=branch,
        spent_on=D(2025, 9, 9),
        amount=Decimal("258.50"),
        purpose=Expenditure.Purpose.ACTIVITIES,
        approver=committee,
        note="集体祝寿礼品",
    )
    plan = StudyPlan.objects.create(branch=branch, year=2026)
    StudyPlanMonth.objects.create(plan=plan, month=1, theme="学习党的二十届四中全会精神")
    StudyPlanMonth.objects.create(plan=plan, month=3, theme="学雷锋")
    StudyPlanMonth.objects.create(plan=plan, month=4, theme="")
    return known_year


def told(branch, *, names: bool = False, year: int = YEAR):
    return story(annual_report(branch=branch, year=year, today=TODAY), names=names)


def test_the_meetings_held_are_told_per_kind(branch, told_year):
    meetings = told(branch).meetings
    assert meetings == [
        "In 2025 the branch held All-member meeting 2 times, Committee meeting 3 times, Party lecture once, "
        "Monthly study day (theme Party day) 3 times.",
        "Besides, it organised Lecture once, Tour once.",
    ]


def test_joint_activities_talks_and_essays_are_told(branch, told_year):
    study = told(branch).study
    assert "With other branches it held 1 joint activity: 18 May “参观廉政教育基地”." in study
    assert (
        "Members gave 1 talks and wrote 1 essays: 李秀英 “我所经历的改革和法制故事”, "
        "王建国 “入党六十年”." in study
    )


def test_a_celebration_is_told_with_who_came_and_the_gifts(branch, told_year):
    care = told(branch).care
    assert (
        "On 9 September at 社区活动室 the branch held a collective birthday celebration for 王建国 (85), "
        "李秀英 (80). Gifts: 蛋糕 168.00 yuan, 鲜花 90.50 yuan; 258.50 yuan in all." in care
    )


def test_no_celebration_is_told_when_none_was_recorded(branch, known_year):
    # 李秀英 turns 80 and 王建国 85 in 2025, but no celebration was recorded: the report says nothing of one.
    care = told(branch).care
    assert not any("birthday" in sentence for sentence in care)


def test_the_story_reads_in_chinese(branch, told_year):
    with translation.override("zh-hans"):
        told_now = told(branch)
    assert told_now.meetings[0] == (
        "2025年，支部共举行支部党员大会2次、支部委员会3次、党课1次、支部学习活动日（主题党日）3次。"
    )
    assert told_now.care[-2] == (  # one sentence after the other, no space between them
        "9月9日在社区活动室举行集体祝寿，为王建国（85岁）、李秀英（80岁）祝寿。"
        "礼品：蛋糕168.00元、鲜花90.50元，共258.50元。"
    )
    assert told_now.arrears == [
        "截至12月31日，有2名党员欠缴党费9个月，共756.00元。",
        "支委会逐一当面提醒。",
    ]


def test_expenditures_are_itemised_with_their_approver(client, branch, told_year, own_member, committee):
    report = annual_report(branch=branch, year=YEAR, today=TODAY)
    assert [(e.spent_on, e.amount, e.approver) for e in report.expenditures][-2:] == [
        (D(2025, 9, 29), Decimal("150.00"), report.expenditures[-2].approver),
        (D(2025, 12, 20), Decimal("500.00"), report.expenditures[-1].approver),
    ]
    assert len(report.expenditures) == 7
    document = Document(io.BytesIO(report_docx(report, names=False)))
    rows = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    assert ["9 September", "Activities", "集体祝寿礼品", "258.50", str(committee)] in rows
    client.force_login(own_member.user)
    body = client.get(reverse("dues:report", args=[YEAR])).content.decode()
    assert "集体祝寿礼品" in body and "258.50" in body and str(committee) in body


def test_the_version_read_to_all_gives_counts_and_sums_only(client, branch, known_year, own_member):
    client.force_login(own_member.user)
    page = client.get(reverse("dues:report", args=[YEAR]))
    docx = client.get(reverse("dues:report_docx", args=[YEAR]))
    xlsx = client.get(reverse("dues:report_xlsx", args=[YEAR]))
    assert page.status_code == docx.status_code == xlsx.status_code == 200
    body = page.content.decode()
    assert "截至12月31日，有2名党员欠缴党费9个月，共756.00元。" in body
    assert "支委会逐一当面提醒。" in body
    document = Document(io.BytesIO(docx.getvalue()))
    words = "\n".join(
        [p.text for p in document.paragraphs]
        + [c.text for t in document.tables for row in t.rows for c in row.cells]
    )
    cells = [str(c) for sheet in load_workbook(io.BytesIO(xlsx.getvalue())) for r in sheet.values for c in r]
    for name in OWERS:
        assert name not in body and name not in words and name not in cells
    assert "756.00" in words


COMMITTEE_COPY = ["dues:report_committee", "dues:report_committee_docx", "dues:report_committee_xlsx"]


@pytest.mark.parametrize("name", COMMITTEE_COPY)
def test_a_member_and_the_liaison_cannot_get_the_committee_copy(
    client, known_year, own_member, liaison, name
):
    for user in (own_member.user, liaison):
        client.force_login(user)
        assert client.get(reverse(name, args=[YEAR])).status_code == 403


def test_the_committee_and_the_bureau_read_the_committee_copy(client, branch, known_year, committee, bureau):
    for user in (committee, bureau):
        client.force_login(user)
        page = client.get(reverse("dues:report_committee", args=[YEAR]), {"branch": branch.pk})
        body = page.content.decode()
        assert all(name in body for name in OWERS) and "支委会存档本" in body
        docx = client.get(reverse("dues:report_committee_docx", args=[YEAR]), {"branch": branch.pk})
        document = Document(io.BytesIO(docx.getvalue()))
        names = [row.cells[0].text for t in document.tables for row in t.rows]
        assert [n for n in names if n in OWERS] == OWERS
    # The version read to all members links to the committee's copy only for those who may open it.
    assert "/committee/" in client.get(reverse("dues:report", args=[YEAR])).content.decode()


def test_another_branch_gets_neither_version(client, branch, known_year, stranger):
    client.force_login(stranger)
    for name in ("dues:report", "dues:report_docx", "dues:report_committee", "dues:report_committee_docx"):
        assert client.get(reverse(name, args=[YEAR]), {"branch": branch.pk}).status_code in (403, 404)
    assert client.get(reverse("dues:report", args=[YEAR]), {"branch": "x"}).status_code == 404


def test_the_member_sees_no_link_to_the_committee_copy(client, branch, known_year, own_member):
    client.force_login(own_member.user)
    body = client.get(reverse("dues:report", args=[YEAR])).content.decode()
    assert "/committee/" not in body and "plan-new" not in body


def test_next_years_plan_lists_the_study_plans_themes(client, branch, told_year, secretary, own_member):
    report = annual_report(branch=branch, year=YEAR, today=TODAY)
    assert report.study_themes == [(1, "学习党的二十届四中全会精神"), (3, "学雷锋")]
    document = Document(io.BytesIO(report_docx(report, names=False)))
    rows = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    assert ["March", "学雷锋"] in rows
    client.force_login(secretary)
    body = client.get(reverse("dues:report", args=[YEAR])).content.decode()
    assert "学雷锋" in body and reverse("study:plan", args=[branch.pk, 2026]) in body
    client.force_login(own_member.user)
    body = client.get(reverse("dues:report", args=[YEAR])).content.decode()
    assert "学雷锋" in body and reverse("study:plan", args=[branch.pk, 2026]) not in body


def test_without_a_study_plan_the_report_says_so(branch, known_year):
    assert told(branch).plan == ["The study plan for 2026 has not been drawn up yet."]


def test_the_docx_is_a4_and_every_table_fits_the_page(branch, told_year):
    report = annual_report(branch=branch, year=YEAR, today=TODAY)
    document = Document(io.BytesIO(report_docx(report, names=True)))
    page = document.sections[0]
    assert (round(page.page_width.mm), round(page.page_height.mm)) == (210, 297)
    text_width = page.page_width - page.left_margin - page.right_margin
    assert abs(text_width - TEXT_WIDTH) < Mm(0.1)
    assert len(document.tables) >= 6
    for table in document.tables:
        grid = table._tbl.tblGrid.gridCol_lst
        assert text_width - Mm(0.5) <= sum(col.w for col in grid) <= text_width  # within rounding, never over
        for row in table.rows:
            assert sum(cell.width for cell in row.cells) <= text_width
            assert all(cell.width >= Mm(15) for cell in row.cells)  # no column too narrow for a date


def test_control_characters_typed_into_a_theme_do_not_break_the_docx(client, branch, known_year, secretary):
    StudyActivityFactory(
        organiser=branch, branches=[branch], kind=Kind.JOINT, date=D(2025, 8, 1), theme="联合\x0b学习"
    )
    client.force_login(secretary)
    response = client.get(reverse("dues:report_committee_docx", args=[YEAR]))
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.getvalue())).paragraphs)
    assert "联合学习" in text


def test_a_member_finds_the_report_from_their_own_dues(client, branch, known_year, own_member):
    client.force_login(own_member.user)
    body = client.get(reverse("dues:ledger")).content.decode()
    year = timezone.localdate().year
    for shown in (year - 1, year):
        assert reverse("dues:report", args=[shown]) in body
    assert client.get(reverse("dues:report", args=[year - 1])).status_code == 200


@pytest.fixture
def celebration(branch, known_year):
    party = BirthdayCelebration.objects.create(branch=branch, date=D(2025, 9, 9), place="社区活动室")
    party.attendees.set([known_year["li"]])
    CelebrationGift.objects.create(celebration=party, item="蛋糕", cost=Decimal("168.00"))
    CelebrationGift.objects.create(celebration=party, item="鲜花", cost=Decimal("90.50"))
    return party


def take_up(client, branch, party, approver):
    data = {
        "branch": branch.pk,
        "expenditure-spent_on": "2025-09-09",
        "expenditure-amount": "258.50",
        "expenditure-purpose": "activities",
        "expenditure-approver": approver.pk,
        "expenditure-note": "集体祝寿礼品",
        "expenditure-celebration": party.pk,
    }
    return client.post(reverse("dues:expenditure_create"), data)


def test_the_gifts_of_a_celebration_are_taken_up_as_an_expenditure_once(
    client, branch, secretary, committee, celebration
):
    client.force_login(secretary)
    ledger = client.get(reverse("dues:ledger"), {"celebration": celebration.pk})
    form = ledger.context["expenditure_form"]
    assert (form.initial["amount"], form.initial["celebration"]) == (Decimal("258.50"), celebration.pk)
    assert "社区活动室" in form.initial["note"]
    assert take_up(client, branch, celebration, committee).status_code == 302
    spent = Expenditure.objects.get(celebration=celebration)
    assert (spent.amount, spent.approver) == (Decimal("258.50"), committee)
    assert client.get(reverse("dues:ledger")).context["celebrations_to_take_up"] == []

    again = take_up(client, branch, celebration, committee)
    assert again.status_code == 200
    assert "这次集体祝寿的礼品已记入党费支出。" in again.content.decode()
    assert Expenditure.objects.filter(celebration=celebration).count() == 1


def test_another_branchs_celebration_cannot_be_taken_up(client, branch, other_branch, secretary, committee):
    theirs = BirthdayCelebration.objects.create(branch=other_branch, date=D(2025, 9, 9), place="他处")
    client.force_login(secretary)
    before = Expenditure.objects.count()
    assert take_up(client, branch, theirs, committee).status_code == 200
    assert Expenditure.objects.count() == before
