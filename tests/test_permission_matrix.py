"""Every page × every role → the expected status (DESIGN.md, "Tenancy and roles").

Add a page with one line in PAGES. `objects` holds rows of the cast's branch that
object URLs point at; a stranger (another bureau) must get 404 for each of them.
"""

from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notifications import services as notifications_services
from study import services as study_services
from tests.factories import MemberFactory
from tests.study.factories import StudyActivityFactory
from tests.visits.factories import ConcernFactory, PlannedVisitFactory

ROLES = ["anonymous", "secretary", "committee", "liaison", "member", "bureau", "stranger"]
LOGIN = "login"  # anonymous users are sent to the login page


@dataclass
class Page:
    name: str
    args: object = None  # callable(objects) -> list of URL args
    expected: dict = field(default_factory=dict)

    def url(self, objects) -> str:
        return reverse(self.name, args=self.args(objects) if self.args else None)


def statuses(default: int = 200, anonymous=LOGIN, **overrides) -> dict:
    result = dict.fromkeys(ROLES, default)
    result["anonymous"] = anonymous
    result.update(overrides)
    return result


PUBLIC = dict.fromkeys(ROLES, 200)
CARERS_ONLY = statuses(200, member=403)  # a stranger sees their own branch only
STUDY_MANAGERS_OF_BRANCH = statuses(200, member=403, bureau=403, stranger=404)
VISITORS = statuses(200, member=403, bureau=403)  # record_visits; a stranger sees their own branch

