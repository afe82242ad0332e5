"""The list of participants: its order in each language, the head of delegation first, consent
counts, the passport spelling beside names in another script, and who may download which part."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from registrations import services
from registrations.models import AuditAction, AuditEntry, DelegateStatus, StakeholderType
from registrations.outputs import participants_list
from registrations.queries import links
from registrations.queries.participants import participants_list as groups_of
from tests.documents_helpers import PASSPORT_NUMBER, requested
from tests.factories import DelegateFactory, focal_point, institute


def approved(event, **fields):
    fields.setdefault("consent_participant_list", True)
    return DelegateFactory(event=event, status=DelegateStatus.APPROVED, **fields)


@pytest.fixture
def delegations(event, organizer_actor):
    gb, jp, ke = institute("GB"), institute("JP"), institute("KE")
    approved(event, government=True, institute=gb, given_name="Zoe", family_name="Adams", job_title="Director")
    head = approved(event, government=True, institute=gb, given_name="Yann", family_name="Zephyr")
    services.set_head_of_delegation(delegate=head, head=True, actor=organizer_actor)
    approved(event, government=True, institute=gb, consent_participant_list=False)
    approved(event, government=True, institute=gb, consent_participant_list=False)
    approved(event, government=True, institute=jp, given_name="太郎", family_name="山田", passport_name="YAMADA Taro")
    approved(event, government=True, institute=ke, given_name="Amina", family_name="Wanjiru")
    DelegateFactory(event=event, government=True, institute=ke, given_name="Pending", family_name="Person")
    approved(event, stakeholder_type=StakeholderType.INDUSTRY, organization="Acme AI", given_name="Ivy")
    approved(event, stakeholder_type=StakeholderType.ACADEMIA, organization="Oxford", given_name="Abe")
    return event


def test_order_head_first_and_consent_counts(delegations):
    groups = list(groups_of(delegations))

    assert [(g.heading, g.subheading) for g in groups] == [
        ("Japan", "Japan AI Safety Institute (J-AISI)"),
        ("Kenya", "Ministry of Information Communications and the Digital Economy"),
        ("United Kingdom", "AI Safety Institute"),
        ("Academia", "Oxford"),
        ("Industry", "Acme AI"),
    ]
    uk = groups[2]
    assert [(p.name, p.head) for p in uk.participants] == [("Yann Zephyr", True), ("Zoe Adams", False)]
    assert uk.unlisted == 2
    assert [(p.name, p.passport_name) for p in groups[0].participants] == [("山田 太郎", "YAMADA Taro")]
    assert [p.name for p in groups[1].participants] == ["Amina Wanjiru"]  # the pending one is not listed


def test_order_follows_the_language(delegations):
    with translation.override("fr"):
        headings = [g.heading for g in groups_of(delegations) if g.institute_id]

    assert headings == ["Japon", "Kenya", "Royaume-Uni"]


def test_pdf_in_french_provisional_with_counts(delegations):
    out = io.BytesIO()
    count = participants_list.write_pdf(delegations, out, language="fr")

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(out.getvalue())).pages)
    assert count == 6
    assert "Royaume-Uni" in text
    assert "provisoire" in text.lower()
    assert "YAMADA Taro" in text
    assert "2 autres participants" in text


def test_final_list_says_final(delegations, organizer_actor):
    services.mark_participants_list(event=delegations, final=True, actor=organizer_actor)
    delegations.refresh_from_db()

    assert participants_list.status_line(delegations) == "Final list of participants"


def test_xlsx_rows_and_no_passport_number(delegations):
    visa_holder = delegations.delegates.get(given_name="Amina")
    requested(visa_holder)
    out = io.BytesIO()
    participants_list.write_xlsx(delegations, out, language="en")

    rows = list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))
    assert rows[0] == (
        "Member or stakeholder type",
        "Institute or organization",
        "Name",
        "Name as in the passport",
        "Position",
        "Head of delegation",
    )
    assert ("United Kingdom", "AI Safety Institute", "and 2 other participants", None, None, None) in rows
    assert PASSPORT_NUMBER not in repr(rows)


def test_focal_point_gets_their_section_only(client, delegations):
    gb = focal_point("GB")
    client.force_login(gb.user)

    response = client.get(
        reverse("registrations:portal_participants_list", args=[delegations.slug, "xlsx"]) + "?language=fr"
    )

    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == {"Royaume-Uni"}
    entry = AuditEntry.objects.get(action=AuditAction.PARTICIPANTS_LIST_DOWNLOADED)
    assert (entry.actor_user, entry.details["institute"], entry.details["language"]) == (
        gb.user,
        institute("GB").pk,
        "fr",
    )


def test_focal_point_sets_head_of_own_delegation_only(client, delegations):
    gb = focal_point("GB")
    client.force_login(gb.user)
    ours = delegations.delegates.get(given_name="Zoe")
    theirs = delegations.delegates.get(given_name="Amina")

    url = reverse("registrations:portal_head_of_delegation", args=[delegations.slug, ours.pk])
    assert client.post(url, {"head": "1"}).status_code == 302
    other = reverse("registrations:portal_head_of_delegation", args=[delegations.slug, theirs.pk])
    assert client.post(other, {"head": "1"}).status_code == 404

    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.head_of_delegation, theirs.head_of_delegation) == (True, False)


def test_approved_delegate_downloads_pending_does_not(client, delegations):
    amina = delegations.delegates.get(given_name="Amina")
    pending = delegations.delegates.get(given_name="Pending")

    def url(delegate):
        return reverse("registrations:participants_list_file", args=[links.make_token(delegate), "pdf"])

    assert client.get(url(amina)).status_code == 200
    assert client.get(url(pending)).status_code == 404
    assert AuditEntry.objects.filter(action=AuditAction.PARTICIPANTS_LIST_DOWNLOADED).count() == 1


def test_organizer_downloads_the_whole_list(organizer_client, delegations):
    url = reverse("admin:registrations_event_participants", args=[delegations.pk])

    assert organizer_client.get(url).status_code == 200
    response = organizer_client.get(url, {"language": "ja", "file_format": "pdf"})

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'participants-{delegations.slug}-ja.pdf"')
    assert AuditEntry.objects.get(action=AuditAction.PARTICIPANTS_LIST_DOWNLOADED).details["language"] == "ja"
    assert organizer_client.get(url, {"language": "xx", "file_format": "pdf"}).status_code == 404


def test_list_query_count_does_not_grow(delegations, django_assert_max_num_queries):
    for n in range(20):
        approved(delegations, government=True, institute=institute("GB"), given_name=f"Extra{n}")

    with django_assert_max_num_queries(3):
        list(groups_of(delegations))


def test_organizer_makes_head_of_delegation_from_the_delegate_list(organizer_client, delegations):
    zoe = delegations.delegates.get(given_name="Zoe")
    changelist = reverse("admin:registrations_delegate_changelist")

    organizer_client.post(changelist, {"action": "make_head_of_delegation", "_selected_action": [zoe.pk]})

    heads = set(delegations.delegates.filter(head_of_delegation=True).values_list("given_name", flat=True))
    assert heads == {"Zoe"}
    entry = AuditEntry.objects.filter(action=AuditAction.HEAD_OF_DELEGATION_SET, delegate=zoe).get()
    assert entry.details == {"head": True}
