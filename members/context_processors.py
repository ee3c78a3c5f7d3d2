"""What every page's header needs to know about members."""

from accounts.models import BranchRole
from accounts.permissions import has_role

from .selectors import reader_member


def reading_for(request) -> dict:
    """For a family proxy, the member they read the portal for: the header says "代周桂兰查看"."""
    user = getattr(request, "user", None)
    if user is None or not has_role(user, BranchRole.Role.PROXY):
        return {}
    return {"reading_for": reader_member(user)}
