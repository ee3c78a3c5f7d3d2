from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from . import personal_links, sms_login, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/ping", views.ping, name="ping"),
    # The personal link in a notice SMS (short: it counts into the SMS's length).
    path("n/<int:notice_id>/<str:token>", personal_links.link_open, name="link_open"),
    path("n/", personal_links.link_page, name="link_page"),
    path("accounts/login/code/", sms_login.code_request, name="login_code"),
    path("accounts/login/code/check/", sms_login.code_login, name="login_code_check"),
    path("accounts/", include("accounts.urls")),
    path("members/<int:member_id>/sections/", views.member_sections, name="member_sections"),
    path("members/", include("members.urls")),
    path("notifications/", include("notifications.urls")),
    path("visits/", include("visits.urls")),
    path("study/", include("study.urls")),
    path("dues/", include("dues.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]
