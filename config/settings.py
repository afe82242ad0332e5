"""Settings for the delegate-registration app, read from the environment.

Every variable is listed in `.env.example`. With DJANGO_DEBUG off (production) the app refuses
to start without a real secret key.
"""

import base64
import hashlib
import os
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent

# pyHanko (visa-letter signatures) still imports cryptography's DSA types, which cryptography marks
# deprecated; no DSA key is ever used here. Silence that one import-time notice, nothing else.
warnings.filterwarnings("ignore", message="DSA is deprecated", module="pyhanko")


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

DEV_SECRET_KEY = "django-insecure-development-only-never-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = DEV_SECRET_KEY
if not DEBUG and (not SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 32 characters when "
        "DJANGO_DEBUG is off (generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

# Signs badge codes (registrations.rules.badges). Dedicated, so rotating SECRET_KEY does not void printed
# badges. Empty in development: derived from SECRET_KEY; `check --deploy` warns (registrations.W003).
BADGE_SIGNING_KEY = os.environ.get("BADGE_SIGNING_KEY", "")

# Visa-letter requests: the passport details are encrypted with these Fernet keys (comma-separated;
# the first encrypts, all decrypt: put a new key first to rotate). Unset in development: one derived
# from SECRET_KEY; unset in production: requests cannot be stored and `check --deploy` warns (W007).
VISA_DATA_KEYS = env_list("VISA_DATA_KEYS")
if not VISA_DATA_KEYS and DEBUG:
    VISA_DATA_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(("visa-data:" + SECRET_KEY).encode()).digest()).decode()]
# The certificate that signs the visa letters (PAdES): PEM files of the certificate (with its chain)
# and its key, or one PKCS#12 file; the key's password, if any. `load_demo` makes a self-signed one
# under VISA_SIGNING_DIR in development; `check --deploy` warns when none is set (W006).
VISA_SIGNING_DIR = Path(os.environ.get("VISA_SIGNING_DIR", BASE_DIR / "var" / "visa-signing"))
VISA_SIGNING_CERT = os.environ.get("VISA_SIGNING_CERT", str(VISA_SIGNING_DIR / "cert.pem") if DEBUG else "")
VISA_SIGNING_KEY = os.environ.get("VISA_SIGNING_KEY", str(VISA_SIGNING_DIR / "key.pem") if DEBUG else "")
VISA_SIGNING_PKCS12 = os.environ.get("VISA_SIGNING_PKCS12", "")
VISA_SIGNING_KEY_PASSWORD = os.environ.get("VISA_SIGNING_KEY_PASSWORD", "")
# Verification lookups (/verify/<reference>/) per client address.
VERIFY_RATE = os.environ.get("VERIFY_RATE", "30/m")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Before the admin: translated fields (name_en, name_fr ...) for the models in registrations/translation.py.
    "modeltranslation",
    # The admin site is registrations.admin.site.RegistrationAdminSite: two-factor when ADMIN_REQUIRE_2FA.
    "registrations.admin_apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "js_lib_bootstrap5",
    "django_countries",
    "django_ratelimit",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "registrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # django-csp's, with the settings' policy built once (registrations/middleware.py).
    "registrations.web.middleware.CSPMiddleware",
    "registrations.web.middleware.MalformedRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Django's, with the message storage built only when a page reads or adds a message.
    "registrations.web.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "registrations.web.middleware.DatabaseBusyMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"

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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# SQLite is the embedded default. It is configured so concurrent writers queue instead of failing:
# WAL lets readers run beside one writer, IMMEDIATE takes the write lock when a transaction starts
# (no lock upgrade deadlocks), and the timeout makes a writer wait up to 20 s for its turn.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# PostgreSQL plans a statement on every execution unless it is prepared: the agenda's seats query
# plans in about twice the time it runs. With server-side binding, psycopg prepares a statement on
# its connection once it has run DATABASE_PREPARE_THRESHOLD times (Django's default is never).
# Behind a pooler in transaction mode that cannot keep prepared statements (PgBouncer before 1.21,
# or without max_prepared_statements), set DATABASE_PREPARED_STATEMENTS=0.
# DATABASE_POOLER=transaction says the connection goes through such a pooler (PgBouncer's
# pool_mode=transaction): each transaction may run on another server connection, so a cursor cannot
# outlive its transaction and Django's server-side cursors (`.iterator()` outside a transaction
# declares one WITH HOLD and fetches from it later) are turned off, as Django's documentation on
# transaction pooling says; prepared statements are then off unless DATABASE_PREPARED_STATEMENTS=1.
DATABASE_POOLER = os.environ.get("DATABASE_POOLER", "").strip().lower()
if DATABASE_POOLER not in ("", "session", "transaction"):
    raise ImproperlyConfigured("DATABASE_POOLER is 'transaction', 'session' or unset")
