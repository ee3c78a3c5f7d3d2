"""factory_boy factories for the whole portal; members are created through their service."""

import datetime

import factory

from accounts.models import BranchRole, User
from accounts.permissions import SYSTEM
from members import services
from members.models import ContactGroup, Member
from org.models import Branch, Bureau


class BureauFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bureau
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"测试局{n}")


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    bureau = factory.SubFactory(BureauFactory)
    name = factory.Sequence(lambda n: f"第{n}党支部")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "王"
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "demo-pass-2026")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class BranchRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BranchRole

    user = factory.SubFactory(UserFactory)
    branch = factory.SubFactory(BranchFactory)
    role = BranchRole.Role.MEMBER


class ContactGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactGroup

    branch = factory.SubFactory(BranchFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"第{o.number}联络小组")
    leader = factory.SubFactory(UserFactory)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"张{'志远明华德'[n % 5]}{n}")
    gender = Member.Gender.MALE
    birth_date = datetime.date(1950, 5, 1)
    phone = factory.Sequence(lambda n: f"+86139{n:08d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.member_create(actor=SYSTEM, **kwargs)
