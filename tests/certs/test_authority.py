import datetime
import os
import re
import ssl
import stat
from pathlib import Path

import certifi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.verification import PolicyBuilder, Store
from mitmproxy.certs import CertStore
from structlog.testing import capture_logs

from certs import authority
from certs.authority import (
    CA_CERT_CER,
    CA_CERT_P12,
    CA_CERT_PEM,
    CA_KEY_AND_CERT,
    CA_KEY_P12,
    DHPARAM,
    build_upstream_bundle,
    ca_certificate_der,
    ca_certificate_pem,
    ca_files,
    ca_fingerprint_sha256,
    create_ca,
    ensure_ca,
    load_ca,
    system_trust_store,
)

BEGIN_CERTIFICATE = b"-----BEGIN CERTIFICATE-----"


@pytest.fixture(scope="module")
def ca() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    return create_ca()  # RSA generation is slow enough to share


@pytest.fixture
def confdir(tmp_path: Path) -> Path:
    return ensure_ca(tmp_path / "certs")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_create_ca_is_a_root_for_leaves_only(ca: tuple[rsa.RSAPrivateKey, x509.Certificate]) -> None:
    key, cert = ca
    assert key.key_size == 2048
    assert cert.subject == cert.issuer
    assert cert.subject.rfc4514_string() == "O=Pemerintah Kota Semarang,CN=S'MEDI Pemerintah Kota Semarang CA"
    cert.verify_directly_issued_by(cert)
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [x509.ExtendedKeyUsageOID.SERVER_AUTH]


def test_create_ca_is_backdated_and_long_lived(ca: tuple[rsa.RSAPrivateKey, x509.Certificate]) -> None:
    _, cert = ca
    now = datetime.datetime.now(datetime.UTC)
    assert now - cert.not_valid_before_utc > datetime.timedelta(days=1)  # survives a day of clock skew
    assert cert.not_valid_after_utc - now > datetime.timedelta(days=9 * 365)


def test_ensure_ca_writes_what_mitmproxy_reads(tmp_path: Path) -> None:
    certs_dir = ensure_ca(tmp_path / "var" / "certs")
    assert certs_dir == tmp_path / "var" / "certs"
    assert _mode(certs_dir) == 0o700
    assert {p.name for p in certs_dir.iterdir()} == {
        CA_KEY_AND_CERT,
        CA_KEY_P12,
        CA_CERT_PEM,
        CA_CERT_CER,
        CA_CERT_P12,
        DHPARAM,
    }
    for private in (CA_KEY_AND_CERT, CA_KEY_P12):
        assert _mode(certs_dir / private) == 0o600
    for public in (CA_CERT_PEM, CA_CERT_CER, CA_CERT_P12, DHPARAM):
        assert _mode(certs_dir / public) == 0o644 & ~_umask()
    key, cert = load_ca(certs_dir)
    assert b"PRIVATE KEY" in (certs_dir / CA_KEY_AND_CERT).read_bytes()
    assert x509.load_der_x509_certificate((certs_dir / CA_CERT_CER).read_bytes()) == cert
    p12_key, p12_cert, _ = pkcs12.load_key_and_certificates((certs_dir / CA_KEY_P12).read_bytes(), None)
    assert p12_cert == cert and p12_key is not None and p12_key.public_key() == key.public_key()
    keyless = pkcs12.load_pkcs12((certs_dir / CA_CERT_P12).read_bytes(), None)
    # Without a key the certificate is stored as an "additional" one; Windows imports it all the same.
    assert keyless.key is None and [c.certificate for c in keyless.additional_certs] == [cert]


def test_ensure_ca_keeps_an_existing_ca(confdir: Path) -> None:
    before = _snapshot(confdir)
    assert ensure_ca(confdir) == confdir
    assert _snapshot(confdir) == before


def test_ensure_ca_restores_a_missing_export_from_the_existing_ca(confdir: Path) -> None:
    before = _snapshot(confdir)
    (confdir / CA_CERT_CER).unlink()
    (confdir / DHPARAM).unlink()
    ensure_ca(confdir)
    assert _snapshot(confdir) == before


def test_ensure_ca_follows_a_dropped_in_ca(
    confdir: Path, ca: tuple[rsa.RSAPrivateKey, x509.Certificate]
) -> None:
    key, cert = ca
    (confdir / CA_KEY_AND_CERT).write_bytes(ca_files(key, cert)[CA_KEY_AND_CERT][0])
    ensure_ca(confdir)
    assert ca_certificate_der(confdir) == cert.public_bytes(serialization.Encoding.DER)
    assert (confdir / CA_CERT_CER).read_bytes() == cert.public_bytes(serialization.Encoding.DER)
    _, p12_cert, _ = pkcs12.load_key_and_certificates((confdir / CA_KEY_P12).read_bytes(), None)
    assert p12_cert == cert


