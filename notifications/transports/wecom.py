"""WeCom (企业微信) group robot webhook: one POST per message, text or markdown.

Each robot takes 20 messages a minute. Celery's rate_limit is per worker, so the
budget is kept in Redis (shared by every worker); without Redis, per process.
"""

import hashlib
import threading
import time

import redis
from django.conf import settings

from .base import Outcome, Transport, TransportError

TEXT_LIMIT = 2048  # bytes of UTF-8
MARKDOWN_LIMIT = 4096
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
        key = robot_key(message.branch_id, message.channel)
        if not key:
            raise TransportError("no webhook key configured for this group", permanent=True)
        wait = self.budget.take(key)
        if wait:
            raise TransportError("over 20 messages this minute", retry_after=wait, code="budget")
        answer = self.post_json(f"{self.options['WECOM_WEBHOOK_URL']}?key={key}", self.payload(message.body))
        errcode = answer.get("errcode")
        if errcode == 0:
            return ""
        text = f"{errcode}: {answer.get('errmsg', '')}"
        if errcode == RATE_LIMITED:
            raise TransportError(text, retry_after=60, code=str(errcode))
        raise TransportError(text, permanent=errcode != SYSTEM_BUSY, code=str(errcode))

    @staticmethod
    def payload(text: str) -> dict:
        size = len(text.encode())
        if size <= TEXT_LIMIT:
            return {"msgtype": "text", "text": {"content": text}}
        if size <= MARKDOWN_LIMIT:
            return {"msgtype": "markdown", "markdown": {"content": text}}
        raise TransportError(f"text of {size} bytes is over WeCom's {MARKDOWN_LIMIT}", permanent=True)
