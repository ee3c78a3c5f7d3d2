import datetime
import zoneinfo

import pytest

from notifications.transports import locmem
from notifications.transports.wecom import MinuteBudget

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def locmem_backends(settings):
    """Every notifications test sends through the in-memory backend unless it picks another."""
    settings.NOTIFICATIONS = {
        **settings.NOTIFICATIONS,
        "SMS_BACKEND": "notifications.transports.locmem.LocmemTransport",
        "WECHAT_BACKEND": "notifications.transports.locmem.LocmemTransport",
        "RATE_LIMIT_REDIS_URL": "",
    }
    locmem.outbox.clear()
    MinuteBudget._local.clear()
    yield
    locmem.outbox.clear()


@pytest.fixture
def daytime():
    """10:00 Beijing time: outside quiet hours."""
    return datetime.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def clock(monkeypatch, daytime):
    """Sets the time everything reads through timezone.now(); starts at `daytime`, `clock.move(...)`."""

    class Clock:
        now = daytime

        def move(self, **delta):
            self.now += datetime.timedelta(**delta)

    current = Clock()
    monkeypatch.setattr("django.utils.timezone.now", lambda: current.now)
    return current


@pytest.fixture
def eager_celery():
    """Tasks queued on commit run at once, in this process."""
    from branch_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous
