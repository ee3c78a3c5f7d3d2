"""`manage.py welcome`: `make run`'s last word, where to go and how to log in.

Honcho interleaves the web server's, the worker's and beat's output, so the address would scroll
away among them. This process waits until the portal answers, prints a short banner, and then
stays (honcho stops every process as soon as one of them ends).
"""

import os
import time
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand

from members.demo import DEMO_PASSWORD, DEMO_USERNAMES

ROLES = {
    "secretary": "书记 · branch secretary: everything in the branch",
    "liaison": "局联络员 · liaison officer: roster, visits, study",
    "member": "党员 · a member aged 91: own page, study schedule, notices",
    "bureau": "局党委 · the bureau: every branch, escalated concerns",
}


class Command(BaseCommand):
    help = "Waits until the portal answers, then prints its address and the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--wait", type=int, default=120, help="seconds to wait for the portal")
        parser.add_argument("--once", action="store_true", help="print and exit (tests)")

    def handle(self, *args, wait: int, once: bool, **options) -> None:
        address = f"http://127.0.0.1:{os.environ.get('WEB_PORT', '8000')}/"
        if not self._answers(address + "healthz/ping", wait):
            self.stderr.write(f"No answer at {address} within {wait} s: see the output above.")
        else:
            self.stdout.write(self._banner(address))
        while not once:
            time.sleep(3600)

    def _answers(self, url: str, wait: int) -> bool:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own loopback address
                    return True
            except (urllib.error.URLError, OSError):
                time.sleep(1)
        return False

    def _banner(self, address: str) -> str:
        rule = "=" * 68
        accounts = [f"    {name:<10} {ROLES.get(name, '')}" for name in DEMO_USERNAMES]
        return "\n".join(
            [
                "",
                rule,
                f"  支部工作平台 is ready: open {address}",
                f"  Log in with a demo account, password {DEMO_PASSWORD}:",
                *accounts,
                "  Stop with Ctrl+C.",
                rule,
                "",
            ]
        )
