"""What every section of the bench bureau shares: its name, its size, the bulk writer."""

import dataclasses
import datetime
import io
import random
from collections.abc import Iterable

from django.db import DatabaseError, connection, transaction
from django.db.models import DateTimeField
from django.utils import timezone

BUREAU_NAME = "性能基准局"
USERNAME_PREFIX = "bench-"
PASSWORD = "bench-pass-2026"
ADMIN_USERNAME = "bench-admin"
BATCH_SIZE = 5000


def committee_username(branch_number: int) -> str:
    """The committee member of branch `branch_number` (1-based) that the benchmark logs in as."""
    return f"{USERNAME_PREFIX}b{branch_number:04d}-committee"


@dataclasses.dataclass
class BenchMember:
    id: int
    branch_id: int
    group_id: int | None
    birth_date: datetime.date
    active: bool
    left_on: datetime.date | None = None  # deceased or transferred on
    categories: frozenset = frozenset()  # the stored care categories open now
    name: str = ""
    phone: str = ""

    @property
    def cared(self) -> bool:
        return bool(self.categories)


@dataclasses.dataclass
class Context:
    """The bench bureau as the sections after the roster see it, loaded from the database."""

    bureau_id: int
    branch_ids: list[int]
    members: list[BenchMember]
    # Branch id -> the users who lead its contact groups (committee first).
    leaders: dict[int, list[int]]
    # Contact group id -> (leader, deputy).
    group_leaders: dict[int, tuple[int, int | None]]
    today: datetime.date
    rng: random.Random

    def members_of(self, branch_id: int) -> list[BenchMember]:
        if not hasattr(self, "_by_branch"):
            self._by_branch: dict[int, list[BenchMember]] = {}
            for member in self.members:
                self._by_branch.setdefault(member.branch_id, []).append(member)
        return self._by_branch.get(branch_id, [])


def insert(model, objects: list) -> list:
    """bulk_create in batches; the primary keys come back on PostgreSQL and SQLite."""
    return model.objects.bulk_create(objects, batch_size=BATCH_SIZE)


def reserve_ids(model, count: int) -> range:
    """Primary keys for `count` rows about to be inserted with copy_rows, so children can refer to them.

    The seed is the only writer while it runs, so taking the sequence forward in one step is safe.
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [sequence])
            first = cursor.fetchone()[0]
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + max(count, 1) - 1])
        else:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(table)}")
            first = cursor.fetchone()[0]
    return range(first, first + count)


def copy_rows(model, fields: list[str], rows: Iterable[tuple]) -> int:
    """Inserts rows of `fields` (attnames) without building model instances: COPY on PostgreSQL.

    Fields left out get their model default (auto_now fields: now). No primary keys come back:
    for leaf rows (visits, attendance, messages) that nothing in the seed refers to.
    """
    constants = _omitted_fields(model, fields)
    columns = [*fields, *constants]
    tail = tuple(constants.values())
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(columns, (*row, *tail), strict=True))) for row in rows]
        return len(insert(model, objects))
    db_columns = [model._meta.get_field(name).column for name in columns]
    count = 0
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        for row in rows:
            buffer.write("\t".join(map(_copy_text, (*row, *tail))))
            buffer.write("\n")
            count += 1
            if count % 50_000 == 0:
                _flush(cursor, model, db_columns, buffer)
                buffer = io.StringIO()
        _flush(cursor, model, db_columns, buffer)
    return count


def _omitted_fields(model, fields: list[str]) -> dict:
    now = timezone.now()
    constants = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in fields:
            continue
        auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        if auto:
            constants[field.attname] = now if isinstance(field, DateTimeField) else now.date()
        else:
            constants[field.attname] = field.get_default()
    return constants


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _flush(cursor, model, db_columns: list[str], buffer: io.StringIO) -> None:
    buffer.seek(0)
    quoted = ", ".join(connection.ops.quote_name(c) for c in db_columns)
    table = connection.ops.quote_name(model._meta.db_table)
    cursor.cursor.copy_expert(f"COPY {table} ({quoted}) FROM STDIN", buffer)


def raw_delete(queryset) -> int:
    """DELETE without loading rows or sending signals (auditlog would log every one).

    Only for bench rows: callers delete children before parents themselves.
    """
    return queryset._raw_delete(queryset.db)


def analyze() -> None:
    """Fresh planner statistics: right after a bulk load PostgreSQL would plan with empty-table guesses."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def faster_writes() -> None:
    """Bulk-load settings for this transaction (PostgreSQL only).

    Seeding is repeatable, so a crash losing the last commit costs nothing. As a superuser
    (the bench database's owner) the foreign-key triggers are skipped, as pg_restore does:
    the seed only refers to rows it has just written, and tests/bench checks it on SQLite
    with foreign keys enforced. Without the right the checks simply run at commit.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            pass
