"""The portal's attack surface as data: every URL × every role → the expected answer.

PAGES holds what a GET answers, POSTS what an empty POST (with a valid CSRF token) answers;
one line per URL. Arguments name rows of `world_build()` (a str is a key, an int is itself),
so the probes know which object a URL points at. `tests/test_permission_matrix.py` runs
PAGES, `tests/test_attack_surface.py` runs POSTS and checks that every URL of the URL conf
has a line here.
"""

import io
import zipfile
from dataclasses import dataclass, field
from urllib.parse import unquote

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.urls import reverse
from PIL import Image

from accounts.models import BranchRole
from accounts.permissions import SYSTEM
from members import services as members_services
from notifications import links
from notifications import services as notifications_services
from notifications.models import Call
from study import services as study_services
from study.models import Attendance
from tests.dues.factories import WorkPlanItemFactory
from tests.factories import BranchFactory, BranchRoleFactory, ContactGroupFactory, MemberFactory, UserFactory
from tests.study.factories import AttendanceFactory, InterestGroupFactory, StudyActivityFactory
from tests.visits.factories import ConcernFactory, PlannedVisitFactory

# "proxy": a family member (家属) of the cast's member, who must see exactly what that member sees.
# "link": whoever opened the cast member's personal link from a notice SMS (not logged in): the
# notice's page and nothing else, so every other URL answers them as it answers "anonymous".
ROLES = ["anonymous", "secretary", "committee", "liaison", "member", "proxy", "bureau", "stranger", "link"]
NOT_LOGGED_IN = {"anonymous", "link"}
LOGIN = "login"  # anonymous users are sent to the login page
REFUSED = {LOGIN, 403, 404, 405}


@dataclass
class Page:
    name: str
    args: tuple = ()  # keys of world_build()'s dict, or literal ints
    expected: dict = field(default_factory=dict)
    # An empty POST by a permitted role is a whole action (delete, regenerate…) and may change rows.
    writes: bool = False
    data: dict = field(default_factory=dict)  # query string (GET) or body (POST): name → world key

    def __str__(self) -> str:
        return "-".join([self.name, *map(str, self.args), *(f"{k}={v}" for k, v in self.data.items())])

    def objects(self, world) -> list:
        return [world[a] for a in [*self.args, *self.data.values()] if isinstance(a, str)]

    def url(self, world) -> str:
        return reverse(self.name, args=[_value(world, a) for a in self.args] or None)

    def params(self, world) -> dict:
        return {name: _value(world, key) for name, key in self.data.items()}


def _value(world, key):
    value = world[key] if isinstance(key, str) else key
    return getattr(value, "pk", value)


def statuses(default: int = 200, anonymous=LOGIN, **overrides) -> dict:
    result = dict.fromkeys(ROLES, default)
    result["anonymous"] = anonymous
    result.update(overrides)
    if "proxy" not in overrides:
        result["proxy"] = result["member"]  # a family proxy answers as the member they stand for
    if "link" not in overrides:
        result["link"] = result["anonymous"]
    return result


PUBLIC = dict.fromkeys(ROLES, 200)
CARERS_ONLY = statuses(200, member=403)  # a stranger sees their own branch only
COMMITTEE_ONLY = statuses(200, liaison=403, member=403, bureau=403)
CARERS_OF_BRANCH = statuses(200, member=403, bureau=403, stranger=404)
VISITORS = statuses(200, member=403, bureau=403)  # record_visits; a stranger sees their own branch
EDITORS_OF_BRANCH = statuses(200, liaison=403, member=403, bureau=403, stranger=404)
POST_ONLY = statuses(405)
LEADERS_ONLY = statuses(200, committee=403, liaison=403, member=403, bureau=403)  # edit_dues

