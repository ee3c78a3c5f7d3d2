"""The branch roster (花名册) as a spreadsheet: import with a preview, export, and the blank template.

The file has one member per row under a header row of the Chinese column names in COLUMNS;
only 姓名, 性别 and 出生日期 are required, and columns a file leaves out are left alone on
existing members. A member is matched within the branch by name and date of birth. The same
COLUMNS drive the import, the export (a django-import-export Resource) and the template's
explanation sheet, so a file exported from the portal imports back as "unchanged".
"""

import copy
import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import phonenumbers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.fields import Field
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from . import services
from .models import Branch, ContactGroup, Member
from .roster_forms import RosterRowForm

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
HEADER_SEARCH_ROWS = 5  # a title row such as "第16党支部党员花名册" may sit above the header


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    help: str
    example: object = ""
    required: bool = False


COLUMNS = [
    Column("姓名", "name", gettext_lazy("Full name."), "张志远", required=True),
    Column("性别", "gender", gettext_lazy("男 or 女."), "男", required=True),
    Column(
        "出生日期",
        "birth_date",
        gettext_lazy("Gregorian date of birth."),
        datetime.date(1945, 3, 2),
        required=True,
    ),
    Column(
        "农历生日",
        "lunar_birthday",
        gettext_lazy("是 if the family keeps the lunar birthday, else 否."),
        "否",
    ),
    Column("籍贯", "native_place", gettext_lazy("Native place."), "山东济南"),
    Column(
        "入党时间", "party_joined_on", gettext_lazy("Date, or year and month."), datetime.date(1966, 7, 1)
    ),
    Column(
        "参加工作时间", "work_started_on", gettext_lazy("Date, or year and month."), datetime.date(1964, 9, 1)
    ),
    Column("离退休类别", "retirement_kind", gettext_lazy("离休 or 退休."), "退休"),
    Column("离退休时间", "retired_on", gettext_lazy("Date, or year and month."), datetime.date(2005, 3, 1)),
    Column("原单位", "former_unit", gettext_lazy("Former unit."), "政策研究司"),
    Column("原职务", "former_post", gettext_lazy("Former post."), "处长"),
    Column("手机", "phone", gettext_lazy("The member's own mobile, 11 digits."), "13912345678"),
    Column(
        "其他电话", "phone_alt", gettext_lazy("Home phone with area code, or another mobile."), "010-66123456"
    ),
    Column(
        "通知手机",
        "notice_phone",
        gettext_lazy(
            "Mobile that receives the branch's SMS notices, e.g. a child's; empty: the member's own."
        ),
        "",
    ),
    Column("住址", "address", gettext_lazy("Home address."), "西城区三里河路12号院3号楼"),
    Column("所在区", "district", gettext_lazy("District."), "西城区"),
    Column(
        "居住情况",
        "living_situation",
        gettext_lazy("One of the allowed values; empty: with spouse or family."),
        "空巢",
    ),
    Column("紧急联系人", "emergency_name_1", gettext_lazy("First emergency contact."), "张伟"),
    Column("关系", "emergency_relation_1", gettext_lazy("Relation of the first emergency contact."), "儿子"),
    Column(
        "紧急联系电话",
        "emergency_phone_1",
        gettext_lazy("Phone of the first emergency contact."),
        "13812345678",
    ),
    Column("紧急联系人2", "emergency_name_2", gettext_lazy("Second emergency contact."), ""),
    Column("关系2", "emergency_relation_2", gettext_lazy("Relation of the second emergency contact."), ""),
    Column("紧急联系电话2", "emergency_phone_2", gettext_lazy("Phone of the second emergency contact."), ""),
    Column(
        "联络小组",
        "contact_group",
        gettext_lazy("Number or name of one of the branch's contact groups."),
        "1",
    ),
    Column("状态", "status", gettext_lazy("One of the allowed values; empty: active."), "在册"),
    Column(
        "状态变更日期", "status_changed_on", gettext_lazy("Date of death or transfer; needed for those."), ""
    ),
    Column("备注", "notes", gettext_lazy("Notes."), ""),
]
BY_HEADER = {column.header: column for column in COLUMNS}
BY_FIELD = {column.field: column for column in COLUMNS}
REQUIRED_COLUMNS = [column for column in COLUMNS if column.required]
PHONE_FIELDS = {"phone", "phone_alt", "notice_phone", "emergency_phone_1", "emergency_phone_2"}
CHOICE_FIELDS = {
    "gender": Member.Gender,
    "retirement_kind": Member.RetirementKind,
    "living_situation": Member.LivingSituation,
    "status": Member.Status,
}


