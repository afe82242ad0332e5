"""One email identity: every spelling of an address is the same delegate everywhere (signup's
duplicate check, the lost link, its rate limit, the unique constraint, the official-domain check),
or it is refused everywhere with a message. Never a 500."""

import importlib
import re

import pytest
from django.apps import apps as current_apps
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from registrations import rules, services
from registrations.models import AuditEntry, Delegate, Institute, LostLinkRequest, OutboundEmail
from registrations.public.forms import LostLinkForm
from registrations.public.lost_link import lost_link_email
from tests.admin_forms import change_form_data
from tests.conftest import requires_postgres
from tests.factories import DelegateFactory, EventFactory, SessionFactory, UserFactory, institute
from tests.public.test_signup import REGISTER, assert_nothing_written, industry_signup, signup
from tests.suites.test_concurrency import run_at_once

LOST_LINK = "/link/"
KELVIN = "\u212a"  # KELVIN SIGN: Python lower() gives "k", PostgreSQL LOWER() leaves it
LONG_S = "\u017f"  # LATIN SMALL LETTER LONG S: upper() gives "S"
DOTLESS_I = "\u0131"  # LATIN SMALL LETTER DOTLESS I: upper() gives "I"
DOTTED_I = "\u0130"  # LATIN CAPITAL LETTER I WITH DOT ABOVE: lower() gives "i" + a combining dot


def rate_limit_key(email: str) -> str:
    return lost_link_email("lost_link_email", RequestFactory().post(LOST_LINK, {"email": email}))


def post_signup(client, session, email):
    return client.post(REGISTER, industry_signup(email=email, sessions=[session.pk]))


def assert_one_person(client, event, session, first, second, mailbox, send_emails):
    """`first` registers, then `second`: one delegate, written to the first's mailbox everywhere."""
    assert post_signup(client, session, first).status_code == 302
    (delegate,) = Delegate.objects.all()
    mailbox_address = delegate.email

    response = post_signup(client, session, second)

    assert response.status_code == 302
    assert list(Delegate.objects.all()) == [delegate]
    assert AuditEntry.objects.filter(delegate=delegate, action="duplicate_signup").count() == 1
    assert client.post(LOST_LINK, {"email": second}).status_code == 302
    assert LostLinkRequest.objects.get().email_key == delegate.email_key
    send_emails()
    assert {tuple(m.to) for m in mailbox} == {(mailbox_address,)}
    assert rate_limit_key(first) == rate_limit_key(second) == delegate.email_key
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegateFactory(event=event, email=second)
    return delegate


# --------------------------------------------------------------------------- named cases


def test_kelvin_sign_address_is_the_same_delegate_as_the_plain_one(
    client, event, open_session, mailoutbox, send_emails
):
    delegate = assert_one_person(
        client,
        event,
        open_session,
        "kim@modelsystems.example",
        f"{KELVIN}im@modelsystems.example",
        mailoutbox,
        send_emails,
    )
    assert (delegate.email, delegate.email_key) == ("kim@modelsystems.example", "kim@modelsystems.example")


def test_kelvin_sign_address_registered_first_takes_nobody_s_place(
    client, event, open_session, mailoutbox, send_emails
):
    """The crafted address first (it made every later signup of the real one a 500): it is stored
    as the real address (NFKC), so the real person's signup is a duplicate and mail goes to them."""
    delegate = assert_one_person(
        client,
        event,
        open_session,
        f"{KELVIN}im@modelsystems.example",
        "kim@modelsystems.example",
        mailoutbox,
        send_emails,
    )
    assert (delegate.email, delegate.email_key) == ("Kim@modelsystems.example", "kim@modelsystems.example")


def test_long_s_address_is_the_same_delegate_as_the_plain_one(client, event, open_session, mailoutbox, send_emails):
    delegate = assert_one_person(
        client,
        event,
        open_session,
        f"{LONG_S}am@modelsystems.example",
        "SAM@modelsystems.example",
        mailoutbox,
        send_emails,
    )
    assert (delegate.email, delegate.email_key) == ("sam@modelsystems.example", "sam@modelsystems.example")


