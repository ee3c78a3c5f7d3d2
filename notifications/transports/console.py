"""Writes each message to the log (the worker's output under `make run`) and reports it sent."""

import uuid

from .base import Outcome, Transport, logger


class ConsoleTransport(Transport):
    max_batch = 100

    def send(self, messages: list) -> dict[int, Outcome]:
        outcomes = {}
        for message in messages:
            recipient = f"{message.recipient_name} {message.to}" if message.to else ""
            logger.info(
                "%s %s [%s]:\n%s",
                message.get_channel_display(),
                recipient,
                message.idempotency_key,
                message.body,
            )
            outcomes[message.pk] = Outcome(provider_message_id=f"console-{uuid.uuid4().hex[:12]}")
        return outcomes
