import os

import pytest
from django.core.cache import cache
from django.db import connection

from registrations import emails, services
from registrations.models import AccessTier
from tests.factories import DelegateFactory, EventFactory, SessionFactory, organizer


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL", "")
    return f"database: {'PostgreSQL (' + url.split('@')[-1] + ')' if url.startswith('postgres') else 'SQLite'}"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (cached page parts, rate-limit counters)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def event(db):
    return EventFactory()


@pytest.fixture
def open_session(event):
    return SessionFactory(event=event, title="Risk assessment science", access_tier=AccessTier.OPEN, capacity=3)


@pytest.fixture
def government_session(event):
    return SessionFactory(
        event=event, title="Joint testing of frontier models", access_tier=AccessTier.GOVERNMENT_ONLY, capacity=2
    )


@pytest.fixture
def organizer_user(db):
    return organizer()


@pytest.fixture
def organizer_actor(organizer_user):
    return services.Actor.organizer(organizer_user)


@pytest.fixture
def organizer_client(client, organizer_user):
    client.force_login(organizer_user)
    return client


@pytest.fixture
def send_emails():
    """Deliver everything queued (as the worker would) and return what was sent."""

    def _send():
        return emails.deliver()

    return _send


@pytest.fixture
def government_delegate(event):
    return DelegateFactory(event=event, government=True)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


requires_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL: row locks are a no-op on SQLite (set DATABASE_URL=postgres://...)",
)