def test_created_ca_is_logged_without_its_key(tmp_path: Path) -> None:
    with capture_logs() as logs:
        certs_dir = ensure_ca(tmp_path / "certs")
    assert [entry["event"] for entry in logs] == ["ca_created"]
    assert logs[0]["fingerprint"] == ca_fingerprint_sha256(certs_dir)
    assert "PRIVATE" not in repr(logs)


def test_load_ca_rejects_a_key_that_does_not_match(
    confdir: Path, ca: tuple[rsa.RSAPrivateKey, x509.Certificate]
) -> None:
    other_key, _ = ca
    _, cert = load_ca(confdir)
    other_key_pem = other_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (confdir / CA_KEY_AND_CERT).write_bytes(other_key_pem + cert.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(ValueError, match="does not belong"):
        load_ca(confdir)


def test_mitmproxy_certstore_signs_with_our_ca(confdir: Path) -> None:
    before = _snapshot(confdir)
    store = CertStore.from_store(confdir, "mitmproxy", 2048)
    assert _snapshot(confdir) == before  # mitmproxy loaded our files and created none of its own
    _, ca_cert = load_ca(confdir)
    assert store.default_ca.to_cryptography() == ca_cert

    entry = store.get_cert("news.test", [x509.DNSName("news.test")])
    leaf = entry.cert.to_cryptography()
    assert leaf.issuer == ca_cert.subject
    leaf.verify_directly_issued_by(ca_cert)
    verifier = PolicyBuilder().store(Store([ca_cert])).build_server_verifier(x509.DNSName("news.test"))
    chain = verifier.verify(leaf, [])
    assert chain[-1] == ca_cert


def test_exports_round_trip_and_hold_no_key(confdir: Path) -> None:
    _, cert = load_ca(confdir)
    pem = ca_certificate_pem(confdir)
    der = ca_certificate_der(confdir)
    assert x509.load_pem_x509_certificate(pem) == cert
    assert x509.load_der_x509_certificate(der) == cert
    assert b"PRIVATE" not in pem and b"PRIVATE" not in der


def test_fingerprint_is_the_colon_separated_sha256(confdir: Path) -> None:
    _, cert = load_ca(confdir)
    fingerprint = ca_fingerprint_sha256(confdir)
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", fingerprint)
    assert bytes.fromhex(fingerprint.replace(":", "")) == cert.fingerprint(hashes.SHA256())


def test_upstream_bundle_is_the_system_store_plus_extras(
    tmp_path: Path, ca: tuple[rsa.RSAPrivateKey, x509.Certificate]
) -> None:
    key, intranet_ca = ca
    extra = tmp_path / "intranet-ca.pem"
    extra.write_bytes(ca_files(key, intranet_ca)[CA_KEY_AND_CERT][0])  # a careless admin's file, key included

    out = build_upstream_bundle([extra], tmp_path / "bundle" / "upstream-ca.pem")

    # Counted, not parsed: cryptography warns on a few legacy roots (non-positive serials) in system stores.
    system = system_trust_store().read_bytes()
    bundle = out.read_bytes()
    assert bundle == system.rstrip(b"\n") + b"\n" + intranet_ca.public_bytes(serialization.Encoding.PEM)
    assert bundle.count(BEGIN_CERTIFICATE) == system.count(BEGIN_CERTIFICATE) + 1
    assert b"PRIVATE KEY" not in bundle
    assert [p.name for p in out.parent.iterdir()] == ["upstream-ca.pem"]  # no temporary file left behind
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=out)  # what mitmproxy does with ssl_verify_upstream_trusted_ca
    assert intranet_ca.public_bytes(serialization.Encoding.DER) in context.get_ca_certs(binary_form=True)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a certificate\n",
        b"-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n",
        None,
    ],
    ids=["empty", "text", "broken-pem", "missing"],
)
def test_upstream_bundle_rejects_a_bad_extra_file_by_name(tmp_path: Path, content: bytes | None) -> None:
    good = tmp_path / "good.pem"
    good.write_bytes(ensure_ca(tmp_path / "certs").joinpath(CA_CERT_PEM).read_bytes())
    bad = tmp_path / "bad-ca.pem"
    if content is not None:
        bad.write_bytes(content)
    out = tmp_path / "upstream-ca.pem"
    with pytest.raises(ValueError, match=re.escape(str(bad))):
        build_upstream_bundle([good, bad], out)
    assert not out.exists()


def test_upstream_bundle_rejects_der_and_key_only_files(
    tmp_path: Path, ca: tuple[rsa.RSAPrivateKey, x509.Certificate]
) -> None:
    key, cert = ca
    der = tmp_path / "ca.cer"
    der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    key_only = tmp_path / "ca.key"
    key_only.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    for path in (der, key_only):
        with pytest.raises(ValueError, match=re.escape(str(path))):
            build_upstream_bundle([path], tmp_path / "upstream-ca.pem")


def test_system_trust_store_is_a_pem_bundle() -> None:
    path = system_trust_store()
    assert path in (*authority.SYSTEM_TRUST_STORES, Path(certifi.where()))
    assert path.read_bytes().count(BEGIN_CERTIFICATE) > 10
