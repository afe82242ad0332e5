"""Property-based fuzzing of the public forms (hypothesis).

Every example runs inside a savepoint that is rolled back afterwards, so each one starts from the
same database and "a complete registration or nothing" can be checked by counting rows. The world
(events, sessions) is built once per test, not per example, so no function-scoped fixture is
reused across examples.
"""

import os
import string

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client, RequestFactory, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registrations import services
from registrations.models import (
    AccessTier,
    AuditEntry,
    Delegate,
    OutboundEmail,
    SeatStatus,
    Session,
    SessionRegistration,
    StakeholderType,
)
from registrations.queries import links
from tests.admin_forms import change_form_data
from tests.factories import DelegateFactory, EventFactory, SessionFactory, UserFactory, institute

# FUZZ_EXAMPLES raises the count for a longer hunt (CI keeps the default, about 10 s).
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
REGISTER = "/register/"

NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "Priya\x00Shah",
    "\u202eevil\u202c",  # right-to-left override
    "مريم الحسيني",  # right-to-left script
    "e\u0301\u0301\u0301\u0301",  # stacked combining accents
    "Z̸̢̛̖̈́a̵̛̱l̴̘̈́g̵̤̈o̷̫͆",
    "🧑🏽‍💻👩‍👩‍👧‍👦",
    "\ud7ff\ue000\uffff",
    "日本語の名前",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil.example")',
    "x" * 101,
    "é" * 5000,
    "a" * 20_000,
    "1",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e3",
    "NaN",
    "null",
    "[]",
    "on",
]

text = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=120))


def world():
    event = EventFactory(slug="fuzz-event")
    open_session = SessionFactory(event=event, access_tier=AccessTier.OPEN, capacity=2)
    government_session = SessionFactory(event=event, access_tier=AccessTier.GOVERNMENT_ONLY, capacity=1)
    other_event_session = SessionFactory(event=EventFactory(slug="other-event"), access_tier=AccessTier.OPEN)
    existing = DelegateFactory(event=event, email="known@example.org")
    return {
        "event": event,
        "open": open_session.pk,
        "government": government_session.pk,
        "other_event": other_event_session.pk,
        "existing": existing,
    }


FIELDS = [
    *services.DELEGATE_DETAIL_FIELDS,
    "sessions",
    "unexpected",
]

EMAILS = [
    "priya@dsit.gov.uk",
    "known@example.org",
    "KNOWN@EXAMPLE.ORG",
    "priya@dsit.gov.uk.",
    "priya@dsit.gov.uk.evil.example",
    "priya@gov.uk.evil.example",
    "priya@dsіt.gov.uk",  # Cyrillic і
    "priya@ｄsit.gov.uk",  # fullwidth d
    "priya@xn--dst-jta.gov.uk",
    "priya\x00@dsit.gov.uk",
    "a@b",
    "not-an-email",
]


def signup_payloads(w):
    """A valid signup (government, guest or a returning address) with up to four hostile changes."""
    gb, us = institute("GB").pk, institute("US").pk
    session_id = st.sampled_from(
        [w["open"], w["government"], w["other_event"], 0, -1, 2**31, 2**63, 2**70, "x", "\x00", "1.5", "٣", ""]
    )
    government = {
        "given_name": "Priya",
        "family_name": "Shah",
        "email": "priya@dsit.gov.uk",
        "stakeholder_type": "government",
        "institute": gb,
        "organization": "",
        "country": "GB",
        "consent_data_processing": "on",
        "sessions": [w["government"], w["open"]],
    }
    guest = {
        **government,
        "email": "guest@example.org",
        "stakeholder_type": "industry",
        "institute": "",
        "organization": "Model Systems Ltd",
        "sessions": [w["open"]],
    }
    returning = {**guest, "email": "Known@EXAMPLE.org"}  # already registered: the duplicate path
    value = st.one_of(
        text,
        st.sampled_from(EMAILS),
        st.sampled_from([*StakeholderType.values, gb, us, 2**70, "on", ""]),
        st.emails().map(str),
        st.lists(session_id, max_size=5),  # repeated fields, also where a scalar belongs
        st.lists(text, min_size=2, max_size=3),
    )
    change = st.tuples(st.sampled_from(FIELDS), st.one_of(value, st.none()))  # None: the field is left out

    def apply(base, changes):
        payload = dict(base)
        for field, new in changes:
            if new is None:
                payload.pop(field, None)
            else:
                payload[field] = new
        return payload

    return st.builds(apply, st.sampled_from([government, guest, returning]), st.lists(change, max_size=4))


