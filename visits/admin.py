from django.contrib import admin

from .models import Concern, ConcernEvent, PlannedVisit, Visit, VisitPolicy


@admin.register(VisitPolicy)
class VisitPolicyAdmin(admin.ModelAdmin):
    list_display = ["branch", "other_days", "festival_window_days", "birthday_from_age", "updated_at"]


@admin.register(PlannedVisit)
class PlannedVisitAdmin(admin.ModelAdmin):
    list_display = ["member", "kind", "occasion", "due_from", "due_by", "responsible", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["member", "responsible"]
    raw_id_fields = ["member", "responsible"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # The planner numbers routine visits by counting them: cancel, never delete.
        return False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["member", "date", "kind", "mode", "follow_up"]
    list_filter = ["kind", "mode", "follow_up"]
    list_select_related = ["member"]
    raw_id_fields = ["member", "planned", "recorded_by"]


class ConcernEventInline(admin.TabularInline):
    model = ConcernEvent
    extra = 0
    readonly_fields = ["from_state", "to_state", "comment", "actor", "at"]


@admin.register(Concern)
class ConcernAdmin(admin.ModelAdmin):
    list_display = ["member", "category", "state", "raised_on", "escalated_at"]
    list_filter = ["state", "category"]
    list_select_related = ["member"]
    raw_id_fields = ["member", "visit"]
    readonly_fields = ["state", "escalated_at"]
    inlines = [ConcernEventInline]