if DATABASE_POOLER == "transaction":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and os.environ.get(
    "DATABASE_PREPARED_STATEMENTS", "0" if DATABASE_POOLER == "transaction" else "1"
) not in ("0", "false", "no", "off"):
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "server_side_binding": True,
        "prepare_threshold": int(os.environ.get("DATABASE_PREPARE_THRESHOLD", "2")),
    }
# The health check without its round trip when the socket says the connection is idle and open
# (config/postgresql/base.py).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "config.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Adding a language is a catalog (locale/<code>/LC_MESSAGES/django.po and djangojs.po, compiled) and one
# line here: the switch, the delegates' choice and the translated fields of events and sessions
# (django-modeltranslation, one column per language) all follow this list. English is the
# fallback for content an organizer has not translated.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("ja", "日本語"),
    ("ko", "한국어"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Per-language formats beside Django's own: the venue's dates and times (config/formats/<code>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# Members as they name themselves (django-countries says "South Korea", "United States of America").
COUNTRIES_OVERRIDE = {
    "KR": gettext_lazy("Republic of Korea"),
    "US": gettext_lazy("United States"),
    # django-countries' short names that read oddly in a list sorted by name.
    "NR": gettext_lazy("Nauru"),
    "BS": gettext_lazy("Bahamas"),
}
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Delegates' photos live outside every public path (no URL serves this folder): only the
# permission-checked photo views read them. PHOTO_ROOT in production: a private, backed-up volume.
PHOTO_ROOT = Path(os.environ.get("PHOTO_ROOT", BASE_DIR / "private" / "photos"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "photos": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Readable by the app's own user only.
        "OPTIONS": {"location": PHOTO_ROOT, "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Bootstrap's dist files come from the django-js-lib-bootstrap5 app (static/js-lib-bootstrap5/),
# found by the app-directories finder and served by whitenoise; never from a CDN.

# The largest request body anything reads (a 10 MB photo and its form); larger: 413 at once.
MAX_REQUEST_BODY_BYTES = 11 * 1024 * 1024

# Photos (services.photos): what a delegate may send, and the fixed size it is stored at.
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MIN_SIZE = (400, 500)  # width, height in pixels
PHOTO_STORED_SIZE = (600, 750)
PHOTO_THUMBNAIL_SIZE = (96, 120)  # the copy in a door's offline admit list
# Pillow refuses images with more pixels than this (a decompression bomb), before decoding them.
PHOTO_MAX_PIXELS = 30_000_000
# Django keeps uploads up to this size in memory, larger ones in a temporary file: a 10 MB photo
# never sits whole in a worker's memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: Django's own backends; console for development, SMTP in production (emails carry private
# links: the console and file backends would write them to stdout or disk; `check --deploy` warns,
# registrations.W003).
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "registration@aisi-network.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Emails queued by one decision are tried right after commit when there are at most this many;
# larger batches (a bulk approval) are left to the `send_queued_emails` worker.
# Uploaded spreadsheets (the invitation import) are checked before they are parsed
# (registrations/services/xlsx_guard.py): what they may unpack to, how many parts and different texts.
UPLOAD_XLSX_MAX_UNPACKED_BYTES = int(os.environ.get("UPLOAD_XLSX_MAX_UNPACKED_BYTES", str(10 * 1024 * 1024)))
UPLOAD_XLSX_MAX_MEMBERS = int(os.environ.get("UPLOAD_XLSX_MAX_MEMBERS", "200"))
UPLOAD_XLSX_MAX_SHARED_STRINGS = int(os.environ.get("UPLOAD_XLSX_MAX_SHARED_STRINGS", "200000"))
# How long the seats snapshot (the current event, its sessions and seats left; registrations/queries/current.py)
# may be kept at most; every seat write makes it stale at once, this bounds a write that could not say so.
SEATS_SNAPSHOT_TIMEOUT = int(os.environ.get("SEATS_SNAPSHOT_TIMEOUT", "60"))
EMAIL_SEND_AFTER_COMMIT_MAX = int(os.environ.get("EMAIL_SEND_AFTER_COMMIT_MAX", "5"))
# What renders and sends the outbox's rows after commit (services queue rows; outputs render them).
EMAIL_OUTBOX_SENDER = "registrations.outputs.emails.deliver"

# Public base URL, used for links in emails sent by the worker (no request there).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY") else None

# Content Security Policy (django-csp 4). No inline script or style anywhere, the admin included:
# templates load everything from static files. `data:` images are Bootstrap's CSS icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# How many reverse proxies in front of the app add to X-Forwarded-For. 0: trust no header.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))

# Rate limits (django-ratelimit) count in the default cache: Redis when REDIS_URL is set, so the
# limits hold across app servers. A limited request gets the 429 page.
RATELIMIT_IP_META_KEY = "registrations.web.net.client_ip"
# An IPv6 client holds a whole network: limits and the login lockout count it by this prefix.
IPV6_CLIENT_PREFIX = 64
RATELIMIT_IPV6_MASK = IPV6_CLIENT_PREFIX
RATELIMIT_VIEW = "registrations.public.views.rate_limited"
# Signup POSTs per client address (django-ratelimit syntax); benchmarks raise it.
SIGNUP_RATE = os.environ.get("SIGNUP_RATE", "20/m")
# Photos sent from status pages per client address (each costs a decode and an encode).
PHOTO_UPLOAD_RATE = os.environ.get("PHOTO_UPLOAD_RATE", "30/h")
LOST_LINK_RATE_PER_IP = os.environ.get("LOST_LINK_RATE_PER_IP", "30/h")
LOST_LINK_RATE_PER_EMAIL = os.environ.get("LOST_LINK_RATE_PER_EMAIL", "3/h")
# django-ratelimit's list of supported caches predates Django's own Redis backend, which has the
# atomic INCR it needs: its "not officially supported" warning does not apply.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if not os.environ.get("REDIS_URL"):
    # Without Redis the counters live in each process: fine for one development server, too loose
    # for several gunicorn workers. `check --deploy` warns about it (registrations.W001) instead of
    # refusing to start, so a small single-process install still runs.
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003"]

# Admin login lockout (django-axes). Failures are counted per username *and* client address
# (read through the trusted proxies only): five wrong passwords for one account from one address
# lock that pair out for AXES_COOLOFF_MINUTES. Counting by the pair means nobody can lock a real
# organizer out from elsewhere; the few staff accounts, strong passwords and 2FA cover spraying.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# An IPv6 client is counted by its /64 (as the signup limit is), so it cannot walk its own network.
AXES_CLIENT_IP_CALLABLE = "registrations.web.net.client_network"
AXES_USERNAME_CALLABLE = "registrations.admin.site.axes_username"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
# No "AXES: BEGIN version ..." line on every management command; lockouts are still logged.
AXES_VERBOSE = False

# Staff two-factor authentication (django-otp, TOTP). On by default in production; `make run`
# (DJANGO_DEBUG=1) leaves it off so the demo logins work. See README for enrolling a device.
ADMIN_REQUIRE_2FA = env_bool("DJANGO_ADMIN_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "AISI Network registration")

DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # a signup is a few kB; refuse anything over 1 MB

# Private status links (/r/<token>/) never reach a log: the filter replaces the token on the loggers
# that write request paths (so any handler added to them gets clean records) and on our handler.
PRIVATE_LINK_LOGGERS = ["django.request", "django.security.csrf", "django.security.DisallowedHost"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"private_links": {"()": "registrations.web.log_filters.RedactPrivateLinks"}},
    "formatters": {
        # Django's own format for the development server's request lines.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["private_links"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["private_links"],
        },
    },
    "loggers": {
        **{name: {"filters": ["private_links"]} for name in PRIVATE_LINK_LOGGERS},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["private_links"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# The institute portal (/institute/): focal points' logins per client address (django-ratelimit; axes
# locks a username and address pair out as for the admin), and the digest of new registrations sent
# to them at most every FOCAL_POINT_DIGEST_MINUTES per institute.
FOCAL_POINT_LOGIN_RATE = os.environ.get("FOCAL_POINT_LOGIN_RATE", "20/m")
# Nominations one focal point may send in 24 hours: a stolen portal account cannot relay mail in the
# Network's name beyond it (rules.nomination_refusals).
FOCAL_POINT_NOMINATIONS_PER_DAY = int(os.environ.get("FOCAL_POINT_NOMINATIONS_PER_DAY", "20"))
FOCAL_POINT_DIGEST_MINUTES = int(os.environ.get("FOCAL_POINT_DIGEST_MINUTES", "60"))
