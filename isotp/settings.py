"""Settings for isotp, read from the environment (see docs/deployment.md for every variable).

Safe by default: DEBUG is off and SECRET_KEY is then required; `make run` turns DEBUG on.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from isotp.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "development-only-not-secret" if DEBUG else None)
# Earlier keys, still accepted for sessions and signatures while a new SECRET_KEY settles in
# (docs/security.md, "Rotating secrets").
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
# Plain HTTP is only for a developer's machine and the test suite.
HTTPS_ONLY = env_bool("HTTPS_ONLY", not DEBUG)

INSTALLED_APPS = [
    # Before isotp, whose admin module takes their device admins off the Django admin.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "isotp",
    "referrals",
    "programme",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_forms_gds",
    "pgtrigger",
    "pghistory",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "isotp.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "isotp.security.SessionRenewalMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The header's count is counted again after the person changes something.
    "programme.casework.header_count.ForgetCountAfterChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "isotp.security.SignedInSessionMiddleware",
    "isotp.security.SecondFactorRequiredMiddleware",
    "isotp.security_events.RefusedAccessMiddleware",
    "isotp.consultation.ConsultationMiddleware",
]

# Which of a person's notifications name a case now closed to them (limited access): a digest
# written after a case was restricted, or the person excluded, leaves those out. The apps' rule,
# named by its path (isotp imports neither app).
NOTIFICATION_CASES_CLOSED = "referrals.access.crns_closed_to"

ROOT_URLCONF = "isotp.urls"
WSGI_APPLICATION = "isotp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                # The header's links and today's count: the programme's, as only it sees
                # what is due (isotp imports neither app; settings name it by its path).
                "programme.casework.context_processors.navigation",
            ],
        },
    },
]

# Two roles (docs/security.md, "Database roles and grants"): the app connects as one that owns
# nothing and may only add rows to the access log and the history tables; `manage.py migrate`
# connects as the one that owns the schema, then grants the app what it may do
# (isotp/database_roles.py). With neither URL set, both are the local server's roles that
# `.ci/ensure-postgres.sh` creates; with only DATABASE_URL set, that one role does both.
_LOCAL_APP_URL = "postgres://isotp_app@127.0.0.1:5432/isotp"
_LOCAL_OWNER_URL = "postgres://isotp_owner@127.0.0.1:5432/isotp"
_database_url = env_str("DATABASE_URL", _LOCAL_APP_URL)
DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A kept connection is checked before use, so the first request after a database
        # restart does not fail.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
_owner = dj_database_url.parse(
    env_str(
        "DATABASE_OWNER_URL", _database_url if "DATABASE_URL" in os.environ else _LOCAL_OWNER_URL
    )
)
if (
    _owner["ENGINE"] != DATABASES["default"]["ENGINE"]
    or _owner["NAME"] != DATABASES["default"]["NAME"]
):
    raise ImproperlyConfigured(
        "DATABASE_OWNER_URL must point at the same PostgreSQL database as DATABASE_URL "
        f"({DATABASES['default']['NAME']}), as the role that owns its tables."
    )
# How the owner connects (the database's name is the app's: a test database, under pytest).
DATABASE_OWNER = {key: _owner[key] for key in ("USER", "PASSWORD", "HOST", "PORT")}
DATABASE_OWNER["OPTIONS"] = _owner.get("OPTIONS", {})
# The role the app connects as, which migrate grants its privileges to.
DATABASE_APP_ROLE = DATABASES["default"]["USER"]

# An optional read replica (docs/deployment.md, "Scaling out"): the read-only heavy pages read
# from it, everything else and every write use the primary (isotp/db_router.py). Connected as
# the app's role, which streaming replication copies with everything else. The tests have none:
# there the alias would read the test database.
_replica_url = env_str("DATABASE_REPLICA_URL", "")
if _replica_url:
    DATABASES["replica"] = dj_database_url.parse(
        _replica_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["isotp.db_router.ReplicaRouter"]
# Behind PgBouncer in transaction mode a server-side cursor (.iterator()) could not outlive its
# transaction's server connection: Django then fetches everything at once.
if env_bool("DATABASE_POOLED", False):
    for _alias in DATABASES.values():
        _alias["DISABLE_SERVER_SIDE_CURSORS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "isotp.Staff"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "isotp.security.UsernameNotInPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The Django admin lives at a path of our choosing, not the well-known /admin/.
ADMIN_PATH = env_str("ADMIN_PATH", "staff-admin/").strip("/") + "/"

# Lock an account out after repeated failed logins (django-axes).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)
# Counted per username only: behind a proxy every member of staff can share one address, and
# five wrong passwords from anyone must not lock everyone else out.
AXES_LOCKOUT_PARAMETERS = ["username"]
# Usernames are at most 150 characters; a longer one typed or posted is cut before it is
# counted or stored, so it gets the normal "wrong username or password" message.
AXES_USERNAME_CALLABLE = "isotp.security.username_for_lockout"
# axes warns when the address is not a lockout parameter; here that is the point (above): a
# name is locked whatever address tries it, and no address can lock out other names.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client's address as isotp.security.client_address works it out (below), so that axes and
# the security event log record the same address.
AXES_CLIENT_IP_CALLABLE = "isotp.security.client_address"

# The client's address: X-Forwarded-For is believed only from configured proxies. With the
# default (no proxy), the address is the connection's own and a forwarded header is ignored.
# TRUSTED_PROXY_COUNT is how many proxies in front of the app append to X-Forwarded-For; with
# TRUSTED_PROXY_ADDRESSES set, the header is believed only when the connection comes from one
# of them.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
TRUSTED_PROXY_ADDRESSES = env_list("TRUSTED_PROXY_ADDRESSES", [])

# A second factor (TOTP, with one-time recovery codes) after the password: always for admins,
# auditors and anyone who can reach the Django admin; for every member of staff unless this is
# turned off.
OTP_REQUIRED_FOR_ALL_STAFF = env_bool("OTP_REQUIRED_FOR_ALL_STAFF", True)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "i-SOTP case management")
# Each wrong code doubles the wait before the next is checked (1, 2, 4, ... seconds).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Sessions end after 30 minutes without activity.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
# And after 10 hours whatever the activity: signing in again is then required.
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 10 * 60 * 60)
# Not saved on every request: isotp.security.SessionRenewalMiddleware renews an active
# session's expiry at most once a minute (a write per request cost every page a row update).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS_ONLY:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are only sent over HTTPS, to this exact host, for every path.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
# GOV.UK style dates ("5 October 2026"): the locale's formats win over these settings, so
# isotp/formats sets them for en-GB too.
FORMAT_MODULE_PATH = ["isotp.formats"]
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j F Y"
DATETIME_FORMAT = r"j F Y \a\t H:i"

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed file names in production; tests and development serve the files as they are.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# The longest one PDF may take to render before the user is told it took too long (isotp/pdf.py).
PDF_RENDER_TIMEOUT_SECONDS = env_int("PDF_RENDER_TIMEOUT_SECONDS", 20)

# Background work (bulk prints) goes on a queue in PostgreSQL: django-tasks, the API Django 6
# adopts, with its database backend. `manage.py db_worker` runs the tasks (`make run` and
# `make serve` start one beside the web server); docs/deployment.md, "The task queue".
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Jobs the worker starts once a day (`manage.py run_worker`, isotp/notifications/schedule.py), at or
# after a local time of day: name -> (task, "HH:MM"). A worker with SCHEDULE_DAILY_JOBS off
# starts none (a worker kept for bulk prints, say); one with it on is enough for all.
SCHEDULE_DAILY_JOBS = env_bool("SCHEDULE_DAILY_JOBS", True)
DAILY_JOBS = {
    "prune-task-results": ("isotp.notifications.tasks.prune_task_results", "02:00"),
    "purge-pdf-renderings": ("programme.tasks.purge_pdf_renderings", "02:15"),
    "reminders": ("programme.tasks.daily_reminders", "06:30"),
    "digests": ("isotp.notifications.tasks.send_digests", "07:00"),
}

# Email (docs/notifications.md): notifications go through Django's email framework. `make run`
# prints them on the worker's output (console backend); production sends through SMTP.
# Links in emails are absolute, from SITE_URL, and need sign-in.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Seconds an SMTP conversation may hang before the send counts as failed (and is tried again).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "i-SOTP case management <noreply@localhost>")
# The domain in each email's Message-ID (fixed per outbox row).
EMAIL_MESSAGE_ID_DOMAIN = env_str(
    "EMAIL_MESSAGE_ID_DOMAIN", SITE_URL.split("://", 1)[-1].split("/")[0].split(":")[0]
)
# An email claimed by a worker that has not marked it sent within this time is taken to be
# interrupted and is sent again; much longer than EMAIL_TIMEOUT.
NOTIFICATION_SEND_LEASE_SECONDS = env_int("NOTIFICATION_SEND_LEASE_SECONDS", 300)
# Tries before an email the server keeps refusing for a while is marked failed.
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8)

# Recorded history is locked: every pghistory event table gets a trigger refusing UPDATE and
# DELETE, whoever asks (the Django admin shows events read-only too).
PGHISTORY_APPEND_ONLY = True

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# The security event log (isotp.security_events) goes to stdout as one JSON object a line, for
# the log collector; everything else to stderr as before.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "isotp.log_format.JsonLinesFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "security": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        "isotp.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
    },
}
