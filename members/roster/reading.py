"""Reading a roster file: .xlsx or .csv (UTF-8, UTF-8 with BOM, GBK), judged by content rather than name.

A damaged or hostile file (truncated, broken XML, an XML bomb, a zip that unpacks to gigabytes,
16,000 columns) ends in a RosterFileError with a message the committee can act on, never in a
traceback. Cells the import must not take as typed (formulas, Excel errors, overlong text) come
back as BadCell, so that the import names their line and column.
"""

import csv
import datetime
import io
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from .columns import REQUIRED_COLUMNS

logger = logging.getLogger(__name__)

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls, and Office's password-protected files
MAX_FILE_BYTES = 5 * 1024 * 1024  # the same limit for the upload page and `manage.py import_roster`
# What the parts of an .xlsx may unpack to: a roster of 10,000 members is a few MB of XML.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_COLUMNS = 200  # the roster has 27; a sheet with data further right is not a roster
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
HEADER_SEARCH_ROWS = 5  # a title row such as "第16党支部党员花名册" may sit above the header
MAX_LINES = 10_000  # a bureau's roster fits many times over; a runaway sheet does not
# Sheets formatted down to row 1,048,576 read as endless blank rows: that many in a row end the table.
BLANK_RUN_END = 1_000
MERGE_TAG = f"{{{SHEET_MAIN_NS}}}mergeCell"


class RosterFileError(Exception):
    """The file as a whole cannot be read as a roster."""


@dataclass(frozen=True)
class BadCell:
    """A cell whose value cannot be imported as it stands; `message` says why and what to do."""

    message: str

    def __str__(self) -> str:
        return ""


def read_table(file) -> tuple[int, list[str], list[tuple[int, list]]]:
    """(header line, headers, [(line, cells)]) of an .xlsx or .csv, whatever its name says."""
    data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise RosterFileError(too_large_message())
    suffix = Path(getattr(file, "name", "") or "").suffix.lower()
    if not data.strip():
        raise RosterFileError(_("The file is empty."))
    if data.startswith(XLSX_MAGIC):
        header_line, headers, lines, merged = _xlsx_table(data)
        _refuse_merged_cells(merged, header_line)
        return header_line, headers, lines
    if data.startswith(OLE_MAGIC):
        raise RosterFileError(
            _(
                "This is an old Excel file (.xls) or a workbook locked with a password. Save it in "
                "Excel or WPS as .xlsx without a password and upload it again."
            )
        )
    if suffix == ".csv":
        return _split_header(_csv_lines(data))
    raise RosterFileError(_not_a_workbook())


def too_large_message() -> str:
    return _("The file is larger than %(size)d MB: is it really a roster?") % {
        "size": MAX_FILE_BYTES // (1024 * 1024)
    }


def _not_a_workbook() -> str:
    return _(
        "The file is not an Excel workbook (.xlsx) or a CSV file. It may be damaged, "
        "or another kind of file renamed; save the roster from Excel or WPS as .xlsx and upload it again."
    )


def _damaged() -> str:
    return _(
        "The workbook is damaged and cannot be read. Open it in Excel or WPS, save it again "
        "as .xlsx (Excel workbook) and upload the new file."
    )


def _xlsx_table(data: bytes):
    """(header line, headers, lines, merged ranges) of the workbook's roster sheet."""
    try:
        _check_archive(data)
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            sheet = _roster_sheet(workbook)
            header_line, headers, lines = _split_header(_filled_lines(_xlsx_rows(sheet)))
            return header_line, headers, lines, _merged_ranges(sheet)
        finally:
            workbook.close()
    except RosterFileError:
        raise
    except DefusedXmlException as error:
        # Entity declarations: an XML bomb or a probe for local files. Excel and WPS never write them.
        logger.warning("roster file refused: XML entities in the workbook (%r)", error)
        raise RosterFileError(_damaged()) from None
    except zipfile.BadZipFile:
        raise RosterFileError(_not_a_workbook()) from None
    except Exception as error:
        # A damaged file can fail anywhere in the parser (zlib, XML, styles, dates): whatever it
        # raises, the committee is told the file cannot be read, and one line goes to the log
        # (a traceback would land on the import command's screen).
        logger.info("roster file refused: unreadable workbook (%r)", error)
        raise RosterFileError(_damaged()) from None


