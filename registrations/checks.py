"""Deployment checks of our own, shown by `manage.py check --deploy`."""

from django.conf import settings
from django.core import checks

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
            f"The default cache ({backend}) is per process, so rate limits count per gunicorn worker.",
            hint="Set REDIS_URL so signup and lost-link limits hold across workers and servers.",
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
