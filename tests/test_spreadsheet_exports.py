"""No spreadsheet the portal writes holds a live formula (lib/spreadsheets.py).

Members' text typed as a formula (`=HYPERLINK(…)` in an address) is written into every export;
each .xlsx that any page of tests/surface.py or any management command produces is read back and
must have no formula cell, and each such text must come back as the same text, quote-prefixed.
"""

import ast
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command

from dues.models import WorkPlanItem
from lib.spreadsheets import workbook_bytes
from members.models import ContactGroup, Member
from study.models import StudyActivity
from tests.surface import PAGES

HOSTILE = {
    "address": '=HYPERLINK("http://evil.example","点我")',
    "district": "+1+1",
    "former_unit": "-2+3+cmd|' /C calc'!A0",
    "notes": "@SUM(1+1)*cmd|' /C calc'!A0",
    "native_place": "\t=1+1",
    "former_post": "\r=1+1",
}
GROUP_NAME = "=1+2"
THEME = '=HYPERLINK("http://evil.example","学习")'
PLAN = '=WEBSERVICE("http://evil.example")'
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The exports there are; the walk must find each, or it has stopped walking.
KNOWN_EXPORTS = {
    "members:contact_map_xlsx",
    "members:export",
    "members:import_template",
    "dues:report_xlsx",
    "dues:report_committee_xlsx",
    "visits:schedule_xlsx",
}


def formula_cells(content: bytes) -> list[str]:
    """Where the workbook holds a formula, read both through openpyxl and from the raw XML."""
    found = []
    book = openpyxl.load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        found += [
            f"{sheet.title}!{c.coordinate}" for row in sheet.iter_rows() for c in row if c.data_type == "f"
        ]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and b"<f" in archive.read(name).replace(b"<font", b""):
                found.append(name)
    return found


def hostile_cells(content: bytes) -> list:
    """The cells whose text begins as a formula would: each must be a quote-prefixed string."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value[:1] in "=+-@\t\r"
    ]


@pytest.fixture
def hostile_world(surface_world):
    world = surface_world
    Member.objects.filter(pk__in=[world["member"].pk, world["own_member"].pk]).update(**HOSTILE)
    ContactGroup.objects.filter(pk=world["group"].pk).update(name=GROUP_NAME)
    StudyActivity.objects.filter(pk=world["activity"].pk).update(theme=THEME)
    WorkPlanItem.objects.filter(pk=world["plan_item"].pk).update(text=PLAN)
    return world


def downloads(client, world, pages) -> dict:
    """Page name -> the .xlsx it answered, for the pages that answered one."""
    found = {}
    for page in pages:
        response = client.get(page.url(world), page.params(world))
        if response.status_code == 200 and response.get("Content-Type") == XLSX_TYPE:
            found[str(page)] = (page.name, response.getvalue())
    return found


def check_workbook(name: str, content: bytes, role: str) -> None:
    assert formula_cells(content) == [], name
    cells = hostile_cells(content)
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells), name
    texts = {cell.value for cell in cells}
    if name in {"members:export", "members:contact_map_xlsx"} and role != "stranger":
        assert HOSTILE["district"] in texts and GROUP_NAME in texts, name
    if name == "members:export" and role != "stranger":
        assert set(HOSTILE.values()) <= texts, name


def test_every_page_that_answers_a_workbook_holds_no_formula(client, db, hostile_world):
    """All of PAGES as the secretary: every .xlsx found is checked, and every known export is found."""
    client.force_login(hostile_world["users"]["secretary"])
    found = downloads(client, hostile_world, PAGES)
    for name, content in found.values():
        check_workbook(name, content, "secretary")
    assert {name for name, _content in found.values()} == KNOWN_EXPORTS


def test_every_export_is_titled_and_set_up_to_print(client, db, hostile_world):
    """Each sheet starts with a title row naming what it is (and whose), then prints as a committee
    prints it: A4 landscape, fit to the width, the header repeated on every page and frozen."""
    client.force_login(hostile_world["users"]["secretary"])
    found = downloads(client, hostile_world, [page for page in PAGES if page.name in KNOWN_EXPORTS])
    for name, content in found.values():
        sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
        assert sheet["A1"].font.b and sheet["A1"].value and sheet["A2"].value, name
        assert name == "members:import_template" or hostile_world["branch"].name in sheet["A1"].value, name
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == (
            "landscape", int(sheet.PAPERSIZE_A4), 1, 0,
        ), name  # fmt: skip
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, name
        assert sheet.print_title_rows == "$2:$2" and sheet.freeze_panes in {"A3", "B3"}, name


@pytest.mark.parametrize("role", ["committee", "liaison", "member", "bureau", "stranger"])
def test_no_export_any_other_role_downloads_holds_a_formula(client, db, hostile_world, role):
    client.force_login(hostile_world["users"][role])
    exports = [page for page in PAGES if page.name in KNOWN_EXPORTS]
    for name, content in downloads(client, hostile_world, exports).values():
        check_workbook(name, content, role)


def test_the_committees_excel_shows_the_address_as_typed(client, db, hostile_world):
    client.force_login(hostile_world["users"]["secretary"])
    page = next(p for p in PAGES if p.name == "members:export")
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(page.url(hostile_world)).getvalue())).active
    addresses = [
        row[sheet[2].index(next(c for c in sheet[2] if c.value == "住址"))]
        for row in sheet.iter_rows(min_row=3)
    ]
    assert {(c.value, c.data_type, c.quotePrefix) for c in addresses} == {(HOSTILE["address"], "s", True)}


def test_no_management_command_writes_a_formula(db, hostile_world, tmp_path):
    """export_branch's archive holds JSON and uploaded files: any workbook in it is checked too."""
    output = tmp_path / "branch.zip"
    call_command("export_branch", branch=hostile_world["branch"].name, output=output, stdout=io.StringIO())
    with zipfile.ZipFile(output) as archive:
        for name in archive.namelist():
            content = archive.read(name)
            if content[:2] == b"PK" and name.endswith(".xlsx"):
                assert formula_cells(content) == [], name


