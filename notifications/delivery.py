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
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import BranchRole

from . import outbox
from .models import QUIET_CHANNELS, Channel, Message, Notice
from .outbox import after_quiet_hours, dispatch_on_commit
from .transports import Outcome, TransportError, get_transport
from .transports.wecom import WeComRobotTransport, robot_key

logger = logging.getLogger("notifications")


def messages_deliver(*, message_ids: list[int]) -> int:
    """Claims the queued, due messages among the ids and sends them; returns how many were claimed."""
    now = timezone.now()
    token = uuid.uuid4().hex
    # When the messages to be checked were last handed to the provider: the claim overwrites it.
    to_check = Message.objects.filter(pk__in=message_ids, verify_before_send=True).due(now)
    attempted = dict(to_check.values_list("pk", "claimed_at"))
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
        message.attempted_at = attempted.get(message.pk) or message.created_at
        by_channel[message.channel].append(message)
    for channel, group in by_channel.items():
        transport = get_transport(channel)
        group = _checked(transport, group, token)
        for start in range(0, len(group), transport.max_batch):
            batch = group[start : start + transport.max_batch]
            handed_over = timezone.now()
            try:
                outcomes = transport.send(batch)
            except TransportError as exc:
                outcomes = {m.pk: Outcome(error=exc) for m in batch}
            record(batch, outcomes, token=token, attempted=handed_over)
    return claimed


def _checked(transport, group: list[Message], token: str) -> list[Message]:
    """Messages an earlier attempt may have delivered are asked about first: those the provider took are
    recorded as sent, those it cannot answer for are held; returns the ones to send.

    Never twice: a message is sent again only when the provider answered, completely, that it does not
    have it, and that answer came late enough after the last attempt to be trusted (its settle_seconds).
    """
    unsure = [m for m in group if m.verify_before_send]
    if not unsure:
        return group
    answers = transport.check(unsure)
    found = {pk: outcome for pk, outcome in answers.items() if outcome.error is None}
    held = {pk: outcome for pk, outcome in answers.items() if outcome.error is not None}
    settle = datetime.timedelta(seconds=transport.settle_seconds)
    now = timezone.now()
    for message in unsure:
        if message.pk not in answers and now - message.attempted_at < settle:
            too_soon = TransportError(_("Too soon to be sure; the provider is asked again."), code=TOO_SOON)
            held[message.pk] = Outcome(error=too_soon)
    if found:
        logger.info("%d messages were already with the provider; not sent again", len(found))
        record([m for m in unsure if m.pk in found], found, token=token)
    if held:
        logger.info("%d messages the provider could not answer for; held and asked again", len(held))
        hold([m for m in unsure if m.pk in held], held, token=token, settle=settle)
    return [m for m in group if m.pk not in found and m.pk not in held]


# The code of a hold while the provider's records may still lag behind the last attempt.
TOO_SOON = "too_soon"
# A message the provider cannot answer for is asked about (at most hourly) for this long after its last
# attempt, and after its last attempt number, before it fails: failing it too soon would show as failed a
# message that may well have arrived.
HOLD_AT_MOST = datetime.timedelta(hours=24)


