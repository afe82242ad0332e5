"""Request guards: malformed input gets a 400 page, a busy database a 503 page; never a 500 or a partial row."""

import re
from functools import lru_cache
from urllib.parse import parse_qsl, unquote_to_bytes

import csp.middleware
from csp.constants import HEADER as CSP_HEADER
from csp.constants import HEADER_REPORT_ONLY as CSP_HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.contrib.messages import middleware as messages_middleware
from django.contrib.messages.storage import default_storage
from django.core.signals import setting_changed
from django.db import InterfaceError, OperationalError, connection
from django.dispatch import receiver
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject, empty
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MULTIPART_CONTENT_TYPE = "multipart/form-data"
REPLACEMENT_CHARACTER = "\ufffd"
UTF8_NAMES = {"utf-8", "utf8"}
# Lookups (a "__" in the key, as the admin's filters use) that take a number. A value past what
# the database (a signed 64-bit integer) or Python's datetime (year 1 to 9999) can hold is refused
# here: Django would overflow deep in the query or the date hierarchy and answer with a 500.
INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")
INTEGER_LIMIT = 2**63 - 1
DATE_PART_LOOKUPS = ("__year", "__iso_year", "__month", "__day", "__week", "__week_day", "__iso_week_day", "__quarter")
DATE_PART = re.compile(r"\s*[+-]?[0-9]{1,4}\s*")


def _charset_is_utf8(request) -> bool:
    """No charset, or UTF-8: what our pages send. Django refuses other charsets (or decodes with
    them) while reading the body, in places where the error pages themselves read it again."""
    charset = request.content_params.get("charset")
    return charset is None or charset.strip().lower().replace("_", "-") in UTF8_NAMES


def _lookup_values_fit(query: str) -> bool:
    for key, value in parse_qsl(query, keep_blank_values=True):
        if "__" not in key:
            continue
        if key.endswith(DATE_PART_LOOKUPS) and value and not DATE_PART.fullmatch(value):
            if INTEGER.fullmatch(value):
                return False
        elif INTEGER.fullmatch(value) and abs(int(value)) > INTEGER_LIMIT:
            return False
    return True


def _is_utf8(raw: bytes, *, allow_nul: bool = True) -> bool:
    decoded = unquote_to_bytes(raw)
    if not allow_nul and b"\x00" in decoded:
        return False
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class MalformedRequestMiddleware:
    """Refuse a query string or form body that is not UTF-8, or a number no lookup can hold, with the 400 page.

    Django would otherwise decode it with replacement characters and store "�" in a name. The body
    is read only for url-encoded forms, whose size Django already caps (DATA_UPLOAD_MAX_MEMORY_SIZE:
    a larger body is refused with a 400 too). A NUL byte in the query string is refused as well:
    PostgreSQL cannot compare text with NUL, and query strings feed filters (the admin's) that no
    form validates. In form bodies, NUL is left to the forms, which answer with a message on the field.
    Multipart bodies are decoded by Django with replacement characters, so a "\ufffd" in one of their
    fields is refused the same way. A body declared in another charset (`charset=utf-16`, or one
    Python does not know) is refused before anything reads it. A lookup in the query string (the
    admin's filters and date hierarchy) with a number past what the database or a date can hold is
    refused too. A body declared larger than MAX_REQUEST_BODY_BYTES (a 10 MB photo and the form
    around it) is refused with a 413 before anything reads it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _declared_length(request) > settings.MAX_REQUEST_BODY_BYTES:
            # Before anything reads it (the CSRF check would write a large multipart body to disk).
            return render(request, "413.html", {"limit_mb": settings.MAX_REQUEST_BODY_BYTES // 2**20}, status=413)
        query = request.META.get("QUERY_STRING", "")
        raw_query = query.encode("latin-1", "replace") if isinstance(query, str) else query
        malformed = not _is_utf8(raw_query, allow_nul=False) or not _charset_is_utf8(request)
        if not malformed:
            malformed = not _lookup_values_fit(query)
        if not malformed and request.method == "POST" and request.content_type == FORM_CONTENT_TYPE:
            malformed = not _is_utf8(request.body)
        elif not malformed and request.method == "POST" and request.content_type == MULTIPART_CONTENT_TYPE:
            # Django has already replaced undecodable bytes here; "\ufffd" is what is left of them.
            malformed = any(REPLACEMENT_CHARACTER in value for values in request.POST.lists() for value in values[1])
        if malformed:
            return render(request, "400.html", status=400)
        return self.get_response(request)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _database_vendor() -> str:
    return connection.vendor


def database_unavailable(exception) -> bool:
    """True when the database cannot serve now, as opposed to a fault of the request or of the code.

    SQLite: a locked database. PostgreSQL: any OperationalError (its classes 08, 53, 57 and 58: the
    connection lost or refused, the server starting up or shutting down, out of resources), and an
    InterfaceError (a connection the server closed). Django closes the broken connection when the
    request ends, so the next request connects afresh.
    """
    if isinstance(exception, OperationalError) and "locked" in str(exception).lower():
        return True
    if _database_vendor() != "postgresql":
        return False
    return isinstance(exception, OperationalError | InterfaceError)


class DatabaseBusyMiddleware:
    """A database that is locked or cannot be reached, or an unreachable Redis (page cache, rate-limit
    counters), gets the 503 page with Retry-After: the visitor is told to try again, never shown a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_unavailable(exception) or isinstance(exception, RedisConnectionError | RedisTimeoutError):
            response = render(request, "503.html", status=503)
            response["Retry-After"] = "5"
            return response
        return None


