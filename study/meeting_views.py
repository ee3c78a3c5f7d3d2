"""Pages of the branch's meetings (三会一课): the list, minutes and resolutions, the year against the
rules, and what the secretary prints (the sign-in sheet, the minutes as a page and a .docx)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import branch_ids, branches_of, capability_required, has_capability
from lib import spreadsheets
from lib.form_errors import add_service_error
from org.models import Branch

from . import exports, selectors, services
from .filters import MeetingFilter
from .forms import AgendaItemFormSet, FrequencyForm, MinutesForm, ResolutionFormSet, YearForm

LIST_LIMIT = 100


@capability_required("view_study")
def meeting_list(request):
    meetings = MeetingFilter(request.GET, queryset=selectors.meeting_list(user=request.user))
    context = {
        "filter": meetings,
        "meetings": list(meetings.qs[:LIST_LIMIT]),
        "limit": LIST_LIMIT,
        "can_record": has_capability(request.user, "record_meetings"),
    }
    return render(request, "study/meeting_list.html", context)


@capability_required("record_meetings")
def minutes_edit(request, pk: int):
    activity = selectors.activity_get_for_recorder(request.user, pk)
    minutes = selectors.minutes_get(activity)
    data = request.POST or None
    form = MinutesForm(data, initial={"chair": activity.chair, "recorder": activity.recorder})
    items = AgendaItemFormSet(data, prefix="item", initial=[
        {"title": i.title, "discussion": i.discussion, "decision": i.decision} for i in minutes["items"]
    ])  # fmt: skip
    owners = {"branch_id": activity.organiser_id}
    resolutions = ResolutionFormSet(data, prefix="resolution", form_kwargs=owners)
    if request.method == "POST" and all([form.is_valid(), items.is_valid(), resolutions.is_valid()]):
        try:
            services.minutes_record(
                actor=request.user, activity=activity, **form.cleaned_data,
                items=[i for i in items.cleaned_data if i.get("title")],
                resolutions=[r for r in resolutions.cleaned_data if r.get("text")],
            )  # fmt: skip
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The minutes were saved."))
            return redirect(activity)
    context = {
        "activity": activity, "form": form, "items": items, "resolutions": resolutions,
        "saved_resolutions": minutes["resolutions"],
    }  # fmt: skip
    return render(request, "study/minutes_form.html", context)


@require_POST
@capability_required("view_study")
def resolution_done(request, pk: int):
    resolution = selectors.resolution_get_for_user(request.user, pk)
    services.resolution_done(actor=request.user, resolution=resolution)
    messages.success(request, _("The resolution “%(text)s” is marked done.") % {"text": resolution.text})
    return redirect("home" if request.POST.get("next") == "home" else resolution.activity)


@capability_required("view_study")
def minutes_print(request, pk: int):
    activity = _minuted(request.user, pk)
    context = {"activity": activity, **selectors.minutes_get(activity), **_attendance(activity)}
    return render(request, "study/minutes_print.html", context)


@capability_required("view_study")
def minutes_docx(request, pk: int):
    activity = _minuted(request.user, pk)
    body = exports.minutes_docx(activity, **selectors.minutes_get(activity), **_attendance(activity))
    kind = f"{exports.minutes_title(activity)}{activity.date:%Y%m%d}"
    name = spreadsheets.download_name(activity.organiser.name, kind, "docx")
    return spreadsheets.download(body, name, exports.DOCX_TYPE)


def _minuted(user, pk: int):
    activity = selectors.activity_get_for_user(user, pk)
    if not activity.has_minutes:
        raise Http404
    return activity


def _attendance(activity) -> dict:
    return {"attendance": selectors.attendance_summary(activity)}


@capability_required("manage_study")
def signin_sheet(request, pk: int):
    activity = selectors.activity_get_for_attendance(request.user, pk)
    rows = selectors.attendance_sheet(user=request.user, activity=activity)
    for number, row in enumerate(rows, start=1):
        row.number = number
    # Two columns side by side: 46 members fit one A4 page with room to sign.
    half = (len(rows) + 1) // 2
    context = {"activity": activity, "rows": rows, "columns": [rows[:half], rows[half:]]}
    return render(request, "study/signin_sheet.html", context)


@capability_required("view_study")
def meeting_year(request):
    today = timezone.localdate()
    year = _year(request.GET.get("year"), today.year)
    shown = branches_of(request.user, "read_committee_minutes")  # the committee, the liaison, the bureau
    if not shown:
        raise PermissionDenied
    context = {
        "year": year,
        "years": range(today.year, today.year - 5, -1),
        "branches": selectors.meeting_year(shown, year, today),
        "months": range(1, 13),
        "can_edit": set(branch_ids(request.user, "record_meetings")),
    }
    return render(request, "study/meeting_year.html", context)


def _year(value, default: int) -> int:
    form = YearForm({"year": value})
    return form.cleaned_data["year"] if form.is_valid() and form.cleaned_data["year"] else default


@capability_required("record_meetings")
def frequency_edit(request, branch_id: int):
    if branch_id not in branch_ids(request.user, "record_meetings"):
        raise Http404
    branch = get_object_or_404(Branch, pk=branch_id)
    form = FrequencyForm(request.POST or None, current=selectors.frequencies([branch.pk])[branch.pk])
    if request.method == "POST" and form.is_valid():
        services.frequencies_save(actor=request.user, branch=branch, every=form.cleaned_data)
        messages.success(request, _("The expected frequencies were saved."))
        return redirect("study:meeting_year")
    context = {"form": form, "branch": branch, "branches": branches_of(request.user, "record_meetings")}
    return render(request, "study/frequency_form.html", context)
