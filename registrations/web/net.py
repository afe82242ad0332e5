"""The client's address, read only from proxies we trust.

With TRUSTED_PROXY_COUNT = 0 (the default) the address is REMOTE_ADDR and any X-Forwarded-For
header is ignored, so a visitor cannot pick the address that rate limits and login lockouts count.
Behind N proxies, the address is the one the outermost trusted proxy saw: the N-th entry from the
right of X-Forwarded-For; whatever a client put to the left of it is ignored. An entry that is not
an IP address (a misconfigured proxy, or a client talking to the app directly) is not believed:
the address is then REMOTE_ADDR, so garbage never reaches the rate-limit or lockout tables.

Limits count a *client*, not an address: one IPv6 host usually holds a whole /64 and can pick a new
address in it for every request. `client_network` names an IPv6 client by its /64 (the network's
first address), as django-ratelimit's "ip" key does for the signup limit: both read the prefix from
settings.IPV6_CLIENT_PREFIX. An IPv4 address (or an IPv4-mapped IPv6 one) stays itself.
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


def client_network(request) -> str:
    """The client as limits count it: an IPv4 address, or the first address of an IPv6 client's /64."""
    address = ipaddress.ip_address(client_ip(request))
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{settings.IPV6_CLIENT_PREFIX}", strict=False).network_address)
    return str(address)
