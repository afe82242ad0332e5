"""No clashing seats: nobody asks for, waits for or holds two sessions at the same time.

The rule (`rules.sessions_overlap`, half-open times) through every path that can break it:
the signup form, a crafted POST to /register/, `register_delegate` called directly, "add a session"
on the status page and `add_session`, approval (one delegate and in bulk, through the admin), the
waitlist, an organizer moving a session's times, and the calendar file.

Clashing requests that signup and "add a session" refuse can still exist: a session's times moved
after both were asked for, or rows written before the rule. Those are made here directly.
"""

from collections import Counter
from datetime import timedelta
from itertools import combinations

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from registrations import rules, services
from registrations.models import (
    AuditEntry,
    CancelReason,
    Delegate,
    DelegateStatus,
    OutboundEmail,
    SeatStatus,
    Session,
    SessionRegistration,
)
from registrations.outputs import emails
from registrations.public.forms import RegistrationForm
from registrations.queries import links
from tests.admin.test_admin import CHANGELIST, act, change_url, message_texts, page_form
from tests.admin.test_admin import form_data as admin_form_data
from tests.factories import DelegateFactory, SessionFactory, venue_time
from tests.public.test_signup import industry_signup

REGISTER = "/register/"


@pytest.fixture
def morning(event):
    """Two rooms from 10:00 to 11:30, a session from 11:30 (no clash: times are half-open) and one
    from 11:00 that overlaps both."""
    return {
        "plenary": SessionFactory(
            event=event, title="Plenary", starts_at=venue_time(event, 10), ends_at=venue_time(event, 11.5)
        ),
        "workshop": SessionFactory(
            event=event, title="Workshop", starts_at=venue_time(event, 10), ends_at=venue_time(event, 11.5)
        ),
        "lunch_talk": SessionFactory(
            event=event, title="Lunch talk", starts_at=venue_time(event, 11.5), ends_at=venue_time(event, 12.5)
        ),
        "late_panel": SessionFactory(
            event=event, title="Late panel", starts_at=venue_time(event, 11), ends_at=venue_time(event, 12)
        ),
    }


def when(session) -> str:
    """The session's day and times as the messages give them: "Sat 30 Jan, 10:00–11:30 PST"."""
    tz = session.event.tz
    start, end = session.starts_at.astimezone(tz), session.ends_at.astimezone(tz)
    return f"{start:%a} {start.day} {start:%b}, {start:%H:%M}–{end:%H:%M} {start:%Z}"


def clash_refusal(session, other) -> str:
    return (
        f"“{session.title}” ({when(session)}) is at the same time as “{other.title}” ({when(other)}): "
        "you can attend only one of them."
    )


def ask(delegate, session, minutes_ago: int, status: str = SeatStatus.REQUESTED) -> SessionRegistration:
    """A request written directly (as before the rule, or before an organizer moved a session)."""
    return SessionRegistration.objects.create(
        delegate=delegate, session=session, status=status, requested_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


def seats_of(delegate) -> dict[str, tuple[str, str]]:
    return {
        r.session.title: (r.status, r.cancel_reason)
        for r in SessionRegistration.objects.filter(delegate=delegate).select_related("session")
    }


def overlapping_pairs(sessions) -> list[tuple[str, str]]:
    return [(a.title, b.title) for a, b in combinations(sessions, 2) if rules.sessions_overlap(a, b)]


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("other", "overlap"),
    [
        ((10, 11.5), True),  # the same times in another room
        ((11, 12), True),  # starts during
        ((9, 10.25), True),  # ends during
        ((10.25, 11), True),  # inside
        ((9, 12), True),  # around
        ((11.5, 12.5), False),  # starts when it ends: half-open times
        ((8.5, 10), False),  # ends when it starts
        ((13, 14), False),
    ],
)
def test_sessions_overlap_on_half_open_times(event, other, overlap):
    session = Session(pk=1, event=event, starts_at=venue_time(event, 10), ends_at=venue_time(event, 11.5))
    candidate = Session(pk=2, event=event, starts_at=venue_time(event, other[0]), ends_at=venue_time(event, other[1]))

    assert (rules.sessions_overlap(session, candidate), rules.sessions_overlap(candidate, session)) == (
        overlap,
        overlap,
    )


