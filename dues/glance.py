"""This month's dues figures on the committee's dashboard.

`branch_portal.dashboard` calls these; the tiles' figures are columns of the dashboard's one figures
query (the dashboard's charts are in `branch_portal.dashboard_charts`).
"""

import datetime

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.permissions import COMMITTEE, branch_ids, roles_by_branch
from lib import figures

from .models import Payment
from .money import month_start, to_fen
from .selectors import owing_members


def dues_columns(user, today: datetime.date) -> dict:
    """The dashboard's dues figures as columns of its one figures query (see `figures`).

    Dues collected this month for ledger readers; members owing for their own committee's branches,
    found by the database (`owing_members`), not by reading every rate and payment of every year.
    """
    ledger = branch_ids(user, "view_dues_ledger")
    if not ledger:
        return {}
    paid_this_month = Payment.objects.filter(
        branch_id__in=ledger, paid_on__gte=month_start(today), paid_on__lte=today
    )
    columns = {"dues_collected": figures.Sum(paid_this_month, "amount")}
    own = [b for b in ledger if roles_by_branch(user)[b] & COMMITTEE]
    if own:
        columns["dues_owing"] = figures.Count(owing_members(branch_ids=own, upto=today))
    return columns


def dues_tiles(row: dict, today: datetime.date) -> list[dict]:
    """Tiles from the figures `dues_columns` asked for (none when it asked for none)."""
    if "dues_collected" not in row:
        return []
    url = reverse("dues:ledger")
    month = date_format(today, "YEAR_MONTH_FORMAT")
    tiles = [
        {
            "label": _("Dues collected in %(month)s (yuan)") % {"month": month},
            "value": to_fen(row["dues_collected"]),
            "url": url,
        }
    ]
    if "dues_owing" in row:
        arrears = url + "#arrears-heading"
        tiles.append({"label": _("Members owing dues"), "value": row["dues_owing"], "url": arrears})
    return tiles