@pytest.mark.parametrize(
    ("crafted", "message"),
    [
        pytest.param(f"{DOTLESS_I}ris@modelsystems.example", "letters such as", id="dotless_i"),
        pytest.param(f"{DOTTED_I}ris@modelsystems.example", "letters such as", id="dotted_I"),
        pytest.param('"iris"@modelsystems.example', "without quotation marks", id="quoted_local_part"),
    ],
)
def test_address_without_one_identity_is_refused_everywhere(client, event, open_session, crafted, message):
    response = post_signup(client, open_session, crafted)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["email"])
    assert_nothing_written()

    response = client.post(LOST_LINK, {"email": crafted})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LostLinkRequest.objects.exists()

    with pytest.raises(services.InvalidEmail):
        services.email_key(crafted)
    assert services.send_status_link(event=event, email=crafted, actor=services.Actor.delegate()) is False

    # The real address is not blocked by the attempts.
    assert post_signup(client, open_session, "iris@modelsystems.example").status_code == 302
    assert Delegate.objects.get().email_key == "iris@modelsystems.example"


def test_dotless_i_address_is_refused_in_the_admin_with_a_message(event, organizer_client):
    _admin_refuses(organizer_client, event, f"{DOTLESS_I}ris@modelsystems.example", "letters such as")


def test_dotted_capital_i_address_is_refused_in_the_admin_with_a_message(event, organizer_client):
    _admin_refuses(organizer_client, event, f"{DOTTED_I}RIS@modelsystems.example", "letters such as")


def test_quoted_local_part_is_refused_in_the_admin_with_a_message(event, organizer_client):
    _admin_refuses(organizer_client, event, '"iris"@modelsystems.example', "without quotation marks")


def test_another_spelling_of_a_registered_address_is_refused_in_the_admin(event, organizer_client):
    DelegateFactory(event=event, email="kim@modelsystems.example")
    _admin_refuses(organizer_client, event, f"{KELVIN}IM@modelsystems.example", "already registered for this event")


def _admin_refuses(client, event, email, message):
    other = DelegateFactory(event=event, email="someone@modelsystems.example")
    url = f"/admin/registrations/delegate/{other.pk}/change/"
    data = change_form_data(client, url)
    data["email"] = [email]
    response = client.post(url, data)
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors["email"])
    other.refresh_from_db()
    assert other.email == "someone@modelsystems.example"
    with pytest.raises(services.NotEligible, match=message):
        services.update_delegate(
            delegate=other, changes={"email": email}, actor=services.Actor.organizer(UserFactory(username="o2"))
        )


def test_quoted_government_address_is_not_a_verified_official_domain(db):
    uk = institute("GB")
    assert services.email_domain_matches("alice@aisi.gov.uk", uk) is True
    assert services.email_domain_matches('"alice"@aisi.gov.uk', uk) is False


def test_quoted_government_address_cannot_register(client, event, government_session):
    response = client.post(REGISTER, signup(email='"alice"@aisi.gov.uk', sessions=[government_session.pk]))
    assert response.status_code == 400
    assert "without quotation marks" in " ".join(response.context["form"].errors["email"])
    assert_nothing_written()


def test_an_internationalized_domain_is_one_domain_in_either_spelling(event):
    first = services.register_delegate(
        event=event,
        details={**_details("anna@Bücher.DE")},
        sessions=[],
    )
    second = services.register_delegate(event=event, details=_details("ANNA@xn--bcher-kva.de"), sessions=[])
    assert (first.created, second.created, second.delegate) == (True, False, first.delegate)
    assert first.delegate.email == "anna@bücher.de"
    assert first.delegate.email_key == "anna@xn--bcher-kva.de"


@pytest.mark.parametrize("domain", ["ａisi.gov.uk", "aisi.gov.uk\u200b", "ai\u00adsi.gov.uk"])
def test_a_domain_that_changes_when_looked_up_is_refused(db, domain):
    with pytest.raises(services.InvalidEmail, match="after the @"):
        services.email_key(f"priya@{domain}")
    assert services.email_domain_matches(f"priya@{domain}", institute("GB")) is False


