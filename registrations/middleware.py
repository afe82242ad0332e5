"""Request guards: malformed input gets a 400 page, a busy database a 503 page; never a 500 or a partial row."""

from urllib.parse import unquote_to_bytes

from django.db import OperationalError
from django.shortcuts import render
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MULTIPART_CONTENT_TYPE = "multipart/form-data"
REPLACEMENT_CHARACTER = "\ufffd"


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
    """Refuse a query string or form body that is not UTF-8 with the 400 page.

    Django would otherwise decode it with replacement characters and store "�" in a name. The body
    is read only for url-encoded forms, whose size Django already caps (DATA_UPLOAD_MAX_MEMORY_SIZE:
    a larger body is refused with a 400 too). A NUL byte in the query string is refused as well:
    PostgreSQL cannot compare text with NUL, and query strings feed filters (the admin's) that no
    form validates. In form bodies, NUL is left to the forms, which answer with a message on the field.
    Multipart bodies are decoded by Django with replacement characters, so a "\ufffd" in one of their
    fields is refused the same way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        raw_query = query.encode("latin-1", "replace") if isinstance(query, str) else query
        malformed = not _is_utf8(raw_query, allow_nul=False)
        if (
            not malformed
            and request.method == "POST"
            and request.content_type == FORM_CONTENT_TYPE
            and request.content_params.get("charset", "utf-8").lower().replace("_", "-") in {"utf-8", "utf8"}
        ):
            malformed = not _is_utf8(request.body)
        elif not malformed and request.method == "POST" and request.content_type == MULTIPART_CONTENT_TYPE:
            # Django has already replaced undecodable bytes here; "\ufffd" is what is left of them.
            malformed = any(REPLACEMENT_CHARACTER in value for values in request.POST.lists() for value in values[1])
        if malformed:
            return render(request, "400.html", status=400)
        return self.get_response(request)


class DatabaseBusyMiddleware:
    """A locked database, or an unreachable Redis (rate-limit counters), gets the 503 page with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        busy_database = isinstance(exception, OperationalError) and "locked" in str(exception).lower()
        if busy_database or isinstance(exception, RedisConnectionError | RedisTimeoutError):
            response = render(request, "503.html", status=503)
            response["Retry-After"] = "5"
            return response
        return None
