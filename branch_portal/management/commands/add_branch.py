"""`manage.py add_branch --bureau NAME --branch NAME --secretary USERNAME`: a production's first branch.

Creates the bureau and the branch when missing and a secretary with a one-time password, printed once, which
they must change at their first login. The secretary then imports the roster and gives the others their roles.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import secretary_create
from org.models import Branch, Bureau


class Command(BaseCommand):
    help = "Creates a branch (and its bureau) if missing, and a secretary for it with a one-time password."

    def add_arguments(self, parser):
        parser.add_argument("--bureau", required=True, help="the bureau's name, e.g. 某某局离退休干部党委")
        parser.add_argument("--branch", required=True, help="the branch's name, e.g. 离退休干部第1党支部")
        parser.add_argument("--secretary", required=True, help="the secretary's user name (to log in)")
        parser.add_argument("--name", default="", help="the secretary's full name")

    @transaction.atomic
    def handle(self, *args, bureau: str, branch: str, secretary: str, name: str, **options):
        if User.objects.filter(username=secretary).exists():
            raise CommandError(_("The user name %(username)s is taken.") % {"username": secretary})
        target, _created = Branch.objects.get_or_create(
            bureau=Bureau.objects.get_or_create(name=bureau)[0], name=branch
        )
        user, password = secretary_create(branch=target, username=secretary, full_name=name)
        self.stdout.write(
            _(
                "%(branch)s: secretary %(username)s, one-time password %(password)s "
                "(to be changed at first login)"
            )
            % {"branch": target, "username": user.username, "password": password}
        )
