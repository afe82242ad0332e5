"""Load the San Francisco convening as demo data: agenda, about 40 sample delegates, a few
sample invitations and one focal point per member institute (the convening requires their
endorsement of government delegates; most are endorsed, one declined, a few await it). Guests
come by invitation only (the sample guests registered before the organizers switched to
invitations).

Idempotent: running it again changes nothing. Decisions are made through the services, exactly as
an organizer would make them, so seats, waitlists and the audit trail are consistent. No email is
sent for sample delegates (their queued messages are dropped in the same transaction).
"""

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone, translation

from registrations import queries, rules, services
from registrations.management.demo_data import (
    AGENDA,
    AWAITING_ENDORSEMENT,
    DECLINED,
    DELEGATES,
    EVENT_FRENCH,
    FRENCH,
    FRENCH_SPEAKERS,
    OPEN,
    SLUG,
    TZ,
    VISA_LETTERHEAD,
    VISA_REQUESTS,
)
from registrations.management.demo_data_cjk import (
    EVENT_JAPANESE,
    EVENT_KOREAN,
    JAPANESE,
    JAPANESE_SPEAKERS,
    KOREAN,
    KOREAN_SPEAKERS,
)
from registrations.management.demo_holder import add_badge_holders
from registrations.models import (
    Delegate,
    DelegateStatus,
    Event,
    FocalPoint,
    GuestRegistration,
    Institute,
    Invitation,
    OutboundEmail,
    Session,
    StakeholderType,
)
from registrations.outputs import signing
from registrations.services import endorsements, invitation_sending, invitations, invitees


def focal_point_username(institute: Institute) -> str:
    return f"focal-{institute.iso_code.lower()}"


def language_of(email: str) -> str:
    """The language a sample delegate reads their emails in."""
    if email in FRENCH_SPEAKERS:
        return "fr"
    if email in JAPANESE_SPEAKERS:
        return "ja"
    return "ko" if email in KOREAN_SPEAKERS else "en"


def _at(day: date, hhmm: str, tz) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=tz)


def demo_dates(today: date) -> tuple[date, date]:
    """20-21 November of the next year in which they are still ahead, so registration is open in the demo."""
    year = today.year if today < date(today.year, 10, 1) else today.year + 1
    return date(year, 11, 20), date(year, 11, 21)


