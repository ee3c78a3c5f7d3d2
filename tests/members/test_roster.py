"""Roster import and export: the service, the pages and the import_roster command.

Spreadsheets are built here with openpyxl, CSVs are encoded here; messages are asserted in
Chinese, the default language, because that is what the committee reads.
"""

import datetime
import io
from urllib.parse import unquote

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import BranchRole
from accounts.permissions import SYSTEM
from members import services
from members.models import CareCategory, CarePeriod, HealthRecord, Member
from members.roster import COLUMNS, roster_import, roster_workbook
from tests.factories import BranchFactory, BranchRoleFactory, ContactGroupFactory, MemberFactory

HEADERS = ["姓名", "性别", "出生日期", "手机", "联络小组", "居住情况"]
GOOD_ROWS = [
    ["张志远", "男", "1945-03-02", "13912345678", "1", "空巢"],
    ["李秀英", "女", "1950/7/15", "139 8765 4321", "第二联络小组", ""],
]


def xlsx(rows, headers=HEADERS, name="花名册.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv(rows, encoding: str, headers=HEADERS) -> SimpleUploadedFile:
    text = "\r\n".join(",".join(row) for row in [headers, *rows]) + "\r\n"
    return SimpleUploadedFile("花名册.csv", text.encode(encoding))


@pytest.fixture
def groups(branch, group, committee):
    """Group 1 (the cast's) and group 2, 第二联络小组."""
    return [group, ContactGroupFactory(branch=branch, number=2, name="第二联络小组", leader=committee)]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def check(branch, file, *, dry_run=True):
    return roster_import(actor=SYSTEM, branch=branch, file=file, dry_run=dry_run)


def errors_of(result) -> list[tuple]:
    return [(e.line, e.column, e.message) for e in result.errors]


# The service ---------------------------------------------------------------------------------------


def test_good_file_previews_without_writing_then_creates_every_row(branch, groups):
    preview = check(branch, xlsx(GOOD_ROWS))
    assert preview.ok and [p.name for p in preview.to_create] == ["张志远", "李秀英"]
    assert Member.objects.count() == 0

    result = check(branch, xlsx(GOOD_ROWS), dry_run=False)

    assert result.applied
    zhang = Member.objects.get(name="张志远")
    assert (zhang.branch, zhang.birth_date, zhang.contact_group) == (
        branch,
        datetime.date(1945, 3, 2),
        groups[0],
    )
    assert zhang.phone.as_e164 == "+8613912345678"
    assert zhang.name_initials == "zzy"  # through member_create
    assert CarePeriod.objects.filter(member=zhang, category=CareCategory.EMPTY_NEST).exists()
    li = Member.objects.get(name="李秀英")
    assert (li.gender, li.contact_group, li.living_situation) == ("F", groups[1], "with_family")


def test_dates_in_the_usual_chinese_ways_are_read(branch, groups):
    rows = [
        ["甲", "男", "1945-03-02", "", "", ""],
        ["乙", "男", "1945/3/2", "", "", ""],
        ["丙", "男", "1945年3月2日", "", "", ""],
        ["丁", "男", "1945.3.2", "", "", ""],
        ["戊", "男", datetime.date(1945, 3, 2), "", "", ""],
        ["己", "男", "19450302", "", "", ""],
    ]
    result = check(branch, xlsx(rows))
    assert result.ok, errors_of(result)
    assert {p.values["birth_date"] for p in result.to_create} == {datetime.date(1945, 3, 2)}


def test_bad_dates_are_reported_by_line_and_column_and_nothing_is_written(branch, groups):
    MemberFactory(branch=branch, name="王建国")
    before = Member.objects.count()
    rows = [
        GOOD_ROWS[0],
        ["周桂兰", "女", "1945-13-01", "", "", ""],
        ["赵敏", "女", "2099-01-01", "", "", ""],
    ]

    result = check(branch, xlsx(rows), dry_run=False)

    assert not result.applied
    assert errors_of(result) == [
        (3, "出生日期", "“1945-13-01”不是有效日期，请写成 1945-03-02、1945/3/2 或 1945年3月2日。"),
        (4, "出生日期", BIRTH_OUT_OF_RANGE),
    ]
    assert Member.objects.count() == before


# The member services' own message: the preview says what confirming would.
BIRTH_OUT_OF_RANGE = "请输入1900年1月1日至今天之间的出生日期。"


def test_a_birth_date_outside_1900_to_today_is_reported_in_the_preview_and_refused_at_confirm(branch, groups):
    today = timezone.localdate()
    rows = [
        ["出界早", "女", "1899-12-31", "", "", ""],
        ["最早", "女", "1900-01-01", "", "", ""],
        ["今天生", "男", today.isoformat(), "", "", ""],
        ["出界晚", "男", (today + datetime.timedelta(days=1)).strftime("%Y%m%d"), "", "", ""],
    ]
    expected = [(2, "出生日期", BIRTH_OUT_OF_RANGE), (5, "出生日期", BIRTH_OUT_OF_RANGE)]

    preview = check(branch, xlsx(rows))
    assert errors_of(preview) == expected
    assert [p.name for p in preview.to_create] == ["最早", "今天生"]

    confirmed = check(branch, xlsx(rows), dry_run=False)
    assert not confirmed.applied and errors_of(confirmed) == expected
    assert not Member.objects.exists()


def test_the_preview_and_the_member_service_share_the_birth_date_rule(branch):
    from django.core.exceptions import ValidationError

    from members import services

    with pytest.raises(ValidationError) as error:
        services.member_create(
            actor=SYSTEM, branch=branch, name="出界早", gender="F", birth_date=datetime.date(1899, 12, 31)
        )
    assert error.value.message_dict == {"birth_date": [BIRTH_OUT_OF_RANGE]}
    # Other date columns keep the general check and its own words.
    rows = [["早入党", "女", "1930-01-01", "1899-12"]]
    result = check(branch, xlsx(rows, headers=["姓名", "性别", "出生日期", "入党时间"]))
    assert errors_of(result) == [(2, "入党时间", "日期 1899-12-01 过早，请检查年份。")]


def test_bad_phones_are_reported_with_what_to_write(branch, groups):
    headers = ["姓名", "性别", "出生日期", "手机", "其他电话"]
    rows = [
        ["张志远", "男", "1945-03-02", "1391234567", ""],
        ["李秀英", "女", "1950-07-15", "010-66123456", "123"],
        ["刘淑华", "女", "1951-01-01", "13912345678", "010-66123456"],
    ]
    result = check(branch, xlsx(rows, headers=headers), dry_run=False)

    mobile = "不是有效的手机号码，请填写 11 位数字，如 13912345678。"
    assert errors_of(result) == [
        (2, "手机", f"“1391234567”{mobile}"),
        (3, "手机", f"“010-66123456”{mobile}"),
        (3, "其他电话", "“123”不是有效的电话号码，请填写 11 位手机号码或带区号的固定电话，如 010-66123456。"),
    ]
    assert Member.objects.count() == 0


def test_unknown_contact_group_names_the_groups_there_are(branch, groups):
    rows = [
        ["张志远", "男", "1945-03-02", "", "7", ""],
        ["李秀英", "女", "1950-07-15", "", "第九联络小组", ""],
    ]
    result = check(branch, xlsx(rows), dry_run=False)
    assert errors_of(result) == [
        (2, "联络小组", "本支部没有联络小组“7”，请填写小组编号（1、2）或小组名称。"),
        (3, "联络小组", "本支部没有联络小组“第九联络小组”，请填写小组编号（1、2）或小组名称。"),
    ]
    assert Member.objects.count() == 0


def test_a_group_of_another_branch_is_unknown(branch, groups, other_branch, stranger):
    ContactGroupFactory(branch=other_branch, number=3, name="第三联络小组", leader=stranger)
    result = check(branch, xlsx([["张志远", "男", "1945-03-02", "", "第三联络小组", ""]]))
    assert [e.column for e in result.errors] == ["联络小组"]


def test_duplicate_rows_point_at_the_first_occurrence(branch, groups):
    rows = [GOOD_ROWS[0], GOOD_ROWS[1], ["张志远", "男", "1945年3月2日", "", "", ""]]
    result = check(branch, xlsx(rows), dry_run=False)
    assert errors_of(result) == [
        (4, "姓名", "第 2 行已有 张志远（出生日期 1945-03-02），同一党员只能出现一次。"),
    ]
    assert Member.objects.count() == 0


def test_missing_required_columns_stop_before_any_row(branch, groups):
    result = check(branch, xlsx([["张志远", "13912345678"]], headers=["姓名", "手机"]), dry_run=False)
    assert errors_of(result) == [
        (1, "性别", "缺少必填列“性别”。"),
        (1, "出生日期", "缺少必填列“出生日期”。"),
    ]
    assert Member.objects.count() == 0


def test_an_empty_file_and_a_header_without_rows_are_refused(branch):
    empty = check(branch, SimpleUploadedFile("花名册.xlsx", b""), dry_run=False)
    assert errors_of(empty) == [(None, "", "文件是空的。")]
    header_only = check(branch, xlsx([]), dry_run=False)
    assert errors_of(header_only) == [(None, "", "文件只有表头，没有党员数据。")]
    assert Member.objects.count() == 0


def test_a_non_spreadsheet_renamed_xlsx_is_refused_in_plain_words(branch):
    for content in (b"%PDF-1.4 not a workbook", b"PK\x03\x04 a zip that is not a workbook"):
        result = check(branch, SimpleUploadedFile("花名册.xlsx", content), dry_run=False)
        assert len(result.errors) == 1
        assert result.errors[0].message.startswith("文件不是 Excel 工作簿（.xlsx）或 CSV 文件")
    assert Member.objects.count() == 0


def test_a_title_row_and_blank_lines_keep_the_spreadsheet_line_numbers(branch, groups):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "第16党支部党员花名册"
    for row in [HEADERS, GOOD_ROWS[0], [], ["李秀英", "女", "1950-02-30", "", "", ""]]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = check(branch, SimpleUploadedFile("花名册.xlsx", buffer.getvalue()))
    assert [(e.line, e.column) for e in result.errors] == [(5, "出生日期")]
    assert [p.line for p in result.to_create] == [3]


def test_a_runaway_file_is_refused(branch):
    rows = [[f"党员{n}", "男", "1945-03-02", "", "", ""] for n in range(10_001)]
    result = check(branch, csv(rows, "utf-8"))
    assert errors_of(result) == [(None, "", "文件超过 10000 行，请拆分成几个较小的文件。")]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_or_utf8_with_or_without_bom_is_read(branch, groups, encoding):
    rows = [["张志远", "男", "1945-03-02", "13912345678", "1", "独居"]]
    result = check(branch, csv(rows, encoding), dry_run=False)
    assert result.applied, errors_of(result)
    assert Member.objects.get().living_situation == Member.LivingSituation.ALONE


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_csv_errors_carry_line_numbers_whatever_the_encoding(branch, groups, encoding):
    rows = [GOOD_ROWS[0], ["李秀英", "女士", "1950-07-15", "", "", "一个人住"]]
    result = check(branch, csv(rows, encoding), dry_run=False)
    assert errors_of(result) == [
        (3, "性别", "“女士”不是可选值，请填写：男、女。"),
        (3, "居住情况", "“一个人住”不是可选值，请填写：与配偶或家人同住、空巢、半空巢、独居、孤寡。"),
    ]
    assert Member.objects.count() == 0


def test_a_deceased_member_needs_the_date(branch, groups):
    headers = ["姓名", "性别", "出生日期", "状态", "状态变更日期"]
    rows = [["张志远", "男", "1930-03-02", "已故", ""], ["李秀英", "女", "1931-07-15", "已故", "2024-05-01"]]
    result = check(branch, xlsx(rows, headers=headers), dry_run=False)
    assert [(e.line, e.column) for e in result.errors] == [(2, "状态变更日期")]
    assert Member.objects.count() == 0


def test_matching_member_is_updated_and_columns_left_out_are_kept(branch, groups):
    member = MemberFactory(
        branch=branch,
        name="张志远",
        birth_date=datetime.date(1945, 3, 2),
        phone="+8613900000000",
        contact_group=groups[0],
        district="西城区",
    )
    preview = check(branch, xlsx([GOOD_ROWS[0][:3] + ["13912345678", "2", "空巢"]]))
    assert [p.member for p in preview.to_update] == [member]
    assert preview.to_update[0].change_list() == [
        ("手机", "139 0000 0000", "139 1234 5678"),
        ("居住情况", "与配偶或家人同住", "空巢"),
        ("联络小组", "第1联络小组", "第二联络小组"),
    ]

    check(branch, xlsx([GOOD_ROWS[0][:3] + ["13912345678", "2", "空巢"]]), dry_run=False)

    member.refresh_from_db()
    assert (member.phone.as_e164, member.contact_group, member.district) == (
        "+8613912345678",
        groups[1],
        "西城区",
    )
    assert CarePeriod.objects.filter(member=member, category=CareCategory.EMPTY_NEST).exists()
    assert Member.objects.count() == 1


def test_a_member_of_another_branch_with_the_same_name_is_not_matched(branch, groups, other_branch):
    MemberFactory(branch=other_branch, name="张志远", birth_date=datetime.date(1945, 3, 2))
    result = check(branch, xlsx([GOOD_ROWS[0]]))
    assert len(result.to_create) == 1 and not result.to_update


def test_export_imports_back_as_unchanged(branch, groups):
    MemberFactory(
        branch=branch,
        name="张志远",
        birth_date=datetime.date(1945, 3, 2),
        phone_alt="+861066123456",
        contact_group=groups[1],
        living_situation="alone",
        lunar_birthday=True,
        retirement_kind="lixiu",
        party_joined_on=datetime.date(1966, 7, 1),
        notes="喜欢书法",
        emergency_phone_1="+8613812345678",
    )
    MemberFactory(
        branch=branch, name="李秀英", status="deceased", status_changed_on=datetime.date(2024, 1, 2)
    )
    workbook = SimpleUploadedFile("export.xlsx", roster_workbook(branch))

    result = check(branch, workbook)

    assert result.ok, errors_of(result)
    assert (len(result.to_create), len(result.to_update), len(result.unchanged)) == (0, 0, 2)


def test_the_health_columns_are_read_on_import_but_never_exported(branch, groups):
    member = MemberFactory(branch=branch, name="张志远", birth_date=datetime.date(1945, 3, 2))
    services.health_record_update(
        actor=SYSTEM, member=member, condition="critical", mobility="bedridden", note="", place="协和医院"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(roster_workbook(branch))).active
    text = " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value)
    assert "健康状况" not in text and "住院地点" not in text
    assert "病危" not in text and "协和医院" not in text
    assert {c.header for c in COLUMNS if not c.exported} == {"健康状况", "住院地点"}

    preview = check(
        branch,
        xlsx([GOOD_ROWS[0][:3] + ["住院", "友谊医院"]], headers=[*HEADERS[:3], "健康状况", "住院地点"]),
    )

    # The old health values stay on the logged health page; the preview shows only the file's.
    assert preview.to_update[0].change_list() == [
        ("健康状况", "（不显示）", "住院"),
        ("住院地点", "（不显示）", "友谊医院"),
    ]


def test_an_empty_health_cell_leaves_the_health_record_alone(branch, groups):
    member = MemberFactory(branch=branch, name="张志远", birth_date=datetime.date(1945, 3, 2))
    services.health_record_update(
        actor=SYSTEM,
        member=member,
        condition="hospitalised",
        mobility="independent",
        note="",
        place="协和医院",
    )
    headers = [*HEADERS[:3], "健康状况", "住院地点"]

    result = check(branch, xlsx([GOOD_ROWS[0][:3] + ["", ""]], headers=headers), dry_run=False)

    assert result.applied and len(result.unchanged) == 1
    health = HealthRecord.objects.get(member=member)
    assert (health.condition, health.place) == ("hospitalised", "协和医院")


def test_a_new_member_imported_as_in_hospital_gets_the_health_record(branch, groups):
    headers = [*HEADERS[:3], "健康状况", "住院地点"]

    result = check(branch, xlsx([GOOD_ROWS[0][:3] + ["住院", "友谊医院"]], headers=headers), dry_run=False)

    assert result.applied, errors_of(result)
    health = HealthRecord.objects.get(member__name="张志远")
    assert (health.condition, health.place) == ("hospitalised", "友谊医院")
    assert CarePeriod.objects.filter(member=health.member, category=CareCategory.HOSPITALISED).exists()


def test_export_writes_phones_as_text_cells(branch, groups):
    MemberFactory(branch=branch, name="张志远", phone="+8613912345678")
    sheet = openpyxl.load_workbook(io.BytesIO(roster_workbook(branch))).active
    assert sheet["A1"].value == f"{branch.name} 花名册"  # the title row above the header
    headers = [cell.value for cell in sheet[2]]
    phone = sheet.cell(row=3, column=headers.index("手机") + 1)
    assert (phone.value, phone.data_type, phone.number_format) == ("139 1234 5678", "s", "@")
    assert sheet.cell(row=3, column=headers.index("出生日期") + 1).is_date


# The command -------------------------------------------------------------------------------------


def write(tmp_path, upload) -> str:
    path = tmp_path / upload.name
    path.write_bytes(upload.read())
    return str(path)


def test_command_imports_a_good_file(branch, groups, tmp_path, capsys):
    call_command("import_roster", write(tmp_path, xlsx(GOOD_ROWS)), branch=branch.name)
    assert Member.objects.filter(branch=branch).count() == 2
    assert "新增 2 人" in capsys.readouterr().out


def test_command_dry_run_writes_nothing(branch, groups, tmp_path):
    call_command("import_roster", write(tmp_path, xlsx(GOOD_ROWS)), branch=str(branch.pk), dry_run=True)
    assert Member.objects.count() == 0


def test_command_exits_non_zero_and_writes_nothing_on_errors(branch, groups, tmp_path):
    path = write(tmp_path, xlsx([GOOD_ROWS[0], ["李秀英", "女", "1950-02-30", "", "", ""]]))
    stderr = io.StringIO()
    # From a shell, manage.py turns a CommandError into this exit status.
    with pytest.raises(CommandError) as error:
        call_command("import_roster", path, branch=branch.name, stderr=stderr)
    assert error.value.returncode == 1
    assert "第 3 行 · 出生日期 · “1950-02-30”不是有效日期" in stderr.getvalue()
    assert Member.objects.count() == 0


def test_command_dry_run_lists_a_birth_date_out_of_range_by_line_and_column(branch, groups, tmp_path):
    path = write(tmp_path, xlsx([GOOD_ROWS[0], ["李秀英", "女", "1899-12-31", "", "", ""]]))
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_roster", path, branch=branch.name, dry_run=True, stderr=stderr)
    assert f"第 3 行 · 出生日期 · {BIRTH_OUT_OF_RANGE}" in stderr.getvalue()
    assert Member.objects.count() == 0


def test_command_refuses_an_unknown_branch(branch, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_roster", write(tmp_path, xlsx(GOOD_ROWS)), branch="第100党支部")


# The pages ---------------------------------------------------------------------------------------


def upload(client, file, **extra):
    return client.post(reverse("members:import"), {"file": file, **extra})


def test_upload_with_errors_shows_the_problems_and_no_confirm_button(client, secretary, groups, media):
    client.force_login(secretary)
    response = upload(client, xlsx([GOOD_ROWS[0], ["李秀英", "女", "1950-07-15", "12345", "", ""]]))
    assert response.status_code == 302
    preview = client.get(response["Location"])
    content = preview.content.decode()
    assert "“12345”不是有效的手机号码" in content
    assert "members/import/" in content and "/confirm/" not in content
    assert Member.objects.count() == 0


def test_the_preview_page_lists_the_line_and_column_of_a_birth_date_out_of_range(
    client, secretary, groups, media
):
    client.force_login(secretary)
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = upload(client, xlsx([GOOD_ROWS[0], ["李秀英", "女", future, "", "", ""]]))
    preview = client.get(response["Location"])
    [error] = preview.context["errors"]
    assert (error.line, error.column, error.message) == (3, "出生日期", BIRTH_OUT_OF_RANGE)
    content = preview.content.decode()
    assert BIRTH_OUT_OF_RANGE in content and "/confirm/" not in content
    assert Member.objects.count() == 0


def test_confirming_the_preview_applies_every_row(client, secretary, groups, media):
    client.force_login(secretary)
    preview_url = upload(client, xlsx(GOOD_ROWS))["Location"]
    preview = client.get(preview_url)
    assert "张志远" in preview.content.decode() and Member.objects.count() == 0
    confirm_url = reverse("members:import_confirm", args=[preview_url.rstrip("/").rsplit("/", 1)[1]])

    response = client.post(confirm_url)

    assert response.status_code == 302 and response["Location"] == reverse("members:list")
    assert set(Member.objects.values_list("name", flat=True)) == {"张志远", "李秀英"}
    assert list(media.joinpath("imports").iterdir()) == []  # the kept upload is gone
    again = client.post(confirm_url)  # a second click finds nothing to apply
    assert again["Location"] == reverse("members:import") and Member.objects.count() == 2


def test_a_tampered_or_foreign_token_is_refused_clearly(client, secretary, committee, groups, media):
    client.force_login(secretary)
    preview_url = upload(client, xlsx(GOOD_ROWS))["Location"]
    token = preview_url.rstrip("/").rsplit("/", 1)[1]

    tampered = client.get(reverse("members:import_preview", args=[token[:-2] + "xx"]), follow=True)
    assert "上传的文件已过期或不属于您" in tampered.content.decode()

    client.force_login(committee)  # another user, another session
    foreign = client.post(reverse("members:import_confirm", args=[token]), follow=True)
    assert "上传的文件已过期或不属于您" in foreign.content.decode()
    assert Member.objects.count() == 0


def test_a_stale_upload_is_refused(client, secretary, groups, media, monkeypatch):
    client.force_login(secretary)
    preview_url = upload(client, xlsx(GOOD_ROWS))["Location"]
    session = client.session
    for entry in session["roster_uploads"].values():
        entry["at"] -= 2 * 3600
    session.save()
    response = client.get(preview_url, follow=True)
    assert "上传的文件已过期或不属于您" in response.content.decode()


def test_upload_refuses_other_file_kinds(client, secretary, branch, media):
    client.force_login(secretary)
    response = upload(client, SimpleUploadedFile("花名册.pdf", b"%PDF-1.4"))
    assert response.status_code == 200
    assert "请上传 .xlsx 或 .csv 文件。" in response.content.decode()


def test_user_with_two_branches_chooses_where_to_import(client, secretary, branch, media):
    second = BranchFactory(name="第18党支部")
    BranchRoleFactory(user=secretary, branch=second, role=BranchRole.Role.SECRETARY)
    client.force_login(secretary)
    assert "导入到支部" in client.get(reverse("members:import")).content.decode()

    preview_url = upload(client, xlsx([GOOD_ROWS[0][:3]], headers=HEADERS[:3]), branch=second.pk)["Location"]
    client.post(preview_url + "confirm/")

    assert Member.objects.get().branch == second


def test_export_asks_which_branch_and_never_serves_a_foreign_one(client, secretary, branch, other_branch):
    second = BranchFactory(name="第18党支部")
    BranchRoleFactory(user=secretary, branch=second, role=BranchRole.Role.SECRETARY)
    MemberFactory(branch=second, name="吴国华")
    client.force_login(secretary)

    choice = client.get(reverse("members:export"))
    assert choice["Content-Type"].startswith("text/html") and "第18党支部" in choice.content.decode()
    foreign = client.get(reverse("members:export"), {"branch": other_branch.pk})
    assert foreign["Content-Type"].startswith("text/html")

    response = client.get(reverse("members:export"), {"branch": second.pk})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == ["吴国华"]


def test_template_has_the_headers_an_example_and_an_explanation_sheet(client, secretary, groups):
    client.force_login(secretary)
    response = client.get(reverse("members:import_template"))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    roster_sheet, help_sheet = workbook.worksheets
    assert roster_sheet["A1"].value == "花名册模板"
    assert [c.value for c in roster_sheet[2]][:3] == ["姓名", "性别", "出生日期"]
    assert roster_sheet["A3"].value == "张志远"
    assert help_sheet.title == "填写说明"
    explained = {row[0]: row for row in help_sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    assert explained["联络小组"][3] == "1 = 第1联络小组; 2 = 第二联络小组"
    assert explained["性别"][1] == "是"  # required


def test_export_downloads_the_branch_roster_only(client, secretary, branch, other_branch):
    MemberFactory(branch=branch, name="张志远")
    MemberFactory(branch=other_branch, name="吴国华")
    client.force_login(secretary)
    response = client.get(reverse("members:export"))
    assert response["Content-Disposition"].startswith("attachment")
    assert f"{branch.name}-花名册-2026-" in unquote(response["Content-Disposition"])
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == ["张志远"]


@pytest.mark.parametrize("count", [3, 30])
def test_export_runs_a_constant_number_of_queries(
    client, secretary, branch, groups, count, django_assert_max_num_queries
):
    for _index in range(count):
        MemberFactory(branch=branch, contact_group=groups[1])
    client.force_login(secretary)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("members:export"))
        b"".join(response.streaming_content)


@pytest.mark.parametrize("role", ["liaison", "member", "bureau"])
def test_roles_without_edit_members_get_403(client, cast, groups, media, role):
    client.force_login(cast[role])
    for name in ("members:import", "members:import_template", "members:export"):
        assert client.get(reverse(name)).status_code == 403
    assert upload(client, xlsx(GOOD_ROWS)).status_code == 403
    assert client.post(reverse("members:import_confirm", args=["abc"])).status_code == 403
    assert Member.objects.count() == 0


# Mobiles shared by several members ----------------------------------------------------------------

SHARED_ROWS = [
    ["张志远", "男", "1945-03-02", "13900001111", "1", ""],
    ["李秀英", "女", "1950-07-15", "13900001111", "1", ""],
    ["王建国", "男", "1948-01-09", "13955556666", "1", ""],
]


@pytest.fixture
def shared_household(branch, group):
    """Members already on the roster: 赵淑珍 on the same mobile, 钱 on it too but with notices to
    a child's phone, 孙 on it too but deceased: only 赵淑珍 shares where notices go."""
    MemberFactory(branch=branch, name="赵淑珍", phone="13900001111")
    MemberFactory(branch=branch, name="钱德明", phone="13900001111", notice_phone="13811112222")
    MemberFactory(
        branch=branch,
        name="孙玉兰",
        phone="13900001111",
        status=Member.Status.DECEASED,
        status_changed_on=datetime.date(2025, 1, 1),
    )


def test_the_import_names_every_member_a_shared_mobile_would_reach(branch, groups, shared_household):
    result = check(branch, xlsx(SHARED_ROWS))
    assert result.ok  # a warning, not a problem: a couple may well share one phone
    assert [(s.number, s.names) for s in result.shared_mobiles] == [
        ("139 0000 1111", ["张志远", "李秀英", "赵淑珍"])
    ]


def test_the_preview_warns_about_a_shared_mobile_and_still_lets_the_import_go_ahead(
    client, secretary, groups, shared_household, media
):
    client.force_login(secretary)
    content = client.get(upload(client, xlsx(SHARED_ROWS))["Location"]).content.decode()
    assert "多位党员共用的手机号" in content
    assert "手机 139 0000 1111 同时接收 3 位党员的通知：张志远、李秀英、赵淑珍" in content
    assert "/confirm/" in content


def test_the_command_warns_about_a_shared_mobile(branch, groups, shared_household, tmp_path):
    out = io.StringIO()
    path = write(tmp_path, xlsx(SHARED_ROWS))
    call_command("import_roster", path, branch=branch.name, dry_run=True, stdout=out)
    assert "注意：手机 139 0000 1111 同时接收 3 位党员的通知：张志远、李秀英、赵淑珍" in out.getvalue()


def test_a_file_whose_mobiles_are_all_different_has_no_warning(branch, groups):
    assert check(branch, xlsx(GOOD_ROWS)).shared_mobiles == []


def test_the_command_applies_the_upload_size_limit(branch, groups, tmp_path):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx(GOOD_ROWS).read() + b"\x00" * (5 * 1024 * 1024))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_roster", path, branch=branch.name, stderr=err)
    assert "文件超过 5 MB" in err.getvalue()
    assert Member.objects.count() == 0
