"""The annual report as a Word document the committee edits before the meeting, and as a workbook.

Both are written from the same sections (headings, sentences, tables), so they say the same as the page.
Figures are table cells, not pictures, so the committee can correct them; the workbook adds a native
Excel chart of the money collected by month.
"""

import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from branch_portal import spreadsheets

from .report import AnnualReport

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = spreadsheets.XLSX_TYPE
YUAN_FORMAT = "#,##0.00"


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list]


@dataclass
class Section:
    heading: str
    sheet: str  # worksheet title, at most 31 characters
    sentences: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    numbered: list[str] = field(default_factory=list)


def report_title(report: AnnualReport) -> str:
    return _("%(branch)s: report to the all-member meeting, %(year)s") % {
        "branch": report.branch,
        "year": report.year,
    }


def report_sections(report: AnnualReport) -> list[Section]:
    return [_dues_section(report), _work_section(report), _plan_section(report)]


def _dues_section(report: AnnualReport) -> Section:
    account = report.account
    summary = [
        [_("Carried over from last year"), account.carried_over],
        [_("Dues collected"), account.collected],
        *[[str(label), amount] for _value, label, amount in account.used_by_purpose],
        [_("Remitted to the higher Party organisation"), account.remitted],
        [_("Balance at the end of the year"), account.balance],
    ]
    months = [[str(MONTHS[m + 1]), amount] for m, amount in enumerate(account.collected_by_month)]
    arrears = [[s.member.name, s.unpaid_count, s.unpaid_ranges, s.arrears] for s in report.arrears]
    sentences = [
        _(
            "In %(year)s the branch collected %(collected)s yuan of party dues in %(count)d payments "
            "from %(members)d members, used %(used)s yuan and remitted %(remitted)s yuan to the higher "
            "Party organisation; the balance is %(balance)s yuan."
        )
        % {
            "year": report.year,
            "collected": account.collected,
            "count": account.payment_count,
            "members": account.paying_members,
            "used": account.used,
            "remitted": account.remitted,
            "balance": account.balance,
        },
        ngettext(
            "On %(day)s %(count)d member owed %(amount)s yuan.",
            "On %(day)s %(count)d members owed %(amount)s yuan in all.",
            len(report.arrears),
        )
        % {"day": f"{report.as_of:%Y-%m-%d}", "count": len(report.arrears), "amount": report.arrears_total}
        if report.arrears
        else _("On %(day)s every member had paid.") % {"day": f"{report.as_of:%Y-%m-%d}"},
    ]
    yuan = _("Amount (yuan)")
    return Section(
        heading=_("1. Party dues: collected, used and managed"),
        sheet=_("Party dues"),
        sentences=sentences,
        tables=[
            Table(_("The dues account"), [_("Item"), yuan], summary),
            Table(_("Dues collected by month"), [_("Month"), yuan], months),
            Table(_("Dues owed"), [_("Member"), _("Months owed"), _("Which months"), yuan], arrears),
        ],
    )


