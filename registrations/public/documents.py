"""The delegate's documents, behind the private link: the visa-letter request (what a consulate
needs and nothing more), the signed letter once issued, and the list of participants.

The request's form maps `rules.documents.visa_request_refusals` onto its fields, the service raises
the first of the same; the passport details are kept out of Django's error reports
(`sensitive_post_parameters`) and never shown back in full (the number only by its last three
characters).
"""

from __future__ import annotations

from io import BytesIO

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe
from django_countries import countries

from registrations import rules, services
from registrations.models import DelegateStatus, VisaStatus, validate_no_direction_controls
from registrations.models.events import validate_latin_name
from registrations.outputs import participants_list, signing
from registrations.outputs import visa_letter as letters
from registrations.public.self_service import with_delegate
from registrations.queries import documents, links
from registrations.rules.documents import passport_tail, visa_request_refusals

VISA_FIELDS = ("passport_name", "nationality", "passport_number", "passport_expiry", "date_of_birth", "consulate")


class DateInput(forms.DateInput):
    input_type = "date"


class VisaRequestForm(forms.Form):
    """Only what a consulate needs: the name as in the passport, nationality, passport number and
    expiry, date of birth, and the consulate where the visa is applied for."""

    passport_name = forms.CharField(
        label=gettext_lazy("Name as in the passport"),
        max_length=200,
        required=False,
        validators=[validate_no_direction_controls, validate_latin_name],
        help_text=gettext_lazy("In Latin letters, as printed in the passport (e.g. YAMADA Taro)."),
    )
    nationality = forms.ChoiceField(label=gettext_lazy("Nationality"), required=False)
    passport_number = forms.CharField(label=gettext_lazy("Passport number"), max_length=40, required=False, strip=True)
    passport_expiry = forms.DateField(label=gettext_lazy("Passport expiry date"), required=False, widget=DateInput)
    date_of_birth = forms.DateField(label=gettext_lazy("Date of birth"), required=False, widget=DateInput)
    consulate = forms.CharField(
        label=gettext_lazy("Consulate where you apply for the visa"),
        max_length=200,
        required=False,
        validators=[validate_no_direction_controls],
        help_text=gettext_lazy("E.g. Consulate General of the United States, Nairobi."),
    )

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["nationality"].choices = [("", "—"), *countries]

    def clean(self):
        cleaned = super().clean()
        for name, message in visa_request_refusals(
            cleaned, event_ends_on=self.event.ends_on, today=timezone.localdate()
        ):
            if name not in self.errors:
                self.add_error(name, message)
        return cleaned


def _page(request, delegate, form, visa, *, status=200):
    return render(
        request,
        "registrations/visa_request.html",
        {
            "delegate": delegate,
            "event": delegate.event,
            "token": links.make_token(delegate),
            "form": form,
            "visa": visa,
            "passport_tail": passport_tail(visa.passport_number) if visa is not None else "",
            "can_change": rules.is_active(delegate)
            and (visa is None or visa.status in (VisaStatus.REQUESTED, VisaStatus.DECLINED)),
        },
        status=status,
    )


@sensitive_post_parameters(*VISA_FIELDS)
@require_http_methods(["GET", "HEAD", "POST"])
@with_delegate
def visa_request(request, delegate):
    """Ask for a visa support letter (or correct a request not yet issued)."""
    visa = documents.visa_request_of(delegate)
    if request.method != "POST":
        # The details on file are never shown back: a corrected request gives them again.
        form = VisaRequestForm(event=delegate.event, initial={"passport_name": delegate.passport_name})
        return _page(request, delegate, form, visa)
    form = VisaRequestForm(request.POST, event=delegate.event)
    if form.is_valid():
        try:
            services.request_visa_letter(
                delegate=delegate,
                details={name: form.cleaned_data[name] for name in VISA_FIELDS},
                actor=services.Actor.delegate(),
            )
        except services.IncompleteVisaRequest as refusal:
            form.add_error(refusal.field, refusal.message)
        except services.RegistrationError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Your request for a visa support letter is sent to the organizers."))
            return redirect("registrations:status", token=links.make_token(delegate))
    return _page(request, delegate, form, visa, status=400)


@require_safe
@with_delegate
def visa_letter(request, delegate):
    """The issued letter, signed, in the delegate's language."""
    visa = documents.visa_request_of(delegate)
    if visa is None or visa.status != VisaStatus.ISSUED or delegate.status != DelegateStatus.APPROVED:
        raise Http404(_("No visa support letter has been issued to you."))
    try:
        pdf = letters.letter_pdf(visa)
    except signing.SigningUnavailable as missing:
        raise Http404(_("The letter cannot be signed at the moment; please try again later.")) from missing
    return FileResponse(
        BytesIO(pdf),
        as_attachment=True,
        filename=f"visa-letter-{delegate.event.slug}.pdf",
        content_type="application/pdf",
    )


def list_language(request, default: str) -> str:
    language = request.GET.get("language", default)
    return language if language in dict(settings.LANGUAGES) else default


@require_safe
@with_delegate
def participants_list_file(request, delegate, file_format: str):
    """The list of participants (PDF or XLSX) for an approved delegate, in the language asked; audited."""
    if file_format not in participants_list.FORMATS:
        raise Http404
    if delegate.status != DelegateStatus.APPROVED:
        raise Http404(_("The list of participants is for approved delegates."))
    language = list_language(request, delegate.language)
    out, count, content_type, filename = participants_list.participants_file(
        delegate.event, file_format=file_format, language=language
    )
    services.record_participants_list_download(
        event=delegate.event,
        actor=services.Actor.delegate(),
        delegate=delegate,
        language=language,
        file_format=file_format,
        rows=count,
    )
    return FileResponse(out, as_attachment=True, filename=filename, content_type=content_type)
