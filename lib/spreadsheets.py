"""Every .xlsx the portal writes is saved here, so that no cell of it is a live formula; and what
every download shares: a title row, a print setup and a name in one pattern.

Members' addresses, notes and names are typed by people: `=HYPERLINK("http://…","点我")` in an
address would otherwise become a link (or worse) in the committee's Excel. openpyxl writes any
text beginning with "=" as a formula; here such text, and text beginning with the other
characters Excel or WPS read as the start of a formula when the cell is edited (+ - @, tab,
carriage return), is stored as plain text with Excel's "quote prefix", which shows the text as
typed and never evaluates it.

Every row goes in through `append_row` (titles and headers too): a control character that no .xlsx
may hold, in a row typed before the forms refused them, is left out rather than failing the download.
"""

import io

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_CHARACTERS = str.maketrans({c: "_" for c in "\\/*?:[]"})  # Excel refuses them in a name


def workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as .xlsx bytes, with every formula-like text cell stored as inert text."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    neutralise(cell)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def neutralise(cell) -> None:
    """Stores the cell's text as a string (never a formula) that stays text when edited in Excel."""
    cell.data_type = "s"
    cell.quotePrefix = True


def cell_value(value):
    """The value as a cell may hold it: text without control characters; anything else as it is."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def append_row(sheet, values) -> int:
    """Appends the values as the sheet's next row; returns its number."""
    sheet.append([cell_value(value) for value in values])
    return sheet.max_row


def sheet_title(text: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of \\ / * ? : [ ]."""
    return cell_value(text).translate(SHEET_TITLE_CHARACTERS)[:31]


def title_row(sheet, title: str) -> None:
    """The sheet's first row: what the table is and whose, e.g. "离退休干部第16党支部 联络图"."""
    append_row(sheet, [title])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=14)


def header_row(sheet, headers: list) -> int:
    """Appends the table's header in bold; returns its row number."""
    append_row(sheet, headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    return sheet.max_row


def print_setup(sheet, *, header: int, frozen_column: str = "A") -> None:
    """As a committee prints it: A4 landscape, fit to the page's width, the header row repeated on
    every page and frozen on screen."""
    sheet.freeze_panes = f"{frozen_column}{header + 1}"
    sheet.print_title_rows = f"{header}:{header}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def download_name(owner: str, kind: str, extension: str) -> str:
    """Every download's name, in one pattern: 离退休干部第16党支部-花名册-2026-12-06.xlsx."""
    return f"{owner}-{kind}-{timezone.localdate():%Y-%m-%d}.{extension}"


def download(content: bytes, filename: str, content_type: str) -> FileResponse:
    """The file as an attachment; its Chinese name survives every browser (RFC 6266 filename*)."""
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=filename, content_type=content_type)