def test_a_session_does_not_clash_with_itself(morning):
    assert rules.sessions_overlap(morning["plenary"], morning["plenary"]) is False
    rules.check_no_clash([morning["plenary"]], [morning["plenary"]], tz=morning["plenary"].event.tz)


def test_check_no_clash_names_both_sessions_and_their_times(event, morning):
    with pytest.raises(services.SessionClash) as refusal:
        rules.check_no_clash([morning["lunch_talk"], morning["workshop"]], [morning["plenary"]], tz=event.tz)

    assert refusal.value.message == clash_refusal(morning["workshop"], morning["plenary"])
    rules.check_no_clash([morning["plenary"], morning["lunch_talk"]], tz=event.tz)  # back to back: fine


# --------------------------------------------------------------------------- signup


def test_signup_form_refuses_two_sessions_at_the_same_time_naming_both(event, morning):
    form = RegistrationForm(
        industry_signup(sessions=[morning["plenary"].pk, morning["workshop"].pk]), event=event, stakeholder_type=None
    )

    assert not form.is_valid()
    assert form.errors["sessions"] == [clash_refusal(morning["plenary"], morning["workshop"])]
    assert form.has_error("sessions", code="clash")


def test_crafted_signup_post_with_clashing_sessions_is_a_400_naming_both_and_writes_nothing(client, event, morning):
    response = client.post(REGISTER, industry_signup(sessions=[morning["workshop"].pk, morning["late_panel"].pk]))

    assert response.status_code == 400
    assert clash_refusal(morning["workshop"], morning["late_panel"]) in response.content.decode()
    assert (Delegate.objects.count(), SessionRegistration.objects.count(), OutboundEmail.objects.count()) == (0, 0, 0)


def test_signup_for_back_to_back_sessions_is_accepted(client, event, morning):
    response = client.post(REGISTER, industry_signup(sessions=[morning["plenary"].pk, morning["lunch_talk"].pk]))

    assert response.status_code == 302
    assert sorted(SessionRegistration.objects.values_list("session__title", flat=True)) == ["Lunch talk", "Plenary"]


def test_register_delegate_refuses_a_clash_whoever_calls_it(event, morning):
    details = {
        "given_name": "James",
        "family_name": "Anderson",
        "email": "james@modelsystems.example",
        "stakeholder_type": "industry",
        "organization": "Model Systems Ltd",
        "consent_data_processing": True,
    }

    with pytest.raises(services.SessionClash) as refusal:
        services.register_delegate(event=event, details=details, sessions=[morning["plenary"], morning["workshop"]])

    assert refusal.value.message == clash_refusal(morning["plenary"], morning["workshop"])
    assert (Delegate.objects.count(), SessionRegistration.objects.count(), AuditEntry.objects.count()) == (0, 0, 0)


# --------------------------------------------------------------------------- "add a session"


@pytest.mark.parametrize("status", [SeatStatus.REQUESTED, SeatStatus.CONFIRMED, SeatStatus.WAITLISTED])
def test_status_page_refuses_a_session_that_clashes_with_one_held_naming_both(client, event, morning, status):
    delegate = DelegateFactory(event=event, status=DelegateStatus.APPROVED)
    ask(delegate, morning["plenary"], minutes_ago=5, status=status)
    before = AuditEntry.objects.count()

    response = client.post(links.status_path(delegate) + "sessions/add/", {"session": morning["late_panel"].pk})

    assert response.status_code == 400
    assert clash_refusal(morning["late_panel"], morning["plenary"]) in response.content.decode()
    assert seats_of(delegate) == {"Plenary": (status, "")}
    assert AuditEntry.objects.count() == before


def test_a_dropped_session_no_longer_clashes(client, event, morning):
    delegate = DelegateFactory(event=event)
    ask(delegate, morning["plenary"], minutes_ago=5)
    services.drop_session(delegate=delegate, session=morning["plenary"], actor=services.Actor.delegate())

    response = client.post(links.status_path(delegate) + "sessions/add/", {"session": morning["workshop"].pk})

    assert response.status_code == 302
    assert seats_of(delegate) == {
        "Plenary": (SeatStatus.CANCELLED, CancelReason.DROPPED),
        "Workshop": (SeatStatus.REQUESTED, ""),
    }


