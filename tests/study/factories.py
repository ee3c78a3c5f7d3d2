"""Factories for the study app; activities are created through their service."""

import datetime

import factory

from accounts.permissions import SYSTEM
from study import services
from study.models import Attendance, InterestGroup, StudyActivity
from tests.factories import BranchFactory


class StudyActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudyActivity

    organiser = factory.SubFactory(BranchFactory)
    kind = StudyActivity.Kind.MONTHLY
    theme = factory.Sequence(lambda n: f"学习主题{n}")
    date = datetime.date(2026, 12, 8)
    starts_at = datetime.time(9, 30)
    ends_at = datetime.time(11, 30)
    place = "老干部活动中心三楼会议室"

    @classmethod
    def _create(cls, model_class, *args, branches=(), **kwargs):
        return services.activity_create(actor=SYSTEM, branches=branches, **kwargs)


class InterestGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterestGroup

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"理论学习兴趣小组{n}")


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    status = Attendance.Status.PRESENT
