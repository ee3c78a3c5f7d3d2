from django.apps import AppConfig


class ToolingConfig(AppConfig):
    """Installed for its management commands only (backups, benchmark seeding): no models, URLs or pages."""

    name = "tooling"
