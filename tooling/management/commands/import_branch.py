"""`manage.py import_branch branch.zip`: loads an export_branch archive into a database without it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tooling.backup.restore import RestoreError, branch_import


class Command(BaseCommand):
    help = (
        "Loads a branch archive written by export_branch, all or nothing, keeping primary keys. "
        "The database must be migrated to the archive's state and must not hold the branch or its rows."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", type=Path, help="the .zip file written by export_branch")

    def handle(self, *args, archive: Path, **options) -> None:
        try:
            manifest = branch_import(path=archive)
        except RestoreError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _("Imported %(branch)s: %(rows)s rows, exported at %(when)s.")
                % {
                    "branch": manifest["branch"]["name"],
                    "rows": sum(manifest["counts"].values()),
                    "when": manifest["exported_at"],
                }
            )
        )
