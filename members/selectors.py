"""Reads of members, each scoped to what the user may see."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from accounts.permissions import branch_ids

from .models import Member


def member_get_for_user(user, pk: int) -> Member:
    """The member if the user may see them (carers of the branch, or the member themself); else 404."""
    visible = Member.objects.filter(Q(user=user) | Q(branch_id__in=branch_ids(user, "view_roster")))
    return get_object_or_404(
        visible.select_related("branch", "contact_group__leader", "contact_group__deputy"), pk=pk
    )


def member_list(*, user):
    """Members of the user's roster branches, with what the list shows preloaded."""
    return Member.objects.in_branches(branch_ids(user, "view_roster")).select_related(
        "contact_group", "branch"
    )
