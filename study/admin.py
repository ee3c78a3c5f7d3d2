from django.contrib import admin

from .models import Attendance, InterestGroup, StudyActivity, StudyMaterial, StudyPlan, StudyPlanMonth


class StudyMaterialInline(admin.TabularInline):
    model = StudyMaterial
    extra = 0
    fields = ["kind", "title", "url", "content_type", "size"]
    readonly_fields = ["content_type", "size"]


@admin.register(StudyActivity)
class StudyActivityAdmin(admin.ModelAdmin):
    list_display = ["date", "starts_at", "theme", "kind", "organiser"]
    list_filter = ["kind", "organiser"]
    list_select_related = ["organiser"]
    search_fields = ["theme", "speaker", "place"]
    date_hierarchy = "date"
    filter_horizontal = ["branches"]
    inlines = [StudyMaterialInline]


@admin.register(InterestGroup)
class InterestGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "branch"]
    list_select_related = ["branch"]
    filter_horizontal = ["members"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["activity", "member", "status", "makeup_on"]
    list_filter = ["status"]
    list_select_related = ["activity", "member"]
    raw_id_fields = ["activity", "member"]


class StudyPlanMonthInline(admin.TabularInline):
    model = StudyPlanMonth
    extra = 0


@admin.register(StudyPlan)
class StudyPlanAdmin(admin.ModelAdmin):
    list_display = ["branch", "year", "week", "weekday", "starts_at"]
    list_select_related = ["branch"]
    inlines = [StudyPlanMonthInline]
