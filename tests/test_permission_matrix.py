"""Every page × every role → the expected status (DESIGN.md, "Tenancy and roles").

Add a page with one line in PAGES (tests/surface.py). Object URLs point at rows of the cast's
branch; a stranger (another bureau) must get 404 for each of them. No page shows one branch's
rows to a user of the other, and a refused request changes nothing.
"""

import pytest

from tests.surface import PAGES, REFUSED, ROLES, assert_answer, database_state, leaked, sign_in


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=str)
def test_page_answers_each_role_as_designed(client, db, surface_world, page, role):
    sign_in(client, surface_world, role)
    before = database_state(page.objects(surface_world))

    response = client.get(page.url(surface_world), page.params(surface_world))

    assert_answer(response, page.expected[role])
    assert not leaked(response, role, surface_world)
    if page.expected[role] in REFUSED:
        assert database_state(page.objects(surface_world)) == before
