"""The demo branch's year of study (DESIGN.md, "快乐学习"), in the branch's own words.

A monthly study day each month from the annual plan, a joint activity with the neighbour branch,
the theory-study interest group and its lecture, summaries and attendance with make-up study.
Called by `manage.py seed_demo`; deterministic (random.Random) and fast.
"""

import datetime
import random

from accounts.models import BranchRole
from accounts.permissions import SYSTEM
from members.demo import NEIGHBOUR_BRANCH_NAME
from members.models import Member
from org.models import Branch
from study import selectors, services
from study.models import Attendance, Contribution, StudyActivity

PLACE = "局老干部活动站三楼学习室"
THEMES = [
    "重温入党誓词，坚定理想信念",
    "新春座谈：畅谈身边事、心中情",
    "学习全国两会精神",
    "我与春天：把春天收藏在心，把芬芳逸向空间",
    "牢记“两个务必”，发扬艰苦奋斗的光荣传统",
    "讲好中国故事主题征文交流",
    "庆祝建党纪念日，学习习近平总书记重要讲话精神",
    "观看录像：老一辈革命家的初心",
    "《我所经历的改革和法制故事》宣讲",
    "重阳节：展示阳光心态，体验美好生活",
    "为党和人民的事业增添正能量",
    "支部年度工作报告、党费收缴使用情况和新一年工作计划",
]
SUMMARY = (
    "支部{count}名党员参加学习（其中线上{online}名）。围绕“{theme}”，大家联系身边事、心中情，"
    "畅所欲言、相互交流，在快乐中强化学习，在学习中强化理想信念教育。未能到会的同志由联络小组组长送去学习材料补学。"
)
LEAVE_REASONS = ["住院治疗", "身体不适", "外出探亲", "家中有事", "陪护老伴"]
MAKEUP_NOTES = ["联络员入户送学习材料补学", "电话交流补学", "联络小组组长上门补学"]
INTEREST_GROUP = "理论学习兴趣小组"


def seed(branch: Branch, today: datetime.date) -> None:
    """Builds the branch's study year around `today`: past days with attendance, coming ones planned."""
    rng = random.Random(516)
    secretary = _secretary(branch)
    members = list(Member.objects.active().in_branch(branch).select_related("health").order_by("pk"))
    neighbour = Branch.objects.filter(bureau_id=branch.bureau_id, name=NEIGHBOUR_BRANCH_NAME).first()
    plan = services.plan_save(
        actor=secretary, branch=branch, year=today.year, themes=dict(enumerate(THEMES, start=1)),
        week=2, weekday=1, starts_at=datetime.time(9, 30), ends_at=datetime.time(11, 30), place=PLACE,
    )  # fmt: skip
    for day in services.plan_generate(actor=secretary, plan=plan, today=today):
        if day.date < today:
            _hold(day, members, rng, today)
    joined = rng.sample(members, 12)
    group = services.interest_group_create(
        actor=secretary, branch=branch, name=INTEREST_GROUP, members=joined, organiser=joined[0],
        description="对政策理论有研究、感兴趣的党员自愿参加，就国际形势、国内经济等热点问题组织学习讨论。",
    )  # fmt: skip
    lecture = _activity(
        secretary, branch, [], today - datetime.timedelta(days=58), StudyActivity.Kind.INTEREST_GROUP,
        "我对当前几个热点问题的观察和认识", speaker="王雷保", interest_group=group,
    )  # fmt: skip
    _hold(lecture, list(group.members.all()), rng, today)
    if neighbour is not None:
        _joint(secretary, branch, neighbour, members, rng, today)
    quiz = _activity(secretary, branch, [], today - datetime.timedelta(days=16), StudyActivity.Kind.QUIZ,
                     "党章党规知识答题")  # fmt: skip
    _hold(quiz, members, rng, today)
    _meetings(secretary, branch, members, rng, today)


