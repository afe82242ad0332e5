"""Photos: checked and re-encoded before they are stored (no EXIF or GPS, the orientation applied, a
fixed size), refused with a clear message when they cannot be a photo, refused by organizers with a
reason, and erased with the rest of the personal data."""

from __future__ import annotations

import io
import os

import pytest
from django.test import override_settings
from PIL import Image

from registrations import services
from registrations.models import AuditAction, AuditEntry, DelegateStatus, EmailKind, OutboundEmail, photo_storage
from registrations.services import photos
from tests import images
from tests.factories import DelegateFactory, organizer

pytestmark = pytest.mark.django_db


def stored_image(delegate) -> Image.Image:
    delegate.refresh_from_db()
    with photo_storage().open(delegate.photo.name, "rb") as f:
        return Image.open(io.BytesIO(f.read()))


def test_a_photo_is_stored_without_its_exif_and_gps_at_a_fixed_size(event):
    delegate = DelegateFactory(event=event)
    sent = images.jpeg(gps=True)
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(images.GPS_IFD)  # the phone's location is in it
    prepared = photos.prepared_photo(images.upload(sent))
    photos.add_photo(delegate=delegate, photo=prepared, actor=services.Actor.delegate())
    kept = stored_image(delegate)
    assert (kept.format, kept.size) == ("JPEG", (600, 750))
    assert dict(kept.getexif()) == {} and "exif" not in kept.info and "icc_profile" not in kept.info
    assert b"PhoneMaker" not in prepared.image and b"GPS" not in prepared.image
    thumbnail = Image.open(io.BytesIO(bytes(delegate.photo_thumbnail)))
    assert thumbnail.size == (96, 120)
    assert AuditEntry.objects.filter(delegate=delegate, action=AuditAction.PHOTO_ADDED).count() == 1


def test_the_orientation_a_phone_records_is_applied_before_the_exif_goes(event):
    # Stored sideways (1000 wide, 800 high) with "rotate 90" in its EXIF, as phones do: upright in the end.
    prepared = photos.prepared_photo(images.upload(images.jpeg(1000, 800, orientation=6)))
    assert Image.open(io.BytesIO(prepared.image)).size == (600, 750)


def test_a_transparent_png_is_flattened_on_white(event):
    prepared = photos.prepared_photo(images.upload(images.png(), name="me.png", content_type="image/png"))
    assert Image.open(io.BytesIO(prepared.image)).mode == "RGB"


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (images.png_bomb(), "photo_too_many_pixels", "far more pixels than a photo needs"),
        (b"<html><script>alert(1)</script></html>", "photo_unreadable", "not a photo we can read"),
        (images.jpeg()[:200], "photo_unreadable", "not a photo we can read"),  # cut short
        (images.gif(), "photo_type", "JPEG or PNG"),
        (images.jpeg(300, 400), "photo_too_small", "300 x 400 pixels: it must be at least 400 x 500"),
    ],
    ids=["png-bomb", "fake", "truncated", "gif", "too-small"],
)
def test_files_that_cannot_be_a_photo_are_refused_with_a_clear_message(data, code, words):
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.prepared_photo(images.upload(data))
    assert refused.value.code == code
    assert words in refused.value.message


@override_settings(PHOTO_MAX_BYTES=1000)
def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.prepared_photo(images.upload(images.jpeg()))
    assert refused.value.code == "photo_too_large"


def test_a_new_photo_replaces_the_old_file(event, photo_files, django_capture_on_commit_callbacks):
    delegate = DelegateFactory(event=event)
    before = photo_files()
    for _ in range(2):
        prepared = photos.prepared_photo(images.upload(images.jpeg()))
        with django_capture_on_commit_callbacks(execute=True):
            photos.add_photo(delegate=delegate, photo=prepared, actor=services.Actor.delegate())
    delegate.refresh_from_db()
    assert photo_files() - before == {delegate.photo.name}


