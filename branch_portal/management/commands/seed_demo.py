"""`manage.py seed_demo`: the demo branch of DESIGN.md, for `make run` and demos, never production.

Idempotent: the first run builds the branch and every app's demo data; later runs
only reset the demo accounts' passwords.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from dues import demo as dues_demo
from members import demo as members_demo
from notifications import demo as notifications_demo
from study import demo as study_demo
from visits import demo as visits_demo


class Command(BaseCommand):
    help = "Creates the demo branch and the demo accounts (secretary, liaison, member, bureau)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        branch, created = members_demo.seed(today)
        if created:
            # Each app adds its demo data here, in import order: visits, study, notifications, dues.
            visits_demo.seed(branch, today)
            study_demo.seed(branch, today)
            notifications_demo.seed(branch, today)
            dues_demo.seed(branch, today)
        count = branch.members.count()
        self.stdout.write(self.style.SUCCESS(f"Demo branch ready: {branch} ({count} members)."))
