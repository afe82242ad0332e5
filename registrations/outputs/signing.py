"""The visa letters' digital signature: PAdES (PDF Advanced Electronic Signatures), with pyHanko.

The certificate comes from the environment: `VISA_SIGNING_CERT` and `VISA_SIGNING_KEY` (PEM files;
the certificate file may carry its chain) or `VISA_SIGNING_PKCS12` (one .p12 file), with
`VISA_SIGNING_KEY_PASSWORD` if the key is protected. `write_self_signed` makes a self-signed one
for the demo and the tests; a real deployment uses a certificate a consulate can trust (the host
government's or a qualified trust service's).
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

SIGNATURE_FIELD = "VisaLetterSignature"


class SigningUnavailable(RuntimeError):
    """No signing certificate is configured (or it cannot be read)."""


def configured() -> bool:
    if settings.VISA_SIGNING_PKCS12:
        return Path(settings.VISA_SIGNING_PKCS12).is_file()
    return bool(settings.VISA_SIGNING_CERT and settings.VISA_SIGNING_KEY) and all(
        Path(p).is_file() for p in (settings.VISA_SIGNING_CERT, settings.VISA_SIGNING_KEY)
    )


@lru_cache(maxsize=4)
def _signer(cert: str, key: str, pkcs12: str, password: str) -> signers.SimpleSigner:
    passphrase = password.encode() if password else None
    if pkcs12:
        signer = signers.SimpleSigner.load_pkcs12(pkcs12, passphrase=passphrase)
    else:
        signer = signers.SimpleSigner.load(key, cert, ca_chain_files=(cert,), key_passphrase=passphrase)
    if signer is None:
        raise SigningUnavailable("The visa-letter signing certificate or key cannot be read.")
    return signer


def signer() -> signers.SimpleSigner:
    if not configured():
        raise SigningUnavailable(
            "No visa-letter signing certificate: set VISA_SIGNING_CERT and VISA_SIGNING_KEY (PEM) "
            "or VISA_SIGNING_PKCS12."
        )
    return _signer(
        settings.VISA_SIGNING_CERT,
        settings.VISA_SIGNING_KEY,
        settings.VISA_SIGNING_PKCS12,
        settings.VISA_SIGNING_KEY_PASSWORD,
    )


def sign(pdf: bytes, *, reason: str, location: str) -> bytes:
    """The PDF with a PAdES signature over all of it: any byte changed afterwards breaks it."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    return signers.sign_pdf(writer, meta, signer=signer()).getvalue()


def write_self_signed(directory: Path, *, common_name: str = "Visa letters (demo, self-signed)") -> tuple[Path, Path]:
    """A self-signed certificate and its key as PEM files in `directory` (made private to its owner)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return cert_path, key_path
