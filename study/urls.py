from django.urls import path

from . import views

app_name = "study"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_create, name="create"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/materials/", views.material_add, name="material_add"),
    path("<int:pk>/attendance/", views.attendance_take, name="attendance"),
    path("<int:pk>/attendance/<int:member_id>/", views.attendance_mark, name="attendance_mark"),
    path("materials/<int:pk>/", views.material_download, name="material"),
    path("groups/", views.interest_groups, name="groups"),
    path("make-up/", views.makeup_list, name="makeup"),
    path("make-up/<int:pk>/", views.makeup_record, name="makeup_record"),
    path("plan/", views.plan_home, name="plan_home"),
    path("plan/<int:branch_id>/<int:year>/", views.plan_edit, name="plan"),
    path("plan/<int:branch_id>/<int:year>/generate/", views.plan_generate, name="plan_generate"),
    path("members/<int:member_id>/attendance/", views.member_panel, name="member_panel"),
    path("calendar/", views.calendar_token, name="calendar_token"),
    path("calendar.ics", views.calendar_feed, name="calendar_feed"),
]
