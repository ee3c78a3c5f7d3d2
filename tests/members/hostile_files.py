"""Damaged and hostile roster files, made here byte by byte, for tests/members/test_roster_hostile.py.

A real workbook is a zip of XML parts; `handmade()` writes the smallest one Excel would open, so a
case can change one part (a broken tag, an entity bomb, a formula, a merged range) and nothing else.
"""

import io
import zipfile
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.utils import get_column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADERS = ["姓名", "性别", "出生日期", "手机", "联络小组", "住址"]
ROWS = [
    ["张志远", "男", "1945-03-02", "13912345678", "1", "三里河路12号"],
    ["李秀英", "女", "1950/7/15", "13987654321", "1", "月坛北街5号"],
]
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"

SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{SHEET_TYPE}.sheet.main+xml"/>
<Override PartName="/{SHEET}" ContentType="{SHEET_TYPE}.worksheet+xml"/>
<Override PartName="/{STRINGS}" ContentType="{SHEET_TYPE}.sharedStrings+xml"/>
</Types>"""
PACKAGE_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{RELS}">
<Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}">
<sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{RELS}">
<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""

LAUGHS = "".join(
    f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' if n else '<!ENTITY lol0 "lol">' for n in range(10)
)
BILLION_LAUGHS_DTD = f"<!DOCTYPE lolz [{LAUGHS}]>"
LOCAL_FILE_DTD = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def cell(column: int, row: int, value) -> str:
    """An inline-string cell, or `value` itself when it is already XML (starts with '<c ')."""
    if isinstance(value, str) and value.startswith("<c "):
        return value
    ref = f"{get_column_letter(column)}{row}"
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def rows_xml(rows: list[list], first: int = 1) -> str:
    return "".join(
        f'<row r="{number}">'
        + "".join(cell(c, number, v) for c, v in enumerate(row, 1) if v != "")
        + "</row>"
        for number, row in enumerate(rows, first)
    )


def sheet_xml(rows: list[list] | None = None, *, before: str = "", after: str = "", prolog: str = "") -> str:
    body = rows_xml([HEADERS, *ROWS] if rows is None else rows)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">{before}'
        f"<sheetData>{body}</sheetData>{after}</worksheet>"
    )


def strings_xml(strings: list[str], *, prolog: str = "", raw: str = "") -> str:
    items = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + raw
    return f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<sst xmlns="{MAIN}">{items}</sst>'


def handmade(sheet: str | None = None, *, strings: str | None = None, **replace) -> bytes:
    """A minimal workbook; keyword arguments replace parts by name (None leaves a part out)."""
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": PACKAGE_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        SHEET: sheet if sheet is not None else sheet_xml(),
        STRINGS: strings if strings is not None else strings_xml([]),
    }
    for name, content in replace.items():
        parts[name.replace("__", "/").replace("_dot_", ".")] = content
    return zipped({name: content for name, content in parts.items() if content is not None})


def zipped(parts: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


def with_part(data: bytes, name: str, content: str | bytes | None) -> bytes:
    """The workbook `data` with one part replaced (or removed, for None)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    if content is None:
        parts.pop(name)
    else:
        parts[name] = content
    return zipped(parts)


def saved(rows: list[list] | None = None, headers: list[str] = HEADERS, edit=None) -> bytes:
    """A workbook as openpyxl saves it (a text beginning with "=" becomes a formula, as in Excel)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [headers, *(ROWS if rows is None else rows)]:
        sheet.append(row)
    if edit is not None:
        edit(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_bomb(megabytes: int) -> bytes:
    """A workbook whose shared strings unpack to `megabytes` MB of blanks (a few hundred KB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", PACKAGE_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            (SHEET, sheet_xml()),
        ]:
            archive.writestr(name, content)
        with archive.open(STRINGS, "w", force_zip64=True) as part:
            part.write(f'<sst xmlns="{MAIN}"><si><t>'.encode())
            for _ in range(megabytes):
                part.write(b" " * (1024 * 1024))
            part.write(b"</t></si></sst>")
    return buffer.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8", headers: list[str] = HEADERS) -> bytes:
    return "\r\n".join(",".join(map(str, row)) for row in [headers, *rows]).encode(encoding) + b"\r\n"
