"""The lost-link form: a delegate who lost their private link asks for it again by address.

One LostLinkRequest row is written whatever the address (the email worker resolves it), so the
answer tells nobody whether an address is registered; limits per client and per address.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.decorators import ratelimit

from registrations import queries, services
from registrations.public.forms import LostLinkForm

# A tampered link is not a page we know (404); a revoked or expired one was, and is gone (410).


# How often the lost-link form may be used: per client address, and per email address asked about.
# (settings, from the environment: a ministry or the venue's Wi-Fi puts many delegates behind one address).
def lost_link_rate_per_ip(group, request) -> str:
    return settings.LOST_LINK_RATE_PER_IP


def lost_link_rate_per_email(group, request) -> str:
    return settings.LOST_LINK_RATE_PER_EMAIL


def lost_link_email(group, request) -> str:
    """The rate-limit key of the lost-link form: the address's identity, as the lookup compares it
    (`services.email_key`), so no spelling of one address gets a limit of its own. An address
    without one identity is refused by the form and sends nothing; it is counted as written."""
    email = request.POST.get("email", "")
    try:
        return services.email_key(email)
    except services.InvalidEmail:
        return email.strip().lower()


@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit(group="lost_link_ip", key="ip", rate=lost_link_rate_per_ip, method="POST", block=False)
@ratelimit(group="lost_link_email", key=lost_link_email, rate=lost_link_rate_per_email, method="POST", block=False)
def lost_link(request):
    """Send the private link again. The answer is the same whether or not the address is registered."""
    event = queries.current_event()
    if event is None:
        raise Http404(_("No convening has been announced yet."))
    if getattr(request, "limited", False):
        response = render(request, "registrations/lost_link_limited.html", {"event": event}, status=429)
        response["Retry-After"] = "3600"
        return response
    form = LostLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            # Only the request is written here, the same for every address; the worker sends the link.
            services.request_status_link(event=event, email=form.cleaned_data["email"])
            return redirect("registrations:lost_link_sent")
        return render(request, "registrations/lost_link.html", {"event": event, "form": form}, status=400)
    return render(request, "registrations/lost_link.html", {"event": event, "form": form})


@require_safe
def lost_link_sent(request):
    return render(request, "registrations/lost_link_sent.html", {"event": queries.current_event()})
