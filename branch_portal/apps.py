from django.apps import AppConfig


class BranchPortalConfig(AppConfig):
    name = "branch_portal"
    verbose_name = "branch_portal"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from . import fragments

        connection_created.connect(fragments.install_write_watch, dispatch_uid="fragments-write-watch")
