"""Damaged and hostile roster files, through `manage.py import_roster` and through the import pages.

Each file is either refused with a message the committee can act on (naming the line and column
where a cell is to blame), leaving the member tables byte for byte as they were, or accepted and
applied correctly. Never a traceback on the command line, never a 500 on the preview.
"""

import datetime
import functools
import io
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

from members.models import CarePeriod, HealthRecord, Member
from members.roster.reading import MAX_FILE_BYTES
from tests.factories import ContactGroupFactory, MemberFactory
from tests.members import hostile_files as hf

DAMAGED = "工作簿已损坏，无法读取"
NOT_A_WORKBOOK = "文件不是 Excel 工作簿（.xlsx）或 CSV 文件"
EMPTY = "文件是空的"
FORMULA = "此单元格是公式"
BOTH = {
    "张志远": {"birth_date": datetime.date(1945, 3, 2)},
    "李秀英": {"birth_date": datetime.date(1950, 7, 15)},
}


@dataclass
class Case:
    id: str
    make: object  # () -> bytes
    name: str = "花名册.xlsx"
    refused: str = ""  # part of the message it is refused with; "" for a file that is accepted
    where: tuple = ()  # (line, column) of the refusal, when a cell is to blame
    accepted: dict = field(default_factory=dict)  # name -> {field: value} after the import
    upload_refused: str = ""  # the upload form's own message, where it refuses the file first

    def content(self) -> bytes:
        return _made(self.id)


def refuse(id, make, message, where=(), name="花名册.xlsx", upload_refused="") -> Case:
    return Case(id, make, name=name, refused=message, where=where, upload_refused=upload_refused)


def accept(id, make, expected=None, name="花名册.xlsx") -> Case:
    return Case(id, make, name=name, accepted=BOTH if expected is None else expected)


def truncated(fraction: float):
    return lambda: hf.saved()[: int(len(hf.saved()) * fraction)]


def flipped_middle() -> bytes:
    data = bytearray(hf.saved())
    middle = len(data) // 2
    data[middle : middle + 200] = bytes(b ^ 0x5A for b in data[middle : middle + 200])
    return bytes(data)


def formula_at(ref: str, formula: str):
    def edit(sheet):
        sheet[ref] = formula

    return lambda: hf.saved(edit=edit)


def raw_cell(ref: str, xml: str):
    """The handmade workbook with the cell at `ref` (of the first data row) written as raw XML."""
    column = "ABCDEF".index(ref[0])
    rows = [hf.HEADERS, list(hf.ROWS[0]), hf.ROWS[1]]
    rows[1][column] = f"<c{xml}</c>"
    return lambda: hf.handmade(hf.sheet_xml(rows))


def merged(ranges: str, rows=None):
    after = "<mergeCells>" + "".join(f'<mergeCell ref="{r}"/>' for r in ranges.split()) + "</mergeCells>"
    return lambda: hf.handmade(hf.sheet_xml(rows, after=after))


def wide_row(columns: int, line: int):
    rows = [hf.HEADERS, *hf.ROWS]
    rows[line - 1] = rows[line - 1] + [""] * (columns - 7) + ["x"]
    return lambda: hf.handmade(hf.sheet_xml(rows))


def with_rows(rows, headers=hf.HEADERS):
    return lambda: hf.handmade(hf.sheet_xml([headers, *rows]))


def date_cells(sheet):
    sheet["C2"] = datetime.datetime(1945, 3, 2)  # noqa: DTZ001 (Excel's date cells have no zone)
    sheet["C3"] = datetime.date(1950, 7, 15)


def number_phones(sheet):
    sheet["D2"] = 13912345678
    sheet["D3"] = 13987654321.0


def array_formula(sheet):
    sheet["D2"] = ArrayFormula("D2", "=13900990001+0")


def many_members() -> bytes:
    rows = [[f"党员{n}", "男", "1945-03-02", "", "", ""] for n in range(10_001)]
    return hf.handmade(hf.sheet_xml([hf.HEADERS, *rows]))


SHARED = hf.strings_xml(hf.HEADERS + [v for row in hf.ROWS for v in row])


