"""The outbox at work: dispatch after commit, claim, send through a transport, record, sweep.

A message is sent only by the worker that moved it from queued to sending (the claim,
as in healthchecks' sendalerts); a crash leaves it in sending until the sweeper sees the
claim go stale and queues it again. Retries wait in the database (`not_before`), never in
a far-future Celery ETA.
"""

import datetime
import logging
import uuid
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .audience import after_quiet_hours
from .models import Channel, Message, Notice
from .transports import Outcome, TransportError, get_transport

logger = logging.getLogger("notifications")


def batches(rows: list[tuple[int, str]]) -> list[list[int]]:
    """Message ids grouped by channel, in chunks the channel's backend sends in one go."""
    by_channel: dict[str, list[int]] = defaultdict(list)
    for pk, channel in rows:
        by_channel[channel].append(pk)
    result = []
    for channel, ids in by_channel.items():
        size = max(1, get_transport(channel).max_batch)
        result.extend(ids[i : i + size] for i in range(0, len(ids), size))
    return result


def dispatch_on_commit(rows: list[tuple[int, str]], *, countdown: int = 0) -> None:
    """Queues delivery tasks once the transaction commits (like delay_on_commit).

    robust=True: a broker that is down must not break the page that sent the notice;
    the rows stay queued and the sweeper dispatches them again.
    """
    from .tasks import deliver_messages_task

    for chunk in batches(rows):
        # A named function, not a partial: Django logs a robust callback's failure by its __qualname__.
        def publish(chunk=chunk) -> None:
            deliver_messages_task.apply_async(args=[chunk], countdown=countdown or None)

        transaction.on_commit(publish, robust=True)


def messages_deliver(*, message_ids: list[int]) -> int:
    """Claims the queued, due messages among the ids and sends them; returns how many were claimed."""
    now = timezone.now()
    token = uuid.uuid4().hex
    claimed = (
        Message.objects.filter(pk__in=message_ids)
        .due(now)
        .update(status=Message.Status.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return 0
    messages = list(Message.objects.filter(claim_token=token, status=Message.Status.SENDING).order_by("pk"))
    by_channel: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        by_channel[message.channel].append(message)
    for channel, group in by_channel.items():
        transport = get_transport(channel)
        group = _drop_already_sent(transport, group, token)
        for start in range(0, len(group), transport.max_batch):
            batch = group[start : start + transport.max_batch]
            try:
                outcomes = transport.send(batch)
            except TransportError as exc:
                outcomes = {m.pk: Outcome(error=exc) for m in batch}
            record(batch, outcomes, token=token)
    return claimed


def _drop_already_sent(transport, group: list[Message], token: str) -> list[Message]:
    """Records as sent the messages the provider says it already took; returns the others."""
    unsure = [m for m in group if m.verify_before_send]
    if not unsure:
        return group
    found = transport.check(unsure)
    if found:
        logger.info("%d messages were already with the provider; not sent again", len(found))
        record([m for m in unsure if m.pk in found], found, token=token)
    return [m for m in group if m.pk not in found]


@transaction.atomic
def record(batch: list[Message], outcomes: dict[int, Outcome], *, token: str) -> None:
    """Writes each outcome: sent, failed for good, or queued again after a backoff."""
    now = timezone.now()
    retry_rows = []
    opts = settings.NOTIFICATIONS
    for message in batch:
        outcome = outcomes.get(message.pk) or Outcome(error=TransportError(_("The backend gave no answer.")))
        mine = Message.objects.filter(pk=message.pk, claim_token=token, status=Message.Status.SENDING)
        error = outcome.error
        if error is None:
            mine.update(
                status=Message.Status.SENT,
                sent_at=now,
                last_error="",
                verify_before_send=False,
                provider_message_id=outcome.provider_message_id[:100],
            )
        elif error.permanent or message.attempts >= opts["MAX_ATTEMPTS"]:
            logger.warning("message %s failed for good: %s", message.pk, error.message)
            mine.update(status=Message.Status.FAILED, last_error=error.message[:500])
        else:
            delay = error.retry_after or opts["RETRY_BASE_SECONDS"] * 2 ** (message.attempts - 1)
            due = now + datetime.timedelta(seconds=delay)
            if message.channel == Channel.SMS:
                due = after_quiet_hours(due)
            mine.update(
                status=Message.Status.QUEUED,
                not_before=due,
                dispatched_at=due,
                claim_token="",
                last_error=error.message[:500],
                verify_before_send=message.verify_before_send or error.uncertain,
            )
            if due - now < datetime.timedelta(hours=1):
                retry_rows.append(((message.pk, message.channel), int((due - now).total_seconds())))
    for row, countdown in retry_rows:
        dispatch_on_commit([row], countdown=countdown)


def outbox_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Every minute: requeue stale claims, send scheduled notices now due, re-dispatch stuck messages."""
    from .services import notice_release

    now = now or timezone.now()
    opts = settings.NOTIFICATIONS
    stale = now - datetime.timedelta(seconds=opts["STALE_SENDING_SECONDS"])
    sending = Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=stale)
    given_up = sending.filter(attempts__gte=opts["MAX_ATTEMPTS"]).update(
        status=Message.Status.FAILED, last_error=_("The worker sending it stopped too often.")
    )
    requeued = sending.update(
        status=Message.Status.QUEUED, claim_token="", dispatched_at=None, verify_before_send=True
    )
    released = 0
    for notice in Notice.objects.filter(status=Notice.Status.SCHEDULED, scheduled_for__lte=now):
        notice = notice_release(notice=notice, now=now)
        released += notice.status == Notice.Status.SENT
    lost = now - datetime.timedelta(seconds=opts["REDISPATCH_SECONDS"])
    stuck = Message.objects.due(now).filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=lost))
    rows = list(stuck.order_by("pk").values_list("pk", "channel")[:10000])
    with transaction.atomic():
        Message.objects.filter(pk__in=[pk for pk, _channel in rows]).update(dispatched_at=now)
        dispatch_on_commit(rows)
    return {"requeued": requeued, "given_up": given_up, "released": released, "dispatched": len(rows)}


@transaction.atomic
def messages_retry_failed(*, notice: Notice) -> int:
    """Queues the notice's failed messages again with a fresh set of attempts; SMS wait out quiet hours."""
    now = timezone.now()
    failed = Message.objects.filter(notice=notice, status=Message.Status.FAILED)
    rows = list(failed.values_list("pk", "channel"))
    sms_due = after_quiet_hours(now)
    failed.exclude(channel=Channel.SMS).update(
        status=Message.Status.QUEUED, attempts=0, not_before=now, dispatched_at=now, claim_token=""
    )
    failed.filter(channel=Channel.SMS).update(
        status=Message.Status.QUEUED,
        attempts=0,
        not_before=sms_due,
        dispatched_at=now if sms_due == now else None,
        claim_token="",
    )
    dispatch_on_commit([(pk, channel) for pk, channel in rows if channel != Channel.SMS or sms_due == now])
    return len(rows)
