"""Keeps sent messages in `outbox` (like django.core.mail.outbox) for tests."""

from dataclasses import dataclass

from .base import Outcome, Transport

outbox: list["Sent"] = []


@dataclass(frozen=True)
class Sent:
    channel: str
    to: str
    body: str
    idempotency_key: str


class LocmemTransport(Transport):
    max_batch = 100

    def send(self, messages: list) -> dict[int, Outcome]:
        outcomes = {}
        for message in messages:
            outbox.append(Sent(message.channel, message.to, message.body, message.idempotency_key))
            outcomes[message.pk] = Outcome(provider_message_id=f"locmem-{len(outbox)}")
        return outcomes
