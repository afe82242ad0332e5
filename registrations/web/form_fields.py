"""The form fields and widgets the app's forms share: ids checked before the database sees them, a
country checked in one lookup, the session checkboxes grouped by day, the browser's autofill names."""

from __future__ import annotations

from functools import cache

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from registrations import services
from registrations.models import Session
from registrations.services import photos
from registrations.web import pagecache

MAX_DATABASE_ID = 2**63 - 1


def is_database_id(value) -> bool:
    """True for a positive integer a database key can hold, written with ASCII digits."""
    text = str(value).strip()
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_DATABASE_ID


def clean_email_address(value: str) -> str:
    """An email field's value in its canonical form (`rules.email_key`), or the reason it has none."""
    try:
        services.email_key(value)
    except services.InvalidEmail as refusal:
        raise forms.ValidationError(refusal.message, code=refusal.code) from None
    return services.normalize_email(value)


class IdChoiceField(forms.ModelChoiceField):
    """Refuses a value that cannot be an id before it reaches the database (2**70 overflows SQLite).
    With `loaded` (the queryset's rows, already read: the signup's institutes from the snapshot) the
    choice is found among them instead of read again."""

    def __init__(self, *args, loaded: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.loaded = loaded

    def to_python(self, value):
        if value not in self.empty_values and not is_database_id(value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        if self.loaded is None or value in self.empty_values:
            return super().to_python(value)
        for row in self.loaded:
            if row.pk == int(str(value).strip()):
                return row
        raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")


class SessionChoiceField(forms.ModelMultipleChoiceField):
    """With `loaded` (the queryset's sessions, already read by the form, in order) the choices are
    checked against them instead of a second query for the same rows; cleaned, it is their list."""

    def __init__(self, *args, loaded: list[Session] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.loaded = loaded

    def _check_values(self, value):
        for pk in value:
            if not is_database_id(pk):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        if self.loaded is None:
            return super()._check_values(value)
        known = {session.pk for session in self.loaded}
        wanted = {int(str(pk).strip()) for pk in value}
        for pk in value:
            if int(str(pk).strip()) not in known:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return [session for session in self.loaded if session.pk in wanted]


class CountryCodeField(LazyTypedChoiceField):
    """A country field that checks a code in one set lookup: Django's ChoiceField walks all 250
    choices, normalizing each, on every validation (a few milliseconds of every signup)."""

    def valid_value(self, value) -> bool:
        return str(value) in country_codes()


@cache
def country_codes() -> frozenset[str]:
    """The codes the country choices offer (COUNTRIES_* settings applied), once per process."""
    return frozenset(code for code, _name in countries)


# The browser's autofill names (WHATWG "autofill field names") of the delegate's details.
AUTOCOMPLETE = {
    "given_name": "given-name",
    "family_name": "family-name",
    "email": "email",
    "country": "country",
    "organization": "organization",
    "job_title": "organization-title",
}


def set_autocomplete(fields) -> None:
    for name, token in AUTOCOMPLETE.items():
        if name in fields:
            fields[name].widget.attrs["autocomplete"] = token


class SessionCheckboxes(forms.CheckboxSelectMultiple):
    """Session checkboxes grouped by day, each carrying its access tier for the type switch, and its
    session (times, room, tier, description) and seats-left slot for templates/registrations/_session_choices.html.
    """

    def __init__(self, *args, sessions: dict[int, Session] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions = sessions or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):  # noqa: PLR0917
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        session = self.sessions.get(getattr(value, "value", value))
        if session is not None:
            option["attrs"]["data-tier"] = session.access_tier
            option["session"] = session
            # Seats left are filled in on every request, cached page or not (registrations/pagecache.py).
            option["seats_slot"] = pagecache.choice_seats_slot(session.pk)
        return option


class PhotoField(forms.FileField):
    """A delegate's photo: a file input that opens the phone's front camera (`capture`), checked and
    re-encoded by `services.photos.prepared_photo` (its clean value is the PreparedPhoto)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Your photo"))
        kwargs.setdefault(
            "help_text",
            _(
                "For your badge, so door staff can recognise you: head and shoulders, facing the camera, on a plain "
                "light background, recent, no hat or sunglasses. A JPEG or PNG of at least 400 x 500 pixels, "
                "at most 10 MB. We keep only a copy without its location or camera data."
            ),
        )
        widget = forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/heic", "capture": "user"})
        super().__init__(widget=widget, **kwargs)
        # The field's own limit on the file name; the size and the content are checked by prepared_photo.
        self.max_length = 200

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or upload is initial:
            return None
        try:
            return photos.prepared_photo(upload)
        except photos.PhotoRefused as refusal:
            raise forms.ValidationError(refusal.message, code=refusal.code) from refusal
