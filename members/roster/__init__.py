"""The branch roster (花名册) as a spreadsheet: import with a preview, export, and the blank template.

The file has one member per row under a header row of the Chinese column names in
`columns.COLUMNS`; only 姓名, 性别 and 出生日期 are required, and columns a file leaves out
are left alone on existing members. A member is matched within the branch by name and date of
birth. The same COLUMNS drive the import, the export (a django-import-export Resource) and the
template's explanation sheet, so a file exported from the portal imports back as "unchanged".

    columns.py    the columns and how values are written in the file
    reading.py    .xlsx / .csv (UTF-8, UTF-8 with BOM, GBK) into lines of cells
    forms.py      the upload form and the form that validates one row
    importing.py  roster_import(): check every row, then apply all or nothing
    exporting.py  the export and the template workbooks
"""

from .columns import COLUMNS, column_guide
from .exporting import MemberResource, export_filename, roster_workbook, template_workbook
from .importing import ImportResult, RowError, RowPlan, roster_import

__all__ = [
    "COLUMNS",
    "ImportResult",
    "MemberResource",
    "RowError",
    "RowPlan",
    "column_guide",
    "export_filename",
    "roster_import",
    "roster_workbook",
    "template_workbook",
]
