"""`make run`'s console: each email as a few readable lines, with its links."""

import io
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.test import override_settings

from registrations import checks
from registrations.outputs.console_email import EmailBackend, summary


def test_an_email_reads_as_its_recipient_subject_links_and_attachments():
    message = EmailMultiAlternatives(
        subject="Your registration was received",
        body="Dear Priya,\nYour page: http://127.0.0.1:8000/r/abc.def/\nAgain: http://127.0.0.1:8000/r/abc.def/\n",
        to=["priya.shah@aisi.gov.uk"],
    )
    message.attach_alternative("<p>html</p>", "text/html")
    message.attach("badge.pdf", b"%PDF-1.7" * 5000, "application/pdf")

    stream = io.StringIO()
    EmailBackend(stream=stream).send_messages([message])

    printed = stream.getvalue()
    assert printed == summary(message)
    assert printed.splitlines() == [
        "✉ To: priya.shah@aisi.gov.uk  ·  Your registration was received",
        "  http://127.0.0.1:8000/r/abc.def/",
        "  attached: badge.pdf",
    ]


def test_make_run_uses_it_and_the_deploy_check_still_warns():
    assert (
        "DJANGO_EMAIL_BACKEND ?= registrations.outputs.console_email.EmailBackend"
        in (Path(settings.BASE_DIR) / "Makefile").read_text()
    )
    with override_settings(EMAIL_BACKEND="registrations.outputs.console_email.EmailBackend"):
        assert [w.id for w in checks.emails_are_not_printed(None)] == ["registrations.W003"]
