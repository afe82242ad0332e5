"""The badge desk (/desk/), the pass and ID office: find a delegate by a scanned badge or either
spelling of the name, see their photo and the name as in the passport, check the identity document
they show (its kind is recorded, never its number), and that activates their badge; print that one
badge (A6), or reissue a lost one (the old badge is refused everywhere from then on).

Its own small pages, for the "Badge desk" group (`registrations.activate_badge` and nothing else),
signed in through the door's sign-in (a one-time code in production). Views are thin: a form checks
the input, `services.badge_desk` decides (with `rules.activation_refusals`) and writes.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from registrations import queries, rules, services
from registrations.door.access import desk_staff_required
from registrations.door.forms import ActivationForm, SearchForm
from registrations.outputs import badge_pdf
from registrations.queries import badge_desk as desk_queries
from registrations.queries import door as door_queries
from registrations.services import badge_desk
from registrations.web.form_fields import is_database_id
from registrations.web.photos import photo_response


def _event(request):
    event_id = request.GET.get("event", "")
    event = door_queries.event_with_id(int(event_id)) if is_database_id(event_id) else None
    return event or queries.current_event()


@require_safe
@desk_staff_required
def desk(request):
    """Scan a badge or type a name; a badge opens its holder's page, a name lists who it matches."""
    event = _event(request)
    form = SearchForm(request.GET) if "q" in request.GET else SearchForm()
    found = None
    status = 200
    if event is not None and form.is_bound:
        if form.is_valid():
            found = desk_queries.find(event, form.cleaned_data["q"])
            if found.delegate is not None:
                url = reverse("registrations:desk_delegate", args=[found.delegate.public_id])
                return redirect(url + "?" + urlencode({"badge": found.badge_version}))
            if found.other_event:
                messages.error(request, _("This badge is for another event."))
        else:
            status = 400
    return render(
        request,
        "registrations/door/desk.html",
        {"event": event, "events": door_queries.events(), "form": form, "found": found},
        status=status,
    )


def _delegate_or_404(public_id):
    delegate = desk_queries.delegate_at_desk(public_id)
    if delegate is None:
        raise Http404(_("No such delegate."))
    return delegate


def _page(request, delegate, *, form=None, status=200):
    scanned = request.GET.get("badge", "")
    old_badge = scanned.isdigit() and int(scanned) != delegate.badge_version
    refusals = [message for _field, message in rules.activation_refusals(delegate)]
    return render(
        request,
        "registrations/door/desk_delegate.html",
        {
            "delegate": delegate,
            "passport_name": delegate.passport_name,
            "activated": delegate.badge_activated,
            "activation": rules.activation_summary(delegate) if delegate.badge_activated else "",
            "activation_required": delegate.event.badge_activation_required,
            "old_badge": old_badge,
            "refusals": refusals,
            "form": form or ActivationForm(),
            "may_print": rules.may_print_at_desk(delegate),
        },
        status=status,
    )


@require_safe
@desk_staff_required
def delegate_page(request, public_id):
    return _page(request, _delegate_or_404(public_id))


def _activate(request, public_id, *, reissue: bool):
    delegate = _delegate_or_404(public_id)
    form = ActivationForm(request.POST)
    if not form.is_valid():
        return _page(request, delegate, form=form, status=400)
    try:
        delegate = badge_desk.activate(
            delegate=delegate,
            document=form.cleaned_data["document"],
            actor=services.Actor.badge_desk(request.user),
            reissue=reissue,
        )
    except services.RegistrationError as refusal:
        messages.error(request, refusal.message)
        return _page(request, delegate, form=form, status=409)
    if reissue:
        messages.success(request, _("New badge issued and activated: the old one is refused at every door. Print it."))
    else:
        messages.success(
            request, _("Identity checked: the badge of %(name)s is active.") % {"name": delegate.full_name}
        )
    return redirect("registrations:desk_delegate", public_id=delegate.public_id)


@require_POST
@desk_staff_required
def activate(request, public_id):
    return _activate(request, public_id, reissue=False)


@require_POST
@desk_staff_required
def reissue(request, public_id):
    return _activate(request, public_id, reissue=True)


@require_safe
@desk_staff_required
def photo(request, public_id):
    return photo_response(_delegate_or_404(public_id))


@require_safe
@desk_staff_required
def badge(request, public_id):
    """This one badge (A6), printed at the desk once the identity is checked."""
    delegate = _delegate_or_404(public_id)
    if rules.activation_refusals(delegate) or (
        delegate.event.badge_activation_required and not delegate.badge_activated
    ):
        raise Http404(_("This badge cannot be printed before the identity is checked."))
    return FileResponse(
        badge_pdf.badge_file([delegate]),
        as_attachment=False,
        filename=f"badge-{delegate.event.slug}.pdf",
        content_type="application/pdf",
    )
