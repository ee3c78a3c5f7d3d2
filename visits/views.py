import calendar
import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.current_branch import current_branch
from accounts.permissions import branch_ids, branches_of, capability_required, has_capability
from lib import spreadsheets
from lib.form_errors import add_service_error
from lib.links import id_url
from lib.paging import page_of
from members.models import Member
from members.selectors import member_get_for_user

from . import exports, selectors, services
from .celebrations import celebrant_labels, celebration_list, celebration_record
from .filters import ConcernFilter
from .forms import (
    CancelForm,
    CelebrationForm,
    ConcernForm,
    GiftFormSet,
    TransitionForm,
    VisitForm,
    VisitPolicyForm,
)
from .models import Concern, PlannedVisit, VisitPolicy
from .services import TRANSITIONS


def _mine(request) -> bool:
    """ "Mine" unless asked otherwise; the default for someone who leads no group is the whole branch."""
    scope = request.GET.get("scope")
    if scope in ("mine", "branch"):
        return scope == "mine"
    return request.user.led_groups.exists() or request.user.deputised_groups.exists()


@capability_required("record_visits")
def schedule(request):
    return render(request, "visits/schedule.html", _schedule_context(request))


def _schedule_context(request) -> dict:
    today = timezone.localdate()
    mine = _mine(request)
    visits = selectors.planned_visit_list(user=request.user, mine=mine)
    return {
        "mine": mine,
        "today": today,
        "schedule": selectors.schedule_sections(visits, today),
        "progress": selectors.festival_progress(user=request.user, today=today, mine=mine),
        "birthday_years": [
            (year, selectors.collective_birthdays(user=request.user, year=year))
            for year in (today.year, today.year + 1)
        ],
        "can_edit_policy": has_capability(request.user, "edit_members"),
    }


@capability_required("record_visits")
def schedule_xlsx(request):
    today = timezone.localdate()
    mine = _mine(request)
    visits = selectors.planned_visit_list(user=request.user, mine=mine)
    progress = selectors.festival_progress(user=request.user, today=today, mine=mine)
    branches = branches_of(request.user, "record_visits")
    owner = branches[0].name if len(branches) == 1 else branches[0].bureau.name
    content = exports.schedule_workbook(visits, progress, today, owner=owner)
    filename = spreadsheets.download_name(owner, _("Visit schedule"), "xlsx")
    return spreadsheets.download(content, filename, spreadsheets.XLSX_TYPE)


@capability_required("record_visits")
def schedule_month(request):
    """A printable month: one cell per day listing the visits due that day."""
    today = timezone.localdate()
    try:
        first = datetime.date.fromisoformat(request.GET.get("month", f"{today:%Y-%m}") + "-01")
    except ValueError as error:
        raise Http404 from error
    mine = _mine(request)
    by_day: dict[datetime.date, list] = {}
    for visit in selectors.month_visits(user=request.user, first=first, mine=mine):
        by_day.setdefault(visit.due_by, []).append(visit)
    weeks = [
        [(day, by_day.get(day, [])) if day.month == first.month else (None, []) for day in week]
        for week in calendar.Calendar().monthdatescalendar(first.year, first.month)
    ]
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    weekday_names = [date_format(day, "D") for day in calendar.Calendar().monthdatescalendar(2026, 6)[1]]
    context = {
        "first": first,
        "weeks": weeks,
        "mine": mine,
        "previous": previous,
        "following": following,
        "weekday_names": weekday_names,
    }
    return render(request, "visits/schedule_month.html", context)


@capability_required("record_visits")
def visit_new(request):
    """The phone-first form: find the member, then record the visit with big buttons."""
    member_id = request.POST.get("member") or request.GET.get("member")
    # isdigit() alone takes "²", which int() refuses.
    if not member_id or not (member_id.isascii() and member_id.isdigit()):
        return _member_choice(request)
    member = selectors.member_for_visit_get(request.user, int(member_id))
    due_visits = selectors.due_for_member(member)
    due = list(due_visits)
    form = VisitForm(
        request.POST or None, branch=member.branch, due=due_visits, initial=_initial(request, due)
    )
    if request.method == "POST" and form.is_valid():
        visit = _record(request, form, member)
        if visit is not None:
            messages.success(request, _("Visit to %(name)s recorded.") % {"name": member.name})
            return redirect(_came_from(request) or "visits:schedule")
    context = {"member": member, "form": form, "due": due, "next": _came_from(request)}
    return render(request, "visits/visit_new.html", context)


def _came_from(request) -> str:
    """The portal page the carer started from (?next=, carried through the search), if it is ours."""
    back = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=True)
    return back if safe and back.startswith("/") else ""


def _member_choice(request):
    """Step one: search (htmx as you type, or a plain GET), with the user's visits due now as shortcuts."""
    query = request.GET.get("q", "")
    today = timezone.localdate()
    due_now = selectors.planned_visit_list(user=request.user, mine=True).filter(due_from__lte=today)[:6]
    found = selectors.member_search(user=request.user, query=query)
    context = {
        "member": None,
        "query": query,
        "found": found,
        "due_now": due_now,
        "next": _came_from(request),
    }
    return render(request, "visits/visit_new.html", context)


