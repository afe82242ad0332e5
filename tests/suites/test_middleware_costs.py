"""The middleware a public page pays for (registrations/middleware.py): the same protections, less work.

The CSP header is built once per process from the settings, unless a response carries its own
policy or the request used a nonce; messages storage is built only when a page reads or adds one.
"""

import pytest
from csp.constants import NONCE, SELF
from csp.decorators import csp_exempt, csp_update
from csp.exceptions import CSPNonceError
from csp.utils import build_policy
from django.contrib import messages
from django.contrib.messages import storage
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings

from registrations import services
from registrations.web import middleware
from tests.public.test_signup import REGISTER, industry_signup


def _through(middleware_class, view, request):
    return middleware_class(view)(request)


@pytest.mark.django_db
def test_public_page_has_the_librarys_policy_header(client, event, open_session):
    response = client.get("/")
    assert response["Content-Security-Policy"] == build_policy()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in response


def test_changed_policy_settings_show_at_once():
    request = RequestFactory().get("/")
    before = _through(middleware.CSPMiddleware, lambda r: HttpResponse("x"), request)
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}):
        changed = _through(middleware.CSPMiddleware, lambda r: HttpResponse("x"), RequestFactory().get("/"))
    assert changed["Content-Security-Policy"] == "default-src 'none'"
    after = _through(middleware.CSPMiddleware, lambda r: HttpResponse("x"), RequestFactory().get("/"))
    assert after["Content-Security-Policy"] == before["Content-Security-Policy"] == build_policy()


def test_report_only_policy_is_written_too():
    policy = {"DIRECTIVES": {"default-src": ["'self'"], "report-uri": "/csp-report/"}}
    with override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY=policy):
        response = _through(middleware.CSPMiddleware, lambda r: HttpResponse("x"), RequestFactory().get("/"))
    assert response["Content-Security-Policy-Report-Only"] == "default-src 'self'; report-uri /csp-report/"
    assert response["Content-Security-Policy"] == build_policy()


def test_a_views_own_policy_and_exemption_still_hold():
    updated = _through(
        middleware.CSPMiddleware,
        csp_update({"img-src": "https://maps.example"})(lambda r: HttpResponse("x")),
        RequestFactory().get("/"),
    )
    assert "https://maps.example" in updated["Content-Security-Policy"]
    exempt = _through(middleware.CSPMiddleware, csp_exempt()(lambda r: HttpResponse("x")), RequestFactory().get("/"))
    assert "Content-Security-Policy" not in exempt


def test_excluded_url_prefixes_still_get_no_policy():
    policy = {"EXCLUDE_URL_PREFIXES": ["/outside/"], "DIRECTIVES": {"default-src": ["'self'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        outside = _through(middleware.CSPMiddleware, lambda r: HttpResponse("x"), RequestFactory().get("/outside/a"))
        inside = _through(middleware.CSPMiddleware, lambda r: HttpResponse("x"), RequestFactory().get("/inside/"))
    assert "Content-Security-Policy" not in outside
    assert inside["Content-Security-Policy"] == "default-src 'self'"


def test_a_nonce_used_by_the_page_is_in_its_header_and_refused_after_it():
    request = RequestFactory().get("/")
    mw = middleware.CSPMiddleware(lambda r: HttpResponse(str(r.csp_nonce)))
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": [SELF, NONCE]}}):
        mw.process_request(request)
        response = mw.process_response(request, mw.get_response(request))
    assert f"'nonce-{response.content.decode()}'" in response["Content-Security-Policy"]
    plain = RequestFactory().get("/")
    mw.process_request(plain)
    mw.process_response(plain, HttpResponse("x"))
    with pytest.raises(CSPNonceError):
        str(plain.csp_nonce)


@pytest.mark.django_db
def test_anonymous_public_page_builds_no_message_storage(client, event, open_session, monkeypatch):
    built = []
    real = storage.default_storage
    monkeypatch.setattr(middleware, "default_storage", lambda request: built.append(request) or real(request))
    for path in ("/", "/register/"):
        assert client.get(path).status_code == 200
    assert built == []
    assert not client.cookies.get("messages")


@pytest.mark.django_db
def test_a_message_added_reaches_the_next_cached_page(event, open_session):
    factory = RequestFactory()

    def adds(request):
        messages.success(request, "Your details were saved.")
        return HttpResponse("saved")

    request = factory.get("/somewhere/")
    request.COOKIES = {}

    SessionMiddleware(lambda r: None).process_request(request)
    response = _through(middleware.MessageMiddleware, adds, request)
    cookie = response.cookies["messages"].value
    assert cookie

    visitor = Client()
    visitor.cookies["messages"] = cookie
    page = visitor.get("/")
    assert "Your details were saved." in page.content.decode()
    assert "Your details were saved." not in visitor.get("/").content.decode()  # shown once


# --------------------------------------------------------------------------- a database that cannot serve


def _failing_view(error):
    def view(request):
        raise error

    return view


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("terminating connection due to administrator command"),
        OperationalError(
            'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
        ),
        OperationalError("the database system is starting up"),
        InterfaceError("connection already closed"),
    ],
)
def test_postgresql_going_away_gives_the_busy_page(error, monkeypatch):
    monkeypatch.setattr(middleware, "_database_vendor", lambda: "postgresql")
    response = middleware.DatabaseBusyMiddleware(_failing_view(error)).process_exception(
        RequestFactory().post("/register/"), error
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_other_sqlite_errors_stay_errors(monkeypatch):
    monkeypatch.setattr(middleware, "_database_vendor", lambda: "sqlite")
    busy = middleware.DatabaseBusyMiddleware(lambda r: None)
    assert busy.process_exception(RequestFactory().get("/"), OperationalError("no such table: x")) is None
    assert busy.process_exception(RequestFactory().get("/"), OperationalError("database is locked")).status_code == 503
    assert busy.process_exception(RequestFactory().get("/"), ValueError("a bug")) is None


@pytest.mark.django_db
def test_a_lost_database_connection_during_a_signup_is_a_503_page(client, event, open_session, monkeypatch):

    def lost(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(middleware, "_database_vendor", lambda: "postgresql")
    monkeypatch.setattr(services, "register_delegate", lost)
    response = client.post(REGISTER, industry_signup(sessions=[open_session.pk]))
    assert response.status_code == 503
    assert "Retry-After" in response
