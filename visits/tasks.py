"""Celery entry points for visits; the work is in planning.py."""

from celery import shared_task

from .planning import plan_visits


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def plan_visits_task(days: int | None = None) -> dict:
    """Nightly: plans every branch for the rolling window (idempotent, so a retry is harmless)."""
    result = plan_visits(**({"days": days} if days else {}))
    return {"created": result.created, "cancelled": result.cancelled, "reassigned": result.reassigned}
