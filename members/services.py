"""Writes to members. Every change goes through here so derived fields and care periods stay true."""

import contextlib
import datetime

from auditlog.context import auditlog_value, set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from accounts.models import BranchRole, User
from accounts.permissions import CARERS, person

from .care_events import CareChange, announce
from .models import (
    CareCategory,
    CarePeriod,
    ContactGroup,
    FamilyProxy,
    HealthRecord,
    HealthRecordView,
    Member,
)
from .validators import text_errors, validate_birth_date

LIVING_CATEGORIES = {
    Member.LivingSituation.EMPTY_NEST: CareCategory.EMPTY_NEST,
    Member.LivingSituation.ALONE: CareCategory.ALONE,
    Member.LivingSituation.NO_FAMILY: CareCategory.NO_FAMILY,
}
CONDITION_CATEGORIES = {
    HealthRecord.Condition.POOR: CareCategory.FRAIL,
    HealthRecord.Condition.SERIOUSLY_ILL: CareCategory.SERIOUSLY_ILL,
    HealthRecord.Condition.HOSPITALISED: CareCategory.HOSPITALISED,
    HealthRecord.Condition.CRITICAL: CareCategory.CRITICAL,
}
FRAIL_MOBILITY = {HealthRecord.Mobility.HOUSEBOUND, HealthRecord.Mobility.BEDRIDDEN}


# Family names read differently from the same character in ordinary words (曾 zēng, not céng).
SURNAME_PINYIN = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "查": "zha",
    "朴": "piao",
    "仇": "qiu",
    "区": "ou",
    "乐": "yue",
    "覃": "qin",
    "翟": "zhai",
    "盖": "ge",
    "缪": "miao",
    "种": "chong",
    "柏": "bai",
    "员": "yun",
    "召": "shao",
    "秘": "bi",
    "繁": "po",
    "隗": "wei",
    "尉": "yu",
}


PINYIN_LENGTH = Member._meta.get_field("name_pinyin").max_length
INITIALS_LENGTH = Member._meta.get_field("name_initials").max_length


def name_pinyin(name: str) -> tuple[str, str]:
    """("zhang zhi yuan", "zzy") for 张志远: the sort key and the initials that search matches.

    Syllables are separated by a space so that 陈 (chen) sorts before 程 (cheng) whatever follows.
    """
    syllables = [s.lower() for s in lazy_pinyin(name.strip())]
    if syllables and name.strip()[:1] in SURNAME_PINYIN:
        syllables[0] = SURNAME_PINYIN[name.strip()[0]]
    # A long name spells out longer than its column (50 × 双 is 349 letters): a sort key may be cut.
    return " ".join(syllables)[:PINYIN_LENGTH], "".join(s[:1] for s in syllables)[:INITIALS_LENGTH]


def stored_categories(member: Member, health: HealthRecord | None) -> set[str]:
    """The stored care categories the member's living situation and health put them in."""
    categories = set()
    if member.living_situation in LIVING_CATEGORIES:
        categories.add(LIVING_CATEGORIES[member.living_situation])
    if health is not None:
        if health.condition in CONDITION_CATEGORIES:
            categories.add(CONDITION_CATEGORIES[health.condition])
        if health.mobility in FRAIL_MOBILITY:
            categories.add(CareCategory.FRAIL)
    if member.status != Member.Status.ACTIVE:
        categories.clear()
    return categories


def care_periods_sync(*, member: Member, on: datetime.date | None = None) -> set[str]:
    """Closes the care periods that no longer apply and opens new ones; returns the newly opened."""
    on = on or timezone.localdate()
    health = HealthRecord.objects.filter(member=member).first()
    wanted = stored_categories(member, health)
    open_periods = {p.category: p for p in CarePeriod.objects.filter(member=member, ended_on__isnull=True)}
    for category, period in open_periods.items():
        if category not in wanted:
            period.ended_on = max(on, period.started_on)
            period.save(update_fields=["ended_on"])
    opened = wanted - open_periods.keys()
    for category in opened:
        period = CarePeriod(member=member, category=category, started_on=on)
        period.full_clean()
        period.save()
    return opened


@contextlib.contextmanager
def history_actor(actor):
    """Records `actor` as the author of the history entries written inside (also outside a request,
    e.g. in a command), keeping the request's address; restores the outer context afterwards."""
    actor = person(actor)
    if actor is None:
        yield
        return
    outer = auditlog_value.get(None) or {}
    token = auditlog_value.set({})
    try:
        with set_actor(actor, remote_addr=outer.get("remote_addr"), remote_port=outer.get("remote_port")):
            yield
    finally:
        auditlog_value.reset(token)


