"""The PostgreSQL backend (config/postgresql/base.py). Its health check: no round trip for an idle,
open connection; a connection the server ended is found unusable and replaced. Its timestamps:
psycopg's compiled loader on a UTC connection, the same datetimes as Django's own loader. Its
cursors: planned for every row."""

import datetime
import os

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from django.test.utils import CaptureQueriesContext
from psycopg.pq import Format

from config.postgresql.base import PSYCOPG_TIMESTAMPTZ_LOADER, TIMESTAMPTZ_OID, UTCLoader

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL: the health check and timestamp loader are the PostgreSQL backend's (set DATABASE_URL=postgres://...)",
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


def test_cursors_are_planned_for_reading_every_row():
    """Every server-side cursor here is read to the end (exports, badges, the purge)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        assert cursor.fetchone() == ("1",)


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


MOMENTS = [
    "2024-11-20 09:00:00+09",
    "2024-11-20 16:59:59.999999-08",
    "2024-03-31 01:30:00.5+01",
    "2025-02-10 08:00:00+05:30",
    "1900-01-01 00:00:00+00:09:21",  # a pre-1970 local mean time offset, in seconds
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
]


def _django_loader(cursor):
    """Django's own loader for a UTC connection (what the backend replaces)."""

    class DjangoUTCLoader(BaseTzLoader):
        timezone = datetime.UTC

    return DjangoUTCLoader(TIMESTAMPTZ_OID, cursor)


def test_timestamps_load_through_psycopgs_own_loader_as_the_same_utc_datetimes_as_djangos():
    connection.ensure_connection()

    assert connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT) is UTCLoader
    with connection.cursor() as cursor:
        raw = cursor.cursor
        loader = UTCLoader(TIMESTAMPTZ_OID, raw)
        assert isinstance(loader.load.__self__, PSYCOPG_TIMESTAMPTZ_LOADER)  # not Django's Python parse
        for moment in MOMENTS:
            cursor.execute("SELECT %s::timestamptz, %s::timestamptz::text", [moment, moment])
            loaded, text = cursor.fetchone()
            expected = _django_loader(raw).load(text.encode())
            assert loaded == expected, moment
            assert loaded.tzinfo is datetime.UTC, moment
            assert loader.load(text.encode()) == expected


def test_a_connection_in_another_time_zone_keeps_djangos_loader():
    """Django sets every connection to UTC; were one not, the backend would load as Django does."""
    connection.ensure_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'Asia/Tokyo'")
            loader = UTCLoader(TIMESTAMPTZ_OID, cursor.cursor)
            assert "load" not in vars(loader)  # Django's own method: psycopg's would answer in Tokyo time
            cursor.execute("SELECT %s::timestamptz, %s::timestamptz::text", [MOMENTS[0], MOMENTS[0]])
            loaded, text = cursor.fetchone()
            assert loaded == _django_loader(cursor.cursor).load(text.encode())
            assert loaded.tzinfo is datetime.UTC
    finally:
        connection.close()  # the next test connects afresh, in UTC