def _check_archive(data: bytes) -> None:
    """Refuses a zip whose parts would unpack to more than MAX_UNPACKED_BYTES (a "zip bomb").

    The sizes are the archive's own declarations; zipfile stops reading a part at its declared
    size and fails on its checksum, so a part cannot unpack to more than it declares.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise RosterFileError(
            _(
                "The workbook unpacks to more than %(size)d MB, far more than a roster needs. "
                "Copy the roster's rows into a new workbook and upload that."
            )
            % {"size": MAX_UNPACKED_BYTES // (1024 * 1024)}
        )


def _roster_sheet(workbook):
    sheets = workbook.worksheets
    if not sheets:
        raise RosterFileError(_not_a_workbook())
    for sheet in sheets:
        # A sheet's stated size may be wrong or absurd (XFD1048576): read only the cells it has.
        sheet.reset_dimensions()
    # The template's second sheet explains the columns: read the sheet that has the header.
    return next(
        (s for s in sheets if _has_header(s.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True))),
        sheets[0],
    )


def _xlsx_rows(sheet):
    """The sheet's rows as values; formulas and Excel errors as BadCell."""
    for row in sheet.iter_rows(min_row=1):
        yield [_xlsx_value(cell) for cell in row]


def _xlsx_value(cell):
    if cell.data_type == "f":
        shown = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", "") or ""
        return BadCell(
            _(
                "This cell holds a formula (%(formula)s), which the import does not calculate. "
                "Type the value itself into the cell."
            )
            % {"formula": shown[:60]}
        )
    if cell.data_type == "e":
        return BadCell(
            _("This cell shows the Excel error %(error)s. Type the value itself into the cell.")
            % {"error": cell.value}
        )
    return cell.value


def _merged_ranges(sheet) -> list[tuple[str, int]]:
    """(range, last row) of each merged area; read-only openpyxl does not report them, so they are
    read from the sheet's XML (through the same defused parser)."""
    ranges = []
    with sheet._get_source() as source:  # noqa: SLF001 (read-only sheets keep their XML part private)
        for _event, element in iterparse(source):
            if element.tag == MERGE_TAG:
                ref = element.get("ref", "")
                ranges.append((ref, range_boundaries(ref)[3]))
            element.clear()
    return ranges


def _refuse_merged_cells(merged: list[tuple[str, int]], header_line: int) -> None:
    # Merged cells above the header (a title across the sheet) are harmless; in the table they
    # leave all but one row of the range empty, which would clear those members' values.
    inside = [ref for ref, last_row in merged if last_row >= header_line]
    if inside:
        raise RosterFileError(
            _(
                "Some cells of the table are merged (%(ranges)s). Unmerge them, write the value "
                "into every row, and upload the file again."
            )
            % {"ranges": "、".join(inside[:10])}
        )


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
    try:
        return _filled_lines(reader)
    except csv.Error:  # e.g. a field longer than the csv module's limit of 131,072 characters
        raise RosterFileError(
            _(
                "A line of the CSV file cannot be read: a cell is far too long, or a quotation mark "
                "is not closed. Save the file again from Excel or WPS and upload it again."
            )
        ) from None


def _filled_lines(rows) -> list[tuple[int, list]]:
    """(line number, cells) of the lines that hold anything, numbered as the spreadsheet shows them."""
    lines, blank_run = [], 0
    for number, row in enumerate(rows, 1):
        cells = [_cell(value) for value in row]
        while cells and cells[-1] == "":
            cells.pop()
        if not cells:
            blank_run += 1
            if blank_run >= BLANK_RUN_END:
                break
            continue
        blank_run = 0
        if len(cells) > MAX_COLUMNS:
            raise RosterFileError(
                _(
                    "Line %(line)d has something in column %(column)s: a roster has at most %(count)d "
                    "columns. Delete the columns to the right of the table and upload the file again."
                )
                % {"line": number, "column": get_column_letter(len(cells)), "count": MAX_COLUMNS}
            )
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
    """A cell as the row form reads it: text, a date from an Excel date cell, or a BadCell."""
    if value is None:
        return ""
    if isinstance(value, BadCell):
        return value
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # phone numbers and group numbers typed into number cells
    text = str(value).strip()
    if ILLEGAL_CHARACTERS_RE.search(text):
        # Control characters (pasted from another program) that no .xlsx may hold: the roster
        # export would fail on them.
        return BadCell(_("This cell holds invisible control characters. Type its text again."))
    if len(text) > MAX_CELL_CHARS:
        return BadCell(
            _("This cell holds %(count)d characters; a cell of a roster holds at most %(limit)d.")
            % {"count": len(text), "limit": MAX_CELL_CHARS}
        )
    return text
