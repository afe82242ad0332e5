"""The email identity: one canonical key per address (`Delegate.email_key`), used by validation,
duplicates, lookups, rate-limit keys and the official-domain check. Asked through `rules`."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from registrations.models import Institute
from registrations.rules.errors import InvalidEmail

# One identity per address. Django's EmailValidator matches the local part case-insensitively, so
# it lets through a few non-ASCII letters that fold to ASCII ones (the Kelvin sign "K" to k, the long
# s "ſ" to s, the dotless "ı" and dotted "İ" to i); Python's lower(), PostgreSQL's UPPER() and
# LOWER() each map them differently, so comparing addresses with any of them let one address
# pass for another. The canonical form is computed here, once, in Python, and stored
# (`Delegate.email_key`); every comparison is an equality on it. The rules:
#   1. the local part (before the @) is NFKC-normalized (the Kelvin sign becomes K, the long s an
#      s); it must then be plain ASCII (the dotless ı and dotted İ are refused: no mail provider
#      we know of hands those out) and not quoted ("alice"@... is refused: the same mailbox
#      written differently, or one that only a lenient server delivers);
#   2. the domain is lower-cased; an internationalized one must already be in the form IDNA looks
#      up (a full-width letter, an invisible space or a soft hyphen, which the lookup would drop
#      or fold, make a lookalike of another domain: refused);
#   3. the key is the local part lower-cased (ASCII only, so every lower() agrees) and the domain
#      in its ASCII (IDNA) form, so bücher.de and xn--bcher-kva.de are one domain.
MAX_EMAIL_LENGTH = 254


def _split(email: str) -> tuple[str, str]:
    """The address's local part and domain in canonical form, or InvalidEmail saying why not."""
    local, sep, domain = email.strip().rpartition("@")
    if not sep or not local or not domain:
        raise InvalidEmail(_("Enter a valid email address."))
    local = unicodedata.normalize("NFKC", local)
    if local.startswith('"') or local.endswith('"'):
        raise InvalidEmail(_("Write the email address without quotation marks."))
    if not local.isascii():
        raise InvalidEmail(
            _(
                "The part of the email address before the @ can only use plain letters (a-z), digits and "
                "punctuation; please check it for letters such as “ı” or “İ”."
            )
        )
    domain = domain.lower()
    if not domain.isascii() and _idna_round_trip(domain) != domain:
        raise InvalidEmail(
            _(
                "The part of the email address after the @ contains characters that change when it is "
                "looked up (such as full-width letters or invisible spaces); please type it again."
            )
        )
    try:
        validate_email(f"{local}@{domain}")
    except ValidationError:
        raise InvalidEmail(_("Enter a valid email address.")) from None
    if len(local) + 1 + len(_ascii_domain(domain)) > MAX_EMAIL_LENGTH:
        raise InvalidEmail(_("The email address is too long."))
    return local, domain


def _idna_round_trip(domain: str) -> str | None:
    try:
        return domain.encode("idna").decode("idna")
    except UnicodeError:
        return None


def _ascii_domain(domain: str) -> str:
    return domain if domain.isascii() else domain.encode("idna").decode("ascii")


def normalize_email(email: str) -> str:
    """The address as stored and written to: the local part NFKC-normalized, the domain lower-cased.

    Raises InvalidEmail for a quoted or non-ASCII local part (see above).
    """
    local, domain = _split(email)
    return f"{local}@{domain}"


def email_key(email: str) -> str:
    """The address's identity (`Delegate.email_key`): two addresses are the same delegate exactly
    when their keys are equal. Raises InvalidEmail like `normalize_email`."""
    local, domain = _split(email)
    return f"{local.lower()}@{_ascii_domain(domain)}"


def domain_key(domain: str) -> str:
    """An official domain as organizers type it (bücher.de, BÜCHER.DE., xn--bcher-kva.de), in the
    form an address's key holds it: lower-cased, no trailing dot, IDNA (ASCII). A domain IDNA cannot
    encode is kept lower-cased (no address's key can equal it)."""
    domain = domain.strip().lower().rstrip(".")
    try:
        return _ascii_domain(domain)
    except UnicodeError:
        return domain


def on_domains(email_key_value: str, domains: list[str]) -> bool:
    """Whether an address key's domain is one of `domains`, or a subdomain of one (one comparison,
    on the keys of both sides)."""
    domain = email_key_value.rsplit("@", 1)[-1]
    return any(domain == d or domain.endswith("." + d) for d in map(domain_key, domains))


def email_domain_matches(email: str, institute: Institute | None) -> bool:
    """True when the address is on one of the institute's official domains or their subdomains.

    Compared on the canonical key: a lookalike such as gov.uk.example.com, a trailing dot,
    non-ASCII lookalike letters (their IDNA form is another domain) or a quoted local part do not
    match.
    """
    if institute is None:
        return False
    try:
        key = email_key(email)
    except InvalidEmail:
        return False
    return on_domains(key, institute.domain_list)