@dataclass
class RowError:
    line: int | None  # the spreadsheet's own line number; None for the whole file
    column: str
    message: str


@dataclass
class RowPlan:
    line: int
    values: dict  # field -> cleaned value, for the file's columns only
    member: Member | None = None
    changes: dict = field(default_factory=dict)  # field -> new value, for updates

    @property
    def name(self) -> str:
        return self.values["name"]

    @property
    def texts(self) -> dict[str, str]:
        """The row's values as the spreadsheet writes them, for the preview."""
        return {name: cell_text(name, value) for name, value in self.values.items()}

    def change_list(self) -> list[tuple[str, str, str]]:
        """(column, old, new) as the spreadsheet writes them, for the preview."""
        return [
            (BY_FIELD[name].header, cell_text(name, getattr(self.member, name)), cell_text(name, value))
            for name, value in self.changes.items()
        ]


@dataclass
class ImportResult:
    to_create: list[RowPlan] = field(default_factory=list)
    to_update: list[RowPlan] = field(default_factory=list)
    unchanged: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class RosterFileError(Exception):
    """The file as a whole cannot be read as a roster."""


# Reading ----------------------------------------------------------------------------------------


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
    lines = [
        (number, [_cell(v) for v in row]) for number, row in enumerate(sheet.iter_rows(values_only=True), 1)
    ]
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
    return [(number, [_cell(v) for v in row]) for number, row in enumerate(reader, 1)]


def _has_header(rows) -> bool:
    return any(REQUIRED_COLUMNS[0].header in (_header(v) for v in row) for row in rows)


def _split_header(lines) -> tuple[int, list[str], list[tuple[int, list]]]:
    filled = [(number, cells) for number, cells in lines if any(c != "" for c in cells)]
    if not filled:
        raise RosterFileError(_("The file is empty."))
    candidates = filled[:HEADER_SEARCH_ROWS]
    header_at = next((i for i, (_n, cells) in enumerate(candidates) if _has_header([cells])), 0)
    header_line, header_cells = filled[header_at]
    return header_line, [_header(c) for c in header_cells], filled[header_at + 1 :]


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


# Planning and applying ----------------------------------------------------------------------------


def roster_import(*, actor, branch: Branch, file, dry_run: bool) -> ImportResult:
    """Reads and checks every row of a roster file; unless `dry_run`, applies it all or nothing.

    Nothing is written when any row has an error. Creates and updates go through the member services.
    """
    result = ImportResult()
    try:
        header_line, headers, rows = read_table(file)
    except RosterFileError as error:
        result.errors.append(RowError(None, "", str(error)))
        return result
    columns = _columns(headers, header_line, result)
    if not result.ok:
        return result
    if not rows:
        result.errors.append(RowError(None, "", _("The file has a header row but no members below it.")))
        return result
    _plan(branch, columns, rows, result)
    if result.ok and not dry_run:
        _apply(actor, branch, result)
    return result


