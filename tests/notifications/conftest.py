import datetime
import zoneinfo

import pytest

from notifications.transports import locmem
from notifications.transports.wecom import MinuteBudget

from . import stubs

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


def use(settings, **options):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, **options}


@pytest.fixture
def aliyun(httpserver, settings):
    stub = stubs.AliyunStub()
    httpserver.expect_request("/", method="POST").respond_with_handler(stub)
    use(
        settings,
        SMS_BACKEND="notifications.transports.aliyun.AliyunSmsTransport",
        ALIYUN_SMS_ENDPOINT=httpserver.url_for("/"),
        ALIYUN_ACCESS_KEY_ID=stubs.ALIYUN_KEY_ID,
        ALIYUN_ACCESS_KEY_SECRET=stubs.ALIYUN_SECRET,
        ALIYUN_SMS_TEMPLATE_CODE="SMS_0001",
        SMS_SIGN_NAME="第16党支部",
    )
    return stub


@pytest.fixture
def tencent(httpserver, settings):
    stub = stubs.TencentStub()
    httpserver.expect_request("/", method="POST").respond_with_handler(stub)
    use(
        settings,
        SMS_BACKEND="notifications.transports.tencent.TencentSmsTransport",
        TENCENT_SMS_ENDPOINT=httpserver.url_for("/").rstrip("/"),
        TENCENT_SECRET_ID=stubs.TENCENT_ID,
        TENCENT_SECRET_KEY=stubs.TENCENT_KEY,
        TENCENT_SMS_APP_ID="1400000000",
        TENCENT_SMS_TEMPLATE_ID="100001",
        SMS_SIGN_NAME="第16党支部",
    )
    return stub


@pytest.fixture
def wecom(httpserver, settings, branch):
    stub = stubs.WeComStub()
    httpserver.expect_request("/cgi-bin/webhook/send", method="POST").respond_with_handler(stub)
    use(
        settings,
        WECHAT_BACKEND="notifications.transports.wecom.WeComRobotTransport",
        WECOM_WEBHOOK_URL=httpserver.url_for("/cgi-bin/webhook/send"),
        WECOM_KEYS={str(branch.pk): {"branch_wechat": stubs.WECOM_KEY, "committee_wechat": "wrong-key"}},
    )
    return stub
