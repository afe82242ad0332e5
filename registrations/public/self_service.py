"""The delegate's own pages: the status page behind the private link and its actions, the lost-link
form and the participant list.

Views are thin: they resolve the link, validate a form, call one service and redirect with a
message (post/redirect/get). A refusal is shown on the page it came from with a 4xx status. Every
change goes through `services` with `Actor.delegate()`, so the audit trail says who made it.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from registrations import queries, rules, services
from registrations.models import DelegateStatus, Event, SeatStatus, Session
from registrations.outputs import badge_pdf as badge_printing
from registrations.outputs import calendar
from registrations.public.forms import AddSessionForm, DelegateDetailsForm, DelegateLanguageForm, PhotoForm
from registrations.queries import documents, links, personal_data
from registrations.rules import badges

# A tampered link is not a page we know (404); a revoked or expired one was, and is gone (410).
INVALID_LINK_STATUS = {"tampered": 404, "revoked": 410, "expired": 410}


def link_invalid(request, reason: str):
    return render(
        request,
        "registrations/link_invalid.html",
        {"reason": reason, "event": queries.current_event()},
        status=INVALID_LINK_STATUS.get(reason, 404),
    )


def with_delegate(view):
    """Resolve the private link to its delegate, or answer with a page that says why it does not work."""

    @wraps(view)
    def wrapped(request, token, *args, **kwargs):
        try:
            delegate = links.delegate_for_token(token)
        except links.InvalidLink as invalid:
            return link_invalid(request, invalid.reason)
        return view(request, delegate, *args, **kwargs)

    return never_cache(wrapped)


def back_to_status(delegate):
    return redirect("registrations:status", token=links.make_token(delegate))


def status_page(request, delegate, *, add_form=None, language_form=None, photo_form=None, status=200):
    event = delegate.event
    registrations = queries.delegate_registrations(delegate)
    if delegate.status == DelegateStatus.PENDING:  # a requested session already full: say so
        queries.mark_full_requests(event, registrations)
    active = rules.is_active(delegate)
    # An approved delegate's badge: its QR code and the code as text (it names no one).
    badge_code = badges.code_for(delegate) if delegate.status == DelegateStatus.APPROVED else ""
    if add_form is None and active:
        add_form = AddSessionForm(delegate=delegate, registrations=registrations)
    return render(
        request,
        "registrations/status.html",
        {
            "delegate": delegate,
            "event": event,
            "token": links.make_token(delegate),
            "registrations": registrations,
            "has_confirmed": any(r.status == SeatStatus.CONFIRMED for r in registrations),
            "can_change": active,
            "add_form": add_form,
            "language_form": language_form or DelegateLanguageForm(initial={"language": delegate.language}),
            "participant_list_visible": personal_data.participant_list_visible(event, delegate),
            "invitation": delegate.invitation,
            "invitation_sessions": (
                list(delegate.invitation.sessions.order_by("starts_at", "title")) if delegate.invitation_id else []
            ),
            "visa": documents.visa_request_of(delegate),
            "list_languages": settings.LANGUAGES,
            "badge_code": badge_code,
            "badge_qr": badges.qr_svg(badge_code, label=_("Your badge code")) if badge_code else "",
            "badge_refusal": rules.badge_refusal(delegate) if badge_code else "",
            "photo_form": photo_form or PhotoForm(),
            "photo_form_errors": photo_form.errors if photo_form is not None else None,
        },
        status=status,
    )


@require_safe
@with_delegate
def status(request, delegate):
    return status_page(request, delegate)


@require_http_methods(["GET", "HEAD", "POST"])
@with_delegate
def edit_details(request, delegate):
    form = DelegateDetailsForm(request.POST if request.method == "POST" else None, delegate=delegate)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = services.update_delegate_details(
                    delegate=delegate, changes=form.cleaned_data, actor=services.Actor.delegate()
                )
            except services.RegistrationError as refusal:
                form.add_error(None, refusal.message)
            else:
                if changed:
                    messages.success(request, _("Your details are saved."))
                else:
                    messages.info(request, _("Nothing changed."))
                return back_to_status(delegate)
        status = 400
    return render(
        request,
        "registrations/edit_details.html",
        {
            "delegate": delegate,
            "event": delegate.event,
            "token": links.make_token(delegate),
            "form": form,
            "can_change": rules.is_active(delegate),
        },
        status=status,
    )


@require_POST
@with_delegate
def delegate_language(request, delegate):
    """The language of the delegate's emails and calendar files; the pages follow it too."""
    form = DelegateLanguageForm(request.POST)
    if not form.is_valid():
        return status_page(request, delegate, language_form=form, status=400)
    language = form.cleaned_data["language"]
    try:
        services.update_delegate_details(
            delegate=delegate, changes={"language": language}, actor=services.Actor.delegate()
        )
    except services.RegistrationError as refusal:
        messages.error(request, refusal.message)
        return status_page(request, delegate, language_form=form, status=400)
    with translation.override(language):
        messages.success(request, _("Your emails will be in this language."))
    response = back_to_status(delegate)
    # The pages follow the delegate's choice too (the cookie Django's set_language view sets).
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@require_POST
@with_delegate
def add_session(request, delegate):
    form = AddSessionForm(request.POST, delegate=delegate, registrations=queries.delegate_registrations(delegate))
    if form.is_valid():
        session = form.cleaned_data["session"]
        try:
            registration = services.add_session(delegate=delegate, session=session, actor=services.Actor.delegate())
        except services.RegistrationError as refusal:
            form.add_error("session", refusal.message)
        else:
            messages.success(request, _added_message(registration))
            return back_to_status(delegate)
    return status_page(request, delegate, add_form=form, status=400)


