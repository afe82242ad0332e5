"""Invitations to guests and nominations, and institutes' focal points."""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from registrations.models.delegates import new_link_secret
from registrations.models.events import (
    Event,
    Institute,
    Session,
    StakeholderType,
    validate_latin_name,
    validate_no_direction_controls,
)


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
    guest may attend are asked of `rules` (`may_attend(..., invitation=...)`). The link
    carries a signed token of `public_id` and `secret` (`registrations.queries.links.invitation_token`),
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
    # A focal point's nominee: the name as in the passport, carried into their signup form.
    passport_name = models.CharField(
        _("name as in the passport"),
        max_length=200,
        blank=True,
        validators=[validate_no_direction_controls, validate_latin_name],
        help_text=_("In Latin letters, as printed in the passport (e.g. YAMADA Taro)."),
    )
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
        _("pre-approved"),
        default=False,
        help_text=_("Confirm the guest at signup, with no review; otherwise they wait for an organizer's decision."),
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
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.institute.member_name})"

    @property
    def email(self) -> str:
        return self.user.email
