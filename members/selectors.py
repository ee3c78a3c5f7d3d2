"""Reads of members, each scoped to what the user may see."""

import datetime
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, Exists, Prefetch, Q
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import CARERS, branch_ids
from org.models import Branch

from .models import (
    CareCategory,
    CarePeriod,
    ContactGroup,
    FamilyProxy,
    HealthRecord,
    HealthRecordView,
    Member,
)

HISTORY_LIMIT = 50


def current_care_prefetch(on: datetime.date | None = None) -> Prefetch:
    """Today's care periods as `member.current_care`, which `Member.care_badges` reads."""
    return Prefetch("care_periods", queryset=CarePeriod.objects.current(on), to_attr="current_care")


def reader_member(user) -> Member | None:
    """The member whose portal the user reads: their own Member row, or the member a family proxy
    stands for; None for anyone else. Read once per request (kept on the user object).

    Every "my own" page (the member's home, own page, dues, attendance, notices) asks this, so a
    proxy sees exactly what the member sees.
    """
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_reader_member"):
        user._reader_member = (
            _readable(user).select_related("branch", "contact_group__leader", "contact_group__deputy").first()
        )
    return user._reader_member


def _readable(user):
    # A UNION of two index lookups. `user = … OR proxies.user = …` across the join read every member
    # (5.8 ms a page at 10,000 members, on every page a member or a carer opens).
    own = Member.objects.filter(user=user).values("pk").order_by()
    stood_for = FamilyProxy.objects.filter(user=user).values("member_id").order_by()
    return Member.objects.filter(pk__in=own.union(stood_for))


def reader_member_ids(user):
    """The reader member's id, to filter with (`member__in=`): a list once reader_member() has read
    the row, else a subquery, which costs the page no query of its own."""
    if hasattr(user, "_reader_member"):
        return [user._reader_member.pk] if user._reader_member is not None else []
    if not user.is_authenticated:
        return []
    return _readable(user).values("pk")


def reader_member_column(user) -> Q:
    """Whether the user reads as a member, as a column of another query, so that a page already reading
    one row of figures learns it for nothing (`reader_member_absent`). Two EXISTS on the unique user
    columns: the join of `_readable` under an OR made PostgreSQL read every member (~5 ms)."""
    return Exists(Member.objects.filter(user=user)) | Exists(FamilyProxy.objects.filter(user=user))


def reader_member_absent(user) -> None:
    """Records that the user reads as no member (a reader_member_column came back false): reader_member
    then answers None without its query."""
    user._reader_member = None


def proxy_of(user) -> FamilyProxy | None:
    """The user's family-proxy row when they are one (for the header's "代…查看"), else None."""
    if not user.is_authenticated:
        return None
    return FamilyProxy.objects.filter(user=user).select_related("member").first()


def member_get_for_user(user, pk: int) -> Member:
    """The member if the user may see them (carers of the branch, or the member themself); else 404."""
    return get_object_or_404(
        _visible_members(user).select_related("branch", "contact_group__leader", "contact_group__deputy"),
        pk=pk,
    )


def member_row_for_user(user, pk: int) -> Member:
    """The member's own row, without the branch and contact group the detail page shows (the page's
    sections, which other apps add); 404 as member_get_for_user."""
    return get_object_or_404(_visible_members(user), pk=pk)


def _visible_members(user):
    roster = Q(branch_id__in=branch_ids(user, "view_roster"))
    return Member.objects.filter(Q(pk__in=reader_member_ids(user)) | roster)


def member_get_for_health(user, pk: int) -> Member:
    """The member if the user may open their health record (view_roster in their branch: carers and
    the bureau, not the member themself); else 404."""
    return get_object_or_404(Member.objects.in_branches(branch_ids(user, "view_roster")), pk=pk)


