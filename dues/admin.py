from django.contrib import admin

from .models import DuesRate, Expenditure, Payment, WorkPlanItem


@admin.register(DuesRate)
class DuesRateAdmin(admin.ModelAdmin):
    list_display = ["member", "valid_from", "rule_amount", "override_amount", "branch"]
    list_filter = ["branch"]
    list_select_related = ["member", "branch"]
    readonly_fields = ["rule_amount", "set_by", "created_at"]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    # Receipts are numbered by the service and never deleted (no gaps); the admin only reads them.
    list_display = ["receipt", "member", "first_month", "last_month", "amount", "paid_on", "branch"]
    list_filter = ["branch", "year"]
    list_select_related = ["member", "branch"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Expenditure)
class ExpenditureAdmin(admin.ModelAdmin):
    list_display = ["spent_on", "purpose", "amount", "approver", "branch"]
    list_filter = ["branch", "purpose"]
    list_select_related = ["approver", "branch"]


@admin.register(WorkPlanItem)
class WorkPlanItemAdmin(admin.ModelAdmin):
    list_display = ["branch", "year", "order", "text"]
    list_filter = ["branch", "year"]
