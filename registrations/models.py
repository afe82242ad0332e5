"""The registration domain: events, institutes, sessions, delegates and their seats.

Models hold fields, choices and database constraints only. Every state change (approval, seats,
waitlist, withdrawal) goes through `registrations.services`, which writes the audit trail.
"""

import secrets
import uuid
import zoneinfo
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone (e.g. America/Los_Angeles)."), params={"value": value}
        )


# Bidirectional embeddings, overrides and isolates reorder what follows them on screen: "Eve\u202eliv"
# shows as "Evevil". Legitimate names never need them (the plain marks U+200E/U+200F stay allowed).
DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def validate_no_direction_controls(value: str) -> None:
    if any(character in DIRECTION_CONTROLS for character in value):
        raise ValidationError(
            _("Remove the invisible text-direction characters: they can make a name display as something else."),
            code="direction_control",
        )


class StakeholderType(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    ACADEMIA = "academia", _("Academia")
    INDUSTRY = "industry", _("Industry")


class AccessTier(models.TextChoices):
    GOVERNMENT_ONLY = "government_only", _("Government only")
    OPEN = "open", pgettext_lazy("access tier", "Open")


class ParticipantListVisibility(models.TextChoices):
    HIDDEN = "hidden", _("Not published")
    LINK_ONLY = "link_only", _("Registered delegates only (through their private link)")
    PUBLIC = "public", _("Public")


class GuestRegistration(models.TextChoices):
    """Who among civil society, academia and industry may register without an invitation."""

    INVITATION_ONLY = "invitation_only", _("By invitation only")
    OPEN = "open", _("Open, with the organizers' approval")
    CLOSED = "closed", _("Closed")


class Event(models.Model):
    """A convening. Created, changed and deleted through `services.events` (audited; an event with
    registrations is never deleted)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    venue = models.CharField(max_length=200)
    address = models.CharField(
        _("street address"),
        max_length=300,
        blank=True,
        help_text=_("The venue's street address, shown to delegates with a link to a map."),
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    starts_on = models.DateField()
    ends_on = models.DateField()
    registration_opens_at = models.DateTimeField()
    registration_closes_at = models.DateTimeField()
    practical_information = models.TextField(
        blank=True,
        help_text=_("Doors, ID, lunch: shown on the agenda, on delegates' status pages and in the approval email."),
    )
    contact_email = models.EmailField(blank=True)
    retention_days = models.PositiveIntegerField(
        default=180, help_text=_("Personal data is purged this many days after the event ends.")
    )
    participant_list_visibility = models.CharField(
        max_length=16, choices=ParticipantListVisibility, default=ParticipantListVisibility.HIDDEN
    )
    guest_registration = models.CharField(
        _("guests without an invitation"),
        max_length=16,
        choices=GuestRegistration,
        default=GuestRegistration.OPEN,
        help_text=_(
            "Whether civil society, academia and industry participants may register without an invitation. "
            "Government delegates are not affected."
        ),
    )
    endorsement_required = models.BooleanField(
        _("endorsement required"),
        default=False,
        help_text=_(
            "Government delegates are approved only once a focal point of their institute has endorsed them "
            "(organizers may override with a reason)."
        ),
    )
    is_sample = models.BooleanField(_("sample data"), default=False, help_text=_("Demo data, safe to delete."))
    # What the cached public pages key on (registrations/pagecache.py): every write to the event, its
    # sessions or the institutes raises it through `public_version.bump`, in the writer's transaction.
    public_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="event_ends_after_start",
                violation_error_message=_("The event cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(registration_closes_at__gt=F("registration_opens_at")),
                name="event_registration_closes_after_opening",
                violation_error_message=_("Registration must close after it opens."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def is_registration_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.registration_opens_at <= at < self.registration_closes_at

    @property
    def map_url(self) -> str:
        """A search for the street address on OpenStreetMap (a link, no embedded map or script)."""
        if not self.address:
            return ""
        return "https://www.openstreetmap.org/search?" + urlencode({"query": self.address})

    @property
    def retention_ends_at(self):
        end_of_event = datetime.combine(self.ends_on, time.max, tzinfo=self.tz)
        return end_of_event + timedelta(days=self.retention_days)


class Institute(models.Model):
    """A member's government-backed AI safety institute or equivalent government office.

    Changed through `services.save_institute` (audited).
    """

    member = models.CharField(max_length=100, help_text=_("The Network member, e.g. Japan."))
    iso_code = models.CharField(
        _("ISO code"), max_length=2, unique=True, help_text=_("ISO 3166 code; EU for the European Union.")
    )
    name = models.CharField(max_length=200)
    email_domains = models.CharField(
        max_length=500,
        help_text=_("Official email domains, separated by semicolons (subdomains are accepted)."),
    )
    delegate_quota = models.PositiveIntegerField(
        default=8, help_text=_("Most approved government delegates per event.")
    )

    class Meta:
        ordering = ["member"]
        verbose_name = _("member institute")
        verbose_name_plural = _("member institutes")

    def __str__(self):
        return f"{self.name} ({self.member})"

    @property
    def domain_list(self) -> list[str]:
        return [d.strip().lower().rstrip(".") for d in self.email_domains.replace(",", ";").split(";") if d.strip()]


class Session(models.Model):
    """A part of the convening with its access tier and seats. Created, changed and deleted through
    `services.sessions` (`create_session`, `update_session`, `delete_sessions`): a capacity is never
    below the confirmed seats, a move to government-only cancels guests' seats, and a deletion
    cancels every seat with notice."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("event"))
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    room = models.CharField(max_length=100, blank=True)
    access_tier = models.CharField(max_length=20, choices=AccessTier, default=AccessTier.OPEN)
    capacity = models.PositiveIntegerField(
        validators=[MinValueValidator(1)],
        help_text=_("Seats, at least 1. It cannot be set below the seats already confirmed."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "title"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("A session must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="session_capacity_positive",
                violation_error_message=_("A session needs at least one seat."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_government_only(self) -> bool:
        return self.access_tier == AccessTier.GOVERNMENT_ONLY


class DelegateStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# A registration still in play: the delegate may change it and the organizers may decide on it.
ACTIVE_DELEGATE_STATUSES = (DelegateStatus.PENDING, DelegateStatus.APPROVED)


class Endorsement(models.TextChoices):
    """Where a government delegate stands with their institute's focal points (`services.endorsements`)."""

    PENDING = "pending", _("Awaiting endorsement")
    ENDORSED = "endorsed", _("Endorsed")
    DECLINED = "declined", _("Declined by the institute")
    OVERRIDDEN = "overridden", _("Approved without endorsement")


def new_link_secret() -> str:
    return secrets.token_urlsafe(16)


class Delegate(models.Model):
    """A person's registration for one event.

    Its status changes only through `services.decisions` (approve, reject, return to pending,
    withdraw), its details through `services.delegates` (signup, `update_delegate_details`) and
    `services.organizer_edits` (`create_delegate`, `update_delegate`), its erasure through
    `services.retention`.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="delegates", verbose_name=_("event"))
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    link_secret = models.CharField(
        max_length=32, default=new_link_secret, editable=False, help_text=_("Rotated to revoke the private link.")
    )
    given_name = models.CharField(_("given name"), max_length=100, validators=[validate_no_direction_controls])
    family_name = models.CharField(_("family name"), max_length=100, validators=[validate_no_direction_controls])
    email = models.EmailField(_("email"), max_length=254)
    # The address's identity, `services.rules.email_key(email)`: written by the services with the
    # email, compared by equality everywhere (duplicates, lookups, rate limits), unique per event.
    email_key = models.CharField(max_length=254, editable=False)
    stakeholder_type = models.CharField(_("stakeholder type"), max_length=20, choices=StakeholderType)
    institute = models.ForeignKey(
        Institute,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delegates",
        verbose_name=_("institute"),
    )
    organization = models.CharField(
        _("organization"), max_length=200, blank=True, validators=[validate_no_direction_controls]
    )
    job_title = models.CharField(
        _("job title"), max_length=200, blank=True, validators=[validate_no_direction_controls]
    )
    country = CountryField(_("country"), blank=True)
    dietary_needs = models.CharField(_("dietary needs"), max_length=500, blank=True)
    accessibility_needs = models.CharField(_("accessibility needs"), max_length=500, blank=True)
    needs_visa_letter = models.BooleanField(_("visa support letter requested"), default=False)
    consent_data_processing = models.BooleanField(_("consent to data processing"), default=False)
    consent_participant_list = models.BooleanField(_("listed as a participant"), default=False)
    status = models.CharField(max_length=16, choices=DelegateStatus, default=DelegateStatus.PENDING)
    invitation = models.ForeignKey(
        "Invitation",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="delegates",
        verbose_name=_("invitation"),
        help_text=_("The invitation this delegate registered through; it limits their sessions to those it covers."),
    )
    decision_reason = models.TextField(
        _("reason given"),
        blank=True,
        editable=False,
        help_text=_("The reason the organizers gave with a rejection, shown on the delegate's status page."),
    )
    email_domain_verified = models.BooleanField(
        default=False, help_text=_("The email is on one of the institute's official domains.")
    )
    # The institute's word on a government delegate; changed only through `services.endorsements`
    # (a focal point endorses or declines, an organizer overrides). Guests stay "pending" and it
    # means nothing for them (`rules.endorsement_refusal` asks only of government delegates).
    endorsement = models.CharField(_("endorsement"), max_length=16, choices=Endorsement, default=Endorsement.PENDING)
    endorsement_reason = models.TextField(
        _("endorsement note"),
        blank=True,
        help_text=_("The focal point's reason to decline, or the organizer's to override."),
    )
    endorsement_at = models.DateTimeField(null=True, blank=True, editable=False)
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the emails and calendar files sent to this delegate."),
    )
    is_sample = models.BooleanField(_("sample data"), default=False, help_text=_("Demo data."))
    anonymized_at = models.DateTimeField(null=True, blank=True, editable=False)
    badge_version = models.PositiveIntegerField(
        _("badge version"),
        default=1,
        editable=False,
        help_text=_("Raised when a badge is reissued: every door refuses the older badges."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("delegate")
        verbose_name_plural = _("delegates")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email_key"],
                name="delegate_email_key_unique_per_event",
                violation_error_message=_("A delegate with this email is already registered for this event."),
            ),
            # A row written without its key would be nobody's duplicate: refuse it outright.
            models.CheckConstraint(condition=~Q(email_key=""), name="delegate_email_key_set"),
            models.CheckConstraint(
                condition=(Q(stakeholder_type=StakeholderType.GOVERNMENT) & Q(institute__isnull=False))
                | (~Q(stakeholder_type=StakeholderType.GOVERNMENT) & Q(institute__isnull=True)),
                name="delegate_institute_iff_government",
                violation_error_message=_(
                    "Government delegates need an institute; other stakeholder types must not have one."
                ),
            ),
            models.CheckConstraint(
                condition=Q(stakeholder_type=StakeholderType.GOVERNMENT)
                | ~Q(organization="")
                | Q(anonymized_at__isnull=False),
                name="delegate_organization_required_for_non_government",
                violation_error_message=_("Civil society, academia and industry delegates need an organization."),
            ),
            models.CheckConstraint(
                condition=Q(consent_data_processing=True) | Q(anonymized_at__isnull=False),
                name="delegate_consent_required",
                violation_error_message=_("A delegate can only be registered with consent to data processing."),
            ),
        ]
        indexes = [
            # (event, status) lookups, and the dashboard's "pending the longest" queue read in order.
            models.Index(fields=["event", "status", "created_at"]),
            models.Index(fields=["event", "stakeholder_type"]),
        ]
        permissions = [
            ("decide_delegate", "Can approve, reject and return delegates to pending"),
            ("export_delegate", "Can export attendee lists"),
            ("message_delegate", "Can message delegates"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def is_government(self) -> bool:
        return self.stakeholder_type == StakeholderType.GOVERNMENT

    @property
    def affiliation(self) -> str:
        """The institute with its member ("AI Safety Institute (United Kingdom)"), else the organization."""
        return str(self.institute) if self.institute_id else self.organization


# A delegate's personal data: what the retention purge empties and "download my data" returns.
PERSONAL_DATA_FIELDS = (
    "given_name",
    "family_name",
    "email",
    "organization",
    "job_title",
    "country",
    "dietary_needs",
    "accessibility_needs",
    "needs_visa_letter",
    "consent_data_processing",
    "consent_participant_list",
    "decision_reason",
    "endorsement_reason",
)


class SeatStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")


# A seat asked for, held or waited for: everything but cancelled.
ACTIVE_SEAT_STATUSES = (SeatStatus.REQUESTED, SeatStatus.CONFIRMED, SeatStatus.WAITLISTED)


class CancelReason(models.TextChoices):
    DROPPED = "dropped", _("Dropped by the delegate")
    WITHDRAWN = "withdrawn", _("Delegate withdrew")
    REJECTED = "rejected", _("Registration rejected")
    INELIGIBLE = "ineligible", _("No longer eligible for this session")
    SESSION_DELETED = "session_deleted", _("Session cancelled by the organizers")
    CLASH = "clash", _("At the same time as another session asked for first")


class SessionRegistration(models.Model):
    """A delegate's request for a seat in one session, and where it stands.

    Its status changes only through `services.seats` (`SeatChanges.move`, checked against
    `services.rules.SEAT_TRANSITIONS`), called by the decisions and the delegate's own changes.
    """

    delegate = models.ForeignKey(
        Delegate, on_delete=models.CASCADE, related_name="session_registrations", verbose_name=_("delegate")
    )
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("session")
    )
    status = models.CharField(max_length=16, choices=SeatStatus, default=SeatStatus.REQUESTED)
    cancel_reason = models.CharField(max_length=16, choices=CancelReason, blank=True)
    requested_at = models.DateTimeField(default=timezone.now, help_text=_("Waitlists are first come, first served."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session__starts_at"]
        verbose_name = _("session registration")
        verbose_name_plural = _("session registrations")
        constraints = [
            models.UniqueConstraint(fields=["delegate", "session"], name="session_registration_unique_pair"),
        ]
        indexes = [models.Index(fields=["session", "status", "requested_at"])]

    def __str__(self):
        return f"{self.delegate} - {self.session} ({self.get_status_display()})"


class InvitationKind(models.TextChoices):
    PERSONAL = "personal", _("Personal (one person, used once)")
    ORGANIZATION = "organization", _("Organization code (several people)")


class InvitationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    OPENED = "opened", _("Opened")
    REGISTERED = "registered", _("Registered")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


# An invitation that can still be used (and whose held seats are still held).
LIVE_INVITATION_STATUSES = (
    InvitationStatus.DRAFT,
    InvitationStatus.SENT,
    InvitationStatus.OPENED,
    InvitationStatus.REGISTERED,
)

# The stakeholder types an invitation is for (government delegates come through their institutes).
GUEST_TYPES = (StakeholderType.CIVIL_SOCIETY, StakeholderType.ACADEMIA, StakeholderType.INDUSTRY)


class Invitation(models.Model):
    """An invitation for civil society, academia or industry guests to named sessions.

    Created, changed, sent, revoked and used only through `services.invitations`; the sessions a
    guest may attend are asked of `services.rules` (`may_attend(..., invitation=...)`). The link
    carries a signed token of `public_id` and `secret` (`registrations.links.invitation_token`),
    never the numeric id.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("event"))
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    secret = models.CharField(max_length=32, default=new_link_secret, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=InvitationKind, default=InvitationKind.PERSONAL)
    email = models.EmailField(_("email"), max_length=254, blank=True, help_text=_("Personal invitations only."))
    email_domains = models.CharField(
        _("email domains"),
        max_length=500,
        blank=True,
        help_text=_(
            "Organization codes only: if given, only addresses on these domains (separated by semicolons; "
            "subdomains are accepted) may use the code."
        ),
    )
    name = models.CharField(_("invitee name"), max_length=200, blank=True, validators=[validate_no_direction_controls])
    organization = models.CharField(_("organization"), max_length=200, validators=[validate_no_direction_controls])
    stakeholder_type = models.CharField(
        _("stakeholder type"), max_length=20, choices=[(t.value, t.label) for t in GUEST_TYPES]
    )
    # A nomination: a personal government invitation a focal point sends for their institute
    # (`services.endorsements.nominate`); guests' invitations have none.
    institute = models.ForeignKey(
        Institute,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="nominations",
        verbose_name=_("institute"),
        editable=False,
    )
    nominated_by = models.ForeignKey(
        "FocalPoint", on_delete=models.SET_NULL, null=True, blank=True, related_name="nominations", editable=False
    )
    sessions = models.ManyToManyField(Session, related_name="invitations", verbose_name=_("sessions covered"))
    max_uses = models.PositiveIntegerField(
        _("uses"), default=1, validators=[MinValueValidator(1)], help_text=_("How many people may register with it.")
    )
    uses = models.PositiveIntegerField(_("used"), default=0, editable=False)
    holds_seats = models.BooleanField(
        _("hold seats"),
        default=False,
        help_text=_(
            "Hold a seat in every covered session for each unused place until the invitation is used, "
            "declined, revoked or expires."
        ),
    )
    pre_approved = models.BooleanField(
        _("pre-approved"), default=True, help_text=_("Confirm the guest at signup; otherwise they wait for review.")
    )
    expires_at = models.DateTimeField(_("expires"))
    status = models.CharField(max_length=16, choices=InvitationStatus, default=InvitationStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    declined_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the invitation and its reminders (the invitee chooses their own at signup)."),
    )
    is_sample = models.BooleanField(_("sample data"), default=False, help_text=_("Demo data."))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "event",
                condition=Q(kind="personal"),
                name="invitation_personal_email_unique_per_event",
                violation_error_message=_("This address already has a personal invitation to this event."),
            ),
            models.CheckConstraint(
                condition=(Q(kind="personal") & ~Q(email="") & Q(max_uses=1)) | Q(kind="organization"),
                name="invitation_personal_has_one_email_and_use",
                violation_error_message=_("A personal invitation is for one address, used once."),
            ),
            models.CheckConstraint(
                condition=Q(uses__lte=F("max_uses")),
                name="invitation_uses_within_limit",
                violation_error_message=_("An invitation cannot be used more often than it allows."),
            ),
        ]
        indexes = [models.Index(fields=["event", "status"]), models.Index(fields=["status", "expires_at"])]

    def __str__(self):
        who = self.name or (self.email if self.is_personal else self.organization) or self.email
        return f"{who} ({self.get_kind_display().split(' (')[0]})"

    @property
    def is_personal(self) -> bool:
        return self.kind == InvitationKind.PERSONAL

    @property
    def domain_list(self) -> list[str]:
        return [d.strip().lower().rstrip(".") for d in self.email_domains.replace(",", ";").split(";") if d.strip()]

    @property
    def places_left(self) -> int:
        return max(self.max_uses - self.uses, 0)

    @cached_property
    def covered_session_ids(self) -> frozenset[int]:
        """The ids of the sessions this invitation covers (one query per instance, none when the
        sessions were prefetched)."""
        return frozenset(session.pk for session in self.sessions.all())


class FocalPoint(models.Model):
    """A person who acts for one institute in the institute portal (/institute/): endorses or declines
    its government delegates and nominates colleagues. Never staff. Created by organizers in the
    admin; `is_active` off ends their access at the next request."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="focal_point", verbose_name=_("account")
    )
    institute = models.ForeignKey(
        Institute, on_delete=models.CASCADE, related_name="focal_points", verbose_name=_("institute")
    )
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Off: the portal refuses them at once."))
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the notices sent to this focal point."),
    )
    # When the last "new registrations" digest went out (`services.endorsements.queue_digests`).
    last_digest_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_sample = models.BooleanField(_("sample data"), default=False, help_text=_("Demo data."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["institute__member", "user__username"]
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")

    def __str__(self):
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.institute.member})"

    @property
    def email(self) -> str:
        return self.user.email


class ActorKind(models.TextChoices):
    ORGANIZER = "organizer", _("Organizer")
    DELEGATE = "delegate", _("Delegate")
    SYSTEM = "system", _("System")
    DOOR_STAFF = "door_staff", _("Door staff")
    FOCAL_POINT = "focal_point", _("Focal point")


class AuditAction(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    DUPLICATE_SIGNUP = "duplicate_signup", _("Tried to register again")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrew")
    RETURNED_TO_PENDING = "returned_to_pending", _("Returned to pending")
    SEAT_REQUESTED = "seat_requested", _("Seat requested again")
    SEAT_CONFIRMED = "seat_confirmed", _("Seat confirmed")
    SEAT_WAITLISTED = "seat_waitlisted", _("Put on the waitlist")
    SEAT_CANCELLED = "seat_cancelled", _("Seat cancelled")
    SESSION_ADDED = "session_added", _("Asked for a session")
    DETAILS_CHANGED = "details_changed", _("Details changed")
    CAPACITY_CHANGED = "capacity_changed", _("Capacity changed")
    SESSION_CHANGED = "session_changed", _("Session changed")
    SESSION_CREATED = "session_created", _("Session added")
    SESSION_DELETED = "session_deleted", _("Session deleted")
    EVENT_CREATED = "event_created", _("Event added")
    EVENT_CHANGED = "event_changed", _("Event changed")
    EVENT_DELETED = "event_deleted", _("Event deleted")
    INSTITUTE_CHANGED = "institute_changed", _("Institute changed")
    EXPORT = "export", _("Exported a list")
    LINK_RESENT = "link_resent", _("Private link sent again")
    LINK_REPLACED = "link_replaced", _("Private link replaced")
    ERASED = "erased", _("Delegates deleted")
    PERSONAL_DATA_PURGED = "personal_data_purged", _("Personal data erased (retention)")
    INVITATION_CREATED = "invitation_created", _("Invitation created")
    INVITATION_CHANGED = "invitation_changed", _("Invitation changed")
    INVITATIONS_IMPORTED = "invitations_imported", _("Invitations imported")
    INVITATION_SENT = "invitation_sent", _("Invitation sent")
    INVITATION_REMINDED = "invitation_reminded", _("Invitation reminder sent")
    INVITATION_OPENED = "invitation_opened", _("Invitation opened")
    INVITATION_USED = "invitation_used", _("Registered through an invitation")
    INVITATION_DECLINED = "invitation_declined", _("Invitation declined")
    MESSAGE_SENT = "message_sent", _("Message sent to delegates")
    INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
    INVITATION_EXPIRED = "invitation_expired", _("Invitation expired")
    BADGE_REISSUED = "badge_reissued", _("Badge reissued")
    CHECKED_IN = "checked_in", _("Checked in")
    CHECK_IN_UNDONE = "check_in_undone", _("Check-in undone")
    CHECK_IN_CONFLICT = "check_in_conflict", _("Admitted twice while offline")
    ENDORSED = "endorsed", _("Endorsed by the institute")
    ENDORSEMENT_DECLINED = "endorsement_declined", _("Declined by the institute")
    ENDORSEMENT_OVERRIDDEN = "endorsement_overridden", _("Approved without endorsement")
    NOMINATED = "nominated", _("Nominated by the institute")
    FOCAL_POINT_CHANGED = "focal_point_changed", _("Focal point changed")


class AuditEntry(models.Model):
    """Who changed what, when, from which status to which, and why. Written by the services only."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("event")
    )
    actor_kind = models.CharField(_("made by"), max_length=16, choices=ActorKind)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organizer account"),
    )
    actor_name = models.CharField(_("who"), max_length=150, blank=True, help_text=_("Kept when the user is deleted."))
    action = models.CharField(_("what"), max_length=50, choices=AuditAction)
    delegate = models.ForeignKey(
        Delegate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("delegate"),
    )
    session = models.ForeignKey(
        Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("session")
    )
    invitation = models.ForeignKey(
        Invitation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("invitation"),
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or self.actor_kind}: {self.action}"


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (gave up)")