def shared_strings_sheet(extra_cell: str = "") -> str:
    """The table written with shared strings (as Excel does), every cell pointing into SHARED."""
    rows = []
    for number, values in enumerate([hf.HEADERS, *hf.ROWS], 1):
        cells = "".join(
            f'<c r="{get_column_letter(c)}{number}" t="s"><v>{(number - 1) * 6 + c - 1}</v></c>'
            for c in range(1, len(values) + 1)
        )
        rows.append(f'<row r="{number}">{cells}{extra_cell if number == 2 else ""}</row>')
    return f'<worksheet xmlns="{hf.MAIN}"><sheetData>{"".join(rows)}</sheetData></worksheet>'


CASES = [
    # Not a workbook at all.
    refuse("empty-file", lambda: b"", EMPTY, upload_refused="所提交的是空文件"),
    refuse("only-blanks", lambda: b"  \r\n\t\n", EMPTY),
    refuse("csv-renamed-xlsx", lambda: hf.csv_bytes(hf.ROWS), NOT_A_WORKBOOK),
    refuse("text-renamed-xlsx", lambda: "这不是表格".encode(), NOT_A_WORKBOOK),
    refuse("pdf-renamed-xlsx", lambda: b"%PDF-1.7\n" + b"0" * 500, NOT_A_WORKBOOK),
    refuse("png-renamed-xlsx", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, NOT_A_WORKBOOK),
    refuse(
        "old-xls-or-password", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "旧版 Excel 文件"
    ),
    refuse("docx-renamed-xlsx", lambda: hf.zipped({"word/document.xml": "<w:document/>"}), DAMAGED),
    refuse("zip-of-a-text-file", lambda: hf.zipped({"readme.txt": "hello"}), DAMAGED),
    refuse("empty-zip", lambda: hf.zipped({}), NOT_A_WORKBOOK),
    # Damaged in transit.
    refuse("truncated-10pc", truncated(0.1), NOT_A_WORKBOOK),
    refuse("truncated-50pc", truncated(0.5), NOT_A_WORKBOOK),
    refuse("truncated-90pc", truncated(0.9), NOT_A_WORKBOOK),
    refuse("truncated-last-byte", lambda: hf.saved()[:-1], NOT_A_WORKBOOK),
    refuse("bytes-flipped-in-the-middle", flipped_middle, NOT_A_WORKBOOK),
    # Broken or missing parts.
    refuse("sheet-xml-unclosed-tag", lambda: hf.handmade(hf.sheet_xml()[:-40]), DAMAGED),
    refuse("sheet-xml-garbage", lambda: hf.handmade("这不是 XML <<<>>>"), DAMAGED),
    refuse("sheet-xml-empty", lambda: hf.handmade(""), DAMAGED),
    refuse("sheet-part-missing", lambda: hf.with_part(hf.handmade(), hf.SHEET, None), NOT_A_WORKBOOK),
    refuse("workbook-part-missing", lambda: hf.with_part(hf.handmade(), "xl/workbook.xml", None), DAMAGED),
    refuse(
        "workbook-xml-broken", lambda: hf.with_part(hf.handmade(), "xl/workbook.xml", "<workbook"), DAMAGED
    ),
    refuse(
        "content-types-missing", lambda: hf.with_part(hf.handmade(), "[Content_Types].xml", None), DAMAGED
    ),
    refuse("styles-broken", lambda: hf.with_part(hf.saved(), "xl/styles.xml", "<styleSheet><fonts"), DAMAGED),
    refuse("shared-strings-broken", lambda: hf.handmade(strings="<sst><si><t>姓名</t>"), DAMAGED),
    refuse(
        "shared-string-index-out-of-range",
        lambda: hf.handmade(shared_strings_sheet(), strings=hf.strings_xml(["姓名"])),
        DAMAGED,
    ),
    refuse("cell-reference-nonsense", raw_cell("D2", ' r="??"><v>1</v>'), DAMAGED),
    refuse("number-cell-holding-text", raw_cell("D2", ' r="D2"><v>abc</v>'), DAMAGED),
    refuse("date-cell-holding-text", raw_cell("C2", ' r="C2" t="d"><v>not-a-date</v>'), DAMAGED),
    refuse(
        "workbook-without-sheets",
        lambda: hf.handmade(
            xl__workbook_dot_xml=hf.WORKBOOK.replace('<sheet name="花名册" sheetId="1" r:id="rId1"/>', "")
        ),
        NOT_A_WORKBOOK,
    ),
    # Hostile XML: entity bombs and local files. Excel and WPS never write a DTD.
    refuse(
        "billion-laughs-in-shared-strings",
        lambda: hf.handmade(
            strings=hf.strings_xml([], prolog=hf.BILLION_LAUGHS_DTD, raw="<si><t>&lol9;</t></si>")
        ),
        DAMAGED,
    ),
    refuse(
        "billion-laughs-in-sheet",
        lambda: hf.handmade(
            hf.sheet_xml([hf.HEADERS, ["&lol9;"]], prolog=hf.BILLION_LAUGHS_DTD).replace(
                "&amp;lol9;", "&lol9;"
            )
        ),
        DAMAGED,
    ),
    refuse(
        "billion-laughs-in-workbook",
        lambda: hf.handmade(
            xl__workbook_dot_xml=hf.WORKBOOK.replace(
                "<workbook ", hf.BILLION_LAUGHS_DTD + "<workbook "
            ).replace('name="花名册"', 'name="&lol9;"')
        ),
        DAMAGED,
    ),
    refuse(
        "local-file-entity-in-shared-strings",
        lambda: hf.handmade(
            shared_strings_sheet(),
            strings=hf.strings_xml([], prolog=hf.LOCAL_FILE_DTD, raw="<si><t>&xxe;</t></si>"),
        ),
        DAMAGED,
    ),
    refuse(
        "local-file-entity-in-sheet",
        lambda: hf.handmade(
            hf.sheet_xml([hf.HEADERS, ["&xxe;"]], prolog=hf.LOCAL_FILE_DTD).replace("&amp;xxe;", "&xxe;")
        ),
        DAMAGED,
    ),
    refuse("zip-bomb-150MB", lambda: hf.zip_bomb(150), "工作簿解压后超过 100 MB"),
    # Formulas and Excel errors: refused where they stand, never imported as empty or as a guess.
    refuse("formula-in-mobile", formula_at("D2", "=13900990001+0"), FORMULA, (2, "手机")),
    refuse(
        "hyperlink-formula-in-address",
        formula_at("F3", '=HYPERLINK("http://evil.example","点我")'),
        FORMULA,
        (3, "住址"),
    ),
    refuse("formula-in-name", formula_at("A2", '="张"&"志远"'), FORMULA, (2, "姓名")),
    refuse("formula-in-birth-date", formula_at("C3", "=DATE(1950,7,15)"), FORMULA, (3, "出生日期")),
    refuse("array-formula", lambda: hf.saved(edit=array_formula), FORMULA, (2, "手机")),
    refuse(
        "formula-with-cached-value",
        raw_cell("D2", ' r="D2"><f>13900990001+0</f><v>13900990001</v>'),
        FORMULA,
        (2, "手机"),
    ),
    refuse(
        "shared-formula",
        raw_cell("D2", ' r="D2"><f t="shared" ref="D2:D3" si="0">13900990001+0</f><v>1</v>'),
        FORMULA,
        (2, "手机"),
    ),
    accept("formula-in-an-ignored-column", formula_at("G2", "=1+1")),
    refuse(
        "error-cell-in-mobile", raw_cell("D2", ' r="D2" t="e"><v>#N/A</v>'), "Excel 错误 #N/A", (2, "手机")
    ),
    refuse(
        "error-cell-in-name", raw_cell("A2", ' r="A2" t="e"><v>#REF!</v>'), "Excel 错误 #REF!", (2, "姓名")
    ),
    # Merged cells: harmless above the table, refused inside it (all but one row would be empty).
    refuse("merged-group-cells", merged("E2:E3"), "合并的单元格（E2:E3）"),
    refuse("merged-header-cells", merged("D1:E1"), "合并的单元格（D1:E1）"),
    accept(
        "merged-title-above-the-header", merged("A1:F1", [["第16党支部党员花名册"], hf.HEADERS, *hf.ROWS])
    ),
    # Size and shape.
    refuse(
        "huge-cell",
        with_rows([hf.ROWS[0], [*hf.ROWS[1][:5], "号" * 40_000]]),
        "此单元格有 40000 个字符",
        (3, "住址"),
    ),
    accept("huge-cell-in-an-ignored-column", with_rows([[*hf.ROWS[0], "x" * 40_000], hf.ROWS[1]])),
    refuse("16000-columns", wide_row(16_000, 1), f"第 1 行的 {get_column_letter(16_000)} 列有内容"),
    refuse("data-far-to-the-right", wide_row(300, 3), f"第 3 行的 {get_column_letter(300)} 列有内容"),
    accept(
        "dimension-claims-the-whole-sheet",
        lambda: hf.handmade(hf.sheet_xml(before='<dimension ref="A1:XFD1048576"/>')),
    ),
    accept(
        "stray-cell-in-the-last-row",
        lambda: hf.handmade(
            hf.sheet_xml().replace(
                "</sheetData>",
                '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
            )
        ),
    ),
    refuse("10001-members", many_members, "文件超过 10000 行"),
    refuse("over-5MB", lambda: b"PK\x03\x04" + b"\x00" * MAX_FILE_BYTES, "文件超过 5 MB"),
    refuse(
        "csv-over-5MB",
        lambda: hf.csv_bytes([["张志远", "男", "1945-03-02", "", "", "x" * MAX_FILE_BYTES]]),
        "文件超过 5 MB",
        name="花名册.csv",
    ),
    # Headers.
    refuse(
        "english-headers",
        lambda: hf.saved(headers=["Name", "Gender", "Birth", "Mobile", "Group", "Address"]),
        "缺少必填列“姓名”",
    ),
    refuse(
        "duplicate-headers",
        lambda: hf.saved(headers=["姓名", "性别", "出生日期", "手机", "姓名", "住址"]),
        "此列重复出现",
    ),
    refuse("header-only", lambda: hf.saved(rows=[]), "文件只有表头"),
    refuse("no-header-row", lambda: hf.handmade(hf.sheet_xml(hf.ROWS)), "缺少必填列"),
    accept(
        "header-below-a-title",
        lambda: hf.handmade(hf.sheet_xml([["第16党支部党员花名册"], [], hf.HEADERS, *hf.ROWS])),
    ),
    refuse(
        "header-too-far-down",
        lambda: hf.handmade(hf.sheet_xml([[f"说明{n}"] for n in range(6)] + [hf.HEADERS, *hf.ROWS])),
        "缺少必填列",
    ),
    # Values as people type them.
    accept(
        "dates-as-text",
        with_rows([["张志远", "男", "1945年3月2日", "", "", ""], ["李秀英", "女", "1950.7.15", "", "", ""]]),
    ),
    accept("dates-as-date-cells", lambda: hf.saved(edit=date_cells)),
    refuse(
        "date-as-a-serial-number",
        with_rows([["张志远", "男", "16498", "", "", ""]]),
        "“16498”不是有效日期",
        (2, "出生日期"),
    ),
    accept(
        "mobiles-as-number-cells",
        lambda: hf.saved(edit=number_phones),
        {"张志远": {"phone": "+8613912345678"}, "李秀英": {"phone": "+8613987654321"}},
    ),
    refuse(
        "mobile-in-scientific-notation",
        with_rows([["张志远", "男", "1945-03-02", "1.39123E+10", "", ""]]),
        "不是有效的手机号码",
        (2, "手机"),
    ),
    refuse(
        "gender-as-a-date-cell",
        lambda: hf.saved(edit=lambda s: s.__setitem__("B2", datetime.date(1945, 3, 2))),
        "不是可选值",
        (2, "性别"),
    ),
    refuse(
        "group-as-a-date-cell",
        lambda: hf.saved(edit=lambda s: s.__setitem__("E2", datetime.date(1945, 3, 2))),
        "本支部没有联络小组",
        (2, "联络小组"),
    ),
    accept(
        "shared-strings-as-excel-writes-them", lambda: hf.handmade(shared_strings_sheet(), strings=SHARED)
    ),
    accept("csv-gbk", lambda: hf.csv_bytes(hf.ROWS, "gbk"), name="花名册.csv"),
    refuse(
        "csv-cell-beyond-the-csv-limit",
        lambda: hf.csv_bytes([["张志远", "男", "1945-03-02", "", "", "x" * 140_000]]),
        "CSV 文件有一行无法读取",
        name="花名册.csv",
    ),
    refuse(
        "csv-huge-cell",
        lambda: hf.csv_bytes([["张志远", "男", "1945-03-02", "", "", "x" * 40_000]]),
        "此单元格有 40000 个字符",
        (2, "住址"),
        name="花名册.csv",
    ),
    refuse(
        "csv-control-characters",
        lambda: hf.csv_bytes([["张志远", "男", "1945-03-02", "", "", "三里河\x0b路\x1b12号"]]),
        "不可见的控制字符",
        (2, "住址"),
        name="花名册.csv",
    ),
    refuse(
        "csv-utf16", lambda: hf.csv_bytes(hf.ROWS, "utf-16"), "无法识别 CSV 文件的文字编码", name="花名册.csv"
    ),
    refuse("same-member-twice", with_rows([hf.ROWS[0], hf.ROWS[0]]), "第 2 行已有 张志远", (3, "姓名")),
]


