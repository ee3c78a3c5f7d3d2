"""The transport contract: `send(messages)` returns one Outcome per message or raises TransportError."""

import http.client
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import GROUP_CHANNELS, Channel

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
        alert: bool = False,
    ):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        self.code = code
        # No answer came back (timeout, dropped connection): the provider may have sent it anyway.
        self.uncertain = uncertain
        # Someone has to act (credit, limits, template): the branch secretary is told, once per notice.
        self.alert = alert


@dataclass
class Outcome:
    """What happened to one message: a provider id when accepted, else the error."""

    provider_message_id: str = ""
    error: TransportError | None = None


# What the branch can do about a provider's refusal that no retry within minutes would clear. The
# secretary reads these (in Chinese) on the notice and in the alert; the provider's code follows.
CREDIT = _(
    "The SMS account has run out of credit. Top it up with the provider, then send the failed messages again."
)
SUSPENDED = _(
    "The provider has suspended the SMS account (usually an unpaid bill). Settle it with the provider, "
    "then send the failed messages again."
)
ACCOUNT_LIMIT = _(
    "The SMS account has reached its limit of messages for the day or month. Raise the limit with the "
    "provider, or send the failed messages again tomorrow."
)
NUMBER_LIMIT = _(
    "The provider's limit of messages to this mobile number for the hour or the day is reached. Send the "
    "failed messages again tomorrow."
)
TEMPLATE = _(
    "The provider refused the SMS template: it is not approved, or the text does not fit it. Ask whoever "
    "runs the portal to check the template with the provider."
)
SIGNATURE = _(
    "The provider refused the SMS signature: it is not approved. Ask whoever runs the portal to check the "
    "signature with the provider."
)
TOO_LONG = _(
    "The SMS is longer than the provider allows (500 characters with the signature). Shorten the text and "
    "send it as a new notice."
)


def refusal(reason, code: str, detail: str) -> TransportError:
    """A permanent error that alerts the secretary: the reason in the site's language, then the code."""
    with translation.override(settings.LANGUAGE_CODE):
        words = {"reason": reason, "code": code, "detail": detail}
        text = gettext("%(reason)s (%(code)s: %(detail)s)") % words
    return TransportError(text, permanent=True, code=code, alert=True)


def unknown(reason: str) -> Outcome:
    """A check's answer for a message the provider could not say anything about: held and asked again."""
    return Outcome(error=TransportError(reason, uncertain=True, code="unknown"))


class Transport:
    """Sends a batch of messages of one channel. Subclasses set `max_batch` and implement `send`."""

    max_batch = 1

    def __init__(self, channel: str):
        self.channel = channel
        self.options = settings.NOTIFICATIONS

    def send(self, messages: list) -> dict[int, Outcome]:
        """Message id → Outcome for every message; raise TransportError when the whole batch failed."""
        raise NotImplementedError

    @property
    def settle_seconds(self) -> int:
        """How long after an attempt the provider's "I do not have it" can be believed."""
        return self.options["CHECK_SETTLE_SECONDS"]

    def check(self, messages: list) -> dict[int, Outcome]:
        """Asks the provider which of these messages it already took, before sending them again after a
        crash or a timeout. Message id → Outcome: a provider id when it took the message; `unknown(...)`
        when the question failed (error, timeout, an unreadable or incomplete answer), and the message is
        held and asked about again. Only a message left out is one the provider positively does not
        have, and it is sent again. A backend without such a query leaves every message out."""
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
                answer = json.loads(response.read().decode())
        except urllib.error.HTTPError as exc:
            # 5xx and 429 are worth a retry. A 4xx with a JSON body carries the provider's
            # error code: hand it back for the backend to classify.
            try:
                detail = exc.read().decode(errors="replace")
            except (OSError, ValueError):
                detail = ""
            transient = exc.code >= 500 or exc.code == 429
            if not transient:
                try:
                    answer = json.loads(detail)
                except ValueError:
                    answer = None
                if isinstance(answer, dict):
                    return answer
            # A 5xx may come from a gateway after the provider took the request: ask before sending again.
            raise TransportError(
                f"HTTP {exc.code}: {detail[:200]}", permanent=not transient, uncertain=exc.code >= 500
            ) from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
            raise TransportError(f"connection failed: {exc}", uncertain=True) from exc
        except ValueError as exc:
            raise TransportError(f"not JSON: {exc}", uncertain=True) from exc
        if not isinstance(answer, dict):
            raise TransportError(f"not a JSON object: {str(answer)[:100]}", uncertain=True)
        return answer


# Short names for the settings (SMS_BACKEND=aliyun); a dotted path to any Transport works too.
BACKENDS = {
    "console": "notifications.transports.console.ConsoleTransport",
    "locmem": "notifications.transports.locmem.LocmemTransport",
    "aliyun": "notifications.transports.aliyun.AliyunSmsTransport",
    "tencent": "notifications.transports.tencent.TencentSmsTransport",
    "wecom": "notifications.transports.wecom.WeComRobotTransport",
    "aliyun_voice": "notifications.transports.aliyun_voice.AliyunVoiceTransport",
}


def get_transport(channel: str) -> Transport:
    """The configured backend for a channel: SMS_BACKEND for SMS, WECHAT_BACKEND for the two groups,
    VOICE_BACKEND for voice calls."""
    if channel == Channel.VOICE:
        name = settings.NOTIFICATIONS["VOICE_BACKEND"] or "console"
    else:
        name = settings.NOTIFICATIONS["WECHAT_BACKEND" if channel in GROUP_CHANNELS else "SMS_BACKEND"]
    return import_string(BACKENDS.get(name, name))(channel)