def counts():
    return {
        "delegates": Delegate.objects.count(),
        "seats": SessionRegistration.objects.count(),
        "audit": AuditEntry.objects.count(),
        "emails": OutboundEmail.objects.count(),
    }


def assert_complete_registration(delegate, w, before, after):
    seats = list(delegate.session_registrations.select_related("session"))
    assert seats, "a delegate without sessions"
    assert all(s.status == SeatStatus.REQUESTED for s in seats)
    assert all(s.session.event_id == w["event"].pk for s in seats)
    assert all(services.may_attend(delegate.stakeholder_type, s.session) for s in seats)
    assert (delegate.institute_id is not None) == (delegate.stakeholder_type == StakeholderType.GOVERNMENT)
    assert "\x00" not in delegate.given_name + delegate.family_name + delegate.email + delegate.organization
    assert after == {
        "delegates": before["delegates"] + 1,
        "seats": before["seats"] + len(seats),
        "audit": before["audit"] + 1,
        "emails": before["emails"] + 1,
    }
    assert AuditEntry.objects.filter(delegate=delegate, action="registered").count() == 1
    assert OutboundEmail.objects.filter(delegate=delegate, kind="registration_received").count() == 1
    if delegate.email_domain_verified:
        assert services.email_domain_matches(delegate.email, delegate.institute)


@override_settings(SIGNUP_RATE="100000/m")
def test_signup_post_never_500s_and_writes_a_whole_registration_or_nothing(db):
    w = world()
    outcomes = {"created": 0, "duplicate": 0, "refused": 0}

    @FUZZ
    @given(payload=signup_payloads(w))
    def check(payload):
        with transaction.atomic():
            before = counts()
            known_before = list(Delegate.objects.values_list("pk", flat=True))
            response = Client().post(REGISTER, payload)
            after = counts()
            assert response.status_code in {302, 400}, response.status_code
            if response.status_code == 400:
                outcomes["refused"] += 1
                assert after == before
            elif after["delegates"] == before["delegates"]:
                outcomes["duplicate"] += 1  # a known address: nothing new but an audit note and an email
                assert after == {**before, "audit": before["audit"] + 1, "emails": before["emails"] + 1}
                assert OutboundEmail.objects.latest("pk").kind == "already_registered"
            else:
                outcomes["created"] += 1
                delegate = Delegate.objects.exclude(pk__in=known_before).get()
                assert_complete_registration(delegate, w, before, after)
            transaction.set_rollback(True)

    check()
    # The generator reaches every branch, so the property is not vacuous.
    assert all(outcomes.values()), outcomes


token_text = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + "-_:.%", max_size=120),
    st.text(max_size=60),
    st.sampled_from(["", ".", "..", "%00", "%FF%FE", "a" * 5000, "0" * 32 + ".x:y"]),
)


def test_status_link_never_500s_for_any_token(db):
    delegate = DelegateFactory()
    valid = links.make_token(delegate)

    @FUZZ
    @given(token=token_text, mutate=st.booleans(), position=st.integers(min_value=0, max_value=200))
    def check(token, mutate, position):
        if mutate:  # a real token with one character changed, cut or extended
            cut = position % (len(valid) + 1)
            token = valid[:cut] + token[:3] + valid[cut + 1 :]
        client = Client()
        path = "/r/" + "".join(c if c not in "/?#" else "_" for c in token) + "/"
        response = client.get(path)
        assert response.status_code in {200, 301, 400, 404}, (path, response.status_code)
        if response.status_code == 200:
            assert response.context["delegate"] == delegate

    check()


@pytest.mark.parametrize("path", ["/r/%FF%FE/", "/r/%00/", "/r/\u202e/", "/r/" + "%C0%AF" * 10 + "/"])
def test_status_link_with_broken_encodings_gets_a_clear_page(client, db, path):
    response = client.get(path)
    assert response.status_code in {400, 404}
    assert "<html" in response.content.decode()