def test_add_session_service_refuses_a_clash_and_allows_back_to_back(event, morning):
    delegate = DelegateFactory(event=event)
    ask(delegate, morning["plenary"], minutes_ago=5)

    with pytest.raises(services.SessionClash) as refusal:
        services.add_session(delegate=delegate, session=morning["workshop"], actor=services.Actor.delegate())
    services.add_session(delegate=delegate, session=morning["lunch_talk"], actor=services.Actor.delegate())

    assert refusal.value.message == clash_refusal(morning["workshop"], morning["plenary"])
    assert seats_of(delegate) == {"Plenary": (SeatStatus.REQUESTED, ""), "Lunch talk": (SeatStatus.REQUESTED, "")}


# --------------------------------------------------------------------------- approval


def test_approval_confirms_the_earlier_request_and_cancels_the_later_with_notice(event, morning, mailoutbox):
    delegate = DelegateFactory(event=event, given_name="Ana", family_name="Lima")
    ask(delegate, morning["workshop"], minutes_ago=10)  # asked first
    ask(delegate, morning["plenary"], minutes_ago=5)
    ask(delegate, morning["lunch_talk"], minutes_ago=1)

    result = services.approve_delegates(delegate_ids=[delegate.pk], actor=services.Actor.system())

    assert seats_of(delegate) == {
        "Workshop": (SeatStatus.CONFIRMED, ""),
        "Plenary": (SeatStatus.CANCELLED, CancelReason.CLASH),
        "Lunch talk": (SeatStatus.CONFIRMED, ""),
    }
    assert (result.confirmed, result.clashed) == (2, [(delegate, "Plenary", "Workshop")])
    cancelled = AuditEntry.objects.get(delegate=delegate, action="seat_cancelled")
    assert (cancelled.session, cancelled.from_status, cancelled.reason) == (
        morning["plenary"],
        SeatStatus.REQUESTED,
        "At the same time as “Workshop”.",
    )
    assert sorted(OutboundEmail.objects.values_list("kind", flat=True)) == ["approved", "seats_clashed"]

    emails.deliver()
    notice = next(m for m in mailoutbox if m.subject == f"Two of your sessions at {event.name} are at the same time")
    start = morning["plenary"].starts_at.astimezone(event.tz)
    assert notice.to == [delegate.email]
    assert f'- Plenary ({start:%A} {start.day} {start:%B %Y}, 10:00 PST): at the same time as "Workshop"' in (
        notice.body
    )
    assert "Plenary" in notice.alternatives[0][0]


def test_the_earlier_request_wins_even_when_it_is_only_waitlisted(event, morning):
    Session.objects.filter(pk=morning["workshop"].pk).update(capacity=1)
    holder = DelegateFactory(event=event)
    ask(holder, morning["workshop"], minutes_ago=60)
    services.approve_delegates(delegate_ids=[holder.pk], actor=services.Actor.system())
    delegate = DelegateFactory(event=event)
    ask(delegate, morning["workshop"], minutes_ago=10)
    ask(delegate, morning["plenary"], minutes_ago=5)

    services.approve_delegates(delegate_ids=[delegate.pk], actor=services.Actor.system())

    assert seats_of(delegate) == {
        "Workshop": (SeatStatus.WAITLISTED, ""),
        "Plenary": (SeatStatus.CANCELLED, CancelReason.CLASH),
    }


def test_approval_cancels_a_request_that_clashes_with_a_seat_already_held(event, morning):
    delegate = DelegateFactory(event=event, status=DelegateStatus.APPROVED)
    ask(delegate, morning["plenary"], minutes_ago=60, status=SeatStatus.CONFIRMED)
    registration = ask(delegate, morning["late_panel"], minutes_ago=1)
    changes = services.seats.SeatChanges()

    services.seats.place(
        [registration], {morning["late_panel"].pk: morning["late_panel"]}, Counter(), changes, services.Actor.system()
    )
    changes.save()

    assert seats_of(delegate) == {
        "Plenary": (SeatStatus.CONFIRMED, ""),
        "Late panel": (SeatStatus.CANCELLED, CancelReason.CLASH),
    }