def _initial(request, due: list[PlannedVisit]) -> dict:
    """Preselects the planned visit the user came from (?planned=), else the most urgent one due now."""
    today = timezone.localdate()
    chosen = [p for p in due if str(p.pk) == request.GET.get("planned")]
    current = [p for p in due if p.due_from <= today] or due
    # A hospital visit (newly in hospital or critically ill) comes before any routine one.
    current.sort(key=lambda p: p.kind != PlannedVisit.Kind.HOSPITAL)
    planned = (chosen or current or [None])[0]
    kind = planned.kind if planned else PlannedVisit.Kind.ROUTINE
    mode = "hospital" if kind == PlannedVisit.Kind.HOSPITAL else "home"
    initial = {"kind": kind, "date": today, "mode": mode, "visitors": [request.user.pk]}
    if chosen:
        initial["planned"] = chosen[0].pk
    return initial


def _record(request, form, member):
    """Records the visit (and the concern raised at it); None, with the errors on the form, if refused."""
    data = form.cleaned_data
    try:
        return services.visit_record_with_concern(
            actor=request.user,
            member=member,
            date=data["date"],
            kind=data["kind"],
            mode=data["mode"],
            visitors=list(data["visitors"]),
            amount=data["amount"] or 0,
            health=data["health"] or "",
            notes=data["notes"],
            follow_up=data["follow_up"],
            planned=data["planned"] or services.AUTO,
            concern_category=data["concern_category"],
            concern_text=data["concern_text"],
        )
    except ValidationError as error:
        add_service_error(form, error)
        return None


@capability_required("record_visits")
def member_search(request):
    """htmx: members matching a name, pinyin or pinyin initials, as big buttons."""
    query = request.GET.get("q", "")
    found = selectors.member_search(user=request.user, query=query)
    context = {"found": found, "query": query, "next": _came_from(request)}
    return render(request, "visits/visit_new.html#results", context)


def member_panel(request, member_id: int):
    """The member page's visits section alone; 204 for users who do not see visits."""
    section = member_section(request, member_get_for_user(request.user, member_id))
    return HttpResponse(section) if section else HttpResponse(status=204)


def member_section(request, member: Member) -> str:
    """The visits section of a member the user may see (branch_portal.views.member_sections); "" if
    the user does not see visits."""
    if not has_capability(request.user, "view_roster", member.branch_id):
        return ""
    context = {"member": member, "today": timezone.localdate(), **selectors.member_panel(member=member)}
    context["can_record"] = has_capability(request.user, "record_visits", member.branch_id)
    return render_to_string("visits/member_panel.html", context, request)


def concerns(request):
    """Carers: the branch's concerns. Bureau users: the inbox of escalations from their branches."""
    carer = has_capability(request.user, "record_visits")
    bureau = has_capability(request.user, "answer_escalations")
    if not (carer or bureau):
        raise PermissionDenied
    inbox = bureau and (request.GET.get("view") == "inbox" or not carer)
    form = _blank_concern_form(request) if carer else None
    return render(request, "visits/concern_list.html", _concerns_context(request, inbox, form))


def _blank_concern_form(request) -> ConcernForm:
    # The form's member choices show names only: whole rows would also parse five phone numbers each.
    members = (
        Member.objects.active()
        .in_branches(branch_ids(request.user, "record_visits"))
        .order_by("name_pinyin")
        .only("name")
    )
    return ConcernForm(members=members)


def _concerns_context(request, inbox: bool, form) -> dict:
    concerns = selectors.concern_list(user=request.user, inbox=inbox)
    concern_filter = ConcernFilter(request.GET, queryset=concerns, request=request, inbox=inbox)
    # An impossible filter (e.g. a branch that is not the user's) shows nothing rather than everything.
    found = concern_filter.qs if concern_filter.is_valid() else concerns.none()
    page = page_of(found, request)
    return {
        "rows": _concern_rows(request.user, page.object_list),
        "page": page,
        "filter": concern_filter,
        "inbox": inbox,
        "form": form,
        "can_inbox": has_capability(request.user, "answer_escalations"),
        "can_branch": has_capability(request.user, "record_visits"),
    }