PAGES = [
    Page("accounts:login", expected=statuses(302, anonymous=200)),
    Page("login_code", expected=PUBLIC),
    Page("login_code_check", expected=PUBLIC),
    # The personal link: whoever holds it is sent to its page; a forged token, or a token for another
    # notice, opens nothing. The page itself opens only for the link's holder.
    Page("link_open", ("notice", "link_token"), statuses(302, anonymous=302)),
    Page("link_open", ("notice", "forged_link_token"), statuses(404, anonymous=404)),
    Page("link_open", ("other_notice", "link_token"), statuses(404, anonymous=404)),
    Page("link_page", expected=statuses(404, link=200)),
    Page("accounts:logout", expected=statuses(405)),  # POST only, since Django 5
    Page("set_language", expected=statuses(302, anonymous=302)),  # back to the page, nothing set
    Page("healthz", expected=PUBLIC),
    Page("ping", expected=PUBLIC),
    Page("home", expected=statuses()),
    Page("accounts:password_change", expected=statuses()),
    Page("accounts:session_extend", expected=POST_ONLY),
    Page("accounts:branch_switch", expected=POST_ONLY),
    Page("members:list", expected=CARERS_ONLY),
    Page("members:contact_map", expected=statuses()),
    Page("members:detail", ("member",), statuses(200, member=404, stranger=404)),
    Page("members:detail", ("own_member",), statuses(200, stranger=404)),
    Page("member_sections", ("member",), statuses(200, member=404, stranger=404)),
    Page("member_sections", ("own_member",), statuses(200, stranger=404)),
    # The health record: carers and the bureau of the branch only, not even the member themself.
    Page("members:health", ("member",), statuses(200, member=404, stranger=404)),
    Page("members:health", ("own_member",), statuses(200, member=404, stranger=404)),
    Page("members:create", expected=COMMITTEE_ONLY),
    Page("members:edit", ("member",), EDITORS_OF_BRANCH),
    Page("members:groups", expected=COMMITTEE_ONLY),
    Page("members:contact_map_xlsx", expected=CARERS_ONLY),
    Page("members:import", expected=COMMITTEE_ONLY),
    Page("members:import_template", expected=COMMITTEE_ONLY),
    Page("members:import_preview", ("stale_token",), statuses(302, liaison=403, member=403, bureau=403)),
    Page("members:export", expected=COMMITTEE_ONLY),
    Page("study:list", expected=statuses()),
    Page("study:detail", ("activity",), statuses(200, stranger=404)),
    Page("study:create", expected=VISITORS),
    Page("study:edit", ("activity",), CARERS_OF_BRANCH),
    Page("study:attendance", ("activity",), CARERS_OF_BRANCH),
    Page("study:makeup", expected=VISITORS),
    Page("study:plan_home", expected=statuses(302, member=403, bureau=403)),
    Page("study:plan", ("branch", 2026), CARERS_OF_BRANCH),
    Page("study:material", ("material",), statuses(200, stranger=404)),
    Page("study:contribution_file", ("contribution",), statuses(200, stranger=404)),
    Page("study:member_panel", ("own_member",), statuses(200, stranger=404)),
    Page("study:member_panel", ("member",), statuses(200, member=404, stranger=404)),
    Page("study:calendar_token", expected=statuses()),
    Page("study:groups", expected=statuses()),
    Page("study:print_year", expected=statuses()),  # the year's study days of the user's own branches
    Page("study:calendar_feed", expected=statuses(404, anonymous=404)),  # without a token
    # Meetings (三会一课): a committee meeting is hidden from members; the committee records minutes.
    Page("study:meetings", expected=statuses()),
    Page("study:meeting_year", expected=statuses(200, member=403)),
    Page("study:frequency", ("branch",), EDITORS_OF_BRANCH),
    Page("study:detail", ("meeting",), statuses(200, member=404, stranger=404)),
    Page("study:edit", ("meeting",), EDITORS_OF_BRANCH),
    Page("study:minutes", ("meeting",), EDITORS_OF_BRANCH),
    Page("study:minutes_print", ("meeting",), statuses(200, member=404, stranger=404)),
    Page("study:minutes_docx", ("meeting",), statuses(200, member=404, stranger=404)),
    Page("study:signin", ("meeting",), CARERS_OF_BRANCH),
    Page("study:signin", ("activity",), CARERS_OF_BRANCH),
    Page("study:group_create", expected=VISITORS),
    Page("study:group_edit", ("interest_group",), CARERS_OF_BRANCH),
    Page("dues:ledger", expected=statuses(200, liaison=403)),  # a member sees their own dues
    # The annual report as read to all members (no names of who owes) is everyone's; the committee's
    # copy, naming them, the committee's and the bureau's only.
    Page("dues:report", (2025,), statuses()),
    Page("dues:report_docx", (2025,), statuses()),
    Page("dues:report_xlsx", (2025,), statuses()),
    Page("dues:report_committee", (2025,), statuses(200, liaison=403, member=403)),
    Page("dues:report_committee_docx", (2025,), statuses(200, liaison=403, member=403)),
    Page("dues:report_committee_xlsx", (2025,), statuses(200, liaison=403, member=403)),
    Page("dues:member_panel", ("own_member",), statuses(200, liaison=204, stranger=404)),
    Page("dues:member_panel", ("member",), statuses(200, liaison=204, member=404, stranger=404)),
    Page("dues:payment_owed", expected=statuses(200, committee=403, liaison=403, member=403, bureau=403)),
    Page("dues:payment_form", expected=statuses(200, committee=403, liaison=403, member=403, bureau=403)),
    Page("dues:expenditure_form", expected=statuses(200, committee=403, liaison=403, member=403, bureau=403)),
    Page("dues:rate_form", expected=statuses(200, committee=403, liaison=403, member=403, bureau=403)),
    Page("visits:schedule", expected=VISITORS),
    Page("visits:schedule_xlsx", expected=VISITORS),
    Page("visits:schedule_month", expected=VISITORS),
    Page("visits:new", expected=VISITORS),
    Page("visits:member_search", expected=VISITORS),
    Page("visits:member_panel", ("own_member",), statuses(200, member=204, stranger=404)),
    Page("visits:member_panel", ("member",), statuses(200, member=404, stranger=404)),
    Page("visits:concerns", expected=statuses(200, member=403)),  # bureau: the escalations inbox
    Page("visits:policy", expected=COMMITTEE_ONLY),
    Page("visits:celebrations", expected=COMMITTEE_ONLY),
    Page("notifications:list", expected=statuses()),
    Page("notifications:new", expected=COMMITTEE_ONLY),
    Page("notifications:reminders", expected=COMMITTEE_ONLY),
    Page("notifications:detail", ("notice",), statuses(200, stranger=404)),
    Page("notifications:member_panel", ("own_member",), statuses(200, stranger=404)),
    Page("notifications:member_panel", ("member",), statuses(200, member=404, stranger=404)),
    Page("notifications:calls", expected=statuses()),  # each user's own phone list
    # Ids in the query string: outside the user's branches a 404, or the user's own branch instead.
    Page("visits:new", data={"member": "member"}, expected=CARERS_OF_BRANCH),
    Page("dues:ledger", data={"branch": "branch"}, expected=statuses(200, liaison=403, stranger=404)),
    Page("dues:report", (2025,), statuses(200, stranger=404), data={"branch": "branch"}),
    Page("dues:report_docx", (2025,), statuses(200, stranger=404), data={"branch": "branch"}),
    Page(
        "dues:report_committee",
        (2025,),
        statuses(200, liaison=403, member=403, stranger=404),
        data={"branch": "branch"},
    ),
    Page(
        "dues:report_committee_docx",
        (2025,),
        statuses(200, liaison=403, member=403, stranger=404),
        data={"branch": "branch"},
    ),
    Page(
        "dues:payment_owed",
        data={"branch": "branch", "payment-member": "member"},
        expected=statuses(200, committee=403, liaison=403, member=403, bureau=403, stranger=404),
    ),
    Page(
        "dues:rate_form",
        data={"branch": "branch"},
        expected=statuses(200, committee=403, liaison=403, member=403, bureau=403, stranger=404),
    ),
    Page("members:contact_map", data={"branch": "branch"}, expected=statuses()),
    Page("members:contact_map_xlsx", data={"branch": "branch"}, expected=CARERS_ONLY),
    Page("members:export", data={"branch": "branch"}, expected=COMMITTEE_ONLY),
    Page("members:list", data={"contact_group": "group"}, expected=CARERS_ONLY),
    Page("members:list", data={"contact_group": "other_group"}, expected=CARERS_ONLY),
    # Searches by the other side's surname find nobody of theirs.
    Page("members:list", data={"q": "cast_surname"}, expected=CARERS_ONLY),
    Page("members:list", data={"q": "other_surname"}, expected=CARERS_ONLY),
    Page("visits:member_search", data={"q": "cast_surname"}, expected=VISITORS),
    Page("visits:member_search", data={"q": "other_surname"}, expected=VISITORS),
]

