"""The overdue ladder through a real Celery worker on a private Redis, with PostgreSQL: each step of each
visit is taken once and told once, when the task runs twice at once and when a worker dies mid-run.

The worker, the Redis server and the SMS stub are those of tests/notifications/test_worker.py. To make
the two runs meet, and the kill land inside a run's transaction, a second connection holds a lock on
the ladder's table that lets the runs read but not write; the test lets go when they wait on it.
"""

import datetime
import time

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import BranchRole
from notifications.models import Message
from tests.factories import BranchRoleFactory, ContactGroupFactory, MemberFactory, UserFactory
from tests.notifications import test_worker
from tests.notifications.test_worker import wait_until
from tests.visits.factories import PlannedVisitFactory
from visits.models import Escalation
from visits.tasks import overdue_ladder_task

# The worker tests' fixtures, reused (pytest finds fixtures by the module's names): a private
# redis-server, this process's Celery app pointed at it, the Aliyun stub and the worker subprocesses.
services_up, broker, stub, workers = (
    test_worker.services_up,
    test_worker.broker,
    test_worker.stub,
    test_worker.workers,
)

MEMBERS_PER_GROUP = 3
Step = Escalation.Step


@pytest.fixture
def carers(branch, secretary, liaison):
    """Two group leaders holding three visits each, 30 days overdue: every step is due at once."""
    secretary.phone, liaison.phone = "+8613900000002", "+8613900000003"
    secretary.save(update_fields=["phone"])
    liaison.save(update_fields=["phone"])
    today = timezone.localdate()
    leaders = []
    for number in (1, 2):
        leader = UserFactory(username=f"leader{number}", phone=f"+861390000001{number}")
        BranchRoleFactory(user=leader, branch=branch, role=BranchRole.Role.COMMITTEE)
        group = ContactGroupFactory(branch=branch, number=number, leader=leader)
        for n in range(MEMBERS_PER_GROUP):
            PlannedVisitFactory(
                member=MemberFactory(branch=branch, contact_group=group, name=f"组{number}党员{n}"),
                due_from=today - datetime.timedelta(days=40),
                due_by=today - datetime.timedelta(days=30),
                responsible=leader,
            )
        leaders.append(leader)
    return [*leaders, secretary, liaison]


class LadderLock:
    """EXCLUSIVE on the ladder's table from a connection of its own: reads go on, inserts wait."""

    def __enter__(self):
        db = connection.settings_dict
        self.conn = psycopg2.connect(
            dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
        )
        self.conn.cursor().execute(f"LOCK TABLE {Escalation._meta.db_table} IN EXCLUSIVE MODE")
        return self

    def __exit__(self, *exc):
        self.conn.rollback()
        self.conn.close()


def runs_waiting_on_the_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO %%escalation%%'"
        )
        return cursor.fetchone()[0]


def all_sent() -> bool:
    return Message.objects.exists() and not Message.objects.exclude(status=Message.Status.SENT).exists()


def assert_each_step_once(carers, stub):
    steps = list(Escalation.objects.values_list("planned_id", "step"))
    assert len(steps) == len(set(steps)) == 2 * MEMBERS_PER_GROUP * 3
    # One SMS per recipient and step: each leader is reminded of their three, the secretary and the
    # liaison officer are told of all six, once.
    assert dict(stub.received) == {str(carer.phone.national_number): 1 for carer in carers}
    assert Message.objects.count() == len(carers)


def test_two_runs_at_once_take_each_step_once(branch, carers, broker, workers, stub):
    workers.start()
    with LadderLock():
        overdue_ladder_task.delay()
        overdue_ladder_task.delay()
        assert wait_until(lambda: runs_waiting_on_the_lock() == 2, timeout=60)
    assert wait_until(all_sent, timeout=60)
    time.sleep(1)  # anything sent twice would have arrived by now
    assert_each_step_once(carers, stub)


def test_a_worker_killed_mid_run_leaves_every_step_to_the_next_run_which_takes_each_once(
    branch, carers, broker, workers, stub
):
    first = workers.start()
    with LadderLock():
        overdue_ladder_task.delay()
        assert wait_until(lambda: runs_waiting_on_the_lock() == 1, timeout=60)
        workers.kill(first)
    # The dead run's transaction never commits: no step taken, nothing queued.
    assert wait_until(lambda: runs_waiting_on_the_lock() == 0, timeout=10)
    assert not Escalation.objects.exists() and not Message.objects.exists()
    workers.start()
    overdue_ladder_task.delay()  # the next day's beat (or the broker giving the lost task back)
    assert wait_until(all_sent, timeout=60)
    overdue_ladder_task.delay()  # and once more, for good measure
    time.sleep(3)
    assert_each_step_once(carers, stub)
