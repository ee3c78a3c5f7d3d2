"""The annual report told in sentences a secretary reads out to the all-member meeting, with the figures.

The page, the Word document and the workbook all take their sentences from here, so they say the same.
`names` is the committee's copy: only it names the members who owe dues; the version read to all members
gives their number and what they owe, nothing more.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from study.models import MEETING_KINDS, StudyActivity

from .report import AnnualReport, Celebration, YearWork


@dataclass
class Story:
    meetings: list[str] = field(default_factory=list)
    study: list[str] = field(default_factory=list)
    care: list[str] = field(default_factory=list)
    network: list[str] = field(default_factory=list)
    dues: list[str] = field(default_factory=list)
    arrears: list[str] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)


def story(report: AnnualReport, *, names: bool) -> Story:
    work = report.work
    return Story(
        meetings=_meetings(report.year, work),
        study=_study(work),
        care=_care(work),
        network=_network(work),
        dues=_dues(report),
        arrears=_arrears(report, names=names),
        plan=_plan(report),
    )


def day(value: datetime.date) -> str:
    """3月5日: the report's heading gives the year."""
    return date_format(value, "MONTH_DAY_FORMAT")


def yuan(amount: Decimal) -> str:
    return number_format(amount, 2, force_grouping=True)


def listing(items: list[str]) -> str:
    return pgettext("list separator", ", ").join(items)


def _times(label: str, count: int) -> str:
    """ "党课4次"; "once" in English, which no plural form of "times" gives."""
    if count == 1:
        return _("%(kind)s once") % {"kind": label}
    return ngettext("%(kind)s %(count)d time", "%(kind)s %(count)d times", count) % {
        "kind": label,
        "count": count,
    }


def _kinds_held(work: YearWork, kinds) -> list[str]:
    """ "支部党员大会4次" for each of the kinds held at least once, in the kinds' order."""
    return [_times(str(kind.label), work.held_by_kind[kind]) for kind in kinds if work.held_by_kind.get(kind)]


def _meetings(year: int, work: YearWork) -> list[str]:
    Kind = StudyActivity.Kind
    held = _kinds_held(work, [*MEETING_KINDS, Kind.MONTHLY])
    sentences = [
        _("In %(year)s the branch held %(list)s.") % {"year": year, "list": listing(held)}
        if held
        else _("In %(year)s the branch recorded no meetings.") % {"year": year}
    ]
    others = [kind for kind in Kind if kind not in (*MEETING_KINDS, Kind.MONTHLY, Kind.JOINT)]
    if activities := _kinds_held(work, others):
        sentences.append(_("Besides, it organised %(list)s.") % {"list": listing(activities)})
    return sentences


def _study(work: YearWork) -> list[str]:
    sentences = [
        _(
            "The branch held %(days)d monthly study days (%(all)d study activities in all); "
            "on average %(rate)d %% of the members recorded took part."
        )
        % {"days": work.study_days_held, "all": work.activities_held, "rate": work.average_attendance}
    ]
    if work.joint:
        held = [_("%(day)s “%(theme)s”") % {"day": day(a.date), "theme": a.theme} for a in work.joint]
        sentences.append(
            ngettext(
                "With other branches it held %(count)d joint activity: %(list)s.",
                "With other branches it held %(count)d joint activities: %(list)s.",
                len(held),
            )
            % {"count": len(held), "list": pgettext("punctuation between list items", "; ").join(held)}
        )
    if work.contributions:
        sentences.append(_contributions(work))
    return sentences


def _contributions(work: YearWork) -> str:
    talks = sum(1 for c in work.contributions if c.kind == "talk")
    given = [_("%(author)s “%(title)s”") % {"author": c.author, "title": c.title} for c in work.contributions]
    return _("Members gave %(talks)d talks and wrote %(essays)d essays: %(list)s.") % {
        "talks": talks,
        "essays": len(work.contributions) - talks,
        "list": listing(given),
    }


