"""Hardening: deployment checks, Content Security Policy, cookies and HSTS, rate limits, admin
login lockout, the admin's path and staff two-factor authentication."""

import json
import logging
import os
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from cryptography.fernet import Fernet
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from registrations import checks, services
from registrations.models import Delegate
from registrations.outputs import signing
from registrations.queries import links
from registrations.rules import badges
from tests.factories import DelegateFactory, InvitationFactory, UserFactory, institute
from tests.inline_code import inline_code
from tests.public.test_signup import REGISTER, industry_signup

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/admin/login/"
PASSWORD = "a-long-test-password"

# --------------------------------------------------------------------------- production settings

# Runs in a fresh interpreter with a production environment (DJANGO_DEBUG off, real key, hosts,
# Redis URL, a custom admin path): the honest way to see what `check --deploy` and the security
# middleware do with the settings an operator would use. Only collectstatic is not run, so the
# request part swaps the manifest storage for the plain one.
PRODUCTION_PROBE = textwrap.dedent(
    """
    import importlib, io, json, os, sys
    import django
    django.setup()
    from django.conf import settings
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    from django.http import HttpResponse
    from django.test import Client, RequestFactory, override_settings

    out = io.StringIO()
    try:
        call_command("check", deploy=True, fail_level="WARNING", stdout=out, stderr=out)
        check = {"ok": True, "output": out.getvalue()}
    except SystemCheckError as error:
        check = {"ok": False, "output": out.getvalue() + str(error)}

    storages = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES=storages):
        client = Client(HTTP_HOST="registration.example.org")
        login = "/" + settings.ADMIN_PATH + "login/"
        plain = client.get(login)
        secure = client.get(login, secure=True)
        default_admin = client.get("/admin/login/", secure=True)
        csrf = secure.cookies["csrftoken"]

        def touch_session(request):
            request.session["seen"] = True
            return HttpResponse()

        with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"):
            request = RequestFactory().get("/", secure=True)
            session = SessionMiddleware(touch_session)(request).cookies[settings.SESSION_COOKIE_NAME]

    import config.settings as module
    os.environ["DJANGO_DEBUG"] = "1"
    debug_2fa = importlib.reload(module).ADMIN_REQUIRE_2FA
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_ADMIN_REQUIRE_2FA"] = "0"
    switched_off_2fa = importlib.reload(module).ADMIN_REQUIRE_2FA

    print(json.dumps({
        "check": check,
        "admin_path": settings.ADMIN_PATH,
        "require_2fa": settings.ADMIN_REQUIRE_2FA,
        "debug_require_2fa": debug_2fa,
        "switched_off_2fa": switched_off_2fa,
        "signup_rate": settings.SIGNUP_RATE,
        "plain": {"status": plain.status_code, "location": plain.get("Location", "")},
        "secure": {"status": secure.status_code, "headers": dict(secure.headers)},
        "default_admin_status": default_admin.status_code,
        "csrf_cookie": {"secure": bool(csrf["secure"]), "httponly": bool(csrf["httponly"]),
                        "samesite": csrf["samesite"]},
        "session_cookie": {"secure": bool(session["secure"]), "httponly": bool(session["httponly"]),
                           "samesite": session["samesite"]},
    }))
    """
)


def run_production(tmp_path, **env_overrides) -> dict:
    cert, key = signing.write_self_signed(tmp_path / "visa-signing")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "registration.example.org",
        "DJANGO_ADMIN_PATH": "desk-7f3a/",
        "BADGE_SIGNING_KEY": secrets.token_urlsafe(40),
        "VISA_DATA_KEYS": Fernet.generate_key().decode(),
        "VISA_SIGNING_CERT": str(cert),
        "VISA_SIGNING_KEY": str(key),
        "REDIS_URL": "redis://127.0.0.1:6379/5",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "DJANGO_LOG_LEVEL": "ERROR",
        **env_overrides,
    }
    env = {key: value for key, value in env.items() if value is not None}
    done = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    return run_production(tmp_path_factory.mktemp("production"))


