"""A delegate's photo from the public pages: at signup or from the status page (EXIF gone, a bad file
refused with its message and a 400), never replacing a known address's photo; the badge waits for it
where the event asks; the passport spelling is asked for non-Latin names where identities are checked."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from registrations.models import Delegate, DelegateStatus, photo_storage
from registrations.queries import links
from tests import images
from tests.factories import DelegateFactory, institute
from tests.public.test_signup import REGISTER, assert_nothing_written, signup

pytestmark = pytest.mark.django_db


def stored(delegate) -> Image.Image:
    with photo_storage().open(delegate.photo.name, "rb") as f:
        return Image.open(io.BytesIO(f.read()))


def test_a_photo_sent_at_signup_is_stored_without_its_location(client, event, open_session):
    data = signup(sessions=[open_session.pk], photo=images.upload(images.jpeg(gps=True)))
    assert client.post(REGISTER, data).status_code == 302
    delegate = Delegate.objects.get()
    assert delegate.photo and delegate.photo_added_at is not None
    assert dict(stored(delegate).getexif()) == {}


def test_a_fake_image_at_signup_is_refused_on_its_field_and_nothing_is_written(
    client, event, open_session, photo_files
):
    before = photo_files()
    data = signup(sessions=[open_session.pk], photo=images.upload(b"%PDF-1.4 not a photo", name="me.jpg"))
    response = client.post(REGISTER, data)
    assert response.status_code == 400
    assert "not a photo we can read" in response.content.decode()
    assert_nothing_written()
    assert photo_files() == before


def test_a_signup_with_a_known_address_never_replaces_its_photo(client, event, open_session, photo_files):
    assert (
        client.post(REGISTER, signup(sessions=[open_session.pk], photo=images.upload(images.jpeg()))).status_code == 302
    )
    first = Delegate.objects.get().photo.name
    files = photo_files()
    again = signup(sessions=[open_session.pk], photo=images.upload(images.jpeg(colour=(0, 0, 0))))
    assert client.post(REGISTER, again).status_code == 302
    assert Delegate.objects.get().photo.name == first
    assert photo_files() == files  # the second file was written, then removed


def test_the_status_page_takes_a_photo_and_refuses_a_bomb_with_its_message(client, event):
    delegate = DelegateFactory(event=event)
    token = links.make_token(delegate)
    url = reverse("registrations:add_photo", args=[token])
    bomb = client.post(url, {"photo": images.upload(images.png_bomb(), name="me.png", content_type="image/png")})
    assert bomb.status_code == 400
    assert "far more pixels than a photo needs" in bomb.content.decode()
    assert client.post(url, {}).status_code == 400
    sent = client.post(url, {"photo": images.upload(images.jpeg(gps=True))})
    assert sent.status_code == 302
    delegate.refresh_from_db()
    assert dict(stored(delegate).getexif()) == {}
    page = client.get(reverse("registrations:status", args=[token])).content.decode()
    assert reverse("registrations:own_photo", args=[token]) in page
    assert 'capture="user"' in page


def test_where_the_event_asks_for_a_photo_the_badge_waits_for_it(client, event):
    event.photo_required = True
    event.save()
    delegate = DelegateFactory(event=event, status=DelegateStatus.APPROVED)
    token = links.make_token(delegate)
    badge = reverse("registrations:badge_pdf", args=[token])
    assert client.get(badge).status_code == 404
    assert (
        "Add your photo to get your badge" in client.get(reverse("registrations:status", args=[token])).content.decode()
    )
    client.post(reverse("registrations:add_photo", args=[token]), {"photo": images.upload(images.jpeg())})
    assert client.get(badge)["Content-Type"] == "application/pdf"


def test_where_identities_are_checked_a_non_latin_name_needs_its_passport_spelling(client, event, open_session):
    event.badge_activation_required = True
    event.save()
    japanese = {
        "given_name": "太郎",
        "family_name": "山田",
        "email": "taro@aisi.go.jp",
        "institute": institute("JP").pk,
    }
    refused = client.post(REGISTER, signup(sessions=[open_session.pk], **japanese))
    assert refused.status_code == 400
    assert "write it as your passport prints it" in refused.content.decode()
    assert_nothing_written()
    latin = client.post(REGISTER, signup(sessions=[open_session.pk], **japanese, passport_name="YAMADA Taro"))
    assert latin.status_code == 302
    assert Delegate.objects.get().passport_name == "YAMADA Taro"
    # A Latin name needs nothing more.
    assert client.post(REGISTER, signup(sessions=[open_session.pk], email="p@aisi.gov.uk")).status_code == 302


def test_photos_from_status_pages_are_rate_limited(client, event, settings):
    settings.PHOTO_UPLOAD_RATE = "2/h"
    url = reverse("registrations:add_photo", args=[links.make_token(DelegateFactory(event=event))])
    statuses = [client.post(url, {"photo": images.upload(images.jpeg())}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]


def test_a_body_declared_over_the_limit_is_refused_before_it_is_read(client, event):
    response = client.post(
        REGISTER, data=b"x", content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=str(12 * 2**20)
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()
