"""Named bad-input cases: markup in names, oversized and undecodable requests, replayed signups,
lookalike government domains and impossible session capacities. Never a 500, never a partial row."""

import os
import threading

import pytest
from django.db import connection
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from registrations import services
from registrations.models import (
    AuditEntry,
    Delegate,
    Institute,
    OutboundEmail,
    SeatStatus,
    Session,
    SessionRegistration,
)
from registrations.outputs import emails
from registrations.queries import links
from tests.admin_forms import change_form_data
from tests.factories import DelegateFactory, SessionRegistrationFactory, UserFactory
from tests.public.test_signup import REGISTER, assert_nothing_written, industry_signup, signup

SCRIPT = '<script>alert("x")</script>'
IMG = '"><img src=x onerror=alert(1)>'
ORG = "<b>Evil</b> & Co"


def assert_escaped(html: str, where: str):
    assert "<script>alert" not in html, where
    assert "<img src=x" not in html, where
    assert "<b>Evil</b>" not in html, where
    assert "&lt;script&gt;alert(" in html, where


# --------------------------------------------------------------------------- markup in names


@pytest.fixture
def marked_up_delegate(client, event, open_session, organizer_actor):
    response = client.post(
        REGISTER,
        industry_signup(given_name=SCRIPT, family_name=IMG, organization=ORG, sessions=[open_session.pk]),
    )
    assert response.status_code == 302
    delegate = Delegate.objects.get()
    assert (delegate.given_name, delegate.family_name, delegate.organization) == (SCRIPT, IMG, ORG)
    services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)
    return delegate


def test_markup_in_names_is_escaped_on_the_status_page(client, marked_up_delegate):
    assert_escaped(client.get(links.status_path(marked_up_delegate)).content.decode(), "status page")


def test_markup_in_names_is_escaped_in_the_admin(client, marked_up_delegate, open_session):
    client.force_login(UserFactory(username="root", is_superuser=True))
    pages = {
        "delegate changelist": "/admin/registrations/delegate/",
        "delegate search": "/admin/registrations/delegate/?q=script",
        "delegate change form": f"/admin/registrations/delegate/{marked_up_delegate.pk}/change/",
        "reject confirmation": f"/admin/registrations/delegate/{marked_up_delegate.pk}/reject/",
        "session attendees": f"/admin/registrations/session/{open_session.pk}/change/",
        "audit trail": "/admin/registrations/auditentry/",
        "outbox": "/admin/registrations/outboundemail/",
    }
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, where
        assert_escaped(response.content.decode(), where)


def test_markup_in_names_is_escaped_in_the_html_email(marked_up_delegate):
    for email in OutboundEmail.objects.filter(delegate=marked_up_delegate):
        message = emails.render(email)
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert_escaped(html, email.kind)


# --------------------------------------------------------------------------- oversized and undecodable