def _member_check(member: Member) -> None:
    """Rules beyond a single field: text without control characters, a birth date within a lifetime,
    the leaving date, and a contact group of the member's own branch."""
    fields = member._meta.concrete_fields
    errors = text_errors({field.name: getattr(member, field.attname) for field in fields})
    try:
        validate_birth_date(member.birth_date)
    except ValidationError as error:
        errors["birth_date"] = error
    if member.status != Member.Status.ACTIVE and not member.status_changed_on:
        errors["status_changed_on"] = _("Enter the date the member died or was transferred out.")
    if member.contact_group_id and member.contact_group.branch_id != member.branch_id:
        errors["contact_group"] = _("Choose a contact group of the member's own branch.")
    if errors:
        raise ValidationError(errors)


HEALTH_FIELDS = ("condition", "mobility", "health_note", "health_place")


@transaction.atomic
def member_create(*, actor, on: datetime.date | None = None, **fields) -> Member:
    """Creates a member with their health record and care periods; one already in hospital or
    critically ill is announced (care_events) like an admission."""
    health_fields = {k: fields.pop(k) for k in HEALTH_FIELDS if k in fields}
    member = Member(**fields)
    member.name_pinyin, member.name_initials = name_pinyin(member.name)
    _member_check(member)
    member.full_clean()
    with history_actor(actor):
        member.save()
        _health_save(member, health_fields)
        opened = care_periods_sync(member=member, on=on)
        _announce(actor, member, on, opened, status_before=member.status)
    return member


@transaction.atomic
def member_update(*, actor, member: Member, on: datetime.date | None = None, **fields) -> Member:
    """Updates the given fields (and health, when given) and keeps derived data in step:
    care periods open and close with the living situation, health and status. An admission, a
    critical illness, a death or a transfer is announced (care_events) in the same transaction."""
    health_fields = {k: fields.pop(k) for k in HEALTH_FIELDS if k in fields}
    # Read from the row, locked: the form has already put the new status on the instance, and two
    # people setting the same state at once must not both act on it.
    row = Member.objects.select_for_update().filter(pk=member.pk)
    status_before = row.values_list("status", flat=True).get()
    for name, value in fields.items():
        setattr(member, name, value)
    member.name_pinyin, member.name_initials = name_pinyin(member.name)
    _member_check(member)
    member.full_clean()
    with history_actor(actor):
        member.save(update_fields=[*fields, "name_pinyin", "name_initials", "updated_at"])
        if health_fields:
            _health_save(member, health_fields)
        opened = care_periods_sync(member=member, on=on)
        _announce(actor, member, on, opened, status_before=status_before)
    return member


@transaction.atomic
def health_record_update(
    *,
    actor,
    member: Member,
    condition: str,
    mobility: str,
    note: str,
    place: str = "",
    on: datetime.date | None = None,
) -> HealthRecord:
    """Changes the member's health record (made if missing) and the care periods that follow from it;
    an admission or a critical illness is announced (care_events) in the same transaction."""
    with history_actor(actor):
        fields = {"condition": condition, "mobility": mobility, "note": note, "place": place}
        health = _health_save(member, fields)
        opened = care_periods_sync(member=member, on=on)
        _announce(actor, member, on, opened, status_before=member.status)
    return health


def _announce(actor, member: Member, on, opened: set[str], *, status_before: str) -> None:
    on = on or timezone.localdate()
    announce(CareChange(member, actor, on, frozenset(opened), status_before, member.status))


def health_record_open(*, viewer, member: Member) -> HealthRecord | None:
    """The member's health record for display, logging the view (PIPL Art. 51); None if there is none."""
    health = HealthRecord.objects.filter(member=member).first()
    if health is not None:
        HealthRecordView.objects.create(member=member, viewer=viewer)
    return health


