"""Tencent Cloud SMS, `SendSms` 2021-01-11, signed TC3-HMAC-SHA256.

One request carries up to 200 numbers sharing one set of template parameters, so a
batch is split by text. Per-number results come back in `SendStatusSet` inside an HTTP 200.
"""

import datetime
import hashlib
import hmac
import json
import urllib.parse

from django.utils import timezone

from . import base
from .base import Outcome, Transport, TransportError, refusal, unknown

SERVICE = "sms"
API_VERSION = "2021-01-11"
ACTION = "SendSms"
# Per-number or request-level codes that a retry cannot fix.
PERMANENT_PREFIXES = (
    "InvalidParameterValue.",
    "InvalidParameter.",
    "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.TemplateIncorrectOrUnapproved",
    "FailedOperation.SignatureIncorrectOrUnapproved",
    "FailedOperation.ContainSensitiveWord",
    "FailedOperation.MissingTemplateToModify",
    "UnauthorizedOperation.",
    "AuthFailure.",
    "UnsupportedOperation.",
)


# Refusals the branch has to act on: failed at once with the reason in Chinese, the secretary alerted.
# (LimitExceeded.PhoneNumberThirtySecondLimit clears in 30 seconds and is retried.)
ALERT_CODES = {
    "FailedOperation.InsufficientBalanceInSmsPackage": base.CREDIT,
    "FailedOperation.ContainSensitiveWord": base.TEMPLATE,
    "FailedOperation.TemplateIncorrectOrUnapproved": base.TEMPLATE,
    "FailedOperation.MissingTemplateToModify": base.TEMPLATE,
    "InvalidParameterValue.TemplateParameterFormatError": base.TEMPLATE,
    "FailedOperation.SignatureIncorrectOrUnapproved": base.SIGNATURE,
    "InvalidParameterValue.TemplateParameterLengthLimit": base.TOO_LONG,
    "InvalidParameterValue.ContentLengthLimit": base.TOO_LONG,
    "LimitExceeded.PhoneNumberDailyLimit": base.NUMBER_LIMIT,
    "LimitExceeded.PhoneNumberOneHourLimit": base.NUMBER_LIMIT,
    "LimitExceeded.PhoneNumberSameContentDailyLimit": base.NUMBER_LIMIT,
    "LimitExceeded.DeliveryFrequencyLimit": base.NUMBER_LIMIT,
    "LimitExceeded.DailyLimit": base.ACCOUNT_LIMIT,
    "LimitExceeded.AppDailyLimit": base.ACCOUNT_LIMIT,
}
# PullSmsSendStatusByPhoneNumber: receipts a page, pages read at most, days it reaches back.
PAGE_SIZE = 100
MAX_PAGES = 10
QUERY_DAYS = 7
# A receipt usually comes within seconds; a phone switched off delays it, so wait longer than for Aliyun.
RECEIPT_SETTLE_SECONDS = 600


def is_permanent(code: str) -> bool:
    return code.startswith(PERMANENT_PREFIXES)


def error_for(code: str, detail: str) -> TransportError:
    if code in ALERT_CODES:
        return refusal(ALERT_CODES[code], code, detail)
    # An internal error or timeout on Tencent's side may come after it took the request: ask first.
    uncertain = code.startswith("InternalError")
    return TransportError(f"{code}: {detail}", permanent=is_permanent(code), code=code, uncertain=uncertain)


def hmac_sha256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def authorization(
    *, secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int, action: str = ACTION
) -> str:
    """The TC3-HMAC-SHA256 Authorization header for a JSON POST to `host`."""
    date = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")
    signed_headers = "content-type;host;x-tc-action"
    canonical_headers = (
        f"content-type:application/json; charset=utf-8\nhost:{host}\nx-tc-action:{action.lower()}\n"
    )
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, signed_headers, hashlib.sha256(payload).hexdigest()]
    )
    scope = f"{date}/{SERVICE}/tc3_request"
    string_to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = hmac_sha256(hmac_sha256(hmac_sha256(f"TC3{secret_key}".encode(), date), SERVICE), "tc3_request")
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )


