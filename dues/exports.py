"""The annual report as a Word document the committee edits before the meeting, and as a workbook.

Both are written from the same sections (headings, sentences, tables), so they say the same as the page.
Figures are table cells, not pictures, so the committee can correct them; the workbook adds a native
Excel chart of the money collected by month.
"""

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from lib import spreadsheets

from . import narrative
from .report import AnnualReport

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = spreadsheets.XLSX_TYPE
YUAN_FORMAT = "#,##0.00"


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list]
    widths: list[int]  # relative column widths; the Word table spreads them over the page's width


@dataclass
class Section:
    """A part of the report: its heading, then paragraphs, sub-headings (`Heading`) and tables in order."""

    heading: str
    sheet: str  # worksheet title, at most 31 characters
    blocks: list = field(default_factory=list)  # str | Heading | Table
    numbered: list[str] = field(default_factory=list)


@dataclass
class Heading:
    text: str


def report_title(report: AnnualReport) -> str:
    return _("%(branch)s: report to the all-member meeting, %(year)s") % {
        "branch": report.branch,
        "year": report.year,
    }


def report_sections(report: AnnualReport, *, names: bool) -> list[Section]:
    """The report's three parts; `names` is the committee's copy, naming the members who owe dues."""
    told = narrative.story(report, names=names)
    return [
        _work_section(report, told),
        _dues_section(report, told, names=names),
        _plan_section(report, told),
    ]


def _work_section(report: AnnualReport, told: narrative.Story) -> Section:
    work = report.work
    blocks = [Heading(_("Meetings and organisational life")), *told.meetings]
    blocks += [Heading(_("Study")), *told.study]
    blocks.append(
        Table(
            _("Study days and attendance"),
            [_("Date"), _("Theme"), _("Recorded"), _("Took part"), _("Attendance (per cent)")],
            [[d.date, d.theme, d.recorded, d.attended, d.percent] for d in work.study_days],
            [3, 8, 2, 2, 3],
        )
    )
    blocks += [Heading(_("Care: visits, celebrations and concerns")), *told.care]
    labels = [str(label) for _kind, label in work.visit_kinds]
    rows = [
        [str(MONTHS[m + 1]), *[work.visits_by_month[k][m] for k, _l in work.visit_kinds], total]
        for m, total in enumerate(work.visits_month_totals)
    ]
    blocks.append(
        Table(_("Visits by month"), [_("Month"), *labels, _("Total")], rows, [3] * (len(labels) + 2))
    )
    blocks += [Heading(_("Notices")), *told.network]
    return Section(heading=_("1. The year's work"), sheet=_("The year's work"), blocks=blocks)


def _dues_section(report: AnnualReport, told: narrative.Story, *, names: bool) -> Section:
    account = report.account
    yuan = _("Amount (yuan)")
    summary = [
        [_("Carried over from last year"), account.carried_over],
        [_("Dues collected"), account.collected],
        *[[str(label), amount] for _value, label, amount in account.used_by_purpose],
        [_("Remitted to the higher Party organisation"), account.remitted],
        [_("Balance at the end of the year"), account.balance],
    ]
    spent = [
        [e.spent_on, e.get_purpose_display(), e.note, e.amount, str(e.approver)] for e in report.expenditures
    ]
    months = [[str(MONTHS[m + 1]), amount] for m, amount in enumerate(account.collected_by_month)]
    blocks = [
        *told.dues,
        Table(_("The dues account"), [_("Item"), yuan], summary, [3, 1]),
        Table(
            _("Expenditures"),
            [_("Date"), _("Purpose"), _("Note"), yuan, _("Approved by")],
            spent,
            [3, 5, 6, 3, 3],
        ),
        Table(_("Dues collected by month"), [_("Month"), yuan], months, [1, 1]),
        Heading(_("Dues owed")),
        *told.arrears,
    ]
    if names and report.arrears:
        owed = [[s.member.name, s.unpaid_count, s.unpaid_ranges, s.arrears] for s in report.arrears]
        header = [_("Member"), _("Months owed"), _("Which months"), yuan]
        blocks.append(Table(_("Members who owe dues"), header, owed, [3, 2, 6, 3]))
    return Section(
        heading=_("2. Party dues: collected, used and managed"), sheet=_("Party dues"), blocks=blocks
    )


