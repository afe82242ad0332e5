"""The badge desk and the badge bound to its holder: where the event asks for identity checks, every
door refuses a badge the desk has not activated; the desk finds the delegate by either spelling of the
name or by the badge, shows the photo and the passport name, records the document checked (its kind,
never its number) and activates the badge; the door then shows who should be holding it. Photos reach
only the staff allowed to see them."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from registrations import services
from registrations.models import AccessTier, AuditAction, AuditEntry, CheckIn, SeatStatus
from registrations.queries import door as door_queries
from registrations.queries import links
from registrations.rules import badges
from registrations.services import badge_desk, photos
from registrations.services import door as door_service
from tests import images
from tests.door.test_door import approved, door_staff, scan
from tests.factories import (
    DelegateFactory,
    EventFactory,
    SessionFactory,
    UserFactory,
    focal_point,
    institute,
    venue_time,
)

pytestmark = pytest.mark.django_db


def desk_staff(username: str = "desk"):
    user = UserFactory(username=username, is_staff=False)
    user.groups.add(Group.objects.get(name="Badge desk"))
    return user


@pytest.fixture
def checked_event(db):
    return EventFactory(badge_activation_required=True)


@pytest.fixture
def gov_session(checked_event):
    return SessionFactory(event=checked_event, title="Joint testing", access_tier=AccessTier.GOVERNMENT_ONLY)


def with_photo(delegate):
    photos.add_photo(
        delegate=delegate, photo=photos.prepared_photo(images.upload(images.jpeg())), actor=services.Actor.delegate()
    )
    delegate.refresh_from_db()
    return delegate


@pytest.fixture
def yamada(gov_session):
    delegate = approved(
        gov_session.event,
        seats=[(gov_session, SeatStatus.CONFIRMED)],
        given_name="太郎",
        family_name="山田",
        passport_name="YAMADA Taro",
        institute=institute("JP"),
    )
    return with_photo(delegate)


def test_activation_required_the_door_sends_her_to_the_badge_desk_which_activates_her_badge(
    client, yamada, gov_session
):
    code = badges.code_for(yamada)
    client.force_login(door_staff())
    refused = scan(client, gov_session, code).json()
    assert (refused["admit"], refused["reason"]) == (False, "not_activated")
    assert "badge desk" in refused["message"]
    assert "photo" not in refused  # a refusal shows no photo

    client.force_login(desk_staff())
    found = client.get(reverse("registrations:desk"), {"event": gov_session.event.pk, "q": "Yamada"})
    assert found.status_code == 200
    page_url = reverse("registrations:desk_delegate", args=[yamada.public_id])
    assert page_url in found.content.decode()
    page = client.get(page_url).content.decode()
    assert "YAMADA Taro" in page and reverse("registrations:desk_photo", args=[yamada.public_id]) in page
    assert client.get(reverse("registrations:desk_photo", args=[yamada.public_id]))["Content-Type"] == "image/jpeg"

    missing = client.post(reverse("registrations:desk_activate", args=[yamada.public_id]), {"document": "passport"})
    assert missing.status_code == 400
    assert "Check the document against the person" in missing.content.decode()
    activated = client.post(
        reverse("registrations:desk_activate", args=[yamada.public_id]),
        {"document": "passport", "identity_matches": "on"},
    )
    assert activated.status_code == 302
    yamada.refresh_from_db()
    assert (yamada.badge_activated, yamada.identity_document, yamada.identity_checked_by_name) == (
        True,
        "passport",
        "desk",
    )
    entry = AuditEntry.objects.get(delegate=yamada, action=AuditAction.BADGE_ACTIVATED)
    assert entry.details == {"document": "passport"}

    # Scanned at the desk again: it says when and by whom it was activated.
    again = client.get(reverse("registrations:desk"), {"event": gov_session.event.pk, "q": code}, follow=True)
    assert re.search(r"Activated on .* by desk \(passport\)", again.content.decode())
    assert client.get(reverse("registrations:desk_badge", args=[yamada.public_id]))["Content-Type"] == (
        "application/pdf"
    )

    client.force_login(door_staff("door2"))
    admitted = scan(client, gov_session, code).json()
    assert admitted["admit"] is True
    assert (admitted["name"], admitted["passport_name"]) == ("山田 太郎", "YAMADA Taro")
    photo = client.get(admitted["photo"])
    assert (photo.status_code, photo["Content-Type"]) == (200, "image/jpeg")
    assert "no-store" in photo["Cache-Control"] and "private" in photo["Cache-Control"]


def test_a_badge_reissued_at_the_desk_is_activated_and_the_old_one_refused(client, yamada, gov_session):
    old_code = badges.code_for(yamada)
    client.force_login(desk_staff())
    response = client.post(
        reverse("registrations:desk_reissue", args=[yamada.public_id]),
        {"document": "national_id", "identity_matches": "on"},
    )
    assert response.status_code == 302
    yamada.refresh_from_db()
    assert (yamada.badge_version, yamada.badge_activated) == (2, True)
    old = client.get(reverse("registrations:desk"), {"event": gov_session.event.pk, "q": old_code}, follow=True)
    assert "This is an old badge" in old.content.decode()
    client.force_login(door_staff())
    assert scan(client, gov_session, old_code).json()["reason"] == "reissued"
    assert scan(client, gov_session, badges.code_for(yamada)).json()["admit"] is True


def test_the_desk_refuses_to_activate_without_the_passport_spelling_of_a_non_latin_name(client, gov_session):
    delegate = with_photo(approved(gov_session.event, given_name="민준", family_name="김", passport_name=""))
    client.force_login(desk_staff())
    response = client.post(
        reverse("registrations:desk_activate", args=[delegate.public_id]),
        {"document": "passport", "identity_matches": "on"},
    )
    assert response.status_code == 409
    assert "The name as in the passport is missing" in response.content.decode()
    delegate.refresh_from_db()
    assert delegate.badge_activated_version is None
    assert client.get(reverse("registrations:desk_badge", args=[delegate.public_id])).status_code == 404


def test_a_photo_is_required_before_activation_where_the_event_asks(client, gov_session):
    event = gov_session.event
    event.photo_required = True
    event.save()
    delegate = approved(event, given_name="Priya", family_name="Shah")
    with pytest.raises(services.NotEligible, match="No photo yet"):
        badge_desk.activate(delegate=delegate, document="passport", actor=services.Actor.badge_desk(desk_staff()))


def test_door_staff_may_not_use_the_desk_and_desk_staff_may_not_scan(client, yamada, gov_session):
    client.force_login(door_staff())
    assert client.get(reverse("registrations:desk")).status_code == 403
    client.force_login(desk_staff())
    assert scan(client, gov_session, badges.code_for(yamada)).status_code == 403


def test_photos_reach_only_the_staff_allowed_to_see_them(client, yamada, gov_session):
    """An anonymous visitor, another delegate, a focal point of another member, door staff of another
    event: none of them gets the photo."""
    desk_photo = reverse("registrations:desk_photo", args=[yamada.public_id])
    admin_photo = reverse("admin:registrations_delegate_photo", args=[yamada.pk])
    own = reverse("registrations:own_photo", args=[links.make_token(yamada)])
    place = door_queries.Door(event=gov_session.event, session=gov_session, name="North")
    door_photo = reverse("registrations:door_photo", args=[door_queries.photo_token(yamada, place)])
    door_query = {"event": gov_session.event.pk, "session": gov_session.pk}

    def photo_bytes_in(response) -> bool:
        return response.status_code == 200 and response.get("Content-Type") == "image/jpeg"

    for url in (desk_photo, admin_photo, door_photo):
        assert not photo_bytes_in(client.get(url, door_query))  # anonymous

    other = DelegateFactory(event=gov_session.event)
    other_own = reverse("registrations:own_photo", args=[links.make_token(other)])
    assert client.get(other_own).status_code == 404  # another delegate's link shows their own (none)
    forged = own[:-12] + "x" * 8 + "/photo.jpg"
    assert not photo_bytes_in(client.get(forged))

    client.force_login(focal_point("GB").user)
    for url in (desk_photo, admin_photo, door_photo):
        assert not photo_bytes_in(client.get(url, door_query))

    other_event = EventFactory()
    other_session = SessionFactory(event=other_event)
    client.force_login(door_staff())
    assert client.get(door_photo, {"event": other_event.pk, "session": other_session.pk}).status_code == 404
    another_door = SessionFactory(event=gov_session.event, title="Elsewhere")
    assert client.get(door_photo, {"event": gov_session.event.pk, "session": another_door.pk}).status_code == 404
    assert photo_bytes_in(client.get(door_photo, door_query))
    assert photo_bytes_in(client.get(own))  # the delegate's own link shows her her photo


def test_a_badge_inside_a_session_at_the_same_time_is_admitted_with_a_warning(client, event):
    morning = dict(starts_at=venue_time(event, 9), ends_at=venue_time(event, 10.5))
    one = SessionFactory(event=event, title="Evaluations", access_tier=AccessTier.OPEN, **morning)
    two = SessionFactory(event=event, title="Standards", access_tier=AccessTier.OPEN, **morning)
    delegate = with_photo(approved(event, seats=[(one, SeatStatus.CONFIRMED), (two, SeatStatus.CONFIRMED)]))
    client.force_login(door_staff())
    assert scan(client, one, badges.code_for(delegate), door="Room A").json()["warning"] == ""
    second = scan(client, two, badges.code_for(delegate), door="Room B").json()
    assert second["admit"] is True and second["photo"]
    assert "already inside Evaluations (Room A" in second["warning"]
    assert "compare the photo" in second["warning"]
    listed = door_queries.admit_list(door=door_queries.Door(event=event, session=two, name="B"))
    assert CheckIn.objects.filter(delegate=delegate).count() == 2
    assert listed  # the list is computed with the same rule (the entry is now "already checked in")


def test_the_offline_admit_list_carries_a_photo_for_admissible_badges_only(client, yamada, gov_session):
    guest = with_photo(approved(gov_session.event, government=False, organization="Frontier Labs"))
    services_actor = services.Actor.badge_desk(desk_staff())
    badge_desk.activate(delegate=yamada, document="passport", actor=services_actor)
    yamada.refresh_from_db()
    client.force_login(door_staff())
    entries = client.get(
        reverse("registrations:door_admit_list"), {"event": gov_session.event.pk, "session": gov_session.pk}
    ).json()["entries"]
    admitted = entries[badges.code_hash(badges.code_for(yamada))]
    refused = entries[badges.code_hash(badges.code_for(guest))]
    assert admitted["photo"].startswith("data:image/jpeg;base64,")
    assert set(refused) == {"admit", "reason", "message"}


def test_the_door_service_worker_names_the_pages_files_and_nobody(client):
    response = client.get(reverse("registrations:door_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert "registrations/js/door.js" in body and "importScripts(" in body and "door-worker.js" in body


def test_a_door_scan_with_the_checks_costs_the_same_queries(client, yamada, gov_session, django_assert_num_queries):
    place = door_queries.Door(event=gov_session.event, session=gov_session, name="North")
    actor = services.Actor.door_staff(door_staff())
    code = badges.code_for(yamada)
    door_service.check_in(door=place, actor=actor, code=code)  # warm
    with django_assert_num_queries(2):  # refused (not activated): the delegate, the check-ins; nothing written
        result = door_service.check_in(door=place, actor=actor, code=code)
    assert result.verdict.reason == "not_activated"


@pytest.mark.parametrize("change", ["photo", "names", "passport_name", "refused_photo"])
def test_a_photo_or_name_changed_after_activation_sends_the_holder_back_to_the_desk(
    client, yamada, gov_session, change
):
    """Found by the attack helper: activate, then swap the photo and names to a friend's."""
    badge_desk.activate(delegate=yamada, document="passport", actor=services.Actor.badge_desk(desk_staff()))
    yamada.refresh_from_db()
    token = links.make_token(yamada)
    if change == "photo":
        client.post(
            reverse("registrations:add_photo", args=[token]), {"photo": images.upload(images.jpeg(colour=(0, 200, 0)))}
        )
    elif change == "refused_photo":
        photos.refuse_photo(delegate=yamada, reason="Blurred.", actor=services.Actor.organizer(desk_staff("org")))
    else:
        changes = (
            {"given_name": "Mallory", "family_name": "Impostor"}
            if change == "names"
            else {"passport_name": "IMPOSTOR Mallory"}
        )
        services.update_delegate_details(delegate=yamada, changes=changes, actor=services.Actor.delegate())
    yamada.refresh_from_db()
    assert yamada.badge_activated is False
    client.force_login(door_staff())
    assert scan(client, gov_session, badges.code_for(yamada)).json()["reason"] == "not_activated"
