"""The test override: same settings, made faster and quieter."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
# A file, not SQLite's shared in-memory database: the browser tests' live server then gets
# connections of its own instead of sharing the test thread's (which could deadlock).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405
# No cache: sessions come from the database, which the tests may change directly. A test that
# needs a real cache sets one with the `settings` fixture.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
SMS_LOGIN = {**SMS_LOGIN, "ANSWER_SECONDS": 0}  # noqa: F405  (a test that checks it sets it)
