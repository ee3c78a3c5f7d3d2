from django.apps import AppConfig


class BranchPortalConfig(AppConfig):
    name = "branch_portal"
    verbose_name = "branch_portal"
