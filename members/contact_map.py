"""The contact map (联络图) as an .xlsx workbook: one sheet per branch, one row per member."""

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from lib import spreadsheets

from .selectors import BranchMap

XLSX_TYPE = spreadsheets.XLSX_TYPE
TEXT = "@"  # Excel's text format: phone numbers keep their digits and leading zeros


def _phone(number) -> str:
    return number.as_national if number else ""


def _headers() -> list[str]:
    return [
        _("Group"),
        _("Leader"),
        _("Leader's phone"),
        _("Deputy leader"),
        _("Deputy's phone"),
        _("Name"),
        _("Age"),
        _("Phone (landline marked)"),
        _("District"),
        _("Care categories"),
    ]


def _rows(branch_map: BranchMap):
    for card in branch_map.groups:
        group = card.group
        deputy = group.deputy
        head = [
            group.name,
            str(group.leader),
            _phone(group.leader.phone),
            str(deputy) if deputy else "",
            _phone(deputy.phone) if deputy else "",
        ]
        if not card.members:
            yield [*head, "", "", "", "", ""]
        for member in card.members:
            yield [*head, *_member_cells(member)]
    for member in branch_map.ungrouped:
        yield [_("No contact group"), "", "", "", "", *_member_cells(member)]


def _member_cells(member) -> list:
    care = "、".join(str(label) for label in member.care_badges)
    # As on the page: a member without a mobile is rung on their landline, marked as one.
    phone = _phone(member.phone) or (
        f"{_('landline')} {_phone(member.phone_alt)}" if member.phone_alt else ""
    )
    return [member.name, member.age, phone, member.district, care]


def workbook_bytes(maps: list[BranchMap]) -> bytes:
    """The workbook for the given branch maps; phone cells are text cells."""
    book = Workbook()
    book.remove(book.active)
    phone_columns = {3, 5, 8}
    for branch_map in maps:
        sheet = book.create_sheet(title=spreadsheets.sheet_title(str(branch_map.branch.name)))
        spreadsheets.title_row(sheet, f"{branch_map.branch.name} {_('Contact map')}")
        header = spreadsheets.header_row(sheet, _headers())
        for row in _rows(branch_map):
            spreadsheets.append_row(sheet, row)
            for column in phone_columns:
                sheet.cell(row=sheet.max_row, column=column).number_format = TEXT
        for index, width in enumerate([16, 10, 16, 10, 16, 10, 6, 16, 12, 28], start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        spreadsheets.print_setup(sheet, header=header)
        for row in sheet.iter_rows(min_row=header + 1):
            row[-1].alignment = Alignment(wrap_text=True)
    if not maps:
        book.create_sheet(title=_("Contact map"))
    return spreadsheets.workbook_bytes(book)
