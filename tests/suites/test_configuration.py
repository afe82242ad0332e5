"""Settings come from the environment; SQLite is a real default that queues concurrent writers."""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import OperationalError
from django.test import Client, override_settings

from registrations import services
from registrations.models import Delegate
from tests.public.test_signup import signup

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT), **env})
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "key",
    [None, "", "django-insecure-development-only-never-use-in-production", "short"],
)
def test_production_refuses_to_start_without_a_real_secret_key(key):
    env = {"DJANGO_DEBUG": "0"}
    if key is not None:
        env["DJANGO_SECRET_KEY"] = key
    result = run_python("import django; django.setup()", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = run_python(
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k" * 50,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_development_runs_without_a_key():
    result = run_python("import django; django.setup()", DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_sqlite_queues_concurrent_writers_instead_of_failing(tmp_path):
    """Twelve threads register at once on a SQLite file: every signup is written, none fails."""
    result = run_python(
        """
        import threading
        import django
        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections
        call_command("migrate", verbosity=0)
        call_command("load_demo", verbosity=0)
        journal_mode = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
        from registrations import services
        from registrations.models import Delegate, Event
        event = Event.objects.get()
        Event.objects.update(guest_registration="open")  # the demo takes guests by invitation
        event.refresh_from_db()
        session = event.sessions.filter(access_tier="open").first()
        barrier = threading.Barrier(12)
        errors = []

        def signup(n):
            try:
                barrier.wait()
                services.register_delegate(event=event, sessions=[session], details={
                    "given_name": f"Rush{n}", "family_name": "Test", "email": f"rush{n}@example.org",
                    "stakeholder_type": "academia", "organization": "U", "consent_data_processing": True})
            except Exception as error:
                errors.append(repr(error))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=signup, args=(n,)) for n in range(12)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        print("RESULT", journal_mode, Delegate.objects.filter(given_name__startswith="Rush").count(), errors)
        """,
        DJANGO_DEBUG="1",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        DATABASE_URL=f"sqlite:///{tmp_path / 'concurrent.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("RESULT")]
    assert line == "RESULT wal 12 []"


def test_a_database_that_stays_locked_gets_a_503_page_and_no_row(client, event, open_session, monkeypatch):

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "register_delegate", locked)

    response = client.post("/register/", signup(sessions=[open_session.pk]))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Nothing was recorded" in response.content.decode()
    assert Delegate.objects.count() == 0


@override_settings(DEBUG=False)
def test_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@override_settings(WHITENOISE_USE_FINDERS=True)
def test_bootstrap_css_and_bundle_are_served_by_the_app_not_a_cdn(client, event):
    """base.html links Bootstrap 5's css and bundle js from our own static URL, and whitenoise serves
    both from the installed package (a wheel: `pip install -r requirements.txt` needs no build step)."""

    page = client.get("/").content.decode()
    css = re.findall(r'<link rel="stylesheet" href="([^"]*bootstrap[^"]*)"', page)
    js = re.findall(r'<script src="([^"]*bootstrap[^"]*)"', page)
    assert [url.rsplit("/", 1)[-1] for url in css + js] == ["bootstrap.min.css", "bootstrap.bundle.min.js"]
    served = Client()  # a new handler, so whitenoise starts with the setting above
    for url in css + js:
        assert url.startswith("/static/"), url
        response = served.get(url)
        assert response.status_code == 200, url
        banner = b"".join(response.streaming_content)[:200].decode()
        assert re.search(r"\* Bootstrap +v5\.", banner), url


def test_management_commands_print_no_axes_banner():
    result = run_python(
        "import django; django.setup(); from django.core.management import call_command; call_command('check')",
        DJANGO_DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "AXES" not in result.stdout + result.stderr


def test_every_static_file_a_template_names_exists():
    """A path that only the development server forgives (the manifest storage of production refuses
    it with a 500 on every page that names it)."""

    named = set()
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        named |= set(re.findall(r"""{%\s*static\s+['"]([^'"]+)['"]""", template.read_text()))
    assert named, "no template names a static file?"
    assert sorted(path for path in named if finders.find(path) is None) == []


@pytest.mark.parametrize(
    ("switch", "expected"),
    [(None, "config.postgresql True 2"), ("0", "config.postgresql None None")],
)
def test_postgresql_prepares_statements_unless_a_pooler_needs_them_off(switch, expected):
    """Settings only (no connection): server-side binding with psycopg's prepared statements, and the
    switch for a transaction-mode pooler that cannot keep them."""
    env = {"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://user@db.invalid:5432/registrations"}
    if switch is not None:
        env["DATABASE_PREPARED_STATEMENTS"] = switch
    result = run_python(
        """
        import django; django.setup()
        from django.conf import settings
        db = settings.DATABASES["default"]
        options = db.get("OPTIONS", {})
        print(db["ENGINE"], options.get("server_side_binding"), options.get("prepare_threshold"))
        """,
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "False True"),
        ({"DATABASE_POOLER": "transaction"}, "True None"),
        ({"DATABASE_POOLER": "transaction", "DATABASE_PREPARED_STATEMENTS": "1"}, "True True"),
        ({"DATABASE_POOLER": "session"}, "False True"),
    ],
)
def test_a_transaction_pooler_turns_server_side_cursors_and_prepared_statements_off(environment, expected):
    """Through PgBouncer in transaction mode a cursor cannot outlive its transaction (an export's
    `.iterator()` outside one would fetch from another server connection) and, before PgBouncer 1.21,
    no statement stays prepared."""
    env = {"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://user@db.invalid:6432/registrations", **environment}
    result = run_python(
        """
        import django; django.setup()
        from django.conf import settings
        db = settings.DATABASES["default"]
        print(db.get("DISABLE_SERVER_SIDE_CURSORS", False), db.get("OPTIONS", {}).get("server_side_binding"))
        """,
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_an_unknown_pooler_mode_is_refused():
    result = run_python(
        "import django; django.setup()",
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://user@db.invalid:6432/registrations",
        DATABASE_POOLER="statement",
    )
    assert result.returncode != 0
    assert "DATABASE_POOLER" in result.stderr
