"""Alibaba Cloud 语音服务, dyvmsapi 2017-05-25 `SingleCallByTts`: a notice read aloud by phone.

Signed like the SMS API (RPC, HMAC-SHA1) and sent one call per request, to a mobile or a landline.
The answer's CallId is kept as the provider's id. Whether the member picked up comes later and is not
asked: the group leader's call list is the follow-up by a person.
"""

import json

import phonenumbers
from django.conf import settings

from .aliyun import AliyunSmsTransport
from .base import Outcome, TransportError, unknown

# Each call plays the notice twice: an old member may miss the start.
PLAY_TIMES = "2"
OUT_ID_LENGTH = 15  # the provider's limit on the caller's own id


class AliyunVoiceTransport(AliyunSmsTransport):
    endpoint_setting = "ALIYUN_VOICE_ENDPOINT"

    @property
    def max_batch(self) -> int:
        return 1

    def send(self, messages: list) -> dict[int, Outcome]:
        """One SingleCallByTts per message; its CallId, or the error classed as for SMS."""
        outcomes = {}
        for message in messages:
            try:
                answer = self.rpc("SingleCallByTts", self.fields(message))
            except TransportError as exc:
                outcomes[message.pk] = Outcome(error=exc)
                continue
            outcomes[message.pk] = Outcome(provider_message_id=str(answer.get("CallId") or "call"))
        return outcomes

    def fields(self, message) -> dict:
        opts = self.options
        fields = {
            "CalledNumber": dialled(message.to),
            "TtsCode": opts["ALIYUN_VOICE_TTS_CODE"],
            "TtsParam": json.dumps({opts["ALIYUN_VOICE_TTS_PARAM"]: message.body}, ensure_ascii=False),
            "PlayTimes": PLAY_TIMES,
            "OutId": str(message.pk)[-OUT_ID_LENGTH:],
        }
        if opts["ALIYUN_VOICE_SHOW_NUMBER"]:
            fields["CalledShowNumber"] = opts["ALIYUN_VOICE_SHOW_NUMBER"]
        return fields

    def check(self, messages: list) -> dict[int, Outcome]:
        """Without a CallId the provider cannot be asked whether it rang: such a call waits, never
        rings twice."""
        reason = "a voice call cannot be looked up without its CallId"
        return {message.pk: unknown(reason) for message in messages}


def dialled(number: str) -> str:
    """The number as dialled in mainland China: 13900000001, 01065551234 (no +86, no spaces)."""
    try:
        parsed = phonenumbers.parse(number, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return number
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isdigit())