def _meetings(secretary, branch: Branch, members: list[Member], rng, today: datetime.date) -> None:
    """三会一课: a committee meeting with minutes and resolutions, an all-member meeting, a party lecture."""
    kind = StudyActivity.Kind
    committee = _activity(
        secretary, branch, [], today - datetime.timedelta(days=12), kind.COMMITTEE_MEETING,
        "研究走访慰问和下月学习安排", chair=str(secretary), recorder="张伟娟",
    )  # fmt: skip
    _hold(committee, list(selectors.attendees(committee, [branch.pk])), rng, today)
    services.minutes_record(
        actor=secretary, activity=committee, chair=str(secretary), recorder="张伟娟",
        items=[
            {"title": "节日走访慰问安排", "discussion": "各联络小组汇报高龄、住院、空巢党员情况。",
             "decision": "由5名支部委员和局联络员分组走访，病危的及时到医院或家中看望。"},
            {"title": "下月支部学习活动日", "discussion": "大家建议结合热点问题组织讨论。",
             "decision": "请理论学习兴趣小组做主题发言。"},
        ],
        resolutions=[
            {"text": "春节前走访慰问80岁以上和住院党员", "owner": secretary,
             "due_on": today + datetime.timedelta(days=20)},
            {"text": "通过短信平台发出学习活动日通知", "owner": secretary,
             "due_on": today + datetime.timedelta(days=5)},
        ],
    )  # fmt: skip
    general = _activity(
        secretary, branch, [], today - datetime.timedelta(days=70), kind.GENERAL_MEETING,
        "离休不离队，退休不退色：支部党员大会", chair=str(secretary), recorder="张伟娟",
    )  # fmt: skip
    _hold(general, members, rng, today)
    # The seed document's 宣讲 and 征文, read out at the all-member meeting.
    talker, writer = members[3], members[8]
    services.contribution_add(
        actor=secretary, activity=general, author=talker, kind=Contribution.Kind.TALK,
        title="我所经历的改革和法制故事",
        text="从当年参与起草地方法规，到如今社区里人人讲法守法，几十年的变化我都亲眼看见。",
    )  # fmt: skip
    services.contribution_add(
        actor=secretary, activity=general, author=writer, kind=Contribution.Kind.ESSAY,
        title="讲好中国故事：我家三代人的新生活",
        text="从住平房到住楼房，从写信到视频通话，我家三代人的日子一年比一年好。",
    )  # fmt: skip
    lecture = _activity(
        secretary, branch, [], today - datetime.timedelta(days=100), kind.PARTY_LECTURE,
        "牢记宗旨，发挥余热：书记讲党课", speaker=str(secretary),
    )  # fmt: skip
    _hold(lecture, members, rng, today)


def _joint(secretary, branch: Branch, neighbour: Branch, members: list[Member], rng, today) -> None:
    together = members + list(Member.objects.active().in_branch(neighbour).select_related("health"))
    songs = _activity(
        secretary, branch, [neighbour], today - datetime.timedelta(days=37), StudyActivity.Kind.JOINT,
        "红歌曼舞抒衷情，我们与党心连心", speaker="两支部文艺骨干",
        description="联合第18党支部开展庆祝活动：歌曲《大红枣儿甜又香》、《诗二首》朗诵、男生合唱、二胡独奏《浏阳河》。",
    )  # fmt: skip
    _hold(songs, together, rng, today)
    _activity(
        secretary, branch, [neighbour], today + datetime.timedelta(days=19), StudyActivity.Kind.LECTURE,
        "牢记“两个务必”专题党课（两支部联合举办）", speaker="局党委宣传教育处",
    )  # fmt: skip


def _activity(secretary, branch, others, day, kind, theme, **fields) -> StudyActivity:
    return services.activity_create(
        actor=secretary, organiser=branch, branches=others, kind=kind, theme=theme, date=day,
        starts_at=datetime.time(9, 30), ends_at=datetime.time(11, 0), place=PLACE, **fields,
    )  # fmt: skip


def _hold(activity: StudyActivity, members: list[Member], rng: random.Random, today: datetime.date) -> None:
    """Records everyone's attendance, some make-up study, and the summary written afterwards."""
    statuses = Attendance.Status
    counts = {status: 0 for status in statuses}
    for member in members:
        status = rng.choices(list(statuses), weights=[72, 8, 12, 8])[0]
        if getattr(getattr(member, "health", None), "condition", "") == "hospitalised":
            status = statuses.LEAVE
        reason = rng.choice(LEAVE_REASONS) if status == statuses.LEAVE else ""
        record = services.attendance_mark(
            actor=SYSTEM, activity=activity, member=member, status=status, reason=reason
        )
        counts[status] += 1
        made_up_on = activity.date + datetime.timedelta(days=rng.randint(3, 20))
        if activity.is_monthly and status in Attendance.MISSED and made_up_on < today and rng.random() < 0.6:
            services.attendance_record_makeup(
                actor=SYSTEM, attendance=record, on=made_up_on, note=rng.choice(MAKEUP_NOTES)
            )
    summary = SUMMARY.format(
        count=counts[statuses.PRESENT] + counts[statuses.ONLINE],
        online=counts[statuses.ONLINE],
        theme=activity.theme,
    )
    services.activity_update(actor=SYSTEM, activity=activity, summary=summary)
    services.material_add(
        actor=SYSTEM, activity=activity, kind="link", title="共产党员网学习资料", url="https://www.12371.cn/"
    )


def _secretary(branch: Branch):
    role = BranchRole.objects.filter(branch=branch, role=BranchRole.Role.SECRETARY).select_related("user")
    first = role.first()
    return first.user if first else None
