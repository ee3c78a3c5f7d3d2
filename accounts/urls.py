from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("text-size/", views.text_size, name="text_size"),
    path("branch/", views.branch_switch, name="branch_switch"),
    path("session/extend/", views.session_extend, name="session_extend"),
]