def test_a_10_mb_url_encoded_body_is_refused_with_400(client, event, open_session):
    body = "given_name=" + "x" * (10 * 1024 * 1024)
    response = client.post(REGISTER, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in {400, 413}
    assert_nothing_written()


def test_a_10_mb_multipart_field_is_refused_with_400(client, event, open_session):
    response = client.post(REGISTER, signup(given_name="x" * (10 * 1024 * 1024), sessions=[open_session.pk]))
    assert response.status_code in {400, 413}
    assert_nothing_written()


def test_thousands_of_fields_are_refused_with_400(client, event, open_session):
    body = "&".join(f"f{n}=1" for n in range(5000))
    response = client.post(REGISTER, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert_nothing_written()


def test_a_broken_multipart_body_is_refused_with_400(client, event):
    response = client.post(
        REGISTER, b'--xx\r\nContent-Disposition: form-data; name="a"\r\n\r\n', content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert_nothing_written()


@pytest.mark.parametrize(
    "body",
    [
        b"given_name=%FF%FE&family_name=Shah",  # percent-encoded invalid UTF-8
        b"given_name=\xc3\x28&family_name=Shah",  # raw invalid UTF-8
        b"given_name=%C0%AF",  # overlong encoding
        b"given_name=%ED%A0%80",  # a UTF-16 surrogate
    ],
)
def test_invalid_utf8_in_the_body_is_refused_with_400(client, event, open_session, body):
    full = body + f"&email=x@example.org&sessions={open_session.pk}&consent_data_processing=on".encode()
    response = client.post(REGISTER, full, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()
    assert_nothing_written()


def test_invalid_utf8_in_a_multipart_field_is_refused_with_400(client, event, open_session):
    boundary = "BoUnDaRy"
    parts = [("given_name", b"\xff\xfeName"), ("family_name", b"Shah")]
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
        for name, value in parts
    )
    body += f"--{boundary}--\r\n".encode()
    response = client.post(REGISTER, body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert_nothing_written()


@pytest.mark.parametrize("query", ["type=%FF", "type=%C3%28", "type=\xff", "q=%00", "type=government%00"])
def test_invalid_utf8_or_nul_in_the_query_string_is_refused_with_400(client, event, query):
    response = client.get(REGISTER, QUERY_STRING=query)  # "\xff": the raw byte, as WSGI passes it
    assert response.status_code == 400


def test_nul_in_admin_filters_is_refused_with_400_not_a_database_error(client, event):
    client.force_login(UserFactory(username="root", is_superuser=True))
    assert client.get("/admin/registrations/delegate/?status__exact=%00").status_code == 400


@pytest.mark.parametrize("field", ["given_name", "family_name", "organization", "job_title", "dietary_needs"])
def test_nul_in_a_text_field_gets_a_message_on_the_field(client, event, open_session, field):
    response = client.post(REGISTER, industry_signup(**{field: "Pri\x00ya"}, sessions=[open_session.pk]))
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.context["form"].errors[field]
    assert_nothing_written()


@pytest.mark.parametrize("value", ["\x00", "2361183241434822606848", "9223372036854775808", "-1", "٣", "1.0"])
def test_impossible_ids_are_refused_as_invalid_choices(client, event, open_session, value):
    response = client.post(REGISTER, signup(institute=value, sessions=[open_session.pk, value]))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "Select a valid choice" in str(errors["sessions"])
    assert "Select a valid choice" in str(errors["institute"])
    assert_nothing_written()


# --------------------------------------------------------------------------- replayed signups


def test_a_double_clicked_or_replayed_signup_yields_one_registration(client, event, open_session):
    payload = industry_signup(sessions=[open_session.pk])
    first = client.post(REGISTER, payload)
    replay = Client().post(REGISTER, payload)  # a second browser, or a replayed request
    again = client.post(REGISTER, payload)
    assert [r.status_code for r in (first, replay, again)] == [302, 302, 302]
    assert Delegate.objects.count() == 1
    assert SessionRegistration.objects.count() == 1
    assert list(OutboundEmail.objects.order_by("pk").values_list("kind", flat=True)) == ["registration_received"]


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL: SQLite's in-memory test database cannot serve writers from several threads",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_identical_signups_yield_one_registration(event, open_session):
    payload = industry_signup(sessions=[open_session.pk])
    barrier = threading.Barrier(6)
    statuses = []

    def post():
        try:
            barrier.wait()
            statuses.append(Client().post(REGISTER, payload).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 6
    assert Delegate.objects.count() == 1
    assert SessionRegistration.objects.count() == 1
    assert AuditEntry.objects.filter(action="registered").count() == 1


# --------------------------------------------------------------------------- lookalike domains


@pytest.mark.parametrize(
    "email",
    [
        "priya@aisi.gov.uk.evil.example",
        "priya@gov.uk.evil.example",
        "priya@aisi.gov.uk.",
        "priya@AISI.GOV.UK.",
        "priya@aisi-gov.uk",
        "priya@aisigov.uk",
        "priya@xaisi.gov.uk",
        "priya@аisi.gov.uk",  # Cyrillic а
        "priya@aіsi.gov.uk",  # Ukrainian і
        "priya@ａisi.gov.uk",  # fullwidth a
        "priya@aisi.gov.uk\u200b",  # zero-width space
        "priya@xn--isi-5cd.gov.uk",  # punycode of a lookalike
        "aisi.gov.uk@evil.example",
    ],
)
def test_government_email_on_a_lookalike_domain_stays_unverified(client, event, open_session, email):
    response = client.post(REGISTER, signup(email=email, sessions=[open_session.pk]))
    if response.status_code == 400:  # the email field refused it outright: nothing written either
        assert "email" in response.context["form"].errors
        assert_nothing_written()
        return
    assert response.status_code == 302
    delegate = Delegate.objects.get()
    assert delegate.email_domain_verified is False


HOMOGLYPHS = {
    "a": "аɑａ",
    "i": "іıｉ",
    "s": "ѕｓ",
    "o": "оοｏ",
    "e": "еｅ",
    "g": "ɡｇ",
    "u": "υｕ",
    "k": "κｋ",
    ".": "．。",
}


@st.composite
def lookalikes(draw, domain):
    kind = draw(st.sampled_from(["homoglyph", "suffix", "prefix", "trailing_dot", "infix", "separator"]))
    if kind == "homoglyph":
        positions = [i for i, c in enumerate(domain) if c in HOMOGLYPHS]
        i = draw(st.sampled_from(positions))
        return domain[:i] + draw(st.sampled_from(HOMOGLYPHS[domain[i]])) + domain[i + 1 :]
    if kind == "suffix":
        return domain + "." + draw(st.from_regex(r"[a-z]{1,10}(\.[a-z]{2,6})?", fullmatch=True))
    if kind == "prefix":
        return draw(st.from_regex(r"[a-z0-9-]{1,10}", fullmatch=True)) + domain
    if kind == "trailing_dot":
        return domain + draw(st.sampled_from([".", "..", ". "]))
    if kind == "infix":
        i = draw(st.integers(min_value=1, max_value=len(domain) - 1))
        return domain[:i] + draw(st.sampled_from(["\u200b", "\u00ad", "-", "x", "\u0301"])) + domain[i:]
    return domain.replace(".", draw(st.sampled_from(["-", "", "_", "．"])), 1)


@settings(max_examples=150, deadline=None, database=None)
@given(data=st.data())
def test_no_lookalike_of_an_official_domain_is_verified(data):
    uk = Institute(email_domains="aisi.gov.uk;dsit.gov.uk")
    domain = data.draw(st.sampled_from(["aisi.gov.uk", "dsit.gov.uk"]))
    lookalike = data.draw(lookalikes(domain))
    if lookalike.lower().rstrip() in {"aisi.gov.uk", "dsit.gov.uk"} or lookalike.lower().endswith(
        (".aisi.gov.uk", ".dsit.gov.uk")
    ):
        return  # e.g. the prefix "x." made a real subdomain: that one is genuinely official
    assert services.email_domain_matches(f"priya@{lookalike}", uk) is False, lookalike


# --------------------------------------------------------------------------- session capacity in the admin


@pytest.fixture
def full_session(event, open_session):
    """A three-seat session with two confirmed seats."""
    for _n in range(2):
        SessionRegistrationFactory(
            delegate=DelegateFactory(event=event), session=open_session, status=SeatStatus.CONFIRMED
        )
    return open_session


@pytest.mark.parametrize(
    ("capacity", "message"),
    [
        ("0", "at least"),
        ("-1", "A session needs at least one seat."),
        ("1", "already has 2 confirmed seats"),
        ("-99999999999999999999", ""),
        ("99999999999999999999", ""),
        ("1e3", "Enter a whole number"),
        ("\x00", "Enter a whole number"),
        ("٣", ""),
        ("", "This field is required"),
    ],
)
def test_impossible_capacity_is_refused_in_the_admin_with_a_message(client, full_session, capacity, message):
    client.force_login(UserFactory(username="root", is_superuser=True))
    url = f"/admin/registrations/session/{full_session.pk}/change/"
    data = change_form_data(client, url)
    assert data["capacity"] == ["3"]
    data["capacity"] = [capacity]
    response = client.post(url, data)
    if capacity == "٣":  # Arabic-Indic three: Django reads it as 3, an allowed capacity
        assert response.status_code == 302
        return
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["capacity"]
    assert errors and message in " ".join(errors)
    assert Session.objects.get(pk=full_session.pk).capacity == 3
    assert not AuditEntry.objects.filter(action="capacity_changed").exists()


@pytest.mark.parametrize("capacity", ["2147483648", "9223372036854775807"])
def test_absurd_but_storable_capacity_never_500s(client, full_session, capacity):
    """PostgreSQL's integer column refuses these (a message); SQLite stores them. Never a 500."""
    client.force_login(UserFactory(username="root", is_superuser=True))
    url = f"/admin/registrations/session/{full_session.pk}/change/"
    data = change_form_data(client, url)
    data["capacity"] = [capacity]
    response = client.post(url, data)
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert response.context["adminform"].form.errors["capacity"]
        assert Session.objects.get(pk=full_session.pk).capacity == 3


def test_nul_in_an_admin_text_field_gets_a_message_not_a_500(client, full_session):
    client.force_login(UserFactory(username="root", is_superuser=True))
    url = f"/admin/registrations/session/{full_session.pk}/change/"
    data = change_form_data(client, url)
    data["title_en"] = ["Risk\x00assessment"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["title_en"] == ["Null characters are not allowed."]


# --------------------------------------------------------------------------- admin login


BAD_LOGINS = [
    {"username": "a" * 300, "password": "x"},  # was a 500 on PostgreSQL: axes stored it in varchar(255)
    {"username": "\x00", "password": "x"},
    {"username": "root", "password": "\x00"},
    {"username": "root", "password": "a" * 100_000},
    {"username": ["root", "x"], "password": ["a", "b"]},
    {"username": "root", "password": "a-long-test-password", "otp_device": "\x00", "otp_token": "123456"},
    {"username": "root", "password": "a-long-test-password", "otp_device": "otp_totp.totpdevice/" + "9" * 30},
    {"username": "root", "password": "a-long-test-password", "otp_device": "nonsense", "otp_token": "9" * 1000},
    {"username": "root", "password": "a-long-test-password", "otp_challenge": "1"},
]


@pytest.mark.parametrize("two_factor", [False, True])
@pytest.mark.parametrize("data", BAD_LOGINS)
def test_bad_admin_login_input_never_500s(client, db, data, two_factor, settings):
    settings.ADMIN_REQUIRE_2FA = two_factor
    UserFactory(username="root", is_superuser=True)
    response = client.post("/admin/login/", data)
    if data["password"] == "a-long-test-password" and not two_factor:  # the garbage is only in OTP fields
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_failures_with_overlong_usernames_still_lock_out(client, db):
    for _attempt in range(5):
        client.post("/admin/login/", {"username": "a" * 300, "password": "x"})
    assert client.post("/admin/login/", {"username": "a" * 300, "password": "x"}).status_code == 429


# --------------------------------------------------------------------------- delegate consent in the admin


def test_unticking_consent_in_the_admin_gets_a_message_not_a_500(client, event):
    """Found by the admin fuzz test: the constraint also reads a field the form lacks, so Django
    skipped it and the database refused the row."""
    delegate = DelegateFactory(event=event)
    client.force_login(UserFactory(username="root", is_superuser=True))
    url = f"/admin/registrations/delegate/{delegate.pk}/change/"
    data = change_form_data(client, url)
    del data["consent_data_processing"]  # an unticked checkbox is not sent
    response = client.post(url, data)
    assert response.status_code == 200
    assert "only be registered with consent" in str(response.context["adminform"].form.errors)
    assert Delegate.objects.get(pk=delegate.pk).consent_data_processing is True


def test_adding_a_delegate_without_consent_in_the_admin_gets_a_message(client, event):
    client.force_login(UserFactory(username="root", is_superuser=True))
    url = "/admin/registrations/delegate/add/"
    data = change_form_data(client, url)
    data.update(
        event=[str(event.pk)],
        given_name=["Ana"],
        family_name=["Lima"],
        email=["ana@example.org"],
        stakeholder_type=["academia"],
        organization=["Universidade"],
    )
    data.pop("consent_data_processing", None)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "only be registered with consent" in str(response.context["adminform"].form.errors)
    assert Delegate.objects.count() == 0
