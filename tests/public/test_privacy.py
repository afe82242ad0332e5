"""Privacy: the notice, the participant list and the purge after the retention period."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import models
from django.test import Client
from django.utils import timezone

from registrations import services
from registrations.models import (
    AuditEntry,
    Delegate,
    DelegateStatus,
    EmailStatus,
    OutboundEmail,
    ParticipantListVisibility,
    SessionRegistration,
    StakeholderType,
)
from registrations.queries import links, personal_data
from tests.factories import DelegateFactory, EventFactory, SessionFactory, SessionRegistrationFactory, institute

PUBLIC, LINK_ONLY, HIDDEN = (
    ParticipantListVisibility.PUBLIC,
    ParticipantListVisibility.LINK_ONLY,
    ParticipantListVisibility.HIDDEN,
)

# --------------------------------------------------------------------------- privacy notice


def test_privacy_notice_says_what_why_how_long_who_and_how_to_be_erased(client, event):
    event.retention_days = 90
    event.participant_list_visibility = LINK_ONLY
    event.save()

    html = client.get("/privacy/").content.decode()

    for words in (
        "What we collect",
        "Why",
        "Who sees it",
        "90 days after the convening ends",
        "only registered delegates see it",
        "registration@aisi-network.example",
        'href="/link/"',
    ):
        assert words in html
    assert 'href="/privacy/"' in client.get("/register/").content.decode()


# --------------------------------------------------------------------------- participant list


def listed(event, **kwargs):
    return DelegateFactory(event=event, status=DelegateStatus.APPROVED, consent_participant_list=True, **kwargs)


def participant_names(response) -> list[str]:
    return [p.full_name for p in response.context["participants"]]


@pytest.fixture
def participants(event):
    """Two listed delegates, and three who must never appear."""
    listed(event, given_name="Ada", family_name="Zeller")
    listed(event, given_name="Jun", family_name="Abe", government=True)
    DelegateFactory(event=event, status=DelegateStatus.APPROVED, consent_participant_list=False, given_name="Quiet")
    DelegateFactory(event=event, status=DelegateStatus.PENDING, consent_participant_list=True, given_name="Waiting")
    DelegateFactory(event=event, status=DelegateStatus.REJECTED, consent_participant_list=True, given_name="Refused")
    return event


def test_public_participant_list_shows_only_approved_delegates_who_agreed(client, participants):
    participants.participant_list_visibility = PUBLIC
    participants.save()

    response = client.get("/participants/")

    assert response.status_code == 200
    assert participant_names(response) == ["Jun Abe", "Ada Zeller"]
    html = response.content.decode()
    assert institute("GB").name in html and "University of Testing" in html
    for hidden in ("Quiet", "Waiting", "Refused", "@"):
        assert hidden not in html.split("<main", 1)[1]


def test_link_only_participant_list_needs_an_approved_delegates_private_link(client, participants):
    participants.participant_list_visibility = LINK_ONLY
    participants.save()
    approved = Delegate.objects.get(given_name="Ada")
    pending = Delegate.objects.get(given_name="Waiting")

    assert client.get("/participants/").status_code == 404
    response = client.get(links.status_path(approved) + "participants/")
    assert response.status_code == 200
    assert participant_names(response) == ["Jun Abe", "Ada Zeller"]
    assert (
        'href="' + links.status_path(approved) + 'participants/"'
        in client.get(links.status_path(approved)).content.decode()
    )
    assert client.get(links.status_path(pending) + "participants/").status_code == 404
    assert "participants/" not in client.get(links.status_path(pending)).content.decode()
    assert client.get("/r/forged-token/participants/").status_code == 404


def test_link_only_participant_list_is_not_shown_to_a_rejected_delegate(client, participants):
    participants.participant_list_visibility = LINK_ONLY
    participants.save()
    rejected = Delegate.objects.get(given_name="Refused")

    assert client.get(links.status_path(rejected) + "participants/").status_code == 404


def test_hidden_participant_list_is_not_found_anywhere(client, participants):
    approved = Delegate.objects.get(given_name="Ada")

    assert participants.participant_list_visibility == HIDDEN
    assert client.get("/participants/").status_code == 404
    assert client.get(links.status_path(approved) + "participants/").status_code == 404
    assert "participants/" not in client.get(links.status_path(approved)).content.decode()


def test_public_participant_list_also_opens_through_a_link(client, participants):
    participants.participant_list_visibility = PUBLIC
    participants.save()
    approved = Delegate.objects.get(given_name="Ada")

    assert participant_names(client.get(links.status_path(approved) + "participants/")) == ["Jun Abe", "Ada Zeller"]


@pytest.mark.parametrize("size", [1, 3])
def test_participant_list_query_count_does_not_grow(client, event, django_assert_num_queries, size):
    event.participant_list_visibility = PUBLIC
    event.save()
    for n in range(size):
        listed(event, government=n % 2 == 0)

    client.get("/participants/")  # the current event is kept in the seats snapshot from now on
    with django_assert_num_queries(1):  # the participants with their institutes
        response = client.get("/participants/")
    assert len(response.context["participants"]) == size


# --------------------------------------------------------------------------- purge


def past_event(**kwargs):
    past = timezone.now() - timedelta(days=400)
    return EventFactory(
        slug="paris-2025",
        starts_on=past.date(),
        ends_on=past.date() + timedelta(days=1),
        registration_opens_at=past - timedelta(days=60),
        registration_closes_at=past - timedelta(days=5),
        retention_days=180,
        **kwargs,
    )


@pytest.fixture
def finished_event(organizer_actor):
    """A convening whose retention period is over, with approved, waitlisted, withdrawn and rejected delegates."""
    event = past_event()
    gov_only = SessionFactory(event=event, title="Heads of delegation", access_tier="government_only", capacity=1)
    open_session = SessionFactory(event=event, title="Risk assessment", capacity=2)
    people = [
        DelegateFactory(
            event=event,
            government=True,
            given_name="Priya",
            family_name="Shah",
            job_title="Director",
            dietary_needs="Vegetarian",
            accessibility_needs="Wheelchair user",
            needs_visa_letter=True,
            consent_participant_list=True,
        ),
        DelegateFactory(event=event, government=True, given_name="Jun", family_name="Abe", email="jun@mext.go.jp"),
        DelegateFactory(
            event=event,
            stakeholder_type=StakeholderType.INDUSTRY,
            organization="Model Systems Ltd",
            given_name="James",
            family_name="Anderson",
            dietary_needs="Halal",
        ),
        DelegateFactory(event=event, given_name="Camille", family_name="Moreau-Léger", country="FR"),
        DelegateFactory(event=event, given_name="Kim", family_name="Min-jun"),
    ]
    for n, d in enumerate(people):
        sessions = [gov_only, open_session] if d.is_government else [open_session]
        for s in sessions:
            SessionRegistrationFactory(delegate=d, session=s, requested_at=timezone.now() - timedelta(minutes=60 - n))
    services.approve_delegates(delegate_ids=[d.pk for d in people[:4]], actor=organizer_actor)
    services.reject_delegates(
        delegate_ids=[people[4].pk], actor=organizer_actor, reason="Kim Min-jun's delegation is complete."
    )
    camille = Delegate.objects.get(pk=people[3].pk)
    services.update_delegate_details(
        delegate=camille, changes={"dietary_needs": "No nuts"}, actor=services.Actor.delegate()
    )
    services.withdraw_delegate(delegate=camille, actor=services.Actor.delegate(), reason="Camille is ill.")
    OutboundEmail.objects.filter(kind="approved").update(
        last_error="SMTP 550: mailbox priya.shah@dsit.gov.uk full", context={"note": "Priya"}
    )
    return event


def personal_values(delegate: Delegate) -> dict:
    """Every text field of a delegate except the ones that are codes, not personal data."""
    codes = {"stakeholder_type", "status", "language", "endorsement"}
    return {
        f.name: getattr(delegate, f.name)
        for f in Delegate._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField) and f.name not in codes
    }


def test_purge_leaves_no_name_email_or_free_text_and_keeps_the_counts(finished_event):
    event = finished_event
    before_counts = personal_data.registration_counts(event)
    before = {d.pk: d for d in Delegate.objects.filter(event=event)}
    old_links = {pk: links.status_path(d) for pk, d in before.items()}
    seats_before = sorted(SessionRegistration.objects.filter(delegate__event=event).values_list("session", "status"))

    out = StringIO()
    call_command("purge_personal_data", "--event", event.slug, stdout=out)

    assert "Erased the personal data of 5 delegates of paris-2025" in out.getvalue()
    after = list(Delegate.objects.filter(event=event))
    assert len(after) == 5
    for delegate in after:
        values = personal_values(delegate)
        assert values.pop("email") == f"erased-{delegate.public_id.hex}@erased.invalid"
        assert values.pop("email_key") == f"erased-{delegate.public_id.hex}@erased.invalid"
        assert values.pop("link_secret") not in ("", before[delegate.pk].link_secret)
        assert values == dict.fromkeys(values, "")
        assert (
            delegate.needs_visa_letter,
            delegate.consent_data_processing,
            delegate.consent_participant_list,
        ) == (False, False, False)
        assert delegate.anonymized_at is not None
        assert (delegate.status, delegate.stakeholder_type, delegate.institute_id) == (
            before[delegate.pk].status,
            before[delegate.pk].stakeholder_type,
            before[delegate.pk].institute_id,
        )
    assert personal_data.registration_counts(event) == before_counts
    assert before_counts["by_institute"] == {"GB": 2}
    assert before_counts["by_stakeholder_type"] == {"government": 2, "industry": 1, "academia": 2}
    assert (
        sorted(SessionRegistration.objects.filter(delegate__event=event).values_list("session", "status"))
        == seats_before
    )

    # Nothing personal is left in the outbox or the audit trail either.
    assert set(OutboundEmail.objects.filter(delegate__event=event).values_list("last_error", flat=True)) == {""}
    assert [c for c in OutboundEmail.objects.filter(delegate__event=event).values_list("context", flat=True) if c] == []
    assert not OutboundEmail.objects.filter(delegate__event=event, status=EmailStatus.PENDING).exists()
    delegate_entries = AuditEntry.objects.filter(delegate__event=event)
    assert set(delegate_entries.values_list("reason", flat=True)) == {""}
    assert [d for d in delegate_entries.values_list("details", flat=True) if d] == []
    dump = (
        repr(list(Delegate.objects.values()))
        + repr(list(AuditEntry.objects.values()))
        + repr(list(OutboundEmail.objects.values()))
    )
    for personal in (
        "Priya",
        "Shah",
        "Abe",
        "Anderson",
        "Moreau",
        "Min-jun",
        "Halal",
        "Wheelchair",
        "Director",
        "@dsit",
    ):
        assert personal not in dump

    # The purge is in the audit trail, with the counts it kept; old links are dead.
    entry = AuditEntry.objects.get(action="personal_data_purged")
    assert (entry.actor_kind, entry.event_id, entry.delegate_id) == ("system", event.pk, None)
    assert entry.details["erased"] == 5
    assert entry.details["counts"] == before_counts
    assert {Client().get(path).status_code for path in old_links.values()} == {410}


def test_purge_is_one_transaction_and_can_run_again(finished_event):
    services.purge_personal_data(event=finished_event, actor=services.Actor.system())
    again = services.purge_personal_data(event=finished_event, actor=services.Actor.system())

    assert (again.erased, again.already_erased) == (0, 5)
    assert AuditEntry.objects.filter(action="personal_data_purged").count() == 2


def test_purge_before_the_retention_period_ends_is_refused_and_changes_nothing(event, organizer_actor):
    delegate = DelegateFactory(event=event, given_name="Priya")
    before = AuditEntry.objects.count()

    with pytest.raises(CommandError, match=r"retention period of .* ends on"):
        call_command("purge_personal_data", "--event", event.slug)

    delegate.refresh_from_db()
    assert (delegate.given_name, delegate.anonymized_at) == ("Priya", None)
    assert AuditEntry.objects.count() == before


def test_purge_refuses_one_day_before_the_end_and_works_right_after(db):
    event = past_event()
    DelegateFactory(event=event)
    end = event.retention_ends_at

    with pytest.raises(services.RetentionNotOver):
        services.purge_personal_data(event=event, actor=services.Actor.system(), now=end - timedelta(seconds=1))
    assert services.purge_personal_data(event=event, actor=services.Actor.system(), now=end).erased == 1


def test_purge_of_an_unknown_event_says_so(db):
    with pytest.raises(CommandError, match="No event with the slug 'nowhere'"):
        call_command("purge_personal_data", "--event", "nowhere")


def test_purge_touches_only_its_event(finished_event):
    other = DelegateFactory(event=EventFactory(slug="seoul"), given_name="Seo-yeon")

    services.purge_personal_data(event=finished_event, actor=services.Actor.system())

    other.refresh_from_db()
    assert (other.given_name, other.anonymized_at) == ("Seo-yeon", None)


def test_erased_delegates_get_no_new_link(client, finished_event):
    services.purge_personal_data(event=finished_event, actor=services.Actor.system())
    # The erased address cannot be asked for, and the old one is gone.
    assert not services.send_status_link(
        event=finished_event, email="priya.shah@dsit.gov.uk", actor=services.Actor.delegate()
    )
    assert not OutboundEmail.objects.filter(kind="lost_link").exists()
