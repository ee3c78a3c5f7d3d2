"""Reading a roster file: .xlsx or .csv (UTF-8, UTF-8 with BOM, GBK), judged by content rather than name."""

import csv
import datetime
import io
import zipfile
from pathlib import Path

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from .columns import REQUIRED_COLUMNS

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
HEADER_SEARCH_ROWS = 5  # a title row such as "第16党支部党员花名册" may sit above the header
MAX_LINES = 10_000  # a bureau's roster fits many times over; a runaway sheet does not
# Sheets formatted down to row 1,048,576 read as endless blank rows: that many in a row end the table.
BLANK_RUN_END = 1_000


class RosterFileError(Exception):
    """The file as a whole cannot be read as a roster."""


def read_table(file) -> tuple[int, list[str], list[tuple[int, list]]]:
    """(header line, headers, [(line, cells)]) of an .xlsx or .csv, whatever its name says."""
    data = file.read()
    suffix = Path(getattr(file, "name", "") or "").suffix.lower()
    if not data.strip():
        raise RosterFileError(_("The file is empty."))
    if data.startswith(XLSX_MAGIC):
        lines = _xlsx_lines(data)
    elif data.startswith(OLE_MAGIC):
        raise RosterFileError(
            _("This is an old Excel file (.xls). Save it as .xlsx in Excel or WPS and upload it again.")
        )
    elif suffix == ".csv":
        lines = _csv_lines(data)
    else:
        raise RosterFileError(_not_a_workbook())
    return _split_header(lines)


def _not_a_workbook() -> str:
    return _(
        "The file is not an Excel workbook (.xlsx) or a CSV file. It may be damaged, "
        "or another kind of file renamed; save the roster from Excel or WPS as .xlsx and upload it again."
    )


def _xlsx_lines(data: bytes) -> list[tuple[int, list]]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise RosterFileError(_not_a_workbook()) from None
    sheets = workbook.worksheets
    if not sheets:
        raise RosterFileError(_not_a_workbook())
    # The template's second sheet explains the columns: read the sheet that has the header.
    sheet = next(
        (s for s in sheets if _has_header(s.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True))),
        sheets[0],
    )
    lines = _filled_lines(sheet.iter_rows(values_only=True))
    workbook.close()
    return lines


def _csv_lines(data: bytes) -> list[tuple[int, list]]:
    # Excel on Chinese Windows saves CSV as GBK; gb18030 is its superset. utf-8-sig drops a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterFileError(
            _("The characters of the CSV file cannot be read. Save it as “CSV UTF-8” and upload it again.")
        )
    if "\x00" in text:
        raise RosterFileError(_not_a_workbook())
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _filled_lines(reader)


def _filled_lines(rows) -> list[tuple[int, list]]:
    """(line number, cells) of the lines that hold anything, numbered as the spreadsheet shows them."""
    lines, blank_run = [], 0
    for number, row in enumerate(rows, 1):
        cells = [_cell(value) for value in row]
        if not any(cell != "" for cell in cells):
            blank_run += 1
            if blank_run >= BLANK_RUN_END:
                break
            continue
        blank_run = 0
        lines.append((number, cells))
        if len(lines) > MAX_LINES:
            raise RosterFileError(
                _("The file has more than %(count)d rows: split it into smaller files.")
                % {"count": MAX_LINES}
            )
    return lines


def _has_header(rows) -> bool:
    return any(REQUIRED_COLUMNS[0].header in (_header(v) for v in row) for row in rows)


def _split_header(lines) -> tuple[int, list[str], list[tuple[int, list]]]:
    if not lines:
        raise RosterFileError(_("The file is empty."))
    candidates = lines[:HEADER_SEARCH_ROWS]
    header_at = next((i for i, (_n, cells) in enumerate(candidates) if _has_header([cells])), 0)
    header_line, header_cells = lines[header_at]
    return header_line, [_header(c) for c in header_cells], lines[header_at + 1 :]


def _header(value) -> str:
    return str(value).replace(" ", "").replace("\u3000", "").strip("*＊").strip()


def _cell(value):
    """A cell as the row form reads it: text, or a date from an Excel date cell."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # phone numbers and group numbers typed into number cells
    return str(value).strip()
