"""The invitee's pages behind an invitation link: the signup form scoped to the invitation, and
declining it.

A forged or mangled link is not a page we know (404); a used, expired, declined or revoked
invitation was, and is gone (410): both get a page that says why, never the form.
"""

from __future__ import annotations

from functools import wraps

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.decorators import ratelimit

from registrations import queries, rules, services
from registrations.models import DelegateStatus, Event, SessionRegistration
from registrations.public.forms import DeclineInvitationForm, RegistrationForm
from registrations.public.views import redirect_with_receipt, signup_rate
from registrations.queries import links
from registrations.services import invitees

INVALID_INVITATION_STATUS = {"tampered": 404}


def invitation_invalid(request, reason: str, event: Event | None = None):
    return render(
        request,
        "registrations/invitation_invalid.html",
        {"reason": reason, "event": event},
        status=INVALID_INVITATION_STATUS.get(reason, 410),
    )


def with_invitation(view):
    """Resolve the link to a usable invitation, or answer with a page that says why it does not work."""

    @wraps(view)
    def wrapped(request, token, *args, **kwargs):
        try:
            invitation = links.invitation_for_token(token)
        except links.InvalidLink as invalid:
            return invitation_invalid(request, invalid.reason)
        refusal = rules.invitation_refusal(invitation, timezone.now())
        if refusal is not None:
            return invitation_invalid(request, refusal, invitation.event)
        return view(request, invitation, token, *args, **kwargs)

    return never_cache(wrapped)


@ratelimit(group="signup", key="ip", rate=signup_rate, method="POST")
@require_http_methods(["GET", "POST"])
@with_invitation
def invitation(request, invitation, token):
    event = invitation.event
    status = 200
    if request.method == "POST":
        invitees.mark_opened(invitation=invitation)  # a person sent the form: opened, if not yet counted
        form = RegistrationForm(request.POST, request.FILES, event=event, invitation=invitation)
        if form.is_valid():
            try:
                outcome = services.register_delegate(
                    event=event,
                    details=form.delegate_details(),
                    sessions=form.cleaned_data["sessions"],
                    photo=form.cleaned_data.get("photo"),
                    invitation=invitation,
                )
            except services.InvitationUnusable as refusal:
                return invitation_invalid(request, refusal.reason, event)
            except services.RegistrationError as refusal:
                form.add_error(None, refusal.message)
            else:
                return redirect_with_receipt(invitation_receipt(form, invitation, outcome))
        status = 400
    else:  # a GET writes nothing: mail scanners fetch links (the page's script says it was opened)
        form = RegistrationForm(event=event, invitation=invitation)
    covered = list(invitation.sessions.order_by("starts_at", "title"))
    # Where each covered session stands now for this invitee: a seat (held, or free) or its waitlist.
    arrival = queries.seats_on_arrival(invitation, [session.pk for session in covered])
    for session in covered:
        session.on_arrival = arrival[session.pk]
    return render(
        request,
        "registrations/invitation.html",
        {
            "event": event,
            "invitation": invitation,
            "token": token,
            "form": form,
            "form_errors": form.errors if request.method == "POST" else None,
            "registration_open": event.is_registration_open(),
            "covered": covered,
        },
        status=status,
    )


def invitation_receipt(form: RegistrationForm, invitation, outcome: services.SignupOutcome) -> dict:
    """The confirmation page's receipt after an invitation: the signup's, and whether the registration
    was approved at once, with where each session asked for stands.

    What it says of an address registered before must tell nothing the visitor may not know. A
    personal invitation's address is the invitation's own (its link went to that address): the page
    says how that registration stands. An organization code is shared, and anyone holding it may type
    a colleague's address: for an address registered before, the page reads as it would for a new
    one (what the code promises and the seats left, which any holder of the code sees on the agenda).
    """
    receipt = form.receipt()
    asked = receipt["sessions"]
    if outcome.created or invitation.is_personal:
        delegate = outcome.delegate
        approved = delegate.status == DelegateStatus.APPROVED
        seats = dict(
            SessionRegistration.objects.filter(delegate=delegate, session_id__in=asked).values_list(
                "session_id", "status"
            )
        )
    else:
        approved = invitation.pre_approved
        seats = queries.seats_on_arrival(invitation, asked)
    receipt["approved"] = approved
    if approved:
        receipt["seats"] = {str(pk): status for pk, status in seats.items()}
    return receipt


@require_POST
@with_invitation
def opened(request, invitation, token):
    """The invitation page's script: a person opened it (counted once, for the funnel)."""
    invitees.mark_opened(invitation=invitation)
    return HttpResponse(status=204)


@require_http_methods(["GET", "POST"])
@with_invitation
def decline(request, invitation, token):
    form = DeclineInvitationForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invitees.decline_invitation(invitation=invitation, reason=form.cleaned_data["reason"])
            except services.InvitationUnusable as refusal:
                return invitation_invalid(request, refusal.reason, invitation.event)
            except services.RegistrationError as refusal:
                form.add_error(None, refusal.message)
            else:
                return redirect("registrations:invitation_declined", slug=invitation.event.slug)
        status = 400
    return render(
        request,
        "registrations/invitation_decline.html",
        {"event": invitation.event, "invitation": invitation, "token": token, "form": form},
        status=status,
    )


@require_safe
def declined(request, slug):
    event = Event.objects.filter(slug=slug).first()
    return render(request, "registrations/invitation_declined.html", {"event": event})