class EmailKind(models.TextChoices):
    REGISTRATION_RECEIVED = "registration_received", _("Registration received")
    ALREADY_REGISTERED = "already_registered", _("Already registered (second signup)")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PROMOTED = "promoted", _("Promoted from the waitlist")
    SEATS_CANCELLED = "seats_cancelled", _("Seats cancelled")
    WITHDRAWN = "withdrawn", _("Withdrawal confirmed")
    LOST_LINK = "lost_link", _("Private link")
    UNDER_REVIEW = "under_review", _("Back under review")
    SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
    SEATS_CLASHED = "seats_clashed", _("Seats cancelled for a clash")
    INVITATION = "invitation", _("Invitation")
    INVITATION_REMINDER = "invitation_reminder", _("Invitation reminder")
    ORGANIZER_MESSAGE = "organizer_message", _("Message from the organizers")
    BADGE_REISSUED = "badge_reissued", _("Badge reissued")
    FOCAL_POINT_ACTIVATION = "focal_point_activation", _("Focal point: activation link")
    FOCAL_POINT_DIGEST = "focal_point_digest", _("Focal point: new registrations and decisions")


class OutboundEmail(models.Model):
    """A durable outbox: written in the decision's transaction, delivered after it commits.

    The message is rendered when it is delivered, from `kind` and `context`, so a bulk decision
    stays cheap and the email shows the delegate's situation at sending time.
    """

    kind = models.CharField(_("message"), max_length=32, choices=EmailKind)
    delegate = models.ForeignKey(
        Delegate, on_delete=models.CASCADE, null=True, blank=True, related_name="emails", verbose_name=_("delegate")
    )
    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, null=True, blank=True, related_name="emails", verbose_name=_("invitation")
    )
    focal_point = models.ForeignKey(
        FocalPoint,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
        verbose_name=_("focal point"),
    )
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=EmailStatus, default=EmailStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(delegate__isnull=False, invitation__isnull=True, focal_point__isnull=True)
                | Q(delegate__isnull=True, invitation__isnull=False, focal_point__isnull=True)
                | Q(delegate__isnull=True, invitation__isnull=True, focal_point__isnull=False),
                name="outbound_email_one_recipient",
                violation_error_message=_("An email goes to one delegate, invitee or focal point."),
            ),
        ]

    def __str__(self):
        if self.invitation_id:
            return f"{self.kind} to invitation {self.invitation_id} ({self.status})"
        if self.focal_point_id:
            return f"{self.kind} to focal point {self.focal_point_id} ({self.status})"
        return f"{self.kind} to delegate {self.delegate_id} ({self.status})"

    @property
    def recipient(self):
        if self.focal_point_id:
            return self.focal_point
        return self.invitation if self.invitation_id else self.delegate

    @property
    def event(self):
        if self.focal_point_id:  # a focal point's notices are about their institute, across events
            return None
        return self.recipient.event


