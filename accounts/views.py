from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import idle_sessions, services
from .current_branch import current_branch_set
from .forms import LoginForm, PortalPasswordChangeForm, TextSizeForm

login_view = login_not_required(
    auth_views.LoginView.as_view(
        template_name="accounts/login.html",
        authentication_form=LoginForm,
        redirect_authenticated_user=True,
    )
)
logout_view = auth_views.LogoutView.as_view()


def password_change(request):
    form = PortalPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_set_password(
            request=request, user=request.user, password=form.cleaned_data["new_password1"]
        )
        messages.success(request, _("Your new password is saved."))
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


@require_POST
def text_size(request):
    form = TextSizeForm(request.POST)
    if form.is_valid():
        services.user_set_text_size(user=request.user, text_size=form.cleaned_data["text_size"])
    return _back(request)


@require_POST
def branch_switch(request):
    """The header's branch switcher: the branch a user of several works for, kept in the session."""
    branch = current_branch_set(request, request.POST.get("branch", ""))
    messages.success(request, _("You are now working for %(branch)s.") % {"branch": branch})
    # The page again, without its query: a ?branch= there would name the branch left.
    return _back(request, keep_query=False)


def _back(request, *, keep_query: bool = True):
    """Back to the page a header switch was on, never to another site (`next` comes from the form)."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
        return redirect("home")
    return redirect(back if keep_query else urlsplit(back).path or "home")


@require_POST
def session_extend(request):
    """The idle warning's "stay signed in": counts as activity, answers the seconds now left."""
    idle_sessions.activity_record(request)
    return JsonResponse({"seconds_left": idle_sessions.idle_deadline(0).seconds_left})
