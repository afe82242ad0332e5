"""Values encrypted at rest: the passport details of a visa-letter request.

`cryptography`'s Fernet (AES-128-CBC with HMAC-SHA256, a random IV per value, authenticated) under
`MultiFernet`, with the keys of `settings.VISA_DATA_KEYS`: the first key encrypts, every key
decrypts, so a new key is put first and the old ones stay until `rotate_visa_data` has re-encrypted
every row. A maintained library rather than a field package: the field packages for Django lag its
releases, and the whole of it is the twenty lines below. Values are never queried by content (a
Fernet token differs every time), only read and written with their row.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "VISA_DATA_KEYS is not set: visa-letter requests cannot be stored "
            "(generate a key with: python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
        )
    return MultiFernet([Fernet(key.encode()) for key in keys])


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.VISA_DATA_KEYS))


def encrypt(value: str) -> str:
    return cipher().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured("A visa-letter value does not decrypt with any key of VISA_DATA_KEYS.") from error


def rotate(token: str) -> str:
    """The same value encrypted with the first key (a key rotation)."""
    return cipher().rotate(token.encode()).decode() if token else ""


class EncryptedTextField(models.TextField):
    """A text stored as a Fernet token; read back as the text. An empty text is stored empty."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""