# --------------------------------------------------------------------------- the organizers' forms


def admin_form_changes(fields, w):
    value = st.one_of(
        text,
        st.sampled_from(
            [
                *StakeholderType.values,
                *AccessTier.values,
                str(institute("GB").pk),
                str(w["event"].pk),
                "2026-13-45",
                "25:61",
                "0",
                "-1",
                "1",
                str(2**70),
                "",
                "on",
            ]
        ),
        st.lists(text, min_size=2, max_size=3),
    )
    return st.lists(st.tuples(st.sampled_from(fields), st.one_of(value, st.none())), min_size=1, max_size=4)


def seats_hold():
    """No session over capacity, no government-only seat held by a non-government delegate."""
    for session in Session.objects.all():
        confirmed = session.registrations.filter(status=SeatStatus.CONFIRMED)
        assert confirmed.count() <= session.capacity, session
        if session.access_tier == AccessTier.GOVERNMENT_ONLY:
            assert not confirmed.exclude(delegate__stakeholder_type=StakeholderType.GOVERNMENT).exists()


def test_admin_session_and_delegate_forms_never_500_and_keep_the_seat_rules(db):
    w = world()
    government = DelegateFactory(event=w["event"], government=True)
    guest = DelegateFactory(event=w["event"])
    actor = services.Actor.system()
    for delegate, sessions in ((government, [w["government"], w["open"]]), (guest, [w["open"]])):
        for session_id in sessions:
            SessionRegistration.objects.create(
                delegate=delegate, session_id=session_id, requested_at=delegate.created_at
            )
    services.approve_delegates(delegate_ids=[government.pk, guest.pk], actor=actor)
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True))
    forms = {
        url: change_form_data(client, url)
        for url in (
            f"/admin/registrations/session/{w['open']}/change/",
            f"/admin/registrations/session/{w['government']}/change/",
            f"/admin/registrations/delegate/{government.pk}/change/",
            f"/admin/registrations/delegate/{guest.pk}/change/",
        )
    }
    editable = {url: [name for name in data if "-" not in name] for url, data in forms.items()}

    @settings(FUZZ, max_examples=int(os.environ.get("FUZZ_ADMIN_EXAMPLES", "50")))
    @given(data=st.data())
    def check(data):
        url = data.draw(st.sampled_from(sorted(forms)))
        payload = dict(forms[url])
        for field, value in data.draw(admin_form_changes(editable[url], w)):
            if value is None:
                payload.pop(field, None)
            else:
                payload[field] = value
        with transaction.atomic():
            response = client.post(url, payload)
            assert response.status_code in {200, 302}, response.status_code
            seats_hold()
            transaction.set_rollback(True)

    check()


# --------------------------------------------------------------------------- request headers


CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=BoUnDaRy",
    "multipart/form-data",
    "text/plain",
    "application/json",
    "application/octet-stream",
    "",
    "garbage",
    "application/x-www-form-urlencoded; boundary=x",
    'multipart/form-data; boundary=""',
    "multipart/form-data; boundary=" + "x" * 300,
]
CHARSETS = [
    None,
    "utf-8",
    "UTF8",
    "utf_8",
    "utf-16",
    "utf-16-le",
    "utf-32",
    "latin-1",
    "iso-8859-1",
    "cp1252",
    "ascii",
    "shift_jis",
    "foo",
    "",
    '"utf-8"',
    "utf-8;",
    "rot13",
    "base64",
    "x" * 200,
    "\xff\xfe",
]
CONTENT_ENCODINGS = [None, "gzip", "deflate", "br", "identity", "x-garbage", "gzip, gzip", "compress"]
# What a header can carry past the HTTP server: latin-1 text without control characters (gunicorn
# refuses NUL, CR and LF in a header with its own 400 before the app sees the request).
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=40)


