"""The visa letter: what it says in each language (text read back with pypdf), and its PAdES
signature, checked with pyHanko's validator; one changed byte breaks it."""

import io

import pytest
from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from registrations.outputs import visa_letter
from tests.documents_helpers import issued, kenyan

# What the letter calls itself in each language (the catalogs' translation).
TITLES = {"en": "Visa support letter", "fr": "Lettre d'appui", "ja": "査証", "ko": "비자"}


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def trust(visa_signing_files) -> ValidationContext:
    cert_path, _key = visa_signing_files
    _type, _headers, der = pem.unarmor(cert_path.read_bytes())
    return ValidationContext(trust_roots=[x509.Certificate.load(der)])


@pytest.mark.parametrize("language", ["en", "fr", "ja", "ko"])
def test_letter_names_the_delegate_the_event_and_the_reference(event, organizer_actor, language):
    visa = issued(kenyan(event, language=language), organizer_actor)

    text = text_of(visa_letter.letter_pdf(visa))

    for expected in (
        "WANJIRU Amina",
        "AK9078123",
        visa.reference,
        event.name,
        visa_letter.verification_url(visa.reference),
        "Consulate General of the United States, Nairobi",
        TITLES[language],
    ):
        assert expected in text
    assert ("Kenya" if language in ("en", "fr") else {"ja": "ケニア", "ko": "케냐"}[language]) in text


def test_letter_states_purpose_and_what_the_host_covers(event, organizer_actor):
    event.visa_host = "U.S. Department of Commerce"
    event.visa_purpose = "To take part in the convening as a member's delegate."
    event.visa_covered = "Meals during the sessions."
    event.visa_not_covered = "Travel and lodging."
    event.visa_signatory_name = "Jane Doe"
    event.save()
    visa = issued(kenyan(event), organizer_actor)

    text = text_of(visa_letter.letter_pdf(visa))

    for expected in (
        "U.S. Department of Commerce",
        "To take part in the convening",
        "The host covers: Meals during the sessions.",
        "The host does not cover: Travel and lodging.",
        "Jane Doe",
    ):
        assert expected in text


def test_signature_validates(event, organizer_actor, visa_signing_files):
    pdf = visa_letter.letter_pdf(issued(kenyan(event), organizer_actor))

    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    status = validate_pdf_signature(signature, trust(visa_signing_files))

    assert (status.intact, status.valid, status.trusted, status.bottom_line) == (True, True, True, True)
    assert status.coverage.name == "ENTIRE_FILE"


def test_a_changed_byte_breaks_the_signature(event, organizer_actor, visa_signing_files):
    visa = issued(kenyan(event), organizer_actor)
    pdf = bytearray(visa_letter.letter_pdf(visa))
    # Inside the signed range, outside the signature's own bytes: the first content stream.
    at = bytes(pdf).index(b"stream") + 20
    pdf[at] = (pdf[at] + 1) % 256

    signature = PdfFileReader(io.BytesIO(bytes(pdf)), strict=False).embedded_signatures[0]
    status = validate_pdf_signature(signature, trust(visa_signing_files))

    assert status.intact is False  # the document's digest no longer matches the signed one
    assert status.bottom_line is False
