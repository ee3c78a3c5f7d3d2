"""One way to write dates, times, amounts and phones in each language (templatetags/portal_format.py)."""

import datetime
import pathlib
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation
from phonenumber_field.phonenumber import PhoneNumber

TODAY = datetime.date(2026, 12, 6)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: TODAY)


def render(text: str, language: str, **context) -> str:
    with translation.override(language):
        return Template(text).render(Context(context))


@pytest.mark.parametrize(
    ("language", "this_year", "next_year"),
    [("zh-hans", "12月10日", "2027年1月1日"), ("en", "10 December", "1 January 2027")],
)
def test_a_day_has_its_year_only_outside_this_year(language, this_year, next_year):
    out = render(
        "{{ a|day }}|{{ b|day }}", language, a=datetime.date(2026, 12, 10), b=datetime.date(2027, 1, 1)
    )
    assert out == f"{this_year}|{next_year}"


@pytest.mark.parametrize(
    ("language", "morning", "afternoon"),
    [("zh-hans", "上午9:00", "下午3:30"), ("en", "9:00 a.m.", "3:30 p.m.")],
)
def test_times_of_day(language, morning, afternoon):
    out = render("{{ a|clock }}|{{ b|clock }}", language, a=datetime.time(9, 0), b=datetime.time(15, 30))
    assert out == f"{morning}|{afternoon}"


def test_a_moment_is_shown_in_beijing_time():
    utc = datetime.datetime(2026, 12, 10, 1, 0, tzinfo=datetime.UTC)  # 9:00 in Beijing
    assert render("{{ at|moment }}", "zh-hans", at=utc) == "12月10日 上午9:00"
    assert render("{{ at|moment }}", "en", at=utc) == "10 December 9:00 a.m."


def test_a_day_and_a_month_of_an_aware_time_are_those_of_beijing():
    new_year = datetime.datetime(2026, 12, 31, 17, 0, tzinfo=datetime.UTC)  # 1:00 on 1 January in Beijing
    assert render("{{ at|day }}|{{ at|month }}", "zh-hans", at=new_year) == "2027年1月1日|2027年1月"


@pytest.mark.parametrize(
    ("language", "run", "one"),
    [("zh-hans", "2025年3月–2025年5月", "2025年6月"), ("en", "March 2025–May 2025", "June 2025")],
)
def test_a_run_of_months_names_its_first_and_last_or_its_one_month(language, run, one):
    march, may, june = datetime.date(2025, 3, 1), datetime.date(2025, 5, 1), datetime.date(2025, 6, 1)
    out = render("{{ a|months:b }}|{{ c|months:c }}", language, a=march, b=may, c=june)
    assert out == f"{run}|{one}"
    assert out == render("{{ a|month }}–{{ b|month }}|{{ c|month }}", language, a=march, b=may, c=june)


def test_a_weekday_reads_as_djangos_date_l_in_beijing():
    thursday = datetime.date(2026, 12, 10)
    late_on_sunday_utc = datetime.datetime(2026, 12, 6, 17, 0, tzinfo=datetime.UTC)  # Monday in Beijing
    assert (
        render("{{ a|weekday }}|{{ b|weekday }}", "zh-hans", a=thursday, b=late_on_sunday_utc)
        == "星期四|星期一"
    )
    assert render("{{ a|weekday }}|{{ a|date:'l' }}", "en", a=thursday) == "Thursday|Thursday"


def test_months():
    assert render("{{ m|month }}", "zh-hans", m=datetime.date(2026, 12, 1)) == "2026年12月"
    assert render("{{ m|month }}", "en", m=datetime.date(2026, 12, 1)) == "December 2026"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_amounts_have_thousands_separators_and_never_break(language):
    out = render("{{ a|yuan }}", language, a=Decimal("15959.6"))
    assert out == '<span class="text-nowrap">15,959.60</span>'
    assert (
        render("{{ a|yuan }}", language, a="not an amount") == render("{{ a|yuan }}", language, a="NaN") == ""
    )


@pytest.mark.parametrize(
    "number",
    ["+8613964581758", "13964581758", PhoneNumber.from_string("13964581758", region="CN")],
)
def test_mobiles_are_written_in_groups_of_three_four_four(number):
    assert render("{{ n|phone }}", "zh-hans", n=number) == "139 6458 1758"


def test_a_landline_keeps_its_area_code_and_anything_else_shows_as_entered():
    assert render("{{ n|phone }}", "en", n="01065123456") == "010 6512 3456"
    assert render("{{ n|phone }}", "en", n="ask the son") == "ask the son"
    assert render("{{ n|phone }}|{{ e|day }}|{{ e|yuan }}", "en", n="", e=None) == "||"


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "组长：赵敏（书记）；"), ("en", "Leader: 赵敏 (secretary); ")]
)
def test_punctuation_follows_the_language(language, expected):
    text = '{% translate "Leader" %}{% colon %}{{ name }}{{ role|paren }}{% semicolon %}{{ empty|paren }}'
    out = render(
        "{% load i18n %}" + text,
        language,
        name="赵敏",
        role="书记" if language != "en" else "secretary",
        empty="",
    )
    assert out == expected


def test_a_phone_links_to_dial_it_written_as_people_write_it():
    stored = PhoneNumber.from_string("+8613964581758", region="CN")
    link = '<a href="tel:+8613964581758">139 6458 1758</a>'
    assert render("{{ p|tel }}", "zh-hans", p=stored) == render("{{ p|tel }}", "en", p="13964581758") == link
    assert render("{{ p|tel }}", "zh-hans", p="12345") == '<a href="tel:+8612345">12345</a>'
    assert render("{{ p|tel }}|{{ q|tel }}|{{ r|tel }}", "zh-hans", p="", q=None, r="<b>") == "||&lt;b&gt;"


def test_templates_write_a_weekday_one_way():
    """|weekday, not Django's date:"l", which builds a DateFormat for each value it writes."""
    templates = pathlib.Path(settings.BASE_DIR, "templates")
    written_by_django = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if re.search(r"""\|date:["']l["']""", path.read_text(encoding="utf-8"))
    ]
    assert written_by_django == []
