from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import idle_sessions, permissions  # noqa: F401  (permissions registers the rules)

        user_logged_in.connect(idle_sessions.activity_record_at_login, dispatch_uid="idle-clock")
