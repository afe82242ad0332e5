"""System checks of our own: a malformed setting stops startup; deployment risks show in `check --deploy`."""

import os
import re

from cryptography.fernet import Fernet
from django.conf import settings
from django.core import checks

from registrations.outputs import signing
from registrations.outputs.badge_pdf import font_paths

# django-ratelimit's rate syntax: a count, a slash, an optional multiplier and a unit (20/m, 100/5m).
RATE = re.compile(r"^[0-9]+/[0-9]*[smhd]$")

SHARED_CACHE_BACKENDS = {
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
}


@checks.register(checks.Tags.security, deploy=True)
def rate_limits_are_shared(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in SHARED_CACHE_BACKENDS:
        return []
    return [
        checks.Warning(
            f"The default cache ({backend}) is per process, so rate limits count per gunicorn worker and "
            "a seat write in one worker leaves the others' seats snapshot stale for up to SEATS_SNAPSHOT_TIMEOUT.",
            hint="Set REDIS_URL so signup and lost-link limits and the seats shown hold across workers and servers.",
            id="registrations.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def admin_requires_two_factor(app_configs, **kwargs):
    if getattr(settings, "ADMIN_REQUIRE_2FA", True):
        return []
    return [
        checks.Warning(
            "Staff can sign in to the admin with a password alone.",
            hint="Leave DJANGO_ADMIN_REQUIRE_2FA unset (or 1) in production.",
            id="registrations.W002",
        )
    ]


# Backends that write each email, private links included, where operators and log collectors read.
LEAKING_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "registrations.outputs.console_email.EmailBackend",
}


@checks.register(checks.Tags.security, deploy=True)
def emails_are_not_printed(app_configs, **kwargs):
    backend = settings.EMAIL_BACKEND
    if backend not in LEAKING_EMAIL_BACKENDS:
        return []
    return [
        checks.Warning(
            f"EMAIL_BACKEND is {backend}: every email, with the delegate's private link, goes to the "
            "console or a file instead of the delegate.",
            hint="Set DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and DJANGO_EMAIL_HOST.",
            id="registrations.W003",
        )
    ]


@checks.register(checks.Tags.security)
def signup_rate_is_readable(app_configs, **kwargs):
    rate = getattr(settings, "SIGNUP_RATE", "")
    if RATE.fullmatch(str(rate)):
        return []
    return [
        checks.Error(
            f"SIGNUP_RATE={rate!r} is not a rate django-ratelimit can read.",
            hint="Use a count per period, e.g. 20/m, 300/h or 100/5m.",
            id="registrations.E001",
        )
    ]


# A badge key shorter than this is guessable offline from one photographed badge.
BADGE_KEY_MIN_LENGTH = 32


@checks.register(checks.Tags.security, deploy=True)
def badge_signing_key_is_set(app_configs, **kwargs):
    key = getattr(settings, "BADGE_SIGNING_KEY", "")
    if len(key) >= BADGE_KEY_MIN_LENGTH:
        return []
    return [
        checks.Warning(
            "BADGE_SIGNING_KEY is not set (or shorter than 32 characters): badge codes are signed with a "
            "key derived from DJANGO_SECRET_KEY, so rotating that voids every printed badge.",
            hint="Set BADGE_SIGNING_KEY to a random value of 32+ characters (secrets.token_urlsafe(40)).",
            id="registrations.W005",
        )
    ]


@checks.register()
def badge_font_is_installed(app_configs, **kwargs):
    if None not in font_paths():
        return []
    return [
        checks.Warning(
            "Badge fonts missing: badge PDFs cannot be made and approval emails go without the badge.",
            hint="Install Debian's fonts-dejavu-core and fonts-wqy-zenhei (make fonts), or set BADGE_LATIN_FONT "
            "and BADGE_FONT to TrueType files.",
            id="registrations.W004",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def visa_signing_certificate_is_set(app_configs, **kwargs):
    if signing.configured():
        return []
    return [
        checks.Warning(
            "No visa-letter signing certificate: visa support letters cannot be issued as signed PDFs.",
            hint="Set VISA_SIGNING_CERT and VISA_SIGNING_KEY (PEM files) or VISA_SIGNING_PKCS12 to the host's "
            "certificate.",
            id="registrations.W006",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def visa_data_keys_are_set(app_configs, **kwargs):
    keys = list(getattr(settings, "VISA_DATA_KEYS", []))
    try:
        for key in keys:
            Fernet(key.encode())
    except ValueError:
        return [
            checks.Error(
                "VISA_DATA_KEYS holds a value that is not a Fernet key.",
                hint="Each key is 32 random bytes, URL-safe base64 (Fernet.generate_key()).",
                id="registrations.E002",
            )
        ]
    if keys and not (settings.DEBUG and len(keys) == 1 and not os.environ.get("VISA_DATA_KEYS")):
        return []
    return [
        checks.Warning(
            "VISA_DATA_KEYS is not set: visa-letter requests (passport details) cannot be stored.",
            hint="Set VISA_DATA_KEYS to one or more Fernet keys, comma-separated, the newest first.",
            id="registrations.W007",
        )
    ]