def _care(work: YearWork) -> list[str]:
    by_kind = [_times(label, count) for label, count in work.visits_by_kind if count]
    sentences = [
        ngettext(
            "Committee members and the liaison officer made %(count)d visit to %(members)d members: "
            "%(list)s.",
            "Committee members and the liaison officer made %(count)d visits to %(members)d members: "
            "%(list)s.",
            work.visits_total,
        )
        % {"count": work.visits_total, "members": work.members_visited, "list": listing(by_kind)}
        if work.visits_total
        else _("No visits were recorded.")
    ]
    sentences += [_celebration(c) for c in work.celebrations]
    sentences.append(
        _(
            "Of %(raised)d concerns heard, %(answered)d were answered by the branch and %(escalated)d "
            "escalated to the bureau party committee."
        )
        % {
            "raised": work.concerns_raised,
            "answered": work.concerns_answered,
            "escalated": work.concerns_escalated,
        }
    )
    return sentences


def _celebration(celebration: Celebration) -> str:
    celebrated = [
        _("%(name)s (%(age)d)") % {"name": name, "age": age} for name, age in celebration.celebrated
    ]
    values = {
        "day": day(celebration.date),
        "place": celebration.place,
        "names": listing(celebrated) or _("its members"),
    }
    if not celebration.gifts:
        return (
            _("On %(day)s at %(place)s the branch held a collective birthday celebration for %(names)s.")
            % values
        )
    gifts = [
        _("%(item)s %(cost)s yuan") % {"item": item, "cost": yuan(cost)} for item, cost in celebration.gifts
    ]
    # One message, not two joined by a space: Chinese sentences follow one another without one.
    return _(
        "On %(day)s at %(place)s the branch held a collective birthday celebration for %(names)s. "
        "Gifts: %(gifts)s; %(total)s yuan in all."
    ) % {**values, "gifts": listing(gifts), "total": yuan(celebration.gifts_total)}


def _network(work: YearWork) -> list[str]:
    return [_("The branch issued %(count)d numbered notices.") % {"count": work.notices_issued}]


def _dues(report: AnnualReport) -> list[str]:
    account = report.account
    collected = _(
        "In %(year)s the branch collected %(collected)s yuan of party dues in %(count)d payments "
        "from %(members)d members, used %(used)s yuan and remitted %(remitted)s yuan to the higher "
        "Party organisation; the balance is %(balance)s yuan."
    ) % {
        "year": report.year,
        "collected": yuan(account.collected),
        "count": account.payment_count,
        "members": account.paying_members,
        "used": yuan(account.used),
        "remitted": yuan(account.remitted),
        "balance": yuan(account.balance),
    }
    count = len(report.expenditures)
    spent = (
        ngettext(
            "It made %(count)d payment out of the dues, %(amount)s yuan; it is listed below with "
            "who approved it.",
            "It made %(count)d payments out of the dues, %(amount)s yuan in all; each is listed below with "
            "who approved it.",
            count,
        )
        % {"count": count, "amount": yuan(account.spent)}
        if count
        else _("Nothing was spent out of the dues.")
    )
    return [collected, spent]


def _arrears(report: AnnualReport, *, names: bool) -> list[str]:
    as_of = day(report.as_of)
    if not report.arrears:
        return [_("On %(day)s every member had paid.") % {"day": as_of}]
    count = len(report.arrears)
    owed = ngettext(
        "On %(day)s %(count)d member owed %(months)d months' dues, %(amount)s yuan.",
        "On %(day)s %(count)d members owed %(months)d months' dues, %(amount)s yuan in all.",
        count,
    ) % {"day": as_of, "count": count, "months": report.arrears_months, "amount": yuan(report.arrears_total)}
    if names:
        return [owed, _("They are named below, in the committee's copy only.")]
    return [owed, _("The committee reminds each of them in person.")]


def _plan(report: AnnualReport) -> list[str]:
    if report.study_themes:
        return [_("The study plan for %(year)s gives each month its theme:") % {"year": report.plan_year}]
    return [_("The study plan for %(year)s has not been drawn up yet.") % {"year": report.plan_year}]
