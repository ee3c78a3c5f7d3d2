import datetime

import pytest

from accounts.permissions import SYSTEM
from members import demo as members_demo
from notifications import demo, services
from notifications.models import Message, Notice

pytestmark = pytest.mark.django_db


def test_demo_has_a_year_of_numbered_issues_with_deliveries_and_numbering_carries_on(db):
    today = datetime.date(2026, 11, 25)
    branch, _created = members_demo.seed(today)
    demo.seed(branch, today)
    issued = Notice.objects.filter(branch=branch, status="sent")
    assert issued.count() == 20
    numbers_2026 = sorted(issued.filter(year=2026).values_list("number", flat=True))
    assert numbers_2026 == list(range(1, len(numbers_2026) + 1))
    assert issued.filter(year=2025).count() == 20 - len(numbers_2026)
    assert Message.objects.filter(notice__branch=branch, status="sent").count() > 20 * 30
    # Its notices are all delivered (the carers' alerts about its members in hospital wait for the worker).
    assert not Message.objects.filter(notice__branch=branch, status__in=["queued", "sending"]).exists()
    draft = Notice.objects.get(branch=branch, status="draft")
    sent = services.notice_send(
        actor=SYSTEM, notice=draft, now=datetime.datetime(2026, 11, 25, 10, tzinfo=demo.LOCAL)
    ).notice
    assert sent.number == len(numbers_2026) + 1
