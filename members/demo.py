"""The demo roster (DESIGN.md): 46 members aged 56–91, 12 over 80, six contact groups, demo accounts.

Called by `manage.py seed_demo` (branch_portal), which calls each app's demo module in turn.
"""

import datetime
import random

from faker import Faker

from accounts.models import BranchRole, User
from accounts.permissions import SYSTEM
from lib.calendar import years_before
from members import services
from members.models import ContactGroup, FamilyProxy, HealthRecord, Member
from org.models import Branch, Bureau

DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERNAMES = ["secretary", "liaison", "member", "bureau"]
BUREAU_NAME = "人力资源和社会保障部"
BRANCH_NAME = "离退休干部第16党支部"
NEIGHBOUR_BRANCH_NAME = "离退休干部第18党支部"
# username, family name, given name, role, leads group number
COMMITTEE = [
    ("secretary", "王", "建国", BranchRole.Role.SECRETARY, 1),
    ("deputy", "李", "秀英", BranchRole.Role.DEPUTY, 2),
    ("committee1", "张", "志远", BranchRole.Role.COMMITTEE, 3),
    ("committee2", "刘", "淑华", BranchRole.Role.COMMITTEE, 4),
    ("committee3", "陈", "德明", BranchRole.Role.COMMITTEE, 5),
]
GROUP_NAMES = ["第一联络小组", "第二联络小组", "第三联络小组", "第四联络小组", "第五联络小组", "第六联络小组"]
DISTRICTS = ["西城区", "东城区", "海淀区", "朝阳区", "丰台区", "石景山区"]
UNITS = ["办公厅", "政策研究司", "劳动关系司", "社会保险司", "人事司", "培训中心", "信息中心"]
POSTS = ["司长", "副司长", "处长", "副处长", "调研员", "主任科员"]
# 46 ages on the day of seeding: 12 of them 80 or over, youngest 56, oldest 91.
AGES = [91, 89, 88, 86, 85, 84, 83, 82, 81, 81, 80, 80] + [
    79,
    78,
    77,
    76,
    76,
    75,
    74,
    73,
    72,
    71,
    70,
    70,
    69,
    68,
    67,
    67,
    66,
    65,
    65,
    64,
    63,
    63,
    62,
    61,
    61,
    60,
    60,
    59,
    58,
    58,
    57,
    57,
    56,
    56,
]
# The committee are younger retirees (72, 70, 67, 65, 63): the oldest, 91, is the `member` account.
COMMITTEE_AGES = (20, 22, 27, 30, 33)
ROSTER_AGES = [AGES[i] for i in COMMITTEE_AGES] + [a for i, a in enumerate(AGES) if i not in COMMITTEE_AGES]
HOSPITALISED = (8, 14)  # positions in ROSTER_AGES: aged 86 and 81
# Notices reach these by a phone call from their group leader: no mobile (a landline), or poor eyesight.
# Positions 17 and 23 are in the liaison's group, 12 in the secretary's (position % 6 is the group).
NO_MOBILE = (17,)
NEEDS_CALL = (12, 23)


def seed(today: datetime.date) -> tuple[Branch, bool]:
    """The demo branch, built on first call; returns (branch, created). Resets the demo passwords."""
    bureau, _ = Bureau.objects.get_or_create(name=BUREAU_NAME)
    branch, _ = Branch.objects.get_or_create(bureau=bureau, name=BRANCH_NAME)
    created = not branch.members.exists()
    if created:
        builder = RosterBuilder(today)
        builder.build_branch(branch)
        builder.build_neighbour(bureau)
    demo_proxy(branch)
    for user in User.objects.filter(username__in=DEMO_USERNAMES):
        user.set_password(DEMO_PASSWORD)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
    return branch, created


def demo_proxy(branch: Branch) -> FamilyProxy | None:
    """The demo member's child as their family proxy (家属): logs in by SMS code, no password."""
    elder = branch.members.filter(user__username="member").first()
    if elder is None or elder.proxies.exists():
        return None
    return services.proxy_add(
        actor=SYSTEM,
        member=elder,
        name=elder.emergency_name_1 or f"{elder.name[0]}晓梅",
        relation=elder.emergency_relation_1 or "女儿",
        phone=elder.emergency_phone_1 or "+8613811620916",
        notices=FamilyProxy.Notices.ALSO,
    )


