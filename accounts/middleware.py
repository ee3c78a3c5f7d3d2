from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from . import idle_sessions


class PasswordChangeRequiredMiddleware:
    """Sends a user whose account the committee created to pick a password first."""

    ALLOWED_URL_NAMES = ("accounts:password_change", "accounts:logout", "set_language", "healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.must_change_password and not self._allowed(request.path):
            return redirect("accounts:password_change")
        return self.get_response(request)

    def _allowed(self, path: str) -> bool:
        from django.conf import settings

        if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        return path in {reverse(name) for name in self.ALLOWED_URL_NAMES}


class IdleSessionExpiryMiddleware:
    """Ends the session of a user who sees members' sensitive data after SESSION_IDLE_SECONDS idle.

    The real enforcement; the page's warning banner (static/js/idle-session.js) only tells the user
    in time. Every request counts as activity: the portal has no background polling (a poll added
    later must be exempted here, or it would keep an unattended session open).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not idle_sessions.idle_expiry_applies(request.user):
            return self.get_response(request)
        idle = idle_sessions.idle_seconds(request)
        if idle is not None and idle > settings.SESSION_IDLE_SECONDS:
            return self._sign_out(request)
        if idle_sessions.needs_recording(idle):
            idle_sessions.activity_record(request)
            idle = 0
        request.idle_deadline = idle_sessions.idle_deadline(idle)
        return self.get_response(request)

    def _sign_out(self, request):
        logout(request)
        minutes = max(1, round(settings.SESSION_IDLE_SECONDS / 60))
        messages.warning(
            request,
            _(
                "To protect members' information, you were logged out after %(minutes)s minutes "
                "without activity. Please log in again."
            )
            % {"minutes": minutes},
        )
        login_url = resolve_url(settings.LOGIN_URL)
        if request.path == login_url:
            return self.get_response(request)  # where the page's timer sends the browser
        if request.headers.get("HX-Request"):
            return HttpResponseClientRedirect(login_url)  # the whole page, not a panel, goes
        if request.method != "GET":
            return redirect(login_url)  # a form's address is not a page to come back to by GET
        return redirect_to_login(request.get_full_path())
