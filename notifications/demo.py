"""The demo branch's notices: a year of numbered issues (~20, as the branch sends) with their deliveries.

Called by `manage.py seed_demo` with the demo branch. Deterministic and fast: rows are
written in bulk, already delivered, so nothing is sent when the demo starts.
"""

import datetime
import random
import zoneinfo

from django.conf import settings

from members.models import Member
from org.models import Branch

from . import audience, calls, outbox, services
from .defaults import notice_templates_ensure
from .models import Call, Channel, Message, Notice, NoticeCategory

LOCAL = zoneinfo.ZoneInfo(settings.TIME_ZONE)
# (days before today, category, title, text, also to the branch WeChat group)
ISSUES = [
    (
        350,
        NoticeCategory.STUDY,
        "十二月学习安排",
        "{姓名}同志：{支部}12月学习日定于本周三上午9点，在"
        "老干部活动中心二楼学习党的二十届四中全会精神，请准时参加。",
        True,
    ),
    (
        330,
        NoticeCategory.WEATHER,
        "寒潮降温提醒",
        "{姓名}同志：明起寒潮来袭，气温下降8至10度，请注意防寒保暖，外出防滑。{支部}",
        False,
    ),
    (
        305,
        NoticeCategory.FESTIVAL,
        "元旦问候",
        "{姓名}同志：新年将至，{支部}向您和家人致以节日的问候，祝您新年快乐、身体健康！",
        True,
    ),
    (
        285,
        NoticeCategory.STUDY,
        "一月学习安排",
        "{姓名}同志：1月学习日改在周四上午9点，内容为支部年度工作总结，请准时参加。",
        True,
    ),
    (
        270,
        NoticeCategory.FESTIVAL,
        "春节慰问",
        "{姓名}同志：值此新春佳节，{支部}给您拜年了！祝您和家人春节愉快、阖家安康。",
        True,
    ),
    (
        255,
        NoticeCategory.FESTIVAL,
        "元宵节问候",
        "{姓名}同志：元宵佳节，{支部}祝您节日快乐、团团圆圆！",
        False,
    ),
    (
        240,
        NoticeCategory.STUDY,
        "三月学习安排",
        "{姓名}同志：3月学习日上午9点，学习全国两会精神，请准时参加。不能参加的请告知联络小组组长。",
        True,
    ),
    (
        215,
        NoticeCategory.ACTIVITY,
        "清明节祭扫活动",
        "{姓名}同志：{支部}将于清明节前组织赴烈士陵园祭扫，自愿参加，请于本周五前告知联络小组组长。",
        True,
    ),
    (
        200,
        NoticeCategory.STUDY,
        "四月学习安排",
        "{姓名}同志：4月学习日上午9点，与第18党支部联合学习，地点在局三楼会议室。",
        True,
    ),
    (
        180,
        NoticeCategory.WEATHER,
        "大风沙尘提醒",
        "{姓名}同志：明天有大风沙尘天气，请尽量减少外出，关好门窗。{支部}",
        False,
    ),
    (
        165,
        NoticeCategory.STUDY,
        "五月学习安排",
        "{姓名}同志：5月学习日上午9点，内容为重温入党誓词，请准时参加。",
        True,
    ),
    (
        150,
        NoticeCategory.FESTIVAL,
        "端午节问候",
        "{姓名}同志：端午安康！{支部}祝您和家人节日快乐。",
        False,
    ),
    (
        140,
        NoticeCategory.ACTIVITY,
        "七一主题党日活动",
        "{姓名}同志：{支部}定于6月28日上午举行庆祝建党主题党日活动，欢迎参加。",
        True,
    ),
    (
        120,
        NoticeCategory.WEATHER,
        "高温天气提醒",
        "{姓名}同志：近日持续高温，请避免中午外出，多喝水，注意防暑。{支部}",
        False,
    ),
    (
        100,
        NoticeCategory.STUDY,
        "暑期学习安排",
        "{姓名}同志：暑期学习讲座定于7月中旬上午9点举行，请准时参加。",
        True,
    ),
    (
        75,
        NoticeCategory.WEATHER,
        "暴雨预警",
        "{姓名}同志：今明两天有暴雨，请勿外出，注意居家安全。如有困难请联系联络小组组长。",
        False,
    ),
    (
        60,
        NoticeCategory.FESTIVAL,
        "中秋节问候",
        "{姓名}同志：中秋佳节，{支部}祝您和家人花好月圆、幸福安康！",
        True,
    ),
    (
        40,
        NoticeCategory.FESTIVAL,
        "重阳节慰问",
        "{姓名}同志：九九重阳，{支部}祝您健康长寿！慰问品将由联络小组组长送到府上。",
        True,
    ),
    (
        25,
        NoticeCategory.STUDY,
        "十一月学习安排",
        "{姓名}同志：11月学习日上午9点，学习贯彻党的二十届四中全会精神，请准时参加。",
        True,
    ),
    (
        8,
        NoticeCategory.OTHER,
        "体检通知",
        "{姓名}同志：年度体检安排在下周，具体时间由联络小组组长电话通知。",
        False,
    ),
]