PAGES = [
    Page("accounts:login", expected=statuses(anonymous=200, **{r: 302 for r in ROLES[1:]})),
    Page("healthz", expected=PUBLIC),
    Page("home", expected=statuses()),
    Page("accounts:password_change", expected=statuses()),
    Page("members:list", expected=CARERS_ONLY),
    Page("members:contact_map", expected=statuses()),
    Page("members:detail", lambda o: [o["member"].pk], statuses(200, member=404, stranger=404)),
    Page("members:detail", lambda o: [o["own_member"].pk], statuses(200, stranger=404)),
    Page("members:create", expected=statuses(200, liaison=403, member=403, bureau=403)),
    Page("members:edit", lambda o: [o["member"].pk],
         statuses(200, liaison=403, member=403, bureau=403, stranger=404)),
    Page("members:groups", expected=statuses(200, liaison=403, member=403, bureau=403)),
    Page("members:group_update", lambda o: [o["member"].contact_group_id], statuses(405)),  # POST only
    Page("members:contact_map_xlsx", expected=CARERS_ONLY),
    Page("members:import", expected=statuses(200, liaison=403, member=403, bureau=403)),
    Page("members:import_template", expected=statuses(200, liaison=403, member=403, bureau=403)),
    Page("members:import_preview", lambda o: ["unknown"], statuses(302, liaison=403, member=403, bureau=403)),
    Page("members:export", expected=statuses(200, liaison=403, member=403, bureau=403)),
    Page("study:list", expected=statuses()),
    Page("study:detail", lambda o: [o["activity"].pk], statuses(200, stranger=404)),
    Page("study:create", expected=statuses(200, member=403, bureau=403)),
    Page("study:edit", lambda o: [o["activity"].pk], STUDY_MANAGERS_OF_BRANCH),
    Page("study:attendance", lambda o: [o["activity"].pk], STUDY_MANAGERS_OF_BRANCH),
    Page("study:makeup", expected=statuses(200, member=403, bureau=403)),
    Page("study:plan_home", expected=statuses(302, member=403, bureau=403)),
    Page("study:plan", lambda o: [o["activity"].organiser_id, 2026], STUDY_MANAGERS_OF_BRANCH),
    Page("study:material", lambda o: [o["material"].pk], statuses(200, stranger=404)),
    Page("study:member_panel", lambda o: [o["own_member"].pk], statuses(200, stranger=404)),
    Page("study:member_panel", lambda o: [o["member"].pk], statuses(200, member=404, stranger=404)),
    Page("study:calendar_token", expected=statuses()),
    Page("study:groups", expected=statuses()),
    Page("study:calendar_feed", expected=statuses(404, anonymous=404)),  # without a token
    Page("dues:ledger", expected=statuses(200, liaison=403)),  # a member sees their own dues
    Page("dues:report", lambda o: [2025], statuses(200, liaison=403, member=403)),
    Page("dues:report_docx", lambda o: [2025], statuses(200, liaison=403, member=403)),
    Page("dues:report_xlsx", lambda o: [2025], statuses(200, liaison=403, member=403)),
    Page("dues:member_panel", lambda o: [o["own_member"].pk], statuses(200, liaison=204, stranger=404)),
    Page("dues:member_panel", lambda o: [o["member"].pk],
         statuses(200, liaison=204, member=404, stranger=404)),
    Page("dues:payment_create", expected=statuses(405)),  # POST only
    Page("dues:payment_owed", expected=statuses(200, committee=403, liaison=403, member=403, bureau=403)),
    Page("dues:expenditure_create", expected=statuses(405)),
    Page("dues:rate_set", expected=statuses(405)),
    Page("dues:plan_item_add", lambda o: [2025], statuses(405)),
    Page("visits:schedule", expected=VISITORS),
    Page("visits:schedule_xlsx", expected=VISITORS),
    Page("visits:schedule_month", expected=VISITORS),
    Page("visits:new", expected=VISITORS),
    Page("visits:member_search", expected=VISITORS),
    Page("visits:member_panel", lambda o: [o["own_member"].pk], statuses(200, member=204, stranger=404)),
    Page("visits:member_panel", lambda o: [o["member"].pk], statuses(200, member=404, stranger=404)),
    Page("visits:concerns", expected=statuses(200, member=403)),  # bureau: the escalations inbox
    Page("visits:concern_create", expected=statuses(405)),  # POST only
    Page("visits:concern_transition", lambda o: [o["concern"].pk], statuses(405)),
    Page("visits:planned_cancel", lambda o: [o["planned"].pk], statuses(405)),
    Page("visits:policy", expected=statuses(200, liaison=403, member=403, bureau=403)),
    Page("notifications:list", expected=statuses()),
    Page("notifications:new", expected=statuses(200, liaison=403, member=403, bureau=403)),
    Page("notifications:preview", expected=statuses(405, liaison=403, member=403, bureau=403)),  # POST only
    Page("notifications:reminders", expected=statuses(200, liaison=403, member=403, bureau=403)),
    Page("notifications:detail", lambda o: [o["notice"].pk], statuses(200, stranger=404)),
    Page(
        "notifications:retry", lambda o: [o["notice"].pk], statuses(405, liaison=403, member=403, bureau=403)
    ),
    Page(
        "notifications:unschedule",
        lambda o: [o["notice"].pk],
        statuses(405, liaison=403, member=403, bureau=403),
    ),
    Page("notifications:member_panel", lambda o: [o["own_member"].pk], statuses(200, stranger=404)),
    Page("notifications:member_panel", lambda o: [o["member"].pk], statuses(200, member=404, stranger=404)),
]


@pytest.fixture
def objects(branch, own_member, group):
    activity = StudyActivityFactory(organiser=branch)
    material = study_services.material_add(
        actor=None, activity=activity, kind="photo", title="合影",
        file=SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n"),
    )
    return {
        "member": MemberFactory(branch=branch, contact_group=group),
        "own_member": own_member,
        "activity": activity,
        "material": material,
        "notice": notifications_services.notice_send(
            actor=None,
            notice=notifications_services.notice_create(actor=None, branch=branch, title="通知", body="b"),
        ),
        "concern": ConcernFactory(member=own_member),
        "planned": PlannedVisitFactory(member=own_member),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_answers_each_role_as_designed(client, cast, objects, page, role):
    if role != "anonymous":
        client.force_login(cast[role])
    response = client.get(page.url(objects))
    expected = page.expected[role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected, response.content[:300]
