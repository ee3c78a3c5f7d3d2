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

from .. import texts
from . import base
from .base import Outcome, Transport, TransportError, refusal, unknown

API_VERSION = "2017-05-25"
# Business errors arrive as HTTP 200 with Code != "OK". These cannot succeed on a retry.
PERMANENT_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.MOBILE_COUNT_OVER_LIMIT",
        "isv.INVALID_PARAMETERS",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.ACCOUNT_NOT_EXISTS",
        "isv.ACCOUNT_ABNORMAL",
        "InvalidAccessKeyId.NotFound",
        "SignatureDoesNotMatch",
    }
)
# Refusals the branch has to act on (credit, limits, template, signature): failed at once, with the
# reason in Chinese, and the secretary alerted. Retrying them for minutes only delays the news.
ALERT_CODES = {
    "isv.AMOUNT_NOT_ENOUGH": base.CREDIT,
    "isv.OUT_OF_SERVICE": base.SUSPENDED,
    "isv.DAY_LIMIT_CONTROL": base.ACCOUNT_LIMIT,
    "isv.MONTH_LIMIT_CONTROL": base.ACCOUNT_LIMIT,
    "isv.BUSINESS_LIMIT_CONTROL": base.NUMBER_LIMIT,
    "isv.SMS_TEMPLATE_ILLEGAL": base.TEMPLATE,
    "isv.TEMPLATE_MISSING_PARAMETERS": base.TEMPLATE,
    "isv.TEMPLATE_PARAMS_ILLEGAL": base.TEMPLATE,
    "isv.SMS_SIGNATURE_ILLEGAL": base.SIGNATURE,
    "isv.SMS_SIGN_ILLEGAL": base.SIGNATURE,
    "isv.SIGN_NAME_ILLEGAL": base.SIGNATURE,
    "isv.PARAM_LENGTH_LIMIT": base.TOO_LONG,
}
# QuerySendDetails: 50 records a page; a number with more on one day than this is left unknown.
PAGE_SIZE = 50
MAX_PAGES = 10
# It answers for the last 30 days only.
QUERY_DAYS = 30
# SendStatus of a record: 1 waiting for the receipt, 2 failed (not delivered), 3 delivered.
TAKEN = (1, 3)
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
    endpoint_setting = "ALIYUN_SMS_ENDPOINT"  # the voice API signs the same way at its own address

    @property
    def max_batch(self) -> int:
        return min(100, self.options["ALIYUN_SMS_BATCH_SIZE"])

    def send(self, messages: list) -> dict[int, Outcome]:
        """Sends the batch in one request; a batch refused for one bad number is retried one by one.
        A text over the provider's 500 characters is failed here rather than refused there."""
        outcomes = {}
        too_long = [m for m in messages if len(texts.sms_full_text(m.body)) > texts.SMS_LIMIT]
        for message in too_long:
            length = len(texts.sms_full_text(message.body))
            error = refusal(base.TOO_LONG, "length", f"{length} > {texts.SMS_LIMIT}")
            outcomes[message.pk] = Outcome(error=error)
        messages = [m for m in messages if m.pk not in outcomes]
        if not messages:
            return outcomes
        try:
            biz_id = self.send_batch(messages)
        except TransportError as exc:
            if exc.code in NUMBER_CODES and len(messages) > 1:
                return outcomes | {m.pk: self.send_alone(m) for m in messages}
            if not outcomes:
                raise
            return outcomes | {m.pk: Outcome(error=exc) for m in messages}
        return outcomes | {m.pk: Outcome(provider_message_id=biz_id) for m in messages}

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
        """QuerySendDetails for each number, day by day from the day the message was written: a record of
        this very text (signature and the template's fixed text around it), sent since then, means the
        provider took it. A failed or unreadable query leaves the message unknown (held, asked again)."""
        answers = {}
        for message in messages:
            try:
                outcome = self.find(message)
            except TransportError as exc:
                answers[message.pk] = unknown(f"QuerySendDetails: {exc.message}")
                continue
            if outcome is not None:
                answers[message.pk] = outcome
        return answers

    def find(self, message) -> Outcome | None:
        """The provider's record of the message, `unknown` when its records may not reach back far
        enough, None when complete answers do not hold it. Raises TransportError when a query fails."""
        written = timezone.localtime(message.created_at)
        today = timezone.localdate()
        first = max(written.date(), today - datetime.timedelta(days=QUERY_DAYS - 1))
        days = [today - datetime.timedelta(days=n) for n in range((today - first).days + 1)]
        for day in days:
            for page in range(1, MAX_PAGES + 1):
                answer = self.rpc(
                    "QuerySendDetails",
                    {
                        "PhoneNumber": national(message.to),
                        "SendDate": day.strftime("%Y%m%d"),
                        "PageSize": str(PAGE_SIZE),
                        "CurrentPage": str(page),
                    },
                )
                details, total = read_details(answer)
                for detail in details:
                    if self.is_this(detail, message, written):
                        return Outcome(provider_message_id=str(detail.get("BizId") or "receipt"))
                if page * PAGE_SIZE >= total:
                    break
            else:
                return unknown(f"over {PAGE_SIZE * MAX_PAGES} records on {day:%Y-%m-%d}")
        if written.date() < first:
            return unknown("written before the days the provider answers for")
        return None

    def is_this(self, detail: dict, message, written: datetime.datetime) -> bool:
        if detail.get("SendStatus") not in TAKEN:
            return False
        if not same_text(str(detail.get("Content", "")), message.body):
            return False
        sent = parse_send_date(detail.get("SendDate"))
        # A record of the same text sent before this message existed (an earlier reminder) is not it.
        return sent is None or sent >= written - datetime.timedelta(minutes=5)

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
            opts[self.endpoint_setting], body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        code = answer.get("Code", "") if isinstance(answer, dict) else ""
        if code != "OK":
            detail = answer.get("Message", "") if isinstance(answer, dict) else ""
            if code in ALERT_CODES:
                raise refusal(ALERT_CODES[code], code, detail)
            # A system error on the provider's side may come after it took the request: ask first.
            uncertain = code.startswith("isp.")
            raise TransportError(
                f"{code}: {detail}", permanent=code in PERMANENT_CODES, code=code, uncertain=uncertain
            )
        return answer


