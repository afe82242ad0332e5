"""Importing personal invitations from a CSV or XLSX file: every row checked, then all rows or none.

Columns (a header row, in any order; case, spaces and underscores do not matter): email, name,
organization, stakeholder type, sessions (titles or ids, separated by semicolons), expiry (a date
or a date and time in the venue's zone; empty: when registration closes), pre-approved (yes/no;
empty: no, as a new invitation). `read_rows` turns a file into rows of text, `preview` lists each row's errors,
`import_rows` writes the invitations (drafts, audited) only if no row has one.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zipfile import BadZipFile

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from registrations import rules
from registrations.models import (
    GUEST_TYPES,
    AuditAction,
    AuditEntry,
    Delegate,
    Event,
    Invitation,
    InvitationKind,
    InvitationStatus,
    StakeholderType,
    validate_no_direction_controls,
)
from registrations.rules.errors import InvalidEmail, RegistrationError
from registrations.services.audit import Actor, record
from registrations.services.xlsx_guard import UnsafeSpreadsheet, check_xlsx

MAX_ROWS = 20_000
MAX_FILE_BYTES = 10 * 1024 * 1024

COLUMNS = ("email", "name", "organization", "stakeholder_type", "sessions", "expiry", "pre_approved", "language")
REQUIRED_COLUMNS = ("email", "organization", "stakeholder_type", "sessions")
ALIASES = {
    "type": "stakeholder_type",
    "stakeholder": "stakeholder_type",
    "expires": "expiry",
    "expires_at": "expiry",
    "expiry_date": "expiry",
    "preapproved": "pre_approved",
    "session": "sessions",
    "organisation": "organization",
    "e_mail": "email",
}
# Yes and no in every language the app speaks (and the codes a spreadsheet writes).
YES = {"yes", "y", "true", "1", "x", "oui", "vrai", "はい", "예", "네"}
NO = {"no", "n", "false", "0", "non", "faux", "いいえ", "아니요", "아니오"}
# A language by its code or its name in English or in itself ("fr", "French", "Français").
LANGUAGES = {
    **{code: code for code, _name in settings.LANGUAGES},
    **{str(name).lower(): code for code, name in settings.LANGUAGES},
    **{get_language_info(code)["name_local"].lower(): code for code, _name in settings.LANGUAGES},
}


class ImportRefused(RegistrationError):
    """The file cannot be read, or a row has errors: nothing was imported."""

    code = "import"


def _column(header) -> str:
    name = "_".join(str(header or "").strip().lower().replace("-", " ").replace("_", " ").split())
    return ALIASES.get(name, name)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\x00", "").strip()


def _rows(header: list, body: Iterator) -> list[dict[str, str]]:
    columns = [_column(h) for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ImportRefused(
            _("The file needs a header row with the columns %(columns)s; missing: %(missing)s.")
            % {"columns": ", ".join(COLUMNS), "missing": ", ".join(missing)}
        )
    rows = []
    for raw in body:
        values = [_text(v) for v in raw]
        if not any(values):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportRefused(_("At most %(n)d rows can be imported at once.") % {"n": MAX_ROWS})
        row = {c: "" for c in COLUMNS}
        for column, value in zip(columns, values, strict=False):
            if column in row and not row[column]:
                row[column] = value
        rows.append(row)
    if not rows:
        raise ImportRefused(_("The file has no rows to import."))
    return rows


def read_rows(name: str, content: bytes) -> list[dict[str, str]]:
    """The rows of an uploaded file (CSV in UTF-8, or XLSX: its first sheet), as text by column."""
    if len(content) > MAX_FILE_BYTES:
        raise ImportRefused(_("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)})
    if name.lower().endswith(".xlsx") or content[:2] == b"PK":
        return _read_xlsx(content)
    if name.lower().endswith(".xls"):
        raise ImportRefused(_("Save the sheet as .xlsx or .csv first (the old .xls format is not read)."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(_("The CSV file is not in UTF-8: export it again as “CSV UTF-8”.")) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        reader = csv.reader(io.StringIO(text, newline=""), dialect)
        header = next(reader, None)
        if header is None:
            raise ImportRefused(_("The file is empty."))
        return _rows(header, reader)
    except csv.Error as error:
        raise ImportRefused(_("The CSV file cannot be read: %(error)s.") % {"error": error}) from None


def _read_xlsx(content: bytes) -> list[dict[str, str]]:
    try:
        check_xlsx(content)  # archive bombs and DTDs, before any parser reads the file
    except UnsafeSpreadsheet as refusal:
        raise ImportRefused(refusal.message) from None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise ImportRefused(_("The XLSX file cannot be read (%(error)s).") % {"error": type(error).__name__}) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportRefused(_("The file is empty."))
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ImportRefused(_("The file is empty."))
        return _rows(list(header), rows)
    except (KeyError, ValueError, TypeError, AttributeError) as error:
        raise ImportRefused(_("The XLSX file cannot be read (%(error)s).") % {"error": type(error).__name__}) from None
    finally:
        workbook.close()


# --------------------------------------------------------------------------- checking rows


@dataclass
class Row:
    line: int  # the row's line in the file (the header is line 1)
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    fields: dict | None = None  # the invitation's values, when the row has no error
    session_ids: list[int] = field(default_factory=list)


@dataclass
class Preview:
    rows: list[Row]

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors)

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def _stakeholder_types() -> dict[str, str]:
    """Each stakeholder type by its value and by its label in every language the app speaks, as keys."""
    types = {}
    for choice in StakeholderType:
        types[choice.value] = choice.value
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                types[_key(str(choice.label))] = choice.value
    return types


def _key(value: str) -> str:
    """One spelling for a label or a title: width and case folded ("Société civile", "ＳＯＣＩＥＴＥ")."""
    return "_".join(unicodedata.normalize("NFKC", value).casefold().replace("-", " ").split())


def _titles(session) -> set[str]:  # its title in every language it has one in
    return {_key(title) for code, _name in settings.LANGUAGES if (title := getattr(session, f"title_{code}", ""))}


def _expiry(value: str, event: Event, now: datetime) -> datetime:
    if not value:
        return event.registration_closes_at
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            _("expiry “%(value)s” is not a date (write it as 2026-10-31)") % {"value": value[:40]}
        ) from None
    if len(text) <= 10:  # a date alone: the end of that day at the venue
        moment = datetime.combine(moment.date(), time(23, 59))
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=event.tz)
    if moment <= now:
        raise ValueError(_("the expiry %(value)s is in the past") % {"value": value[:40]})
    return moment


def _email_key(email: str) -> str:
    try:
        return rules.email_key(email)
    except InvalidEmail:
        return email.strip().lower()


def preview(*, event: Event, rows: list[dict[str, str]], now: datetime | None = None) -> Preview:
    """Check every row against the rules and the database; nothing is written."""
    now = now or timezone.now()
    sessions = list(event.sessions.all())
    by_title = {title: s for s in sessions for title in _titles(s)}
    by_id = {str(s.pk): s for s in sessions}
    personal = Invitation.objects.filter(event=event, kind=InvitationKind.PERSONAL)
    invited = {_email_key(e) for e in personal.values_list("email", flat=True)}
    registered = set(Delegate.objects.filter(event=event).values_list("email_key", flat=True))
    seen: dict[str, int] = {}
    types = _stakeholder_types()
    result = []
    for line, given in enumerate(rows, start=2):
        values = {c: str(given.get(c) or "")[:1000] for c in COLUMNS}
        row = Row(line=line, values=values)
        errors = row.errors
        try:
            email = rules.normalize_email(values["email"])
            validate_email(email)
            if len(email) > 254:
                raise ValidationError(_("The email address is too long."))
            key = rules.email_key(email)
        except (ValidationError, InvalidEmail):
            errors.append(_("“%(email)s” is not an email address") % {"email": values["email"][:80]})
            email = key = values["email"].strip()
        if key in invited:
            errors.append(_("%(email)s already has an invitation to this event") % {"email": email})
        if key in registered:
            errors.append(_("%(email)s is already registered for this event") % {"email": email})
        if key in seen:
            errors.append(_("the same address as line %(line)d") % {"line": seen[key]})
        seen.setdefault(key, line)
        organization = values["organization"]
        name = values["name"]
        if not organization:
            errors.append(_("no organization"))
        for label, text, limit in ((_("name"), name, 200), (_("organization"), organization, 200)):
            if len(text) > limit:
                errors.append(_("the %(field)s is longer than %(n)d characters") % {"field": label, "n": limit})
            try:
                validate_no_direction_controls(text)
            except ValidationError:
                errors.append(_("the %(field)s has invisible text-direction characters") % {"field": label})
        stakeholder_type = types.get(_key(values["stakeholder_type"]))
        if stakeholder_type is None:
            errors.append(
                _("unknown stakeholder type “%(value)s”") % {"value": values["stakeholder_type"][:40]}
                if values["stakeholder_type"]
                else _("no stakeholder type")
            )
        elif stakeholder_type not in GUEST_TYPES:
            errors.append(_("invitations are for civil society, academia and industry, not government"))
        covered = []
        names = [n.strip() for n in values["sessions"].replace("|", ";").split(";") if n.strip()]
        if not names:
            errors.append(_("no sessions"))
        for name_or_id in names:
            session = by_title.get(_key(name_or_id)) or by_id.get(name_or_id.lstrip("#"))
            if session is None:
                errors.append(_("unknown session “%(name)s”") % {"name": name_or_id[:80]})
            elif (refusal := rules.invitation_session_refusal(event=event, session=session)) is not None:
                errors.append(refusal)
            elif session.pk not in {s.pk for s in covered}:
                covered.append(session)
        try:
            expires_at = _expiry(values["expiry"], event, now)
        except ValueError as error:
            errors.append(str(error))
            expires_at = None
        flag = unicodedata.normalize("NFKC", values["pre_approved"]).strip().casefold()
        if flag and flag not in YES | NO:
            errors.append(_("pre-approved is “%(value)s”: write yes or no") % {"value": values["pre_approved"][:20]})
        language = LANGUAGES.get(values["language"].strip().lower(), None) if values["language"].strip() else ""
        if language is None:
            errors.append(
                _("language “%(value)s”: write one of %(languages)s")
                % {"value": values["language"][:20], "languages": ", ".join(code for code, _name in settings.LANGUAGES)}
            )
        if not errors:
            row.fields = {
                "language": language or settings.LANGUAGE_CODE,
                "email": email,
                "name": name,
                "organization": organization,
                "stakeholder_type": stakeholder_type,
                "pre_approved": flag in YES,
                "expires_at": expires_at,
            }
            row.session_ids = [s.pk for s in covered]
        result.append(row)
    return Preview(rows=result)


@transaction.atomic
def import_rows(*, event: Event, rows: list[dict[str, str]], actor: Actor) -> int:
    """Create a draft personal invitation per row, audited, if no row has an error; else nothing.

    The rows are checked again inside the transaction (the database may have changed since the
    preview). Returns how many invitations were created.
    """
    Event.objects.select_for_update().filter(pk=event.pk).first()  # one import per event at a time
    checked = preview(event=event, rows=rows)
    if not checked.ok:
        raise ImportRefused(
            _("%(n)d rows have errors: nothing was imported. Correct the file and preview it again.")
            % {"n": checked.error_count}
        )
    try:
        created = _write(event, checked, actor)
    except IntegrityError:  # an invitation for one of the addresses was saved meanwhile
        raise ImportRefused(
            _("The invitations changed while importing: nothing was imported. Preview again.")
        ) from None
    AuditEntry.objects.bulk_create([record(actor, AuditAction.INVITATIONS_IMPORTED, event=event, invitations=created)])
    return created


def _write(event: Event, checked: Preview, actor: Actor) -> int:
    now = timezone.now()
    Through = Invitation.sessions.through
    created = 0
    batch = 1000
    for start in range(0, len(checked.rows), batch):
        chunk = checked.rows[start : start + batch]
        invitations = [
            Invitation(
                event=event,
                kind=InvitationKind.PERSONAL,
                max_uses=1,
                status=InvitationStatus.DRAFT,
                created_by=actor.user,
                created_at=now,
                **r.fields,
            )
            for r in chunk
        ]
        Invitation.objects.bulk_create(invitations)
        Through.objects.bulk_create(
            [
                Through(invitation_id=i.pk, session_id=s)
                for i, r in zip(invitations, chunk, strict=True)
                for s in r.session_ids
            ]
        )
        AuditEntry.objects.bulk_create(
            [
                record(
                    actor,
                    AuditAction.INVITATION_CREATED,
                    invitation=i,
                    to_status=InvitationStatus.DRAFT,
                    sessions=r.session_ids,
                    imported=True,
                )
                for i, r in zip(invitations, chunk, strict=True)
            ]
        )
        created += len(chunk)
    return created