def _columns(headers: list[str], header_line: int, result: ImportResult) -> dict[int, Column]:
    """Position → column of the file; records missing required columns and names the ignored ones."""
    columns: dict[int, Column] = {}
    for position, header in enumerate(headers):
        column = BY_HEADER.get(header)
        if column is None:
            if header:
                result.ignored_columns.append(header)
        elif column in columns.values():
            result.errors.append(RowError(header_line, header, _("This column appears twice.")))
        else:
            columns[position] = column
    for column in REQUIRED_COLUMNS:
        if column not in columns.values():
            result.errors.append(
                RowError(
                    header_line,
                    column.header,
                    _("The required column “%(column)s” is missing.") % {"column": column.header},
                )
            )
    return columns


def _plan(branch: Branch, columns: dict[int, Column], rows, result: ImportResult) -> None:
    groups = list(ContactGroup.objects.filter(branch=branch))
    existing: dict[tuple, list[Member]] = {}
    for member in Member.objects.filter(branch=branch).select_related("contact_group"):
        existing.setdefault((member.name, member.birth_date), []).append(member)
    seen: dict[tuple, int] = {}
    for line, cells in rows:
        data = {column.field: cells[i] if i < len(cells) else "" for i, column in columns.items()}
        form = RosterRowForm(data, groups=groups)
        if not form.is_valid():
            _add_errors(result, line, form.errors.as_data())
            continue
        values = form.cleaned_data
        key = (values["name"], values["birth_date"])
        if key in seen:
            result.errors.append(
                RowError(
                    line,
                    BY_FIELD["name"].header,
                    _("Line %(line)s already has %(name)s born %(date)s: each member may appear only once.")
                    % {"line": seen[key], "name": key[0], "date": key[1].isoformat()},
                )
            )
            continue
        seen[key] = line
        _plan_row(branch, RowPlan(line, values), existing.get(key, []), result)


def _plan_row(branch: Branch, plan: RowPlan, matches: list[Member], result: ImportResult) -> None:
    if len(matches) > 1:
        result.errors.append(
            RowError(
                plan.line,
                BY_FIELD["name"].header,
                _(
                    "The branch has several members called %(name)s born on the same day: "
                    "edit them on their own pages."
                )
                % {"name": plan.name},
            )
        )
        return
    if not matches:
        candidate = Member(branch=branch, **plan.values)
        bucket = result.to_create
    else:
        plan.member = matches[0]
        plan.changes = {
            name: value
            for name, value in plan.values.items()
            if _comparable(value) != _comparable(getattr(plan.member, name))
        }
        candidate = copy.copy(plan.member)
        for name, value in plan.changes.items():
            setattr(candidate, name, value)
        bucket = result.to_update if plan.changes else result.unchanged
    if candidate.status != Member.Status.ACTIVE and not candidate.status_changed_on:
        header = BY_FIELD["status_changed_on"].header
        result.errors.append(
            RowError(plan.line, header, _("Enter the date the member died or was transferred out."))
        )
        return
    try:
        # The model's own rules (e.g. a deceased member needs the date), checked before anything is written.
        candidate.full_clean(exclude=["branch", "contact_group", "user"], validate_unique=False)
    except ValidationError as error:
        _add_errors(result, plan.line, error.error_dict)
        return
    bucket.append(plan)


def _apply(actor, branch: Branch, result: ImportResult) -> None:
    try:
        with transaction.atomic():
            for plan in result.to_create:
                _apply_row(plan, result, services.member_create, actor=actor, branch=branch, **plan.values)
            for plan in result.to_update:
                _apply_row(
                    plan, result, services.member_update, actor=actor, member=plan.member, **plan.changes
                )
    except ValidationError:
        return
    result.applied = True


def _apply_row(plan: RowPlan, result: ImportResult, service, **kwargs) -> None:
    try:
        service(**kwargs)
    except ValidationError as error:
        _add_errors(
            result, plan.line, error.error_dict if hasattr(error, "error_dict") else {"": error.error_list}
        )
        raise


