import datetime
from decimal import Decimal

import pytest

from dues import services
from tests.factories import MemberFactory

D = datetime.date


@pytest.fixture
def rated_member(branch, group, secretary):
    """A member paying 20.00 a month since January 2025."""
    member = MemberFactory(branch=branch, contact_group=group, name="李秀英")
    services.dues_rate_set(
        actor=secretary, member=member, valid_from=D(2025, 1, 1), monthly_pension=Decimal("4000.00")
    )
    return member