# --------------------------------------------------------------------------- what public pages pay for
# Profiled on an anonymous GET (bench/profile.py, bench/README.md): django-csp rebuilds the same
# policy string from the settings twice per response (enforced and report-only), and Django's
# messages middleware builds its cookie and session storages (a signer, a cookie parse) for every
# request, though almost no page reads or adds a message. Both classes below do the same work only
# when it can differ: the headers they write, and the messages stored, are the same as the
# libraries' own.


@lru_cache(maxsize=1)
def _settings_policies() -> tuple[str, str] | None:
    """The policy headers the settings alone give (enforced, report-only), or None when the settings
    exclude URL prefixes (then every response takes django-csp's own path)."""
    for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        if (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES"):
            return None
    return build_policy(), build_policy(report_only=True)


@receiver(setting_changed)
def _policies_changed(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "DEBUG":
        _settings_policies.cache_clear()


# The attributes through which django-csp's decorators change one response's policy.
_CSP_PER_RESPONSE = frozenset(
    f"_csp_{part}{suffix}" for part in ("config", "update", "replace", "exempt") for suffix in ("", "_ro")
)


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware, with the settings' policy built once per process instead of twice per
    response. A response with its own policy (csp_update, csp_replace, csp_exempt ...), a request that
    used a nonce, excluded URL prefixes or DEBUG (its error pages) take the library's own path."""

    def process_response(self, request, response):
        policies = None if settings.DEBUG else _settings_policies()
        own = getattr(request, "_csp_nonce", None) is not None or not _CSP_PER_RESPONSE.isdisjoint(vars(response))
        if policies is None or own:
            return super().process_response(request, response)
        policy, report_only = policies
        if policy and CSP_HEADER not in response:
            response[CSP_HEADER] = policy
        if report_only and CSP_HEADER_REPORT_ONLY not in response:
            response[CSP_HEADER_REPORT_ONLY] = report_only
        # As the library does: a nonce asked for after the header was written is an error, not a silent gap.
        request.csp_nonce = csp.middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


class MessageMiddleware(messages_middleware.MessageMiddleware):
    """Django's messages middleware, with the storage built on first use.

    A request that neither reads nor adds a message leaves its storage untouched (the library's
    `update` would store nothing either: nothing used, nothing added), so it is not built at all.
    """

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        stored = getattr(request, "_messages", None)
        if isinstance(stored, SimpleLazyObject) and stored._wrapped is empty:
            return response
        return super().process_response(request, response)