@transaction.atomic
def contact_group_update(
    *, actor, group: ContactGroup, name: str, leader, deputy=None, leader_away: bool = False
) -> ContactGroup:
    """Changes a group's name, leader, deputy and the leader-away flag; leaders are the branch's carers."""
    roles = BranchRole.objects.filter(branch_id=group.branch_id, role__in=CARERS)
    carers = set(roles.values_list("user_id", flat=True))
    errors = {}
    if leader is not None and leader.pk not in carers:
        errors["leader"] = _("The leader must be a committee member or the liaison officer of the branch.")
    if deputy is not None and deputy.pk not in carers:
        errors["deputy"] = _("The deputy must be a committee member or the liaison officer of the branch.")
    elif deputy is not None and leader is not None and deputy.pk == leader.pk:
        errors["deputy"] = _("The deputy must be someone other than the leader.")
    if leader_away and deputy is None:
        errors["leader_away"] = _("Name a deputy to cover while the leader is away.")
    errors.update(text_errors({"name": name}))
    if errors:
        raise ValidationError(errors)
    group.name, group.leader, group.deputy, group.leader_away = name, leader, deputy, leader_away
    group.full_clean()
    with history_actor(actor):
        group.save(update_fields=["name", "leader", "deputy", "leader_away"])
    return group


def _health_save(member: Member, health_fields: dict) -> HealthRecord:
    health, _ = HealthRecord.objects.get_or_create(member=member)
    if "health_note" in health_fields:
        health_fields["note"] = health_fields.pop("health_note")
    if "health_place" in health_fields:
        health_fields["place"] = health_fields.pop("health_place")
    errors = text_errors(health_fields)
    if errors:
        raise ValidationError(errors)
    changed = [name for name, value in health_fields.items() if getattr(health, name) != value]
    for name in changed:
        setattr(health, name, health_fields[name])
    if changed:
        health.full_clean()
        health.save(update_fields=[*changed, "updated_at"])
    return health


MAX_PROXIES = 2


def _passwordless_user(*, username: str, name: str, phone, branch_id: int, role: str) -> User:
    """A login that has no password (SMS code and personal links only) with one role in the branch."""
    user = User(username=username, last_name=name[:150], phone=phone)
    user.set_unusable_password()
    user.save()
    BranchRole.objects.create(user=user, branch_id=branch_id, role=role)
    return user


@transaction.atomic
def member_account_ensure(*, member: Member) -> User:
    """The member's login, created without a password when they have none yet (the SMS-code login and
    the personal link in a notice need one); the history records the link to it."""
    if member.user_id:
        return member.user
    user = _passwordless_user(
        username=f"member-{member.pk}",
        name=member.name,
        phone=member.phone,
        branch_id=member.branch_id,
        role=BranchRole.Role.MEMBER,
    )
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    return user


@transaction.atomic
def proxy_add(*, actor, member: Member, name: str, relation: str, phone, notices: str) -> FamilyProxy:
    """Names a family member (家属) who reads the portal for the member; at most two per member.

    They get a login of their own, without a password (they log in by SMS code); the member's history
    records who added them.
    """
    Member.objects.select_for_update().filter(pk=member.pk).first()  # one addition at a time per member
    taken = set(member.proxies.values_list("slot", flat=True))
    free = [slot for slot in range(1, MAX_PROXIES + 1) if slot not in taken]
    if not free:
        raise ValidationError(_("A member can name at most two family members."))
    proxy = FamilyProxy(
        member=member, slot=free[0], name=name, relation=relation, phone=phone, notices=notices
    )
    proxy.full_clean()
    with history_actor(actor):
        proxy.save()
        proxy.user = _passwordless_user(
            username=f"proxy-{proxy.pk}",
            name=name,
            phone=phone,
            branch_id=member.branch_id,
            role=BranchRole.Role.PROXY,
        )
        proxy.save(update_fields=["user"])
    return proxy


@transaction.atomic
def proxy_remove(*, actor, proxy: FamilyProxy) -> None:
    """Removes a family member: their login ends with them (recorded in the member's history)."""
    user = proxy.user
    with history_actor(actor):
        proxy.delete()
    if user is not None:
        user.delete()


def login_account_for_phone(*, phone: str) -> User | None:
    """The one active login a mobile number (E.164) opens with an SMS code: a family proxy's, an active
    member's (created on first use) or a user's own; None when it is nobody's, or several people's."""
    proxies = FamilyProxy.objects.filter(phone=phone, user__is_active=True).values_list("user_id", flat=True)
    members = list(Member.objects.active().filter(phone=phone))
    users = list(User.objects.filter(phone=phone, is_active=True).values_list("pk", flat=True))
    owners = set(proxies) | set(users) | {m.user_id or ("member", m.pk) for m in members}
    if len(owners) != 1:
        return None
    if members and not members[0].user_id:
        return member_account_ensure(member=members[0])
    user = User.objects.get(pk=owners.pop())
    return user if user.is_active else None
