"""What a focal point's nomination needs: a daily cap, and a second look at an address that is not
on the institute's official domains. The portal's form and `services.endorsements.nominate` ask the
same function: the form shows each refusal on its field, the service raises the first."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registrations.rules.identity import on_domains

# The field a refusal belongs to on the nomination form (None: the form as a whole).
OFF_DOMAIN = "off_domain"
CAPPED = "nominations_capped"


def nomination_refusals(
    *, email_key: str, domains: list[str], sent_in_last_day: int, daily_limit: int, off_domain_confirmed: bool
) -> Iterator[tuple[str | None, str, str]]:
    """(form field, refusal code, message) for each reason this nomination may not be sent now."""
    if sent_in_last_day >= daily_limit:
        yield (
            None,
            CAPPED,
            ngettext(
                "You have sent %(n)d nomination in the last 24 hours, the most one focal point may send in a "
                "day. Please try again tomorrow, or write to the organizers.",
                "You have sent %(n)d nominations in the last 24 hours, the most one focal point may send in a "
                "day. Please try again tomorrow, or write to the organizers.",
                sent_in_last_day,
            )
            % {"n": sent_in_last_day},
        )
    if domains and not off_domain_confirmed and not on_domains(email_key, domains):
        yield (
            "email",
            OFF_DOMAIN,
            _(
                "This address is not on your institute's official domains (%(domains)s). Check it; to send the "
                "invitation anyway, tick “Send to this address anyway”."
            )
            % {"domains": ", ".join(domains)},
        )
