"""The bench settings with no middleware at all: the yardstick of `stack_vs_no_middleware_ratio`.

Only `/bench/bare/` is measured on it (a constant string, no database, no template): the same view
as on the production stack, so the ratio is what the middleware stack alone costs.
"""

from bench.settings import *  # noqa: F403

MIDDLEWARE = []
