"""Gap-free numbers, 1, 2, 3 … in a branch's year, none skipped and none taken twice: notice issues
(期) and dues receipts.

The number is the highest one taken so far plus one, read while a row shared by every taker (the
branch) is locked until the caller's transaction ends: callers at the same moment take turns, and
a caller that rolls back leaves its number to the next.
"""

from django.db.models import Max, QuerySet


def next_number(numbered: QuerySet, field: str, *, lock: QuerySet) -> int:
    """The number after the highest `field` among `numbered` (1 for the first), with `lock`'s row
    locked until the caller's transaction commits or rolls back."""
    list(lock.select_for_update().values_list("pk", flat=True))
    return (numbered.aggregate(last=Max(field))["last"] or 0) + 1
