"""Celery entry points of the study app: thin, the work is in services.py."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="study.day_before_reminders")
def study_reminders_task() -> int:
    """Daily (beat): the SMS reminder for tomorrow's study activities, queued once per member."""
    return services.study_reminders_send(on=timezone.localdate())