def test_check_deploy_reports_nothing_with_production_settings(production):
    assert production["check"]["ok"], production["check"]["output"]
    assert "no issues" in production["check"]["output"]


def test_check_deploy_without_redis_warns_that_rate_limits_are_per_process(tmp_path):
    result = run_production(tmp_path, REDIS_URL=None)
    assert result["check"]["ok"] is False
    output = result["check"]["output"]
    assert "registrations.W001" in output
    assert "1 issue" in output


def test_check_deploy_warns_without_visa_keys_or_signing_certificate(tmp_path):
    result = run_production(tmp_path, VISA_DATA_KEYS=None, VISA_SIGNING_CERT=None, VISA_SIGNING_KEY=None)
    output = result["check"]["output"]
    assert result["check"]["ok"] is False
    assert "registrations.W006" in output
    assert "registrations.W007" in output
    assert "2 issues" in output


def test_check_refuses_a_malformed_visa_key(tmp_path):
    result = run_production(tmp_path, VISA_DATA_KEYS="not-a-key")
    assert "registrations.E002" in result["check"]["output"]


def test_production_redirects_to_https_and_sends_hsts_and_referrer_policy(production):
    assert production["plain"]["status"] == 301
    assert production["plain"]["location"].startswith("https://registration.example.org/")
    headers = production["secure"]["headers"]
    assert production["secure"]["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_production_cookies_are_secure_and_http_only(production):
    assert production["csrf_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert production["session_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_admin_lives_at_the_configured_path(production):
    assert production["admin_path"] == "desk-7f3a/"
    assert production["secure"]["status"] == 200  # /desk-7f3a/login/
    assert production["default_admin_status"] == 404  # /admin/ is not there


def test_two_factor_is_required_in_production_and_off_for_local_development(production):
    assert production["require_2fa"] is True
    assert production["debug_require_2fa"] is False
    assert production["switched_off_2fa"] is False
    assert production["signup_rate"] == "20/m"


# --------------------------------------------------------------------------- Content Security Policy


def csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def test_csp_header_forbids_inline_code_framing_and_foreign_forms(client, event):
    policy = csp(client.get("/"))
    assert policy["default-src"] == "default-src 'self'"
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["form-action"] == "form-action 'self'"
    assert policy["object-src"] == "object-src 'none'"
    assert "unsafe-inline" not in client.get("/").headers["Content-Security-Policy"]


@pytest.fixture
def populated(event, open_session, government_session, organizer_actor):
    """A small convening with decisions made, so every admin page has rows to show."""
    details = {
        "given_name": "Priya",
        "family_name": "Shah",
        "email": "priya@dsit.gov.uk",
        "stakeholder_type": "government",
        "institute": institute("GB"),
        "organization": "",
        "consent_data_processing": True,
    }
    first = services.register_delegate(
        event=event, details=details, sessions=[open_session, government_session]
    ).delegate
    second = services.register_delegate(
        event=event,
        details={**details, "email": "camille@sorbonne.example", "stakeholder_type": "academia"}
        | {"institute": None, "organization": "Sorbonne"},
        sessions=[open_session],
    ).delegate
    services.approve_delegates(delegate_ids=[first.pk, second.pk], actor=organizer_actor)
    superuser = UserFactory(username="root", is_superuser=True)
    TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    AccessAttempt.objects.create(
        username="someone", ip_address="203.0.113.9", user_agent="x", failures_since_start=1, get_data="", post_data=""
    )
    return {"delegate": first, "superuser": superuser}


def assert_no_inline_code(response, url):
    assert response.status_code in {200, 400, 429}, (url, response.status_code)
    assert "Content-Security-Policy" in response, url
    assert inline_code(response.content.decode()) == [], url


def test_public_pages_have_no_inline_scripts_or_styles(client, populated, event, open_session):
    pages = ["/", REGISTER, REGISTER + "?type=industry", "/register/done/", "/privacy/"]
    pages.append(links.status_path(populated["delegate"]))
    for url in pages:
        assert_no_inline_code(client.get(url), url)
    # A form with errors, the 400 and 404 pages, and the 429 page.
    assert_no_inline_code(client.post(REGISTER, industry_signup(sessions=["nope"])), "register with errors")
    assert_no_inline_code(client.get(REGISTER + "?type=%FF"), "400")
    not_found = client.get("/r/not-a-token/")
    assert not_found.status_code == 404 and inline_code(not_found.content.decode()) == []
    with override_settings(SIGNUP_RATE="1/m"):
        client.post(REGISTER, industry_signup(sessions=[open_session.pk]))
        limited = client.post(REGISTER, industry_signup(sessions=[open_session.pk]))
    assert limited.status_code == 429
    assert_no_inline_code(limited, "429")


def admin_urls(populated) -> list[str]:
    """Changelist, add form and a change form of every model registered in the admin."""
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            for view in ("change", "history", "delete"):
                urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[first.pk]))
    device = TOTPDevice.objects.get()
    urls.append(reverse("admin:otp_totp_totpdevice_config", args=[device.pk]))
    urls.append(reverse("admin:registrations_delegate_reject", args=[populated["delegate"].pk]))
    return urls


