"""A database that stays busy beyond its timeout gets a clean 503 page, never a 500 or a partial row."""

from django.db import OperationalError
from django.shortcuts import render


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError) and "locked" in str(exception).lower():
            response = render(request, "503.html", status=503)
            response["Retry-After"] = "5"
            return response
        return None
