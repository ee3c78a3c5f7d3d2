"""Celery entry points of notifications: thin, taking ids; the work is in delivery.py and services.py.

The outbox publishes `notifications.deliver` by name (outbox.DELIVER_TASK): nothing imports this module
but the app's ready(), which registers the tasks in every process."""

from celery import shared_task
from django.utils import timezone

from . import calls, delivery, services


@shared_task(name="notifications.deliver")
def deliver_messages_task(message_ids: list[int]) -> int:
    """Sends the messages among the ids that are still queued and due (others are skipped)."""
    return delivery.messages_deliver(message_ids=message_ids)


@shared_task(name="notifications.sweep_outbox")
def sweep_outbox_task() -> dict[str, int]:
    """Every minute (beat): stale claims, scheduled notices now due, messages whose task was lost."""
    return services.outbox_sweep()


@shared_task(name="notifications.birthday_greetings")
def birthday_greetings_task() -> int:
    """09:00 daily (beat): today's birthday greetings."""
    return services.birthday_greetings_send(on=timezone.localdate())


@shared_task(name="notifications.calls_remind")
def calls_remind_task() -> int:
    """10:00 daily (beat): callers whose notice calls from before today are still open, once a day."""
    return calls.calls_remind()