def test_admin_pages_have_no_inline_scripts_or_styles(client, populated):
    client.force_login(populated["superuser"])
    urls = admin_urls(populated)
    checked = 0
    for url in urls:
        response = client.get(url)
        if response.status_code == 403:  # add forms of read-only models (audit trail, outbox)
            continue
        assert_no_inline_code(response, url)
        checked += 1
    assert checked >= 30, urls


def test_door_pages_have_no_inline_scripts_or_styles(client, populated, event, government_session):

    user = UserFactory(username="door", is_staff=False)
    user.groups.add(Group.objects.get(name="Door staff"))
    assert_no_inline_code(client.get("/door/login/"), "door login")
    client.force_login(user)
    place = {"event": event.pk, "session": government_session.pk, "door": "North"}
    assert_no_inline_code(client.get("/door/"), "door: pick")
    assert_no_inline_code(client.get("/door/", place), "door page")
    assert_no_inline_code(client.get("/door/", {**place, "q": "priya"}), "door: name search")
    code = badges.code_for(populated["delegate"])
    assert_no_inline_code(client.post("/door/scan/", {**place, "code": code}), "door: admitted")
    assert_no_inline_code(client.post("/door/scan/", {**place, "code": "forged"}), "door: refused")


def test_admin_login_and_lockout_pages_have_no_inline_code(client, populated):
    assert_no_inline_code(client.get(LOGIN), "login")
    with override_settings(ADMIN_REQUIRE_2FA=True):
        page = client.get(LOGIN)
        assert 'name="otp_token"' in page.content.decode()
        assert_no_inline_code(page, "2FA login")
    for _attempt in range(5):
        client.post(LOGIN, {"username": "root", "password": "wrong"})
    assert_no_inline_code(client.post(LOGIN, {"username": "root", "password": "wrong"}), "locked out")


# --------------------------------------------------------------------------- signup rate limit


def test_signup_rate_default_is_20_per_minute(settings):
    assert settings.SIGNUP_RATE == "20/m"


@pytest.mark.parametrize(("rate", "errors"), [("20/m", []), ("1000/5m", []), ("fast", ["registrations.E001"])])
def test_an_unreadable_signup_rate_stops_startup(rate, errors):
    with override_settings(SIGNUP_RATE=rate):
        assert [error.id for error in checks.signup_rate_is_readable(None)] == errors


