"""The export (a django-import-export Resource over COLUMNS) and the blank template, as .xlsx."""

import datetime

import openpyxl
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from lib import spreadsheets
from org.models import Branch

from ..models import ContactGroup, Member
from .columns import COLUMNS, EXPORTED_COLUMNS, allowed_values, export_value


class MemberResource(resources.Resource):
    """django-import-export's view of a Member: the exported COLUMNS (never the health ones),
    valued as the import reads them back."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields = {c.field: Field(attribute=c.field, column_name=c.header) for c in EXPORTED_COLUMNS}

    def export_field(self, field, instance, **kwargs):
        return export_value(field.attribute, getattr(instance, field.attribute))


def roster_members(branch: Branch):
    """The branch's whole roster for export: active members first, then those who left, by pinyin."""
    return (
        Member.objects.in_branch(branch)
        .select_related("contact_group")
        .order_by("status", "name_pinyin", "id")
    )


def roster_workbook(branch: Branch) -> bytes:
    """The branch's roster as .xlsx: phones and other numbers as text cells, dates as date cells."""
    dataset = MemberResource().export(queryset=list(roster_members(branch)))
    workbook = openpyxl.Workbook()
    _fill_roster_sheet(workbook.active, f"{branch.name} {_('roster')}", dataset.headers, dataset)
    return spreadsheets.workbook_bytes(workbook)


def template_workbook(groups: list[ContactGroup]) -> bytes:
    """The blank roster: the header, one example row, and a second sheet explaining each column."""
    workbook = openpyxl.Workbook()
    headers, example = [c.header for c in COLUMNS], [[c.example for c in COLUMNS]]
    _fill_roster_sheet(workbook.active, _("Roster template"), headers, example)
    help_sheet = workbook.create_sheet(_("How to fill in"))
    spreadsheets.header_row(
        help_sheet, [_("Column"), _("Required"), _("What to write"), _("Allowed values"), _("Example")]
    )
    for column in COLUMNS:
        spreadsheets.append_row(
            help_sheet,
            [
                column.header,
                _("yes") if column.required else "",
                str(column.help),
                allowed_values(column, groups),
                _example_text(column.example),
            ],
        )
    spreadsheets.append_row(help_sheet, [])
    for note in (
        _("Dates: 1945-03-02, 1945/3/2, 1945.3.2 or 1945年3月2日; Excel date cells work too."),
        _(
            "A member is matched by name and date of birth: a row that matches updates that member, "
            "other rows add new members."
        ),
        _("Columns left out of the file are not changed; an empty cell in a column clears that value."),
        _("The whole file is checked first; nothing is saved unless every row is correct."),
        _("Replace the example row with your members."),
    ):
        spreadsheets.append_row(help_sheet, [note])
    _style(help_sheet, header=1, widths=[16, 8, 48, 40, 16])
    return spreadsheets.workbook_bytes(workbook)


def _example_text(example) -> str:
    return example.isoformat() if isinstance(example, datetime.date) else str(example)


def _fill_roster_sheet(sheet, title: str, headers: list[str], rows) -> None:
    # The title above the header is skipped again on import (reading.HEADER_SEARCH_ROWS).
    sheet.title = "花名册"
    spreadsheets.title_row(sheet, title)
    header = spreadsheets.header_row(sheet, headers)
    for row in rows:
        spreadsheets.append_row(sheet, list(row))
    for cells in sheet.iter_rows(min_row=header + 1):
        for cell in cells:
            # Text cells keep 139… and leading zeros as typed; dates stay real dates.
            cell.number_format = "yyyy-mm-dd" if isinstance(cell.value, datetime.date) else "@"
    _style(sheet, header=header, widths=[max(10, len(h) * 2 + 4) for h in headers])
    spreadsheets.print_setup(sheet, header=header, frozen_column="B")


def _style(sheet, *, header: int, widths: list[int]) -> None:
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for cells in sheet.iter_rows(min_row=header + 1):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def export_filename(branch: Branch, kind: str) -> str:
    return spreadsheets.download_name(branch.name, kind, "xlsx")
