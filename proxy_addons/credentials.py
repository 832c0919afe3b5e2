"""Proxy-Authorization parsing and argon2id verification with a short cache; pure apart from the hash."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from proxy_addons.snapshots import Directory, Employee

MAX_HEADER_LENGTH = 1024  # far above any real Basic header; longer ones are refused before decoding
CACHE_SECONDS = 300.0  # a changed password or a deactivated employee is honoured at once anyway
FAILURE_CACHE_SECONDS = (
    30.0  # a stale saved password retried by a device costs one argon2 run, not one per request
)
CACHE_SIZE = 10_000

hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when the username is unknown, so a wrong name costs as long as a wrong password.
DUMMY_HASH = hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    return hasher.hash(password)


def parse_basic(header: str) -> tuple[str, str] | None:
    """(username, password) from `Basic base64(user:pass)`, or None for anything malformed."""
    if len(header) > MAX_HEADER_LENGTH:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep or not username:
        return None
    return username.strip().lower(), password


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class _Verified:
    username: str
    password_hash: str
    expires: float


class CredentialChecker:
    """Checks Basic credentials against the in-memory directory; argon2 runs off the event loop."""

    def __init__(self) -> None:
        self._cache: dict[bytes, _Verified] = {}
        self._failures: dict[bytes, tuple[Directory, float]] = {}  # valid only for the directory it saw
        self._inflight: dict[bytes, asyncio.Future[Employee | None]] = {}

    async def check(self, header: str, directory: Directory) -> Employee | None:
        key = hashlib.sha256(header.encode("utf-8", "surrogateescape")).digest()
        hit = self._cache.get(key)
        if hit is not None:
            entry = directory.by_username.get(hit.username)
            # Valid only while the employee is active with the same hash it was verified against.
            if (
                entry
                and entry.active
                and entry.password_hash == hit.password_hash
                and hit.expires > time.monotonic()
            ):
                return entry.employee
            del self._cache[key]
        failed = self._failures.get(key)
        if failed is not None and failed[0] is directory and failed[1] > time.monotonic():
            return None
        if key in self._inflight:  # browsers open several connections with the same header at once
            return await asyncio.shield(self._inflight[key])
        future: asyncio.Future[Employee | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            employee = await self._verify(key, header, directory)
            if employee is None:
                if len(self._failures) >= CACHE_SIZE:
                    self._failures.clear()
                self._failures[key] = (directory, time.monotonic() + FAILURE_CACHE_SECONDS)
            future.set_result(employee)
            return employee
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            del self._inflight[key]

    async def _verify(self, key: bytes, header: str, directory: Directory) -> Employee | None:
        parsed = parse_basic(header)
        if parsed is None:
            return None
        username, password = parsed
        entry = directory.by_username.get(username)
        password_hash = entry.password_hash if entry and entry.active else DUMMY_HASH
        ok = await asyncio.to_thread(verify_password, password_hash, password)
        if not ok or entry is None or not entry.active:
            return None
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = _Verified(username, entry.password_hash, time.monotonic() + CACHE_SECONDS)
        return entry.employee
