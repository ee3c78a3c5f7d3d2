"""manage.py import_roster FILE --branch "<name or id>" [--dry-run]: the roster import without a browser.

Prints the same preview as the import page; exits non-zero, having written nothing, when any row is wrong.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.permissions import SYSTEM
from members.roster import roster_import
from org.models import Branch


class Command(BaseCommand):
    help = "Imports a roster (.xlsx or .csv with the Chinese column headers) into a branch."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--branch", required=True, help="the branch's name or id")
        parser.add_argument("--dry-run", action="store_true", help="check and preview only; save nothing")

    def handle(self, *args, file: Path, branch: str, dry_run: bool, **options):
        target = self.branch(branch)
        if not file.is_file():
            raise CommandError(_("No such file: %(file)s") % {"file": file})
        with file.open("rb") as handle:
            result = roster_import(actor=SYSTEM, branch=target, file=handle, dry_run=dry_run)
        self.stdout.write(
            _("%(branch)s: %(created)d to add, %(updated)d to update, %(unchanged)d unchanged.")
            % {
                "branch": target,
                "created": len(result.to_create),
                "updated": len(result.to_update),
                "unchanged": len(result.unchanged),
            }
        )
        for plan in result.to_update:
            changes = "; ".join(
                f"{column}: {old or '—'} → {new or '—'}" for column, old, new in plan.change_list()
            )
            self.stdout.write(f"  {plan.line}: {plan.name} · {changes}")
        if result.ignored_columns:
            self.stdout.write(
                _("Ignored columns: %(columns)s") % {"columns": "、".join(result.ignored_columns)}
            )
        for shared in result.shared_mobiles:
            self.stdout.write(self.style.WARNING(_("Warning: %(message)s") % {"message": shared.message}))
        for error in result.errors:
            where = _("line %(line)s") % {"line": error.line} if error.line else _("file")
            self.stderr.write(f"{where} · {error.column or '—'} · {error.message}")
        if not result.ok:
            raise CommandError(
                _("Problems found: %(count)d. Nothing was saved.") % {"count": len(result.errors)}
            )
        self.stdout.write(
            self.style.SUCCESS(_("Saved.") if result.applied else _("Dry run: nothing was saved."))
        )

    def branch(self, wanted: str) -> Branch:
        query = Q(name=wanted) | Q(pk=int(wanted)) if wanted.isdigit() else Q(name=wanted)
        matches = list(Branch.objects.filter(query))
        if len(matches) != 1:
            raise CommandError(_("No single branch is called or numbered “%(branch)s”.") % {"branch": wanted})
        return matches[0]
