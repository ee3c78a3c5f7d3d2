"""The schedule as an .xlsx workbook: open visits, then the festival rounds' progress."""

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from branch_portal.spreadsheets import workbook_bytes

from .models import occasion_label


def schedule_workbook(visits, progress, today) -> bytes:
    """Bytes of a workbook with one row per open planned visit and one per festival round and group."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Schedule")
    sheet.append(
        [
            _("Due by"),
            _("Due from"),
            _("Member"),
            _("Contact group"),
            _("Kind"),
            _("Occasion"),
            _("Responsible"),
            _("Overdue"),
        ]
    )
    for visit in visits:
        group = visit.member.contact_group
        sheet.append(
            [
                visit.due_by,
                visit.due_from,
                visit.member.name,
                group.name if group else "",
                str(visit.get_kind_display()),
                occasion_label(visit.occasion),
                str(visit.responsible or ""),
                _("yes") if visit.is_overdue(today) else "",
            ]
        )
    rounds = book.create_sheet(_("Festival rounds"))
    rounds.append([_("Festival"), _("Contact group"), _("Visited"), _("Planned")])
    for entry in progress:
        for group in entry["groups"]:
            rounds.append([entry["label"], group["name"], group["done"], group["total"]])
    for ws in (sheet, rounds):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for column in ws.columns:
            ws.column_dimensions[column[0].column_letter].width = 16
    for row in sheet.iter_rows(min_row=2, max_col=2):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    return workbook_bytes(book)
