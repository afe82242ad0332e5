"""A delegate's photo: checked, re-encoded and stored (`add_photo`), refused by an organizer with a
reason (`refuse_photo`, the delegate is emailed to send another), and erased with the rest of their
personal data (`erase`).

What a delegate sends is never stored as sent. `prepared_photo` reads it with Pillow only after its
size and its header's dimensions are within bounds (a 10 MB file, `PHOTO_MAX_PIXELS`: a
decompression bomb is refused before any pixel is decoded), applies the EXIF orientation, and
writes a new JPEG of a fixed size (`PHOTO_STORED_SIZE`) from the pixels alone: EXIF, GPS, ICC and
comments are gone. The small copy a door's offline admit list carries is made at the same time.

The files live in their own storage (`settings.STORAGES["photos"]`, outside every public path); the
permission-checked photo views read them, nothing else does.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from registrations import rules
from registrations.models import AuditAction, Delegate, EmailKind, photo_storage
from registrations.rules.errors import NotEligible, RegistrationError
from registrations.services import seats
from registrations.services.audit import Actor, commit, record

# What Pillow may be asked to read: the formats of phones and cameras. HEIC where a Pillow plugin
# for it is installed (Pillow alone does not read it).
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "HEIF"}
PHOTO_REFUSAL_MAX_LENGTH = 500


class PhotoRefused(RegistrationError):
    """A file that cannot be a delegate's photo; `message` says why, in words for the delegate."""


@dataclass(frozen=True)
class PreparedPhoto:
    image: bytes  # the JPEG to store
    thumbnail: bytes  # the small JPEG for the offline admit list


