"""Notice text: placeholders, SMS length and segments, and which phone numbers can take an SMS."""

import math
import re

import phonenumbers
from django.conf import settings
from django.db.models import Max
from django.db.models.functions import Length
from django.utils.translation import gettext

from members.models import Member

from .links import link_length

# A single SMS holds 70 characters (UCS-2, as any Chinese text is); longer texts travel in 67-character parts.
SINGLE_SEGMENT = 70
MULTI_SEGMENT = 67
# The longest notice text: 15 SMS parts, and a group message well within WeCom's 4,096 bytes.
BODY_LIMIT = 1000
# Alibaba Cloud refuses an SMS longer than this, counted with the signature 【…】 and the template's own text.
SMS_LIMIT = 500
# Where the notice goes in the approved SMS template: Alibaba Cloud's ${content}, Tencent's {1}.
TEMPLATE_SLOT = re.compile(r"\$\{[^{}]*\}|\{1\}")
PLACEHOLDERS = ("姓名", "支部")
PLACEHOLDER_PATTERN = re.compile(r"\{([^{}]+)\}")
# Words that name a day relative to the day the notice went out (本周三, 明天, 下周一, 今明两天…):
# read later, they mislead unless the reader knows when it was sent.
RELATIVE_DAY_PATTERN = re.compile(
    r"[今明后昨前](?:天|日|晚|早|晨|起)|今明|大后天|"
    r"(?:本|这|下|上)个?(?:周|星期|礼拜)|周末|(?:本|这|下|上)个?月|月底|月初"
)


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders in the text that `render` would not fill, e.g. a typo like {名字}."""
    return sorted({name for name in PLACEHOLDER_PATTERN.findall(text) if name not in PLACEHOLDERS})


def render(text: str, *, name: str, branch: str) -> str:
    """The text with {姓名} and {支部} filled in for one recipient."""
    return text.replace("{姓名}", name).replace("{支部}", branch)


def names_relative_day(text: str) -> bool:
    """True when the text names a day relative to when it was sent, e.g. "本周三" or "明天"."""
    return bool(RELATIVE_DAY_PATTERN.search(text))


def sms_text(body: str) -> str:
    """What the phone shows: the provider puts the signature 【…】 in front of the text."""
    sign = settings.NOTIFICATIONS["SMS_SIGN_NAME"]
    return f"【{sign}】{body}" if sign else body


def template_text() -> tuple[str, str]:
    """The approved template's fixed text before and after the notice (SMS_TEMPLATE_TEXT, "${content}"
    when the template is nothing but the notice)."""
    template = settings.NOTIFICATIONS.get("SMS_TEMPLATE_TEXT") or "${content}"
    parts = TEMPLATE_SLOT.split(template, maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (template, "")


def sms_full_text(body: str) -> str:
    """The whole SMS as the provider keeps it: signature, the template's fixed text and the body."""
    before, after = template_text()
    return sms_text(f"{before}{body}{after}")


def sms_length(text: str, *, branch) -> int:
    """The most characters this notice text takes as one SMS to anyone of the branch, as Alibaba Cloud
    counts them against SMS_LIMIT: signature and template text included, {支部} filled in and {姓名}
    as the longest name on the branch's roster.

    The one place the length is worked out: whatever a notice adds to each SMS (a personal link, say)
    adds its length here.
    """
    longest_name = 0
    if "{姓名}" in text:
        roster = Member.objects.in_branch(branch).active()
        longest_name = roster.aggregate(longest=Max(Length("name")))["longest"] or 0
    body = render(text, name="名" * longest_name, branch=str(branch))
    return len(sms_full_text(body)) + link_length(branch)


def sms_too_long(text: str, *, branch) -> str:
    """Why the text cannot go as an SMS (translated), or "" when it fits the provider's SMS_LIMIT."""
    length = sms_length(text, branch=branch)
    if length <= SMS_LIMIT:
        return ""
    return gettext(
        "As an SMS this text comes to %(length)s characters, with the signature and the longest name "
        "filled in; the provider takes at most %(limit)s. Shorten it by %(over)s characters, or send it "
        "to the WeChat groups only."
    ) % {"length": length, "limit": SMS_LIMIT, "over": length - SMS_LIMIT}


def sms_segments(text: str) -> int:
    """How many SMS parts the text takes (the signature included by the caller)."""
    length = len(text)
    if length <= SINGLE_SEGMENT:
        return 1 if length else 0
    return math.ceil(length / MULTI_SEGMENT)


def _valid_number(number) -> phonenumbers.PhoneNumber | None:
    """The number parsed as a Chinese one would be, if it is a valid number at all."""
    if not number:
        return None
    try:
        parsed = phonenumbers.parse(str(number), settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None


def usable_mobile(number) -> str:
    """The number in E.164 if it can receive an SMS, else ""."""
    parsed = _valid_number(number)
    mobile_types = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if parsed is None or phonenumbers.number_type(parsed) not in mobile_types:
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def callable_number(number) -> str:
    """The number in E.164 if a voice call can ring it (a mobile or a landline), else ""."""
    parsed = _valid_number(number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) if parsed else ""
