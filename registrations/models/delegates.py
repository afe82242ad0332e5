"""Delegates and their seats: a registration, its status and endorsement, and each session asked for."""

import secrets
import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from registrations import l10n
from registrations.models.events import (
    Event,
    Institute,
    Session,
    StakeholderType,
    validate_latin_name,
    validate_no_direction_controls,
)


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


class IdentityDocument(models.TextChoices):
    """The document a badge desk checked (its kind only: no number is stored)."""

    PASSPORT = "passport", _("Passport")
    DIPLOMATIC_PASSPORT = "diplomatic_passport", _("Diplomatic or official passport")
    NATIONAL_ID = "national_id", _("National identity card")
    LAISSEZ_PASSER = "laissez_passer", _("Laissez-passer")
    OTHER = "other", _("Other official photo identity document")


def photo_storage():
    """Delegates' photos: a storage of their own (settings.STORAGES["photos"]), outside every public
    path; served only through permission-checked views (`web.photos`)."""
    return storages["photos"]


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
    # The name as in the passport, in Latin letters ("YAMADA Taro"): badges, the door, the badge desk,
    # visa letters and the list of participants print it beside a name in another script.
    passport_name = models.CharField(
        _("name as in the passport"),
        max_length=200,
        blank=True,
        validators=[validate_no_direction_controls, validate_latin_name],
        help_text=_("In Latin letters, as printed in the passport (e.g. YAMADA Taro)."),
    )
    email = models.EmailField(_("email"), max_length=254)
    # The address's identity, `rules.email_key(email)`: written by the services with the
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
    # Set by the institute's focal point (portal) or an organizer (admin), through `services.participants`.
    head_of_delegation = models.BooleanField(
        _("head of delegation"),
        default=False,
        help_text=_("Listed first in the delegation on the list of participants."),
    )
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
    # The photo (re-encoded by `services.photos`: no EXIF, a fixed size) and the small copy a door's
    # offline admit list carries for admissible badges. Erased with the rest of the personal data.
    photo = models.FileField(_("photo"), storage=photo_storage, blank=True, editable=False, max_length=100)
    photo_thumbnail = models.BinaryField(blank=True, default=b"", editable=False)
    photo_added_at = models.DateTimeField(_("photo added"), null=True, blank=True, editable=False)
    photo_refusal = models.CharField(
        _("why the photo was refused"),
        max_length=500,
        blank=True,
        editable=False,
        help_text=_("Set when an organizer refuses a photo; cleared when the delegate sends another."),
    )
    # The badge desk: the identity document checked once, by whom and when; the badge version that
    # check activated (a reissued badge needs its own activation).
    badge_activated_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    identity_checked_at = models.DateTimeField(_("identity checked"), null=True, blank=True, editable=False)
    identity_checked_by_name = models.CharField(_("identity checked by"), max_length=150, blank=True, editable=False)
    identity_document = models.CharField(
        _("identity document"), max_length=24, choices=IdentityDocument, blank=True, editable=False
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
            ("activate_badge", "Can check identity documents and activate badges at the badge desk"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        """The name in its own culture's order: "Taro Yamada", "山田 太郎", "김민준" (`l10n.person_name`)."""
        return l10n.person_name(self.given_name, self.family_name)

    @property
    def is_government(self) -> bool:
        return self.stakeholder_type == StakeholderType.GOVERNMENT

    @property
    def badge_activated(self) -> bool:
        """The badge in the holder's hands (its current version) was activated at the badge desk."""
        return self.badge_activated_version == self.badge_version

    @property
    def affiliation(self) -> str:
        """The institute with its member ("AI Safety Institute (United Kingdom)"), else the organization."""
        return str(self.institute) if self.institute_id else self.organization


# A delegate's personal data: what the retention purge empties and "download my data" returns.
PERSONAL_DATA_FIELDS = (
    "given_name",
    "family_name",
    "passport_name",
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
    "photo_refusal",
)
# The photo is personal data too: its file and small copy are removed by `services.photos.erase`.


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
    `rules.SEAT_TRANSITIONS`), called by the decisions and the delegate's own changes.
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
