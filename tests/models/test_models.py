"""Database constraints hold on SQLite and PostgreSQL alike, whatever code writes the row."""

import csv
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from registrations.models import Institute, Session, SessionRegistration, StakeholderType
from tests.factories import DelegateFactory, SessionFactory, institute

MEMBERS_CSV = Path(__file__).resolve().parents[3] / "shared" / "reference" / "members.csv"
BUNDLED_CSV = Path(__file__).resolve().parents[2] / "registrations" / "data" / "members.csv"


def reference_rows():
    path = MEMBERS_CSV if MEMBERS_CSV.exists() else BUNDLED_CSV
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_reference_data_has_the_ten_members_from_members_csv(db):
    rows = reference_rows()
    assert len(rows) == 10
    stored = {i.iso_code: (i.member, i.name, i.email_domains) for i in Institute.objects.all()}
    assert stored == {r["iso_code"]: (r["member"], r["institute"], r["email_domains"]) for r in rows}


def test_bundled_members_csv_matches_the_shared_reference():
    if MEMBERS_CSV.exists():
        assert BUNDLED_CSV.read_text(encoding="utf-8") == MEMBERS_CSV.read_text(encoding="utf-8")


def test_email_unique_per_event_case_insensitively(event):
    DelegateFactory(event=event, email="Ada@Example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegateFactory(event=event, email="ada@example.ORG")


def test_same_email_may_register_for_another_event(event):
    DelegateFactory(event=event, email="ada@example.org")
    other = DelegateFactory(email="ada@example.org")
    assert other.event_id != event.pk


def test_government_delegate_without_institute_is_refused_by_the_database(event):
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegateFactory(event=event, stakeholder_type=StakeholderType.GOVERNMENT, institute=None, organization="")


def test_non_government_delegate_with_institute_is_refused_by_the_database(event):
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegateFactory(event=event, stakeholder_type=StakeholderType.INDUSTRY, institute=institute("US"))


def test_non_government_delegate_without_organization_is_refused_by_the_database(event):
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegateFactory(event=event, stakeholder_type=StakeholderType.CIVIL_SOCIETY, organization="")


def test_delegate_without_consent_is_refused_by_the_database(event):
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegateFactory(event=event, consent_data_processing=False)


def test_one_registration_per_delegate_and_session(event):
    session = SessionFactory(event=event)
    delegate = DelegateFactory(event=event)
    SessionRegistration.objects.create(delegate=delegate, session=session)
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionRegistration.objects.create(delegate=delegate, session=session)


def test_session_must_end_after_it_starts(event):
    session = SessionFactory(event=event)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(ends_at=session.starts_at)


def test_session_capacity_must_be_positive(event):
    session = SessionFactory(event=event)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(capacity=0)


def test_institutes_and_members_are_named_in_the_active_language(db):
    canada, britain = Institute.objects.get(iso_code="CA"), Institute.objects.get(iso_code="GB")
    with translation.override("fr"):
        assert str(canada) == "Institut canadien de la sécurité de l’intelligence artificielle (ICSIA) (Canada)"
        assert str(britain) == "AI Safety Institute (Royaume-Uni)"
    with translation.override("en"):
        assert str(britain) == "AI Safety Institute (United Kingdom)"
    # An institute organizers add shows as typed, in every language.
    other = Institute(member="Atlantis", iso_code="AT", name="Atlantis AI Office")
    with translation.override("fr"):
        assert str(other) == "Atlantis AI Office (Atlantis)"