@transaction.atomic
def hold(
    messages: list[Message], outcomes: dict[int, Outcome], *, token: str, settle: datetime.timedelta
) -> None:
    """Queues again, still to be checked, messages the provider could not answer for.

    A failed check counts as an attempt and waits a growing backoff (at most an hour); once the attempts
    are used up and a day has passed since the last attempt the message fails, still marked to be
    checked if it is sent again. Waiting for the provider's records to settle does not count.
    """
    now = timezone.now()
    opts = settings.NOTIFICATIONS
    retry_rows = []
    for message in messages:
        error = outcomes[message.pk].error
        mine = Message.objects.filter(pk=message.pk, claim_token=token, status=Message.Status.SENDING)
        # claimed_at goes back to the last attempt: the next check asks about that moment.
        if error.code == TOO_SOON:
            due = message.attempted_at + settle
            fields = {"attempts": F("attempts") - 1}
        elif message.attempts >= opts["MAX_ATTEMPTS"] and now - message.attempted_at > HOLD_AT_MOST:
            logger.warning("message %s: the provider never said if it took it: %s", message.pk, error.message)
            mine.update(
                status=Message.Status.FAILED,
                claimed_at=message.attempted_at,
                last_error=_(
                    "The provider could not say whether it took this message, so it was not sent again "
                    "(nobody gets it twice). Sending it again asks the provider first."
                ),
            )
            continue
        else:
            delay = min(opts["RETRY_BASE_SECONDS"] * 2 ** min(message.attempts - 1, 20), 3600)
            due = now + datetime.timedelta(seconds=delay)
            fields = {}
        if message.channel in QUIET_CHANNELS:
            due = after_quiet_hours(due)
        due = max(due, now)
        mine.update(
            status=Message.Status.QUEUED,
            not_before=due,
            dispatched_at=due,
            claim_token="",
            claimed_at=message.attempted_at,
            last_error=error.message[:500],
            **fields,
        )
        if due - now < datetime.timedelta(hours=1):
            retry_rows.append(((message.pk, message.channel), int((due - now).total_seconds())))
    for row, countdown in retry_rows:
        dispatch_on_commit([row], countdown=countdown)


@transaction.atomic
def record(
    batch: list[Message],
    outcomes: dict[int, Outcome],
    *,
    token: str,
    attempted: datetime.datetime | None = None,
) -> None:
    """Writes each outcome: sent, failed for good, or queued again after a backoff.

    `attempted`: when the batch went to the provider; an attempt left without an answer keeps that
    moment for the check that follows."""
    now = timezone.now()
    retry_rows = []
    to_alert = []
    opts = settings.NOTIFICATIONS
    for message in batch:
        outcome = outcomes.get(message.pk) or Outcome(
            error=TransportError(_("The backend gave no answer."), uncertain=True)
        )
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
        elif error.permanent or message.requested or message.attempts >= opts["MAX_ATTEMPTS"]:
            # A requested message is not retried: its outbox copy has the secret masked, and it is late.
            logger.warning("message %s failed for good: %s", message.pk, error.message)
            failed = mine.update(
                status=Message.Status.FAILED,
                last_error=error.message[:500],
                verify_before_send=message.verify_before_send or error.uncertain,
            )
            if failed and error.alert:
                to_alert.append((message, error))
        else:
            delay = error.retry_after or opts["RETRY_BASE_SECONDS"] * 2 ** (message.attempts - 1)
            due = now + datetime.timedelta(seconds=delay)
            if message.channel in QUIET_CHANNELS:
                due = after_quiet_hours(due)
            mine.update(
                status=Message.Status.QUEUED,
                not_before=due,
                dispatched_at=due,
                claim_token="",
                last_error=error.message[:500],
                verify_before_send=message.verify_before_send or error.uncertain,
                **({"claimed_at": attempted} if attempted and error.uncertain else {}),
            )
            if due - now < datetime.timedelta(hours=1):
                retry_rows.append(((message.pk, message.channel), int((due - now).total_seconds())))
    for row, countdown in retry_rows:
        dispatch_on_commit([row], countdown=countdown)
    if to_alert:
        alert_secretary(to_alert)


# Occasions of the alerts themselves: an alert that fails never raises another.
ALERT_OCCASION = "provider-refused"


