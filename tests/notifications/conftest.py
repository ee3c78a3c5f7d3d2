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


# What every Alibaba Cloud stub checks requests are signed with (SMS and voice sign alike).
ALIYUN_KEYS = {"ALIYUN_ACCESS_KEY_ID": stubs.ALIYUN_KEY_ID, "ALIYUN_ACCESS_KEY_SECRET": stubs.ALIYUN_SECRET}


@pytest.fixture
def serve_stub(httpserver, settings):
    """Serves a stub provider (stubs.py) on the local HTTP server and points a backend at it:
    `serve_stub(stub, "ALIYUN_SMS_ENDPOINT", **options)` sets that setting to the stub's address, and the
    other notifications settings given; returns the stub."""

    def serve(stub, endpoint: str, *, path: str = "/", **options):
        httpserver.expect_request(path, method="POST").respond_with_handler(stub)
        use(settings, **{endpoint: httpserver.url_for(path)}, **options)
        return stub

    return serve


@pytest.fixture
def aliyun(serve_stub):
    return serve_stub(
        stubs.AliyunStub(),
        "ALIYUN_SMS_ENDPOINT",
        SMS_BACKEND="notifications.transports.aliyun.AliyunSmsTransport",
        ALIYUN_SMS_TEMPLATE_CODE="SMS_0001",
        SMS_SIGN_NAME="第16党支部",
        **ALIYUN_KEYS,
    )


@pytest.fixture
def voice(serve_stub):
    """Alibaba Cloud's text-to-speech calls (SingleCallByTts), in quiet hours like SMS."""
    return serve_stub(
        stubs.AliyunVoiceStub(),
        "ALIYUN_VOICE_ENDPOINT",
        VOICE_BACKEND="aliyun_voice",
        ALIYUN_VOICE_TTS_CODE="TTS_10001",
        QUIET_HOURS="21:00-08:00",
        **ALIYUN_KEYS,
    )


@pytest.fixture
def tencent(serve_stub):
    return serve_stub(
        stubs.TencentStub(),
        "TENCENT_SMS_ENDPOINT",
        SMS_BACKEND="notifications.transports.tencent.TencentSmsTransport",
        TENCENT_SECRET_ID=stubs.TENCENT_ID,
        TENCENT_SECRET_KEY=stubs.TENCENT_KEY,
        TENCENT_SMS_APP_ID="1400000000",
        TENCENT_SMS_TEMPLATE_ID="100001",
        SMS_SIGN_NAME="第16党支部",
    )


@pytest.fixture
def wecom(serve_stub, branch):
    return serve_stub(
        stubs.WeComStub(),
        "WECOM_WEBHOOK_URL",
        path="/cgi-bin/webhook/send",
        WECHAT_BACKEND="notifications.transports.wecom.WeComRobotTransport",
        WECOM_KEYS={str(branch.pk): {"branch_wechat": stubs.WECOM_KEY, "committee_wechat": "wrong-key"}},
    )
