"""Every .xlsx the portal writes is saved here, so that no cell of it is a live formula.

Members' addresses, notes and names are typed by people: `=HYPERLINK("http://…","点我")` in an
address would otherwise become a link (or worse) in the committee's Excel. openpyxl writes any
text beginning with "=" as a formula; here such text, and text beginning with the other
characters Excel or WPS read as the start of a formula when the cell is edited (+ - @, tab,
carriage return), is stored as plain text with Excel's "quote prefix", which shows the text as
typed and never evaluates it.
"""

import io

from openpyxl import Workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
