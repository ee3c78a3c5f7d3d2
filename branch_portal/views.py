import asyncio

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dues import views as dues_views
from members.selectors import member_row_for_user
from notifications import views as notifications_views
from study import views as study_views
from visits import views as visits_views

from . import dashboard, dashboard_charts, health


@login_not_required
@require_GET
@never_cache
async def healthz(request):
    """200 with {"status": "ok", <check>: "ok…"} when every check of branch_portal/health.py passes, else
    503 with "status": "error" and each failing check's reason."""
    checks = [check() for check in health.CHECKS.values()]
    results = await asyncio.gather(*(check.get_result() for check in checks))
    report = {
        name: f"error: {result.error.message}" if result.error else _passed(result.check)
        for name, result in zip(health.CHECKS, results, strict=True)
    }
    healthy = not any(result.error for result in results)
    return JsonResponse({"status": "ok" if healthy else "error", **report}, status=200 if healthy else 503)


def _passed(check) -> str:
    detail = check.pretty_status()
    return "ok" if detail == "OK" else f"ok: {detail}"


@login_not_required
@require_GET
def ping(request):
    """ "ok" through every middleware, with no query: the ceiling `make bench` compares pages to."""
    return HttpResponse("ok", content_type="text/plain")


# The member page's sections from the apps above `members`, in the page's order. `members` imports none
# of them: its page asks for them all with one htmx request to `member_sections`.
MEMBER_SECTIONS = [
    visits_views.member_section,
    study_views.member_section,
    dues_views.member_section,
    notifications_views.member_section,
]


def member_sections(request, member_id: int):
    """Every section the user may see of a member's page (visits, attendance, dues, notices) in one
    response; 404 for a member the user may not see."""
    member = member_row_for_user(request.user, member_id)
    return HttpResponse("".join(section(request, member) for section in MEMBER_SECTIONS))


def home(request):
    context = {"show_charts": dashboard_charts.has_charts(request.user), **dashboard.for_user(request.user)}
    return render(request, "home.html", context)
