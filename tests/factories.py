"""Test data, in one place. Institutes come from the reference-data migration (members.csv)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from registrations import services
from registrations.models import (
    AccessTier,
    Delegate,
    Event,
    FocalPoint,
    Institute,
    Invitation,
    InvitationKind,
    OutboundEmail,
    Session,
    SessionRegistration,
    StakeholderType,
)
from registrations.rules import email_key

SF = ZoneInfo("America/Los_Angeles")


def venue_time(event: Event, hours: float) -> datetime:
    """A moment on the event's first day, in its venue's zone: venue_time(event, 9.5) is 09:30."""
    return datetime.combine(event.starts_on, datetime.min.time(), tzinfo=event.tz) + timedelta(hours=hours)


def institute(iso_code: str) -> Institute:
    return Institute.objects.get(iso_code=iso_code)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        django_get_or_create = ["slug"]

    name = "Convening of the International Network of AI Safety Institutes"
    slug = factory.Sequence(lambda n: f"convening-{n}")
    venue = "Presidio Golden Gate Club, San Francisco"
    time_zone = "America/Los_Angeles"
    starts_on = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=60)).date())
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=1))
    registration_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    registration_closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    contact_email = "registration@aisi-network.example"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Session {n}")
    # Sessions made one after another do not overlap (a delegate may ask for all of them): 11:00,
    # 13:00, ... 21:00 on the first day, 90 minutes each, after the conftest sessions (07:30-10:30).
    # Tests about clashes give times explicitly.
    starts_at = factory.LazyAttributeSequence(
        lambda o, n: (
            datetime.combine(o.event.starts_on, datetime.min.time(), tzinfo=SF) + timedelta(hours=11 + 2 * (n % 6))
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=90))
    room = "Main hall"
    access_tier = AccessTier.OPEN
    capacity = 10


class DelegateFactory(factory.django.DjangoModelFactory):
    """An academia delegate by default; use `government(...)` for a government one."""

    class Meta:
        model = Delegate

    event = factory.SubFactory(EventFactory)
    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = "Delegate"
    email = factory.Sequence(lambda n: f"delegate{n}@example.org")
    email_key = factory.LazyAttribute(lambda o: email_key(o.email))
    stakeholder_type = StakeholderType.ACADEMIA
    institute = None
    organization = "University of Testing"
    job_title = "Researcher"
    country = "GB"
    consent_data_processing = True

    class Params:
        government = factory.Trait(
            stakeholder_type=StakeholderType.GOVERNMENT,
            organization="",
            institute=factory.LazyFunction(lambda: institute("GB")),
            email=factory.Sequence(lambda n: f"official{n}@dsit.gov.uk"),
            email_domain_verified=True,
        )


class SessionRegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionRegistration

    delegate = factory.SubFactory(DelegateFactory)
    session = factory.SubFactory(SessionFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("a-long-test-password")
    is_staff = True


def organizer(username: str = "organizer"):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name="Organizers"))
    return user


def focal_point(iso_code: str = "GB", username: str | None = None, **fields) -> FocalPoint:
    """An active focal point of the institute, with a non-staff account (password "a-long-test-password")."""
    user = UserFactory(username=username or f"focal-{iso_code.lower()}", is_staff=False)
    return FocalPoint.objects.create(user=user, institute=institute(iso_code), **fields)


class InvitationFactory(factory.django.DjangoModelFactory):
    """A personal, pre-approved academia invitation, sent; pass `sessions=[...]` for what it covers."""

    class Meta:
        model = Invitation
        skip_postgeneration_save = True

    event = factory.SubFactory(EventFactory)
    kind = InvitationKind.PERSONAL
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    name = "Ada Lovelace"
    organization = "Analytical Engines Institute"
    stakeholder_type = StakeholderType.ACADEMIA
    max_uses = 1
    pre_approved = True
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    status = "sent"
    sent_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def sessions(self, create, extracted, **kwargs):
        if create and extracted:
            self.sessions.set(extracted)


# --------------------------------------------------------------------------- seats: builders and readers

T0 = timezone.now() - timedelta(days=1)


def ask(delegate, session, minute: int) -> SessionRegistration:
    """The delegate asked for the session `minute` minutes after T0."""
    return SessionRegistration.objects.create(
        delegate=delegate, session=session, requested_at=T0 + timedelta(minutes=minute)
    )


def seats(session) -> dict[str, list[str]]:
    """Who holds which status in the session, ordered by request time."""
    result: dict[str, list[str]] = {}
    for r in (
        SessionRegistration.objects.filter(session=session).order_by("requested_at", "pk").select_related("delegate")
    ):
        result.setdefault(r.status, []).append(r.delegate.given_name)
    return result


def status_of(registration) -> tuple[str, str]:
    registration.refresh_from_db()
    return registration.status, registration.cancel_reason


def emails_queued() -> list[tuple[str, str, dict]]:

    return [
        (e.kind, e.delegate.given_name, e.context)
        for e in OutboundEmail.objects.select_related("delegate").order_by("pk")
    ]


def approved(delegates, actor):

    return services.approve_delegates(delegate_ids=[d.pk for d in delegates], actor=actor)
