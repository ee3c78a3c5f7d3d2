"""The one door through which a change in a member's care reaches the apps above members.

An admission, a critical illness or a death must act in the same transaction as the edit that
records it, whichever path made the edit (the member form, a roster import, a visit's report).
Every such path writes through `members.services`, which announces each change here. members may
not import visits (DESIGN.md: imports flow one way), so visits registers its handler once, in its
AppConfig.ready(). A plain list of named handlers rather than a Django signal: they run in order,
inside the caller's transaction, and an error in one rolls the whole edit back.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from .models import Member


@dataclass(frozen=True)
class CareChange:
    """What one write changed: the care categories it opened and the member's status before and after."""

    member: Member
    actor: object
    on: datetime.date
    opened: frozenset[str]
    status_before: str
    status_after: str

    @property
    def left_branch(self) -> bool:
        """The member died or transferred out with this write (not a re-save of the same state)."""
        return self.status_before == Member.Status.ACTIVE and self.status_after != Member.Status.ACTIVE


_handlers: list[Callable[[CareChange], None]] = []


def register(handler: Callable[[CareChange], None]) -> None:
    """Adds a handler (once; AppConfig.ready() may run again in tests)."""
    if handler not in _handlers:
        _handlers.append(handler)


def announce(change: CareChange) -> None:
    """Calls every handler with the change, unless it changed nothing of note."""
    if not change.opened and not change.left_branch:
        return
    for handler in _handlers:
        handler(change)
