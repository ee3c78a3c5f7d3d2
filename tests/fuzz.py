"""Form fuzzing: hypothesis strategies for POST data, and the checks every fuzzed POST must pass.

Any input gives a page, never a 500; an invalid form re-renders with every error shown and writes
nothing; a valid one redirects and writes exactly what it should.
"""

import contextlib
import datetime
import string

from auditlog.models import LogEntry
from django.db import transaction
from django.utils.html import escape
from hypothesis import strategies as st

from members.models import CarePeriod, HealthRecord, Member
from notifications.models import Message, Notice
from visits.models import Concern, ConcernEvent, PlannedVisit, Visit

# Everything a member, visit or notice form could write, with its many-to-many tables.
WATCHED = {
    "member": Member,
    "health": HealthRecord,
    "care_period": CarePeriod,
    "visit": Visit,
    "visit_visitor": Visit.visitors.through,
    "planned_visit": PlannedVisit,
    "concern": Concern,
    "concern_event": ConcernEvent,
    "notice": Notice,
    "notice_group": Notice.groups.through,
    "notice_member": Notice.members.through,
    "message": Message,
    "log_entry": LogEntry,
}
MISSING = object()  # a field left out of the POST altogether
# Django's message for a NUL byte in any text field, as the portal's catalogue translates it.
NUL_REFUSED = "文字中含有看不见的控制字符（空字符），请删去后重试。"
HAN = "张王李赵刘陈杨黄周吴志远明华德桂兰秀英建国淑珍玉梅双庄爽"

hand_picked = st.sampled_from(
    [
        "\x00",
        "张\x00三",
        "👴🏻👵🏽‍🦳",
        "مرحبا بالعالم",  # right-to-left
        "\u202egnp.exe",  # right-to-left override
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "{姓名}{支部}",
        "{名字}",
        "\ufeff",
        "e\u0301",  # a combining accent
        "𠀀𪚥𰻞",  # beyond the Basic Multilingual Plane
        "\u200b",
        "\r\n\t",
        "   ",
    ]
)
huge_text = st.builds(
    lambda char, count: char * count,
    st.sampled_from(["双", "x", "👍", "{"]),
    st.sampled_from([51, 201, 10_000]),
)
weird_text = st.one_of(st.just(""), hand_picked, huge_text, st.text(max_size=40))
wrong_types = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from([2**63, 2**63 - 1, -(2**63) - 1]).map(str),  # just past (and at) a 64-bit id
    st.floats().map(str),
    st.sampled_from(["true", "None", "null", "[]", "{}", "1e309", "NaN", "-inf", "0x10", "１２３", "²"]),
)
odd_dates = st.one_of(
    st.dates().map(datetime.date.isoformat),  # years 1 to 9999
    st.sampled_from(["0000-01-01", "10000-01-01", "2026-02-30", "2026-13-01", "31/12/2026", "2026-1-1"]),
)
hostile = st.one_of(weird_text, wrong_types, odd_dates)


def any_value(plausible: st.SearchStrategy) -> st.SearchStrategy:
    """A field's value: plausible, hostile, repeated (a list of either) or missing."""
    one = st.one_of(plausible, hostile)
    return st.one_of(one, st.lists(one, min_size=2, max_size=3), st.just(MISSING))


def posts(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy[dict]:
    """POST data with every field fuzzed by `any_value` (missing ones left out)."""
    fuzzed = st.fixed_dictionaries({name: any_value(strategy) for name, strategy in fields.items()})
    return fuzzed.map(lambda data: {name: value for name, value in data.items() if value is not MISSING})


def plain_text(*, min_size: int = 0, max_size: int) -> st.SearchStrategy[str]:
    """Text a person would type: Chinese, letters, digits, punctuation, without surrounding blanks."""
    alphabet = HAN + string.ascii_letters + string.digits + "，。、；：（）-·"
    return st.text(alphabet=alphabet, min_size=min_size, max_size=max_size)


def mobile_numbers() -> st.SearchStrategy[str]:
    return st.builds(
        lambda prefix, rest: f"{prefix}{rest:08d}",
        st.sampled_from(["139", "138", "186"]),
        st.integers(0, 10**8 - 1),
    )


def iso(dates: st.SearchStrategy[datetime.date]) -> st.SearchStrategy[str]:
    return dates.map(datetime.date.isoformat)


@contextlib.contextmanager
def rolled_back():
    """A savepoint rolled back after each example. pytest-django's `db` fixture is set up once per test
    function, not once per hypothesis example, so this is what gives every example the same start
    (cheaper than hypothesis' own TestCase, which would rebuild the fixtures each time)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def rows() -> dict[str, dict]:
    """Every watched row by table and primary key, to compare before and after a POST."""
    return {
        name: {row["pk"]: row for row in model.objects.values("pk", *_columns(model))}
        for name, model in WATCHED.items()
    }


def _columns(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields if not field.primary_key]


def changes(before: dict, after: dict) -> dict[str, dict[str, set]]:
    """Per table, the primary keys of rows added, changed and removed; tables without change left out."""
    result = {}
    for name in WATCHED:
        old, new = before[name], after[name]
        added = new.keys() - old.keys()
        removed = old.keys() - new.keys()
        changed = {pk for pk in old.keys() & new.keys() if old[pk] != new[pk]}
        if added or removed or changed:
            result[name] = {"added": added, "changed": changed, "removed": removed}
    return result


def assert_errors_shown(response) -> None:
    """The form re-rendered (200) with errors, each of them on the page."""
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    assert form.errors, "the form re-rendered without saying what is wrong"
    page = response.content.decode()
    for field, messages in form.errors.items():
        if field in form.fields and form.fields[field].widget.is_hidden:
            # Hidden fields' errors cannot show beside them: the form must say so above.
            assert form.non_field_errors(), f"the error of hidden {field!r} is not on the page"
            continue
        for message in messages:
            assert escape(message) in page, f"the error of {field!r} is not on the page: {message}"


def post(client, url: str, data: dict):
    # Messages of an earlier example's redirect (kept in a cookie, never displayed) would show up here.
    client.cookies.pop("messages", None)
    return client.post(url, data)