def _details(email: str) -> dict:
    return {
        "given_name": "Anna",
        "family_name": "Weber",
        "email": email,
        "stakeholder_type": "academia",
        "organization": "Universität",
        "consent_data_processing": True,
    }


# --------------------------------------------------------------------------- no 500 under a race


@pytest.mark.skipif(
    requires_postgres.args[0],  # the same condition, another reason
    reason="needs PostgreSQL: SQLite's in-memory test database cannot serve writers from several threads",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_signups_of_spellings_of_one_address_make_one_delegate_and_no_error():
    event = EventFactory()
    SessionFactory(event=event)
    spellings = ["kim@x.example", "Kim@x.example", f"{KELVIN}im@x.example", "KIM@X.EXAMPLE"] * 2

    outcomes = run_at_once(
        [
            lambda e=spelling: services.register_delegate(event=event, details=_details(e), sessions=[])
            for spelling in spellings
        ]
    )

    assert sum(o.created for o in outcomes) == 1
    assert {o.delegate.pk for o in outcomes} == {Delegate.objects.get(event=event).pk}


# --------------------------------------------------------------------------- property


LETTERS = "abikmsz"
CRAFTED = {"k": [KELVIN, "K"], "s": [LONG_S, "S"], "i": [DOTLESS_I, DOTTED_I, "I"]}
DOMAINS = ["modelsystems.example", "MODELSYSTEMS.example", "aisi.gov.uk", "bücher.de", "xn--bcher-kva.de", "BÜCHER.DE"]


@st.composite
def address_pairs(draw):
    """Two addresses, the second often a respelling of the first (letter case, crafted letters,
    quotes, the domain in another form), so that "same" and "different" both come up often."""
    local = draw(st.text(alphabet=LETTERS + ".-+", min_size=1, max_size=6).filter(lambda s: s[0] not in ".-"))
    local = local.replace("..", ".").rstrip(".")
    domain = draw(st.sampled_from(DOMAINS))

    def respell(text: str) -> str:
        return "".join(draw(st.sampled_from([c, c.upper(), *CRAFTED.get(c, [])])) for c in text)

    first = f"{respell(local)}@{domain}"
    kind = draw(st.sampled_from(["respelled", "respelled", "quoted", "other_domain", "other_local"]))
    if kind == "quoted":
        second = f'"{respell(local)}"@{domain}'
    elif kind == "other_domain":
        second = f"{respell(local)}@{draw(st.sampled_from(DOMAINS))}"
    elif kind == "other_local":
        second = f"{respell(local)}x@{domain}"
    else:
        second = f"{respell(local)}@{domain}"
    return first, second


class Undo(Exception):
    """Rolls back the block it leaves."""


def _accepted(email: str) -> str | None:
    """The address as the lost-link form (the same field as signup's) cleans it, or None if refused."""
    form = LostLinkForm({"email": email})
    return form.cleaned_data["email"] if form.is_valid() else None


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pair=address_pairs())
def test_two_addresses_are_the_same_delegate_everywhere_or_different_everywhere(event, pair):
    first, second = pair
    cleaned_first, cleaned_second = _accepted(first), _accepted(second)
    if cleaned_first is None:
        return
    with transaction.atomic():
        registered = services.register_delegate(event=event, details=_details(cleaned_first), sessions=[]).delegate
        if cleaned_second is None:  # refused by the form: never stored, looked up or sent to
            assert services.send_status_link(event=event, email=second, actor=services.Actor.delegate()) is False
        else:
            # The constraint first, against the first address's row only (then rolled back).
            try:
                with transaction.atomic():
                    Delegate.objects.create(
                        **_details(cleaned_second), event=event, email_key=services.email_key(second)
                    )
                    raise Undo
            except IntegrityError:
                constraint = True
            except Undo:
                constraint = False
            duplicate = not services.register_delegate(
                event=event, details=_details(cleaned_second), sessions=[]
            ).created
            found = services.send_status_link(event=event, email=cleaned_second, actor=services.Actor.delegate())
            found = found and OutboundEmail.objects.filter(delegate=registered, kind="lost_link").exists()
            same_limit = rate_limit_key(first) == rate_limit_key(second)
            assert duplicate == found == same_limit == constraint, (first, second)
            assert duplicate == (services.email_key(first) == services.email_key(second))
            assert Delegate.objects.filter(event=event).count() == (1 if duplicate else 2)
        transaction.set_rollback(True)


