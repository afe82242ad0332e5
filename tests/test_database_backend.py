"""The PostgreSQL backend's health check (config/postgresql/base.py): no round trip for an idle, open
connection; a connection the server ended is found unusable and replaced."""

import os

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL: the health check is the PostgreSQL backend's (set DATABASE_URL=postgres://...)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _raw_statements(wrapper):
    """Statements sent on the raw psycopg connection (the health check bypasses Django's cursors)."""
    sent = []
    original = wrapper.connection.cursor

    def cursor(*args, **kwargs):
        raw = original(*args, **kwargs)
        execute = raw.execute

        def recorded(query, *a, **k):
            sent.append(query)
            return execute(query, *a, **k)

        raw.execute = recorded
        return raw

    wrapper.connection.cursor = cursor
    return sent


def test_the_backend_is_ours_and_health_checks_are_on():
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["ENGINE"] == "config.postgresql"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_an_idle_open_connection_is_usable_without_a_round_trip():
    connection.ensure_connection()
    sent = _raw_statements(connection)
    assert connection.is_usable()
    assert sent == []


def test_a_connection_the_server_ended_is_unusable_and_the_next_query_reconnects():
    connection.ensure_connection()
    backend_pid = connection.connection.info.backend_pid
    killer = connections.create_connection("default")
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
            cursor.execute("SELECT pg_sleep(0.2)")  # the terminated backend has written its notice
    finally:
        killer.close()
    assert not connection.is_usable()
    # As at the start of a request: the failed check closes the connection, the next query reconnects.
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with CaptureQueriesContext(connection):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    assert connection.connection.info.backend_pid != backend_pid
