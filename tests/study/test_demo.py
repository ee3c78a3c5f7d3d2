import datetime

from members import demo as members_demo
from members.demo import NEIGHBOUR_BRANCH_NAME
from study import demo
from study.models import Attendance, InterestGroup, StudyActivity

TODAY = datetime.date(2026, 11, 25)


def test_demo_has_a_year_of_study_days_a_joint_activity_and_attendance(db):
    branch, _created = members_demo.seed(TODAY)
    demo.seed(branch, TODAY)

    monthly = StudyActivity.objects.filter(organiser=branch, kind="monthly").order_by("date")
    assert [d.date.month for d in monthly] == list(range(1, 13))
    assert all(d.date.year == 2026 and d.date.weekday() == 1 for d in monthly)
    past = [d for d in monthly if d.date < TODAY]
    assert past and all(d.summary for d in past)
    assert all(d.attendances.count() == branch.members.active().count() for d in past)
    assert not any(d.attendances.exists() for d in monthly if d.date >= TODAY)
    joint = StudyActivity.objects.filter(kind="joint").get()
    assert {b.name for b in joint.branches.all()} == {branch.name, NEIGHBOUR_BRANCH_NAME}
    assert joint.attendances.filter(member__branch__name=NEIGHBOUR_BRANCH_NAME).exists()
    group = InterestGroup.objects.get(branch=branch, name="理论学习兴趣小组")
    assert group.members.count() == 12 and group.activities.exists()
    assert Attendance.objects.filter(makeup_on__isnull=False).exists()
    assert Attendance.objects.filter(
        activity__kind="monthly", status__in=["leave", "absent"], makeup_on=None
    ).exists()
