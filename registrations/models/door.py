"""The door: check-ins of badges at an event's entrance or a session."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registrations.models.delegates import Delegate
from registrations.models.events import Event, Session


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
