"""`manage.py plan_visits [--days 60] [--branch ID ...]`: materialise the three-visit schedule."""

from django.core.management.base import BaseCommand

from visits.planning import HORIZON_DAYS, plan_visits


class Command(BaseCommand):
    help = "Plans festival, birthday, routine and hospital visits for the coming days (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=HORIZON_DAYS, help="How many days ahead to plan.")
        parser.add_argument(
            "--branch", type=int, action="append", dest="branches", help="Branch id (repeatable)."
        )

    def handle(self, *args, days: int, branches: list[int] | None, **options) -> None:
        result = plan_visits(branch_ids=branches, days=days)
        self.stdout.write(
            f"{result.created} planned, {result.cancelled} cancelled, "
            f"{result.reassigned} reassigned, {result.tightened} brought forward."
        )
