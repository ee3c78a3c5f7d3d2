"""The branch a user of several branches is working for, chosen in the header and kept in the session.

Pages that act for one branch (the visit policy, celebrations, notices, the study plan, the dues
ledger…) ask `current_branch(request, capability)`: the chosen branch if the user holds the
capability there, else the first where they do. Without a choice that is the first, as before.
"""

from django.core.exceptions import PermissionDenied

from org.models import Branch

from .models import BranchRole
from .permissions import branches_of, roles_by_branch

SESSION_KEY = "current_branch_id"


def own_branches(user) -> list[Branch]:
    """The branches where the user holds a role of their own, in the branches' order (no query).

    A bureau role reads every branch of the bureau; those branches are read, not worked for, and a
    bureau user picks one on each page (the roster's branch menu), so they are not offered here.
    """
    roles = roles_by_branch(user)
    return [b for b in branches_of(user, "view_study") if roles[b.pk] - {BranchRole.Role.BUREAU}]


def current_branch(request, capability: str) -> Branch | None:
    """The branch the user works for with the capability: the one chosen, if they hold it there."""
    return branch_chosen(request, branches_of(request.user, capability))


def branch_chosen(request, branches: list[Branch]) -> Branch | None:
    """Of `branches`, the one chosen in the header, else the first (None if there are none)."""
    chosen = request.session.get(SESSION_KEY)
    return next((b for b in branches if b.pk == chosen), branches[0] if branches else None)


def current_branch_set(request, branch_id: str) -> Branch:
    """Remembers the branch chosen in the header; PermissionDenied unless it is one of the user's own."""
    branch = next((b for b in own_branches(request.user) if str(b.pk) == branch_id), None)
    if branch is None:
        raise PermissionDenied
    request.session[SESSION_KEY] = branch.pk
    return branch
