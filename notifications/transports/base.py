"""The transport contract: `send(messages)` returns one Outcome per message or raises TransportError."""

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from ..models import GROUP_CHANNELS

logger = logging.getLogger("notifications")


class TransportError(Exception):
    """A failed send. `permanent` errors fail the message at once; others are retried with backoff."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: int | None = None,
        code: str = "",
        uncertain: bool = False,
    ):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        self.code = code
        # No answer came back (timeout, dropped connection): the provider may have sent it anyway.
        self.uncertain = uncertain


@dataclass
class Outcome:
    """What happened to one message: a provider id when accepted, else the error."""

    provider_message_id: str = ""
    error: TransportError | None = None


class Transport:
    """Sends a batch of messages of one channel. Subclasses set `max_batch` and implement `send`."""

    max_batch = 1

    def __init__(self, channel: str):
        self.channel = channel
        self.options = settings.NOTIFICATIONS

    def send(self, messages: list) -> dict[int, Outcome]:
        """Message id → Outcome for every message; raise TransportError when the whole batch failed."""
        raise NotImplementedError

    def check(self, messages: list) -> dict[int, Outcome]:
        """Asks the provider which of these messages it already took (before sending them again after
        a crash or a timeout); those it did not mention are sent again. By default nothing is known."""
        return {}

    def post_json(self, url: str, payload: dict, headers: dict | None = None) -> dict:
        """POST JSON and return the JSON answer; timeouts and 5xx are transient errors."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        return self.request(url, body, headers)

    def request(self, url: str, body: bytes, headers: dict) -> dict:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.options["HTTP_TIMEOUT"]) as response:
                return json.loads(response.read().decode())
        except urllib.error.HTTPError as exc:
            # 5xx and 429 are worth a retry. A 4xx with a JSON body carries the provider's
            # error code: hand it back for the backend to classify.
            detail = exc.read().decode(errors="replace")
            transient = exc.code >= 500 or exc.code == 429
            if not transient:
                try:
                    answer = json.loads(detail)
                except ValueError:
                    answer = None
                if isinstance(answer, dict):
                    return answer
            raise TransportError(f"HTTP {exc.code}: {detail[:200]}", permanent=not transient) from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise TransportError(f"connection failed: {exc}", uncertain=True) from exc
        except ValueError as exc:
            raise TransportError(f"not JSON: {exc}") from exc


# Short names for the settings (SMS_BACKEND=aliyun); a dotted path to any Transport works too.
BACKENDS = {
    "console": "notifications.transports.console.ConsoleTransport",
    "locmem": "notifications.transports.locmem.LocmemTransport",
    "aliyun": "notifications.transports.aliyun.AliyunSmsTransport",
    "tencent": "notifications.transports.tencent.TencentSmsTransport",
    "wecom": "notifications.transports.wecom.WeComRobotTransport",
}


def get_transport(channel: str) -> Transport:
    """The configured backend for a channel: SMS_BACKEND for SMS, WECHAT_BACKEND for the two groups."""
    name = settings.NOTIFICATIONS["WECHAT_BACKEND" if channel in GROUP_CHANNELS else "SMS_BACKEND"]
    return import_string(BACKENDS.get(name, name))(channel)