# An empty body: forms re-render with their errors (200) or the action answers with a message (302).
COMMITTEE_OF_BRANCH = statuses(302, liaison=403, member=403, bureau=403, stranger=404)
LEADERS_OF_BRANCH = statuses(302, committee=403, liaison=403, member=403, bureau=403, stranger=404)
POSTS = [
    Page("accounts:login", expected=statuses(302, anonymous=200)),
    Page("login_code", expected=PUBLIC),  # an empty number: the form again, with its message
    Page("login_code_check", expected=PUBLIC),
    Page("accounts:logout", expected=statuses(302, anonymous=302)),
    Page("accounts:password_change", expected=statuses()),
    Page("accounts:text_size", expected=statuses(302)),
    # No branch named: none of the user's own, refused (a user of several switches in the header).
    Page("accounts:branch_switch", expected=statuses(403)),
    # The cast's branch: any role of one's own there may work for it; the bureau reads it, works for none.
    Page(
        "accounts:branch_switch", data={"branch": "branch"}, expected=statuses(302, bureau=403, stranger=403)
    ),
    Page("accounts:session_extend", expected=statuses()),
    Page("set_language", expected=statuses(302, anonymous=302)),
    Page("members:create", expected=COMMITTEE_ONLY),
    Page("members:edit", ("member",), EDITORS_OF_BRANCH),
    # An empty form comes back with its errors beside the record: an opening, logged (a write).
    Page(
        "members:health",
        ("member",),
        statuses(200, liaison=403, member=404, bureau=403, stranger=404),
        writes=True,
    ),
    Page("members:group_update", ("group",), EDITORS_OF_BRANCH),
    Page("members:proxy_add", ("member",), EDITORS_OF_BRANCH),  # the form again, with its messages
    Page("members:proxy_remove", ("family_proxy",), COMMITTEE_OF_BRANCH, writes=True),
    Page("members:import", expected=COMMITTEE_ONLY),
    Page("members:import_confirm", ("stale_token",), statuses(302, liaison=403, member=403, bureau=403)),
    Page("notifications:new", expected=COMMITTEE_ONLY),
    Page("notifications:preview", expected=COMMITTEE_ONLY),
    Page("notifications:reminders", expected=statuses(302, liaison=403, member=403, bureau=403), writes=True),
    Page("notifications:send", ("notice",), COMMITTEE_OF_BRANCH),
    Page("notifications:retry", ("notice",), COMMITTEE_OF_BRANCH),
    Page("notifications:unschedule", ("notice",), COMMITTEE_OF_BRANCH),
    # Only the caller marks a call (the liaison leads the member's group); anyone else gets 404.
    Page("notifications:call_mark", ("call",), statuses(404, liaison=302)),
    Page("visits:new", expected=VISITORS),
    Page("visits:concern_create", expected=VISITORS),
    Page("visits:concern_transition", ("concern",), statuses(302, member=404, bureau=404, stranger=404)),
    Page("visits:planned_cancel", ("planned",), statuses(302, member=404, bureau=404, stranger=404)),
    Page("visits:policy", expected=COMMITTEE_ONLY),
    Page("visits:celebrations", expected=COMMITTEE_ONLY),
    Page("study:create", expected=VISITORS),
    Page("study:edit", ("activity",), CARERS_OF_BRANCH),
    Page("study:material_add", ("activity",), CARERS_OF_BRANCH),
    Page(
        "study:attendance_mark", ("activity", "member"), statuses(302, member=403, bureau=403, stranger=404)
    ),
    Page("study:makeup_record", ("attendance",), CARERS_OF_BRANCH),
    Page("study:plan", ("branch", 2026), CARERS_OF_BRANCH),
    Page("study:plan_generate", ("branch", 2026), statuses(302, member=403, bureau=403, stranger=404)),
    Page("study:calendar_token", expected=statuses(302), writes=True),
    Page("study:contribution_add", ("activity",), CARERS_OF_BRANCH),
    Page("study:minutes", ("meeting",), EDITORS_OF_BRANCH),
    Page("study:frequency", ("branch",), EDITORS_OF_BRANCH),
    # The owner (the committee member) or the committee marks a resolution done; the liaison reads only.
    Page(
        "study:resolution_done",
        ("resolution",),
        statuses(302, liaison=403, member=404, bureau=403, stranger=404),
        writes=True,
    ),
    Page("study:group_create", expected=VISITORS),
    Page("study:group_edit", ("interest_group",), CARERS_OF_BRANCH),
    # Only a member of the branch joins or leaves (the cast's carers have no member row).
    Page("study:group_join", ("interest_group",), statuses(403, member=302, stranger=404), writes=True),
    Page("study:group_leave", ("interest_group",), statuses(403, member=302, stranger=404), writes=True),
    Page("dues:payment_create", expected=LEADERS_ONLY),
    Page("dues:expenditure_create", expected=LEADERS_ONLY),
    Page("dues:rate_set", expected=LEADERS_ONLY),
    Page("dues:plan_item_add", (2025,), statuses(302, committee=403, liaison=403, member=403, bureau=403)),
    Page("dues:plan_item_update", ("plan_item",), LEADERS_OF_BRANCH),
    Page("dues:plan_item_move", ("plan_item",), LEADERS_OF_BRANCH, writes=True),
    Page("dues:plan_item_delete", ("plan_item",), LEADERS_OF_BRANCH, writes=True),
    # Ids in the body.
    Page("visits:new", data={"member": "member"}, expected=CARERS_OF_BRANCH),
    Page("visits:concern_create", data={"member": "member"}, expected=VISITORS),
    Page("dues:payment_create", data={"branch": "branch"}, expected={**LEADERS_ONLY, "stranger": 404}),
    Page("dues:plan_item_add", (2025,), LEADERS_OF_BRANCH, data={"branch": "branch"}),
]

