from django.shortcuts import redirect
from django.urls import reverse


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
