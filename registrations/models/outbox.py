"""The outbox and organizers' messages: emails waiting to be sent, lost-link requests, messages to a
group, saved views."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registrations.models.delegates import Delegate
from registrations.models.events import Event
from registrations.models.invitations import FocalPoint, Invitation


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
    PHOTO_REFUSED = "photo_refused", _("Photo refused")
    VISA_LETTER_ISSUED = "visa_letter_issued", _("Visa support letter issued")
    VISA_LETTER_DECLINED = "visa_letter_declined", _("Visa support letter declined")


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
