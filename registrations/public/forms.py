"""Forms check input; policy (tiers, seats, affiliation) is asked of `services`."""

from __future__ import annotations

import copy
from functools import cache

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.utils import formats, translation
from django.utils.choices import CallableChoiceIterator
from django.utils.translation import gettext_lazy as _

from registrations import l10n, queries, rules, services
from registrations.models import (
    AccessTier,
    Delegate,
    GuestRegistration,
    Institute,
    Invitation,
    SeatStatus,
    Session,
    StakeholderType,
)
from registrations.web.form_fields import (
    CountryCodeField,
    IdChoiceField,
    PhotoField,
    SessionCheckboxes,
    SessionChoiceField,
    clean_email_address,
    set_autocomplete,
)

# The delegate's details the signup form asks for: exactly what the signup service takes.
DETAIL_FIELDS = list(services.DELEGATE_DETAIL_FIELDS)


# On the form the government choice says who it is for; elsewhere (admin, exports) it is just "Government".
STAKEHOLDER_CHOICES = [
    (value, _("Government delegate of a member institute or office") if value == StakeholderType.GOVERNMENT else label)
    for value, label in StakeholderType.choices
]


def session_label(session: Session, tz) -> str:
    """The session's title, times in the venue's zone (named), and its tier when restricted."""
    tier = f" · {AccessTier.GOVERNMENT_ONLY.label}" if session.is_government_only else ""
    return f"{session.title} · {l10n.session_span(session.starts_at, session.ends_at, tz)}{tier}"


def active_language() -> str:
    """The visitor's language (LocaleMiddleware: cookie, then Accept-Language), as one of settings.LANGUAGES."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    codes = {code for code, _name in settings.LANGUAGES}
    if language in codes:
        return language
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return settings.LANGUAGE_CODE


def _detail_formfield(field, **kwargs):
    """The model field's form field, with the model's own validators (no direction controls, the
    passport name in Latin letters): a plain Form does not run the model's, as a ModelForm would."""
    if field.name == "country":
        formfield = field.formfield(choices_form_class=CountryCodeField, **kwargs)
    else:
        formfield = field.formfield(**kwargs)
    if formfield is not None:
        formfield.validators = [*formfield.validators, *(v for v in field.validators if v not in formfield.validators)]
    return formfield


@cache
def _detail_fields() -> dict[str, forms.Field]:
    """The delegate's detail fields as the model defines them, built once per process; each form
    takes a deep copy, as Django does with a form's declared fields."""
    return forms.fields_for_model(
        Delegate,
        fields=DETAIL_FIELDS,
        field_classes={"institute": IdChoiceField},
        formfield_callback=_detail_formfield,
    )