def request_bodies(token: str):
    form = f"given_name=Priya&email=priya%40dsit.gov.uk&csrfmiddlewaretoken={token}&sessions=1"
    return st.one_of(
        st.sampled_from(
            [
                form.encode(),
                form.encode("utf-16"),
                form.encode("utf-32"),
                b"\x1f\x8b\x08\x00garbage",  # the start of a gzip stream, then nothing
                b"\xff\xfe\x00\x00",
                b'--BoUnDaRy\r\nContent-Disposition: form-data; name="given_name"\r\n\r\nP\xffriya\r\n--BoUnDaRy--\r\n',
                b"",
            ]
        ),
        st.binary(max_size=300),
        st.text(max_size=200).map(lambda t: (t + f"&csrfmiddlewaretoken={token}").encode("utf-8", "surrogatepass")),
    )


@override_settings(SIGNUP_RATE="100000/m", LOST_LINK_RATE_PER_IP="100000/h", LOST_LINK_RATE_PER_EMAIL="100000/h")
def test_post_endpoints_never_500_whatever_the_headers_say(db):
    """Every POST endpoint, with a valid CSRF cookie and token (so the CSRF check reads the body),
    any content type, charset and content encoding: a 4xx or a normal answer, never a 500."""
    w = world()
    delegate = w["existing"]
    SessionRegistration.objects.create(delegate=delegate, session_id=w["open"], requested_at=delegate.created_at)
    private = links.make_token(delegate)
    staff = UserFactory(username="root", is_superuser=True)
    endpoints = [
        REGISTER,
        "/link/",
        "/admin/login/",
        "/no-such-page/",
        f"/r/{private}/details/",
        f"/r/{private}/sessions/add/",
        f"/r/{private}/sessions/{w['open']}/drop/",
        f"/r/{private}/replace-link/",
        f"/r/{private}/withdraw/",
        f"/admin/registrations/session/{w['open']}/change/",
        "/admin/registrations/delegate/",
    ]
    anonymous = Client(enforce_csrf_checks=True)
    organizer = Client(enforce_csrf_checks=True)
    organizer.force_login(staff)
    tokens = {}
    for client in (anonymous, organizer):
        client.get("/link/")
        tokens[client] = client.cookies["csrftoken"].value
    seen = set()

    @FUZZ
    @given(data=st.data())
    def check(data):
        url = data.draw(st.sampled_from(endpoints))
        client = organizer if url.startswith("/admin/registrations/") else anonymous
        content_type = data.draw(st.one_of(st.sampled_from(CONTENT_TYPES), header_text))
        charset = data.draw(st.one_of(st.sampled_from(CHARSETS), header_text))
        encoding = data.draw(st.one_of(st.sampled_from(CONTENT_ENCODINGS), header_text))
        body = data.draw(request_bodies(tokens[client]))
        if charset is not None:
            content_type = f"{content_type}; charset={charset}"
        headers = {"HTTP_X_CSRFTOKEN": tokens[client]}
        if encoding is not None:
            headers["HTTP_CONTENT_ENCODING"] = encoding
        with transaction.atomic():
            response = client.generic("POST", url, body, content_type=content_type, **headers)
            transaction.set_rollback(True)
        assert response.status_code < 500, (url, content_type, encoding, body[:60], response.status_code)
        seen.add(response.status_code)

    check()
    assert 400 in seen, seen


