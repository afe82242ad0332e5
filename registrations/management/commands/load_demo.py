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

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone, translation

from registrations import selectors, services
from registrations.models import (
    AccessTier,
    Delegate,
    Event,
    FocalPoint,
    GuestRegistration,
    Institute,
    Invitation,
    OutboundEmail,
    Session,
    StakeholderType,
)
from registrations.services import endorsements, invitations

SLUG = "san-francisco-convening"
TZ = "America/Los_Angeles"
GOV, OPEN = AccessTier.GOVERNMENT_ONLY, AccessTier.OPEN

# (day, start, end, title, tier, capacity, room, description)
AGENDA = [
    (
        0,
        "09:00",
        "09:45",
        "Opening plenary",
        OPEN,
        120,
        "Main hall",
        "Welcome by the hosts and the Network's mission statement.",
    ),
    (
        0,
        "10:00",
        "11:30",
        "Mission and priorities of the Network",
        GOV,
        40,
        "Presidio room",
        "Members agree the Network's priority areas for its first year.",
    ),
    (
        0,
        "10:00",
        "11:30",
        "Managing risks from synthetic content",
        OPEN,
        60,
        "Main hall",
        "Research agenda and funding for synthetic-content risk mitigation.",
    ),
    (
        0,
        "13:00",
        "14:30",
        "Joint testing of frontier models: lessons from the first exercise",
        GOV,
        6,
        "Room 2",
        "Results of the Network's first joint testing exercise.",
    ),
    (
        0,
        "15:00",
        "16:30",
        "Risk assessment science: methods and gaps",
        OPEN,
        5,
        "Room 3",
        "Experts from academia and civil society on the state of risk assessment.",
    ),
    (
        0,
        "16:45",
        "17:30",
        "Heads of delegation",
        GOV,
        12,
        "Presidio room",
        "Closed session of the heads of delegation.",
    ),
    (
        1,
        "09:00",
        "10:30",
        "Evaluations and benchmarks: a technical session",
        OPEN,
        8,
        "Room 3",
        "Shared methods for evaluating advanced AI systems.",
    ),
    (
        1,
        "09:00",
        "10:30",
        "Information-sharing protocols among institutes",
        GOV,
        25,
        "Presidio room",
        "How institutes share evaluation results securely.",
    ),
    (
        1,
        "11:00",
        "12:30",
        "Road to the Paris AI Action Summit",
        OPEN,
        100,
        "Main hall",
        "What the Network brings to the AI Action Summit in February 2025.",
    ),
    (
        1,
        "13:30",
        "15:00",
        "Joint statement drafting",
        GOV,
        30,
        "Presidio room",
        "Members finalize the joint statement.",
    ),
]

# The French text of each session, by its English title: (title, room, description).
FRENCH = {
    "Opening plenary": (
        "Séance plénière d'ouverture",
        "Grande salle",
        "Mot de bienvenue des hôtes et déclaration de mission du Réseau.",
    ),
    "Mission and priorities of the Network": (
        "Mission et priorités du Réseau",
        "Salle Presidio",
        "Les membres arrêtent les domaines prioritaires du Réseau pour sa première année.",
    ),
    "Managing risks from synthetic content": (
        "Gestion des risques liés aux contenus synthétiques",
        "Grande salle",
        "Programme de recherche et financement de la réduction des risques liés aux contenus synthétiques.",
    ),
    "Joint testing of frontier models: lessons from the first exercise": (
        "Essais conjoints de modèles de pointe\u00a0: enseignements du premier exercice",
        "Salle 2",
        "Résultats du premier exercice d'essais conjoints du Réseau.",
    ),
    "Risk assessment science: methods and gaps": (
        "Science de l'évaluation des risques\u00a0: méthodes et lacunes",
        "Salle 3",
        "Des experts du milieu universitaire et de la société civile font le point sur l'évaluation des risques.",
    ),
    "Heads of delegation": (
        "Chefs de délégation",
        "Salle Presidio",
        "Séance à huis clos des chefs de délégation.",
    ),
    "Evaluations and benchmarks: a technical session": (
        "Évaluations et bancs d'essai\u00a0: séance technique",
        "Salle 3",
        "Méthodes communes d'évaluation des systèmes d'IA avancés.",
    ),
    "Information-sharing protocols among institutes": (
        "Protocoles d'échange d'information entre instituts",
        "Salle Presidio",
        "Comment les instituts échangent leurs résultats d'évaluation en toute sécurité.",
    ),
    "Road to the Paris AI Action Summit": (
        "En route vers le Sommet pour l'action sur l'IA de Paris",
        "Grande salle",
        "Ce que le Réseau apporte au Sommet pour l'action sur l'IA de février 2025.",
    ),
    "Joint statement drafting": (
        "Rédaction de la déclaration commune",
        "Salle Presidio",
        "Les membres mettent au point la déclaration commune.",
    ),
}

