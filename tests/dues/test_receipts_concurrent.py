"""Receipt numbers stay gap-free and unique when several payments are recorded at once (PostgreSQL)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from dues import services
from dues.models import Payment
from tests.conftest import need_service
from tests.factories import MemberFactory

TREASURERS = 8
D = datetime.date


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        need_service("PostgreSQL is needed: set DATABASE_URL=postgres://...")


def test_concurrent_payments_get_receipts_one_to_n(postgresql, branch, secretary):
    members = [MemberFactory(branch=branch) for _ in range(TREASURERS)]
    for member in members:
        services.dues_rate_set(
            actor=secretary, member=member, valid_from=D(2026, 1, 1), monthly_pension=Decimal("4000")
        )
    start = threading.Barrier(TREASURERS)
    errors = []

    def record(member):
        try:
            start.wait()
            services.payment_record(
                actor=secretary,
                member=member,
                first_month=D(2026, 1, 1),
                last_month=D(2026, 3, 1),
                amount=Decimal("60.00"),
                paid_on=D(2026, 1, 8),
            )
        except Exception as exc:  # noqa: BLE001 - reported below with the thread's member
            errors.append((member.pk, exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=record, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    numbers = sorted(Payment.objects.filter(branch=branch, year=2026).values_list("receipt_no", flat=True))
    assert numbers == list(range(1, TREASURERS + 1))
