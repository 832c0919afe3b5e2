"""The organisation's root CA: pure functions over `cryptography` objects, and the files mitmproxy reads."""

from __future__ import annotations

import datetime
import os
import secrets
import stat
from collections.abc import Sequence
from pathlib import Path

import certifi
import structlog
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from mitmproxy.certs import DEFAULT_DHPARAM

log = structlog.get_logger(__name__)

# Reinstalling the CA on every employee device is costly, so it lives long; mitmproxy's own CA
# also lives 10 years. Leaf certificates (mitmproxy's, ~199 days) stay short-lived.
CA_VALIDITY = datetime.timedelta(days=10 * 365)
# Devices with a wrong clock (dead RTC battery, wrong time zone set by hand) would reject a CA
# "not yet valid"; mitmproxy back-dates by the same two days.
CA_BACKDATE = datetime.timedelta(days=2)
# RSA, not EC: old Android phones and embedded browsers in the offices still choke on EC roots.
CA_KEY_SIZE = 2048

# Names mitmproxy's CertStore.from_store(confdir, "mitmproxy", ...) and its onboarding app use.
CA_KEY_AND_CERT = "mitmproxy-ca.pem"  # key + certificate, PEM: the only CA file mitmproxy loads
CA_KEY_P12 = "mitmproxy-ca.p12"  # key + certificate, PKCS#12
CA_CERT_PEM = "mitmproxy-ca-cert.pem"
CA_CERT_CER = "mitmproxy-ca-cert.cer"  # DER here; mitmproxy itself writes PEM into its .cer
CA_CERT_P12 = "mitmproxy-ca-cert.p12"  # certificate only, PKCS#12 (Windows)
DHPARAM = "mitmproxy-dhparam.pem"  # mitmproxy writes it at load time when missing; we write it first

PRIVATE = 0o600
PUBLIC = 0o644

SYSTEM_TRUST_STORES = (
    Path("/etc/ssl/certs/ca-certificates.crt"),  # Debian, Ubuntu, Alpine
    Path("/etc/pki/tls/certs/ca-bundle.crt"),  # Fedora, RHEL
)

type CAKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def create_ca(
    common_name: str = "S'MEDI Pemerintah Kota Semarang CA",
    organization: str = "Pemerintah Kota Semarang",
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A new self-signed root that may sign leaf certificates only (path length 0)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=CA_KEY_SIZE)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )
    # Aware UTC: mitmproxy passes naive local time, which cryptography reads as UTC.
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CA_BACKDATE)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        # Limits the damage of a leaked key: this root vouches for web servers, not code or mail.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def ca_files(key: CAKey, cert: x509.Certificate) -> dict[str, tuple[bytes, int]]:
    """Every confdir file for this CA: name -> (content, mode); the public PEM last, it marks a full set."""
    no_password = serialization.NoEncryption()
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, no_password)
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    friendly_name = (common_name(cert) or "S'MEDI CA").encode()
    return {
        CA_KEY_AND_CERT: (key_pem + cert_pem, PRIVATE),
        CA_KEY_P12: (
            pkcs12.serialize_key_and_certificates(friendly_name, key, cert, None, no_password),
            PRIVATE,
        ),
        CA_CERT_CER: (cert.public_bytes(serialization.Encoding.DER), PUBLIC),
        CA_CERT_P12: (
            pkcs12.serialize_key_and_certificates(friendly_name, None, cert, None, no_password),
            PUBLIC,
        ),
        DHPARAM: (DEFAULT_DHPARAM, PUBLIC),
        CA_CERT_PEM: (cert_pem, PUBLIC),
    }