class RosterBuilder:
    def __init__(self, today: datetime.date):
        self.today = today

    def build_branch(self, branch: Branch) -> None:
        rng = random.Random(16)
        fake = Faker("zh_CN")
        fake.seed_instance(16)
        today = self.today
        leaders = []
        for username, family, given, role, _group in COMMITTEE:
            user = self.user(username, family, given, rng)
            BranchRole.objects.get_or_create(user=user, branch=branch, role=role)
            leaders.append(user)
        liaison = self.user("liaison", "赵", "敏", rng)
        BranchRole.objects.get_or_create(user=liaison, branch=branch, role=BranchRole.Role.LIAISON)
        bureau_user = self.user("bureau", "孙", "立平", rng)
        BranchRole.objects.get_or_create(user=bureau_user, branch=branch, role=BranchRole.Role.BUREAU)
        leaders.append(liaison)
        groups = [
            ContactGroup.objects.create(
                branch=branch,
                number=i + 1,
                name=GROUP_NAMES[i],
                leader=leader,
                deputy=leaders[(i + 1) % len(leaders)],
            )
            for i, leader in enumerate(leaders)
        ]
        names = {f"{family}{given}" for _u, family, given, _r, _g in COMMITTEE}
        people = [(f"{family}{given}", leaders[i]) for i, (_u, family, given, _r, _g) in enumerate(COMMITTEE)]
        while len(people) < len(AGES):
            name = fake.name()
            if name not in names and len(name) <= 3:
                names.add(name)
                people.append((name, None))
        for index, ((name, user), age) in enumerate(zip(people, ROSTER_AGES, strict=False)):
            self.member(branch, groups[index % 6], name, user, age, index, rng, today)
        member_user = self.user("member", "周", "桂兰", rng)
        frail_elder = branch.members.filter(user__isnull=True).order_by("birth_date").first()
        services.member_update(
            actor=SYSTEM, member=frail_elder, user=member_user, name="周桂兰", gender=Member.Gender.FEMALE
        )
        BranchRole.objects.get_or_create(user=member_user, branch=branch, role=BranchRole.Role.MEMBER)

    def member(self, branch, group, name, user, age, index, rng, today) -> Member:
        birth = years_before(today, age) - datetime.timedelta(days=rng.randint(1, 360))
        old = age >= 80
        living = rng.choices(
            list(Member.LivingSituation),
            weights=[5, 3, 1, 2, 1] if old else [12, 3, 1, 1, 0],
        )[0]
        condition = HealthRecord.Condition.GOOD
        if index in HOSPITALISED:
            condition = HealthRecord.Condition.HOSPITALISED
        elif old and rng.random() < 0.5:
            condition = rng.choice([HealthRecord.Condition.POOR, HealthRecord.Condition.SERIOUSLY_ILL])
        elif rng.random() < 0.15:
            condition = HealthRecord.Condition.FAIR
        phone = f"+86139{rng.randint(10000000, 99999999)}"
        since = today - datetime.timedelta(days=rng.randint(20, 700))
        return services.member_create(
            actor=SYSTEM,
            on=since,
            branch=branch,
            user=user,
            name=name,
            gender=rng.choice(list(Member.Gender)),
            birth_date=birth,
            lunar_birthday=rng.random() < 0.3,
            native_place=rng.choice(["北京", "河北保定", "山东济南", "江苏南京", "湖南长沙", "四川成都"]),
            party_joined_on=years_before(birth, -rng.randint(20, 30)),
            work_started_on=years_before(birth, -rng.randint(18, 23)),
            retirement_kind=Member.RetirementKind.LIXIU if age >= 88 else Member.RetirementKind.TUIXIU,
            retired_on=years_before(birth, -60),
            former_unit=rng.choice(UNITS),
            former_post=rng.choice(POSTS),
            phone="" if index in NO_MOBILE else phone,
            phone_alt=f"+86106{index:07d}" if index in NO_MOBILE else "",
            needs_call=index in NEEDS_CALL,
            address=f"{rng.choice(DISTRICTS)}{rng.randint(1, 30)}号院{rng.randint(1, 12)}号楼",
            district=rng.choice(DISTRICTS),
            living_situation=living,
            emergency_name_1=f"{name[0]}{rng.choice(['伟', '静', '磊', '敏'])}",
            emergency_relation_1=rng.choice(["儿子", "女儿", "配偶"]),
            emergency_phone_1=f"+86138{rng.randint(10000000, 99999999)}",
            contact_group=group,
            condition=condition,
            mobility=HealthRecord.Mobility.WITH_AID if old else HealthRecord.Mobility.INDEPENDENT,
        )

    def user(self, username, family, given, rng) -> User:
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "last_name": family,
                "first_name": given,
                "phone": f"+86137{rng.randint(10000000, 99999999)}",
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        return user

    def build_neighbour(self, bureau: Bureau) -> None:
        """A second branch of the same bureau, for joint activities and for the bureau's view."""
        rng = random.Random(18)
        branch, _ = Branch.objects.get_or_create(bureau=bureau, name=NEIGHBOUR_BRANCH_NAME)
        secretary = self.user("secretary18", "吴", "国华", rng)
        BranchRole.objects.get_or_create(user=secretary, branch=branch, role=BranchRole.Role.SECRETARY)
        group = ContactGroup.objects.create(branch=branch, number=1, name=GROUP_NAMES[0], leader=secretary)
        today = self.today
        for index, (name, age) in enumerate([("吴国华", 72), ("郑玉兰", 84), ("何永康", 66), ("马淑珍", 79)]):
            self.member(branch, group, name, secretary if index == 0 else None, age, index + 20, rng, today)
