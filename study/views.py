from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.current_branch import current_branch
from accounts.permissions import branch_ids, capability_required, has_capability
from lib.form_errors import add_service_error
from members.models import Member
from members.selectors import member_get_for_user, reader_member
from org.models import Branch

from . import selectors, services
from .feed import build_calendar
from .filters import PastActivityFilter
from .forms import ActivityForm, AttendanceMarkForm, ContributionForm, MakeupForm, MaterialForm, PlanForm
from .holidays import is_holiday
from .models import Attendance, StudyActivity

UPCOMING_LIMIT = 20
PAST_LIMIT = 24


@capability_required("view_study")
def activity_list(request):
    # The chart's scripts load in the head for those who see the statistics.
    context = {"shows_stats": has_capability(request.user, "manage_study"), **_list_context(request)}
    return render(request, "study/activity_list.html", context)


def _list_context(request) -> dict:
    today = timezone.localdate()
    activities = selectors.activity_cards(user=request.user)
    past = PastActivityFilter(request.GET, queryset=activities.past(today))
    # The statistics follow the year chosen for the past activities.
    year = (past.form.cleaned_data.get("year") if past.is_valid() else None) or today.year
    upcoming = list(activities.upcoming(today)[:UPCOMING_LIMIT])
    shown_past = list(past.qs[:PAST_LIMIT])
    selectors.activities_preload(user=request.user, lists=[upcoming, shown_past])
    return {
        "upcoming": upcoming,
        "past": shown_past,
        "filter": past,
        "today": today,
        "stats": _stats_for(request.user, int(year)),
    }


def _stats_for(user, year: int) -> dict | None:
    managed = branch_ids(user, "manage_study")
    if not managed:
        return None
    stats = selectors.attendance_stats(managed, year)
    stats["chart"] = {
        "label": _("Attendance rate (%)"),
        "labels": [f"{row.date:%m-%d}" for row in stats["activities"]],
        "titles": [f"{row.date:%m-%d} {row.theme}" for row in stats["activities"]],
        "rates": [row.percent for row in stats["activities"]],
    }
    return stats


@capability_required("view_study")
def activity_detail(request, pk: int):
    activity = selectors.activity_get_for_user(request.user, pk)
    return render(request, "study/activity_detail.html", _detail_context(request, activity))


def _detail_context(request, activity: StudyActivity, material_form=None, contribution_form=None) -> dict:
    can_edit = has_capability(request.user, activity.capability, activity.organiser_id)
    can_record = activity.has_minutes and has_capability(
        request.user, "record_meetings", activity.organiser_id
    )
    return {
        "activity": activity,
        "can_edit": can_edit,
        "can_record": can_record,
        "can_take_attendance": bool(selectors.managed_branch_ids(request.user, activity)),
        "material_form": material_form or (MaterialForm() if can_edit else None),
        "contributions": selectors.contributions_of_activity(activity),
        "contribution_form": contribution_form or (ContributionForm(activity=activity) if can_edit else None),
        **(selectors.minutes_get(activity) if activity.has_minutes else {}),
    }


def _warn_if_holiday(request, activity: StudyActivity) -> None:
    if is_holiday(activity.date):
        message = _("%(date)s is a public holiday: members may be away. Check the date.")
        messages.warning(request, message % {"date": date_format(activity.date, "DATE_FORMAT")})


@capability_required("view_study")
def print_schedule(request):
    """The year's study days on one A4 page in large type, to put on the fridge."""
    year, days = selectors.printed_schedule(user=request.user, today=timezone.localdate())
    places = {day.place for day in days}
    # One place for the whole year is said once above the table, leaving the row to the date and theme.
    common_place = places.pop() if len(places) == 1 else ""
    member = reader_member(request.user)
    context = {"year": year, "days": days, "common_place": common_place, "member": member}
    return render(request, "study/print_schedule.html", context)