# --------------------------------------------------------------------------- the lost link: no oracle


def test_the_lost_link_form_does_the_same_queries_for_a_registered_and_an_unknown_address(client, event):
    """The request writes one LostLinkRequest row whatever the address; the worker does the rest
    (timings are measured by `make bench`: lostlink_known_minus_unknown_ms)."""

    DelegateFactory(event=event, email="priya.shah@aisi.gov.uk")
    client.get(LOST_LINK)  # the current event is kept in the seats snapshot from now on, for both
    statements = []
    for email in ("priya.shah@aisi.gov.uk", "nobody@aisi.gov.uk"):
        with CaptureQueriesContext(connection) as queries:
            assert client.post(LOST_LINK, {"email": email}).status_code == 302
        statements.append([re.sub(r"'[^']*'", "?", q["sql"]) for q in queries.captured_queries])

    assert statements[0] == statements[1]
    assert not OutboundEmail.objects.exists()
    assert not AuditEntry.objects.filter(action="link_resent").exists()


# --------------------------------------------------------------------------- existing rows


def test_the_migration_gives_existing_rows_their_key_and_disarms_crafted_ones(event):

    fill_email_keys = importlib.import_module("registrations.migrations.0009_delegate_email_key").fill_email_keys
    real = DelegateFactory(event=event, email="kim@modelsystems.example", email_key="placeholder-1")
    crafted = DelegateFactory(event=event, email=f"{KELVIN}IM@modelsystems.example", email_key="placeholder-2")
    dotless = DelegateFactory(event=event, email=f"{DOTLESS_I}ris@modelsystems.example", email_key="placeholder-3")
    quoted = DelegateFactory(
        event=event, government=True, email='"alice"@aisi.gov.uk', email_key="placeholder-4", email_domain_verified=True
    )

    fill_email_keys(current_apps, None)

    keys = {d.pk: (d.email, d.email_key) for d in Delegate.objects.all()}
    assert keys[real.pk] == ("kim@modelsystems.example", "kim@modelsystems.example")
    # The older row keeps the key; the later spelling can no longer stand in for anyone.
    assert keys[crafted.pk] == ("KIM@modelsystems.example", f"#{crafted.pk}:kim@modelsystems.example")
    assert keys[dotless.pk][1] == f"#{dotless.pk}:{DOTLESS_I}ris@modelsystems.example"
    quoted.refresh_from_db()
    assert (quoted.email_key, quoted.email_domain_verified) == (f'#{quoted.pk}:"alice"@aisi.gov.uk', False)


def test_spellings_of_one_address_share_one_lost_link_limit(client, event):
    """Each spelling used to get a limit of its own (12 emails in a burst against a limit of 3)."""
    DelegateFactory(event=event, email="kim@modelsystems.example")
    spellings = ["kim@modelsystems.example", f"{KELVIN}im@modelsystems.example", "KIM@MODELSYSTEMS.example"]
    for n, spelling in enumerate(spellings):
        assert client.post(LOST_LINK, {"email": spelling}, REMOTE_ADDR=f"198.51.100.{n + 1}").status_code == 302

    response = client.post(LOST_LINK, {"email": f"{KELVIN}IM@modelsystems.example"}, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 429
    assert LostLinkRequest.objects.filter(email_key="kim@modelsystems.example").count() == 3


@pytest.mark.parametrize("typed", ["bücher.de", "BÜCHER.DE.", "xn--bcher-kva.de", " Bücher.de "])
@pytest.mark.parametrize("address", ["anna@bücher.de", "anna@xn--bcher-kva.de", "anna@amt.bücher.de"])
def test_a_unicode_institute_domain_verifies_in_either_form(db, typed, address):
    office = Institute(member="Testland", iso_code="TL", name="Office", email_domains=typed)
    assert rules.email_domain_matches(address, office) is True
    assert rules.email_domain_matches("anna@bucher.de", office) is False
