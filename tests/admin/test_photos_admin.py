"""The photo and the identity check on a delegate's admin page, and refusing a photo with a reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registrations import services
from registrations.models import EmailKind, OutboundEmail
from registrations.services import photos
from tests import images
from tests.factories import DelegateFactory, organizer

pytestmark = pytest.mark.django_db


def test_an_organizer_sees_the_photo_and_refuses_it_with_a_reason(client, event):
    delegate = DelegateFactory(event=event)
    photos.add_photo(
        delegate=delegate, photo=photos.prepared_photo(images.upload(images.jpeg())), actor=services.Actor.delegate()
    )
    client.force_login(organizer())
    page = client.get(reverse("admin:registrations_delegate_change", args=[delegate.pk])).content.decode()
    assert reverse("admin:registrations_delegate_photo", args=[delegate.pk]) in page
    assert "Not yet (the badge desk checks it)." in page
    assert client.get(reverse("admin:registrations_delegate_photo", args=[delegate.pk]))["Content-Type"] == "image/jpeg"
    refuse = reverse("admin:registrations_delegate_refuse_photo", args=[delegate.pk])
    assert client.post(refuse, {"reason": ""}).status_code == 400
    assert client.post(refuse, {"reason": "The face is not visible."}).status_code == 302
    delegate.refresh_from_db()
    assert (bool(delegate.photo), delegate.photo_refusal) == (False, "The face is not visible.")
    assert OutboundEmail.objects.filter(delegate=delegate, kind=EmailKind.PHOTO_REFUSED).count() == 1
    assert client.post(refuse, {"reason": "again"}).status_code == 400  # no photo left to refuse
