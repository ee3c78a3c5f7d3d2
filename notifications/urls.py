from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("new/", views.notice_new, name="new"),
    path("new/preview/", views.notice_preview, name="preview"),
    path("reminders/", views.reminder_settings, name="reminders"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/send/", views.notice_send, name="send"),
    path("<int:pk>/retry/", views.notice_retry, name="retry"),
    path("<int:pk>/unschedule/", views.notice_unschedule, name="unschedule"),
    path("member/<int:member_id>/", views.member_panel, name="member_panel"),
    path("calls/", views.call_list, name="calls"),
    path("calls/<int:pk>/mark/", views.call_mark, name="call_mark"),
]
