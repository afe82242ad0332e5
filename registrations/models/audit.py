"""The audit trail: who changed what, when, from what to what, and why."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registrations.models.delegates import Delegate
from registrations.models.events import Event, Session
from registrations.models.invitations import Invitation


class ActorKind(models.TextChoices):
    ORGANIZER = "organizer", _("Organizer")
    DELEGATE = "delegate", _("Delegate")
    SYSTEM = "system", _("System")
    DOOR_STAFF = "door_staff", _("Door staff")
    FOCAL_POINT = "focal_point", _("Focal point")
    BADGE_DESK = "badge_desk", _("Badge desk")


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
    PHOTO_ADDED = "photo_added", _("Photo added")
    PHOTO_REFUSED = "photo_refused", _("Photo refused")
    BADGE_ACTIVATED = "badge_activated", _("Identity checked, badge activated")
    VISA_LETTER_REQUESTED = "visa_letter_requested", _("Visa support letter requested")
    VISA_LETTER_ISSUED = "visa_letter_issued", _("Visa support letter issued")
    VISA_LETTER_DECLINED = "visa_letter_declined", _("Visa support letter declined")
    VISA_LETTER_REVOKED = "visa_letter_revoked", _("Visa support letter revoked")
    VISA_DATA_ERASED = "visa_data_erased", _("Passport details erased")
    HEAD_OF_DELEGATION_SET = "head_of_delegation_set", _("Head of delegation changed")
    PARTICIPANTS_LIST_DOWNLOADED = "participants_list_downloaded", _("List of participants downloaded")
    PARTICIPANTS_LIST_FINAL = "participants_list_final", _("List of participants marked final")


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
