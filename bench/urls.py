"""The app's URLs plus bench-only views: two set the yardsticks for the ratios, one is the control
of the lost-link timing bench.

Both run through the same middleware as every page. Loaded only by `bench.settings`.
"""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bench.peer.views import TextbookSignupView, done
from config.urls import urlpatterns as app_urlpatterns
from registrations import queries, services
from registrations.models import ActorKind, AuditEntry
from registrations.public.forms import LostLinkForm


def bare(request):
    """A constant string: the cheapest Django view."""
    return HttpResponse("bare")


@csrf_exempt
@require_POST
def insert(request):
    """Insert one row (in its own transaction) and answer: the yardstick for a signup's writes."""
    AuditEntry.objects.create(actor_kind=ActorKind.SYSTEM, action="bench_insert")
    return HttpResponse("inserted")


@require_POST
def lost_link_inline(request):
    """The control of the lost-link timing bench: the form as it was, looking the address up and
    writing the audit entry and the email inside the request (a timing oracle)."""
    form = LostLinkForm(request.POST)
    if form.is_valid():
        services.send_status_link(
            event=queries.current_event(), email=form.cleaned_data["email"], actor=services.Actor.delegate()
        )
    return redirect("registrations:lost_link_sent")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/insert/", insert),
    path("bench/lost-link-inline/", lost_link_inline),
    # The textbook peer (bench/peer/): the tutorial's signup, for the *_vs_textbook_ratio lines.
    path("bench/textbook/register/", TextbookSignupView.as_view(), name="textbook_register"),
    path("bench/textbook/done/", done, name="textbook_done"),
    *app_urlpatterns,
]
