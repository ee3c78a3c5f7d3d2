"""WeCom (企业微信) group robot webhook: one POST per message, plain text, in numbered parts when long.

Each robot takes 20 messages a minute. Celery's rate_limit is per worker, so the
budget is kept in Redis (shared by every worker); without Redis, per process.
"""

import hashlib
import threading
import time

import redis
from django.conf import settings

from .base import Outcome, Transport, TransportError

TEXT_LIMIT = 2048  # bytes of UTF-8; a longer text goes in numbered parts, never as markdown
INVALID_WEBHOOK = 93000
RATE_LIMITED = 45009
SYSTEM_BUSY = -1


def robot_key(branch_id: int, channel: str) -> str:
    """The webhook key of a branch's group robot, from settings (WECOM_WEBHOOK_KEYS); "" if none."""
    keys = settings.NOTIFICATIONS["WECOM_KEYS"].get(str(branch_id), {})
    return keys.get(channel, "")


class MinuteBudget:
    """At most `limit` sends per robot per clock minute, counted in Redis when configured."""

    _local: dict[str, int] = {}
    _lock = threading.Lock()

    def __init__(self, limit: int, redis_url: str):
        self.limit = limit
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=5) if redis_url else None

    def take(self, key: str) -> int:
        """0 if a send may go now, else the seconds until the next minute begins."""
        now = time.time()
        minute = int(now // 60)
        bucket = f"notifications:wecom:{hashlib.sha256(key.encode()).hexdigest()[:16]}:{minute}"
        if self.redis is not None:
            pipe = self.redis.pipeline()
            pipe.incr(bucket)
            pipe.expire(bucket, 120)
            used = pipe.execute()[0]
        else:
            with self._lock:
                if len(self._local) > 1000:
                    self._local.clear()
                used = self._local[bucket] = self._local.get(bucket, 0) + 1
        return 0 if used <= self.limit else int(60 - now % 60) + 1


class WeComRobotTransport(Transport):
    max_batch = 20

    def __init__(self, channel: str):
        super().__init__(channel)
        self.budget = MinuteBudget(self.options["WECOM_PER_MINUTE"], self.options["RATE_LIMIT_REDIS_URL"])

    def send(self, messages: list) -> dict[int, Outcome]:
        outcomes = {}
        for message in messages:
            try:
                outcomes[message.pk] = Outcome(provider_message_id=self.send_one(message))
            except TransportError as exc:
                outcomes[message.pk] = Outcome(error=exc)
        return outcomes

    def send_one(self, message) -> str:
        """Posts the text, in numbered parts when it is over 2,048 bytes; a retry resumes at the part that
        failed (the parts already posted are noted on the message)."""
        key = robot_key(message.branch_id, message.channel)
        if not key:
            raise TransportError("no webhook key configured for this group", permanent=True)
        parts = split_text(message.body)
        if len(parts) > self.budget.limit:
            raise TransportError(f"{len(parts)} parts: over {self.budget.limit} a minute", permanent=True)
        done = posted_parts(message.provider_message_id, len(parts))
        for number in range(done, len(parts)):
            wait = self.budget.take(key)
            if wait:
                text = f"over {self.budget.limit} messages this minute"
                raise TransportError(text, retry_after=wait, code="budget")
            self.post_part(key, parts[number])
            if len(parts) > 1:
                note = f"parts:{number + 1}/{len(parts)}"
                type(message).objects.filter(pk=message.pk).update(provider_message_id=note)
                message.provider_message_id = note
        return f"parts:{len(parts)}/{len(parts)}" if len(parts) > 1 else ""

    def post_part(self, key: str, text: str) -> None:
        answer = self.post_json(f"{self.options['WECOM_WEBHOOK_URL']}?key={key}", self.payload(text))
        errcode = answer.get("errcode")
        if errcode == 0:
            return
        text = f"{errcode}: {answer.get('errmsg', '')}"
        if errcode == RATE_LIMITED:
            raise TransportError(text, retry_after=60, code=str(errcode))
        raise TransportError(text, permanent=errcode != SYSTEM_BUSY, code=str(errcode))

    @staticmethod
    def payload(text: str) -> dict:
        """Always plain text: markdown would turn a member's * _ # [ ] into formatting or links."""
        return {"msgtype": "text", "text": {"content": text}}


def posted_parts(note: str, total: int) -> int:
    """How many of the message's `total` parts an earlier attempt posted ("parts:2/3")."""
    if not note.startswith("parts:"):
        return 0
    done, _slash, of = note.removeprefix("parts:").partition("/")
    return int(done) if done.isdigit() and of == str(total) else 0


# Room left in each part for its number, e.g. "（12/12）\n" (fullwidth brackets: 3 bytes each).
LABEL_BYTES = 24
# Where a part may end, best first: a line break, the end of a sentence, a comma.
BREAKS = ("\n", "。", "！", "？", "；", "，", "、", " ")


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """The text as it goes out: itself when it fits in `limit` bytes of UTF-8, else parts numbered
    （1/3）, （2/3）… that each fit, cut at a line break or a sentence's end where one is near."""
    if len(text.encode()) <= limit:
        return [text]
    room = limit - LABEL_BYTES
    pieces = []
    rest = text
    while rest:
        if len(rest.encode()) <= room:
            pieces.append(rest)
            break
        cut = len(rest.encode()[:room].decode(errors="ignore"))  # the most characters that fit
        window = rest[:cut]
        for mark in BREAKS:
            at = window.rfind(mark)
            if at >= cut // 2:
                cut = at + 1
                break
        pieces.append(rest[:cut])
        rest = rest[cut:]
    total = len(pieces)
    return [f"（{number}/{total}）\n{piece}" for number, piece in enumerate(pieces, start=1)]
