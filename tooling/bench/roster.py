"""The bench bureau's branches, users, contact groups, members, health records and care periods."""

import datetime

from django.contrib.auth.hashers import make_password

from accounts.models import BranchRole, User
from lib.calendar import years_before
from members.models import CarePeriod, ContactGroup, HealthRecord, HealthRecordView, Member
from members.services import name_pinyin, stored_categories
from org.models import Branch, Bureau

from .base import ADMIN_USERNAME, PASSWORD, USERNAME_PREFIX, Context, insert, raw_delete

FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋"
GIVEN = "建国秀英志远淑华德明玉兰永康桂芳文军立平海燕振华凤英春生金花明辉丽娟宝山学勤长青淑珍国强惠敏"
DISTRICTS = ["西城区", "东城区", "海淀区", "朝阳区", "丰台区", "石景山区"]
UNITS = ["办公厅", "政策研究司", "劳动关系司", "社会保险司", "人事司", "培训中心", "信息中心"]
# Six contact groups a branch: led by the secretary, deputy, three committee members and the liaison.
LEADER_ROLES = [
    ("committee", BranchRole.Role.COMMITTEE),
    ("secretary", BranchRole.Role.SECRETARY),
    ("deputy", BranchRole.Role.DEPUTY),
    ("committee2", BranchRole.Role.COMMITTEE),
    ("committee3", BranchRole.Role.COMMITTEE),
    ("liaison", BranchRole.Role.LIAISON),
]
GROUP_NAMES = ["第一联络小组", "第二联络小组", "第三联络小组", "第四联络小组", "第五联络小组", "第六联络小组"]


def present(bureau: Bureau | None) -> bool:
    return bureau is not None and Member.objects.filter(branch__bureau=bureau).exists()


def seed(*, branches: int, members_per_branch: int, today: datetime.date, rng) -> Bureau:
    """Creates the bureau with `branches` branches of `members_per_branch` members each."""
    from .base import BUREAU_NAME

    bureau = Bureau.objects.create(name=BUREAU_NAME)
    branch_rows = insert(
        Branch, [Branch(bureau=bureau, name=f"离退休干部第{n}党支部") for n in range(1, branches + 1)]
    )
    password = make_password(PASSWORD)
    leaders = _users_and_roles(branch_rows, password)
    groups = insert(
        ContactGroup,
        [
            ContactGroup(
                branch=branch,
                number=i + 1,
                name=GROUP_NAMES[i],
                leader_id=users[i],
                deputy_id=users[(i + 1) % len(users)],
            )
            for branch, users in zip(branch_rows, leaders, strict=True)
            for i in range(len(users))
        ],
    )
    members = _members(branch_rows, groups, members_per_branch, today, rng)
    healths = insert(HealthRecord, [_health(m, today, rng) for m in members])
    insert(CarePeriod, _care_periods(members, healths, today, rng))
    return bureau


def _users_and_roles(branches: list[Branch], password: str) -> list[list[int]]:
    users = [
        User(
            username=f"{USERNAME_PREFIX}b{n:04d}-{suffix}",
            password=password,
            last_name=FAMILY[(n + i) % len(FAMILY)],
            first_name=GIVEN[i * 2 : i * 2 + 2],
        )
        for n in range(1, len(branches) + 1)
        for i, (suffix, _role) in enumerate(LEADER_ROLES)
    ]
    users.append(
        User(username=f"{USERNAME_PREFIX}bureau", password=password, last_name="孙", first_name="立平")
    )
    users.append(
        User(username=ADMIN_USERNAME, password=password, is_staff=True, is_superuser=True, last_name="管理员")
    )
    users = insert(User, users)
    per_branch = len(LEADER_ROLES)
    roles = [
        BranchRole(user=users[b * per_branch + i], branch=branch, role=role)
        for b, branch in enumerate(branches)
        for i, (_suffix, role) in enumerate(LEADER_ROLES)
    ]
    # The bureau role, held in one branch, reads every branch of the bureau.
    roles.append(BranchRole(user=users[-2], branch=branches[0], role=BranchRole.Role.BUREAU))
    insert(BranchRole, roles)
    return [[u.pk for u in users[b * per_branch : (b + 1) * per_branch]] for b in range(len(branches))]


def _name(rng) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(FAMILY) + given


def _members(branches, groups, per_branch, today, rng) -> list[Member]:
    pinyin_cache: dict[str, tuple[str, str]] = {}
    groups_of: dict[int, list[ContactGroup]] = {}
    for group in groups:
        groups_of.setdefault(group.branch_id, []).append(group)
    members = []
    for branch in branches:
        for index in range(per_branch):
            members.append(_member(branch, groups_of[branch.pk], index, today, rng, pinyin_cache))
    return insert(Member, members)


