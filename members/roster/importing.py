"""The import: every row checked with RosterRowForm and planned (create / update / unchanged);
applied all or nothing through the member services."""

import copy
from collections import defaultdict
from dataclasses import dataclass, field

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from org.models import Branch

from .. import services
from ..models import ContactGroup, HealthRecord, Member
from .columns import BY_FIELD, BY_HEADER, HEALTH_COLUMNS, REQUIRED_COLUMNS, Column, cell_text
from .forms import RosterRowForm
from .reading import BadCell, RosterFileError, read_table

SMS_FIELDS = ("status", "notice_phone", "phone")  # what decides where a member's notices go
HEALTH_ATTRIBUTES = {"condition": "condition", "health_place": "place"}  # column field -> HealthRecord


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
        """(column, old, new) as the spreadsheet writes them, for the preview. The old health values
        are not shown: health data is shown only where the view is logged (the health page)."""
        return [
            (
                BY_FIELD[name].header,
                _("(not shown)") if name in HEALTH_COLUMNS else cell_text(name, current(self.member, name)),
                cell_text(name, value),
            )
            for name, value in self.changes.items()
        ]


@dataclass
class SharedMobile:
    """A mobile that would receive the notices of several members (one SMS each)."""

    number: str  # as the roster writes it: 139 1234 5678
    names: list[str]

    @property
    def message(self) -> str:
        return _(
            "The mobile %(number)s receives the notices of %(count)d members: %(names)s. Each notice "
            "sends it %(count)d SMS; check that the number is right."
        ) % {"number": self.number, "count": len(self.names), "names": "、".join(self.names)}


@dataclass
class ImportResult:
    to_create: list[RowPlan] = field(default_factory=list)
    to_update: list[RowPlan] = field(default_factory=list)
    unchanged: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    shared_mobiles: list[SharedMobile] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


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
    result.shared_mobiles = _shared_mobiles(branch, result)
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
    for member in Member.objects.filter(branch=branch).select_related("contact_group", "health"):
        existing.setdefault((member.name, member.birth_date), []).append(member)
    seen: dict[tuple, int] = {}
    for line, cells in rows:
        data = {column.field: cells[i] if i < len(cells) else "" for i, column in columns.items()}
        bad = {name: cell for name, cell in data.items() if isinstance(cell, BadCell)}
        if bad:
            for name, cell in bad.items():
                result.errors.append(RowError(line, BY_FIELD[name].header, cell.message))
            continue
        form = RosterRowForm(data, groups=groups)
        if not form.is_valid():
            _add_errors(result, line, form.errors.as_data())
            continue
        # An empty health cell leaves the health record as it is.
        values = {k: v for k, v in form.cleaned_data.items() if k not in HEALTH_COLUMNS or v}
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
    member_values = {name: value for name, value in plan.values.items() if name not in HEALTH_COLUMNS}
    if not matches:
        candidate = Member(branch=branch, **member_values)
        bucket = result.to_create
    else:
        plan.member = matches[0]
        plan.changes = {
            name: value
            for name, value in plan.values.items()
            if _comparable(value) != _comparable(current(plan.member, name))
        }
        candidate = copy.copy(plan.member)
        for name, value in plan.changes.items():
            if name not in HEALTH_COLUMNS:
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


def current(member: Member, name: str):
    """The member's value for a column; the health columns read the health record (defaults if none)."""
    if name not in HEALTH_ATTRIBUTES:
        return getattr(member, name)
    attribute = HEALTH_ATTRIBUTES[name]
    health = getattr(member, "health", None)  # a missing record raises an AttributeError subclass
    return getattr(health, attribute) if health else HealthRecord._meta.get_field(attribute).get_default()


def _apply(actor, branch: Branch, result: ImportResult) -> None:
    # The health columns go to member_create / member_update as `condition` and `health_place`: the
    # services write the health record and announce an admission (care_events) in this transaction.
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


def _shared_mobiles(branch: Branch, result: ImportResult) -> list[SharedMobile]:
    """Mobiles that notices would reach for several active members once the file is applied:
    the file's rows as they would be, and the branch's other active members as they are."""
    plans = result.to_create + result.to_update + result.unchanged
    holders: dict[str, list[str]] = defaultdict(list)
    for plan in plans:
        after = {name: plan.values.get(name, getattr(plan.member, name, "")) for name in SMS_FIELDS}
        if after["status"] in ("", Member.Status.ACTIVE):
            number = _comparable(after["notice_phone"]) or _comparable(after["phone"])
            if number:
                holders[number].append(plan.name)
    touched = [plan.member.pk for plan in plans if plan.member]
    others = Member.objects.in_branch(branch).active().exclude(pk__in=touched)
    for member in others.only("name", "phone", "notice_phone"):
        number = _comparable(member.phone_for_notices)
        if number:
            holders[number].append(member.name)
    return [
        SharedMobile(_national(number), names) for number, names in sorted(holders.items()) if len(names) > 1
    ]


def _national(e164: str) -> str:
    try:
        number = phonenumbers.parse(e164, "CN")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _comparable(value):
    if hasattr(value, "as_e164"):
        return value.as_e164 if value.is_valid() else str(value)
    if isinstance(value, ContactGroup):
        return value.pk
    return "" if value is None else value
