"""Celery entry points for visits; the work is in planning.py and services.py."""

from celery import shared_task
from django.utils import timezone

from . import birthdays, ladder, services
from .planning import plan_visits


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def plan_visits_task(days: int | None = None) -> dict:
    """Hourly (beat): plans every branch for the rolling window (idempotent, so a retry is harmless).

    Hourly rather than nightly so a member newly in hospital or critically ill gets a visit due
    within a day on the same day.
    """
    result = plan_visits(**({"days": days} if days else {}))
    return {"created": result.created, "cancelled": result.cancelled, "reassigned": result.reassigned}


@shared_task(name="visits.weekly_digest")
def visit_digest_task() -> int:
    """Monday morning (beat): each responsible person's overdue and this week's visits, once per ISO week."""
    return services.visit_digests_send(on=timezone.localdate())


@shared_task(name="visits.stale_concern_reminders")
def stale_concern_reminders_task() -> int:
    """Daily (beat): escalations unanswered by the bureau for 30 days, to the secretary, once per concern."""
    return services.stale_concern_reminders_send()


@shared_task(name="visits.overdue_ladder")
def overdue_ladder_task() -> int:
    """Daily (beat): overdue visits reminded to their holder, then the secretary, then the liaison officer;
    each step once per visit, however often this runs."""
    return ladder.overdue_ladder_run(today=timezone.localdate())


@shared_task(name="visits.lunar_birthday_greetings")
def lunar_birthday_greetings_task() -> int:
    """09:00 daily (beat): the birthday greeting to members who keep a lunar birthday falling today."""
    return birthdays.lunar_birthday_greetings_send(on=timezone.localdate())