class RegistrationForm(forms.Form):
    """The public signup form. The sessions offered depend on the stakeholder type, when it is known."""

    error_messages = {
        "consent": rules.CONSENT_REFUSAL,
        "no_sessions": _("Choose at least one session."),
    }

    def __init__(
        self,
        *args,
        event,
        stakeholder_type: str | None = None,
        invitation: Invitation | None = None,
        sessions: list[Session] | None = None,
        institutes: list[Institute] | None = None,
        **kwargs,
    ):
        """`sessions`: every session of the event in agenda order, when the caller has read them
        (`queries.current_event_with_sessions`); otherwise the form reads them."""
        if invitation is not None:
            stakeholder_type = invitation.stakeholder_type
            kwargs.setdefault("initial", invitation_initial(invitation))
        super().__init__(*args, **kwargs)
        self.event = event
        self.invitation = invitation
        self.fields.update(copy.deepcopy(_detail_fields()))
        fields = self.fields
        fields["stakeholder_type"] = forms.ChoiceField(
            label=_("I am registering as"),
            choices=STAKEHOLDER_CHOICES,
            widget=forms.RadioSelect,
            initial=stakeholder_type,
        )
        fields["institute"].queryset = Institute.objects.order_by("member")
        fields["institute"].loaded = institutes  # read with the sessions, when the caller has them
        fields["institute"].required = False
        fields["institute"].label = _("Institute or government office")
        fields["institute"].help_text = _("Government delegates of a member institute or office only.")
        fields["organization"].help_text = _("Civil society, academia and industry participants.")
        fields["country"].required = False
        fields["consent_data_processing"].required = True
        fields["consent_data_processing"].error_messages["required"] = self.error_messages["consent"]
        fields["consent_data_processing"].label = _(
            "I agree that the organizers process the data above to run this convening, as the privacy notice describes."
        )
        fields["consent_participant_list"].label = _(
            "List my name and affiliation on the participant list shared with other participants."
        )
        fields["needs_visa_letter"].label = _("I need a visa support letter")
        fields["photo"] = PhotoField(required=False)
        # Emails and calendar files go out in this language; the page's language unless changed.
        fields["language"].label = _("Language of our messages to you")
        fields["language"].help_text = _("The language of the emails and calendar files we send you.")
        fields["language"].required = False
        fields["language"].initial = active_language()
        set_autocomplete(fields)

        if invitation is not None:
            self._scope_to_invitation(invitation)
        elif event.guest_registration != GuestRegistration.OPEN:
            # Guests come by invitation: the form offers the government type only (a crafted POST of
            # another type gets the rule's message from `clean`).
            fields["stakeholder_type"].widget.choices = [
                c for c in STAKEHOLDER_CHOICES if c[0] == StakeholderType.GOVERNMENT
            ]
            fields["stakeholder_type"].initial = StakeholderType.GOVERNMENT

        all_sessions = sessions if sessions is not None else list(event.sessions.order_by("starts_at", "title"))
        offered = services.sessions_open_to(stakeholder_type, all_sessions, invitation=invitation)
        self.hidden_session_count = len(all_sessions) - len(offered)
        fields["sessions"] = SessionChoiceField(
            label=_("Choose your sessions"),
            queryset=event.sessions.all(),
            loaded=all_sessions,  # every session of the event, read just above
            required=True,
            error_messages={"required": self.error_messages["no_sessions"]},
            widget=SessionCheckboxes(sessions={s.pk: s for s in offered}),
        )
        # Labelled only when the form is rendered: a valid signup never shows them.
        fields["sessions"].widget.choices = CallableChoiceIterator(lambda: self._session_choices(offered))

        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def _session_choices(self, offered: list[Session]) -> list:
        """The offered sessions as checkboxes grouped under their day, labelled in the page's language."""
        if getattr(self, "_labelled_sessions", None) is None:
            tz = self.event.tz
            self._labelled_sessions = [
                (
                    formats.date_format(day, l10n.local_format("DAY_FORMAT")),
                    [(s.pk, session_label(s, tz)) for s in group],
                )
                for day, group in queries.by_day(self.event, offered)
            ]
        return self._labelled_sessions

    def _scope_to_invitation(self, invitation: Invitation) -> None:
        """Type fixed (and, for a personal invitation, organization); no institute."""
        fields = self.fields
        del fields["institute"]
        fields["stakeholder_type"].disabled = True
        fields["stakeholder_type"].choices = [c for c in STAKEHOLDER_CHOICES if c[0] == invitation.stakeholder_type]
        if invitation.institute_id is not None:
            # A nomination by an institute's focal point: the institute is the invitation's.
            del fields["organization"]
            fields["email"].help_text = _("The address this invitation was sent to.")
            return
        fields["organization"].required = True
        if invitation.is_personal:
            fields["organization"].disabled = True
            fields["email"].help_text = _("The address this invitation was sent to.")
        elif invitation.domain_list:
            fields["email"].help_text = _("An address at %(domains)s.") % {"domains": ", ".join(invitation.domain_list)}

    def clean_email(self):
        return clean_email_address(self.cleaned_data["email"])

    def clean_language(self):
        return self.cleaned_data.get("language") or active_language()

    def clean(self):
        data = super().clean()
        stakeholder_type = data.get("stakeholder_type")
        if not stakeholder_type:
            return data
        invitation = self.invitation
        if invitation is not None and invitation.institute_id is not None:
            data["institute"], data["organization"] = invitation.institute, ""
        if invitation is not None:  # fixed by the invitation (their fields are disabled)
            data["stakeholder_type"] = invitation.stakeholder_type
            if invitation.is_personal and invitation.institute_id is None:
                data["organization"] = invitation.organization
        details = {**data, "consent_data_processing": True}  # a missing consent is the field's own error
        refusals = rules.signup_refusals(
            event=self.event, details=details, sessions=data.get("sessions") or [], invitation=invitation
        )
        for field, refusal in refusals:
            if field in self.errors:  # the field's own check said it first
                continue
            self.add_error(field, forms.ValidationError(refusal.message, code=refusal.code))
        return data

    def delegate_details(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in DETAIL_FIELDS}

    def receipt(self) -> dict:
        """What the confirmation page echoes: the address and sessions given, and whether a government
        delegate's address is off their institute's official domains (the organizers will check it)."""
        data = self.cleaned_data
        government = data["stakeholder_type"] == StakeholderType.GOVERNMENT
        return {
            "event": self.event.pk,
            "email": data["email"],
            "sessions": [session.pk for session in data["sessions"]],
            "domain_unverified": government and not services.email_domain_matches(data["email"], data["institute"]),
            # Where the event asks for it, the institute's focal point endorses a government delegate
            # before the organizers decide (a nominee was endorsed by the nomination).
            "endorsement_first": government
            and self.event.endorsement_required
            and not (self.invitation is not None and self.invitation.institute_id is not None),
        }


