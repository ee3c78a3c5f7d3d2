from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.current_branch import current_branch
from accounts.permissions import branch_ids, capability_required, has_capability
from lib import spreadsheets
from lib.form_errors import add_service_error
from lib.paging import page_of
from org.models import Branch

from . import contact_map as contact_map_export
from . import selectors, services
from .filters import MemberFilter
from .forms import ContactGroupForm, HealthForm, MemberForm, ProxyForm


@capability_required("view_roster")
def member_list(request):
    if request.htmx:  # a search swaps only the results, always rendered afresh
        return render(request, "members/member_list.html#results", _member_list_context(request))
    return render(request, "members/member_list.html", _member_list_context(request))


def _member_list_context(request) -> dict:
    members = selectors.member_list(user=request.user)
    member_filter = MemberFilter(request.GET, queryset=members, request=request)
    # An impossible filter (e.g. another branch's group) shows nothing and says why, rather than everyone.
    found = member_filter.qs if member_filter.is_valid() else members.none()
    return {"filter": member_filter, "page": page_of(found, request)}


def member_detail(request, pk: int):
    return render(request, "members/member_detail.html", _member_detail_context(request, pk))


def _member_detail_context(request, pk: int) -> dict:
    """The page reads the health record only for the history; opening it (logged) is member_health's."""
    member = selectors.member_get_for_user(request.user, pk)
    carer = has_capability(request.user, "view_roster", member.branch_id)
    context = {
        "member": member,
        "carer": carer,
        "can_edit": has_capability(request.user, "edit_members", member.branch_id),
        "proxies": list(member.proxies.all()),
    }
    if context["can_edit"]:
        context["proxy_form"] = ProxyForm()
    if carer:
        periods = selectors.member_care_periods(member)
        context["care_lines"] = selectors.member_care_lines(member, periods=periods)
        context["history"] = selectors.member_history(member, periods=periods)
    return context


@capability_required("edit_members")
@require_POST
def proxy_add(request, pk: int):
    """Names a family member who reads the portal for the member (at most two)."""
    member = selectors.member_get_for_editing(request.user, pk)
    form = ProxyForm(request.POST)
    if form.is_valid():
        try:
            services.proxy_add(actor=request.user, member=member, **form.cleaned_data)
            messages.success(request, _("The family member can now log in with a code sent to their mobile."))
            return redirect(member)
        except ValidationError as error:
            add_service_error(form, error)
    context = {**_member_detail_context(request, pk), "proxy_form": form}
    return render(request, "members/member_detail.html", context)


@capability_required("edit_members")
@require_POST
def proxy_remove(request, pk: int):
    proxy = selectors.proxy_get_for_editing(request.user, pk)
    services.proxy_remove(actor=request.user, proxy=proxy)
    gone = _("%(name)s can no longer read the portal for the member.") % {"name": proxy.name}
    messages.success(request, gone)
    return redirect(proxy.member)


# Never kept by the browser: each opening reaches the server and is logged, and a shared phone keeps
# no copy of the record.
@never_cache
def member_health(request, pk: int):
    """The member's health record, opened on purpose: every opening is logged (PIPL). Editors change
    it here too, and nowhere else, so that no one sees it without the opening being logged."""
    member = selectors.member_get_for_health(request.user, pk)
    can_edit = has_capability(request.user, "edit_members", member.branch_id)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    form = HealthForm(request.POST) if request.method == "POST" else None
    if form is not None and form.is_valid():
        services.health_record_update(actor=request.user, member=member, **form.cleaned_data)
        messages.success(request, _("The health record has been saved."))
        return redirect(member)
    # Shown again beside a form with errors: that is an opening too, and logged like one.
    health = services.health_record_open(viewer=request.user, member=member)
    if form is None and can_edit:
        form = HealthForm.for_record(health)
    views = selectors.health_views(member) if health else []
    context = {"member": member, "health": health, "health_views": views, "form": form}
    template = "members/member_health.html#health" if request.htmx else "members/member_health.html"
    return render(request, template, context)


@capability_required("edit_members")
def member_create(request):
    # A user of several branches adds to the one they work for, unless they choose another.
    current = current_branch(request, "edit_members")
    form = MemberForm(request.POST or None, user=request.user, initial={"branch": current.pk})
    if request.method == "POST" and _save_member(request, form, None):
        messages.success(request, _("The member has been added."))
        return redirect(form.instance)
    return render(request, "members/member_form.html", {"form": form})


@capability_required("edit_members")
def member_edit(request, pk: int):
    member = selectors.member_get_for_editing(request.user, pk)
    form = MemberForm(request.POST or None, instance=member, user=request.user)
    if request.method == "POST" and _save_member(request, form, member):
        messages.success(request, _("The changes have been saved."))
        return redirect(member)
    return render(request, "members/member_form.html", {"form": form, "member": member})


def _save_member(request, form: MemberForm, member) -> bool:
    """Validates the form and writes through the service; on failure the form carries the errors."""
    if form.is_valid():
        try:
            if member is None:
                form.instance = services.member_create(actor=request.user, **form.service_fields())
            else:
                services.member_update(actor=request.user, member=member, **form.service_fields())
            return True
        except ValidationError as error:
            add_service_error(form, error)
    messages.error(request, _("Nothing was saved. Please correct the errors below."))
    return False


@capability_required("edit_members")
def contact_groups(request):
    return render(request, "members/group_list.html", {"forms": _group_forms(request.user)})


@require_POST
@capability_required("edit_members")
def contact_group_update(request, pk: int):
    group = selectors.contact_group_get_for_editing(request.user, pk)
    form = ContactGroupForm(request.POST, instance=group, prefix=f"group{group.pk}")
    if form.is_valid():
        try:
            services.contact_group_update(actor=request.user, group=group, **form.cleaned_data)
            messages.success(request, _("%(group)s has been saved.") % {"group": group})
            return redirect("members:groups")
        except ValidationError as error:
            add_service_error(form, error)
    messages.error(request, _("Nothing was saved. Please correct the errors below."))
    return render(request, "members/group_list.html", {"forms": _group_forms(request.user, bound=form)})


def _group_forms(user, bound: ContactGroupForm | None = None) -> list[ContactGroupForm]:
    """A form per group the user may edit; `bound` (with its errors) stands in for its own group."""
    groups = selectors.contact_groups(user=user, capability="edit_members")
    return [
        bound
        if bound is not None and group.pk == bound.instance.pk
        else ContactGroupForm(instance=group, prefix=f"group{group.pk}")
        for group in groups
    ]


def contact_map(request):
    return render(request, "members/contact_map.html", _contact_map_context(request))


def _contact_map_context(request) -> dict:
    branch_id = selectors.contact_map_branch_id(user=request.user, requested=request.GET.get("branch"))
    return {
        "maps": selectors.contact_map(user=request.user, branch_id=branch_id),
        "branch_choices": Branch.objects.filter(pk__in=branch_ids(request.user, "view_roster")),
        "branch_id": branch_id,
        "own_groups": selectors.own_contact_groups(user=request.user),
        "carer": has_capability(request.user, "view_roster"),
    }


@capability_required("view_roster")
def contact_map_xlsx(request):
    branch_id = selectors.contact_map_branch_id(user=request.user, requested=request.GET.get("branch"))
    maps = selectors.contact_map(user=request.user, branch_id=branch_id)
    owner = maps[0].branch.name if maps else _("Branch")  # one branch's map at a time
    filename = spreadsheets.download_name(owner, _("Contact map"), "xlsx")
    return spreadsheets.download(contact_map_export.workbook_bytes(maps), filename, spreadsheets.XLSX_TYPE)
