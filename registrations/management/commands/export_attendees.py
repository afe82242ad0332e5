"""Export attendee lists as CSV or XLSX, the same file the admin gives, recorded in the audit trail.

Examples:
    python manage.py export_attendees --event san-francisco-convening --format xlsx --output list.xlsx
    python manage.py export_attendees --event san-francisco-convening --status confirmed --output list.csv
    python manage.py export_attendees --session 12 --shape session
    python manage.py export_attendees --event san-francisco-convening --institute JP

--status takes a registration status (pending, approved, rejected, withdrawn: which delegates) or a
seat status (requested, confirmed, waitlisted, cancelled: delegates holding such a seat, in the
session when --session is given; in the per-session shape only those seats are rows).
"""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registrations import services
from registrations.models import Delegate, DelegateStatus, Event, Institute, SeatStatus, Session, SessionRegistration
from registrations.outputs import exports


class Command(BaseCommand):
    help = (
        "Export attendees as CSV (UTF-8 with a byte-order mark) or XLSX (--format xlsx --output FILE), "
        "one row per delegate or per delegate and session."
    )

    def add_arguments(self, parser):
        parser.add_argument("--event", help="Event slug, e.g. san-francisco-convening.")
        parser.add_argument("--session", help="Session id: only that session's attendees.")
        parser.add_argument(
            "--status",
            choices=[*DelegateStatus.values, *SeatStatus.values],
            help="A registration status (which delegates) or a seat status (which seats).",
        )
        parser.add_argument("--institute", help="Institute ISO code, e.g. GB or JP (EU for the European Union).")
        parser.add_argument("--output", help="File to write; standard output when omitted.")
        parser.add_argument("--shape", choices=exports.Shape.values, default=exports.Shape.DELEGATE)
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=exports.Format.values,
            default=exports.Format.CSV,
            help="csv (default) or xlsx (a spreadsheet; needs --output).",
        )

    def handle(self, *args, event=None, session=None, status=None, institute=None, output=None, shape=None, **kw):
        file_format = kw.get("file_format") or exports.Format.CSV
        if file_format == exports.Format.XLSX and not output:
            raise CommandError(_("An XLSX file cannot go to standard output: give --output FILE.xlsx."))
        export = self.build_export(event=event, session=session, status=status, institute=institute, shape=shape)
        export.file_format = file_format
        actor_name = f"export_attendees command ({getpass.getuser()})"
        if file_format == exports.Format.XLSX:
            try:
                handle = open(output, "wb")
            except OSError as error:
                raise CommandError(
                    _("Cannot write %(file)s: %(error)s.") % {"file": output, "error": error.strerror}
                ) from None
            with handle:
                export.write_xlsx(handle, services.Actor.system(), actor_name=actor_name)
            self.stderr.write(
                ngettext("%(rows)d row written to %(file)s.", "%(rows)d rows written to %(file)s.", export.rows_sent)
                % {"rows": export.rows_sent, "file": output}
            )
            return
        chunks = export.stream(services.Actor.system(), actor_name=actor_name)
        if output:
            try:
                handle = open(output, "w", encoding="utf-8", newline="")
            except OSError as error:
                raise CommandError(
                    _("Cannot write %(file)s: %(error)s.") % {"file": output, "error": error.strerror}
                ) from None
            with handle:
                for chunk in chunks:
                    handle.write(chunk)
            self.stderr.write(
                ngettext("%(rows)d row written to %(file)s.", "%(rows)d rows written to %(file)s.", export.rows_sent)
                % {"rows": export.rows_sent, "file": output}
            )
        else:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            self.stderr.write(
                ngettext("%(rows)d row exported.", "%(rows)d rows exported.", export.rows_sent)
                % {"rows": export.rows_sent}
            )

    def build_export(self, *, event, session, status, institute, shape) -> exports.AttendeeExport:
        delegates = Delegate.objects.all()
        seats = ~Q(status=SeatStatus.CANCELLED)
        scope, filters = [], {}
        event_obj = session_obj = None
        if event:
            event_obj = Event.objects.filter(slug=event).first()
            if event_obj is None:
                known = ", ".join(Event.objects.values_list("slug", flat=True)) or _("none")
                raise CommandError(
                    _("No event with slug %(slug)r. Known events: %(known)s.") % {"slug": event, "known": known}
                )
            delegates = delegates.filter(event=event_obj)
            filters["event"] = event
        if session:
            if not str(session).isdigit():
                raise CommandError(_("--session takes a session id (a number), not %(value)r.") % {"value": session})
            session_obj = Session.objects.select_related("event").filter(pk=int(session)).first()
            if session_obj is None:
                raise CommandError(_("No session with id %(id)s.") % {"id": session})
            if event_obj is not None and session_obj.event_id != event_obj.pk:
                raise CommandError(
                    _("Session %(id)s is not a session of %(event)s.") % {"id": session, "event": event_obj.slug}
                )
            event_obj = session_obj.event
            seats = Q(session=session_obj, status__in=[SeatStatus.CONFIRMED, SeatStatus.WAITLISTED])
            scope.append(f"session-{session_obj.pk}-{session_obj.title}"[:60])
            filters["session"] = session_obj.pk
        if institute:
            institute_obj = Institute.objects.filter(iso_code__iexact=institute).first()
            if institute_obj is None:
                codes = ", ".join(Institute.objects.order_by("iso_code").values_list("iso_code", flat=True))
                raise CommandError(
                    _("No institute with ISO code %(code)r. Known codes: %(codes)s.")
                    % {"code": institute, "codes": codes}
                )
            delegates = delegates.filter(institute=institute_obj)
            scope.append(f"institute-{institute_obj.iso_code.lower()}")
            filters["institute"] = institute_obj.iso_code
        if status in DelegateStatus.values:
            delegates = delegates.filter(status=status)
        elif status in SeatStatus.values:
            seats = Q(status=status) if session_obj is None else Q(session=session_obj, status=status)
        if status:
            scope.append(status)
            filters["status"] = status
        if session_obj is not None or status in SeatStatus.values:
            delegates = delegates.filter(pk__in=SessionRegistration.objects.filter(seats).values("delegate"))
        return exports.AttendeeExport(
            delegates=delegates,
            shape=shape,
            scope="-".join(scope) or "all",
            filters=filters,
            seats=seats,
            event=event_obj,
            session=session_obj,
        )