class TencentSmsTransport(Transport):
    max_batch = 200

    def send(self, messages: list) -> dict[int, Outcome]:
        """One request per distinct text; a request-level error fails only that request's numbers."""
        by_text: dict[str, list] = {}
        for message in messages:
            by_text.setdefault(message.body, []).append(message)
        outcomes: dict[int, Outcome] = {}
        failures = []
        for group in by_text.values():
            try:
                outcomes.update(self.send_same_text(group))
            except TransportError as exc:
                failures.append(exc)
                outcomes.update({m.pk: Outcome(error=exc) for m in group})
        if failures and len(failures) == len(by_text):
            raise failures[0]
        return outcomes

    def send_same_text(self, messages: list) -> dict[int, Outcome]:
        opts = self.options
        answer = self.call(
            ACTION,
            {
                "PhoneNumberSet": [m.to for m in messages],
                "SmsSdkAppId": opts["TENCENT_SMS_APP_ID"],
                "SignName": opts["SMS_SIGN_NAME"],
                "TemplateId": opts["TENCENT_SMS_TEMPLATE_ID"],
                "TemplateParamSet": [messages[0].body],
                # Echoed in delivery receipts: lets `check` recognise this text for a number.
                "SessionContext": text_tag(messages[0].body),
            },
        )
        by_number = {status.get("PhoneNumber"): status for status in answer.get("SendStatusSet", [])}
        return {m.pk: self.outcome(by_number.get(m.to)) for m in messages}

    @property
    def settle_seconds(self) -> int:
        """Tencent answers with delivery receipts, which come when the carrier reports: no receipt is
        believed to mean "not taken" only RECEIPT_SETTLE_SECONDS after the attempt."""
        return max(super().settle_seconds, RECEIPT_SETTLE_SECONDS)

    def check(self, messages: list) -> dict[int, Outcome]:
        """PullSmsSendStatusByPhoneNumber since the message was written: a receipt carrying this text's
        tag (SessionContext) means the provider took it. A failed or unreadable query leaves the
        message unknown (held, asked again); so does a message older than the receipts reach back."""
        answers = {}
        for message in messages:
            try:
                outcome = self.find(message)
            except TransportError as exc:
                answers[message.pk] = unknown(f"PullSmsSendStatusByPhoneNumber: {exc.message}")
                continue
            if outcome is not None:
                answers[message.pk] = outcome
        return answers

    def find(self, message) -> Outcome | None:
        now = int(timezone.now().timestamp())
        written = int(message.created_at.timestamp()) - 300
        since = max(written, now - QUERY_DAYS * 86400)
        tag = text_tag(message.body)
        for page in range(MAX_PAGES):
            answer = self.call(
                "PullSmsSendStatusByPhoneNumber",
                {
                    "BeginTime": since,
                    "EndTime": now,
                    "Offset": page * PAGE_SIZE,
                    "Limit": PAGE_SIZE,
                    "PhoneNumber": message.to,
                    "SmsSdkAppId": self.options["TENCENT_SMS_APP_ID"],
                },
            )
            receipts = answer.get("PullSmsSendStatusSet")
            if not isinstance(receipts, list) or not all(isinstance(r, dict) for r in receipts):
                raise TransportError("an answer without its receipts")
            for receipt in receipts:
                if receipt.get("SessionContext") == tag:
                    return Outcome(provider_message_id=str(receipt.get("SerialNo", "")))
            if len(receipts) < PAGE_SIZE:
                break
        else:
            return unknown(f"over {PAGE_SIZE * MAX_PAGES} receipts")
        if since > written:
            return unknown("written before the days the receipts reach back")
        return None

    def call(self, action: str, fields: dict) -> dict:
        """One signed API call; an Error in the answer becomes a TransportError."""
        opts = self.options
        payload = json.dumps(fields, ensure_ascii=False).encode()
        endpoint = opts["TENCENT_SMS_ENDPOINT"]
        host = urllib.parse.urlsplit(endpoint).netloc
        timestamp = int(datetime.datetime.now(datetime.UTC).timestamp())
        headers = {
            "Authorization": authorization(
                secret_id=opts["TENCENT_SECRET_ID"],
                secret_key=opts["TENCENT_SECRET_KEY"],
                host=host,
                payload=payload,
                timestamp=timestamp,
                action=action,
            ),
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": action,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": API_VERSION,
            "X-TC-Region": opts["TENCENT_SMS_REGION"],
        }
        answer = self.request(endpoint, payload, headers).get("Response")
        if not isinstance(answer, dict):
            raise TransportError("an answer without a Response", uncertain=True)
        if "Error" in answer:
            code, text = answer["Error"].get("Code", ""), answer["Error"].get("Message", "")
            raise error_for(code, text)
        return answer

    def outcome(self, status: dict | None) -> Outcome:
        if status is None:
            return Outcome(error=TransportError("no result for this number", uncertain=True))
        code = status.get("Code", "")
        if code == "Ok":
            return Outcome(provider_message_id=status.get("SerialNo", ""))
        return Outcome(error=error_for(code, status.get("Message", "")))


def text_tag(text: str) -> str:
    """A short fingerprint of a text, sent as SessionContext and matched in receipts."""
    return "t" + hashlib.sha256(text.encode()).hexdigest()[:16]