def test_an_organizer_refuses_a_photo_with_a_reason_and_the_delegate_is_asked_for_another(
    event, photo_files, django_capture_on_commit_callbacks
):
    delegate = DelegateFactory(event=event, language="fr")
    photos.add_photo(
        delegate=delegate, photo=photos.prepared_photo(images.upload(images.jpeg())), actor=services.Actor.delegate()
    )
    delegate.refresh_from_db()
    name = delegate.photo.name
    with pytest.raises(services.NotEligible):
        photos.refuse_photo(delegate=delegate, reason="  ", actor=services.Actor.organizer(organizer()))
    with django_capture_on_commit_callbacks(execute=True):
        photos.refuse_photo(
            delegate=delegate, reason="Sunglasses hide the eyes.", actor=services.Actor.organizer(organizer())
        )
    delegate.refresh_from_db()
    assert (delegate.photo.name, bytes(delegate.photo_thumbnail), delegate.photo_refusal) == (
        "",
        b"",
        "Sunglasses hide the eyes.",
    )
    assert name not in photo_files()
    email = OutboundEmail.objects.get(delegate=delegate, kind=EmailKind.PHOTO_REFUSED)
    assert email.context == {"reason": "Sunglasses hide the eyes."}
    with pytest.raises(services.NotEligible):  # nothing left to refuse
        photos.refuse_photo(delegate=delegate, reason="Again", actor=services.Actor.organizer(organizer()))


def test_purge_and_erasure_leave_no_photo_file_behind(event, photo_files, django_capture_on_commit_callbacks):
    kept, erased = DelegateFactory(event=event, status=DelegateStatus.APPROVED), DelegateFactory(event=event)
    for delegate in (kept, erased):
        photos.add_photo(
            delegate=delegate,
            photo=photos.prepared_photo(images.upload(images.jpeg())),
            actor=services.Actor.delegate(),
        )
    kept.refresh_from_db()
    erased.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.erase_delegates(delegate_ids=[erased.pk], actor=services.Actor.organizer(organizer()))
    assert erased.photo.name not in photo_files() and kept.photo.name in photo_files()

    event.retention_days = 0
    event.save()
    far_future = event.retention_ends_at
    with django_capture_on_commit_callbacks(execute=True):
        services.purge_personal_data(event=event, actor=services.Actor.system(), now=far_future)
    assert kept.photo.name not in photo_files()
    kept.refresh_from_db()
    assert (kept.photo.name, bytes(kept.photo_thumbnail), kept.photo_added_at) == ("", b"", None)


def test_a_comment_in_the_file_is_not_kept(event):
    """Found by the attack helper: Pillow carries a JPEG's COM segment into what it saves."""
    prepared = photos.prepared_photo(images.upload(images.jpeg(comment=b"SECRETCOMMENT")))
    assert b"SECRETCOMMENT" not in prepared.image and b"SECRETCOMMENT" not in prepared.thumbnail
    assert "comment" not in Image.open(io.BytesIO(prepared.image)).info


def test_a_large_jpeg_is_decoded_at_a_reduced_scale_and_stored_at_the_fixed_size(event):
    prepared = photos.prepared_photo(images.upload(images.jpeg(4800, 6000)))
    assert Image.open(io.BytesIO(prepared.image)).size == (600, 750)


def test_a_photo_file_is_readable_by_the_app_alone(event):
    delegate = DelegateFactory(event=event)
    photos.add_photo(
        delegate=delegate, photo=photos.prepared_photo(images.upload(images.jpeg())), actor=services.Actor.delegate()
    )
    delegate.refresh_from_db()
    assert oct(os.stat(photo_storage().path(delegate.photo.name)).st_mode & 0o777) == "0o600"


def test_a_rejected_or_withdrawn_registration_takes_no_photo(event):
    delegate = DelegateFactory(event=event, status=DelegateStatus.REJECTED)
    with pytest.raises(services.NotEligible, match="takes no photo: it is rejected"):
        photos.add_photo(
            delegate=delegate,
            photo=photos.prepared_photo(images.upload(images.jpeg())),
            actor=services.Actor.delegate(),
        )
