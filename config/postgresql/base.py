"""Django's PostgreSQL backend with three costs removed: the health check's round trip, the
pure-Python parsing of every timestamp, and cursors planned for a first row nobody reads alone.

Health check. With `CONN_HEALTH_CHECKS`, Django asks a persistent connection `SELECT 1` before the
first query of every request: a round trip that, on the public pages, costs about as much as the
page's own query. A connection that sat idle between requests has nothing to read, unless the server
wrote to it (a termination notice when PostgreSQL restarts or the connection is killed) or closed
it. So the check asks the socket first, without waiting: nothing to read means usable; anything else
(data, hang-up, error) gets Django's own `SELECT 1`, which decides as before.

Timestamps. Django registers its own `timestamptz` loader, a Python subclass of psycopg's pure-Python
one, so that every datetime carries Django's time zone (UTC with `USE_TZ`). That parses each value
with a regular expression in Python: a fifth of an export's time, a tenth of a page's. On a
connection whose time zone is UTC (Django sets it when it connects) psycopg's compiled loader
already returns datetimes in `datetime.timezone.utc`, the very value Django's would: `UTCLoader`
hands psycopg that loader's `load` when the connection is UTC, and keeps Django's otherwise.

Cursors. `QuerySet.iterator()` reads through a server-side cursor, which PostgreSQL plans for
fetching a tenth of the rows (`cursor_tuple_fraction` 0.1): a start-fast plan. Every such read here
(exports, badges, the door's list, the purge) reads to the end, and outside a transaction Django
declares the cursor `WITH HOLD`, which runs the query whole at once anyway. So each connection asks
for plans for all the rows: the 100,000-row export ran about a tenth faster.

Extension points. Each change goes through one that is documented: a subclass of the built-in
backend named by `ENGINE` (Django's "Subclassing the built-in database backends"), overriding
`init_connection_state`, `get_connection_params` and `is_usable`, each calling Django's own first;
psycopg's adaptation API (`AdaptersMap`, `register_loader`, a loader's `load`); a PostgreSQL
setting (`SET cursor_tuple_fraction`). The one name of Django's own it leans on is the loader class
Django registers (`psycopg_any.BaseTzLoader`), subclassed so that Django's check of a connection's
zone (it compares the loader's `timezone`) keeps recognising it; tests/suites/test_database_backend.py
fails if an upgrade changes what it relies on. No SQL compiler, query or cursor internals are used.
"""

import datetime
import select
from functools import lru_cache

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.adapt import AdaptersMap
from psycopg.pq import Format

TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid
# psycopg's own loader: its compiled one when psycopg[binary] (or [c]) is installed.
PSYCOPG_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class UTCLoader(BaseTzLoader):
    """Django's UTC loader (its `timezone` is what Django's cursors compare), loading with psycopg's
    own loader when the connection's time zone is UTC. The transformer calls `loader.load`, so the
    instance attribute is what it calls: a compiled function, no Python frame per value."""

    timezone = datetime.UTC

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        if self.connection is not None and self.connection.info.timezone == datetime.UTC:
            self.load = PSYCOPG_TIMESTAMPTZ_LOADER(oid, context).load


@lru_cache
def with_utc_loader(adapters: AdaptersMap) -> AdaptersMap:
    """Django's adapters (one map per time zone, cached by Django) with `UTCLoader`."""
    adapters = AdaptersMap(adapters)
    adapters.register_loader("timestamptz", UTCLoader)
    return adapters


class DatabaseWrapper(base.DatabaseWrapper):
    def init_connection_state(self):
        super().init_connection_state()
        with self.connection.cursor() as cursor:
            cursor.execute("SET cursor_tuple_fraction = 1")
        if not self.get_autocommit():  # as Django does after setting the time zone
            self.connection.commit()

    def get_connection_params(self):
        params = super().get_connection_params()
        if settings.USE_TZ and self.timezone == datetime.UTC and params.get("context") is not None:
            params["context"] = with_utc_loader(params["context"])
        return params

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            pending = poller.poll(0)
        except (OSError, ValueError):
            pending = True  # cannot tell: ask the server
        return super().is_usable() if pending else True
