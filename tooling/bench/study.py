"""Study: two years of monthly study days per branch (plus the next three), with attendance."""

import datetime

from org.models import Bureau

from .base import Context, copy_rows, insert, raw_delete

MONTHS_BACK = 24
MONTHS_AHEAD = 3
THEMES = ["学习党的二十大精神", "学习党章", "重温入党誓词", "学习新修订的条例", "观看专题片", "形势政策报告"]


def present(bureau: Bureau) -> bool:
    from study.models import StudyActivity

    return StudyActivity.objects.filter(organiser__bureau=bureau).exists()


def seed(ctx: Context) -> None:
    from study.models import Attendance, StudyActivity, StudyPlan, StudyPlanMonth

    rng, today = ctx.rng, ctx.today
    days = [_study_day(today, offset) for offset in range(-MONTHS_BACK, MONTHS_AHEAD + 1)]
    activities = insert(
        StudyActivity,
        [
            StudyActivity(
                organiser_id=branch_id,
                kind=StudyActivity.Kind.MONTHLY,
                theme=rng.choice(THEMES),
                date=day,
                starts_at=datetime.time(9, 30),
                ends_at=datetime.time(11, 30),
                place="老干部活动中心",
                summary="学习讨论，大家踊跃发言。" if day < today else "",
            )
            for branch_id in ctx.branch_ids
            for day in days
        ],
    )
    through = StudyActivity.branches.through
    copy_rows(through, ["studyactivity_id", "branch_id"], ((a.pk, a.organiser_id) for a in activities))
    statuses = rng.choices(Attendance.Status.values, weights=[14, 1, 3, 2], k=len(ctx.members) * MONTHS_BACK)
    pairs = ((a, m) for a in activities if a.date < today for m in ctx.members_of(a.organiser_id) if m.active)
    copy_rows(
        Attendance,
        ["activity_id", "member_id", "status"],
        ((a.pk, m.id, statuses[i % len(statuses)]) for i, (a, m) in enumerate(pairs)),
    )
    plans = insert(StudyPlan, [StudyPlan(branch_id=b, year=today.year) for b in ctx.branch_ids])
    insert(
        StudyPlanMonth,
        [StudyPlanMonth(plan=p, month=m, theme=THEMES[m % len(THEMES)]) for p in plans for m in range(1, 13)],
    )


def _study_day(today: datetime.date, month_offset: int) -> datetime.date:
    """The second Tuesday of the month `month_offset` months from today's."""
    index = today.year * 12 + today.month - 1 + month_offset
    first = datetime.date(index // 12, index % 12 + 1, 1)
    return first + datetime.timedelta(days=(1 - first.weekday()) % 7 + 7)


def wipe(bureau: Bureau) -> None:
    from study.models import (
        Attendance,
        InterestGroup,
        StudyActivity,
        StudyMaterial,
        StudyPlan,
        StudyPlanMonth,
    )

    activities = StudyActivity.objects.filter(organiser__bureau=bureau)
    raw_delete(Attendance.objects.filter(activity__in=activities))
    raw_delete(StudyMaterial.objects.filter(activity__in=activities))
    raw_delete(StudyActivity.branches.through.objects.filter(branch__bureau=bureau))
    raw_delete(StudyActivity.branches.through.objects.filter(studyactivity__in=activities))
    raw_delete(activities)
    raw_delete(StudyPlanMonth.objects.filter(plan__branch__bureau=bureau))
    raw_delete(StudyPlan.objects.filter(branch__bureau=bureau))
    raw_delete(InterestGroup.members.through.objects.filter(interestgroup__branch__bureau=bureau))
    raw_delete(InterestGroup.objects.filter(branch__bureau=bureau))