class LostLinkRequest(models.Model):
    """Someone asked for the private link of an address (the lost-link form).

    The form writes this one row whatever the address, so the answer takes as long for a
    registered address as for an unknown one; the email worker (`services.resolve_lost_link_requests`,
    run by `send_queued_emails`) looks the address up, sends the link or drops the request, and
    deletes the row.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+", verbose_name=_("event"))
    email_key = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("lost-link request")
        verbose_name_plural = _("lost-link requests")

    def __str__(self):
        return f"lost link request {self.pk}"


class DelegateMessage(models.Model):
    """A message the organizers wrote to a group of delegates (`services.messages.send_message`).

    One row per message, whatever the number of recipients; each recipient gets one outbox email
    (`EmailKind.ORGANIZER_MESSAGE`) rendered from it with their own names, sessions and private link.
    `idempotency_key` comes from the form that was previewed: a second submit of the same form finds
    this row and queues nothing.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="messages", verbose_name=_("event"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), max_length=20_000)
    idempotency_key = models.UUIDField(unique=True, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_by_name = models.CharField(max_length=150, blank=True)
    scope = models.JSONField(default=dict, blank=True, help_text=_("The filter or selection the group came from."))
    recipients = models.ManyToManyField(Delegate, related_name="messages_received", blank=True)
    recipient_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message to delegates")
        verbose_name_plural = _("messages to delegates")

    def __str__(self):
        return self.subject


class SavedView(models.Model):
    """A delegate-list filter saved under a name ("UK pending"), for its owner or for every organizer."""

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    shared = models.BooleanField(_("shared with all organizers"), default=False)
    querystring = models.CharField(_("filter"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_unique_per_owner")]

    def __str__(self):
        return self.name


class CheckIn(models.Model):
    """A delegate let in at a door: into one session, or through the venue entrance (no session).

    Written and undone only through `services.door` (audited). One standing check-in per delegate and
    session (and one at the entrance): the database refuses a second, so two doors scanning the same
    badge at once record one. An undone check-in stays, with who undid it and why.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("event"))
    delegate = models.ForeignKey(
        Delegate, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("delegate")
    )
    session = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="check_ins",
        verbose_name=_("session"),
        help_text=_("Empty: the venue entrance."),
    )
    door = models.CharField(_("door"), max_length=100)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    by_name = models.CharField(_("checked in by"), max_length=150, blank=True)
    scanned_at = models.DateTimeField(_("scanned at"), default=timezone.now)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    offline = models.BooleanField(_("scanned offline"), default=False)
    scan_id = models.CharField(
        max_length=64, blank=True, db_index=True, help_text=_("The door's own id of an offline scan (sent once).")
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by_name = models.CharField(_("undone by"), max_length=150, blank=True)
    undo_reason = models.CharField(_("why undone"), max_length=500, blank=True)

    class Meta:
        ordering = ["-scanned_at", "-id"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["delegate", "session"],
                condition=Q(session__isnull=False, undone_at__isnull=True),
                name="checkin_once_per_session",
                violation_error_message=_("This delegate is already checked in to this session."),
            ),
            models.UniqueConstraint(
                fields=["delegate"],
                condition=Q(session__isnull=True, undone_at__isnull=True),
                name="checkin_once_at_entrance",
                violation_error_message=_("This delegate is already checked in at the venue entrance."),
            ),
        ]
        indexes = [models.Index(fields=["event", "session", "undone_at"])]
        permissions = [("check_in", "Can check delegates in at the door")]

    def __str__(self):
        return f"{self.delegate} at {self.door}"