def ensure_ca(certs_dir: Path) -> Path:
    """Create the CA unless `certs_dir` already has one, complete its files, and return the confdir."""
    certs_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca_file = certs_dir / CA_KEY_AND_CERT
    if not ca_file.exists():
        new_key, new_cert = create_ca()
        try:
            _write_atomic(ca_file, ca_files(new_key, new_cert)[CA_KEY_AND_CERT][0], PRIVATE, overwrite=False)
            log.info("ca_created", path=str(ca_file), fingerprint=fingerprint_sha256(new_cert))
        except FileExistsError:
            pass  # another process created it meanwhile: theirs is the CA everybody loads
    key, cert = load_ca(certs_dir)
    files = ca_files(key, cert)
    del files[CA_KEY_AND_CERT]
    exported = certs_dir / CA_CERT_PEM
    # An admin may drop in the city's own CA: then every exported file must follow it.
    stale = not exported.exists() or exported.read_bytes() != files[CA_CERT_PEM][0]
    for name, (data, mode) in files.items():
        if stale or not (certs_dir / name).exists():
            _write_atomic(certs_dir / name, data, mode)
    return certs_dir


def load_ca(certs_dir: Path) -> tuple[CAKey, x509.Certificate]:
    """The CA key and certificate exactly as mitmproxy loads them; fails loudly on a mismatched pair."""
    ca_file = certs_dir / CA_KEY_AND_CERT
    mode = stat.S_IMODE(ca_file.stat().st_mode)
    if mode & 0o077:
        log.warning("ca_key_file_too_open", path=str(ca_file), mode=oct(mode))
    raw = ca_file.read_bytes()
    key = serialization.load_pem_private_key(raw, password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError(f"{ca_file}: mitmproxy signs with RSA or EC keys only, not {type(key).__name__}")
    cert = x509.load_pem_x509_certificates(raw)[0]
    if cert.public_key() != key.public_key():
        raise ValueError(f"{ca_file}: the private key does not belong to the first certificate")
    return key, cert


def load_ca_certificate(certs_dir: Path) -> x509.Certificate:
    """The public CA certificate, read from the public export so the portal never opens the key."""
    return x509.load_pem_x509_certificate((certs_dir / CA_CERT_PEM).read_bytes())


def ca_certificate_pem(certs_dir: Path) -> bytes:
    """The CA certificate in PEM, for download (never the key)."""
    return load_ca_certificate(certs_dir).public_bytes(serialization.Encoding.PEM)


def ca_certificate_der(certs_dir: Path) -> bytes:
    """The CA certificate in DER (`.cer`), for Windows and Android (never the key)."""
    return load_ca_certificate(certs_dir).public_bytes(serialization.Encoding.DER)


def ca_fingerprint_sha256(certs_dir: Path) -> str:
    """The CA certificate's SHA-256 fingerprint, as the portal page shows it."""
    return fingerprint_sha256(load_ca_certificate(certs_dir))


def fingerprint_sha256(cert: x509.Certificate) -> str:
    """Upper-case colon-separated hex, the form browsers and `openssl x509 -fingerprint` print."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def common_name(cert: x509.Certificate) -> str | None:
    """The subject's first common name, if any."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else None


def system_trust_store() -> Path:
    """The first system CA bundle present, else certifi's (mitmproxy's own default)."""
    return next((path for path in SYSTEM_TRUST_STORES if path.is_file()), Path(certifi.where()))


def build_upstream_bundle(extra: Sequence[Path], out: Path) -> Path:
    """Write the system trust store plus `extra` CA files to `out`, for `ssl_verify_upstream_trusted_ca`."""
    # mitmproxy trusts only this file once the option is set, so public roots must be in it too.
    parts = [system_trust_store().read_bytes().rstrip(b"\n") + b"\n"]
    for path in extra:
        # Re-encoded from the parsed certificates: a key or junk in an admin's file never spreads.
        parts.extend(cert.public_bytes(serialization.Encoding.PEM) for cert in _read_certificates(path))
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(out, b"".join(parts), PUBLIC)
    return out


def _read_certificates(path: Path) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: not a readable file of PEM certificates ({e})") from e


def _write_atomic(path: Path, data: bytes, mode: int, *, overwrite: bool = True) -> None:
    """Write through a temporary file born with its final mode, so no reader sees half a file or a key."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with open(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # raises FileExistsError instead of replacing: never clobber a CA key
        _fsync_dir(path.parent)  # a CA lost in a power cut means reinstalling it on every device
    finally:
        tmp.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
