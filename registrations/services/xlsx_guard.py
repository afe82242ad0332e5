"""An uploaded XLSX checked before any parser reads it: an XLSX is a zip of XML files, so a small
upload can unpack to gigabytes (an archive bomb: one shared-strings member of 54 MB from 122 KB held
a worker until it was killed) or carry a DTD whose entities expand or reach outside. Neither belongs in
a spreadsheet that Excel, LibreOffice or Numbers wrote, so either is refused with a clear message, from
the zip's directory and one bounded read of each XML member, before openpyxl sees the file.

Limits (settings): `UPLOAD_XLSX_MAX_UNPACKED_BYTES` (every member together, as the zip declares them;
reading stops there too, since a member cannot yield more than it declares), `UPLOAD_XLSX_MAX_MEMBERS`,
`UPLOAD_XLSX_MAX_SHARED_STRINGS`.
"""

from __future__ import annotations

import io
import re
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

from registrations.rules.errors import RegistrationError

CHUNK = 64 * 1024
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_SHARED_STRING = re.compile(rb"<si[ >]")


class UnsafeSpreadsheet(RegistrationError):
    code = "unsafe_file"


def _unreadable() -> UnsafeSpreadsheet:
    return UnsafeSpreadsheet(_("This file cannot be read: save it again as .xlsx from your spreadsheet, or as CSV."))


def check_xlsx(content: bytes) -> None:
    """Refuse an archive bomb, a DTD (entities) or too many shared strings; silent for a sound file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _unreadable() from None
    with archive:
        members = archive.infolist()
        if len(members) > settings.UPLOAD_XLSX_MAX_MEMBERS:
            raise _unreadable()
        unpacked = sum(member.file_size for member in members)
        if unpacked > settings.UPLOAD_XLSX_MAX_UNPACKED_BYTES:
            raise UnsafeSpreadsheet(
                _("This file unpacks to more than %(mb)d MB: it is not an invitation list. Split it or send CSV.")
                % {"mb": settings.UPLOAD_XLSX_MAX_UNPACKED_BYTES // (1024 * 1024)}
            )
        for member in members:
            if member.filename.endswith((".xml", ".rels")):
                _check_xml(archive, member)


def _check_xml(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    shared_strings = 0
    tail = b""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK):
                window = tail + chunk
                if _DTD.search(window):
                    raise _unreadable()
                shared_strings += len(_SHARED_STRING.findall(window)) - len(_SHARED_STRING.findall(tail))
                if shared_strings > settings.UPLOAD_XLSX_MAX_SHARED_STRINGS:
                    raise UnsafeSpreadsheet(
                        _("This file holds more than %(count)d different texts: it is not an invitation list.")
                        % {"count": settings.UPLOAD_XLSX_MAX_SHARED_STRINGS}
                    )
                tail = window[-16:]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise _unreadable() from None