def _concern_rows(user, concerns) -> list[dict]:
    """Each concern of the page (rows of `selectors.concern_list`) as the strings its card shows, with
    its staleness, the moves the user may make and the address they are posted to.

    The labels of states, categories and channels, and each move's labels, are the same on every card:
    they are translated once a page here, not by template tags on each of fifty cards.
    """
    concerns = list(concerns)
    steps = selectors.concern_steps([concern["id"] for concern in concerns])
    states = _labels(Concern.State)
    categories = _labels(Concern.Category)
    channels = _labels(Concern.Via)
    moves = _moves(states)
    now = timezone.now()
    rows = []
    for concern in concerns:
        pk, state, branch_id = concern["id"], concern["state"], concern["member__branch_id"]
        concern_steps = steps[pk]
        rows.append(
            {
                "pk": pk,
                "member": concern["member__name"],
                "branch": concern["member__branch__name"],
                "category": categories[concern["category"]],
                "state": states[state],
                "text": concern["text"],
                "raised_on": concern["raised_on"],
                "raised_via": channels[concern["raised_via"]],
                "stale": selectors.is_stale(state, concern["escalated_at"], now),
                "steps_label": _counted_steps(len(concern_steps)),
                "steps": [_step(step, states) for step in concern_steps],
                "actions": [
                    (to_state, label, comment_label)
                    for capability, to_state, label, comment_label in moves[state]
                    if has_capability(user, capability, branch_id)
                ],
                "transition_url": id_url("visits:concern_transition", pk),
            }
        )
    return rows


def _labels(choices) -> dict[str, str]:
    """Value → label of a model's choices, translated into the request's language."""
    return {value: str(label) for value, label in choices.choices}


def _moves(states: dict[str, str]) -> dict[str, list[tuple]]:
    """State → the moves out of it, as (capability needed, next state, its label, the label of the
    comment the move asks for)."""
    moves = {}
    for state, onward in TRANSITIONS.items():
        moves[state] = [
            (
                capability,
                to_state,
                states[to_state],
                _("Comment for “%(label)s”") % {"label": states[to_state]},
            )
            for to_state, capability in onward.items()
        ]
    return moves


def _counted_steps(count: int) -> str:
    """The card's summary, "3 steps", in the words the catalogue has for it."""
    return ngettext("%(counter)s step", "%(counter)s steps", count) % {"counter": count}


def _step(step: dict, states: dict[str, str]) -> dict:
    """A step as its card lists it: when, the state it led to, who ("—" for no person), their comment."""
    return {
        "at": step["at"],
        "state": states[step["to_state"]],
        "actor": "—" if step["actor"] is None else step["actor"],
        "comment": step["comment"],
    }


@require_POST
@capability_required("record_visits")
def concern_create(request):
    members = Member.objects.active().in_branches(branch_ids(request.user, "record_visits"))
    form = ConcernForm(request.POST, members=members)
    if form.is_valid():
        try:
            services.concern_raise(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Concern recorded."))
            return redirect("visits:concerns")
    messages.error(request, _("The concern was not recorded: see the form below."))
    return render(request, "visits/concern_list.html", _concerns_context(request, False, form))


@require_POST
def concern_transition(request, pk: int):
    concern = selectors.concern_get_for_user(request.user, pk)
    form = TransitionForm(request.POST)
    back = redirect(
        reverse("visits:concerns") + ("?view=inbox" if request.POST.get("view") == "inbox" else "")
    )
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return back
    try:
        services.concern_transition(actor=request.user, concern=concern, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Concern updated."))
    return back


@capability_required("edit_members")
def policy_edit(request):
    branch = current_branch(request, "edit_members")
    policy = VisitPolicy.objects.filter(branch=branch).first() or VisitPolicy(branch=branch)
    form = VisitPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(
                actor=request.user,
                branch=branch,
                **{name: form.cleaned_data[name] for name in form.fields},
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Visit policy saved. The next planning run uses it."))
            return redirect("visits:schedule")
    return render(request, "visits/policy_form.html", {"form": form, "policy": policy, "branch": branch})


@require_POST
def planned_cancel(request, pk: int):
    """Cancels a planned visit (e.g. the family asked to wait), with the reason kept."""
    planned = selectors.planned_visit_get_for_user(request.user, pk)
    form = CancelForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["reason"])
        services.planned_visit_cancel(actor=request.user, planned=planned, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The visit to %(name)s was cancelled.") % {"name": planned.member.name})
    scope = "branch" if request.POST.get("scope") == "branch" else "mine"
    return redirect(reverse("visits:schedule") + "?scope=" + scope)


@capability_required("edit_members")
def celebrations(request):
    """The collective birthday celebrations recorded, and the form to record one."""
    branch = current_branch(request, "edit_members")
    year = timezone.localdate().year
    # Recorded soon after, or planned ahead: last year's, this year's and next year's round birthdays.
    labels = celebrant_labels(branch_id=branch.pk, years=(year - 1, year, year + 1))
    form = CelebrationForm(request.POST or None, celebrants=labels)
    gifts = GiftFormSet(request.POST or None, prefix="gift")
    if request.method == "POST" and form.is_valid() and gifts.is_valid():
        bought = [(g["item"], g["cost"]) for g in gifts.cleaned_data if g.get("item", "").strip()]
        try:
            celebration_record(actor=request.user, branch=branch, gifts=bought, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The celebration has been recorded."))
            return redirect("visits:celebrations")
    listed = celebration_list(user=request.user, branch=branch)
    context = {"form": form, "gifts": gifts, "celebrations": listed, "branch": branch}
    return render(request, "visits/celebrations.html", context)
