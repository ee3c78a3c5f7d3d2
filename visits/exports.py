"""The schedule as an .xlsx workbook: open visits, then the festival rounds' progress."""

from django.utils.translation import gettext as _
from openpyxl import Workbook

from lib import spreadsheets

from .models import occasion_label


def schedule_workbook(visits, progress, today, *, owner: str) -> bytes:
    """Bytes of a workbook with one row per open planned visit and one per festival round and group;
    `owner` (the branch, or the bureau) titles each sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Schedule")
    spreadsheets.title_row(sheet, f"{owner} {_('Visit schedule')}")
    schedule_header = spreadsheets.header_row(
        sheet,
        [
            _("Due by"),
            _("Due from"),
            _("Member"),
            _("Contact group"),
            _("Kind"),
            _("Occasion"),
            _("Responsible"),
            _("Overdue"),
        ],
    )
    for visit in visits:
        group = visit.member.contact_group
        spreadsheets.append_row(
            sheet,
            [
                visit.due_by,
                visit.due_from,
                visit.member.name,
                group.name if group else "",
                str(visit.get_kind_display()),
                occasion_label(visit.occasion),
                str(visit.responsible or ""),
                _("yes") if visit.is_overdue(today) else "",
            ],
        )
    rounds = book.create_sheet(_("Festival rounds"))
    spreadsheets.title_row(rounds, f"{owner} {_('Festival rounds')}")
    rounds_header = spreadsheets.header_row(
        rounds, [_("Festival"), _("Contact group"), _("Visited"), _("Planned")]
    )
    for entry in progress:
        for group in entry["groups"]:
            spreadsheets.append_row(rounds, [entry["label"], group["name"], group["done"], group["total"]])
    for ws, header in ((sheet, schedule_header), (rounds, rounds_header)):
        spreadsheets.print_setup(ws, header=header)
        for column in ws.iter_cols(min_row=header, max_row=header):
            ws.column_dimensions[column[0].column_letter].width = 16
    for row in sheet.iter_rows(min_row=schedule_header + 1, max_col=2):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    return spreadsheets.workbook_bytes(book)