def test_approve_button_on_a_delegate_page_reports_the_cancelled_clash(organizer_client, event, morning):
    delegate = DelegateFactory(event=event, given_name="Ana", family_name="Lima")
    ask(delegate, morning["plenary"], minutes_ago=10)
    ask(delegate, morning["workshop"], minutes_ago=5)

    response = organizer_client.post(reverse("admin:registrations_delegate_approve", args=[delegate.pk]))

    assert response.status_code == 302
    assert message_texts(response) == [
        "Approved 1 delegate: 1 seat confirmed, 0 waitlisted.",
        "1 request cancelled: it clashed with a session the delegate holds or asked for first, and the delegate "
        "was told: Ana Lima (“Workshop”, at the same time as “Plenary”).",
    ]
    assert seats_of(delegate)["Workshop"] == (SeatStatus.CANCELLED, CancelReason.CLASH)


def test_bulk_approval_never_confirms_two_overlapping_seats(organizer_client, event, morning):
    ana, ben = (DelegateFactory(event=event, given_name=n, family_name="Lima") for n in ["Ana", "Ben"])
    ask(ana, morning["plenary"], minutes_ago=10)
    ask(ana, morning["late_panel"], minutes_ago=9)
    ask(ben, morning["late_panel"], minutes_ago=8)
    ask(ben, morning["workshop"], minutes_ago=7)
    ask(ben, morning["lunch_talk"], minutes_ago=6)  # overlaps the late panel too, asked for after it

    confirmation = act(organizer_client, "approve_selected", [ana, ben])
    response = organizer_client.post(CHANGELIST, page_form(confirmation))

    assert seats_of(ana) == {
        "Plenary": (SeatStatus.CONFIRMED, ""),
        "Late panel": (SeatStatus.CANCELLED, CancelReason.CLASH),
    }
    assert seats_of(ben) == {
        "Late panel": (SeatStatus.CONFIRMED, ""),
        "Workshop": (SeatStatus.CANCELLED, CancelReason.CLASH),
        "Lunch talk": (SeatStatus.CANCELLED, CancelReason.CLASH),
    }
    assert message_texts(response)[-1] == (
        "3 requests cancelled: each clashed with a session the delegate holds or asked for first, and each "
        "delegate was told: Ana Lima (“Late panel”, at the same time as “Plenary”); Ben Lima (“Workshop”, at the "
        "same time as “Late panel”); Ben Lima (“Lunch talk”, at the same time as “Late panel”)."
    )
    assert sorted(
        OutboundEmail.objects.filter(kind="seats_clashed").values_list("delegate__given_name", flat=True)
    ) == [
        "Ana",
        "Ben",
    ]
    for delegate in (ana, ben):
        confirmed = [r.session for r in delegate.session_registrations.filter(status=SeatStatus.CONFIRMED)]
        assert overlapping_pairs(confirmed) == []


# --------------------------------------------------------------------------- the waitlist


def test_the_waitlist_skips_a_delegate_whose_seat_would_clash_and_promotes_the_next(event, morning, mailoutbox):
    Session.objects.filter(pk=morning["late_panel"].pk).update(capacity=1)
    holder, clashing, next_in_line = (DelegateFactory(event=event, given_name=n) for n in ["Holder", "Cleo", "Ned"])
    ask(holder, morning["late_panel"], minutes_ago=60)
    ask(clashing, morning["late_panel"], minutes_ago=50)
    ask(next_in_line, morning["late_panel"], minutes_ago=40)
    services.approve_delegates(delegate_ids=[holder.pk, clashing.pk, next_in_line.pk], actor=services.Actor.system())
    # Cleo, waitlisted for the late panel, has since been given a seat in the plenary (at the same time).
    ask(clashing, morning["plenary"], minutes_ago=5, status=SeatStatus.CONFIRMED)
    OutboundEmail.objects.all().delete()

    services.drop_session(delegate=holder, session=morning["late_panel"], actor=services.Actor.delegate())

    assert seats_of(clashing) == {
        "Late panel": (SeatStatus.CANCELLED, CancelReason.CLASH),
        "Plenary": (SeatStatus.CONFIRMED, ""),
    }
    assert seats_of(next_in_line) == {"Late panel": (SeatStatus.CONFIRMED, "")}
    assert sorted(OutboundEmail.objects.values_list("kind", "delegate__given_name")) == [
        ("promoted", "Ned"),
        ("seats_clashed", "Cleo"),
    ]
    skipped = AuditEntry.objects.get(delegate=clashing, action="seat_cancelled")
    assert (skipped.actor_kind, skipped.from_status, skipped.reason) == (
        "system",
        SeatStatus.WAITLISTED,
        "At the same time as “Plenary”.",
    )


