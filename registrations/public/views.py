"""Public pages. Views are thin: they validate a form, call one service and redirect."""

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.decorators import ratelimit

from registrations import queries, services
from registrations.models import Event, SeatStatus, StakeholderType
from registrations.public.forms import RegistrationForm
from registrations.web import pagecache


def _event_or_404(event):
    if event is None:
        raise Http404(_("No convening has been announced yet."))
    return event


def home(request):
    event, seats = queries.current_event_with_seats()
    if event is None:
        return render(request, "registrations/home.html", {"event": None})
    return pagecache.agenda_page(request, event, seats)


def _stakeholder_type(request) -> str | None:
    value = request.POST.get("stakeholder_type") or request.GET.get("type")
    return value if value in StakeholderType.values else None


def signup_rate(group, request) -> str:
    """Signup POSTs allowed per client address (settings.SIGNUP_RATE, read per request)."""
    return settings.SIGNUP_RATE


@ratelimit(group="signup", key="ip", rate=signup_rate, method="POST")
@require_http_methods(["GET", "HEAD", "POST"])
def register(request):
    if request.method == "POST":  # the form's choices come with the event and its seats, in one query
        event, seats, sessions = queries.current_event_with_sessions()
    else:
        (event, seats), sessions = queries.current_event_with_seats(), None
    event = _event_or_404(event)
    stakeholder_type = _stakeholder_type(request)
    form, status = None, 200
    if request.method == "POST":
        form = RegistrationForm(
            request.POST,
            request.FILES,
            event=event,
            stakeholder_type=stakeholder_type,
            sessions=sessions,
            institutes=queries.current_institutes(),
        )
        if form.is_valid():
            try:
                services.register_delegate(
                    event=event,
                    details=form.delegate_details(),
                    sessions=form.cleaned_data["sessions"],
                    photo=form.cleaned_data.get("photo"),
                )
            except services.RegistrationError as refusal:
                form.add_error(None, refusal.message)
            else:
                # What the visitor sent, echoed once by the next page: the same for a new address and a
                # known one (the page tells nobody whether an address was registered before).
                return redirect_with_receipt(form.receipt())
        status = 400
    context = {
        "event": event,
        "form": form,
        "form_errors": form.errors if form is not None else None,
        "stakeholder_type": stakeholder_type,
        "stakeholder_types": StakeholderType.choices,
        "registration_open": event.is_registration_open(),
    }
    if form is None:
        # The unbound form is the same for everyone: built only when the cached page is stale.
        context["form"] = SimpleLazyObject(lambda: RegistrationForm(event=event, stakeholder_type=stakeholder_type))
        return pagecache.signup_page(request, event, seats, stakeholder_type, context)
    response = render(request, "registrations/register.html", context, status=status)
    response.content = pagecache.fill_seats(response.content.decode(), seats)
    return response


# The signup's receipt (the address and sessions the visitor sent, no delegate id; after an invitation,
# whether the registration was approved at once and where each session stands) rides to the
# confirmation page in a cookie of that page only: signed, short-lived, read once (a reload, or a visit
# without it, shows the generic page). It stays in the visitor's browser: no session row is written
# during a registration rush, and nothing personal is left in the database to erase.
SIGNUP_RECEIPT_COOKIE = "signup_receipt"
SIGNUP_RECEIPT_SALT = "registrations.views.register_done"  # the salt keeps its first module's name
SIGNUP_RECEIPT_MAX_AGE = 600  # seconds


def redirect_with_receipt(receipt: dict):
    """To the confirmation page, with the signup's receipt for it (see above)."""
    response = redirect("registrations:register_done")
    response.set_cookie(
        SIGNUP_RECEIPT_COOKIE,
        signing.dumps(receipt, salt=SIGNUP_RECEIPT_SALT, compress=True),
        max_age=SIGNUP_RECEIPT_MAX_AGE,
        path=reverse("registrations:register_done"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@never_cache
@require_safe
def register_done(request):
    event = queries.current_event()
    receipt = None
    signed = request.COOKIES.get(SIGNUP_RECEIPT_COOKIE) if request.method == "GET" else None
    if signed and event is not None:
        try:
            receipt = signing.loads(signed, salt=SIGNUP_RECEIPT_SALT, max_age=SIGNUP_RECEIPT_MAX_AGE)
        except signing.BadSignature:
            receipt = None
    if receipt and receipt.get("event") != event.pk:
        # An invitation may be to a convening other than the current one (the receipt is signed).
        event = Event.objects.filter(pk=receipt.get("event")).first()
    context = {"event": event}
    if receipt and event is not None:
        sessions = list(event.sessions.filter(pk__in=receipt["sessions"]).order_by("starts_at", "title"))
        context |= {
            "email": receipt["email"],
            "sessions": sessions,
            "domain_unverified": receipt["domain_unverified"],
            "endorsement_first": receipt.get("endorsement_first", False),
            # A pre-approved invitee is approved at signup: their seats and waitlist places, not "pending".
            "approved": receipt.get("approved", False),
        }
        if not context["approved"]:  # a session already full: the approval will most likely waitlist it
            current, seats = queries.current_event_with_seats()
            left = (
                {pk: left for pk, (left, _capacity) in seats.items()}
                if current == event
                else queries.seats_left_by_session(event)
            )
            context["full"] = [s for s in sessions if left.get(s.pk, 1) <= 0]
        if context["approved"]:
            seats = receipt.get("seats", {})
            context["confirmed"] = [s for s in sessions if seats.get(str(s.pk)) == SeatStatus.CONFIRMED]
            context["waitlisted"] = [s for s in sessions if seats.get(str(s.pk)) == SeatStatus.WAITLISTED]
    response = render(request, "registrations/register_done.html", context)
    if signed:
        response.delete_cookie(SIGNUP_RECEIPT_COOKIE, path=reverse("registrations:register_done"), samesite="Lax")
    return response


def privacy(request):
    return render(request, "registrations/privacy.html", {"event": queries.current_event()})


def rate_limited(request, exception=None):
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response