def _added_message(registration) -> str:
    title = registration.session.title
    if registration.status == SeatStatus.CONFIRMED:
        return _("You have a seat in “%(title)s”.") % {"title": title}
    if registration.status == SeatStatus.WAITLISTED:
        return _("“%(title)s” is full: you are on its waitlist, and we will email you if a seat opens.") % {
            "title": title
        }
    return _("You asked for “%(title)s”. Seats are confirmed when the organizers approve your registration.") % {
        "title": title
    }


@require_http_methods(["GET", "HEAD", "POST"])
@with_delegate
def drop_session(request, delegate, session_id: int):
    """Asks first (GET: what dropping means for this seat), then drops (POST)."""
    session = get_object_or_404(Session, pk=session_id, event=delegate.event)
    if request.method != "POST":
        registration = next(
            (
                r
                for r in queries.delegate_registrations(delegate)
                if r.session_id == session.pk and r.status != SeatStatus.CANCELLED
            ),
            None,
        )
        return render(
            request,
            "registrations/drop_session.html",
            {
                "delegate": delegate,
                "event": delegate.event,
                "token": links.make_token(delegate),
                "session": session,
                "registration": registration,
                "can_change": rules.is_active(delegate),
            },
            status=200 if registration is not None else 404,
        )
    try:
        services.drop_session(delegate=delegate, session=session, actor=services.Actor.delegate())
    except services.RegistrationError as refusal:
        messages.error(request, refusal.message)
        return status_page(request, delegate, status=400)
    messages.success(request, _("You dropped “%(title)s”.") % {"title": session.title})
    return back_to_status(delegate)


@require_POST
@with_delegate
def replace_link(request, delegate):
    services.replace_status_link(delegate=delegate, actor=services.Actor.delegate())
    return redirect("registrations:lost_link_sent")


@require_http_methods(["GET", "HEAD", "POST"])
@with_delegate
def withdraw(request, delegate):
    status = 200
    if request.method == "POST":
        try:
            result = services.withdraw_delegate(delegate=delegate, actor=services.Actor.delegate())
        except services.RegistrationError as refusal:
            messages.error(request, refusal.message)
            status = 400
        else:
            if result.freed:  # requests and waitlist places are not seats: say so only when seats were given up
                messages.info(
                    request,
                    ngettext(
                        "Your seat has been given to the first delegate on its waitlist.",
                        "Your %(count)d seats have been given to the first delegates on their waitlists.",
                        result.freed,
                    )
                    % {"count": result.freed},
                )
            return redirect("registrations:withdrawn", slug=delegate.event.slug)
    return render(
        request,
        "registrations/withdraw.html",
        {
            "delegate": delegate,
            "event": delegate.event,
            "token": links.make_token(delegate),
            "registrations": [r for r in queries.delegate_registrations(delegate) if r.status != SeatStatus.CANCELLED],
            "can_change": rules.is_active(delegate),
        },
        status=status,
    )


@require_safe
def withdrawn(request, slug):
    event = get_object_or_404(Event, slug=slug)
    return render(request, "registrations/withdrawn.html", {"event": event})


def _attachment(response, filename: str):
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_safe
@with_delegate
def calendar_file(request, delegate):
    confirmed = [r.session for r in queries.delegate_registrations(delegate) if r.status == SeatStatus.CONFIRMED]
    response = HttpResponse(
        calendar.sessions_calendar(delegate, confirmed), content_type="text/calendar; charset=utf-8"
    )
    return _attachment(response, f"{delegate.event.slug}-sessions.ics")


@require_safe
@with_delegate
def my_data(request, delegate):
    response = JsonResponse(
        personal_data.delegate_personal_data(delegate),
        encoder=DjangoJSONEncoder,
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    return _attachment(response, f"{delegate.event.slug}-my-data.json")


# --------------------------------------------------------------------------- participant list


def _participants_page(request, event, delegate=None):
    return render(
        request,
        "registrations/participants.html",
        {
            "event": event,
            "delegate": delegate,
            "token": links.make_token(delegate) if delegate else None,
            "participants": personal_data.participant_list(event),
        },
    )


@require_safe
def participants(request):
    event = queries.current_event()
    if event is None or not personal_data.participant_list_visible(event):
        raise Http404(_("The participant list is not published."))
    return _participants_page(request, event)


@require_safe
@with_delegate
def participants_for_delegate(request, delegate):
    if not personal_data.participant_list_visible(delegate.event, delegate):
        raise Http404(_("The participant list is not published."))
    return _participants_page(request, delegate.event, delegate)


# --------------------------------------------------------------------------- lost link


@require_safe
@with_delegate
def badge_pdf(request, delegate):
    """The approved delegate's badge (A6 PDF), to print or to show on the phone."""
    refusal = rules.badge_refusal(delegate)
    if refusal:
        raise Http404(refusal)
    return FileResponse(
        badge_printing.badge_file([delegate]),
        as_attachment=True,
        filename=f"badge-{delegate.event.slug}.pdf",
        content_type="application/pdf",
    )
