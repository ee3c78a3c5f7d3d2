"""`manage.py export_branch --branch 第16党支部 --output branch.zip`: one branch's data in one archive."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tooling.backup.archive import ExportError, branch_export, branch_find


class Command(BaseCommand):
    help = (
        "Writes one branch's rows (members, health records, visits, study, notices, dues, history, "
        "its users with their password hashes) and uploaded files to a .zip archive. "
        "The archive holds sensitive personal data: keep it like the database itself."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--branch", required=True, help="the branch's name or id")
        parser.add_argument("--output", required=True, type=Path, help="the .zip file to write")

    def handle(self, *args, branch: str, output: Path, **options) -> None:
        try:
            manifest = branch_export(branch=branch_find(branch), output=output)
        except ExportError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            self.style.SUCCESS(
                _("Exported %(branch)s: %(rows)s rows and %(files)s files to %(output)s.")
                % {
                    "branch": manifest["branch"]["name"],
                    "rows": rows,
                    "files": len(manifest["files"]) - len(manifest["counts"]),
                    "output": output,
                }
            )
        )
        for name in manifest["missing_files"]:
            self.stderr.write(_("Not in storage, so not in the archive: %(name)s") % {"name": name})
