"""What every page's header needs to know about the user's branches."""

from .current_branch import branch_chosen, own_branches


def branch_switcher(request) -> dict:
    """For a user with roles in several branches, the branches the header offers and the one chosen."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    branches = own_branches(user)
    if len(branches) < 2:
        return {}
    return {"switcher_branches": branches, "switcher_current": branch_chosen(request, branches)}
