from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import BranchRole, User


class BranchRoleInline(admin.TabularInline):
    model = BranchRole
    extra = 0
    autocomplete_fields = ["branch"]


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    inlines = [BranchRoleInline]
    list_display = ["username", "last_name", "first_name", "phone", "is_active", "must_change_password"]
    fieldsets = UserAdmin.fieldsets + (
        (_("Portal"), {"fields": ["phone", "must_change_password", "text_size"]}),
    )


@admin.register(BranchRole)
class BranchRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "branch", "role"]
    list_filter = ["role", "branch"]
    list_select_related = ["user", "branch"]
    search_fields = ["user__username", "user__last_name", "branch__name"]
