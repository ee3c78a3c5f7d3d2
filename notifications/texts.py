"""Notice text: placeholders, SMS length and segments, and which phone numbers can take an SMS."""

import math
import re

import phonenumbers
from django.conf import settings

# A single SMS holds 70 characters (UCS-2, as any Chinese text is); longer texts travel in 67-character parts.
SINGLE_SEGMENT = 70
MULTI_SEGMENT = 67
# The longest notice text: 15 SMS parts, and a group message well within WeCom's 4,096 bytes.
BODY_LIMIT = 1000
PLACEHOLDERS = ("姓名", "支部")
PLACEHOLDER_PATTERN = re.compile(r"\{([^{}]+)\}")


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders in the text that `render` would not fill, e.g. a typo like {名字}."""
    return sorted({name for name in PLACEHOLDER_PATTERN.findall(text) if name not in PLACEHOLDERS})


def render(text: str, *, name: str, branch: str) -> str:
    """The text with {姓名} and {支部} filled in for one recipient."""
    return text.replace("{姓名}", name).replace("{支部}", branch)


def sms_text(body: str) -> str:
    """What the phone shows: the provider puts the signature 【…】 in front of the text."""
    sign = settings.NOTIFICATIONS["SMS_SIGN_NAME"]
    return f"【{sign}】{body}" if sign else body


def sms_segments(text: str) -> int:
    """How many SMS parts the text takes (the signature included by the caller)."""
    length = len(text)
    if length <= SINGLE_SEGMENT:
        return 1 if length else 0
    return math.ceil(length / MULTI_SEGMENT)


def usable_mobile(number) -> str:
    """The number in E.164 if it can receive an SMS, else ""."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(str(number), settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return ""
    kind = phonenumbers.number_type(parsed)
    mobile = kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if not (phonenumbers.is_valid_number(parsed) and mobile):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