@functools.cache
def _made(case_id: str) -> bytes:
    return next(case for case in CASES if case.id == case_id).make()


def test_the_suite_holds_at_least_fifty_damaged_or_hostile_files():
    assert len(CASES) >= 50
    assert len({case.id for case in CASES}) == len(CASES)


def member_tables() -> str:
    """Every row of the member tables, in order: equal strings mean not one byte changed."""
    dump = []
    with connection.cursor() as cursor:
        for model in (Member, HealthRecord, CarePeriod):
            cursor.execute(f"SELECT * FROM {model._meta.db_table} ORDER BY id")
            dump.append(repr(cursor.fetchall()))
    return "\n".join(dump)


@pytest.fixture
def roster(branch, group):
    """The branch already has 张志远 (matched by row 1 of every file) with his own mobile and address."""
    ContactGroupFactory(branch=branch, number=2, name="第二联络小组", leader=group.leader)
    return MemberFactory(
        branch=branch,
        name="张志远",
        birth_date=datetime.date(1945, 3, 2),
        phone="13911112222",
        address="旧地址",
        contact_group=group,
    )


def check_accepted(case: Case) -> None:
    for name, expected in case.accepted.items():
        member = Member.objects.get(name=name)
        for field_name, value in expected.items():
            actual = getattr(member, field_name)
            assert (actual.as_e164 if field_name == "phone" else actual) == value, (name, field_name)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_the_command_refuses_with_a_message_or_imports_correctly(case, branch, roster, tmp_path):
    path = tmp_path / case.name
    path.write_bytes(case.content())
    before = member_tables()
    out, err = io.StringIO(), io.StringIO()
    if case.refused:
        with pytest.raises(CommandError, match="没有保存任何内容"):
            call_command("import_roster", path, branch=branch.name, stdout=out, stderr=err)
        assert case.refused in err.getvalue(), err.getvalue()
        if case.where:
            line, column = case.where
            assert f"第 {line} 行 · {column} · " in err.getvalue(), err.getvalue()
        assert member_tables() == before
        assert "root:" not in out.getvalue() + err.getvalue()
    else:
        call_command("import_roster", path, branch=branch.name, stdout=out, stderr=err)
        assert err.getvalue() == ""
        check_accepted(case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_the_pages_refuse_with_a_message_or_import_correctly(
    case, client, secretary, roster, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(secretary)
    before = member_tables()
    upload = client.post(reverse("members:import"), {"file": SimpleUploadedFile(case.name, case.content())})
    if upload.status_code == 200:  # refused by the upload form itself (the size limit)
        assert case.refused and (case.upload_refused or case.refused) in upload.content.decode()
        assert member_tables() == before
        return
    assert upload.status_code == 302
    preview = client.get(upload["Location"])
    assert preview.status_code == 200
    confirm_url = upload["Location"] + "confirm/"
    if case.refused:
        errors = preview.context["errors"]
        assert any(case.refused in error.message for error in errors), errors
        if case.where:
            assert case.where in [
                (error.line, error.column) for error in errors if case.refused in error.message
            ]
        assert "/confirm/" not in preview.content.decode()
        assert client.post(confirm_url).status_code == 200  # confirming anyway saves nothing
        assert member_tables() == before
        assert "root:" not in preview.content.decode()
    else:
        assert preview.context["errors"] == []
        assert client.post(confirm_url).status_code == 302
        check_accepted(case)
