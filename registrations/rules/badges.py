"""Badge codes: what a delegate's QR code says, signed so that a door can tell a real badge from a
forged one.

A code is `B1.<event id>.<public id>.<version>.<signature>`, upper-case letters, digits and dots
only: QR's compact alphanumeric mode, and a hardware scanner types it on any keyboard layout. The
public id is the delegate's random UUID (base32), never a name or an email: a code read off a
photographed badge tells nothing about its owner. The version is the delegate's `badge_version`:
reissuing a lost badge raises it, and every door then refuses the older code.

The signature is an HMAC-SHA256 (cut to 120 bits) with `BADGE_SIGNING_KEY`. HMAC rather than
Ed25519: only the server ever verifies a code (offline doors look codes up in an admit list the
server computed, they never check signatures), so a public key buys nothing; the shared-key
signature is shorter (a smaller, faster-scanning QR), needs no extra library, and the key can be
rotated independently of Django's SECRET_KEY (rotating that must not void printed badges). Without
the variable (development), the key is derived from SECRET_KEY; `check --deploy` warns about it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import qrcode
from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.html import format_html

PREFIX = "B1"
SIGNATURE_BYTES = 15  # 120 bits: 24 base32 characters
CODE_PATTERN = re.compile(r"^B1\.([0-9]{1,12})\.([A-Z2-7]{26})\.([0-9]{1,6})\.([A-Z2-7]{24})$")
MAX_CODE_LENGTH = 100  # anything longer is not a badge code; it is not even looked at


@dataclass(frozen=True)
class BadgeRef:
    """What a genuine code names: an event, a delegate (by public id) and a badge version."""

    event_id: int
    public_id: uuid.UUID
    version: int


class InvalidBadge(Exception):
    """Not a code this server signed: malformed, truncated, or its signature does not match."""


@lru_cache(maxsize=4)
def _key(configured: str, secret_key: str) -> bytes:
    if configured:
        return configured.encode()
    return salted_hmac("registrations.badges", "badge signing key", secret=secret_key, algorithm="sha256").digest()


def signing_key() -> bytes:
    return _key(getattr(settings, "BADGE_SIGNING_KEY", ""), settings.SECRET_KEY)


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def _unb32(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8))


def _signature(payload: str) -> str:
    digest = hmac.new(signing_key(), f"badge:{payload}".encode(), hashlib.sha256).digest()
    return _b32(digest[:SIGNATURE_BYTES])


def make_code(*, event_id: int, public_id: uuid.UUID, version: int) -> str:
    payload = f"{PREFIX}.{event_id}.{_b32(public_id.bytes)}.{version}"
    return f"{payload}.{_signature(payload)}"


def code_for(delegate) -> str:
    """The delegate's current badge code."""
    return make_code(event_id=delegate.event_id, public_id=delegate.public_id, version=delegate.badge_version)


def normalize(text: str) -> str:
    """A code as typed by a scanner or a person: surrounding blanks dropped, letters upper-cased."""
    return "".join(str(text).split()).upper()[: MAX_CODE_LENGTH + 1]


def read(text: str) -> BadgeRef:
    """The event, delegate and version a code names; InvalidBadge unless this server signed it."""
    code = normalize(text)
    match = CODE_PATTERN.fullmatch(code) if len(code) <= MAX_CODE_LENGTH else None
    if match is None:
        raise InvalidBadge("malformed")
    event_id, public_id, version, signature = match.groups()
    payload = code.rsplit(".", 1)[0]
    if not hmac.compare_digest(signature, _signature(payload)):
        raise InvalidBadge("signature")
    try:
        raw = _unb32(public_id)
    except ValueError as error:
        raise InvalidBadge("malformed") from error
    return BadgeRef(event_id=int(event_id), public_id=uuid.UUID(bytes=raw[:16]), version=int(version))


def code_hash(code: str) -> str:
    """How an offline admit list names a code: its SHA-256 (the browser computes the same)."""
    return hashlib.sha256(normalize(code).encode()).hexdigest()


# --------------------------------------------------------------------------- the QR code


def qr_matrix(code: str) -> list[list[bool]]:
    """The QR code's modules (True: dark), no quiet zone. One encoder for the page, the PDF and the email."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(normalize(code))
    qr.make(fit=True)
    return qr.get_matrix()


def dark_runs(matrix: list[list[bool]]) -> Iterator[tuple[int, int, int]]:
    """(row, column, length) of each horizontal run of dark modules: fewer shapes to draw."""
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                yield y, start, x - start
            else:
                x += 1


QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks


def qr_svg(code: str, *, label: str = "") -> str:
    """The QR code as inline SVG markup: one path, attributes only (no style), so the page's
    Content Security Policy allows it."""
    matrix = qr_matrix(code)
    size = len(matrix) + 2 * QUIET_ZONE
    path = "".join(f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h{n}v1h-{n}z" for y, x, n in dark_runs(matrix))
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="badge-qr" role="img" '
        'aria-label="{label}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        '<path d="{path}" fill="#000"/></svg>',
        size=size,
        label=label,
        path=path,
    )
