"""Alibaba Cloud SMS, dysmsapi 2017-05-25 `SendBatchSms`, over its documented RPC API.

Requests are signed with HMAC-SHA1 (signature version 1.0). One request carries up to
100 numbers, each with its own template parameters. The endpoint is a setting so tests
can point it at a stub server on 127.0.0.1.
"""

import base64
import datetime
import hashlib
import hmac
import json
import urllib.parse
import uuid

from django.utils import timezone

from .base import Outcome, Transport, TransportError

API_VERSION = "2017-05-25"
# Business errors arrive as HTTP 200 with Code != "OK". These cannot succeed on a retry.
PERMANENT_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.MOBILE_COUNT_OVER_LIMIT",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.TEMPLATE_PARAMS_ILLEGAL",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.SMS_SIGN_ILLEGAL",
        "isv.INVALID_PARAMETERS",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.ACCOUNT_NOT_EXISTS",
        "isv.ACCOUNT_ABNORMAL",
        "InvalidAccessKeyId.NotFound",
        "SignatureDoesNotMatch",
    }
)
# Errors about one number: when a batch meets one, each number is tried alone to find the bad one.
NUMBER_CODES = frozenset({"isv.MOBILE_NUMBER_ILLEGAL"})


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as the RPC signature wants it: space → %20, * → %2A, ~ kept."""
    return urllib.parse.quote(str(value), safe="~")


def sign(params: dict, secret: str, method: str = "POST") -> str:
    """The RPC Signature of the parameters (everything except Signature itself)."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsTransport(Transport):
    @property
    def max_batch(self) -> int:
        return min(100, self.options["ALIYUN_SMS_BATCH_SIZE"])

    def send(self, messages: list) -> dict[int, Outcome]:
        """Sends the batch in one request; a batch refused for one bad number is retried one by one."""
        try:
            biz_id = self.send_batch(messages)
        except TransportError as exc:
            if exc.code in NUMBER_CODES and len(messages) > 1:
                return {m.pk: self.send_alone(m) for m in messages}
            raise
        return {m.pk: Outcome(provider_message_id=biz_id) for m in messages}

    def send_alone(self, message) -> Outcome:
        try:
            return Outcome(provider_message_id=self.send_batch([message]))
        except TransportError as exc:
            return Outcome(error=exc)

    def send_batch(self, messages: list) -> str:
        opts = self.options
        param_name = opts["ALIYUN_SMS_TEMPLATE_PARAM"]
        answer = self.rpc(
            "SendBatchSms",
            {
                "PhoneNumberJson": json.dumps([national(m.to) for m in messages]),
                "SignNameJson": json.dumps([opts["SMS_SIGN_NAME"]] * len(messages), ensure_ascii=False),
                "TemplateCode": opts["ALIYUN_SMS_TEMPLATE_CODE"],
                "TemplateParamJson": json.dumps([{param_name: m.body} for m in messages], ensure_ascii=False),
            },
        )
        return answer.get("BizId", "")

    def check(self, messages: list) -> dict[int, Outcome]:
        """QuerySendDetails for each number on the day of the last attempt: a message whose text the
        provider already holds (waiting for or with a delivery receipt) counts as sent."""
        found = {}
        for message in messages:
            day = timezone.localtime(message.claimed_at or timezone.now()).strftime("%Y%m%d")
            try:
                answer = self.rpc(
                    "QuerySendDetails",
                    {
                        "PhoneNumber": national(message.to),
                        "SendDate": day,
                        "PageSize": "50",
                        "CurrentPage": "1",
                    },
                )
            except TransportError:
                continue  # unknown: the message is sent again
            details = answer.get("SmsSendDetailDTOs", {}).get("SmsSendDetailDTO", [])
            for detail in details:
                if detail.get("SendStatus") in (1, 3) and detail.get("Content", "").endswith(message.body):
                    found[message.pk] = Outcome(provider_message_id=detail.get("BizId", "") or "receipt")
                    break
        return found

    def rpc(self, action: str, fields: dict) -> dict:
        """One signed RPC call; business errors (HTTP 200 with Code != OK) become TransportErrors."""
        opts = self.options
        params = {
            "AccessKeyId": opts["ALIYUN_ACCESS_KEY_ID"],
            "Action": action,
            "Format": "JSON",
            "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            **fields,
        }
        params["Signature"] = sign(params, opts["ALIYUN_ACCESS_KEY_SECRET"])
        body = urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode()
        answer = self.request(
            opts["ALIYUN_SMS_ENDPOINT"], body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        code = answer.get("Code", "")
        if code != "OK":
            message = f"{code}: {answer.get('Message', '')}"
            raise TransportError(message, permanent=code in PERMANENT_CODES, code=code)
        return answer


def national(number: str) -> str:
    """Alibaba Cloud takes mainland numbers without +86."""
    return number.removeprefix("+86")