@capability_required("manage_study")
def activity_create(request):
    form = ActivityForm(request.POST or None, user=request.user, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        others = data.pop("other_branches")
        try:
            activity = services.activity_create(actor=request.user, branches=others, **data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The activity was saved."))
            _warn_if_holiday(request, activity)
            return redirect(activity)
    return render(request, "study/activity_form.html", {"form": form})


@capability_required("manage_study")
def activity_edit(request, pk: int):
    activity = selectors.activity_get_for_editor(request.user, pk)
    form = ActivityForm(request.POST or None, instance=activity, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        branches = [activity.organiser, *data.pop("other_branches")]
        try:
            services.activity_update(actor=request.user, activity=activity, branches=branches, **data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The activity was saved."))
            _warn_if_holiday(request, activity)
            return redirect(activity)
    return render(request, "study/activity_form.html", {"form": form, "activity": activity})


@require_POST
@capability_required("manage_study")
def material_add(request, pk: int):
    activity = selectors.activity_get_for_editor(request.user, pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.material_add(actor=request.user, activity=activity, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The material was added."))
            return redirect(activity)
    return render(request, "study/activity_detail.html", _detail_context(request, activity, form))


@require_POST
@capability_required("manage_study")
def contribution_add(request, pk: int):
    activity = selectors.activity_get_for_editor(request.user, pk)
    form = ContributionForm(request.POST, request.FILES, activity=activity)
    if form.is_valid():
        try:
            services.contribution_add(actor=request.user, activity=activity, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The talk or essay was added."))
            return redirect(activity)
    return render(
        request, "study/activity_detail.html", _detail_context(request, activity, contribution_form=form)
    )


@capability_required("view_study")
def material_download(request, pk: int):
    material = selectors.material_get_for_user(request.user, pk)
    if not material.file:
        raise Http404
    # Photos and PDFs open in the browser; office documents download. nosniff comes from SecurityMiddleware.
    inline = material.content_type in {"image/jpeg", "image/png", "application/pdf"}
    name = f"{material.title}{material.file.name[material.file.name.rfind('.') :]}"
    response = FileResponse(material.file.open("rb"), as_attachment=not inline, filename=name)
    response["Content-Type"] = material.content_type
    response["Cache-Control"] = "private, max-age=3600"
    return response


@capability_required("view_study")
def contribution_file(request, pk: int):
    """A talk's or essay's file, to those who see its activity; PDFs and pictures open, the rest download."""
    contribution = selectors.contribution_file_get_for_user(request.user, pk)
    inline = contribution.content_type in {"image/jpeg", "image/png", "application/pdf"}
    name = f"{contribution.title}{contribution.file.name[contribution.file.name.rfind('.') :]}"
    response = FileResponse(contribution.file.open("rb"), as_attachment=not inline, filename=name)
    response["Content-Type"] = contribution.content_type
    response["Cache-Control"] = "private, max-age=3600"
    return response


@capability_required("manage_study")
def attendance_take(request, pk: int):
    activity = selectors.activity_get_for_attendance(request.user, pk)
    rows = selectors.attendance_sheet(user=request.user, activity=activity)
    context = {"activity": activity, "rows": rows, "statuses": Attendance.Status.choices}
    return render(request, "study/attendance_take.html", context)


@require_POST
@capability_required("manage_study")
def attendance_mark(request, pk: int, member_id: int):
    activity = selectors.activity_get_for_attendance(request.user, pk)
    row = selectors.sheet_row(user=request.user, activity=activity, member_id=member_id)
    form = AttendanceMarkForm(request.POST)
    if form.is_valid():
        row.attendance = services.attendance_mark(
            actor=request.user, activity=activity, member=row.member, **form.cleaned_data
        )
    if not request.htmx:
        return redirect("study:attendance", pk=activity.pk)
    context = {"activity": activity, "row": row, "statuses": Attendance.Status.choices, "form": form}
    return render(request, "study/attendance_take.html#row", context)


@capability_required("view_study")
def interest_groups(request):
    groups = list(selectors.interest_group_list(user=request.user))
    own = reader_member(request.user)  # a family proxy joins for their member
    for group in groups:
        group.joined = own is not None and any(m.pk == own.pk for m in group.members.all())
    context = {
        "groups": groups,
        "own_branch_ids": {own.branch_id} if own and own.status == Member.Status.ACTIVE else set(),
        "managed": set(branch_ids(request.user, "manage_study")),
    }
    return render(request, "study/interest_group_list.html", context)


@capability_required("manage_study")
def makeup_list(request):
    return _makeup_page(request)


def _makeup_page(request, bound: tuple[int, MakeupForm] | None = None, status: int = 200):
    rows = list(selectors.makeup_list(user=request.user))
    for row in rows:
        row.form = bound[1] if bound and bound[0] == row.pk else MakeupForm(prefix=f"m{row.pk}")
    return render(request, "study/makeup_list.html", {"rows": rows}, status=status)


@require_POST
@capability_required("manage_study")
def makeup_record(request, pk: int):
    attendance = selectors.makeup_get_for_user(request.user, pk)
    form = MakeupForm(request.POST, prefix=f"m{pk}")
    if form.is_valid():
        try:
            services.attendance_record_makeup(
                actor=request.user,
                attendance=attendance,
                on=form.cleaned_data["makeup_on"],
                note=form.cleaned_data["makeup_note"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Make-up study recorded for %(name)s.") % {"name": attendance.member})
            return redirect("study:makeup")
    return _makeup_page(request, bound=(pk, form))


@capability_required("manage_study")
def plan_home(request):
    branch = current_branch(request, "manage_study")
    return redirect("study:plan", branch_id=branch.pk, year=timezone.localdate().year)


@capability_required("manage_study")
def plan_edit(request, branch_id: int, year: int):
    branch = _managed_branch(request.user, branch_id)
    plan = selectors.plan_get(branch_id=branch.pk, year=year)
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_save(actor=request.user, branch=branch, year=year, themes=form.themes, **form.rule)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The study plan was saved."))
            return redirect("study:plan", branch_id=branch.pk, year=year)
    context = {
        "form": form, "plan": plan, "branch": branch, "year": year, "days": _plan_days(plan),
        "branches": Branch.objects.filter(pk__in=branch_ids(request.user, "manage_study")),
    }  # fmt: skip
    return render(request, "study/plan_form.html", context)


def _plan_days(plan) -> list[StudyActivity]:
    return list(plan.activities.order_by("date")) if plan else []


def _managed_branch(user, branch_id: int) -> Branch:
    if branch_id not in branch_ids(user, "manage_study"):
        raise Http404
    return get_object_or_404(Branch, pk=branch_id)


@require_POST
@capability_required("manage_study")
def plan_generate(request, branch_id: int, year: int):
    branch = _managed_branch(request.user, branch_id)
    plan = selectors.plan_get(branch_id=branch.pk, year=year)
    if plan is None:
        messages.error(request, _("Save the plan first."))
    else:
        created = services.plan_generate(actor=request.user, plan=plan)
        messages.success(request, _("%(count)d monthly study days created.") % {"count": len(created)})
    return redirect("study:plan", branch_id=branch.pk, year=year)


def member_panel(request, member_id: int):
    """The member's attendance section alone."""
    return HttpResponse(member_section(request, member_get_for_user(request.user, member_id)))


def member_section(request, member) -> str:
    """The attendance, talks and essays of a member the user may see (branch_portal.views.member_sections)."""
    context = {
        "member": member,
        "records": selectors.member_attendance(member=member),
        "contributions": selectors.member_contributions(member=member),  # talks and essays
    }
    return render_to_string("study/member_panel.html", context, request)


@capability_required("view_study")
def calendar_token(request):
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_token_revoke(user=request.user)
            messages.success(request, _("The calendar address was switched off."))
        else:
            services.calendar_token_regenerate(user=request.user)
            messages.success(request, _("A new calendar address was made; the old one no longer works."))
        return redirect("study:calendar_token")
    token = getattr(request.user, "calendar_token", None)
    feed_url = None
    if token is not None:
        feed_url = request.build_absolute_uri(reverse("study:calendar_feed")) + f"?token={token.token}"
    context = {"feed_url": feed_url, "webcal_url": feed_url and "webcal://" + feed_url.split("://", 1)[1]}
    return render(request, "study/calendar_token.html", context)


@login_not_required
@require_GET
@never_cache
def calendar_feed(request):
    user = selectors.calendar_token_user(request.GET.get("token", ""))
    if user is None:
        raise Http404
    activities = selectors.feed_activities(user=user, today=timezone.localdate())
    body = build_calendar(activities, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="study.ics"'
    return response
