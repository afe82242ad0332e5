"""The client's address, read only from proxies we trust.

With TRUSTED_PROXY_COUNT = 0 (the default) the address is REMOTE_ADDR and any X-Forwarded-For
header is ignored, so a visitor cannot pick the address that rate limits and login lockouts count.
Behind N proxies, the address is the one the outermost trusted proxy saw: the N-th entry from the
right of X-Forwarded-For; whatever a client put to the left of it is ignored.
"""

from django.conf import settings


def client_ip(request) -> str:
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")