# Object URLs whose argument is not a row id but a secret kept in the uploader's session: anyone
# else's session finds nothing and is sent back to upload (tests/members/test_roster.py); and the
# personal link, whose token opens its page for whoever holds it (tests/test_personal_links.py).
SESSION_SECRET_URLS = {"members:import_preview", "members:import_confirm", "link_open"}
NOT_OBJECT_ARGS = {"year"}


def _user_with_role(branch, role, username):
    user = UserFactory(username=username)
    BranchRoleFactory(user=user, branch=branch, role=role)
    return user


def world_build() -> dict:
    """The cast's branch with a row behind every object URL, and a branch of another bureau.

    Both branches carry distinctive names (`markers`): a page shown to one side must never
    contain the other side's.
    """
    branch = BranchFactory(name="第16党支部")
    other = BranchFactory(name="第99党支部")  # another bureau: the factory makes a new one
    role = BranchRole.Role
    users = {
        "secretary": _user_with_role(branch, role.SECRETARY, "secretary"),
        "committee": _user_with_role(branch, role.COMMITTEE, "committee"),
        "liaison": _user_with_role(branch, role.LIAISON, "liaison"),
        "bureau": _user_with_role(branch, role.BUREAU, "bureau"),
        "member": _user_with_role(branch, role.MEMBER, "member"),
        "stranger": _user_with_role(other, role.SECRETARY, "stranger"),
        # Not one of ROLES: the bureau role reaches branches by another path (its whole bureau).
        "other_bureau": _user_with_role(other, role.BUREAU, "other_bureau"),
    }
    group = ContactGroupFactory(branch=branch, number=1, name="东风联络小组", leader=users["liaison"])
    other_group = ContactGroupFactory(branch=other, number=1, name="西岭联络小组", leader=users["stranger"])
    own_member = MemberFactory(branch=branch, user=users["member"], contact_group=group, name="周桂兰")
    family_proxy = members_services.proxy_add(
        actor=SYSTEM,
        member=own_member,
        name="周小红",
        relation="女儿",
        phone="+8613622223333",
        notices="also",
    )
    users["proxy"] = family_proxy.user
    world = {
        "users": users,
        "branch": branch,
        "other_branch": other,
        "group": group,
        "own_member": own_member,
        "family_proxy": family_proxy,
        "member": MemberFactory(branch=branch, contact_group=group, name="韩秀英"),
        "other_member": MemberFactory(branch=other, contact_group=other_group, name="戚远航"),
        "other_group": other_group,
        "stale_token": "not-an-upload-of-this-session",
        "cast_surname": "韩",
        "other_surname": "戚",
    }
    world.update(_branch_rows(branch, "春晖", world["own_member"], world["member"], users["committee"]))
    other_rows = _branch_rows(other, "秋实", world["other_member"], world["other_member"], users["stranger"])
    world.update({f"other_{key}": row for key, row in other_rows.items()})
    token = links.link_url(user=users["member"], notice_id=world["notice"].pk).rsplit("/", 1)[-1]
    world["link_token"] = token
    world["forged_link_token"] = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    world["markers"] = {
        "cast": ["第16党支部", "周桂兰", "韩秀英", "东风联络小组", "春晖"],
        "other": ["第99党支部", "戚远航", "西岭联络小组", "秋实"],
    }
    return world