@pytest.mark.parametrize("charset", ["foo", "utf-16", "latin-1", "utf-32", "\xff"])
@pytest.mark.parametrize("url", [REGISTER, "/link/", "/admin/login/", "/no-such-page/"])
def test_form_post_in_a_charset_other_than_utf8_gets_the_400_page(event, url, charset):
    client = Client(enforce_csrf_checks=True)
    client.get("/link/")
    token = client.cookies["csrftoken"].value
    response = client.generic(
        "POST",
        url,
        f"email=a%40example.org&csrfmiddlewaretoken={token}".encode(),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()


@pytest.mark.parametrize("url", [REGISTER, "/link/", "/", "/privacy/"])
def test_head_answers_like_get(event, url):
    client = Client()
    get, head = client.get(url), client.head(url)
    assert (head.status_code, head.content) == (get.status_code, b"")
    assert head["Content-Type"] == get["Content-Type"]


# --------------------------------------------------------------------------- admin changelist filters


GARBAGE = [
    "9" * 25,
    "-" + "9" * 25,
    str(2**63),
    str(2**31),
    "99999999999",
    "-1",
    "0",
    "10000",
    "\x00",
    "%00",
    "1\x00",
    "١٢",  # Arabic-Indic digits
    "２０２６",  # fullwidth digits
    "\u202e2026",
    "🧑🏽‍💻",
    "1e400",
    "NaN",
    "",
    " ",
    "2026-13-45",
    "2026-02-30 25:61:00",
    "True",
    "[]",
    "x" * 5000,
]


def changelist_parameters(client, staff):
    """{changelist URL: [every filter parameter it takes]}, read from each registered ModelAdmin:
    its list filters' expected parameters, the date hierarchy's parts, paging, ordering and search."""

    result = {}
    for model, model_admin in admin.site._registry.items():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        request = RequestFactory().get(url)
        request.user = staff
        if not model_admin.has_view_or_change_permission(request):
            continue
        changelist = model_admin.get_changelist_instance(request)
        params = {name for spec in changelist.filter_specs for name in spec.expected_parameters()}
        if changelist.date_hierarchy:
            params |= {f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day")}
        result[url] = sorted(params | {"p", "o", "q", "all"})
    return result


def test_every_admin_changelist_filter_parameter_never_500s(db):
    w = world()
    DelegateFactory(event=w["event"], government=True)
    staff = UserFactory(username="root", is_superuser=True)
    client = Client()
    client.force_login(staff)
    parameters = changelist_parameters(client, staff)
    # The delegate list's export takes the same filters as the list.
    parameters["/admin/registrations/delegate/export/"] = parameters["/admin/registrations/delegate/"]
    assert any(name.endswith("__year") for names in parameters.values() for name in names), parameters
    # Every parameter of every list with the worst values, then hypothesis for the combinations.
    for url, names in sorted(parameters.items()):
        for name in names:
            for value in ["9" * 25, "-" + "9" * 25, "99999999999", "-1", "\x00", "١٢", "🧑🏽‍💻"]:
                response = client.get(url, {name: value})
                assert response.status_code in {200, 302, 400}, (url, name, value, response.status_code)

    @settings(FUZZ, max_examples=int(os.environ.get("FUZZ_ADMIN_EXAMPLES", "150")))
    @given(data=st.data())
    def check(data):
        url = data.draw(st.sampled_from(sorted(parameters)))
        names = parameters[url]
        query = data.draw(
            st.dictionaries(
                st.sampled_from(names),
                st.one_of(st.sampled_from(GARBAGE), st.integers().map(str), st.text(max_size=30)),
                min_size=1,
                max_size=3,
            )
        )
        response = client.get(url, query)
        assert response.status_code in {200, 302, 400}, (url, query, response.status_code)

    check()


UNKNOWN_PARAMETERS = [
    {"format": "xlsx"},
    {"format": "pdf"},
    {"foo": "1"},
    {"shape": "nope"},
    {"event__id__exact": "not-a-number"},
    {"scanned_at__gte": "2027-02-30"},
    {"o": "99"},
    {"p": "-1"},
]


def test_every_admin_export_answers_unknown_and_malformed_parameters_without_a_500(db):
    w = world()
    delegate = DelegateFactory(event=w["event"], government=True)
    staff = UserFactory(username="root", is_superuser=True)
    client = Client()
    client.force_login(staff)
    exports = [
        "/admin/registrations/delegate/export/",
        "/admin/registrations/checkin/export/",
        f"/admin/registrations/session/{w['open']}/export/",
        f"/admin/registrations/institute/{delegate.institute_id}/export/",
    ]
    for url in exports:
        for query in UNKNOWN_PARAMETERS:
            response = client.get(url, query)
            assert response.status_code in {200, 302, 400}, (url, query, response.status_code)
            if response.status_code == 400:
                assert b"Traceback" not in response.content


@pytest.mark.parametrize(
    "url",
    ["/admin/registrations/delegate/", "/admin/registrations/auditentry/", "/admin/registrations/delegate/export/"],
)
def test_a_huge_year_in_the_date_filter_gets_the_400_page(db, url):
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True))
    response = client.get(url, {"created_at__year": "9" * 25})
    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()
