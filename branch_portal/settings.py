"""Settings for branch_portal, read from the environment only (12-factor).

With no variables set the portal runs on SQLite and a serverless Celery broker
under var/, so `make run` needs no server at all. See .env.example.
"""

import json
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

DEBUG = env_bool("DEBUG")
# No production default: with DEBUG off and no SECRET_KEY, Django refuses the first use of the
# key (any request, any signing) while key-free commands such as makemigrations still run.
SECRET_KEY = os.environ.get("SECRET_KEY") or ("insecure-development-key-only-for-debug" if DEBUG else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    "django_filters",
    "phonenumber_field",
    "import_export",
    "auditlog",
    "rules",
    "axes",
    "csp",
    "org",
    "accounts",
    "members",
    "notifications",
    "visits",
    "study",
    "dues",
    "branch_portal",
    "tooling",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "branch_portal.middleware.ChineseUnlessChosenMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.IdleSessionExpiryMiddleware",  # after messages: it says why it logged out
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "branch_portal.urls"
WSGI_APPLICATION = "branch_portal.wsgi.application"

# Selects and plain inputs written in Python, the rest through Django's widget templates (renderers.py).
FORM_RENDERER = "branch_portal.renderers.FormRenderer"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.branch_switcher",
                "members.context_processors.reading_for",
            ],
            # One way to write dates, times, amounts and phones, in every template without a load.
            "builtins": ["branch_portal.templatetags.portal_format"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "accounts.permissions.AdminPermissionBackend",
]
# Length over complexity: elderly users remember a long phrase better than symbols.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "accounts.validators.PhraseLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes: lock a username from one address after 5 failures, for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False

# Logging in with a code sent by SMS (accounts/login_codes.py, branch_portal/sms_login.py).
SMS_LOGIN = {
    "CODE_SECONDS": 300,  # a code lasts 5 minutes
    "CODE_TRIES": 5,  # and ends after 5 wrong tries
    # (what is counted, per what, at most how many, in how many seconds): for every number, known or not.
    "LIMITS": [
        ("asked", "phone", 1, 60),
        ("asked", "phone", 5, 3600),
        ("asked", "address", 20, 3600),
        ("wrong", "phone", 10, 3600),
        ("wrong", "address", 30, 3600),
    ],
    # Asking for a code answers no sooner than this, so the time an SMS takes to send does not tell a
    # known number from an unknown one.
    "ANSWER_SECONDS": float(os.environ.get("SMS_LOGIN_ANSWER_SECONDS", "1.5")),
}

# The portal's address as members reach it, for the personal link in notice SMS (notifications/links.py);
# without it notices carry no link.
PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000" if DEBUG else "")
# django-sesame, for those links: tokens carry their time (a link lasts 30 days, links.LINK_DAYS) and
# end when the user's password changes.
SESAME_MAX_AGE = 30 * 24 * 3600

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["branch_portal.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
PHONENUMBER_DEFAULT_REGION = "CN"
PHONENUMBER_DEFAULT_FORMAT = "NATIONAL"

# Content-Security-Policy: the portal's own pages use no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Sessions, login throttling and the worker's heartbeat, shared by every web and worker process: Redis in
# production; files under var/ when no CACHE_URL is set, so `make run` needs no server.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}
# Sessions are read from the cache and written through to the database: one query less per page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
# Users who see members' health and family contacts are logged out after this long without a
# request (accounts/idle_sessions.py); members keep Django's usual two-week session.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", "1800"))
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
# Only behind a proxy that sets this header on every request (deploy/nginx sets X-Forwarded-Proto): the
# request is HTTPS when it says "https". Unset, a client could claim HTTPS over plain HTTP.
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + os.environ["SECURE_PROXY_SSL_HEADER"].upper().replace("-", "_"),
        "https",
    )
X_FRAME_OPTIONS = "DENY"

