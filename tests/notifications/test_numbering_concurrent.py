"""Issue numbers stay gap-free and unique when several notices are sent at the same moment (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from notifications import services
from notifications.models import Notice
from tests.conftest import need_service
from tests.factories import MemberFactory

from .factories import NoticeFactory

SENDERS = 8


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        need_service("PostgreSQL is needed: set DATABASE_URL=postgres://...")


def test_concurrent_sends_get_numbers_one_to_n_without_gaps_or_repeats(
    postgresql, branch, secretary, daytime
):
    MemberFactory(branch=branch)
    notices = [NoticeFactory(branch=branch) for _ in range(SENDERS)]
    start = threading.Barrier(SENDERS)
    errors = []

    def send(notice):
        try:
            start.wait()
            services.notice_send(actor=secretary, notice=notice, now=daytime)
        except Exception as exc:  # noqa: BLE001 - reported below with the thread's notice
            errors.append((notice.pk, exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(notice,)) for notice in notices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    numbers = sorted(Notice.objects.filter(branch=branch).values_list("number", flat=True))
    assert numbers == list(range(1, SENDERS + 1))


def test_a_send_that_rolls_back_gives_its_number_to_the_next_notice(postgresql, branch, secretary, daytime):
    from django.db import transaction

    MemberFactory(branch=branch)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notice_send(actor=secretary, notice=NoticeFactory(branch=branch), now=daytime)
        raise RuntimeError("the request failed after sending")
    sent = services.notice_send(actor=secretary, notice=NoticeFactory(branch=branch), now=daytime).notice
    assert sent.number == 1