@override_settings(SIGNUP_RATE="3/m")
def test_signup_post_beyond_the_rate_gets_the_429_page_and_writes_nothing(client, event, open_session):
    for n in range(3):
        response = client.post(REGISTER, industry_signup(email=f"guest{n}@example.org", sessions=[open_session.pk]))
        assert response.status_code == 302
    limited = client.post(REGISTER, industry_signup(email="guest9@example.org", sessions=[open_session.pk]))
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert "Too many attempts" in limited.content.decode()
    assert Delegate.objects.count() == 3
    assert client.get(REGISTER).status_code == 200  # reading the form is not limited


@override_settings(SIGNUP_RATE="2/m", TRUSTED_PROXY_COUNT=0)
def test_spoofed_forwarded_for_does_not_reset_the_signup_limit_without_proxies(client, event, open_session):
    statuses = [
        client.post(REGISTER, industry_signup(sessions=["x"]), HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(4)
    ]
    assert statuses == [400, 400, 429, 429]


@override_settings(SIGNUP_RATE="2/m", TRUSTED_PROXY_COUNT=1)
def test_only_the_right_most_forwarded_entry_counts_behind_one_proxy(client, event, open_session):
    def post(forwarded):
        return client.post(REGISTER, industry_signup(sessions=["x"]), HTTP_X_FORWARDED_FOR=forwarded).status_code

    spoofed = [post(f"198.51.100.{n}, 203.0.113.7") for n in range(4)]
    assert spoofed == [400, 400, 429, 429]
    assert post("203.0.113.8") == 400  # another client behind the same proxy has its own count


@override_settings(TRUSTED_PROXY_COUNT=1)
@pytest.mark.parametrize("forwarded", ["not-an-address", "999.1.1.1", "<script>", "\x00", "::1%eth0, , ,"])
def test_garbage_forwarded_for_is_not_believed_and_never_a_500(client, event, forwarded):
    response = client.post(REGISTER, industry_signup(sessions=["x"]), HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 400


# --------------------------------------------------------------------------- admin login lockout


@pytest.fixture
def staff(db):
    return UserFactory(username="organizer1", is_superuser=True)


def login(client, password, **extra):
    return client.post(LOGIN, {"username": "organizer1", "password": password, "next": "/admin/"}, **extra)


def test_admin_login_locks_out_after_five_failures_even_with_the_right_password(client, staff):
    for _attempt in range(4):
        assert login(client, "wrong").status_code == 200
    locked = login(client, "wrong")
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert login(client, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_admin_login_below_the_limit_still_works(client, staff):
    for _attempt in range(4):
        login(client, "wrong")
    assert login(client, PASSWORD)["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_lockout_is_per_username_and_address(client, staff):
    for _attempt in range(5):
        login(client, "wrong", REMOTE_ADDR="198.51.100.1")
    assert login(client, PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 429
    assert login(client, PASSWORD, REMOTE_ADDR="198.51.100.2").status_code == 302  # elsewhere: not locked


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_spoofed_forwarded_for_does_not_reset_the_lockout_without_proxies(client, staff):
    for n in range(5):
        login(client, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert login(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_spoofed_forwarded_for_does_not_reset_the_lockout_behind_one_proxy(client, staff):
    for n in range(5):
        login(client, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7")
    assert login(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.7").status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"


def test_lockout_counts_an_ipv6_client_by_its_64(client, staff):
    """Twelve failures from twelve addresses of one /64 lock the whole /64, not each address."""
    for n in range(12):
        assert login(client, "wrong", REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}").status_code in {200, 429}
    assert login(client, PASSWORD, REMOTE_ADDR="2001:db8:1:2:ffff:abcd::99").status_code == 429
    assert login(client, PASSWORD, REMOTE_ADDR="2001:db8:1:3::1").status_code == 302  # another /64
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["2001:db8:1:2::"]


def test_lockout_still_counts_ipv4_by_address(client, staff):
    for _attempt in range(5):
        login(client, "wrong", REMOTE_ADDR="198.51.100.7")
    assert login(client, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429
    assert login(client, PASSWORD, REMOTE_ADDR="::ffff:198.51.100.7").status_code == 429  # the same host
    assert login(client, PASSWORD, REMOTE_ADDR="198.51.100.8").status_code == 302


# --------------------------------------------------------------------------- two-factor authentication


@pytest.fixture
def device(staff):
    return TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=True)


def current_token(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def test_without_2fa_required_a_password_login_reaches_the_admin(client, staff):
    assert login(client, PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200


@override_settings(ADMIN_REQUIRE_2FA=True)
def test_with_2fa_required_a_password_alone_does_not_reach_the_admin(client, staff):
    response = login(client, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    client.force_login(staff)  # even a session logged in without a device
    index = client.get("/admin/")
    assert index.status_code == 302
    assert index["Location"].startswith(LOGIN)
    assert client.get(reverse("admin:registrations_delegate_changelist")).status_code == 302


@override_settings(ADMIN_REQUIRE_2FA=True)
def test_with_2fa_required_a_valid_totp_token_reaches_the_admin(client, device):
    response = client.post(
        LOGIN,
        {
            "username": "organizer1",
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": current_token(device),
            "next": "/admin/",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@override_settings(ADMIN_REQUIRE_2FA=True)
@pytest.mark.parametrize("page", ["admin", "door", "desk"])
def test_with_2fa_a_person_types_only_the_code_their_one_authenticator_shows(client, staff, device, page):
    """No device to choose (found by the attack helper: the door's sign-in offered no choice, so door
    and desk staff could not sign in; the admin needed two tries): their one device is taken."""
    if page == "admin":
        url, expected = LOGIN, "/admin/"
    else:
        staff.is_staff = False
        staff.save()
        staff.groups.add(Group.objects.get(name="Door staff" if page == "door" else "Badge desk"))
        url, expected = reverse("registrations:door_login"), reverse(f"registrations:{page}")
    response = client.post(
        url,
        {"username": "organizer1", "password": PASSWORD, "otp_token": current_token(device), "next": expected},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == expected
    assert client.get(expected).status_code == 200


@override_settings(ADMIN_REQUIRE_2FA=True)
def test_with_2fa_required_a_wrong_token_is_refused(client, device):
    wrong = f"{(int(current_token(device)) + 1) % 10**6:06d}"
    response = client.post(
        LOGIN,
        {"username": "organizer1", "password": PASSWORD, "otp_device": device.persistent_id, "otp_token": wrong},
    )
    assert response.status_code == 200
    assert "Invalid token" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_enroll_totp_creates_a_device_and_prints_its_qr_code(staff, capsys):
    call_command("enroll_totp", "organizer1")
    output = capsys.readouterr().out
    device = TOTPDevice.objects.get(user=staff)
    assert device.confirmed is True
    assert device.config_url in output
    assert "█" in output or "▀" in output  # the QR code, drawn in the terminal


def test_enroll_totp_refuses_a_second_device_unless_asked(staff, capsys):
    call_command("enroll_totp", "organizer1")
    with pytest.raises(Exception, match="already has"):
        call_command("enroll_totp", "organizer1")
    call_command("enroll_totp", "organizer1", "--replace")
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_enroll_totp_is_for_staff_only(db):
    UserFactory(username="visitor", is_staff=False)
    with pytest.raises(Exception, match="not staff"):
        call_command("enroll_totp", "visitor")
    assert get_user_model().objects.filter(username="visitor").exists()
    assert TOTPDevice.objects.count() == 0


def test_the_inline_code_finder_finds_what_csp_would_block():
    page = """<html><head><style>p{}</style><script>alert(1)</script>
    <script type="application/json" id="data">{"a": 1}</script><script src="/static/x.js"></script></head>
    <body><p style="color:red" onclick="x()"><a href="javascript:void(0)">x</a></p><script> </script></body></html>"""
    assert inline_code(page) == [
        "<style> element",
        "inline <script>: 'alert(1)'",
        "<p style='color:red'>",
        "<p onclick='x()'>",
        "<a href='javascript:void(0)'>",
    ]


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/5"}}
)
def test_unreachable_redis_gives_the_busy_page_not_a_500(client, event, open_session):
    response = client.post(REGISTER, industry_signup(sessions=[open_session.pk]))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert Delegate.objects.count() == 0


def test_client_login_still_works_with_axes(client, staff):
    assert client.login(username="organizer1", password=PASSWORD) is True
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    "backend", ["django.core.mail.backends.console.EmailBackend", "django.core.mail.backends.filebased.EmailBackend"]
)
def test_check_deploy_warns_when_emails_would_be_printed_or_filed(tmp_path, backend):
    result = run_production(tmp_path, DJANGO_EMAIL_BACKEND=backend, DJANGO_EMAIL_FILE_PATH=str(tmp_path))
    output = result["check"]["output"]
    assert result["check"]["ok"] is False
    assert "registrations.W003" in output
    assert "1 issue" in output


def test_emails_go_by_smtp_in_production_unless_told_otherwise():
    assert checks.emails_are_not_printed(None) == []  # the test backend (locmem) is not flagged
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"):
        assert [warning.id for warning in checks.emails_are_not_printed(None)] == ["registrations.W003"]


# --------------------------------------------------------------------------- private links in logs


def test_private_links_never_reach_the_logs(client, event, caplog):

    delegate = DelegateFactory(event=event)
    token = links.make_token(delegate)
    with caplog.at_level(logging.INFO):
        assert client.get(f"/r/{token}/sessions/add/").status_code == 405  # a 4xx with a working link
        forbidden = Client(enforce_csrf_checks=True).post(f"/r/{token}/withdraw/")
        assert forbidden.status_code == 403  # the CSRF refusal logs the path too
        services.withdraw_delegate(delegate=delegate, actor=services.Actor.delegate())
        assert client.get(f"/r/{token}/").status_code == 410  # a revoked link
    messages = [record.getMessage() for record in caplog.records]
    assert {record.name for record in caplog.records} >= {"django.request", "django.security.csrf"}
    assert "Gone: /r/[private]/" in messages
    assert all(token not in message and token.split(".")[0] not in message for message in messages), messages


def test_development_server_request_lines_hide_private_links(db):

    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    server = logging.getLogger("django.server")
    collect = Collect()
    server.addHandler(collect)
    try:
        server.warning('"%s" %s %s', "GET /r/abc123.secret-part:sig/calendar.ics?x=1 HTTP/1.1", "404", "179")
    finally:
        server.removeHandler(collect)
    assert lines == ['"GET /r/[private]/calendar.ics?x=1 HTTP/1.1" 404 179']


def test_invitation_links_never_reach_the_logs(client, event, open_session, caplog):

    invitation = InvitationFactory(event=event, sessions=[open_session])
    token = links.invitation_token(invitation)
    with caplog.at_level(logging.INFO):
        assert client.post(f"/invite/{token}/", {}).status_code == 400  # a form with errors
        assert Client(enforce_csrf_checks=True).post(f"/invite/{token}/decline/").status_code == 403
    messages = [record.getMessage() for record in caplog.records]
    assert messages, "the refusals were not logged at all?"
    assert all(token not in message and token.split(":")[0] not in message for message in messages), messages


@override_settings(SIGNUP_RATE="2/m")
def test_the_public_form_and_invitation_links_share_one_signup_limit(client, event, open_session):

    token = links.invitation_token(InvitationFactory(event=event, sessions=[open_session]))
    statuses = [
        client.post(REGISTER, industry_signup(sessions=["x"])).status_code,
        client.post(f"/invite/{token}/", {}).status_code,
        client.post(f"/invite/{token}/", {}).status_code,
    ]
    assert statuses == [400, 400, 429]
