"""Cached page bodies (branch_portal/fragments.py): served again while nothing their reader may see
has changed, rendered afresh as soon as something has, whoever or whatever wrote it."""

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import BranchRole
from branch_portal import fragments
from members.models import HealthRecord, HealthRecordView, Member
from notifications.tasks import sweep_outbox_task
from tests.conftest import need_service
from tests.factories import BranchRoleFactory, ContactGroupFactory, MemberFactory, UserFactory
from visits.planning import plan_visits

# The user and their roles: what every logged-in request reads before its view (the session comes
# from the cache).
HIT_QUERIES = 2


pytestmark = pytest.mark.usefixtures("page_cache")


@pytest.fixture
def reader(client, secretary, branch):
    MemberFactory.create_batch(3, branch=branch)
    client.force_login(secretary)
    return client


def active_members(response) -> str:
    return next(tile["value"] for tile in response.context["tiles"] if tile["url"] == reverse("members:list"))


def main_of(response) -> str:
    return response.content.decode().split('<main id="main"')[1].split("</main>")[0]


def test_a_second_visit_is_served_from_the_cache_with_the_same_body(reader, django_assert_num_queries):
    first = reader.get(reverse("home"))
    with django_assert_num_queries(HIT_QUERIES):
        second = reader.get(reverse("home"))
    assert active_members(first) == 3
    assert "tiles" not in second.context  # the body's queries did not run
    assert main_of(second) == main_of(first)


def test_a_write_in_a_request_of_the_branch_renders_the_body_afresh(reader, branch):
    reader.get(reverse("home"))
    colleague = UserFactory(username="colleague")
    BranchRoleFactory(user=colleague, branch=branch, role=BranchRole.Role.COMMITTEE)
    other = Client()
    other.force_login(colleague)
    other.post(reverse("accounts:text_size"), {"text_size": "large"})  # a row of the branch's user

    response = reader.get(reverse("home"))
    assert "tiles" in response.context


def test_a_write_by_another_branch_leaves_the_body_cached(
    client, secretary, stranger, django_assert_max_num_queries
):
    other = Client()
    other.force_login(stranger)  # logging in (last_login) outside a request changes the site
    client.force_login(secretary)
    client.get(reverse("home"))
    other.post(reverse("accounts:text_size"), {"text_size": "large"})

    with django_assert_max_num_queries(HIT_QUERIES):
        client.get(reverse("home"))


def test_a_write_outside_a_request_changes_every_branch_at_once(reader, branch):
    reader.get(reverse("home"))
    MemberFactory(branch=branch)  # as a Celery task or a management command would

    assert active_members(reader.get(reverse("home"))) == 4


def test_outside_a_request_the_site_changes_again_once_after_the_commit(branch):
    with transaction.atomic():
        MemberFactory.create_batch(3, branch=branch)
        pending = [callback for _savepoints, callback, _robust in connection.run_on_commit]
    assert pending.count(fragments.site_changed) == 1


def test_an_update_that_changes_no_row_changes_nothing(reader, django_assert_max_num_queries):
    reader.get(reverse("home"))
    Member.objects.filter(pk=0).update(name="无")  # e.g. the sweeper finding nothing to do

    with django_assert_max_num_queries(HIT_QUERIES):
        reader.get(reverse("home"))


def test_the_hourly_planner_changes_nothing_when_there_is_nothing_to_plan(branch, liaison):
    """Otherwise every cached page of the bureau would be dropped once an hour."""
    group = ContactGroupFactory(branch=branch, number=1, leader=liaison)
    MemberFactory.create_batch(3, branch=branch, contact_group=group)
    assert plan_visits(today=timezone.localdate()).created
    before = fragments._generations([fragments.SITE])

    plan_visits(today=timezone.localdate())

    assert fragments._generations([fragments.SITE]) == before


def test_the_minutely_sweep_changes_nothing_when_the_outbox_is_idle(db):
    before = fragments._generations([fragments.SITE])

    sweep_outbox_task()

    assert fragments._generations([fragments.SITE]) == before


def test_staff_writing_through_the_admin_change_every_branch(reader, other_branch):
    reader.get(reverse("home"))
    admin = Client()
    admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = admin.post(
        reverse("admin:members_branch_change", args=[other_branch.pk]),
        {"bureau": other_branch.bureau_id, "name": "第98党支部"},
    )
    assert response.status_code == 302

    assert "tiles" in reader.get(reverse("home")).context


def test_extending_a_session_writes_only_the_session_and_changes_nothing(
    reader, django_assert_max_num_queries
):
    reader.get(reverse("home"))
    reader.post(reverse("accounts:session_extend"))

    with django_assert_max_num_queries(HIT_QUERIES):
        reader.get(reverse("home"))


def test_opening_a_health_record_is_logged_without_changing_the_branch(
    reader, branch, django_assert_max_num_queries
):
    member = MemberFactory(branch=branch)
    HealthRecord.objects.get_or_create(member=member)
    reader.get(reverse("home"))
    reader.get(reverse("members:detail", args=[member.pk]))
    reader.get(reverse("members:health", args=[member.pk]))
    assert HealthRecordView.objects.filter(member=member).exists()

    with django_assert_max_num_queries(HIT_QUERIES):
        reader.get(reverse("home"))
    with django_assert_max_num_queries(HIT_QUERIES + 1):  # the member, whose name titles the page
        reader.get(reverse("members:detail", args=[member.pk]))


def test_each_session_has_bodies_of_its_own(reader, secretary):
    """A body carries its session's CSRF tokens, so another session of the same user renders its own."""
    reader.get(reverse("home"))
    second_device = Client()
    second_device.force_login(secretary)

    assert "tiles" in second_device.get(reverse("home")).context


def test_another_language_is_another_body(reader):
    reader.get(reverse("home"))
    reader.cookies["django_language"] = "en"

    response = reader.get(reverse("home"))
    assert "tiles" in response.context
    assert "Active members" in response.content.decode()


def test_a_lost_generation_never_brings_back_an_older_body(reader, branch):
    reader.get(reverse("home"))
    cache.delete(fragments._generation_key(branch.pk))  # evicted by Redis under memory pressure

    assert "tiles" in reader.get(reverse("home")).context


def test_a_joint_activity_names_the_partner_branches_it_changes(rf, secretary, branch, other_branch):
    """What branches_changed() adds to a request's writes."""
    middleware = fragments.BranchWritesMiddleware(lambda request: _write_naming(other_branch))
    request = rf.post("/")
    request.user = secretary
    before = fragments._generations([branch.pk, other_branch.pk])

    middleware(request)

    after = fragments._generations([branch.pk, other_branch.pk])
    assert after[0] != before[0] and after[1] != before[1]


def _write_naming(other_branch):
    MemberFactory(branch=other_branch)
    fragments.branches_changed([other_branch.pk])
    return None


def test_every_unseen_table_exists(db):
    tables = connection.introspection.table_names()
    for unseen in fragments.UNSEEN_TABLES:
        assert any(table.startswith(unseen) for table in tables), unseen


def test_every_connection_watches_its_writes(db):
    connection.ensure_connection()
    assert fragments.watch_writes in connection.execute_wrappers


def test_the_redis_cache_of_production_serves_and_drops_bodies(settings, reader, branch):
    import redis

    url = "redis://127.0.0.1:6379/9"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        need_service("Redis is not running on 127.0.0.1:6379")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    cache.clear()

    assert "tiles" in reader.get(reverse("home")).context
    assert "tiles" not in reader.get(reverse("home")).context
    MemberFactory(branch=branch)
    assert active_members(reader.get(reverse("home"))) == 4