def _branch_rows(branch, marker: str, own_member, member, owner) -> dict:
    """A row of every kind an object URL points at, each named with `marker`."""
    activity = StudyActivityFactory(organiser=branch, theme=f"{marker}学习日")
    meeting = StudyActivityFactory(organiser=branch, kind="committee_meeting", theme=f"{marker}支委会")
    study_services.minutes_record(
        actor=SYSTEM, activity=meeting, chair="书记", recorder="委员",
        items=[{"title": f"{marker}议题", "discussion": "讨论", "decision": "决定"}],
        resolutions=[{"text": f"{marker}决议", "owner": owner, "due_on": meeting.date}],
    )  # fmt: skip
    photo = SimpleUploadedFile("a.png", tiny_png())
    draft = notifications_services.notice_create(
        actor=SYSTEM, branch=branch, title=f"{marker}通知", body="本月学习日上午9点。"
    )
    notice = notifications_services.notice_send(actor=SYSTEM, notice=draft).notice
    return {
        "activity": activity,
        "material": study_services.material_add(
            actor=SYSTEM, activity=activity, kind="photo", title=f"{marker}合影", file=photo
        ),
        "contribution": study_services.contribution_add(
            actor=SYSTEM,
            activity=activity,
            author=member,
            kind="essay",
            title=f"{marker}征文",
            file=SimpleUploadedFile("essay.png", tiny_png()),
        ),  # fmt: skip
        "notice": notice,
        # As if the member had no mobile: the notice is a call on their group leader's list.
        "call": Call.objects.create(
            branch=branch,
            notice=notice,
            member=member,
            caller=member.contact_group.leader,
            reason=Call.Reason.NO_MOBILE,
            body=f"{member.name}同志：本月学习日上午9点。",
        ),
        "concern": ConcernFactory(member=own_member, text=f"{marker}楼道照明坏了"),
        "planned": PlannedVisitFactory(member=own_member),
        "attendance": AttendanceFactory(activity=activity, member=member, status=Attendance.Status.ABSENT),
        "plan_item": WorkPlanItemFactory(branch=branch, year=2026, text=f"{marker}工作计划"),
        "meeting": meeting,
        "resolution": meeting.resolutions.get(),
        "interest_group": InterestGroupFactory(branch=branch, name=f"{marker}兴趣小组"),
    }


