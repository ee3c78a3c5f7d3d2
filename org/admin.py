from django.contrib import admin

from .models import Branch, Bureau


@admin.register(Bureau)
class BureauAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["name", "bureau"]
    list_filter = ["bureau"]
    list_select_related = ["bureau"]
    search_fields = ["name"]
