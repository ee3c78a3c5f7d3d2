"""The roster's columns: the Chinese headers of the file, what each holds, and how values are written."""

import datetime
from dataclasses import dataclass

import phonenumbers
from django.utils import translation
from django.utils.translation import gettext_lazy

from ..models import ContactGroup, HealthRecord, Member


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    help: str
    example: object = ""
    required: bool = False
    # Health data (DESIGN.md: sensitive, each view logged) is read from an import but never exported:
    # the export is open to everyone with view_roster, the bureau included, and logs no view.
    exported: bool = True


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
    Column(
        "健康状况",
        "condition",
        gettext_lazy(
            "Import only, never exported. Sets the health record as the health page does: 住院 or 病危 "
            "plans the visit and alerts the carers at once. Empty: the health record is not changed."
        ),
        "",
        exported=False,
    ),
    Column(
        "住院地点",
        "health_place",
        gettext_lazy(
            "Import only, never exported. While in hospital: the hospital and ward, told to the carers. "
            "Empty: not changed."
        ),
        "",
        exported=False,
    ),
]
EXPORTED_COLUMNS = [column for column in COLUMNS if column.exported]
HEALTH_COLUMNS = {column.field for column in COLUMNS if not column.exported}
BY_HEADER = {column.header: column for column in COLUMNS}
BY_FIELD = {column.field: column for column in COLUMNS}
REQUIRED_COLUMNS = [column for column in COLUMNS if column.required]
PHONE_FIELDS = {"phone", "phone_alt", "notice_phone", "emergency_phone_1", "emergency_phone_2"}
CHOICE_FIELDS = {
    "gender": Member.Gender,
    "retirement_kind": Member.RetirementKind,
    "living_situation": Member.LivingSituation,
    "status": Member.Status,
    "condition": HealthRecord.Condition,
}


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
