"""The worker keeps its database connection between tasks, but not a broken or aged one."""

import time

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from branch_portal.celery import app, drop_broken_database_connections, ping_task
from tests.conftest import need_service


def test_celery_reads_the_reuse_setting_through_its_django_fixup():
    assert DjangoWorkerFixup(app).db_reuse_max == 1000


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_connection_past_its_age_is_dropped_before_the_next_task():
    if connection.vendor != "postgresql":
        need_service("needs PostgreSQL (DATABASE_URL): Django never closes an in-memory SQLite database")
    connection.ensure_connection()
    connection.close_at = time.monotonic() - 1
    drop_broken_database_connections(sender=ping_task)
    assert connection.connection is None


@pytest.mark.django_db(transaction=True)
def test_a_healthy_connection_is_kept_for_the_next_task():
    connection.ensure_connection()
    kept = connection.connection
    connection.close_at = time.monotonic() + 60
    drop_broken_database_connections(sender=ping_task)
    assert connection.connection is kept