def _add_errors(result: ImportResult, line: int, error_dict: dict) -> None:
    for name, errors in error_dict.items():
        column = BY_FIELD[name].header if name in BY_FIELD else ""
        for error in errors:
            result.errors.append(RowError(line, column, " ".join(ValidationError(error).messages)))


def _comparable(value):
    if hasattr(value, "as_e164"):
        return value.as_e164 if value.is_valid() else str(value)
    if isinstance(value, ContactGroup):
        return value.pk
    return "" if value is None else value


# Export -----------------------------------------------------------------------------------------


def cell_text(name: str, value) -> str:
    """A member's value as the roster writes it (labels in Chinese, dates as 1945-03-02)."""
    value = export_value(name, value)
    return value.isoformat() if isinstance(value, datetime.date) else value


def export_value(name: str, value):
    if value in (None, ""):
        return ""
    if name in CHOICE_FIELDS:
        with translation.override("zh-hans"):
            return str(CHOICE_FIELDS[name](value).label)
    if name == "lunar_birthday":
        return "是" if value else "否"
    if name in PHONE_FIELDS:
        try:
            number = value if isinstance(value, phonenumbers.PhoneNumber) else phonenumbers.parse(value, "CN")
        except phonenumbers.NumberParseException:
            return str(value)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    if isinstance(value, ContactGroup):
        return value.name
    return value if isinstance(value, datetime.date) else str(value)


class MemberResource(resources.Resource):
    """django-import-export's view of a Member: the COLUMNS, valued as the import reads them back."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields = {c.field: Field(attribute=c.field, column_name=c.header) for c in COLUMNS}

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
    _fill_roster_sheet(workbook.active, dataset.headers, dataset)
    return _save(workbook)


def template_workbook(groups: list[ContactGroup]) -> bytes:
    """The blank roster: the header, one example row, and a second sheet explaining each column."""
    workbook = openpyxl.Workbook()
    _fill_roster_sheet(workbook.active, [c.header for c in COLUMNS], [[c.example for c in COLUMNS]])
    help_sheet = workbook.create_sheet(_("How to fill in"))
    help_sheet.append([_("Column"), _("Required"), _("What to write"), _("Allowed values"), _("Example")])
    for column in COLUMNS:
        help_sheet.append(
            [
                column.header,
                _("yes") if column.required else "",
                str(column.help),
                allowed_values(column, groups),
                _example_text(column.example),
            ]
        )
    help_sheet.append([])
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
        help_sheet.append([note])
    _style(help_sheet, widths=[16, 8, 48, 40, 16])
    return _save(workbook)


def _example_text(example) -> str:
    return example.isoformat() if isinstance(example, datetime.date) else str(example)


def column_guide(groups: list[ContactGroup]) -> list[dict]:
    """Each column with what to write and its allowed values, for the import page."""
    return [{"column": column, "allowed": allowed_values(column, groups)} for column in COLUMNS]


def allowed_values(column: Column, groups: list[ContactGroup]) -> str:
    if column.field in CHOICE_FIELDS:
        with translation.override("zh-hans"):
            return "、".join(str(label) for label in CHOICE_FIELDS[column.field].labels)
    if column.field == "lunar_birthday":
        return "是、否"
    if column.field == "contact_group" and groups:
        return "; ".join(f"{g.number} = {g.name}" for g in groups)
    return ""


def _fill_roster_sheet(sheet, headers: list[str], rows) -> None:
    sheet.title = "花名册"
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            # Text cells keep 139… and leading zeros as typed; dates stay real dates.
            cell.number_format = "yyyy-mm-dd" if isinstance(cell.value, datetime.date) else "@"
    _style(sheet, widths=[max(10, len(h) * 2 + 4) for h in headers])
    sheet.freeze_panes = "B2"


def _style(sheet, *, widths: list[int]) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(branch: Branch, kind: str) -> str:
    return f"{branch.name}{kind}-{timezone.localdate():%Y%m%d}.xlsx"
