"""The client's address, read only from proxies we trust.

With TRUSTED_PROXY_COUNT = 0 (the default) the address is REMOTE_ADDR and any X-Forwarded-For
header is ignored, so a visitor cannot pick the address that rate limits and login lockouts count.
Behind N proxies, the address is the one the outermost trusted proxy saw: the N-th entry from the
right of X-Forwarded-For; whatever a client put to the left of it is ignored. An entry that is not
an IP address (a misconfigured proxy, or a client talking to the app directly) is not believed:
the address is then REMOTE_ADDR, so garbage never reaches the rate-limit or lockout tables.
"""

import ipaddress

from django.conf import settings

UNKNOWN = "0.0.0.0"  # noqa: S104 - a placeholder address, never bound


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip().split("%", 1)[0]))
    except ValueError:
        return None


def client_ip(request) -> str:
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            address = _valid(forwarded[-count])
            if address:
                return address
    return _valid(request.META.get("REMOTE_ADDR", "")) or UNKNOWN
