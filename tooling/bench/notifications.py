"""Notifications: a year of numbered notices per branch (one a month), each with an SMS per active member."""

import datetime

from org.models import Bureau

from .base import Context, copy_rows, raw_delete, reserve_ids

MONTHS = 12
FAILED_EVERY = 50
TITLES = [
    "本月集中学习通知",
    "重阳节慰问安排",
    "高温天气提示",
    "参观学习报名",
    "党费收缴提醒",
    "冬季防寒提示",
]
BODY = "{姓名}同志：{支部}本月集中学习定于第二周周二上午9:30在老干部活动中心举行，请准时参加。"


def present(bureau: Bureau) -> bool:
    from notifications.models import Notice

    return Notice.objects.filter(branch__bureau=bureau).exists()


def seed(ctx: Context) -> None:
    from notifications.models import Message, Notice

    today = ctx.today
    sent = [_sent_at(today, months_ago) for months_ago in range(MONTHS, 0, -1)]
    notices = [(branch_id, moment) for branch_id in ctx.branch_ids for moment in sent]
    ids = reserve_ids(Notice, len(notices))
    numbers: dict[tuple[int, int], int] = {}
    rows = []
    for pk, (branch_id, moment) in zip(ids, notices, strict=True):
        key = (branch_id, moment.year)
        numbers[key] = numbers.get(key, 0) + 1
        title = TITLES[pk % len(TITLES)]
        committee = ctx.leaders[branch_id][0]
        rows.append(
            (
                pk,
                branch_id,
                moment.year,
                numbers[key],
                "study",
                title,
                BODY,
                "sent",
                committee,
                moment,
                moment,
            )
        )
    fields = ["branch_id", "year", "number", "category", "title", "body", "status", "created_by_id"]
    copy_rows(Notice, ["id", *fields, "created_at", "sent_at"], rows)
    branch_names = dict(zip(ctx.branch_ids, _branch_names(ctx.branch_ids), strict=True))
    copy_rows(
        Message,
        [
            "branch_id",
            "notice_id",
            "member_id",
            "recipient_name",
            "channel",
            "to",
            "body",
            "idempotency_key",
            "status",
            "attempts",
            "provider_message_id",
            "last_error",
            "not_before",
            "dispatched_at",
            "created_at",
            "sent_at",
        ],
        (
            _message(pk, branch_id, moment, member, branch_names[branch_id])
            for pk, (branch_id, moment) in zip(ids, notices, strict=True)
            for member in ctx.members_of(branch_id)
            if member.active or (member.left_on and member.left_on > moment.date())
        ),
    )


def _message(notice_id, branch_id, moment, member, branch_name):
    failed = (notice_id + member.id) % FAILED_EVERY == 0
    body = BODY.replace("{姓名}", member.name).replace("{支部}", branch_name)
    return (
        branch_id,
        notice_id,
        member.id,
        member.name,
        "sms",
        member.phone,
        body,
        f"notice:{notice_id}:sms:member:{member.id}",
        "failed" if failed else "sent",
        1,
        "" if failed else f"biz{notice_id}",
        "isv.MOBILE_NUMBER_ILLEGAL: 号码停机" if failed else "",
        moment,
        moment,
        moment,
        None if failed else moment,
    )


def _branch_names(branch_ids: list[int]) -> list[str]:
    from org.models import Branch

    names = dict(Branch.objects.filter(pk__in=branch_ids).values_list("pk", "name"))
    return [names[pk] for pk in branch_ids]


def _sent_at(today: datetime.date, months_ago: int) -> datetime.datetime:
    """09:00 Beijing time (01:00 UTC) on the 5th of the month `months_ago` months back."""
    index = today.year * 12 + today.month - 1 - months_ago
    return datetime.datetime(index // 12, index % 12 + 1, 5, 1, tzinfo=datetime.UTC)


def wipe(bureau: Bureau) -> None:
    from notifications.models import Message, Notice, ReminderSettings

    raw_delete(Message.objects.filter(branch__bureau=bureau))
    raw_delete(Notice.groups.through.objects.filter(notice__branch__bureau=bureau))
    raw_delete(Notice.members.through.objects.filter(notice__branch__bureau=bureau))
    raw_delete(Notice.objects.filter(branch__bureau=bureau))
    raw_delete(ReminderSettings.objects.filter(branch__bureau=bureau))