def invitation_initial(invitation: Invitation) -> dict:
    """The signup form prefilled from an invitation: name, address, type, organization, and the
    language the invitation was sent in."""
    given, _sep, family = invitation.name.strip().partition(" ")
    return {
        "given_name": given,
        "family_name": family,
        "email": invitation.email if invitation.is_personal else "",
        "stakeholder_type": invitation.stakeholder_type,
        "organization": invitation.organization,
        "passport_name": invitation.passport_name,
        "language": invitation.language or settings.LANGUAGE_CODE,
    }


class DeclineInvitationForm(forms.Form):
    reason = forms.CharField(
        label=_("Anything you would like the organizers to know (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --------------------------------------------------------------------------- delegate self-service


class DelegateDetailsForm(forms.Form):
    """A delegate's own contact details and needs. Stakeholder type, institute and email are not here."""

    def __init__(self, *args, delegate: Delegate, **kwargs):
        editable = [
            name
            for name in services.SELF_EDITABLE_FIELDS
            if not (name == "organization" and delegate.is_government) and name != "language"
        ]
        kwargs.setdefault("initial", forms.model_to_dict(delegate, fields=editable))
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Delegate, fields=editable, formfield_callback=_detail_formfield))
        if "organization" in self.fields:
            self.fields["organization"].required = True
        self.fields["country"].required = False
        set_autocomplete(self.fields)
        self.fields["needs_visa_letter"].label = _("I need a visa support letter")
        self.fields["consent_participant_list"].label = _(
            "List my name and affiliation on the participant list shared with other participants."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class AddSessionForm(forms.Form):
    """One more session. Only the sessions this delegate may attend and has not asked for are offered;
    a crafted choice of any other session of the event is refused by the service, with its reason."""

    error_messages = {"invalid_choice": _("That session is not part of this convening.")}

    session = IdChoiceField(queryset=Session.objects.none(), label=_("Add a session"))

    def __init__(self, *args, delegate: Delegate, registrations, **kwargs):
        super().__init__(*args, **kwargs)
        event = delegate.event
        field = self.fields["session"]
        field.queryset = event.sessions.all()
        field.error_messages["invalid_choice"] = self.error_messages["invalid_choice"]
        taken = {r.session_id for r in registrations if r.status != SeatStatus.CANCELLED}
        self.offered = [
            s
            for s in services.allowed_sessions(delegate, event.sessions.order_by("starts_at", "title"))
            if s.pk not in taken
        ]
        field.widget.choices = [
            ("", _("Choose a session")),
            *((s.pk, session_label(s, event.tz)) for s in self.offered),
        ]


class DelegateLanguageForm(forms.Form):
    """The language of the emails and calendar files a delegate receives (on the status page)."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class LostLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("The email address you registered with"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self):
        return clean_email_address(self.cleaned_data["email"])


class PhotoForm(forms.Form):
    """A photo sent from the status page (the file input opens the phone's camera)."""

    photo = PhotoField(required=True)
