"""Reading a delegate's stored photo (for the permission-checked views that serve it)."""

from __future__ import annotations

from registrations.models import Delegate, photo_storage


def photo_bytes(delegate: Delegate) -> bytes | None:
    """The stored photo's bytes, or None (no photo, or its file is gone)."""
    if not delegate.photo:
        return None
    try:
        with photo_storage().open(delegate.photo.name, "rb") as stored:
            return stored.read()
    except FileNotFoundError:
        return None
