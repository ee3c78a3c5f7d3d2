from django.contrib import admin

from .models import Message, Notice, NoticeTemplate, ReminderSettings


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "title"]
    list_filter = ["category"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Read-mostly: notices are sent through the portal (services), never saved from here."""

    list_display = ["title", "branch", "year", "number", "category", "status", "sent_at"]
    list_filter = ["status", "category", "branch"]
    list_select_related = ["branch"]
    readonly_fields = ["year", "number", "status", "sent_at", "created_by"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["recipient_name", "channel", "status", "attempts", "not_before", "sent_at", "last_error"]
    list_filter = ["status", "channel"]
    search_fields = ["idempotency_key", "recipient_name", "to"]
    raw_id_fields = ["notice", "member", "user"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the outbox changes only through delivery


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["branch", "birthday_greeting", "study_day_before", "visit_digest", "concern_escalation"]
