"""`manage.py seed_bench`: the bench bureau for `make bench` (README "Performance"), never production.

    manage.py seed_bench --branches 200 --members-per-branch 50   # 10,000 members, ~30 s on PostgreSQL
    manage.py seed_bench --reset ...                              # wipe the bench bureau and build it again

Running it again adds only the sections of apps installed since (e.g. dues); a
bureau of another size is refused unless --reset.
"""

import importlib
import random
import time

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from members.models import Member
from org.models import Bureau
from tooling.bench import base, roster

# The apps' sections in import order (visits, study, notifications, dues); each runs if its app is installed.
SECTIONS = ["visits", "study", "notifications", "dues"]


def installed_sections() -> list[tuple[str, object]]:
    return [
        (label, importlib.import_module(f"tooling.bench.{label}"))
        for label in SECTIONS
        if apps.is_installed(label)
    ]


class Command(BaseCommand):
    help = "Creates the bench bureau (default 200 branches × 50 members) for the performance benchmark."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--branches", type=int, default=200)
        parser.add_argument("--members-per-branch", type=int, default=50)
        parser.add_argument("--reset", action="store_true", help="Wipe the bench bureau first.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (the data is deterministic).")

    def handle(self, *args, branches: int, members_per_branch: int, reset: bool, seed: int, **opts) -> None:
        if branches < 1 or members_per_branch < 1:
            raise CommandError("--branches and --members-per-branch must be at least 1.")
        bureau = Bureau.objects.filter(name=base.BUREAU_NAME).first()
        if bureau is not None and reset:
            self._timed("wipe", wipe, bureau)
            bureau = None
        if bureau is not None:
            self._check_size(bureau, branches, members_per_branch)
        today = timezone.localdate()
        with transaction.atomic():
            base.faster_writes()
            if bureau is None:
                bureau = self._timed(
                    "members",
                    roster.seed,
                    branches=branches,
                    members_per_branch=members_per_branch,
                    today=today,
                    rng=random.Random(seed),
                )
            ctx = roster.load(bureau, today, random.Random(seed + 1))
            for label, section in installed_sections():
                if section.present(bureau):
                    self.stdout.write(f"{label}: present")
                else:
                    # Rows the benchmark itself left (the planner's) must not collide with the seed's.
                    section.wipe(bureau)
                    self._timed(label, section.seed, ctx)
        base.analyze()
        self.stdout.write(self.style.SUCCESS(f"Bench bureau ready: {len(ctx.members)} members."))

    def _check_size(self, bureau, branches: int, members_per_branch: int) -> None:
        have_branches = bureau.branches.count()
        have_members = Member.objects.filter(branch__bureau=bureau).count()
        if (have_branches, have_members) != (branches, branches * members_per_branch):
            raise CommandError(
                f"The bench bureau has {have_branches} branches and {have_members} members, not "
                f"{branches} × {members_per_branch}; run with --reset to rebuild it."
            )

    def _timed(self, label: str, function, *args, **kwargs):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        self.stdout.write(f"{label}: {time.perf_counter() - started:.1f} s")
        return result


@transaction.atomic
def wipe(bureau) -> None:
    """Deletes the bench bureau: the apps' rows first (children before parents), then the roster."""
    for _label, section in reversed(installed_sections()):
        section.wipe(bureau)
    roster.wipe(bureau)