def _plan_section(report: AnnualReport, told: narrative.Story) -> Section:
    blocks = [] if report.plan else [_("The committee has not written the plan yet.")]
    blocks += told.plan
    if report.study_themes:
        themes = [[str(MONTHS[month]), theme] for month, theme in report.study_themes]
        blocks.append(Table(_("Study themes"), [_("Month"), _("Theme")], themes, [1, 5]))
    return Section(
        heading=_("3. Work plan for %(year)s") % {"year": report.plan_year},
        sheet=_("Work plan"),
        numbered=[item.text for item in report.plan],
        blocks=blocks,
    )


def docx_text(value) -> str:
    """A cell's or paragraph's text, without the control characters XML (and python-docx) refuse."""
    if isinstance(value, datetime.date):
        return narrative.day(value)
    return narrative.yuan(value) if isinstance(value, Decimal) else spreadsheets.cell_value(str(value))


A4_WIDTH, A4_HEIGHT, MARGIN = Mm(210), Mm(297), Mm(20)
TEXT_WIDTH = A4_WIDTH - 2 * MARGIN  # 170 mm: every table is exactly this wide


def report_docx(report: AnnualReport, *, names: bool) -> bytes:
    document = Document()
    page = document.sections[0]
    page.page_width, page.page_height = A4_WIDTH, A4_HEIGHT
    page.left_margin = page.right_margin = page.top_margin = page.bottom_margin = MARGIN
    normal = document.styles["Normal"]
    normal.font.size = Pt(12)
    # Chinese text needs an East Asian font named explicitly, or Word falls back to a Latin one.
    normal.font.name = "SimSun"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    title = document.add_heading(docx_text(report_title(report)), level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if names:
        document.add_paragraph(_("Committee's copy: names the members who owe dues. Not to be read out."))
    for section in report_sections(report, names=names):
        document.add_heading(section.heading, level=1)
        for text in section.numbered:
            document.add_paragraph(docx_text(text), style="List Number")
        for block in section.blocks:
            if isinstance(block, Table):
                _docx_table(document, block)
            elif isinstance(block, Heading):
                document.add_heading(block.text, level=2)
            else:
                document.add_paragraph(docx_text(block))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_table(document, table: Table) -> None:
    document.add_heading(table.title, level=3)
    if not table.rows:
        document.add_paragraph(_("None."))
        return
    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    grid.autofit = False
    for cell, text in zip(grid.rows[0].cells, table.header, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = docx_text(value)
            if isinstance(value, Decimal | int):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    # Word reads each cell's width, LibreOffice and WPS the grid's: both are set, and add up to the page.
    total = sum(table.widths)
    for column, weight in zip(grid.columns, table.widths, strict=True):
        width = Twips(TEXT_WIDTH * weight // (total * Twips(1)))  # whole twips, rounded down: never wider
        column.width = width
        for cell in column.cells:
            cell.width = width
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(10.5)


def report_xlsx(report: AnnualReport, *, names: bool) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for section in report_sections(report, names=names):
        sheet = workbook.create_sheet(spreadsheets.sheet_title(section.sheet))
        spreadsheets.title_row(sheet, report_title(report))
        spreadsheets.append_row(sheet, [section.heading])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)
        for number, text in enumerate(section.numbered, start=1):
            spreadsheets.append_row(sheet, [number, text])
        for block in section.blocks:
            if isinstance(block, Table):
                _xlsx_table(sheet, block)
            else:
                spreadsheets.append_row(sheet, [block.text if isinstance(block, Heading) else block])
                if isinstance(block, Heading):
                    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
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
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    if table.title == _("Dues collected by month") and table.rows:
        chart = BarChart()
        chart.title = table.title
        chart.y_axis.title = table.header[1]
        data = Reference(sheet, min_col=2, min_row=header_row, max_row=header_row + len(table.rows))
        months = Reference(sheet, min_col=1, min_row=header_row + 1, max_row=header_row + len(table.rows))
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(months)
        sheet.add_chart(chart, f"E{header_row}")