def proxy_get_for_editing(user, pk: int) -> FamilyProxy:
    """A family proxy of a member the user may edit; else 404."""
    editable = FamilyProxy.objects.filter(member__branch_id__in=branch_ids(user, "edit_members"))
    return get_object_or_404(editable.select_related("member", "user"), pk=pk)


def member_get_for_editing(user, pk: int) -> Member:
    """The member if the user may edit members of their branch; else 404."""
    editable = Member.objects.in_branches(branch_ids(user, "edit_members")).select_related("contact_group")
    return get_object_or_404(editable, pk=pk)


MEMBER_LIST_SHOWN = ["name", "status", "birth_date", "contact_group__name"]


def member_list(*, user, on: datetime.date | None = None):
    """Members of the user's roster branches, with group and today's care periods preloaded, and the
    mobile phone as stored (`phone_text`), which |tel writes as the member's PhoneNumber would be.

    Only the columns the list shows are read (a member row carries addresses, notes and more), and
    the phone as text: a PhoneNumber field parses each row's number as it is read (~1 ms a page).
    """
    return (
        Member.objects.in_branches(branch_ids(user, "view_roster"))
        .select_related("contact_group")
        .only(*MEMBER_LIST_SHOWN)
        .annotate(phone_text=Cast("phone", CharField()))
        .prefetch_related(current_care_prefetch(on))
    )


def roster_branch_in_view(user, requested) -> int | None:
    """The one roster branch asked for, if the user may see it; None means all of the user's branches."""
    try:
        requested = int(requested)
    except (TypeError, ValueError):
        return None
    return requested if requested in branch_ids(user, "view_roster") else None


def _roster_branch_ids(user, branch_id: int | None) -> list[int]:
    return [branch_id] if branch_id is not None else branch_ids(user, "view_roster")


def districts(*, user, branch_id: int | None = None) -> list[str]:
    """The districts the user's roster members live in (of one branch if given), for the list filter."""
    rows = (
        Member.objects.in_branches(_roster_branch_ids(user, branch_id))
        .exclude(district="")
        .order_by("district")
        .values_list("district", flat=True)
        .distinct()
    )
    return list(rows)


def contact_group_choices(*, user, branch_id: int | None = None):
    """The contact groups a list filter offers: of one branch if given, else of all roster branches.

    Only what the option shows is read: a bureau's 1,200 groups with their leaders cost ~0.1 s.
    """
    groups = ContactGroup.objects.filter(branch_id__in=_roster_branch_ids(user, branch_id))
    return groups.only("id", "branch_id", "number", "name")


def contact_groups(*, user, capability: str = "view_roster"):
    """The contact groups of the branches where the user holds the capability."""
    return ContactGroup.objects.filter(branch_id__in=branch_ids(user, capability)).select_related(
        "branch", "leader", "deputy"
    )


def contact_group_get_for_editing(user, pk: int) -> ContactGroup:
    return get_object_or_404(contact_groups(user=user, capability="edit_members"), pk=pk)


def group_leader_candidates(branch_id: int):
    """Users who may lead a group of the branch: its committee members and liaison officer."""
    return (
        User.objects.filter(branch_roles__branch_id=branch_id, branch_roles__role__in=CARERS)
        .distinct()
        .order_by("last_name", "first_name")
    )


@dataclass
class CareLine:
    label: str
    since: datetime.date
    until: datetime.date | None = None
    computed: bool = False


def member_care_periods(member: Member) -> list[CarePeriod]:
    """Every care period of the member, read once for both the care lines and the history."""
    return list(CarePeriod.objects.filter(member=member).order_by("ended_on", "-started_on"))


def member_care_lines(
    member: Member, on: datetime.date | None = None, *, periods: list[CarePeriod] | None = None
) -> list[CareLine]:
    """Every care category the member is or was in, current first; 高龄 computed from the birth date."""
    on = on or timezone.localdate()
    lines = []
    if member.age_on(on) >= 80:
        lines.append(CareLine(CareCategory.ELDERLY.label, member.elderly_since, computed=True))
    for period in member_care_periods(member) if periods is None else periods:
        until = period.ended_on if period.ended_on and period.ended_on <= on else None
        lines.append(CareLine(period.get_category_display(), period.started_on, until))
    # Current ones (no end) first, then the ended ones, latest first.
    return sorted(lines, key=lambda line: (line.until is not None, -(line.until or line.since).toordinal()))


