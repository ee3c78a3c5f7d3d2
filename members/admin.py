from django.contrib import admin

from .models import CarePeriod, ContactGroup, FamilyProxy, HealthRecord, Member


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["name", "branch", "gender", "birth_date", "contact_group", "status"]
    list_filter = ["status", "branch", "living_situation"]
    list_select_related = ["branch", "contact_group"]
    search_fields = ["name", "name_initials", "name_pinyin"]
    raw_id_fields = ["user"]


@admin.register(HealthRecord)
class HealthRecordAdmin(admin.ModelAdmin):
    list_display = ["member", "condition", "mobility"]
    list_select_related = ["member"]


@admin.register(CarePeriod)
class CarePeriodAdmin(admin.ModelAdmin):
    list_display = ["member", "category", "started_on", "ended_on"]
    list_filter = ["category"]
    list_select_related = ["member"]


@admin.register(ContactGroup)
class ContactGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "branch", "number", "leader", "deputy"]
    list_select_related = ["branch", "leader", "deputy"]


@admin.register(FamilyProxy)
class FamilyProxyAdmin(admin.ModelAdmin):
    """To look up; family members are added and removed on the member's page (members.services)."""

    list_display = ["name", "relation", "member", "notices"]
    list_select_related = ["member"]
    search_fields = ["name", "member__name"]
    readonly_fields = ["member", "user"]

    def has_add_permission(self, request) -> bool:
        return False
