import asyncio

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dues import glance

from . import dashboard, health


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
    """"ok" through every middleware, with no query: the ceiling `make bench` compares pages to."""
    return HttpResponse("ok", content_type="text/plain")


def home(request):
    context = {"show_charts": glance.has_charts(request.user), **dashboard.for_user(request.user)}
    return render(request, "home.html", context)
