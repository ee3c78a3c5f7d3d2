"""The dashboard's figures query, compiled once per shape of user and day.

Building and compiling the one-row figures query (a scalar subquery per tile, `lib.figures`) took the
ORM longer than PostgreSQL takes to run it. Its SQL depends on the user only through their roles in
each branch, in branch order (the shape), and on the day; its parameters on the user's and branches'
ids and on the moment. So it is built for a stand-in of the same roles with sentinel ids, twice, with
other sentinels and another moment: a parameter equal in both builds is a constant of the shape and
day; one that is the same sentinel in both becomes the real id; a moment at the same offset from `now`
in both becomes that offset from the real `now`. Anything else, SQL that differs or a build that
queries, and the shape is built by the ORM on every request instead. Only SQL is kept, never results.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

from accounts.permissions import roles_by_branch, stand_in

logger = logging.getLogger(__name__)

# The user's sentinel id; a branch's is one more than the previous (ascending, as branch_ids sorts).
# No row has a negative id.
_SENTINELS = (-1_000_000, -2_000_000)
_MAX_SHAPES = 500
_ORM = "orm"  # the shape's figures are built by the ORM on each request

# build(user, today, now): a one-row values() queryset, or None when the user's page reads no figure.
Build = Callable[[object, datetime.date, datetime.datetime], QuerySet | None]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: list[tuple]  # ("value", v), ("id", k: 0 the user, 1 + i the i-th branch) or ("now", offset)
    names: list[str]
    converters: dict


_compiled: dict[tuple, _Compiled | str | None] = {}


def figures_row(user, today: datetime.date, now: datetime.datetime, build: Build) -> dict:
    """The row `build(user, today, now)` reads, as a dict; {} when it reads nothing."""
    roles = roles_by_branch(user)
    branches = sorted(roles)
    shape = (today, tuple(roles[b] for b in branches))
    if shape not in _compiled:
        if len(_compiled) >= _MAX_SHAPES or any(day != today for day, _roles in _compiled):
            _compiled.clear()
        _compiled[shape] = _compile(shape, now, build)
    compiled = _compiled[shape]
    if compiled is None:
        return {}
    if compiled == _ORM:
        return build(user, today, now).get()
    return _run(compiled, [user.pk, *branches], now)


def _compile(shape: tuple, now: datetime.datetime, build: Build) -> _Compiled | str | None:
    today, roles = shape
    builds = []
    for n, base in enumerate(_SENTINELS):
        moment = now - datetime.timedelta(hours=n)
        user = stand_in(base, {base + 1 + i: held for i, held in enumerate(roles)})
        try:
            with connection.execute_wrapper(_refuse_queries):
                queryset = build(user, today, moment)
        except _BuildQueried:
            logger.warning("The figures build queried the database: built by the ORM for %s", _named(shape))
            return _ORM
        if queryset is None:
            return None
        compiler = queryset.query.get_compiler(connection=connection)
        builds.append((compiler, *compiler.as_sql(), moment))
    (compiler, sql, params, moment), (_compiler, other_sql, other_params, other_moment) = builds
    slots = [_slot(a, b, moment, other_moment) for a, b in zip(params, other_params, strict=False)]
    if sql != other_sql or len(params) != len(other_params) or None in slots:
        logger.warning(
            "The figures SQL varies with more than ids and now: built by the ORM for %s", _named(shape)
        )
        return _ORM
    query = compiler.query
    return _Compiled(
        sql=sql,
        params=slots,
        names=[*query.extra_select, *query.values_select, *query.annotation_select],
        converters=compiler.get_converters([column for column, _sql, _alias in compiler.select]),
    )


def _named(shape: tuple) -> str:
    today, roles = shape
    return f"{today}, roles {sorted(set().union(*roles))} in {len(roles)} branches"


def _slot(a, b, moment: datetime.datetime, other_moment: datetime.datetime) -> tuple | None:
    """What a parameter of the first build (a) and the second (b) stands for; None if not understood."""
    if type(a) is type(b) and a == b:
        return ("value", a)
    if type(a) is int and type(b) is int and a - _SENTINELS[0] == b - _SENTINELS[1]:
        if 0 <= a - _SENTINELS[0] < _SENTINELS[0] - _SENTINELS[1]:
            return ("id", a - _SENTINELS[0])
    moments = isinstance(a, datetime.datetime) and isinstance(b, datetime.datetime)
    if moments and a - moment == b - other_moment:
        return ("now", a - moment)
    return None


def _run(compiled: _Compiled, ids: list[int], now: datetime.datetime) -> dict:
    substitute = {"value": lambda v: v, "id": lambda k: ids[k], "now": lambda offset: now + offset}
    params = [substitute[kind](value) for kind, value in compiled.params]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        row = list(cursor.fetchone())
    for position, (converters, expression) in compiled.converters.items():
        for convert in converters:
            row[position] = convert(row[position], expression, connection)
    return dict(zip(compiled.names, row, strict=True))


class _BuildQueried(Exception):
    pass


def _refuse_queries(execute, sql, params, many, context):
    raise _BuildQueried