# --------------------------------------------------------------------------- an organizer moves a session


def test_moving_a_session_onto_another_cancels_the_later_request_with_notice_and_tells_the_organizer(
    organizer_client, event, morning, mailoutbox
):
    Session.objects.filter(pk=morning["lunch_talk"].pk).update(capacity=1)
    ana = DelegateFactory(event=event, given_name="Ana", family_name="Lima")
    ben = DelegateFactory(event=event, given_name="Ben", family_name="Okafor")
    waiting = DelegateFactory(event=event, given_name="Wen", family_name="Li")
    ask(ana, morning["plenary"], minutes_ago=30)
    ask(ana, morning["lunch_talk"], minutes_ago=20)  # asked later: loses it when it moves onto the plenary
    ask(ben, morning["lunch_talk"], minutes_ago=25)  # before Ana: holds the one seat, Ana waits
    ask(waiting, morning["lunch_talk"], minutes_ago=10)
    services.approve_delegates(delegate_ids=[ana.pk, ben.pk, waiting.pk], actor=services.Actor.system())
    assert seats_of(ana)["Lunch talk"] == (SeatStatus.WAITLISTED, "")
    assert seats_of(ben)["Lunch talk"] == (SeatStatus.CONFIRMED, "")
    OutboundEmail.objects.all().delete()
    talk = morning["lunch_talk"]
    page = organizer_client.get(change_url(talk))
    with timezone.override(event.tz):
        data = admin_form_data(page)
    data.update(starts_at_1="10:30:00", ends_at_1="11:30:00")  # now inside the plenary's 10:00-11:30

    response = organizer_client.post(change_url(talk), data)

    assert response.status_code == 302
    assert seats_of(ana) == {
        "Plenary": (SeatStatus.CONFIRMED, ""),
        "Lunch talk": (SeatStatus.CANCELLED, CancelReason.CLASH),
    }
    assert seats_of(ben) == {"Lunch talk": (SeatStatus.CONFIRMED, "")}
    assert seats_of(waiting) == {"Lunch talk": (SeatStatus.WAITLISTED, "")}
    assert (
        "1 request cancelled: it clashed with a session the delegate holds or asked for first, and the delegate "
        "was told: Ana Lima (“Lunch talk”, at the same time as “Plenary”)."
    ) in message_texts(response)
    assert list(OutboundEmail.objects.values_list("kind", "delegate__given_name")) == [("seats_clashed", "Ana")]
    cancelled = AuditEntry.objects.get(delegate=ana, action="seat_cancelled")
    assert (cancelled.actor_name, cancelled.reason) == ("organizer", "At the same time as “Plenary”.")


