"""Interest groups run from the portal: the carers create and describe them and name an organiser;
members join and leave (on their phone)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.current_branch import branch_chosen
from accounts.permissions import branches_of, capability_required
from lib.form_errors import add_service_error

from . import selectors, services
from .forms import InterestGroupForm


@capability_required("manage_study")
def group_create(request):
    branches = branches_of(request.user, "manage_study")
    branch = _branch_chosen(request, branches)
    form = InterestGroupForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            services.interest_group_create(actor=request.user, branch=branch, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The interest group was created."))
            return redirect("study:groups")
    return render(request, "study/interest_group_form.html", {"form": form, "branch": branch})


def _branch_chosen(request, branches):
    """The branch named by ?branch=, else the one the user works for."""
    value = request.GET.get("branch")
    if not value:
        return branch_chosen(request, branches)
    found = [b for b in branches if str(b.pk) == value]
    if not found:
        raise Http404
    return found[0]


@capability_required("manage_study")
def group_edit(request, pk: int):
    group = selectors.interest_group_get_for_editor(request.user, pk)
    form = InterestGroupForm(request.POST or None, instance=group, branch=group.branch)
    if request.method == "POST" and form.is_valid():
        try:
            services.interest_group_update(actor=request.user, group=group, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The interest group was saved."))
            return redirect("study:groups")
    return render(
        request, "study/interest_group_form.html", {"form": form, "group": group, "branch": group.branch}
    )


@require_POST
@capability_required("view_study")
def group_join(request, pk: int):
    group = get_object_or_404(selectors.interest_group_list(user=request.user), pk=pk)
    services.interest_group_join(actor=request.user, group=group)
    messages.success(request, _("You joined %(group)s.") % {"group": group.name})
    return redirect("study:groups")


@require_POST
@capability_required("view_study")
def group_leave(request, pk: int):
    group = get_object_or_404(selectors.interest_group_list(user=request.user), pk=pk)
    services.interest_group_leave(actor=request.user, group=group)
    messages.success(request, _("You left %(group)s.") % {"group": group.name})
    return redirect("study:groups")
