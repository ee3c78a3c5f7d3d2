"""The files of deploy/ as the tools that read them see them (the smoke run in CI also boots them)."""

import shutil
import subprocess

import pytest

from tests.conftest import need_service
from tests.deploy import smoke


def test_the_systemd_units_verify_clean(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is missing: the units are not verified")
    (tmp_path / "env").write_text("DEBUG=0\n")
    units = smoke.render_units(tmp_path)  # fails on any complaint of systemd-analyze verify

    assert sorted(units) == sorted([*smoke.UNITS, "branch-portal.target"])
    command, cwd, _env = smoke.unit_command(units["branch-portal-web.service"])
    assert command[:3] == [
        str(smoke.ROOT / ".venv/bin/gunicorn"),
        "--config",
        str(smoke.ROOT / "deploy/gunicorn.conf.py"),
    ]
    assert cwd == smoke.ROOT


def test_the_nginx_site_passes_nginx_t(tmp_path):
    if shutil.which("nginx") is None or shutil.which("openssl") is None:
        need_service("nginx or openssl is missing (apt-get install nginx openssl)")
    smoke.certificate(tmp_path)
    main = smoke.render_nginx(tmp_path, {"http": 8080, "https": 8443, "gunicorn": 8001})  # runs nginx -t

    site = (tmp_path / "site.conf").read_text()
    assert "gzip on;" in site and "text/css application/javascript" in site
    assert f"alias {smoke.ROOT}/staticfiles/;" in site
    assert main.exists()


def test_the_gunicorn_configuration_loads():
    gunicorn = smoke.ROOT / ".venv" / "bin" / "gunicorn"
    result = subprocess.run(
        [str(gunicorn), "--check-config", "--config", "deploy/gunicorn.conf.py", "branch_portal.wsgi"],
        cwd=smoke.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": str(gunicorn.parent), "DJANGO_SETTINGS_MODULE": "branch_portal.settings_test"},
    )
    assert result.returncode == 0, result.stderr
