import factory

from notifications.models import Notice, NoticeCategory
from tests.factories import BranchFactory


class NoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notice

    branch = factory.SubFactory(BranchFactory)
    category = NoticeCategory.STUDY
    title = "学习安排"
    body = "{姓名}同志：本月学习日上午9点，请准时参加。"
    audience = Notice.Audience.BRANCH
    send_sms = True