def prepared_photo(upload) -> PreparedPhoto:
    """The photo to store, made from an uploaded file; PhotoRefused with a clear message otherwise."""
    if upload.size > settings.PHOTO_MAX_BYTES:
        raise PhotoRefused(
            _("This file is larger than %(size)d MB: send a smaller photo.")
            % {"size": settings.PHOTO_MAX_BYTES // (1024 * 1024)},
            code="photo_too_large",
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:  # reads the header only
                _check_header(image)
                # A JPEG is decoded at the smallest scale (1/2, 1/4, 1/8) still twice the stored size:
                # a 6,000-pixel photo costs a fraction of the time and memory.
                image.draft("RGB", (2 * max(settings.PHOTO_STORED_SIZE),) * 2)
                upright = ImageOps.exif_transpose(image)  # decodes, now that the size is known
                return _encoded(upright)
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels() from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise PhotoRefused(
            _("This file is not a photo we can read: send a JPEG or PNG image."), code="photo_unreadable"
        ) from error


def _too_many_pixels() -> PhotoRefused:
    return PhotoRefused(
        _("This image has far more pixels than a photo needs: send a photo from a phone or a camera."),
        code="photo_too_many_pixels",
    )


def _check_header(image: Image.Image) -> None:
    if image.format not in ACCEPTED_FORMATS:
        raise PhotoRefused(_("Send the photo as a JPEG or PNG image."), code="photo_type")
    width, height = image.size
    if width * height > settings.PHOTO_MAX_PIXELS:
        raise _too_many_pixels()
    min_width, min_height = settings.PHOTO_MIN_SIZE
    # Before the orientation is applied a portrait may read as landscape: compare the short sides.
    if min(width, height) < min(min_width, min_height) or max(width, height) < max(min_width, min_height):
        raise PhotoRefused(
            _("This photo is %(width)d x %(height)d pixels: it must be at least %(min_width)d x %(min_height)d.")
            % {"width": width, "height": height, "min_width": min_width, "min_height": min_height},
            code="photo_too_small",
        )


def _encoded(image: Image.Image) -> PreparedPhoto:
    min_width, min_height = settings.PHOTO_MIN_SIZE
    if image.width < min_width or image.height < min_height:
        raise PhotoRefused(
            _("This photo is %(width)d x %(height)d pixels: it must be at least %(min_width)d x %(min_height)d.")
            % {"width": image.width, "height": image.height, "min_width": min_width, "min_height": min_height},
            code="photo_too_small",
        )
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    else:
        image = image.convert("RGB")
    # Head and shoulders in a 4:5 frame, centred a little above the middle.
    framed = ImageOps.fit(image, settings.PHOTO_STORED_SIZE, Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    return PreparedPhoto(
        image=_jpeg(framed, quality=85), thumbnail=_jpeg(framed.resize(settings.PHOTO_THUMBNAIL_SIZE), quality=70)
    )


def _jpeg(image: Image.Image, *, quality: int) -> bytes:
    out = io.BytesIO()
    # Pillow carries a file's comment (JPEG COM, PNG tEXt) into what it saves: none is kept.
    image.info.clear()
    image.save(out, "JPEG", quality=quality, optimize=True)  # pixels only: no EXIF, no ICC, no comment
    return out.getvalue()


@dataclass(frozen=True)
class StoredPhoto:
    """A prepared photo written to the photo storage, not yet anyone's."""

    name: str
    thumbnail: bytes


def store(photo: PreparedPhoto) -> StoredPhoto:
    name = photo_storage().save(f"{uuid.uuid4().hex}.jpg", io.BytesIO(photo.image))
    return StoredPhoto(name=name, thumbnail=photo.thumbnail)


def discard(name: str) -> None:
    if name:
        photo_storage().delete(name)


def attach(delegate: Delegate, photo: StoredPhoto, *, now=None) -> None:
    """Make a stored photo this (new, unsaved) delegate's: the signup saves the row with it."""
    delegate.photo.name = photo.name
    delegate.photo_thumbnail = photo.thumbnail
    delegate.photo_added_at = now or timezone.now()


PHOTO_FIELDS = ("photo", "photo_thumbnail", "photo_added_at", "photo_refusal")


def _void_activation(delegate: Delegate) -> None:
    """A new photo (or none) after the badge desk compared it with the person: the desk checks again."""
    if rules.activation_voided(delegate, ["photo"]):
        delegate.badge_activated_version = None


def add_photo(*, delegate: Delegate, photo: PreparedPhoto, actor: Actor) -> Delegate:
    """Store a prepared photo as the delegate's (replacing any earlier one, clearing a refusal)."""
    storage = photo_storage()
    name = store(photo).name
    try:
        with transaction.atomic():
            delegate = seats.lock_delegate(delegate)
            if delegate.anonymized_at is not None:
                raise NotEligible(_("This registration's personal data has been erased."))
            if not rules.is_active(delegate):
                raise NotEligible(
                    _("This registration takes no photo: it is %(status)s.")
                    % {"status": delegate.get_status_display().lower()}
                )
            old = delegate.photo.name
            delegate.photo.name = name
            delegate.photo_thumbnail = photo.thumbnail
            delegate.photo_added_at = timezone.now()
            delegate.photo_refusal = ""
            _void_activation(delegate)
            delegate.save(update_fields=[*PHOTO_FIELDS, "badge_activated_version", "updated_at"])
            commit([record(actor, AuditAction.PHOTO_ADDED, delegate=delegate)])
            if old:
                transaction.on_commit(lambda: storage.delete(old))
    except BaseException:
        storage.delete(name)  # nothing of a failed change stays behind
        raise
    return delegate


def refuse_photo(*, delegate: Delegate, reason: str, actor: Actor) -> Delegate:
    """An organizer refuses a delegate's photo: it is removed, the reason kept, the delegate emailed
    (in their language) to send another."""
    reason = " ".join(reason.split())
    if not reason:
        raise NotEligible(_("Say why the photo is refused: the delegate reads it."), code="reason_required")
    if len(reason) > PHOTO_REFUSAL_MAX_LENGTH:
        raise NotEligible(
            _("Keep the reason under %(n)d characters.") % {"n": PHOTO_REFUSAL_MAX_LENGTH}, code="reason_too_long"
        )
    with transaction.atomic():
        delegate = seats.lock_delegate(delegate)
        if not delegate.photo:
            raise NotEligible(_("This delegate has no photo to refuse."), code="no_photo")
        old = delegate.photo.name
        delegate.photo.name = ""
        delegate.photo_thumbnail = b""
        delegate.photo_added_at = None
        delegate.photo_refusal = reason
        _void_activation(delegate)
        delegate.save(update_fields=[*PHOTO_FIELDS, "badge_activated_version", "updated_at"])
        commit(
            [record(actor, AuditAction.PHOTO_REFUSED, delegate=delegate, reason=reason)],
            [(EmailKind.PHOTO_REFUSED, delegate, {"reason": reason})],
        )
        storage = photo_storage()
        transaction.on_commit(lambda: storage.delete(old))
    return delegate


def erase(delegates) -> None:
    """Remove these delegates' photos (files once the caller's transaction commits, the small copies
    at once). Called by the retention purge and by erasure, inside their transactions."""
    names = [d.photo.name for d in delegates if d.photo]
    Delegate.objects.filter(pk__in=[d.pk for d in delegates]).update(photo="", photo_thumbnail=b"", photo_added_at=None)
    for delegate in delegates:
        delegate.photo.name, delegate.photo_thumbnail, delegate.photo_added_at = "", b"", None
    storage = photo_storage()
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
