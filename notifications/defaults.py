"""The default notice templates, in the branch's own words: (category, name, title, body).

Created by the data migration 0002 and again by the demo seed, since test runs that empty the
database between tests (transactional tests) also empty what migrations wrote.
"""

TEMPLATES = [
    (
        "study",
        "学习安排",
        "支部学习安排",
        "{姓名}同志：{支部}定于本月学习日上午9点在老干部活动中心学习，请准时参加。如不能参加，请告知联络小组组长。",
    ),
    (
        "festival",
        "节日问候",
        "节日问候",
        "{姓名}同志：值此佳节之际，{支部}向您和家人致以节日的问候，祝您身体健康、阖家幸福！",
    ),
    (
        "festival",
        "生日祝福",
        "生日祝福",
        "{姓名}同志：今天是您的生日，{支部}全体同志祝您生日快乐、健康长寿！",
    ),
    (
        "weather",
        "天气提醒",
        "天气变化提醒",
        "{姓名}同志：近日气温变化较大，请注意增减衣物、防寒保暖，雨雪天气尽量减少外出。{支部}",
    ),
    (
        "activity",
        "活动通知",
        "重要活动通知",
        "{姓名}同志：{支部}将组织主题活动，时间地点另行通知，欢迎踊跃参加。",
    ),
    ("other", "一般通知", "通知", "{姓名}同志：{支部}通知如下："),
]


def notice_templates_ensure() -> None:
    """Creates any default template that is missing; leaves edited ones alone."""
    from .models import NoticeTemplate

    for category, name, title, body in TEMPLATES:
        defaults = {"category": category, "title": title, "body": body}
        NoticeTemplate.objects.get_or_create(name=name, defaults=defaults)