class Command(BaseCommand):
    help = "Load the San Francisco convening with a sample agenda and about 40 sample delegates (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        with translation.override("en"):  # `title=` and `name=` below are the English texts
            self._load()

    def _load(self):
        self._focal_points()
        event = self._event()
        sessions = self._agenda(event)
        if event.delegates.exists():
            self.stdout.write(f"Demo already loaded: {event} has {event.delegates.count()} delegates.")
            return
        self._delegates(event, sessions)
        add_badge_holders(event, sessions)
        event.refresh_from_db()
        self._documents(event)
        event.guest_registration = GuestRegistration.INVITATION_ONLY
        event.save(update_fields=["guest_registration"])
        self._invitations(event, sessions)
        OutboundEmail.objects.filter(delegate__is_sample=True).delete()
        OutboundEmail.objects.filter(invitation__is_sample=True).delete()
        OutboundEmail.objects.filter(focal_point__is_sample=True).delete()
        if connection.vendor == "postgresql":
            # After a bulk load, statistics (as PostgreSQL's manual advises): until autovacuum gets
            # to it, the planner guesses from never-analyzed tables and may pick the wrong index.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {event}: {len(sessions)} sessions, {event.delegates.count()} sample delegates, "
                f"{event.invitations.count()} sample invitations."
            )
        )

    def _documents(self, event: Event) -> None:
        """The letterhead, a signing certificate (self-signed, outside static and git), one issued visa
        letter and one request waiting; the heads of two delegations."""
        Event.objects.filter(pk=event.pk).update(**VISA_LETTERHEAD)
        if not signing.configured():
            # Beside the configured certificate's path, else in VISA_SIGNING_DIR (never the working
            # directory: production leaves VISA_SIGNING_CERT empty until one is set).
            where = Path(settings.VISA_SIGNING_CERT).parent if settings.VISA_SIGNING_CERT else settings.VISA_SIGNING_DIR
            cert, _key = signing.write_self_signed(Path(where))
            self.stdout.write(f"Made a self-signed visa-letter signing certificate: {cert}")
        system = services.Actor.system()
        for email, issue, nationality, number, consulate in VISA_REQUESTS:
            delegate = event.delegates.filter(email=email).first()
            if delegate is None or not rules.is_active(delegate):
                continue
            visa = services.request_visa_letter(
                delegate=delegate,
                details={
                    "passport_name": f"{delegate.family_name.upper()} {delegate.given_name}",
                    "nationality": nationality,
                    "passport_number": number,
                    "passport_expiry": event.ends_on + timedelta(days=3 * 365),
                    "date_of_birth": date(1982, 6, 14),
                    "consulate": consulate,
                },
                actor=services.Actor.delegate(),
            )
            if issue:
                services.issue_visa_letters(request_ids=[visa.pk], actor=system)
        for iso_code in ("GB", "KE"):
            head = event.delegates.filter(institute__iso_code=iso_code, status=DelegateStatus.APPROVED).first()
            if head is not None:
                services.set_head_of_delegation(delegate=head, head=True, actor=system)

    def _invitations(self, event: Event, sessions: list[Session]) -> None:
        """Invitations as an organizer would make them: a personal one holding seats, an organization
        code for three people, one still a draft, one declined."""
        system = services.Actor.system()
        open_sessions = [s for s in sessions if s.access_tier == OPEN]
        seats_left = queries.seats_left_by_session(event)
        with_room = [s for s in open_sessions if seats_left[s.pk] > 0]
        expires = event.registration_closes_at
        made = []
        for kind, email, domains, uses, name, organization, stakeholder_type, covered, holds, pre_approved in [
            (
                "personal",
                "amara.okafor@example.edu",
                "",
                1,
                "Amara Okafor",
                "University of Lagos",
                "academia",
                with_room[:3],
                True,
                True,
            ),
            (
                "organization",
                "policy@frontier-lab.example",
                "frontier-lab.example",
                3,
                "",
                "Frontier Lab Inc.",
                "industry",
                open_sessions[1:3],
                False,
                False,
            ),
            (
                "personal",
                "lena.fischer@example.org",
                "",
                1,
                "Lena Fischer",
                "Digital Rights Watch",
                "civil_society",
                open_sessions[:2],
                False,
                True,
            ),
            (
                "personal",
                "omar.haddad@example.org",
                "",
                1,
                "Omar Haddad",
                "Open Evaluations Network",
                "civil_society",
                open_sessions[2:4],
                False,
                True,
            ),
        ]:
            invitation = Invitation(
                event=event,
                kind=kind,
                email=email,
                email_domains=domains,
                max_uses=uses,
                name=name,
                organization=organization,
                stakeholder_type=stakeholder_type,
                holds_seats=holds,
                pre_approved=pre_approved,
                expires_at=expires,
                is_sample=True,
            )
            made.append(invitations.create_invitation(invitation=invitation, sessions=covered, actor=system))
        invitation_sending.send_invitations(invitation_ids=[made[0].pk, made[1].pk, made[3].pk], actor=system)
        invitees.decline_invitation(invitation=made[3], reason="Travelling that week.")

    def _focal_points(self) -> None:
        """One focal point per member institute (sample data; `demo_admin` gives one a password)."""
        users = get_user_model()
        for institute in Institute.objects.all():
            username = focal_point_username(institute)
            user, _created = users.objects.get_or_create(
                username=username,
                defaults={
                    "email": f"{username}@{institute.domain_list[0] if institute.domain_list else 'example.org'}",
                    "first_name": "Focal point",
                    "last_name": institute.member,
                    "is_staff": False,
                },
            )
            if _created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            FocalPoint.objects.get_or_create(user=user, defaults={"institute": institute, "is_sample": True})

    def _endorse(self, delegates: list[Delegate]) -> None:
        """The focal points endorse their government delegates, but for a decline and a few left waiting."""
        focal_points = {f.institute_id: f for f in FocalPoint.objects.filter(is_sample=True)}
        for delegate in delegates:
            focal_point = focal_points.get(delegate.institute_id)
            if focal_point is None or delegate.email in AWAITING_ENDORSEMENT:
                continue
            if delegate.email in DECLINED:
                endorsements.decline(
                    focal_point=focal_point, delegate_ids=[delegate.pk], reason=DECLINED[delegate.email]
                )
            else:
                endorsements.endorse(focal_point=focal_point, delegate_ids=[delegate.pk])

    def _event(self) -> Event:
        first, last = demo_dates(timezone.localdate())
        event = Event.objects.filter(slug=SLUG).first()
        if event is not None:
            if not event.name_fr or not event.name_ja:  # a demo loaded before these texts: add them
                Event.objects.filter(pk=event.pk).update(**EVENT_FRENCH, **EVENT_JAPANESE, **EVENT_KOREAN)
                event.refresh_from_db()
            return event

        tz = ZoneInfo(TZ)
        return Event.objects.create(
            slug=SLUG,
            name="Convening of the International Network of AI Safety Institutes (San Francisco, demo)",
            venue="Presidio Golden Gate Club, San Francisco",
            address="135 Fisher Loop, San Francisco, CA 94129, United States",
            time_zone=TZ,
            starts_on=first,
            ends_on=last,
            registration_opens_at=timezone.now() - timedelta(days=7),
            registration_closes_at=_at(first - timedelta(days=3), "23:59", tz),
            practical_information=(
                "Doors open at 08:15 each day; bring a government-issued photo ID for security.\n"
                "The venue is step-free. Lunch is served on site; tell us your dietary needs on your page."
            ),
            contact_email="registration@aisi-network.example",
            participant_list_visibility="link_only",
            endorsement_required=True,
            is_sample=True,
            **EVENT_FRENCH,
            **EVENT_JAPANESE,
            **EVENT_KOREAN,
        )

    def _agenda(self, event: Event) -> list[Session]:
        sessions = []
        tz = event.tz
        for day, start, end, title, tier, capacity, room, description in AGENDA:
            on = event.starts_on + timedelta(days=day)
            french = {}
            for code, texts in (("fr", FRENCH), ("ja", JAPANESE), ("ko", KOREAN)):
                translated_title, translated_room, translated_description = texts[title]
                french |= {
                    f"title_{code}": translated_title,
                    f"room_{code}": translated_room,
                    f"description_{code}": translated_description,
                }
            session, _ = Session.objects.get_or_create(
                event=event,
                title_en=title,
                defaults={
                    "title": title,
                    **french,
                    "starts_at": _at(on, start, tz),
                    "ends_at": _at(on, end, tz),
                    "access_tier": tier,
                    "capacity": capacity,
                    "room": room,
                    "description": description,
                },
            )
            if not session.title_fr or not session.title_ja:  # a demo loaded before these texts: add them
                Session.objects.filter(pk=session.pk).update(**french)
            sessions.append(session)
        return sessions

    def _delegates(self, event: Event, sessions: list[Session]) -> None:
        institutes = {i.iso_code: i for i in Institute.objects.all()}
        open_sessions = [s for s in sessions if s.access_tier == OPEN]
        delegates = []
        for n, (given, family, email, kind, affiliation, job, country) in enumerate(DELEGATES):
            government = kind == StakeholderType.GOVERNMENT
            allowed = sessions if government else open_sessions
            # Everybody asks for the plenary and a rotating handful, so the small sessions overflow
            # (never two at the same time: signup refuses a clash).
            wanted = [allowed[0]]
            for k in range(1, len(allowed)):
                candidate = allowed[(n + k) % len(allowed)]
                if len(wanted) < 4 and not any(services.sessions_overlap(candidate, s) for s in wanted):
                    wanted.append(candidate)
            outcome = services.register_delegate(
                event=event,
                details={
                    "given_name": given,
                    "family_name": family,
                    "email": email,
                    "stakeholder_type": kind,
                    "institute": institutes[affiliation] if government else None,
                    "organization": "" if government else affiliation,
                    "job_title": job,
                    "country": country,
                    "dietary_needs": ["", "Vegetarian", "Halal", "", "No nuts"][n % 5],
                    "accessibility_needs": "Step-free access" if n % 13 == 4 else "",
                    "needs_visa_letter": n % 7 == 3,
                    "consent_data_processing": True,
                    "consent_participant_list": n % 3 != 0,
                    "language": language_of(email),
                },
                sessions=wanted,
            )
            delegates.append(outcome.delegate)
        Delegate.objects.filter(pk__in=[d.pk for d in delegates]).update(is_sample=True)
        self._endorse([d for d in delegates if d.is_government])

        system = services.Actor.system()
        approve = [d.pk for n, d in enumerate(delegates) if n % 4 in (0, 1, 2) and n % 10 != 9]
        services.approve_delegates(delegate_ids=approve, actor=system)
        services.reject_delegates(
            delegate_ids=[delegates[9].pk, delegates[39].pk], actor=system, reason="The delegation is complete."
        )
        for d in (delegates[29], delegates[17]):
            d.refresh_from_db()
            services.withdraw_delegate(delegate=d, actor=services.Actor.delegate())
