"""Settings of the bench server: the production settings plus the bench-only URLs.

Selected only by the bench (DJANGO_SETTINGS_MODULE=bench.settings); production never loads it,
so `/bench/bare/` and `/bench/insert/` do not exist in normal production URLs.
"""

import os

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# The textbook peer's template (bench/peer/templates), for the bench-only /bench/textbook/ views.
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "peer" / "templates"]  # noqa: F405
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT") or STATIC_ROOT  # noqa: F405

# Every bench request comes from 127.0.0.1: lift django-ratelimit's per-IP limits (its own
# switch) so the bench measures the signup view itself rather than the 429 page.
RATELIMIT_ENABLE = False
# The lost-link bench keeps them on (with limits set high through the environment), so that the
# path it times is the production one.
if os.environ.get("BENCH_RATELIMIT") == "1":
    RATELIMIT_ENABLE = True

# For the bench's "what if" lines only (see bench/README.md): the same server without Django's
# per-request connection health check. Production keeps config.settings as it is.
if os.environ.get("BENCH_CONN_HEALTH_CHECKS") == "0":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405
