"""The door pages' forms: which door (event, session or entrance, door name), a scan, a name
search, an undo. They check input only; whether someone may go in is `rules.admission`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from registrations.models import IdentityDocument
from registrations.queries.door import Door, door_event, door_session
from registrations.services.door import UNDO_REASON_MAX_LENGTH
from registrations.web.form_fields import is_database_id

ENTRANCE = "entrance"


class DoorForm(forms.Form):
    """Where the door is. Sent with every door request (the page keeps it in hidden fields)."""

    event = forms.CharField(label=_("Event"), max_length=20, error_messages={"required": _("Choose the event.")})
    session = forms.CharField(label=_("Session"), max_length=20)
    door = forms.CharField(label=_("Door"), max_length=100, required=False, help_text=_("e.g. North entrance"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_event(self):
        """The event, found by its id (the current one from the snapshot: a scan reads no event row)."""
        value = self.cleaned_data["event"].strip()
        event = door_event(int(value)) if is_database_id(value) else None
        if event is None:
            raise forms.ValidationError(_("Choose one of the events."), code="invalid_choice")
        return event

    def clean_session(self):
        value = self.cleaned_data["session"].strip()
        if value == ENTRANCE:
            return None
        if not is_database_id(value):
            raise forms.ValidationError(_("Choose a session or the venue entrance."), code="invalid")
        return value

    def clean(self):
        cleaned = super().clean()
        event, session_id = cleaned.get("event"), cleaned.get("session")
        if event is not None and session_id is not None:
            session = door_session(event, int(session_id))
            if session is None:
                refusal = forms.ValidationError(_("That is not a session of this event."), code="event")
                self.add_error("session", refusal)
            cleaned["session"] = session
        name = " ".join(cleaned.get("door", "").split())
        if not name:
            name = str(cleaned["session"]) if cleaned.get("session") else str(_("Venue entrance"))
        cleaned["door"] = name[:100]
        return cleaned

    def door_place(self) -> Door:
        data = self.cleaned_data
        return Door(event=data["event"], session=data["session"], name=data["door"])


class ScanForm(forms.Form):
    code = forms.CharField(max_length=200, required=False, strip=True)
    delegate = forms.UUIDField(required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("code") and not cleaned.get("delegate"):
            raise forms.ValidationError(_("Scan a badge or find the delegate by name."), code="empty")
        return cleaned


class UndoForm(forms.Form):
    check_in = forms.IntegerField(min_value=1, max_value=2**62)
    reason = forms.CharField(
        max_length=UNDO_REASON_MAX_LENGTH,
        label=_("Why undo this check-in?"),
        error_messages={"required": _("Say why this check-in is undone.")},
    )


class SearchForm(forms.Form):
    """A name (or the start of an email address) to look up. Two letters at least; one is enough when
    it is not ASCII, as a Korean or Chinese family name may be one syllable (이, 김, 王)."""

    q = forms.CharField(max_length=100, strip=True)

    def clean_q(self):
        q = self.cleaned_data["q"]
        if len(q) < 2 and q.isascii():
            raise forms.ValidationError(_("Type at least two letters of the name."), code="min_length")
        return q


class ActivationForm(forms.Form):
    """The badge desk's check: which document was shown, and that it matches the person and the photo."""

    document = forms.ChoiceField(
        label=_("Identity document checked"),
        choices=[("", "---------"), *IdentityDocument.choices],
        error_messages={"required": _("Choose the identity document you checked.")},
    )
    identity_matches = forms.BooleanField(
        label=_("The document's photo and name match the person in front of me, the photo above and the names here."),
        error_messages={"required": _("Check the document against the person, the photo and the names first.")},
    )
