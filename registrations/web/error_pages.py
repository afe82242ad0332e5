"""The 400, 403, 404 and 500 pages, without reading the request body.

Django's default handlers are wrapped in `requires_csrf_token`, which runs the CSRF check again and
so reads the form body again: a body Django refused to read the first time (a charset it will not
decode, too many fields) raised again inside the 400 page and became a 500. Our error templates
hold no form and need no token, so these handlers leave the body alone.
"""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # As Django's own: no request context, so a broken database or session cannot break this page.
    return HttpResponseServerError(loader.get_template("500.html").render())
