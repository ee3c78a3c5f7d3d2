"""Stub providers for pytest-httpserver: each checks the request the way the provider does
(signature, required fields) and answers like it, including errors chosen by the test."""

import base64
import datetime
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections import Counter

from django.utils import timezone
from werkzeug import Response

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))

ALIYUN_KEY_ID, ALIYUN_SECRET = "test-key-id", "test-key-secret"
TENCENT_ID, TENCENT_KEY = "AKIDtest", "tencent-test-key"
WECOM_KEY = "robot-key-branch"


def json_response(payload, status=200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status, content_type="application/json")


class AliyunStub:
    """dysmsapi SendBatchSms and QuerySendDetails: checks the HMAC-SHA1 RPC signature, answers like it.

    `template` is the approved template's text: what the provider keeps (and QuerySendDetails shows)
    is the signature, then the template with ${content} filled in."""

    def __init__(self, template: str = "${content}", clock=None):
        self.clock = clock  # None: the tests' clock, django.utils.timezone.now, looked up when called
        self.lock = threading.Lock()
        self.received: Counter = Counter()  # phone number → times delivered
        self.accepted: Counter = Counter()  # (phone number, text as kept) → times accepted
        self.texts: dict[str, list[str]] = {}  # phone number → texts delivered (with the signature)
        self.sent_at: dict[tuple[str, str], str] = {}  # (number, text) → SendDate of its last sending
        self.requests: list[dict] = []
        self.bad_numbers: set[str] = set()
        self.code = "OK"  # a business error for every request when set
        self.status = 200  # for every request when not 200
        self.query_status = 200  # for QuerySendDetails only
        self.query_answer: dict | None = None  # an answer QuerySendDetails gives instead of the records
        self.template = template

    def __call__(self, request) -> Response:
        params = dict(urllib.parse.parse_qsl(request.get_data(as_text=True), keep_blank_values=True))
        with self.lock:
            self.requests.append(params)
        if self.status != 200:
            return Response("upstream error", status=self.status)
        signature = params.pop("Signature", "")
        if signature != self.expected_signature(params):
            return json_response({"Code": "SignatureDoesNotMatch", "Message": "bad signature"}, 400)
        if params["Action"] == "QuerySendDetails":
            if self.query_status != 200:
                return Response("upstream error", status=self.query_status)
            if self.query_answer is not None:
                return json_response(self.query_answer)
            return self.details(params)
        numbers = json.loads(params["PhoneNumberJson"])
        template_params = json.loads(params["TemplateParamJson"])
        signs = json.loads(params["SignNameJson"])
        if not (len(numbers) == len(template_params) == len(signs) <= 100):
            return json_response({"Code": "isv.INVALID_PARAMETERS", "Message": "lengths differ"})
        if self.code != "OK":
            return json_response({"Code": self.code, "Message": "stub says no"})
        if self.bad_numbers & set(numbers):
            return json_response({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"})
        self.take(numbers, signs, template_params)
        return json_response(
            {"Code": "OK", "Message": "OK", "BizId": f"biz{len(self.requests)}", "RequestId": "r"}
        )

    def take(self, numbers, signs, template_params) -> None:
        """Keeps the messages as the provider does (what QuerySendDetails reads) and counts them."""
        now = (self.clock or timezone.now)().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        with self.lock:
            self.received.update(numbers)
            for number, sign, values in zip(numbers, signs, template_params, strict=True):
                text = f"【{sign}】" + self.template.replace("${content}", values["content"])
                self.texts.setdefault(number, []).append(text)
                self.accepted[number, text] += 1
                self.sent_at[number, text] = now

    def details(self, params) -> Response:
        number = params["PhoneNumber"]
        with self.lock:
            texts = list(self.texts.get(number, []))
        day = params["SendDate"]
        found = [
            {
                "PhoneNum": number,
                "SendStatus": 3,
                "Content": text,
                "BizId": "receipt",
                "SendDate": self.sent_at[number, text],
            }
            for text in texts
            if self.sent_at[number, text].replace("-", "").startswith(day)
        ]
        size, page = int(params.get("PageSize", 50)), int(params.get("CurrentPage", 1))
        shown = found[(page - 1) * size : page * size]
        return json_response(
            {"Code": "OK", "TotalCount": len(found), "SmsSendDetailDTOs": {"SmsSendDetailDTO": shown}}
        )

    @staticmethod
    def expected_signature(params: dict) -> str:
        def enc(value):
            return urllib.parse.quote(value, safe="~")

        query = "&".join(f"{enc(k)}={enc(params[k])}" for k in sorted(params))
        text = "POST&%2F&" + enc(query)
        return base64.b64encode(
            hmac.new(f"{ALIYUN_SECRET}&".encode(), text.encode(), hashlib.sha1).digest()
        ).decode()


class TencentStub:
    """SendSms and PullSmsSendStatusByPhoneNumber 2021-01-11: checks TC3-HMAC-SHA256, answers like it."""

    def __init__(self):
        self.requests: list[dict] = []
        self.receipts: dict[str, list[dict]] = {}  # number → delivery receipts
        self.number_codes: dict[str, str] = {}  # number → error code for that number
        self.error = ""  # a request-level error code when set
        self.accepted: Counter = Counter()  # (number, text) → times accepted
        self.query_status = 200  # for PullSmsSendStatusByPhoneNumber only
        self.query_answer: dict | None = None  # an answer it gives instead of the receipts

    def __call__(self, request) -> Response:
        body = request.get_data()
        payload = json.loads(body)
        self.requests.append(payload)
        if request.headers.get("Authorization") != self.expected_authorization(request, body):
            return self.fail("AuthFailure.SignatureFailure")
        action = request.headers.get("X-TC-Action")
        if request.headers.get("X-TC-Version") != "2021-01-11":
            return self.fail("InvalidAction")
        if action == "PullSmsSendStatusByPhoneNumber":
            if self.query_status != 200:
                return Response("upstream error", status=self.query_status)
            if self.query_answer is not None:
                return json_response(self.query_answer)
            receipts = self.receipts.get(payload["PhoneNumber"], [])
            return json_response({"Response": {"PullSmsSendStatusSet": receipts, "RequestId": "r"}})
        if action != "SendSms":
            return self.fail("InvalidAction")
        if len(payload["PhoneNumberSet"]) > 200 or len(payload["TemplateParamSet"]) != 1:
            return self.fail("InvalidParameterValue.TemplateParameterFormatError")
        if self.error:
            return self.fail(self.error)
        statuses = []
        for i, number in enumerate(payload["PhoneNumberSet"]):
            code = self.number_codes.get(number, "Ok")
            if code == "Ok":
                self.accepted[number, payload["TemplateParamSet"][0]] += 1
                self.receipts.setdefault(number, []).append(
                    {
                        "PhoneNumber": number,
                        "SerialNo": f"serial-{len(self.requests)}-{i}",
                        "ReportStatus": "SUCCESS",
                        "SessionContext": payload["SessionContext"],
                    }
                )
            statuses.append(
                {
                    "SerialNo": f"serial-{len(self.requests)}-{i}",
                    "PhoneNumber": number,
                    "Code": code,
                    "Message": "send success" if code == "Ok" else "stub refuses",
                    "Fee": 1,
                }
            )
        return json_response({"Response": {"SendStatusSet": statuses, "RequestId": "r"}})

    def fail(self, code) -> Response:
        return json_response({"Response": {"Error": {"Code": code, "Message": "stub"}, "RequestId": "r"}})

    @staticmethod
    def expected_authorization(request, body: bytes) -> str:
        timestamp = int(request.headers["X-TC-Timestamp"])
        import datetime

        date = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")
        headers = (
            f"content-type:{request.headers['Content-Type']}\nhost:{request.headers['Host']}\n"
            f"x-tc-action:{request.headers['X-TC-Action'].lower()}\n"
        )
        canonical = f"POST\n/\n\n{headers}\ncontent-type;host;x-tc-action\n{hashlib.sha256(body).hexdigest()}"
        scope = f"{date}/sms/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

        def mac(key, text):
            return hmac.new(key, text.encode(), hashlib.sha256).digest()

        key = mac(mac(mac(f"TC3{TENCENT_KEY}".encode(), date), "sms"), "tc3_request")
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return (
            f"TC3-HMAC-SHA256 Credential={TENCENT_ID}/{scope}, "
            f"SignedHeaders=content-type;host;x-tc-action, Signature={signature}"
        )


class WeComStub:
    """Group robot webhook: checks the key and message shape, answers errcode."""

    def __init__(self):
        self.posts: list[dict] = []
        self.delivered: list[dict] = []  # the posts answered errcode 0
        self.errcode = 0
        self.script: list[int] = []  # errcodes for the next posts, in turn, before `errcode`

    def __call__(self, request) -> Response:
        if request.args.get("key") != WECOM_KEY:
            return json_response({"errcode": 93000, "errmsg": "invalid webhook url"})
        payload = json.loads(request.get_data())
        self.posts.append(payload)
        kind = payload.get("msgtype")
        if kind not in ("text", "markdown") or not payload[kind]["content"]:
            return json_response({"errcode": 40008, "errmsg": "invalid message type"})
        errcode = self.script.pop(0) if self.script else self.errcode
        if not errcode:
            self.delivered.append(payload)
        return json_response({"errcode": errcode, "errmsg": "ok" if not errcode else "stub error"})


class AliyunVoiceStub:
    """dyvmsapi SingleCallByTts: checks the RPC signature and the call's fields, answers a CallId."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.calls: Counter = Counter()  # (number, text read out) → times rung
        self.code = "OK"  # a business error for every request when set
        self.status = 200  # for every request when not 200

    def __call__(self, request) -> Response:
        params = dict(urllib.parse.parse_qsl(request.get_data(as_text=True), keep_blank_values=True))
        with self.lock:
            self.requests.append(params)
        if self.status != 200:
            return Response("upstream error", status=self.status)
        signature = params.pop("Signature", "")
        if signature != AliyunStub.expected_signature(params):
            return json_response({"Code": "SignatureDoesNotMatch", "Message": "bad signature"}, 400)
        required = ("Action", "Version", "CalledNumber", "TtsCode", "TtsParam")
        if params.get("Action") != "SingleCallByTts" or not all(params.get(name) for name in required):
            return json_response({"Code": "isv.INVALID_PARAMETERS", "Message": "missing parameter"})
        if self.code != "OK":
            return json_response({"Code": self.code, "Message": "stub says no"})
        text = json.loads(params["TtsParam"])["content"]
        with self.lock:
            self.calls[params["CalledNumber"], text] += 1
            count = len(self.requests)
        call_id = f"116{count:06d}^1028"
        return json_response({"Code": "OK", "Message": "OK", "CallId": call_id, "RequestId": "r"})