def _member(branch, groups, index, today, rng, pinyin_cache) -> Member:
    name = _name(rng)
    if name not in pinyin_cache:
        pinyin_cache[name] = name_pinyin(name)
    age = min(99, int(rng.triangular(56, 100, 78)))
    birth = years_before(today, age) - datetime.timedelta(days=rng.randint(1, 360))
    old = age >= 80
    gone = rng.random() < 0.03
    district = rng.choice(DISTRICTS)
    return Member(
        branch=branch,
        name=name,
        name_pinyin=pinyin_cache[name][0],
        name_initials=pinyin_cache[name][1],
        gender=rng.choice(Member.Gender.values),
        birth_date=birth,
        lunar_birthday=rng.random() < 0.3,
        party_joined_on=years_before(birth, -rng.randint(20, 30)),
        retirement_kind=Member.RetirementKind.LIXIU if age >= 88 else Member.RetirementKind.TUIXIU,
        retired_on=years_before(birth, -60),
        former_unit=rng.choice(UNITS),
        phone=f"+86139{rng.randint(10000000, 99999999)}",
        address=f"{district}{rng.randint(1, 30)}号院{rng.randint(1, 12)}号楼",
        district=district,
        living_situation=rng.choices(
            Member.LivingSituation.values, weights=[5, 3, 1, 2, 1] if old else [12, 3, 1, 1, 0]
        )[0],
        emergency_name_1=name[0] + rng.choice("伟静磊敏"),
        emergency_relation_1=rng.choice(["儿子", "女儿", "配偶"]),
        emergency_phone_1=f"+86138{rng.randint(10000000, 99999999)}",
        contact_group=groups[index % len(groups)],
        status=Member.Status.DECEASED if gone else Member.Status.ACTIVE,
        status_changed_on=today - datetime.timedelta(days=rng.randint(30, 1500)) if gone else None,
    )


def _health(member: Member, today: datetime.date, rng) -> HealthRecord:
    old = member.age_on(today) >= 80
    condition = rng.choices(
        HealthRecord.Condition.values, weights=[3, 3, 2, 1, 1, 0] if old else [10, 4, 1, 1, 1, 0]
    )[0]
    mobility = rng.choices(HealthRecord.Mobility.values, weights=[2, 3, 2, 1] if old else [12, 3, 1, 0])[0]
    return HealthRecord(member=member, condition=condition, mobility=mobility)


def _care_periods(members, healths, today, rng) -> list[CarePeriod]:
    """The open periods the services would have opened, plus some closed ones as history."""
    periods = []
    for member, health in zip(members, healths, strict=True):
        for category in sorted(stored_categories(member, health)):
            started = today - datetime.timedelta(days=rng.randint(10, 1500))
            periods.append(CarePeriod(member=member, category=category, started_on=started))
        if rng.random() < 0.2:
            started = today - datetime.timedelta(days=rng.randint(400, 1800))
            ended = started + datetime.timedelta(days=rng.randint(7, 300))
            periods.append(
                CarePeriod(member=member, category="hospitalised", started_on=started, ended_on=ended)
            )
    return periods


def load(bureau: Bureau, today: datetime.date, rng) -> Context:
    """The bench bureau as later sections need it: ids and dates only."""
    from .base import BenchMember

    branch_ids = list(Branch.objects.filter(bureau=bureau).order_by("pk").values_list("pk", flat=True))
    categories: dict[int, set[str]] = {}
    open_periods = CarePeriod.objects.filter(member__branch__bureau=bureau, ended_on__isnull=True)
    for member_id, category in open_periods.values_list("member_id", "category"):
        categories.setdefault(member_id, set()).add(category)
    fields = [
        "pk",
        "branch_id",
        "contact_group_id",
        "birth_date",
        "status",
        "status_changed_on",
        "name",
        "phone",
    ]
    rows = Member.objects.filter(branch__bureau=bureau).order_by("pk").values_list(*fields)
    members = [
        BenchMember(
            pk,
            branch_id,
            group,
            birth,
            status == "active",
            left_on,
            frozenset(categories.get(pk, ())),
            name,
            _e164(phone),
        )
        for pk, branch_id, group, birth, status, left_on, name, phone in rows
    ]
    leaders: dict[int, list[int]] = {}
    group_leaders = {}
    groups = ContactGroup.objects.filter(branch__bureau=bureau).order_by("branch", "number")
    for group_id, branch_id, leader_id, deputy_id in groups.values_list(
        "pk", "branch_id", "leader_id", "deputy_id"
    ):
        leaders.setdefault(branch_id, []).append(leader_id)
        group_leaders[group_id] = (leader_id, deputy_id)
    return Context(
        bureau_id=bureau.pk,
        branch_ids=branch_ids,
        members=members,
        leaders=leaders,
        group_leaders=group_leaders,
        today=today,
        rng=rng,
    )


def _e164(phone) -> str:
    return phone.as_e164 if phone else ""


def wipe(bureau: Bureau) -> None:
    """Deletes the roster of the bench bureau; the app sections have deleted their rows already."""
    raw_delete(CarePeriod.objects.filter(member__branch__bureau=bureau))
    raw_delete(HealthRecord.objects.filter(member__branch__bureau=bureau))
    members = Member.objects.filter(branch__bureau=bureau)
    # The benchmark's page views log health-record views.
    raw_delete(HealthRecordView.objects.filter(member__in=members))
    raw_delete(members)
    raw_delete(ContactGroup.objects.filter(branch__bureau=bureau))
    raw_delete(BranchRole.objects.filter(branch__bureau=bureau))
    users = User.objects.filter(username__startswith=USERNAME_PREFIX)
    # Users are referenced by many apps (SET_NULL, CASCADE): the ORM handles those few thousand rows.
    users.delete()
    Branch.objects.filter(bureau=bureau).delete()
    bureau.delete()
