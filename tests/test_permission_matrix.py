"""Every page × every role → the expected status (DESIGN.md, "Tenancy and roles").

Add a page with one line in PAGES. `objects` holds rows of the cast's branch that
object URLs point at; a stranger (another bureau) must get 404 for each of them.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from tests.factories import MemberFactory

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

PAGES = [
    Page("accounts:login", expected=statuses(anonymous=200, **{r: 302 for r in ROLES[1:]})),
    Page("healthz", expected=PUBLIC),
    Page("home", expected=statuses()),
    Page("accounts:password_change", expected=statuses()),
    Page("members:list", expected=CARERS_ONLY),
    Page("members:contact_map", expected=statuses()),
    Page("members:detail", lambda o: [o["member"].pk], statuses(200, member=404, stranger=404)),
    Page("members:detail", lambda o: [o["own_member"].pk], statuses(200, stranger=404)),
    Page("members:import", expected=statuses(200, liaison=403, member=403, bureau=403)),
    Page("members:import_template", expected=statuses(200, liaison=403, member=403, bureau=403)),
    Page("members:import_preview", lambda o: ["unknown"], statuses(302, liaison=403, member=403, bureau=403)),
    Page("members:export", expected=statuses(200, liaison=403, member=403, bureau=403)),
]


@pytest.fixture
def objects(branch, own_member, group):
    return {"member": MemberFactory(branch=branch, contact_group=group), "own_member": own_member}


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