def sign_in(client, world, role: str) -> None:
    """Makes the client one of ROLES: logged in as the role's user, or (link) holding the cast member's
    personal link, opened but not logged in."""
    if role == "link":
        client.get(reverse("link_open", args=[world["notice"].pk, world["link_token"]]))
    elif role != "anonymous":
        client.force_login(world["users"][role])


def tiny_png() -> bytes:
    """A real 2 × 2 PNG: photos are opened and re-encoded by Pillow (study/photos.py)."""
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def assert_answer(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected, response.content[:300]


def response_text(response) -> str:
    """The headers (a download's file name, htmx triggers) and the body as text; .xlsx and .docx
    (zip files) are searched through their XML parts."""
    headers = "\n".join(f"{name}: {unquote(value)}" for name, value in response.headers.items())
    # The test client closes a streamed file itself once read; closing here would close the database.
    content = response.getvalue()
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
        return headers + "".join(parts)
    return headers + content.decode("utf-8", "replace")


def leaked(response, role: str, world) -> list[str]:
    """The other side's distinctive strings found in the response (anonymous: either side's)."""
    markers = world["markers"]
    foreign = {
        "anonymous": markers["cast"] + markers["other"],
        "stranger": markers["cast"],
        "other_bureau": markers["cast"],
    }.get(role, markers["other"])
    text = response_text(response)
    return [marker for marker in foreign if marker in text]


# Sessions and login attempts change with every request by design; everything else must not.
UNTRACKED_APPS = {"sessions", "axes"}


def database_state(rows=()) -> tuple:
    """Row counts of every table, with the full rows of `rows`: equal before and after means unchanged."""
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in UNTRACKED_APPS and model._meta.managed and not model._meta.proxy
    )
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables))
        counts = dict(zip(tables, cursor.fetchone(), strict=True))
    values = [
        type(row)._base_manager.filter(pk=row.pk).values().first()
        for row in rows
        if isinstance(row, models.Model)
    ]
    return counts, values
