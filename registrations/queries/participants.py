"""The list of participants, read in the order it is printed, in the active language.

The members in that language's alphabetical order, each delegation under its member and institute
(the head of delegation first, then by family name), then the invited experts by stakeholder type and
organization. Approved delegates only; those who did not agree to be listed
(`consent_participant_list`) are only counted, per delegation. Reads value tuples, not model
instances, so 5,000 participants stay a few megabytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from registrations import l10n
from registrations.models import DelegateStatus, Event, Institute, StakeholderType
from registrations.rules.documents import collation_key


@dataclass(frozen=True)
class Participant:
    name: str  # in its culture's order (`l10n.person_name`)
    passport_name: str  # beside a name in another script than Latin, else empty
    position: str
    head: bool


@dataclass
class Group:
    """One delegation (a member's institute) or one organization of invited experts."""

    heading: str  # the member, or the stakeholder type
    subheading: str  # the institute, or the organization
    participants: list[Participant] = field(default_factory=list)
    unlisted: int = 0  # approved, not agreeing to be listed
    institute_id: int | None = None
    kind: str = StakeholderType.GOVERNMENT


FIELDS = (
    "given_name",
    "family_name",
    "passport_name",
    "job_title",
    "head_of_delegation",
    "consent_participant_list",
    "stakeholder_type",
    "institute_id",
    "organization",
)


def _participant(given, family, passport, job_title, head) -> Participant:
    shown = l10n.person_name(given, family)
    beside = passport.strip() if passport and l10n.family_name_first(given, family) else ""
    return Participant(name=shown, passport_name=beside, position=job_title, head=head)


def _order(participant: Participant, family: str) -> tuple:
    return (not participant.head, collation_key(family), collation_key(participant.name))


def participants_list(event: Event, *, institute: Institute | None = None) -> Iterator[Group]:
    """The list's groups in printed order; with `institute`, that delegation's section only."""
    delegates = event.delegates.filter(status=DelegateStatus.APPROVED, anonymized_at__isnull=True)
    if institute is not None:
        delegates = delegates.filter(institute=institute)
    institutes = {i.pk: i for i in Institute.objects.all()}
    groups: dict[tuple, Group] = {}
    families: dict[int, list[tuple]] = {}
    for given, family, passport, job, head, listed, kind, institute_id, organization in (
        delegates.order_by().values_list(*FIELDS).iterator(chunk_size=2000)
    ):
        if kind == StakeholderType.GOVERNMENT:
            key = ("0", institute_id)
            if key not in groups:
                found = institutes[institute_id]
                groups[key] = Group(found.member_name, found.display_name, institute_id=institute_id)
        else:
            key = ("1", kind, organization.strip())
            if key not in groups:
                groups[key] = Group(str(StakeholderType(kind).label), organization.strip(), kind=kind)
        group = groups[key]
        if listed:
            participant = _participant(given, family, passport, job, head)
            group.participants.append(participant)
            families.setdefault(id(group), []).append((_order(participant, family), participant))
        else:
            group.unlisted += 1
    for group in groups.values():
        group.participants = [p for _key, p in sorted(families.get(id(group), []), key=lambda pair: pair[0])]
    types = list(StakeholderType.values)
    yield from sorted(
        groups.values(),
        key=lambda g: (
            g.institute_id is None,
            types.index(g.kind),
            collation_key(g.heading if g.institute_id else g.subheading),
            collation_key(g.subheading),
        ),
    )
