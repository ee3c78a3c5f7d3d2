"""Health values only where their opening is logged (README: every view of health data is logged).

The cast's members carry a health condition and note with marker strings; every URL of
tests/surface.py, exports included, is requested (GET, then the empty POSTs) as each carer role.
A marker may appear only in the answers of the logged health page, each of which adds one
HealthRecordView row and is sent with Cache-Control: no-store.
"""

import pytest

from accounts.permissions import SYSTEM
from members import services
from members.models import HealthRecord, HealthRecordView
from tests.surface import PAGES, POSTS, response_text

# The condition is stored as a value no choice has, so that a page printing it, label or value, shows it.
CONDITION_MARK = "病况标记Q7"
NOTE_MARK = "病情备注标记Z9"
MARKS = [CONDITION_MARK, NOTE_MARK]
LOGGED = {"members:health"}
CARER_ROLES = ["secretary", "committee", "liaison", "bureau"]
NOT_WALKED = {"accounts:logout"}  # would end the walk's session; it shows nothing of a member


@pytest.fixture
def marked_world(surface_world):
    for key in ("member", "own_member"):
        member = surface_world[key]
        # Through the service first, so that the change history holds the change too (masked).
        services.health_record_update(
            actor=SYSTEM, member=member, condition="poor", mobility="housebound", note=NOTE_MARK
        )
        HealthRecord.objects.filter(member=member).update(condition=CONDITION_MARK)
    return surface_world


def check_answer(page, response) -> None:
    shown = [mark for mark in MARKS if mark in response_text(response)]
    if page.name in LOGGED and response.status_code == 200:
        assert shown == MARKS, page  # the walk reaches the record where it may be shown
        assert "no-store" in response["Cache-Control"], page
    else:
        assert shown == [], f"{page} shows health values without logging the view"


@pytest.mark.parametrize("role", CARER_ROLES)
def test_health_values_show_only_on_the_logged_health_page(client, db, marked_world, role):
    user = marked_world["users"][role]
    client.force_login(user)
    for page in PAGES:
        opened = HealthRecordView.objects.count()
        # The htmx swaps render parts of their pages: only the health page's own is walked twice.
        for headers in ({}, {"HX-Request": "true"}) if page.name in LOGGED else ({},):
            response = client.get(page.url(marked_world), page.params(marked_world), headers=headers)
            check_answer(page, response)
        if page.name in LOGGED and response.status_code == 200:
            assert HealthRecordView.objects.filter(viewer=user).count() == opened + 2, page
    for page in POSTS:
        if page.name in NOT_WALKED:
            continue
        client.force_login(user)
        check_answer(page, client.post(page.url(marked_world), page.params(marked_world)))