# Celery: Redis in production; kombu's filesystem transport when no broker is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
BROKER_FOLDER = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    (BROKER_FOLDER / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_FOLDER),
        "data_folder_out": str(BROKER_FOLDER),
        "processed_folder": str(BROKER_FOLDER / "processed"),
        "control_folder": str(BROKER_FOLDER / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER")
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection around every task, ignoring CONN_MAX_AGE
# (a new PostgreSQL session costs ~4.4 ms here); reuse it for this many tasks (REFERENCE.md).
# Celery closes Django's connection around every task; reuse it for 1,000 tasks (REFERENCE.md).
CELERY_DB_REUSE_MAX = int(os.environ.get("CELERY_DB_REUSE_MAX", "1000"))
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat queues the workers' heartbeat this often, and once as it starts (branch_portal/celery.py).
HEALTH_HEARTBEAT_SECONDS = 60
# Every periodic job, reviewed in one place; times are Asia/Shanghai (CELERY_TIMEZONE).
# Each task is idempotent, so a missed or repeated beat does no harm.
CELERY_BEAT_SCHEDULE = {
    # A worker records that it ran this; /healthz fails when the last beat is 5 periods old (health.py).
    "health-heartbeat": {
        "task": "branch_portal.heartbeat",
        "schedule": float(HEALTH_HEARTBEAT_SECONDS),
        "options": {"expires": HEALTH_HEARTBEAT_SECONDS},
    },
    # Re-dispatches messages stuck in queued or sending, and releases scheduled notices.
    "notifications-sweep-outbox": {"task": "notifications.sweep_outbox", "schedule": 60.0},
    "notifications-birthday-greetings": {
        "task": "notifications.birthday_greetings",
        "schedule": crontab(hour=9, minute=0),
    },
    # Group leaders with notice calls still open from an earlier day, once per leader and day.
    "notifications-calls-remind": {
        "task": "notifications.calls_remind",
        "schedule": crontab(hour=10, minute=0),
    },
    # Hourly, not nightly: a member newly in hospital or critically ill gets a visit due the same day.
    "visits-plan": {"task": "visits.tasks.plan_visits_task", "schedule": crontab(minute=30)},
    # Group leaders' digest, once per ISO week.
    "visits-weekly-digest": {
        "task": "visits.weekly_digest",
        "schedule": crontab(day_of_week="mon", hour=8, minute=30),
    },
    # Escalations unanswered by the bureau for 30 days, to the secretary, once per concern.
    "visits-stale-concerns": {
        "task": "visits.stale_concern_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    # Overdue visits: the holder reminded, then the secretary, then the liaison officer; once per step.
    "visits-overdue-ladder": {"task": "visits.overdue_ladder", "schedule": crontab(hour=9, minute=15)},
    # Birthday greetings of members who keep a lunar birthday (the solar ones are notifications').
    "visits-lunar-birthday-greetings": {
        "task": "visits.lunar_birthday_greetings",
        "schedule": crontab(hour=9, minute=0),
    },
    # The day-before SMS for tomorrow's study activities, once per member and day.
    "study-day-before": {"task": "study.day_before_reminders", "schedule": crontab(hour=10, minute=0)},
}

# Notices and reminders: channel backends and provider accounts, from the environment only.
NOTIFICATIONS = {
    "SMS_BACKEND": os.environ.get("SMS_BACKEND", "console"),  # console | locmem | aliyun | tencent
    "WECHAT_BACKEND": os.environ.get("WECHAT_BACKEND", "console"),  # console | locmem | wecom
    # Notices read aloud to members marked "needs a phone call": off unless set (aliyun_voice, console).
    "VOICE_BACKEND": os.environ.get("VOICE_BACKEND", ""),
    "ALIYUN_VOICE_ENDPOINT": os.environ.get("ALIYUN_VOICE_ENDPOINT", "https://dyvmsapi.aliyuncs.com/"),
    # An approved text-to-speech template with one variable (its name below) that takes the notice.
    "ALIYUN_VOICE_TTS_CODE": os.environ.get("ALIYUN_VOICE_TTS_CODE", ""),
    "ALIYUN_VOICE_TTS_PARAM": os.environ.get("ALIYUN_VOICE_TTS_PARAM", "content"),
    # The number the member sees calling (专属模式); empty for the provider's public pool.
    "ALIYUN_VOICE_SHOW_NUMBER": os.environ.get("ALIYUN_VOICE_SHOW_NUMBER", ""),
    "SMS_SIGN_NAME": os.environ.get("SMS_SIGN_NAME", ""),
    "ALIYUN_SMS_ENDPOINT": os.environ.get("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
    "ALIYUN_ACCESS_KEY_ID": os.environ.get("ALIYUN_ACCESS_KEY_ID", ""),
    "ALIYUN_ACCESS_KEY_SECRET": os.environ.get("ALIYUN_ACCESS_KEY_SECRET", ""),
    "ALIYUN_SMS_TEMPLATE_CODE": os.environ.get("ALIYUN_SMS_TEMPLATE_CODE", ""),
    "ALIYUN_SMS_TEMPLATE_PARAM": os.environ.get("ALIYUN_SMS_TEMPLATE_PARAM", "content"),
    "ALIYUN_SMS_BATCH_SIZE": int(os.environ.get("ALIYUN_SMS_BATCH_SIZE", "100")),
    # The approved template's text, ${content} where the notice goes (Tencent: {1}), e.g. "${content}回T退订":
    # its fixed text counts towards the SMS length and is part of what the provider says it sent.
    "SMS_TEMPLATE_TEXT": os.environ.get("SMS_TEMPLATE_TEXT", "${content}"),
    "TENCENT_SMS_ENDPOINT": os.environ.get("TENCENT_SMS_ENDPOINT", "https://sms.tencentcloudapi.com"),
    "TENCENT_SECRET_ID": os.environ.get("TENCENT_SECRET_ID", ""),
    "TENCENT_SECRET_KEY": os.environ.get("TENCENT_SECRET_KEY", ""),
    "TENCENT_SMS_APP_ID": os.environ.get("TENCENT_SMS_APP_ID", ""),
    "TENCENT_SMS_TEMPLATE_ID": os.environ.get("TENCENT_SMS_TEMPLATE_ID", ""),
    "TENCENT_SMS_REGION": os.environ.get("TENCENT_SMS_REGION", "ap-guangzhou"),
    "WECOM_WEBHOOK_URL": os.environ.get(
        "WECOM_WEBHOOK_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
    ),
    # {"<branch id>": {"branch_wechat": "<robot key>", "committee_wechat": "<robot key>"}}
    "WECOM_KEYS": json.loads(os.environ.get("WECOM_WEBHOOK_KEYS", "{}")),
    "WECOM_PER_MINUTE": 20,
    "RATE_LIMIT_REDIS_URL": os.environ.get(
        "NOTIFICATIONS_REDIS_URL", CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else ""
    ),
    "HTTP_TIMEOUT": float(os.environ.get("NOTIFICATIONS_HTTP_TIMEOUT", "10")),
    # No SMS in these hours (Beijing time); "" turns quiet hours off.
    "QUIET_HOURS": os.environ.get("NOTIFICATIONS_QUIET_HOURS", "21:00-08:00"),
    "MAX_ATTEMPTS": 6,
    "RETRY_BASE_SECONDS": int(os.environ.get("NOTIFICATIONS_RETRY_BASE_SECONDS", "30")),
    # A claim older than this (longer than CELERY_TASK_TIME_LIMIT) belongs to a dead worker.
    "STALE_SENDING_SECONDS": int(os.environ.get("NOTIFICATIONS_STALE_SENDING_SECONDS", "600")),
    # A queued message dispatched this long ago without being claimed lost its task (e.g. Redis restarted).
    "REDISPATCH_SECONDS": int(os.environ.get("NOTIFICATIONS_REDISPATCH_SECONDS", "120")),
    # After an attempt without an answer, the provider's "not found" is trusted only this long after it
    # (its records lag behind its sending); until then the message is held and asked about again.
    "CHECK_SETTLE_SECONDS": int(os.environ.get("NOTIFICATIONS_CHECK_SETTLE_SECONDS", "60")),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # A failing health check is reported in /healthz's answer; its traceback on every poll is noise.
    "loggers": {"axes": {"level": "WARNING"}, "health_check": {"level": "ERROR"}},
}

# Pages whose labels need translating at import time.
PORTAL_NAME = _("Branch work portal")
