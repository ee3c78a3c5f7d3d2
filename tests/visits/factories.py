"""Factories for visits; visits and concerns are created through their services."""

import datetime

import factory
from django.utils import timezone

from accounts.permissions import SYSTEM
from tests.factories import MemberFactory
from visits import services
from visits.models import Concern, PlannedVisit, Visit


class PlannedVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlannedVisit

    member = factory.SubFactory(MemberFactory)
    kind = PlannedVisit.Kind.ROUTINE
    occasion = factory.Sequence(lambda n: f"routine-{n + 1}")
    due_from = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=5))
    due_by = factory.LazyAttribute(lambda o: o.due_from + datetime.timedelta(days=10))


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    member = factory.SubFactory(MemberFactory)
    date = factory.LazyFunction(timezone.localdate)
    kind = PlannedVisit.Kind.ROUTINE
    mode = Visit.Mode.HOME

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.visit_record(actor=SYSTEM, **kwargs)


class ConcernFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Concern

    member = factory.SubFactory(MemberFactory)
    category = Concern.Category.HOUSING
    text = factory.Sequence(lambda n: f"楼道照明第{n}次坏了，希望协调物业修理")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.concern_raise(actor=SYSTEM, **kwargs)
