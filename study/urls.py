from django.urls import path

from . import group_views, meeting_views, views

app_name = "study"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_create, name="create"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/materials/", views.material_add, name="material_add"),
    path("<int:pk>/contributions/", views.contribution_add, name="contribution_add"),
    path("contributions/<int:pk>/file/", views.contribution_file, name="contribution_file"),
    path("<int:pk>/attendance/", views.attendance_take, name="attendance"),
    path("<int:pk>/attendance/<int:member_id>/", views.attendance_mark, name="attendance_mark"),
    path("materials/<int:pk>/", views.material_download, name="material"),
    path("<int:pk>/minutes/", meeting_views.minutes_edit, name="minutes"),
    path("<int:pk>/minutes/print/", meeting_views.minutes_print, name="minutes_print"),
    path("<int:pk>/minutes.docx", meeting_views.minutes_docx, name="minutes_docx"),
    path("<int:pk>/sign-in/", meeting_views.signin_sheet, name="signin"),
    path("meetings/", meeting_views.meeting_list, name="meetings"),
    path("meetings/year/", meeting_views.meeting_year, name="meeting_year"),
    path("meetings/frequency/<int:branch_id>/", meeting_views.frequency_edit, name="frequency"),
    path("resolutions/<int:pk>/done/", meeting_views.resolution_done, name="resolution_done"),
    path("groups/", views.interest_groups, name="groups"),
    path("groups/new/", group_views.group_create, name="group_create"),
    path("groups/<int:pk>/edit/", group_views.group_edit, name="group_edit"),
    path("groups/<int:pk>/join/", group_views.group_join, name="group_join"),
    path("groups/<int:pk>/leave/", group_views.group_leave, name="group_leave"),
    path("print/", views.print_schedule, name="print_year"),
    path("make-up/", views.makeup_list, name="makeup"),
    path("make-up/<int:pk>/", views.makeup_record, name="makeup_record"),
    path("plan/", views.plan_home, name="plan_home"),
    path("plan/<int:branch_id>/<int:year>/", views.plan_edit, name="plan"),
    path("plan/<int:branch_id>/<int:year>/generate/", views.plan_generate, name="plan_generate"),
    path("members/<int:member_id>/attendance/", views.member_panel, name="member_panel"),
    path("calendar/", views.calendar_token, name="calendar_token"),
    path("calendar.ics", views.calendar_feed, name="calendar_feed"),
]