def alert_secretary(failures: list[tuple[Message, TransportError]]) -> int:
    """Tells the branch secretary (SMS, and the committee's WeChat group when it has a robot) that the
    provider refused messages for a reason someone has to act on: once per notice (or reminder) and
    kind of refusal, however many messages it hit. Returns the number of alerts queued."""
    alerts: dict[tuple[int, str, str], tuple[Message, TransportError]] = {}
    for message, error in failures:
        subject = (
            outbox.notice_occasion(message.notice_id) if message.notice_id else outbox.occasion_of(message)
        )
        if subject.startswith(ALERT_OCCASION):
            continue
        alerts.setdefault((message.branch_id, subject, error.code), (message, error))
    queued = 0
    for (branch_id, subject, code), (message, error) in alerts.items():
        branch = message.branch
        roles = BranchRole.objects.filter(branch_id=branch_id, role=BranchRole.Role.SECRETARY)
        secretaries = [role.user for role in roles.select_related("user__member").order_by("user_id")]
        channels = [Channel.SMS]
        # The committee's group too, when it can get there: an empty credit stops the SMS alert as well.
        robot = isinstance(get_transport(Channel.COMMITTEE_WECHAT), WeComRobotTransport)
        if not robot or robot_key(branch_id, Channel.COMMITTEE_WECHAT):
            channels.append(Channel.COMMITTEE_WECHAT)
        result = outbox.enqueue(
            branch=branch,
            occasion=f"{ALERT_OCCASION}:{subject}:{code}",
            text=_alert_text(message, error),
            recipients=secretaries,
            channels=channels,
        )
        queued += bool(result.queued)
    return queued


def _alert_text(message: Message, error: TransportError) -> str:
    """The alert in the site's language (a worker has no request to take one from)."""
    with translation.override(settings.LANGUAGE_CODE):
        if message.notice_id:
            notice = message.notice
            return _(
                "{姓名}: the SMS provider refused the messages of the notice %(issue)s “%(title)s”. "
                "%(reason)s The notice page lists the messages that failed."
            ) % {"issue": notice.issue_label, "title": notice.title, "reason": error.message}
        return _("{姓名}: the SMS provider refused the messages of a reminder. %(reason)s") % {
            "reason": error.message
        }


def messages_sweep(*, now: datetime.datetime) -> dict[str, int]:
    """Every minute (services.outbox_sweep): requeue stale claims, re-dispatch stuck messages."""
    opts = settings.NOTIFICATIONS
    stale = now - datetime.timedelta(seconds=opts["STALE_SENDING_SECONDS"])
    sending = Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=stale)
    # Each may have reached the provider: sending one again (by hand) asks the provider first.
    # A requested message (a login code) is never queued again: it is late, and its copy is masked.
    given_up = sending.filter(Q(attempts__gte=opts["MAX_ATTEMPTS"]) | Q(requested=True)).update(
        status=Message.Status.FAILED,
        last_error=_("The worker sending it stopped too often."),
        verify_before_send=True,
    )
    requeued = sending.update(
        status=Message.Status.QUEUED, claim_token="", dispatched_at=None, verify_before_send=True
    )
    lost = now - datetime.timedelta(seconds=opts["REDISPATCH_SECONDS"])
    stuck = Message.objects.due(now).filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=lost))
    rows = list(stuck.order_by("pk").values_list("pk", "channel")[:10000])
    with transaction.atomic():
        Message.objects.filter(pk__in=[pk for pk, _channel in rows]).update(dispatched_at=now)
        dispatch_on_commit(rows)
    return {"requeued": requeued, "given_up": given_up, "dispatched": len(rows)}


@transaction.atomic
def messages_retry_failed(*, notice: Notice) -> int:
    """Queues the notice's failed messages again with a fresh set of attempts; what rings a phone (SMS,
    voice) waits out quiet hours."""
    now = timezone.now()
    failed = Message.objects.filter(notice=notice, status=Message.Status.FAILED)
    rows = list(failed.values_list("pk", "channel"))
    quiet_due = after_quiet_hours(now)
    failed.exclude(channel__in=QUIET_CHANNELS).update(
        status=Message.Status.QUEUED, attempts=0, not_before=now, dispatched_at=now, claim_token=""
    )
    failed.filter(channel__in=QUIET_CHANNELS).update(
        status=Message.Status.QUEUED,
        attempts=0,
        not_before=quiet_due,
        dispatched_at=now if quiet_due == now else None,
        claim_token="",
    )
    dispatch_on_commit(
        [(pk, channel) for pk, channel in rows if channel not in QUIET_CHANNELS or quiet_due == now]
    )
    return len(rows)