EVENT_FRENCH = {
    "name_fr": "Réunion du Réseau international des instituts de sécurité de l'IA (San Francisco, démonstration)",
    "venue_fr": "Presidio Golden Gate Club, San Francisco",
    "address_fr": "135 Fisher Loop, San Francisco, CA 94129, États-Unis",
    "practical_information_fr": (
        "Les portes ouvrent à 8 h 15 chaque jour\u202f; munissez-vous d'une pièce d'identité officielle avec photo "
        "pour le contrôle de sécurité.\n"
        "Le lieu est accessible de plain-pied. Le déjeuner est servi sur place\u202f; "
        "indiquez vos besoins alimentaires sur votre page."
    ),
}

# Sample delegates whose emails are in French (by email address).
FRENCH_SPEAKERS = {
    "elodie.tremblay@ised-isde.gc.ca",
    "marc-andre.gagnon@ised-isde.gc.ca",
    "helene.dubois@numerique.gouv.fr",
    "francois.lefevre@inria.fr",
    "camille.moreau@example.edu",
    "isabelle.cote@example.ca",
    "chloe.bernard@example.com",
}

# (given, family, email local part or full address, type, ISO code or organization, job title, country)
DELEGATES = [
    ("Amelia", "Clarke", "amelia.clarke@industry.gov.au", "government", "AU", "Assistant Secretary", "AU"),
    ("Liam", "O'Connor", "liam.oconnor@gmail.example", "government", "AU", "Policy Officer", "AU"),
    ("Élodie", "Tremblay", "elodie.tremblay@ised-isde.gc.ca", "government", "CA", "Director", "CA"),
    ("Marc-André", "Gagnon", "marc-andre.gagnon@ised-isde.gc.ca", "government", "CA", "Senior Analyst", "CA"),
    ("Lucía", "Fernández", "lucia.fernandez@ec.europa.eu", "government", "EU", "Head of Unit", "BE"),
    ("Jan", "Kowalski", "jan.kowalski@ec.europa.eu", "government", "EU", "Policy Officer", "PL"),
    ("Hélène", "Dubois", "helene.dubois@numerique.gouv.fr", "government", "FR", "Conseillère", "FR"),
    ("François", "Lefèvre", "francois.lefevre@inria.fr", "government", "FR", "Directeur de recherche", "FR"),
    ("健太", "佐藤", "k.sato@ipa.go.jp", "government", "JP", "Director, J-AISI", "JP"),
    ("美咲", "田中", "m.tanaka@ipa.go.jp", "government", "JP", "Researcher", "JP"),
    ("Wanjiru", "Kamau", "w.kamau@ict.go.ke", "government", "KE", "Principal Secretary's Adviser", "KE"),
    ("Otieno", "Odhiambo", "otieno.odhiambo@ict.go.ke", "government", "KE", "ICT Officer", "KE"),
    ("지훈", "김", "jihoon.kim@etri.re.kr", "government", "KR", "Principal Researcher", "KR"),
    ("서연", "이", "seoyeon.lee@msit.go.kr", "government", "KR", "Deputy Director", "KR"),
    ("Wei Ling", "Tan", "weiling.tan@imda.gov.sg", "government", "SG", "Director", "SG"),
    ("Arjun", "Nair", "arjun.nair@ntu.edu.sg", "government", "SG", "Research Fellow", "SG"),
    ("Oliver", "Bennett", "oliver.bennett@dsit.gov.uk", "government", "GB", "Deputy Director", "GB"),
    ("Priya", "Shah", "priya.shah@aisi.gov.uk", "government", "GB", "Research Scientist", "GB"),
    ("Emily", "Johnson", "emily.johnson@nist.gov", "government", "US", "Program Manager", "US"),
    ("Michael", "Rivera", "michael.rivera@commerce.gov.evil.example", "government", "US", "Adviser", "US"),
    (
        "Sofia",
        "Rossi",
        "sofia.rossi@example.org",
        "civil_society",
        "Centre for Responsible Technology",
        "Programme Lead",
        "IT",
    ),
    ("Kwame", "Mensah", "kwame.mensah@example.org", "civil_society", "African AI Policy Forum", "Director", "GH"),
    ("Ingrid", "Johansson", "ingrid.johansson@example.org", "civil_society", "Nordic Digital Rights", "Counsel", "SE"),
    ("Mateo", "García", "mateo.garcia@example.org", "civil_society", "Fundación Datos Abiertos", "Researcher", "ES"),
    ("Zoë", "Müller", "zoe.mueller@example.org", "civil_society", "AlgorithmWatch Demo", "Policy Lead", "DE"),
    ("Ananya", "Iyer", "ananya.iyer@example.org", "civil_society", "Open Safety Collective", "Coordinator", "IN"),
    ("Noah", "Williams", "noah.williams@example.org", "civil_society", "Public Interest AI", "Analyst", "US"),
    ("Camille", "Moreau", "camille.moreau@example.edu", "academia", "Sorbonne Université", "Professor", "FR"),
    ("Hiroshi", "山本", "h.yamamoto@example.ac.jp", "academia", "University of Tokyo", "Associate Professor", "JP"),
    ("민준", "박", "minjun.park@example.ac.kr", "academia", "KAIST", "Professor", "KR"),
    ("Grace", "Ochieng", "grace.ochieng@example.ac.ke", "academia", "University of Nairobi", "Lecturer", "KE"),
    ("Thomas", "Wright", "thomas.wright@example.ac.uk", "academia", "University of Oxford", "Senior Fellow", "GB"),
    ("Isabelle", "Côté", "isabelle.cote@example.ca", "academia", "Mila", "Research Director", "CA"),
    ("Daniel", "Cohen", "daniel.cohen@example.edu", "academia", "Stanford University", "PhD Candidate", "US"),
    ("Sarah", "Lim", "sarah.lim@example.com", "industry", "Frontier Lab Inc.", "Head of Policy", "SG"),
    ("James", "Anderson", "james.anderson@example.com", "industry", "Model Systems Ltd", "Safety Lead", "GB"),
    ("Laura", "Schmidt", "laura.schmidt@example.com", "industry", "Compute GmbH", "Engineer", "DE"),
    ("Ryo", "鈴木", "ryo.suzuki@example.co.jp", "industry", "Kaisha AI K.K.", "Researcher", "JP"),
    ("Chloé", "Bernard", "chloe.bernard@example.com", "industry", "Start-up IA SAS", "CEO", "FR"),
    ("David", "Kim", "david.kim@example.com", "industry", "Cloud Scale Corp.", "Director", "US"),
]


