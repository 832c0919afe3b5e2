"""Ed25519 keys signing API tokens and receipts: the private half in a 0600 file, the public in the database.

One key signs at a time. Rotation retires it from signing but keeps its public half, so every token and
receipt it signed still verifies until it expires (tokens live at most 180 days).
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from admin import audit
from admin.samawa import SamawaError
from smedi.settings import Settings
from smedi.sql import load_queries

queries = load_queries("samawa_tokens")
type Executor = asyncpg.Pool | asyncpg.Connection


class SigningKeyError(SamawaError):
    """The signing key cannot be used (its private file is missing or does not match the database)."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    created_at: datetime
    retired_at: datetime | None


def keys_dir(settings: Settings) -> Path:
    return settings.home / "keys" / "samawa"


def key_path(settings: Settings, kid: str) -> Path:
    return keys_dir(settings) / f"{kid}.pem"


def new_kid(now: datetime) -> str:
    """Sortable by creation and safe as a file name: `20260115-3f9a1c2b`."""
    return f"{now:%Y%m%d}-{secrets.token_hex(4)}"


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def write_private_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Owner-only from the first byte: the file is created 0600, never chmod-ed after being readable."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)


def read_private_key(settings: Settings, kid: str, public: bytes) -> SigningKey:
    path = key_path(settings, kid)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise SigningKeyError(
            f"the private half of signing key {kid} is missing ({path}); run `smedi token rotate-key` to "
            "make a new one (tokens signed with the old key keep working)"
        ) from None
    if not isinstance(key, Ed25519PrivateKey) or raw_public(key.public_key()) != public:
        # Signing with a key the database does not know would make tokens nobody can verify.
        raise SigningKeyError(f"{path} is not the private half of signing key {kid}")
    return SigningKey(kid, key)


@contextlib.asynccontextmanager
async def connection(db: Executor) -> AsyncIterator[asyncpg.Connection]:
    """One connection for a transaction: the pool's, or the caller's own (its transaction nests)."""
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn:
            yield conn
    else:
        yield db


async def _add_key(conn: asyncpg.Connection, settings: Settings) -> str:
    """Make a key, write its private file, record its public half (inside the caller's transaction)."""
    key = Ed25519PrivateKey.generate()
    kid = new_kid(datetime.now(UTC))
    path = key_path(settings, kid)
    write_private_key(path, key)
    try:
        added = await conn.fetchval(queries.key_add, kid, raw_public(key.public_key()))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if added is None:
        path.unlink(missing_ok=True)
        raise SigningKeyError("another key became the signing key at the same moment; try again")
    return kid


async def current_key(db: Executor, settings: Settings) -> SigningKey:
    """The key that signs now; the first one is made on first use."""
    row = await db.fetchrow(queries.key_current)
    if row is None:
        async with connection(db) as conn, conn.transaction():
            await conn.execute(queries.rotation_lock)  # two processes starting together make one key
            row = await conn.fetchrow(queries.key_current)
            if row is None:
                await _add_key(conn, settings)
                row = await conn.fetchrow(queries.key_current)
    return read_private_key(settings, row["kid"], bytes(row["public_key"]))


async def rotate(db: Executor, settings: Settings, actor: str, client_ip: str | None = None) -> str:
    """A new signing key; the old one is retired from signing and still verifies. Returns the new kid."""
    async with connection(db) as conn, conn.transaction():
        await conn.execute(queries.rotation_lock)
        retired = await conn.fetchval(queries.key_retire_current)
        kid = await _add_key(conn, settings)
        await audit.record(
            conn, actor, "api_signing_key_rotated", kid, {"new_kid": kid, "retired_kid": retired}, client_ip
        )
    return kid


async def public_keys(db: Executor) -> dict[str, Ed25519PublicKey]:
    """kid → public key, retired keys included (they verify what they signed)."""
    return {
        row["kid"]: Ed25519PublicKey.from_public_bytes(bytes(row["public_key"]))
        for row in await db.fetch(queries.key_all)
    }


def jwk(kid: str, key: Ed25519PublicKey) -> dict[str, str]:
    """A public key as a JSON Web Key (RFC 8037): what an OPD needs to check a receipt's signature."""
    x = base64.urlsafe_b64encode(raw_public(key)).rstrip(b"=").decode()
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "use": "sig", "alg": "EdDSA"}


async def public_key(db: Executor, kid: str) -> Ed25519PublicKey | None:
    raw = await db.fetchval(queries.key_public, kid)
    return None if raw is None else Ed25519PublicKey.from_public_bytes(bytes(raw))


async def list_keys(db: Executor) -> list[KeyInfo]:
    return [KeyInfo(r["kid"], r["created_at"], r["retired_at"]) for r in await db.fetch(queries.key_all)]
