"""Fast settings for the test suite: the production settings with a test key and quick hashing."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
WHITENOISE_AUTOREFRESH = True  # no collectstatic needed in tests
# Two-factor login is switched on only by the tests about it (override_settings).
ADMIN_REQUIRE_2FA = False
# Photos written by the tests go to a folder of their own, emptied by the `photo_root` fixture.
PHOTO_ROOT = Path(tempfile.gettempdir()) / f"registrations-test-photos-{os.getpid()}"
STORAGES["photos"]["OPTIONS"]["location"] = PHOTO_ROOT  # noqa: F405
# A fixed Fernet key for the visa-letter data (tests of rotation add their own).
VISA_DATA_KEYS = ["dGVzdC12aXNhLWRhdGEta2V5LTMyLWJ5dGVzLWxvbmc="]
