"""Events, member institutes and sessions: what a convening offers, and to whom (the access tier)."""

import unicodedata
import zoneinfo
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registrations.models.reference_names import institute_name, member_name


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


def validate_latin_name(value: str) -> None:
    """A name as a passport prints it: Latin letters (accents allowed), spaces, hyphens, apostrophes
    and full stops; never another script (the name in its own script is the given and family names)."""
    for character in value:
        if character.isspace() or character in "-'’.":
            continue
        if not character.isalpha() or "LATIN" not in unicodedata.name(character, ""):
            raise ValidationError(
                _("Write the name as the passport prints it, in Latin letters (e.g. YAMADA Taro)."),
                code="not_latin",
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


def government_only(access_tier: str) -> bool:
    """Whether a session of this tier is for government delegates only (every tier but open)."""
    return access_tier != AccessTier.OPEN


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
    badge_activation_required = models.BooleanField(
        _("identity checked at the badge desk"),
        default=False,
        help_text=_(
            "Every door refuses a badge until the badge desk has checked its holder's identity document "
            "and activated it; the name as in the passport is then required for names not in Latin letters."
        ),
    )
    photo_required = models.BooleanField(
        _("photo required for a badge"),
        default=False,
        help_text=_("Delegates download their badge only once they have added a photo that was not refused."),
    )
    # The visa support letters' letterhead and terms (`outputs.visa_letter`).
    visa_host = models.CharField(
        _("host (letterhead)"), max_length=200, blank=True, help_text=_("Who invites, as the letterhead names it.")
    )
    visa_host_address = models.TextField(_("host's address (letterhead)"), blank=True)
    visa_signatory_name = models.CharField(_("signatory's name"), max_length=200, blank=True)
    visa_signatory_title = models.CharField(_("signatory's title"), max_length=200, blank=True)
    visa_purpose = models.TextField(_("purpose of the visit"), blank=True, help_text=_("As the visa letters state it."))
    visa_covered = models.TextField(_("what the host covers"), blank=True)
    visa_not_covered = models.TextField(_("what the host does not cover"), blank=True)
    # Until organizers mark it final, the list of participants says "provisional" with its date.
    participants_list_final_at = models.DateTimeField(_("list of participants final since"), null=True, blank=True)
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
        return f"{self.display_name} ({self.member_name})"

    @property
    def display_name(self) -> str:
        """The institute's name in the active language (the reference names are in the catalogs)."""
        return institute_name(self.name)

    @property
    def member_name(self) -> str:
        return member_name(self.member)

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
        """The one tier predicate (`rules`, forms, admin, door, exports, calendar files ask it): a
        session is for government delegates only unless its tier is open, so an unknown tier fails closed."""
        return government_only(self.access_tier)
