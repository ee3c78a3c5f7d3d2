"""The iCalendar (RFC 5545) feed of a user's study activities, built with the icalendar library."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import SHANGHAI, StudyActivity

PRODID = "-//branch_portal//study//ZH"


def build_calendar(activities, *, base_url: str) -> bytes:
    """A VCALENDAR with one VEVENT per activity, times with TZID Asia/Shanghai and its VTIMEZONE."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("Branch study activities"))
    cal.add("x-wr-timezone", "Asia/Shanghai")
    # Calendar apps poll a subscribed feed; ask for twice a day.
    cal.add("refresh-interval", datetime.timedelta(hours=12), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT12H")
    stamp = timezone.now()
    for activity in activities:
        cal.add_component(_event(activity, stamp, base_url))
    cal.add_missing_timezones()
    return cal.to_ical()


def _event(activity: StudyActivity, stamp: datetime.datetime, base_url: str) -> Event:
    event = Event()
    event.add("uid", f"study-activity-{activity.pk}@branch-portal")
    event.add("dtstamp", stamp)
    event.add("dtstart", activity.starts.astimezone(SHANGHAI))
    event.add("dtend", activity.ends.astimezone(SHANGHAI))
    event.add("summary", f"{activity.get_kind_display()}：{activity.theme}")
    if activity.place:
        event.add("location", activity.place)
    details = [activity.description, f"{_('Organised by')}: {activity.organiser}"]
    if activity.speaker:
        details.insert(0, f"{_('Speaker or host')}: {activity.speaker}")
    event.add("description", "\n".join(d for d in details if d))
    event.add("url", base_url + activity.get_absolute_url())
    event.add("last-modified", activity.updated_at)
    return event
