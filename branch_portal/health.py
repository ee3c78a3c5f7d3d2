"""What /healthz checks: the services every request needs, what a deploy must have produced, and
whether a worker still runs what beat schedules.

django-health-check runs the checks (its own for the database and the cache; ours for the broker, the
static manifest, the translations and the workers' heartbeat). Every check reads the state of the process
that answers: a manifest or a catalogue produced after the process started does not count until it restarts,
just as its pages would not see them.
"""

import dataclasses
import time

from celery import current_app
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.files.storage import storages
from django.utils import translation
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable

HEARTBEAT_KEY = "health:worker-heartbeat"
# Set by the first check that finds no heartbeat: how long the portal has been waiting for one.
AWAITED_KEY = "health:worker-heartbeat-awaited-since"
# A string every translated language has in the portal's own catalogue (settings.PORTAL_NAME).
SENTINEL = "Branch work portal"


def heartbeat_record() -> None:
    """Notes that a worker ran the beat's heartbeat task now (seconds since the epoch). No expiry:
    a Redis cache under volatile-lru never evicts it, so an old value means an old beat."""
    cache = caches["default"]
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)
    cache.delete(AWAITED_KEY)


def heartbeat_stale_after() -> int:
    """Seconds without a beat after which the workers count as gone: five missed periods."""
    return 5 * settings.HEALTH_HEARTBEAT_SECONDS


@dataclasses.dataclass
class PortalCache(Cache):
    """Django's cache answers a write and a read. The test settings' dummy cache, which keeps nothing on
    purpose, passes."""

    async def run(self):
        if isinstance(caches[self.alias], DummyCache):
            return
        try:
            await super().run()
        except OSError as error:  # e.g. the file cache's folder is not writable
            raise ServiceUnavailable(f"cannot write the cache ({error.__class__.__name__})") from error


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection: without it no notice leaves the portal."""

    def run(self):
        # The project's app (branch_portal/__init__.py makes it current), whose tasks call this module.
        try:
            with current_app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
        except Exception as error:  # kombu wraps each transport's errors differently
            reason = f"cannot reach the Celery broker ({error.__class__.__name__})"
            raise ServiceUnavailable(reason) from error


@dataclasses.dataclass
class StaticManifest(HealthCheck):
    """With a manifest storage (DEBUG off) every static file has its hashed name, else every page that
    links one answers 500 ("Missing staticfiles manifest entry")."""

    def run(self):
        storage = storages["staticfiles"]
        if not isinstance(storage, ManifestFilesMixin):
            return
        if not storage.hashed_files:
            raise ServiceUnavailable(
                f"no static files manifest in {settings.STATIC_ROOT}: run collectstatic (make deploy), "
                "then restart the web processes"
            )
        missing = [path for path in self.sources() if path not in storage.hashed_files]
        if missing:
            raise ServiceUnavailable(
                f"{len(missing)} static files missing from the manifest (first: {missing[0]}): "
                "run collectstatic (make deploy), then restart the web processes"
            )

    @staticmethod
    def sources() -> list[str]:
        ignore = ["CVS", ".*", "*~"]  # collectstatic's default ignore patterns
        return [path for finder in finders.get_finders() for path, _storage in finder.list(ignore)]


@dataclasses.dataclass
class Translations(HealthCheck):
    """Each language but English has the portal's compiled catalogue (.mo), else the UI is in English."""

    def run(self):
        for code, _name in settings.LANGUAGES:
            if code == "en":  # the source strings are English
                continue
            with translation.override(code):
                if translation.gettext(SENTINEL) == SENTINEL:
                    raise ServiceUnavailable(
                        f"no compiled translations for {code}: pages show English; run make messages "
                        "(pybabel compile), then restart"
                    )


@dataclasses.dataclass
class WorkerHeartbeat(HealthCheck):
    """Beat queues `branch_portal.heartbeat` every HEALTH_HEARTBEAT_SECONDS and once as it starts; a worker
    runs it and records the time. Fails when the last beat is older than five periods, or when none has
    come in the five periods since a check first found none (a fresh start is given that grace)."""

    detail = "OK"  # what the report says when the check passes

    def run(self):
        cache = caches["default"]
        if isinstance(cache, DummyCache):
            self.detail = "not kept (dummy cache)"
            return
        now, stale = time.time(), heartbeat_stale_after()
        beat = cache.get(HEARTBEAT_KEY)
        if beat is None:
            cache.add(AWAITED_KEY, now, timeout=None)
            waited = now - cache.get(AWAITED_KEY, now)
            if waited > stale:
                raise ServiceUnavailable(
                    f"no worker beat in the {waited:.0f} s since the first check: "
                    "are the worker and beat running?"
                )
            self.detail = f"waiting for the first beat ({waited:.0f} s)"
            return
        age = now - beat
        if age > stale:
            raise ServiceUnavailable(
                f"last worker beat {age:.0f} s ago, expected every {settings.HEALTH_HEARTBEAT_SECONDS} s: "
                "are the worker and beat running?"
            )
        self.detail = f"last beat {age:.0f} s ago"

    def pretty_status(self) -> str:
        return self.detail


# The /healthz report, in this order: its key for each check.
CHECKS: dict[str, type[HealthCheck]] = {
    "database": Database,
    "cache": PortalCache,
    "broker": Broker,
    "staticfiles": StaticManifest,
    "translations": Translations,
    "worker": WorkerHeartbeat,
}
