from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dues import glance

from . import dashboard
from .celery import app as celery_app


@login_not_required
@require_GET
@never_cache
def healthz(request):
    """200 with {"database": "ok", "broker": "ok"} when both answer, 503 otherwise."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


@login_not_required
@require_GET
def ping(request):
    """"ok" through every middleware, with no query: the ceiling `make bench` compares pages to."""
    return HttpResponse("ok", content_type="text/plain")


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy; the kind is reported
        return f"error: {exc.__class__.__name__}"


def _check_broker() -> str:
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}"


def home(request):
    context = {"show_charts": glance.has_charts(request.user), **dashboard.for_user(request.user)}
    return render(request, "home.html", context)