def _work_section(report: AnnualReport) -> Section:
    work = report.work
    sentences = [
        _(
            "The branch held %(days)d monthly study days (%(all)d study activities in all); "
            "on average %(rate)d %% of the members recorded took part."
        )
        % {"days": work.study_days_held, "all": work.activities_held, "rate": work.average_attendance},
        _("Collective birthdays celebrated %(count)d members turning 80, 85, 90 or older.")
        % {"count": work.birthday_count},
    ]
    tables = [
        Table(
            _("Study days and attendance"),
            [_("Date"), _("Theme"), _("Recorded"), _("Took part"), _("Attendance (per cent)")],
            [[f"{d.date:%Y-%m-%d}", d.theme, d.recorded, d.attended, d.percent] for d in work.study_days],
        ),
        Table(
            _("Collective birthdays"),
            [_("Age"), _("Members")],
            [[age, "、".join(names)] for age, names in work.birthdays.items()],
        ),
    ]
    sentences.append(
        _(
            "Committee members and the liaison officer made %(visits)d visits; of %(raised)d concerns "
            "heard, %(answered)d were answered by the branch and %(escalated)d escalated to the bureau."
        )
        % {
            "visits": work.visits_total,
            "raised": work.concerns_raised,
            "answered": work.concerns_answered,
            "escalated": work.concerns_escalated,
        }
    )
    tables.append(Table(_("Visits by kind"), [_("Kind"), _("Visits")], work.visits_by_kind))
    labels = [str(label) for _kind, label in work.visit_kinds]
    tables.append(
        Table(
            _("Visits by month"),
            [_("Month"), *labels, _("Total")],
            [
                [str(MONTHS[m + 1]), *[work.visits_by_month[k][m] for k, _l in work.visit_kinds], total]
                for m, total in enumerate(work.visits_month_totals)
            ],
        )
    )
    sentences.append(_("The branch issued %(count)d numbered notices.") % {"count": work.notices_issued})
    return Section(
        heading=_("2. The year's work"), sheet=_("The year's work"), sentences=sentences, tables=tables
    )


def _plan_section(report: AnnualReport) -> Section:
    return Section(
        heading=_("3. Work plan for %(year)s") % {"year": report.plan_year},
        sheet=_("Work plan"),
        numbered=[item.text for item in report.plan],
        sentences=[] if report.plan else [_("The committee has not written the plan yet.")],
    )


def _cell_text(value) -> str:
    return f"{value:,.2f}" if isinstance(value, Decimal) else spreadsheets.cell_value(str(value))


def report_docx(report: AnnualReport) -> bytes:
    document = Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(12)
    # Chinese text needs an East Asian font named explicitly, or Word falls back to a Latin one.
    normal.font.name = "SimSun"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    title = document.add_heading(report_title(report), level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for section in report_sections(report):
        document.add_heading(section.heading, level=1)
        for sentence in section.sentences:
            document.add_paragraph(sentence)
        for text in section.numbered:
            document.add_paragraph(text, style="List Number")
        for table in section.tables:
            _docx_table(document, table)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_table(document, table: Table) -> None:
    document.add_heading(table.title, level=2)
    if not table.rows:
        document.add_paragraph(_("None."))
        return
    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, table.header, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = _cell_text(value)
            if isinstance(value, Decimal | int):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def report_xlsx(report: AnnualReport) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for section in report_sections(report):
        sheet = workbook.create_sheet(spreadsheets.sheet_title(section.sheet))
        spreadsheets.title_row(sheet, report_title(report))
        spreadsheets.append_row(sheet, [section.heading])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)
        for sentence in section.sentences:
            spreadsheets.append_row(sheet, [sentence])
        for number, text in enumerate(section.numbered, start=1):
            spreadsheets.append_row(sheet, [number, text])
        for table in section.tables:
            _xlsx_table(sheet, table)
        spreadsheets.print_setup(sheet, header=2)  # the section's heading under the report's title
        sheet.column_dimensions["A"].width = 24
        for column in range(2, 7):
            sheet.column_dimensions[get_column_letter(column)].width = 18
    return spreadsheets.workbook_bytes(workbook)


def _xlsx_table(sheet, table: Table) -> None:
    spreadsheets.append_row(sheet, [])
    spreadsheets.append_row(sheet, [table.title])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    spreadsheets.append_row(sheet, table.header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in table.rows:
        spreadsheets.append_row(sheet, row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = YUAN_FORMAT
    if table.title == _("Dues collected by month") and table.rows:
        chart = BarChart()
        chart.title = table.title
        chart.y_axis.title = table.header[1]
        data = Reference(sheet, min_col=2, min_row=header_row, max_row=header_row + len(table.rows))
        months = Reference(sheet, min_col=1, min_row=header_row + 1, max_row=header_row + len(table.rows))
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(months)
        sheet.add_chart(chart, f"E{header_row}")
