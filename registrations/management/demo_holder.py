"""The demo's badge-holder part (issue: the badge bound to its holder): the event checks identities at
the badge desk, the delegates whose names are not in Latin letters get their passport spelling, and a
Japanese delegate, 山田 太郎 (YAMADA Taro), is approved with a photo and a seat in a government-only
session, her badge not yet activated: the door sends her to the badge desk first."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from registrations import services
from registrations.models import AccessTier, Delegate, Event, Institute, Session, StakeholderType
from registrations.services import photos

# The passport spelling of the demo's names in other scripts (the family name in capitals first, as
# Japanese and Korean passports print it; a Chinese-script family name of a Latin given name likewise).
PASSPORT_NAMES = {
    "k.sato@ipa.go.jp": "SATO Kenta",
    "m.tanaka@ipa.go.jp": "TANAKA Misaki",
    "h.yamamoto@example.ac.jp": "YAMAMOTO Hiroshi",
    "ryo.suzuki@example.co.jp": "SUZUKI Ryo",
}
YAMADA_EMAIL = "t.yamada@ipa.go.jp"


def portrait(background=(226, 232, 240), skin=(224, 186, 160), clothes=(40, 60, 90)) -> bytes:
    """A drawn head-and-shoulders picture, for the demo only (600 x 750, plain background)."""
    image = Image.new("RGB", (600, 750), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 470, 510, 900), fill=clothes)
    draw.ellipse((190, 150, 410, 420), fill=skin)
    draw.ellipse((185, 120, 415, 260), fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def add_badge_holders(event: Event, sessions: list[Session]) -> None:
    for delegate in Delegate.objects.filter(event=event, email__in=PASSPORT_NAMES):
        Delegate.objects.filter(pk=delegate.pk).update(passport_name=PASSPORT_NAMES[delegate.email])
    government_only = [s for s in sessions if s.access_tier == AccessTier.GOVERNMENT_ONLY]
    plenary = sessions[0]
    wanted = [plenary, *[s for s in government_only if not services.sessions_overlap(s, plenary)][:1]]
    outcome = services.register_delegate(
        event=event,
        details={
            "given_name": "太郎",
            "family_name": "山田",
            "passport_name": "YAMADA Taro",
            "email": YAMADA_EMAIL,
            "stakeholder_type": StakeholderType.GOVERNMENT,
            "institute": Institute.objects.get(iso_code="JP"),
            "organization": "",
            "job_title": "Senior Researcher, J-AISI",
            "country": "JP",
            "dietary_needs": "",
            "accessibility_needs": "",
            "needs_visa_letter": False,
            "consent_data_processing": True,
            "consent_participant_list": True,
            "language": "ja",
        },
        sessions=wanted,
        photo=photos.prepared_photo(SimpleUploadedFile("yamada.jpg", portrait(), content_type="image/jpeg")),
    )
    yamada = outcome.delegate
    Delegate.objects.filter(pk=yamada.pk).update(is_sample=True, endorsement="endorsed")
    services.approve_delegates(delegate_ids=[yamada.pk], actor=services.Actor.system())
    # From now on every door asks for the badge desk's activation (and the passport spelling of a
    # name in another script): set once the demo's delegates are registered.
    Event.objects.filter(pk=event.pk).update(badge_activation_required=True)