def test_workbook_bytes_stores_every_formula_start_as_text():
    book = openpyxl.Workbook()
    values = ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "普通文字", "1-2", -3]
    book.active.append(values)
    cells = openpyxl.load_workbook(io.BytesIO(workbook_bytes(book))).active[1]
    assert [(c.value, c.data_type, bool(c.quotePrefix)) for c in cells] == [
        *[(v, "s", True) for v in values[:6]],
        ("普通文字", "s", False),
        ("1-2", "s", False),
        (-3, "n", False),
    ]


def test_every_workbook_the_portal_makes_is_saved_through_workbook_bytes():
    """A new export that saved its workbook itself would skip the neutralising: none may."""
    root = Path(settings.BASE_DIR)
    offenders = []
    for path in root.glob("*/**/*.py"):
        if path.relative_to(root).parts[0] in {"tests", ".venv", "var"} or path.name == "spreadsheets.py":
            continue
        tree = ast.parse(path.read_text())
        books = {
            target.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and _makes_workbook(node.value)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        saved_directly = any(
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "save"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in books
            for node in ast.walk(tree)
        )
        if books and (saved_directly or "workbook_bytes" not in ast.unparse(tree)):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_every_row_goes_in_through_append_row():
    """A sheet filled with sheet.append() would fail on a control character in old data: none may be."""
    root = Path(settings.BASE_DIR)
    offenders = []
    for path in root.glob("*/**/*.py"):
        if path.relative_to(root).parts[0] in {"tests", ".venv", "var"} or path.name == "spreadsheets.py":
            continue
        tree = ast.parse(path.read_text())
        sheets = {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg) and "sheet" in node.arg}
        sheets |= {
            target.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and _gives_sheet(node.value)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        offenders += [
            f"{path.relative_to(root)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "append"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in sheets
        ]
    assert offenders == []


def _gives_sheet(node) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "active"
    return isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "create_sheet"


def _makes_workbook(node) -> bool:
    func = getattr(node, "func", None)
    return (
        isinstance(node, ast.Call)
        and (getattr(func, "id", None) or getattr(func, "attr", None)) == "Workbook"
    )


CONTROL = {
    "name": "张\x07志远",
    "address": "北京市\x0b西城区",
    "notes": "\x1b[31m病重",
    "district": "西城\x01",
}


def test_every_workbook_downloads_when_old_rows_hold_control_characters(client, db, surface_world):
    """Rows written before the forms refused control characters: every export still answers a
    workbook (openpyxl refuses such text, a 500), with the text minus the invisible characters."""
    world = surface_world
    Member.objects.filter(pk__in=[world["member"].pk, world["own_member"].pk]).update(**CONTROL)
    ContactGroup.objects.filter(pk=world["group"].pk).update(name="第一\x02组")
    StudyActivity.objects.filter(pk=world["activity"].pk).update(theme="学习\x03日")
    client.force_login(world["users"]["secretary"])
    found = downloads(client, world, PAGES)
    assert {name for name, _content in found.values()} == KNOWN_EXPORTS
    roster = next(content for name, content in found.values() if name == "members:export")
    texts = {
        c.value
        for sheet in openpyxl.load_workbook(io.BytesIO(roster)).worksheets
        for r in sheet.iter_rows()
        for c in r
    }
    assert {"张志远", "北京市西城区", "[31m病重", "西城", "第一组"} <= texts
