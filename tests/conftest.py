import os
import shutil
import time
from types import SimpleNamespace

import django_ratelimit.core
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.utils import translation

from registrations import services
from registrations.models import AccessTier, AuditEntry, OutboundEmail
from registrations.outputs import emails, signing
from tests.factories import DelegateFactory, EventFactory, SessionFactory, approved, ask, organizer, venue_time


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL", "")
    return f"database: {'PostgreSQL (' + url.split('@')[-1] + ')' if url.startswith('postgres') else 'SQLite'}"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. The test client runs requests in the test's own
    thread, and LocaleMiddleware leaves the last request's language active there: a French request
    in one test would otherwise make the next test's factories write the French columns."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _rate_limit_clock_stands_still(monkeypatch):
    """django-ratelimit counts in fixed windows of the clock: a test that straddled a window's end
    (e.g. the turn of a minute under "2/m") would see its count restart. Within a test the clock of
    the rate limits stands still; every test starts with an empty cache, so with empty counts."""

    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters (and anything cached) start empty in every test; lockouts live in the
    database (django-axes' database handler) and are rolled back with it."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _client_login_with_a_request(monkeypatch):
    """django-axes checks every authentication against the request, and Django's test client logs in
    without one. Give `client.login(...)` a blank request, as django-axes' documentation advises, so
    tests log in as usual; the lockout itself is tested through the real login page."""
    login = Client.login

    def login_with_request(self, **credentials):
        credentials.setdefault("request", HttpRequest())
        return login(self, **credentials)

    monkeypatch.setattr(Client, "login", login_with_request)


@pytest.fixture(scope="session")
def visa_signing_files(tmp_path_factory):
    """A self-signed visa-letter certificate for the whole run (as `load_demo` makes one)."""
    return signing.write_self_signed(tmp_path_factory.mktemp("visa-signing"))


@pytest.fixture(autouse=True)
def _visa_signing(settings, visa_signing_files):
    cert, key = visa_signing_files
    settings.VISA_SIGNING_CERT, settings.VISA_SIGNING_KEY = str(cert), str(key)


@pytest.fixture
def event(db):
    return EventFactory()


@pytest.fixture
def open_session(event):
    """09:00-10:30 on the first day."""
    return SessionFactory(
        event=event,
        title="Risk assessment science",
        access_tier=AccessTier.OPEN,
        capacity=3,
        starts_at=venue_time(event, 9),
        ends_at=venue_time(event, 10.5),
    )


@pytest.fixture
def government_session(event):
    """07:30-09:00, right before `open_session` (half-open times: no clash, a delegate may ask for both)."""
    return SessionFactory(
        event=event,
        title="Joint testing of frontier models",
        access_tier=AccessTier.GOVERNMENT_ONLY,
        capacity=2,
        starts_at=venue_time(event, 7.5),
        ends_at=venue_time(event, 9),
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
        services.resolve_lost_link_requests()
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


@pytest.fixture
def academics(event):
    """Five academics, Ana to Emi, who have asked for nothing yet."""
    return [DelegateFactory(event=event, given_name=name) for name in ["Ana", "Ben", "Chloe", "Dev", "Emi"]]


@pytest.fixture
def full_session(event, open_session, academics, organizer_actor):
    """Ana, Ben, Chloe confirmed; Dev then Emi waitlisted (Emi asked first but was approved later)."""
    ana, ben, chloe, dev, emi = academics
    for delegate, minute in [(ana, 1), (ben, 2), (chloe, 3), (dev, 4), (emi, 5)]:
        ask(delegate, open_session, minute)
    approved(academics, organizer_actor)
    OutboundEmail.objects.all().delete()
    AuditEntry.objects.all().delete()
    return open_session


@pytest.fixture(autouse=True, scope="session")
def _photo_root_emptied():
    """The photos the tests write (settings.PHOTO_ROOT, a folder of this run's own) go at the end."""
    yield
    shutil.rmtree(settings.PHOTO_ROOT, ignore_errors=True)


@pytest.fixture
def photo_files():
    """The names of the files in the photo storage now (to compare before and after)."""

    def names() -> set[str]:
        root = settings.PHOTO_ROOT
        return {p.name for p in root.iterdir()} if root.exists() else set()

    return names
