"""Django's PostgreSQL backend with a connection health check that costs no round trip.

With `CONN_HEALTH_CHECKS`, Django asks a persistent connection `SELECT 1` before the first query of
every request: a round trip that, on the public pages, costs about as much as the page's own query.
A connection that sat idle between requests has nothing to read, unless the server wrote to it (a
termination notice when PostgreSQL restarts or the connection is killed) or closed it. So the check
asks the socket first, without waiting: nothing to read means usable; anything else (data, hang-up,
error) gets Django's own `SELECT 1`, which decides as before.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
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
