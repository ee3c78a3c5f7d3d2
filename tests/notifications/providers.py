"""Stub providers served on pytest-httpserver, with the settings that point a backend at each: the one
way every test reaches a provider (registered for the whole suite in tests/conftest.py)."""

import pytest

from . import stubs


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
