"""Emails rendered and sent: the outbox's rows (`services.outbox.queue`) become messages here.

A row is rendered when it is delivered, from its kind and context, in its recipient's language:
the delegate's, the invitee's or the focal point's, whoever made the change. `deliver` is what
`EMAIL_OUTBOX_SENDER` names: the services call it after commit for small batches, and
`manage.py send_queued_emails` for the rest, retrying failures with backoff.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from registrations import queries, rules
from registrations.models import (
    DelegateMessage,
    EmailKind,
    EmailStatus,
    OutboundEmail,
    SeatStatus,
    Session,
    VisaStatus,
)
from registrations.outputs import badge_pdf, calendar, signing, visa_letter
from registrations.outputs.email_subjects import SUBJECTS
from registrations.queries import focal_points, links
from registrations.queries import messages as message_text

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# While one worker is sending a message, others leave it alone for this long (if that worker dies
# mid-send, the message is tried again afterwards).
CLAIM_FOR = timedelta(minutes=5)


# The emails that carry the delegate's badge, and those that carry the calendar of confirmed sessions.
BADGE_ATTACHED = frozenset({EmailKind.APPROVED, EmailKind.BADGE_REISSUED})
CALENDAR_ATTACHED = frozenset({EmailKind.APPROVED, EmailKind.PROMOTED})


def plain_text(text: str) -> str:
    """`text` as an ordinary str: no longer marked safe for HTML (a template's output is)."""
    return str.__str__(text)


def _message(kind: str, *, subject: str, context: dict, to: str) -> EmailMultiAlternatives:
    """The one render: the kind's text and HTML templates with `context`, in the active language."""
    # A text template renders with autoescape off and comes back marked safe; the body is plain text,
    # never markup: a page that shows it (the admin's preview) must escape it like any other text.
    text = plain_text(render_to_string(f"registrations/email/{kind}.txt", context))
    html = render_to_string(f"registrations/email/{kind}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    return message


def render_invitation(email: OutboundEmail) -> EmailMultiAlternatives:
    """An invitation or its reminder: which sessions, when and where, the expiry, accept and decline links."""
    invitation = email.invitation
    event = invitation.event
    context = {
        "invitation": invitation,
        "event": event,
        "sessions": list(invitation.sessions.order_by("starts_at", "title")),
        "accept_url": links.invitation_url(invitation),
        "decline_url": links.invitation_decline_url(invitation),
        "site_url": settings.SITE_URL,
    }
    # The invitation's language, whoever sends it and in whatever language they work.
    with timezone.override(event.tz), translation.override(invitation.language or settings.LANGUAGE_CODE):
        subject = SUBJECTS[email.kind] % {"event": event.name}
        return _message(email.kind, subject=subject, context=context, to=invitation.email)


def render_focal_point(email: OutboundEmail) -> EmailMultiAlternatives:
    """A focal point's activation link, or their digest of registrations and decisions in a window."""
    focal_point = email.focal_point
    user = focal_point.user
    context = {"focal_point": focal_point, "institute": focal_point.institute, "site_url": settings.SITE_URL}
    if email.kind == EmailKind.FOCAL_POINT_ACTIVATION:
        path = reverse(
            "registrations:portal_activate",
            args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
        )
        context["activation_url"] = settings.SITE_URL.rstrip("/") + path
    else:
        since = datetime.fromisoformat(email.context["since"])
        until = datetime.fromisoformat(email.context["until"])
        context["entries"] = list(focal_points.digest_entries(focal_point, since, until))
        context["portal_url"] = settings.SITE_URL.rstrip("/") + reverse("registrations:portal")
    with translation.override(focal_point.language or settings.LANGUAGE_CODE):
        return _message(email.kind, subject=str(SUBJECTS[email.kind]), context=context, to=user.email)


class Reads:
    """What the emails of a batch read, asked once for the batch: their delegates' registrations (one
    query for all) and the seats left per event (one query per event, when a confirmation asks).
    Without a batch (`Reads()`), each email asks for its own, as a page would."""

    def __init__(self, batch: list[OutboundEmail] | None = None):
        ids = [email.delegate_id for email in batch or [] if email.delegate_id]
        self._registrations = queries.registrations_by_delegate(ids) if ids else None
        self._seats: dict[int, dict[int, int]] = {}

    def registrations(self, delegate) -> list:
        if self._registrations is None:
            return queries.delegate_registrations(delegate)
        return self._registrations.get(delegate.pk, [])

    def seats_left(self, event) -> dict[int, int]:
        if event.pk not in self._seats:
            self._seats[event.pk] = queries.seats_left_by_session(event)
        return self._seats[event.pk]


def render(email: OutboundEmail, reads: Reads | None = None) -> EmailMultiAlternatives:
    reads = reads or Reads()
    if email.invitation_id:
        return render_invitation(email)
    if email.focal_point_id:
        return render_focal_point(email)
    delegate = email.delegate
    # The delegate's language, whoever made the decision and in whatever language they work.
    with translation.override(delegate.language or settings.LANGUAGE_CODE):
        return _render(email, delegate, reads)


def render_organizer_message(message, delegate, *, status_link: str | None = None) -> EmailMultiAlternatives:
    """A message the organizers wrote (`services.messages`), for one recipient: their names, sessions
    and private link in place of the placeholders; plain text, and HTML with the links clickable.
    `status_link` replaces the real link (the admin's preview shows the link's place, not the link)."""
    with translation.override(delegate.language or settings.LANGUAGE_CODE):
        return _organizer_message(message, delegate, status_link)


def _organizer_message(message, delegate, status_link: str | None) -> EmailMultiAlternatives:
    event = delegate.event
    registrations = queries.delegate_registrations(delegate)
    if status_link is None:
        status_link = links.status_url(delegate) if delegate.link_secret else ""
    values = message_text.placeholder_values(delegate, registrations, status_link)
    subject = " ".join(message_text.personalize(message.subject, values).split())
    body = message_text.personalize(message.body, values)
    context = {"delegate": delegate, "event": event, "body": body, "subject": subject}
    with timezone.override(event.tz):
        return _message(EmailKind.ORGANIZER_MESSAGE, subject=subject, context=context, to=delegate.email)


def _render(email: OutboundEmail, delegate, reads: Reads) -> EmailMultiAlternatives:
    if email.kind == EmailKind.ORGANIZER_MESSAGE:
        return render_organizer_message(DelegateMessage.objects.get(pk=email.context["message"]), delegate)
    event = delegate.event
    registrations = reads.registrations(delegate)
    if email.kind == EmailKind.REGISTRATION_RECEIVED:  # a session already full: most likely a waitlist
        queries.mark_full_requests(event, registrations, seats_left_of=reads.seats_left)
    context = {
        "delegate": delegate,
        "event": event,
        "registrations": registrations,
        "requested": [r for r in registrations if r.status == SeatStatus.REQUESTED],
        "confirmed": [r for r in registrations if r.status == SeatStatus.CONFIRMED],
        "waitlisted": [r for r in registrations if r.status == SeatStatus.WAITLISTED],
        "status_url": links.status_url(delegate) if delegate.link_secret else "",
        "reason": email.context.get("reason", ""),
        # A withdrawal: how many confirmed seats the delegate gave up (requests are not seats).
        "seats_freed": email.context.get("seats_freed", 0),
        "session": Session.objects.filter(pk=email.context["session"]).first() if "session" in email.context else None,
        "cancelled_sessions": list(Session.objects.filter(pk__in=email.context.get("sessions", []))),
        # A deleted session: the email carries its title and start (the row is gone).
        "deleted_sessions": [
            {"title": s["title"], "starts_at": datetime.fromisoformat(s["starts_at"])}
            for s in email.context.get("cancelled_sessions", [])
        ],
        # Seats cancelled for a clash: the session cancelled (title, start) and the one kept instead.
        "clashes": [
            {"title": c["title"], "starts_at": datetime.fromisoformat(c["starts_at"]), "kept": c["kept"]}
            for c in email.context.get("clashes", [])
        ],
        "site_url": settings.SITE_URL,
    }
    with timezone.override(event.tz):
        badge = _badge_attachment(email)  # its labels in the email's language
        context["badge_attached"] = badge is not None
        letter = _letter_attachment(email)
        context["letter_attached"] = letter is not None
        subject = str(SUBJECTS[email.kind]) % {"event": event.name}
        message = _message(email.kind, subject=subject, context=context, to=delegate.email)
    if email.kind in CALENDAR_ATTACHED and context["confirmed"]:
        message.attach(
            f"{event.slug}-sessions.ics",
            calendar.sessions_calendar(delegate, [r.session for r in context["confirmed"]]),
            "text/calendar",
        )
    if badge is not None:
        message.attach(f"badge-{event.slug}.pdf", badge, "application/pdf")
    if letter is not None:
        message.attach(f"visa-letter-{event.slug}.pdf", letter, "application/pdf")
    return message


def _letter_attachment(email: OutboundEmail) -> bytes | None:
    """The "issued" email carries the signed letter while it stands (not once revoked). A missing
    certificate or font is logged, never a lost email: the status page offers the letter later."""
    if email.kind != EmailKind.VISA_LETTER_ISSUED:
        return None
    visa = getattr(email.delegate, "visa_request", None)
    if visa is None or visa.status != VisaStatus.ISSUED:
        return None
    try:
        return visa_letter.letter_pdf(visa)
    except (signing.SigningUnavailable, badge_pdf.FontMissing) as missing:
        logger.warning("Email %s to delegate %s without its letter: %s", email.kind, email.delegate_id, missing)
        return None


def _badge_attachment(email: OutboundEmail) -> bytes | None:
    """The approval and badge-reissued emails carry the badge (PDF, the current version). A missing
    badge font is logged, never a lost email."""
    delegate = email.delegate
    if email.kind not in BADGE_ATTACHED or rules.badge_refusal(delegate):  # approved, with a photo if asked
        return None
    try:
        return badge_pdf.badge_pdf_bytes(delegate)
    except badge_pdf.FontMissing as missing:
        logger.warning("Email %s to delegate %s without its badge: %s", email.kind, delegate.pk, missing)
        return None


BATCH = 50  # emails claimed per transaction by `deliver`
SERVER_FAILED = "server_failed"  # an attempt the mail server refused or never answered


class _MailServer:
    """One connection to the mail server for a round of deliveries (not one per email), opened at the
    first message and opened again after a failure (the server may have dropped it)."""

    def __init__(self):
        self._connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.drop()

    def send(self, message: EmailMultiAlternatives) -> None:
        if self._connection is None:
            self._connection = get_connection()
            self._connection.open()
        message.connection = self._connection
        message.send()

    def drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # a dead connection: nothing left to close politely
                logger.debug("Closing the mail connection failed", exc_info=True)


def deliver(*, ids: list[int] | None = None, limit: int = 200) -> tuple[int, int]:
    """Send due pending emails (only `ids` if given), at most `limit`. Returns (sent, failed).

    The emails are claimed in batches of `BATCH`, one short transaction each (`_claim`: the due rows
    locked with SKIP LOCKED, so workers side by side each take other rows, and marked in flight), then
    sent outside any transaction on one connection to the mail server, each marked sent or failed as
    soon as the server has answered for it. With `ids` (delivery right after a decision) it stops at the
    first failure and leaves the rest to the `send_queued_emails` worker, so a dead mail server delays
    the organizer's page only once.
    """
    sent = failed = 0
    with _MailServer() as mail_server:
        while sent + failed < limit:
            batch, claimed_at = _claim(ids, min(BATCH, limit - sent - failed))
            if not batch:
                break
            batch_sent, batch_failed, released = _send_batch(batch, claimed_at, mail_server, patient=ids is None)
            sent, failed = sent + batch_sent, failed + batch_failed
            if released or (failed and ids is not None):
                break
    return sent, failed


def _claim(ids: list[int] | None, count: int) -> tuple[list[OutboundEmail], datetime]:
    """Up to `count` due emails, in one transaction: locked (skipping rows another worker holds), then
    marked in flight (an attempt counted, due again only after `CLAIM_FOR`), so that no other worker
    takes them while this one sends, and a worker that dies mid-batch leaves them to be retried."""
    with transaction.atomic():
        now = timezone.now()
        due = OutboundEmail.objects.filter(status=EmailStatus.PENDING, next_attempt_at__lte=now)
        if ids is not None:
            due = due.filter(pk__in=ids)
        batch = list(
            due.select_for_update(skip_locked=True, of=("self",))
            .select_related("delegate__event", "invitation__event", "focal_point__user", "focal_point__institute")
            .order_by("next_attempt_at", "pk")[:count]
        )
        if not batch:
            return [], now
        claimed_until = now + CLAIM_FOR
        OutboundEmail.objects.filter(pk__in=[email.pk for email in batch]).update(
            attempts=F("attempts") + 1, next_attempt_at=claimed_until
        )
    for email in batch:
        email.attempts += 1
        email.next_attempt_at = claimed_until
    return batch, now


def _send_batch(
    batch: list[OutboundEmail], claimed_at: datetime, mail_server: _MailServer, *, patient: bool
) -> tuple[int, int, int]:
    """Send a claimed batch: (sent, failed, released). After the mail server failed to take one, the
    next email gets a new connection; when the server fails again (the worker: `patient`) or at once
    (right after a decision), it is taken to be down and the rest of the batch is released untried:
    due again at once, its attempt not counted. So a hanging server costs a batch two timeouts, not
    one per email; an email that cannot be rendered fails alone. The rest is released too when the
    batch has taken half its claim (a very slow server), so that no email is still being sent when
    its claim expires and another worker may take it."""
    sent = failed = 0
    failures_in_a_row = 0
    reads = Reads(batch)
    for index, email in enumerate(batch):
        if failures_in_a_row >= (2 if patient else 1) or timezone.now() - claimed_at >= CLAIM_FOR / 2:
            _release(batch[index:], claimed_at)
            return sent, failed, len(batch) - index
        outcome = _send(email, mail_server, reads)
        sent += outcome == EmailStatus.SENT
        failed += outcome != EmailStatus.SENT
        failures_in_a_row = failures_in_a_row + 1 if outcome == SERVER_FAILED else 0
    return sent, failed, 0


def _release(emails: list[OutboundEmail], due_at: datetime) -> None:
    """Hand claimed, untried emails back: due at `due_at` again, the claim's attempt not counted."""
    OutboundEmail.objects.filter(pk__in=[email.pk for email in emails], status=EmailStatus.PENDING).update(
        attempts=F("attempts") - 1, next_attempt_at=due_at
    )


def _send(email: OutboundEmail, mail_server: _MailServer, reads: Reads) -> str:
    """Render and send one claimed email, then mark it: sent, or failed with its retry's backoff
    (given up after `MAX_ATTEMPTS`). Returns SENT, FAILED (this email could not be rendered), or
    SERVER_FAILED (the mail server did not take it)."""
    try:
        message = render(email, reads)
    except Exception as error:
        _failed(email, error)
        return EmailStatus.FAILED
    try:
        mail_server.send(message)
    except Exception as error:
        mail_server.drop()
        _failed(email, error)
        return SERVER_FAILED
    email.status = EmailStatus.SENT
    email.sent_at = timezone.now()
    email.last_error = ""
    email.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at"])
    return EmailStatus.SENT


def _failed(email: OutboundEmail, error: Exception) -> None:
    email.last_error = f"{type(error).__name__}: {error}"[:2000]
    email.next_attempt_at = timezone.now() + timedelta(minutes=min(2 ** (email.attempts - 1), 60))
    if email.attempts >= MAX_ATTEMPTS:
        email.status = EmailStatus.FAILED
    logger.warning(
        "Email %s to delegate %s / invitation %s failed: %s",
        email.pk,
        email.delegate_id,
        email.invitation_id,
        email.last_error,
    )
    email.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at"])