def test_moving_a_session_frees_the_cancelled_seat_for_the_waitlist(event, morning, organizer_actor):
    Session.objects.filter(pk=morning["lunch_talk"].pk).update(capacity=1)
    ana, wen = DelegateFactory(event=event, given_name="Ana"), DelegateFactory(event=event, given_name="Wen")
    ask(ana, morning["plenary"], minutes_ago=30)
    ask(ana, morning["lunch_talk"], minutes_ago=20)
    ask(wen, morning["lunch_talk"], minutes_ago=10)
    services.approve_delegates(delegate_ids=[ana.pk, wen.pk], actor=organizer_actor)
    assert (seats_of(ana)["Lunch talk"], seats_of(wen)["Lunch talk"]) == (
        (SeatStatus.CONFIRMED, ""),
        (SeatStatus.WAITLISTED, ""),
    )

    result = services.update_session(
        session=morning["lunch_talk"],
        changes={"starts_at": venue_time(event, 11), "ends_at": venue_time(event, 12)},
        actor=organizer_actor,
    )

    assert result.clashed == [(ana, "Lunch talk", "Plenary")]
    assert seats_of(ana)["Lunch talk"] == (SeatStatus.CANCELLED, CancelReason.CLASH)
    assert seats_of(wen)["Lunch talk"] == (SeatStatus.CONFIRMED, "")
    assert sorted(
        OutboundEmail.objects.filter(kind__in=["promoted", "seats_clashed"]).values_list("kind", flat=True)
    ) == [
        "promoted",
        "seats_clashed",
    ]


def test_moving_a_session_keeps_the_earlier_request_even_in_the_moved_session(event, morning, organizer_actor):
    delegate = DelegateFactory(event=event)
    ask(delegate, morning["lunch_talk"], minutes_ago=30)  # asked first
    ask(delegate, morning["plenary"], minutes_ago=20)

    result = services.update_session(
        session=morning["lunch_talk"], changes={"starts_at": venue_time(event, 11)}, actor=organizer_actor
    )

    assert result.clashed == [(delegate, "Plenary", "Lunch talk")]
    assert seats_of(delegate) == {
        "Lunch talk": (SeatStatus.REQUESTED, ""),
        "Plenary": (SeatStatus.CANCELLED, CancelReason.CLASH),
    }


def test_moving_a_session_to_back_to_back_times_cancels_nothing(event, morning, organizer_actor):
    delegate = DelegateFactory(event=event)
    ask(delegate, morning["plenary"], minutes_ago=30)
    ask(delegate, morning["lunch_talk"], minutes_ago=20)

    result = services.update_session(
        session=morning["lunch_talk"],
        changes={"starts_at": venue_time(event, 11.5), "ends_at": venue_time(event, 13)},
        actor=organizer_actor,
    )

    assert result.clashed == []
    assert {status for status, _reason in seats_of(delegate).values()} == {SeatStatus.REQUESTED}


# --------------------------------------------------------------------------- the calendar


def test_the_calendar_never_holds_two_overlapping_sessions(client, event, morning, mailoutbox):
    delegate = DelegateFactory(event=event)
    for minutes_ago, session in enumerate(morning.values()):
        ask(delegate, session, minutes_ago=30 - minutes_ago)  # plenary, workshop, lunch talk, late panel
    services.approve_delegates(delegate_ids=[delegate.pk], actor=services.Actor.system())

    response = client.get(links.status_path(delegate) + "calendar.ics")
    emails.deliver()

    entries = Calendar.from_ical(response.content).walk("VEVENT")
    assert sorted(str(e["SUMMARY"]) for e in entries) == ["Lunch talk", "Plenary"]
    spans = [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in entries]
    assert all(a_end <= b_start or b_end <= a_start for (a_start, a_end), (b_start, b_end) in combinations(spans, 2))
    approval = next(m for m in mailoutbox if m.subject.endswith("is approved"))
    attached = Calendar.from_ical(approval.attachments[0][1]).walk("VEVENT")
    assert sorted(str(e["SUMMARY"]) for e in attached) == ["Lunch talk", "Plenary"]


def test_a_clash_is_told_in_the_visitors_language_with_the_venues_zone(morning):
    """On a French page the clash names the day and the times as French writes them."""

    workshop, plenary = morning["workshop"], morning["plenary"]
    with translation.override("fr"):
        message = rules.clash_message(workshop, plenary, workshop.event.tz)
    start = workshop.starts_at.astimezone(workshop.event.tz)
    days = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    assert message.startswith(f"« {workshop.title} » ({days[start.weekday()]} {start.day} ")
    assert "10 h 00" in message and "11 h 30" in message
    assert "Sat" not in message and "10:00" not in message
