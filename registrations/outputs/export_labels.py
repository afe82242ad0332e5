"""The export's labels: codes to the words organizers read (stakeholder types, statuses, tiers,
country names, yes and no), in the active language; `TypedLabels` keeps numbers and moments typed
for spreadsheets."""

from __future__ import annotations

import zoneinfo

from django.utils.translation import gettext as _
from django_countries import countries

from registrations.models import AccessTier, DelegateStatus, Endorsement, SeatStatus, StakeholderType
from registrations.models.reference_names import institute_name, member_name

MOMENT_PATHS = frozenset({"created_at", "session__starts_at", "session__ends_at", "requested_at"})


class Labels:
    """Codes to the words organizers read, computed once per export (in the active language).

    This flavour writes text only (CSV): ids as digits, moments as ISO 8601 in the venue's zone.
    `TypedLabels` keeps numbers and moments typed for spreadsheets; the columns are the same.
    """

    def __init__(self):
        self.stakeholder = {value: str(label) for value, label in StakeholderType.choices}
        self.delegate_status = {value: str(label) for value, label in DelegateStatus.choices}
        self.seat_status = {value: str(label) for value, label in SeatStatus.choices}
        self.endorsement = {value: str(label) for value, label in Endorsement.choices}
        self.tier = {value: str(label) for value, label in AccessTier.choices}
        self.yes, self.no = _("yes"), _("no")
        self.verified, self.unverified = _("verified"), _("unverified")
        self._zones: dict[str, zoneinfo.ZoneInfo] = {}
        self._countries: dict[str, str] = {"": ""}

    def heading(self, header, path: str) -> str:
        return str(header)

    def moment(self, value, tz):
        return value.astimezone(tz).isoformat(timespec="seconds")

    def number(self, value):
        return "" if value is None else str(value)

    def zone(self, name: str) -> zoneinfo.ZoneInfo:
        tz = self._zones.get(name)
        if tz is None:
            tz = self._zones[name] = zoneinfo.ZoneInfo(name)
        return tz

    def country(self, code: str) -> str:
        name = self._countries.get(code)
        if name is None:
            name = self._countries[code] = str(countries.name(code)) or code
        return name

    def delegate_cells(self, row, tz) -> list[str]:
        (
            pk,
            given,
            family,
            email,
            stakeholder,
            institute,
            member,
            organization,
            job_title,
            country,
            status,
            endorsement,
            domain_verified,
            dietary,
            accessibility,
            visa,
            listed,
            created_at,
            event_name,
        ) = row
        if institute is None:
            institute = member = domain = ""
        else:
            domain = self.verified if domain_verified else self.unverified
            institute, member = institute_name(institute), member_name(member)  # in the file's language
        return [
            self.number(pk),
            given,
            family,
            email,
            self.stakeholder.get(stakeholder, stakeholder),
            institute,
            member,
            organization,
            job_title,
            self.country(country),
            self.delegate_status.get(status, status),
            # Only a government delegate is endorsed by a focal point; a guest's cell stays empty.
            self.endorsement.get(endorsement, endorsement) if institute else "",
            domain,
            dietary,
            accessibility,
            self.yes if visa else self.no,
            self.yes if listed else self.no,
            self.moment(created_at, tz),
            event_name,
        ]


class TypedLabels(Labels):
    """For spreadsheets: ids and waitlist positions as numbers, moments as dates and times in the
    venue's zone (a spreadsheet date has no zone, so the zone is named in the column's header)."""

    def __init__(self, zone_name: str | None = None):
        super().__init__()
        self.zone_name = zone_name

    def heading(self, header, path: str) -> str:
        if path not in MOMENT_PATHS:
            return str(header)
        if self.zone_name:
            return _("%(column)s (%(zone)s)") % {"column": header, "zone": self.zone_name}
        return _("%(column)s (venue time)") % {"column": header}

    def moment(self, value, tz):
        return value.astimezone(tz).replace(tzinfo=None)

    def number(self, value):
        return value