# The focal point whose login `make run` prints (demo_admin).
DEMO_FOCAL_POINT = "focal-gb"
# Government delegates the focal points leave awaiting endorsement, and the one they decline.
AWAITING_ENDORSEMENT = {"michael.rivera@commerce.gov.evil.example", "arjun.nair@ntu.edu.sg"}
DECLINED = {"liam.oconnor@gmail.example": "Not a member of our institute's staff."}


def focal_point_username(institute: Institute) -> str:
    return f"focal-{institute.iso_code.lower()}"


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

    def _invitations(self, event: Event, sessions: list[Session]) -> None:
        """Invitations as an organizer would make them: a personal one holding seats, an organization
        code for three people, one still a draft, one declined."""
        system = services.Actor.system()
        open_sessions = [s for s in sessions if s.access_tier == OPEN]
        seats_left = selectors.seats_left_by_session(event)
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
        invitations.send_invitations(invitation_ids=[made[0].pk, made[1].pk, made[3].pk], actor=system)
        invitations.decline_invitation(invitation=made[3], reason="Travelling that week.")

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
            if not event.name_fr:  # a demo loaded before the French texts: add them
                Event.objects.filter(pk=event.pk).update(**EVENT_FRENCH)
                event.refresh_from_db()
            return event
        from zoneinfo import ZoneInfo

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
        )

    def _agenda(self, event: Event) -> list[Session]:
        sessions = []
        tz = event.tz
        for day, start, end, title, tier, capacity, room, description in AGENDA:
            on = event.starts_on + timedelta(days=day)
            title_fr, room_fr, description_fr = FRENCH[title]
            french = {"title_fr": title_fr, "room_fr": room_fr, "description_fr": description_fr}
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
            if not session.title_fr:  # a demo loaded before the French texts: add them
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
                    "language": "fr" if email in FRENCH_SPEAKERS else "en",
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
