"""The app's URLs plus two bench-only views that set the yardsticks for the ratios.

Both run through the same middleware as every page. Loaded only by `bench.settings`.
"""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as app_urlpatterns
from registrations.models import ActorKind, AuditEntry


def bare(request):
    """A constant string: the cheapest Django view."""
    return HttpResponse("bare")


@csrf_exempt
@require_POST
def insert(request):
    """Insert one row (in its own transaction) and answer: the yardstick for a signup's writes."""
    AuditEntry.objects.create(actor_kind=ActorKind.SYSTEM, action="bench_insert")
    return HttpResponse("inserted")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/insert/", insert),
    *app_urlpatterns,
]