def seed(branch: Branch, today: datetime.date) -> None:
    """Writes the year's issues with delivered messages, and one draft to try sending."""
    notice_templates_ensure()
    rng = random.Random(6)
    members = list(Member.objects.in_branch(branch).active().order_by("name_pinyin", "id"))
    for days, category, title, body, wechat in ISSUES:
        day = today - datetime.timedelta(days=days)
        sent_at = datetime.datetime.combine(day, datetime.time(9, rng.randint(0, 50)), tzinfo=LOCAL)
        notice = Notice.objects.create(
            branch=branch,
            category=category,
            title=title,
            body=body,
            send_branch_wechat=wechat,
            created_by=None,
            status=Notice.Status.DRAFT,
        )
        _issue(notice, members, sent_at, rng)
    Notice.objects.create(
        branch=branch,
        category=NoticeCategory.STUDY,
        title="下月学习安排（草稿）",
        body="{姓名}同志：下月学习日上午9点，请准时参加。",
        send_branch_wechat=True,
    )


def _issue(notice: Notice, members: list[Member], sent_at: datetime.datetime, rng: random.Random) -> None:
    year = sent_at.astimezone(LOCAL).year
    number = services.next_number(branch=notice.branch, year=year)
    plan = audience.notice_plan(notice, members, now=sent_at)
    for message in plan.messages:
        message.status = Message.Status.SENT
        message.attempts = 1
        message.sent_at = sent_at + datetime.timedelta(seconds=rng.randint(2, 90))
        message.provider_message_id = f"demo-{rng.randrange(10**9):09d}"
        if message.channel == Channel.SMS and rng.random() < 0.02:
            message.status = Message.Status.FAILED
            message.sent_at = None
            message.last_error = "isv.BUSINESS_LIMIT_CONTROL: 触发号码天级流控"
    Message.objects.bulk_create(plan.messages)
    Message.objects.filter(notice=notice).update(created_at=sent_at, not_before=sent_at)
    _calls(notice, plan, sent_at, rng)
    Notice.objects.filter(pk=notice.pk).update(
        year=year, number=number, status=Notice.Status.SENT, sent_at=sent_at, created_at=sent_at
    )


def _calls(notice: Notice, plan: outbox.Plan, sent_at: datetime.datetime, rng: random.Random) -> None:
    """The issue's calls to members SMS cannot reach: reached within hours, except the latest issue's,
    left open, so the group leaders' phone lists have calls to make."""
    calls.calls_create(notice=notice, recipients=plan.calls)
    rows = Call.objects.filter(notice=notice)
    rows.update(created_at=sent_at)
    if notice.title == ISSUES[-1][2]:
        return
    for call in rows:
        call.outcome = rng.choice([Call.Outcome.IN_PERSON, Call.Outcome.IN_PERSON, Call.Outcome.FAMILY])
        call.marked_by_id = call.caller_id
        call.marked_at = sent_at + datetime.timedelta(hours=rng.randint(1, 6))
    Call.objects.bulk_update(rows, ["outcome", "marked_by", "marked_at"])