def health_views(member: Member, limit: int = 10) -> list[HealthRecordView]:
    """The latest views of the member's health record: who opened it, when."""
    return list(HealthRecordView.objects.filter(member=member).select_related("viewer")[:limit])


@dataclass
class HistoryChange:
    field: str
    old: str | None = None
    new: str | None = None
    masked: bool = False


@dataclass
class HistoryEntry:
    when: datetime.datetime
    actor: User | None
    subject: str
    action: str
    changes: list[HistoryChange] = field(default_factory=list)


def member_history(
    member: Member,
    limit: int = HISTORY_LIMIT,
    *,
    health: HealthRecord | None = None,
    periods: list[CarePeriod] | None = None,
) -> list[HistoryEntry]:
    """Who changed which field of the member, their health record or care periods, and when.

    Health values are never shown: their entries say only which field changed. The detail page
    passes the health record and care periods it has already read; without them they are read here.
    """
    types = ContentType.objects.get_for_models(Member, HealthRecord, CarePeriod, FamilyProxy)
    if health is None:
        health = HealthRecord.objects.filter(member=member).first()
    health_ids = [str(health.pk)] if health is not None else []
    period_ids = [str(period.pk) for period in (member_care_periods(member) if periods is None else periods)]
    entries = (
        LogEntry.objects.filter(
            Q(content_type=types[Member], object_pk=str(member.pk))
            | Q(content_type=types[HealthRecord], object_pk__in=health_ids)
            | Q(content_type=types[CarePeriod], object_pk__in=period_ids)
            # Family proxies, found by the member they stood for even after they were removed.
            | Q(content_type=types[FamilyProxy], additional_data__member_id=member.pk)
        )
        .select_related("actor")
        .order_by("-timestamp", "-pk")[:limit]
    )
    models_by_type = {ct.pk: model for model, ct in types.items()}
    entries = list(entries)
    related = _related_names(entries, models_by_type)
    return [_history_entry(entry, models_by_type[entry.content_type_id], related) for entry in entries]


ACTIONS = {
    LogEntry.Action.CREATE: "created",
    LogEntry.Action.UPDATE: "changed",
    LogEntry.Action.DELETE: "deleted",
}
SKIPPED_FIELDS = {"id", "member", "name_pinyin", "name_initials", "created_at", "updated_at"}


def _history_entry(entry: LogEntry, model, related: dict) -> HistoryEntry:
    subjects = {
        Member: _("Profile"),
        HealthRecord: _("Health record"),
        CarePeriod: _("Care category"),
        FamilyProxy: _("Family proxy"),
    }
    actions = {"created": _("created"), "changed": _("changed"), "deleted": _("deleted")}
    subject = subjects[model]
    if model is CarePeriod:
        subject = f"{subject}: {entry.object_repr.split(' · ')[-1]}"
    changes = []
    # A creation lists no fields: the profile above shows what it holds now.
    shown = entry.changes_dict if entry.action == LogEntry.Action.UPDATE else {}
    for name, values in (shown or {}).items():
        model_field = _shown_field(model, name)
        if model_field is None:
            continue
        label = str(model_field.verbose_name)
        if model is HealthRecord:
            changes.append(HistoryChange(label, masked=True))
        else:
            old, new = (_display(model_field, value, related) for value in values[:2])
            changes.append(HistoryChange(label, old, new))
    action = actions[ACTIONS.get(entry.action, "changed")]
    return HistoryEntry(entry.timestamp, entry.actor, subject, action, changes)


