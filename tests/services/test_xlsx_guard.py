"""Uploaded spreadsheets are checked before they are parsed: an archive bomb, a DTD (external or
nested entities) or a flood of shared strings is refused with a clear message, fast and in bounded
memory, through the invitation import (400, nothing written)."""

import io
import time
import tracemalloc
import zipfile

import openpyxl
import pytest

from registrations.models import Invitation
from registrations.services import invitation_import
from registrations.services.xlsx_guard import UnsafeSpreadsheet, check_xlsx

IMPORT = "/admin/registrations/invitation/import/"


def sound_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["email", "organization", "stakeholder type", "sessions"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_member(name: str, data: bytes, *, base: bytes | None = None) -> bytes:
    """A real XLSX with one member replaced (or added)."""
    source = zipfile.ZipFile(io.BytesIO(base or sound_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item))
        target.writestr(name, data)
    return out.getvalue()


def shared_strings_bomb(megabytes: int) -> bytes:
    """Shared strings that unpack to `megabytes` MB from a few hundred KB."""
    cell = b"<si><t>" + b"A" * 1000 + b"</t></si>"
    body = cell * (megabytes * 1024)
    xml = (
        b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + body
        + b"</sst>"
    )
    return with_member("xl/sharedStrings.xml", xml)


def test_a_sound_workbook_passes():
    check_xlsx(sound_xlsx())


def test_an_archive_bomb_is_refused_before_parsing_in_bounded_memory():
    bomb = shared_strings_bomb(60)
    assert len(bomb) < 1024 * 1024
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(UnsafeSpreadsheet, match="unpacks to more than 10 MB"):
        check_xlsx(bomb)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 1024 * 1024
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
        b"<!doctype x>",
    ],
)
def test_a_dtd_in_any_xml_part_is_refused(doctype):
    xml = (
        b'<?xml version="1.0"?>' + doctype + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    )
    with pytest.raises(UnsafeSpreadsheet, match="cannot be read"):
        check_xlsx(with_member("xl/sharedStrings.xml", xml))


def test_too_many_shared_strings_are_refused(settings):
    settings.UPLOAD_XLSX_MAX_SHARED_STRINGS = 100
    xml = b"<sst>" + b"<si><t>x</t></si>" * 101 + b"</sst>"
    with pytest.raises(UnsafeSpreadsheet, match="more than 100 different texts"):
        check_xlsx(with_member("xl/sharedStrings.xml", xml))


def test_not_a_zip_is_refused():
    with pytest.raises(UnsafeSpreadsheet, match="cannot be read"):
        check_xlsx(b"PK\x03\x04 not really")


@pytest.mark.parametrize(
    "content",
    [
        shared_strings_bomb(12),
        with_member("xl/workbook.xml", b'<!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1/">]><workbook/>'),
    ],
    ids=["bomb", "dtd"],
)
def test_the_invitation_import_answers_400_and_writes_nothing(organizer_client, event, content):
    with pytest.raises(invitation_import.ImportRefused):
        invitation_import.read_rows("list.xlsx", content)
    upload = io.BytesIO(content)
    upload.name = "list.xlsx"
    response = organizer_client.post(IMPORT, {"event": event.pk, "file": upload})
    assert response.status_code == 400
    assert Invitation.objects.count() == 0
