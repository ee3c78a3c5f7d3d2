from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("schedule/", views.schedule, name="schedule"),
    path("schedule.xlsx", views.schedule_xlsx, name="schedule_xlsx"),
    path("schedule/month/", views.schedule_month, name="schedule_month"),
    path("planned/<int:pk>/cancel/", views.planned_cancel, name="planned_cancel"),
    path("new/", views.visit_new, name="new"),
    path("new/search/", views.member_search, name="member_search"),
    path("members/<int:member_id>/panel/", views.member_panel, name="member_panel"),
    path("concerns/", views.concerns, name="concerns"),
    path("concerns/new/", views.concern_create, name="concern_create"),
    path("concerns/<int:pk>/transition/", views.concern_transition, name="concern_transition"),
    path("policy/", views.policy_edit, name="policy"),
    path("celebrations/", views.celebrations, name="celebrations"),
]
