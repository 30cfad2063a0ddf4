"""WeServe settings: one file, read from the environment through small typed helpers.

Every variable is documented in the README. A bad value fails loudly at start-up.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

PACKAGE_DIR = Path(__file__).resolve().parent
_SOURCE_ROOT = PACKAGE_DIR.parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _default_var_dir() -> Path:
    # A source checkout keeps its state beside the code; an installed package uses ./var.
    if (_SOURCE_ROOT / "pyproject.toml").exists():
        return _SOURCE_ROOT / "var"
    return Path.cwd() / "var"


VAR_DIR = Path(env_str("WESERVE_VAR_DIR") or _default_var_dir()).resolve()
SECRET_KEY_FILE = VAR_DIR / "secret.key"
DATA_KEY_FILE = VAR_DIR / "data.key"


def _secret_key() -> str:
    key = env_str("WESERVE_SECRET_KEY")
    if key:
        return key
    if SECRET_KEY_FILE.exists():
        return SECRET_KEY_FILE.read_text().strip()
    # First start on the embedded default: make one and keep it, so sessions survive restarts.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    SECRET_KEY_FILE.write_text(key)
    SECRET_KEY_FILE.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("WESERVE_DEBUG", False)
HTTPS = env_bool("WESERVE_HTTPS", False)
ALLOWED_HOSTS = env_list("WESERVE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
PUBLIC_URL = env_str("WESERVE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
TRUSTED_PROXIES = env_list("WESERVE_TRUSTED_PROXIES", [])
REDIS_URL = env_str("REDIS_URL")
CSRF_TRUSTED_ORIGINS = [PUBLIC_URL] if PUBLIC_URL.startswith("http") else []

INSTALLED_APPS = [
    "weserve.core",
    "weserve.organisation",
    "weserve.queueing",
    "weserve.register",
    "weserve.feedback",
    "weserve.knowledge",
    "weserve.telephony",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",
    "ninja",
    "channels",
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    # Before anything asks whether the request came over HTTPS.
    "weserve.core.net.ForwardedProtoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early, so that it sees every answer, also those of the middleware below.
    "weserve.core.guards.ApiErrorShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After the static files, outside everything that answers a caller with credentials.
    "weserve.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "weserve.core.middleware.MalayFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Once the language is known (its refusals are read), before anything reads the body.
    "weserve.core.guards.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "weserve.core.middleware.OfficeMiddleware",
    "weserve.core.idempotency.IdempotencyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "weserve.urls"
ASGI_APPLICATION = "weserve.asgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "weserve.core.context_processors.shell",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
_SQLITE_DEFAULT = f"sqlite:///{VAR_DIR / 'weserve.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL") or _SQLITE_DEFAULT
try:
    _db = dj_database_url.parse(DATABASE_URL)
except Exception as exc:  # noqa: BLE001 - reworded for the operator
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] not in ("", ":memory:"):
        _folder = Path(_db["NAME"]).parent
        try:
            _folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ImproperlyConfigured(
                f"DATABASE_URL: the database's folder {_folder} cannot be made "
                f"({exc.strerror or exc}); is part of that path a file?"
            ) from None
    _db["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN, so two writers never deadlock upgrading a read lock.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Django's backend, plus one writer at a time inside the process (see its module).
    _db["ENGINE"] = "weserve.core.sqlite_backend"
    # Tests run on an in-memory database, one per process. Said outright, because tools
    # only recognise Django's own engine name as SQLite: pytest-django's parallel workers
    # (xdist) would otherwise name theirs "test_<path of the file>_gw0", a relative path
    # under a folder that does not exist ("unable to open database file").
    _db["TEST"] = {"NAME": ":memory:"}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["CONN_MAX_AGE"] = 0  # the psycopg pool keeps the connections
    _db["OPTIONS"] = {
        **_db.get("OPTIONS", {}),  # what DATABASE_URL says (sslmode, connect_timeout, ...)
        "pool": {"min_size": 1, "max_size": 20, "timeout": 10},
        # Only core.db.prepared_cursor binds on the server, so only its statements (the
        # hot path's) are prepared: after this many runs on a connection.
        "prepare_threshold": 5,
    }
    # ... and planned once: PostgreSQL would otherwise plan the batch of ticket issues
    # afresh for every batch (its plan for arrays of any length looks dearer than one for
    # the arrays at hand): planning cost 0.9–1.0 ms a batch, running a batch of five
    # 1.6–1.8 ms (session 6, measured from one thread).
    _db["OPTIONS"]["options"] = " ".join(
        filter(None, [_db["OPTIONS"].get("options"), "-c plan_cache_mode=force_generic_plan"])
    )
else:
    raise ImproperlyConfigured("DATABASE_URL must point at SQLite or PostgreSQL")
_db.setdefault("TEST", {})
DATABASES = {"default": _db}
IS_SQLITE = _db["ENGINE"] == "weserve.core.sqlite_backend"
# HTTP requests a server process works on at once (core/admission.py; 0: no bound). On
# SQLite two: its one worker gains nothing from more threads taking turns (decision 38);
# PostgreSQL's workers wait on the database and batch tickets from requests in flight.
REQUEST_CONCURRENCY = env_int("WESERVE_REQUEST_CONCURRENCY", 2 if IS_SQLITE else 0) or None
# The waiting-tickets index carries extra columns for PostgreSQL's index-only scans
# (queueing.Ticket, ticket_waiting_idx); SQLite builds it without them, as intended.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if IS_SQLITE else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels and background jobs ------------------------------------------------------
# How often a live socket checks that it is still subscribed, still allowed and missing
# no events (weserve.core.live.LiveConsumer): a screen that went deaf (Redis restarted)
# is reconnected within two checks.
LIVE_CHECK_SECONDS = 10
if REDIS_URL:
    # channels_redis's layer with reads that outlast its blocking pop and receives that
    # end when cancelled (weserve.core.channel_layer says why).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "weserve.core.channel_layer.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "weserve",
        "url": REDIS_URL,
        "immediate": False,
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "weserve",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
    }

# --- Authentication and security -------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout: five failures for the same username from the same address lock that pair for
# fifteen minutes. The client address honours WESERVE_TRUSTED_PROXIES only.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "weserve.core.net.axes_client_ip"
AXES_USERNAME_CALLABLE = "weserve.core.accounts.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# A failed sign-in's record keeps the request's form and query, with these fields'
# values masked: never a password, whatever the form calls it (tests/core/
# test_lockout_records.py). The token endpoint records no form at all (core.api_auth).
AXES_PASSWORD_FORM_FIELD = "password"  # noqa: S105 - the field's name, not a password
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "password",
    "password1",
    "password2",
    "old_password",
    "new_password1",
    "new_password2",
    "token",
    "csrfmiddlewaretoken",
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("WESERVE_SSL_REDIRECT", False)

from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF, "ws:", "wss:"],
        "media-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# The models core reaches without importing them (weserve.core.contracts): as
# AUTH_USER_MODEL names the user, these name the office, the paired device and the
# directory entry that says a person's offices. Core's code imports no app above it.
WESERVE_OFFICE_MODEL = "organisation.Office"
WESERVE_DEVICE_MODEL = "organisation.Device"
WESERVE_STAFF_MODEL = "organisation.StaffMember"

# API tokens for people expire; device tokens last until revoked.
USER_TOKEN_TTL_HOURS = 12
DEVICE_COOKIE_NAME = "weserve_device"
PAIRING_CODE_TTL_MINUTES = 15

# --- Languages and time ----------------------------------------------------------------
LANGUAGE_CODE = "ms"
LANGUAGES = [("ms", _("Malay")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "weserve_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
TIME_ZONE = "Asia/Kuala_Lumpur"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Source maps (django-ninja's API docs bring 5.5 MB) are read by a browser's developer
# tools only: Brotli and gzip of them, under both names the manifest keeps, cost each
# collectstatic (every install and upgrade, `weserve demo`) about 25 s of CPU for nothing
# a person sees. Every other file is compressed as before.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
MEDIA_ROOT = VAR_DIR / "media"
# A form with file uploads (complaint attachments: at most 3 files of 5 MB) may send a
# larger body than other requests (core.guards); the files are streamed to disk past
# FILE_UPLOAD_MAX_MEMORY_SIZE, never held whole in memory.
UPLOAD_BODY_MAX_SIZE = 16 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("WESERVE_LOG_LEVEL", "WARNING")},
    # The background worker says when it starts and stops; with a handler here, Huey adds
    # none of its own, so its lines are not printed twice.
    "loggers": {"huey": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

NINJA_PAGINATION_PER_PAGE = 50

# Ticket issue reuses an office's opening hours, its counters and recent service times
# for this many seconds per server process (the hot path); 0 reads them every time.
QUEUE_CACHE_SECONDS = env_int("WESERVE_QUEUE_CACHE_SECONDS", 5)
