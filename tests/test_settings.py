import os
import subprocess
import sys

PROBE = (
    "import django; django.setup()\n"
    "from django.conf import settings\n"
    "from django.core.exceptions import ImproperlyConfigured\n"
    "try:\n"
    "    settings.SECRET_KEY\n"
    "except ImproperlyConfigured:\n"
    "    print('refused')\n"
)


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env["DJANGO_SETTINGS_MODULE"] = "branch_portal.settings"
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=120)


def test_without_debug_the_secret_key_has_no_default():
    result = _run("-c", PROBE)
    assert result.stdout.strip() == "refused", result.stderr


def test_key_free_commands_run_without_a_secret_key():
    result = _run("manage.py", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