def national(number: str) -> str:
    """Alibaba Cloud takes mainland numbers without +86."""
    return number.removeprefix("+86")


def read_details(answer: dict) -> tuple[list[dict], int]:
    """The records of a QuerySendDetails answer and their total; an incomplete answer is an error."""
    holder = answer.get("SmsSendDetailDTOs")
    details = holder.get("SmsSendDetailDTO") if isinstance(holder, dict) else None
    if isinstance(details, dict):  # one record may come as an object rather than a list
        details = [details]
    try:
        total = int(answer.get("TotalCount"))
    except (TypeError, ValueError):
        total = None
    if not isinstance(details, list) or total is None or not all(isinstance(d, dict) for d in details):
        raise TransportError("an answer without its records")
    return details, total


def same_text(content: str, body: str) -> bool:
    """Whether the text the provider kept is this body in the template, with or without the signature."""
    before, after = texts.template_text()
    expected = f"{before}{body}{after}".strip()
    content = content.strip()
    if content.startswith("【") and "】" in content:
        content = content.split("】", 1)[1].strip()
    elif content.endswith("】") and "【" in content:
        content = content.rsplit("【", 1)[0].strip()
    return content == expected


def parse_send_date(value) -> datetime.datetime | None:
    """SendDate "2026-03-10 10:00:03", Beijing time; None when absent or unreadable."""
    try:
        moment = datetime.datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007 (made aware below)
    except ValueError:
        return None
    return timezone.make_aware(moment)
