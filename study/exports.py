"""A meeting's minutes as a Word document in the usual layout of a 会议记录 (python-docx)."""

import io

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from lib import spreadsheets

from .models import StudyActivity
from .selectors import AttendanceSummary

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def text(value) -> str:
    """Typed text as Word may hold it: without the control characters XML refuses (typed before the forms
    refused them), which python-docx would otherwise raise on."""
    return spreadsheets.cell_value(str(value))


def minutes_title(activity: StudyActivity) -> str:
    return _("Minutes of the %(kind)s") % {"kind": activity.get_kind_display()}


def minutes_facts(activity: StudyActivity, attendance: AttendanceSummary) -> list[tuple[str, str]]:
    """The head of a 会议记录: time, place, chair, recorder, who came and who did not; then the theme."""
    when = f"{date_format(activity.date, 'DATE_FORMAT')} {activity.starts_at:%H:%M}"
    if activity.ends_at:
        when += f"–{activity.ends_at:%H:%M}"
    sep = _(", ")
    return [
        (_("Time"), when),
        (_("Place"), activity.place),
        (_("Chair"), activity.chair),
        (_("Recorder"), activity.recorder),
        (_("Expected"), str(attendance.expected)),
        (_("Present"), f"{len(attendance.present)}（{sep.join(attendance.present)}）"),
        (_("On leave"), sep.join(attendance.leave) or _("none")),
        (_("Absent"), sep.join(attendance.absent) or _("none")),
        (_("Theme"), activity.theme),
    ]


def minutes_docx(activity: StudyActivity, *, items, resolutions, attendance: AttendanceSummary) -> bytes:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.left_margin = section.right_margin = Cm(2.5)
    normal = document.styles["Normal"]
    normal.font.size = Pt(12)
    # Chinese text needs an East Asian font named explicitly, or Word falls back to a Latin one.
    normal.font.name = "SimSun"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    document.add_heading(text(activity.organiser), level=2).alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_heading(minutes_title(activity), level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    grid = document.add_table(rows=0, cols=2)
    grid.style = "Table Grid"
    for label, value in minutes_facts(activity, attendance):
        cells = grid.add_row().cells
        cells[0].text, cells[1].text = label, text(value)
        cells[0].width, cells[1].width = Cm(3), Cm(13)
    document.add_heading(_("Agenda and minutes"), level=1)
    for item in items:
        document.add_heading(text(f"{item.position}. {item.title}"), level=2)
        if item.discussion:
            document.add_paragraph(text(f"{_('Discussion')}：{item.discussion}"))
        if item.decision:
            document.add_paragraph(text(f"{_('Decision')}：{item.decision}"))
    if resolutions:
        document.add_heading(_("Resolutions"), level=1)
        for resolution in resolutions:
            owner = resolution.owner or _("no owner")
            due = date_format(resolution.due_on, "DATE_FORMAT")
            document.add_paragraph(text(f"{resolution.text}（{owner}，{due}）"), style="List Number")
    document.add_paragraph(
        f"{_('Recorder')}（{_('signature')}）：　　　　　　{_('Chair')}（{_('signature')}）："
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