def _shown_field(model, name: str):
    """The model field a history change names, if it is one people should see."""
    if name in SKIPPED_FIELDS:
        return None
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return model_field if model_field.concrete else None


def _related_names(entries: list[LogEntry], models_by_type: dict) -> dict:
    """(related model, pk) → name for every foreign key the entries mention, one query per model."""
    wanted: dict = {}
    for entry in entries:
        if entry.action != LogEntry.Action.UPDATE:
            continue
        model = models_by_type[entry.content_type_id]
        for name, values in (entry.changes_dict or {}).items():
            model_field = _shown_field(model, name)
            if model_field is not None and model_field.is_relation:
                ids = {v for v in values[:2] if v not in (None, "None", "")}
                wanted.setdefault(model_field.related_model, set()).update(ids)
    related = {}
    for related_model, ids in wanted.items():
        for obj in related_model._base_manager.filter(pk__in=ids):
            related[(related_model, str(obj.pk))] = str(obj)
    return related


def _display(model_field, value, related: dict) -> str:
    if value in (None, "None", ""):
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        return related.get((model_field.related_model, str(value)), str(value))
    if model_field.get_internal_type() == "BooleanField":
        return _("yes") if value == "True" else _("no")
    return str(value)


@dataclass
class GroupCard:
    group: ContactGroup
    members: list[Member] = field(default_factory=list)


@dataclass
class BranchMap:
    branch: Branch
    groups: list[GroupCard] = field(default_factory=list)
    ungrouped: list[Member] = field(default_factory=list)

    @property
    def leaders_without_phone(self) -> list[ContactGroup]:
        return [card.group for card in self.groups if not card.group.leader.phone]

    @property
    def member_count(self) -> int:
        return sum(len(card.members) for card in self.groups) + len(self.ungrouped)


def contact_map_branch_id(*, user, requested) -> int | None:
    """The one branch whose map to draw: the requested one if the user may see it, else their first.

    A bureau user reads hundreds of branches; one map at a time keeps the page readable and fast.
    """
    ids = branch_ids(user, "view_roster")
    try:
        requested = int(requested)
    except (TypeError, ValueError):
        requested = None
    if requested in ids:
        return requested
    return ids[0] if ids else None


# What the map and its workbook read of a member. A full row would also parse the other phone
# numbers (phonenumbers, tens of µs each) for every member of the branch.
CONTACT_MAP_SHOWN = ["branch_id", "contact_group_id", "name", "birth_date", "phone", "phone_alt", "district"]


def contact_map(*, user, branch_id: int | None, on: datetime.date | None = None) -> list[BranchMap]:
    """The contact map of one branch whose roster the user may see: groups with their active members.

    A constant number of queries whatever the size: branches, groups, members, care periods.
    """
    ids = [branch_id] if branch_id in branch_ids(user, "view_roster") else []
    maps = {branch.pk: BranchMap(branch) for branch in Branch.objects.filter(pk__in=ids)}
    cards = {}
    for group in ContactGroup.objects.filter(branch_id__in=ids).select_related("leader", "deputy"):
        cards[group.pk] = GroupCard(group)
        maps[group.branch_id].groups.append(cards[group.pk])
    members = (
        Member.objects.in_branches(ids)
        .active()
        .only(*CONTACT_MAP_SHOWN)
        .prefetch_related(current_care_prefetch(on))
    )
    for member in members:
        if member.contact_group_id in cards:
            cards[member.contact_group_id].members.append(member)
        else:
            maps[member.branch_id].ungrouped.append(member)
    return list(maps.values())


def own_contact_groups(*, user) -> list[ContactGroup]:
    """The groups of the user's own Member rows outside their roster branches: a member sees only these."""
    rows = (
        Member.objects.filter(user=user, contact_group__isnull=False)
        .exclude(branch_id__in=branch_ids(user, "view_roster"))
        .select_related("contact_group__leader", "contact_group__deputy")
    )
    return [row.contact_group for row in rows]
