"""Proxy-Authorization parsing and verification against the in-memory directory."""

from __future__ import annotations

import asyncio
import base64

import pytest

from proxy_addons.credentials import MAX_HEADER_LENGTH, CredentialChecker, hash_password, parse_basic
from proxy_addons.snapshots import Directory


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def directory(active: bool = True, password: str = "rahasia123") -> Directory:
    return Directory.from_rows(
        [
            {
                "id": 7,
                "username": "budi",
                "full_name": "Budi",
                "org_unit_id": 3,
                "org_code": "DISKOMINFO",
                "password_hash": hash_password(password),
                "active": active,
            }
        ]
    )


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!notbase64!!!",
        "Basic " + base64.b64encode(b"no-colon-here").decode(),
        "Basic " + base64.b64encode(b":password-without-user").decode(),
        "Bearer abc.def.ghi",
        "Digest username=budi",
        "Basic",
        "",
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
        "Basic " + "A" * (MAX_HEADER_LENGTH + 10),
    ],
)
def test_malformed_headers_are_refused(header: str) -> None:
    assert parse_basic(header) is None


def test_username_is_case_insensitive_and_password_keeps_colons() -> None:
    assert parse_basic(basic("Budi", "a:b:c")) == ("budi", "a:b:c")
    assert parse_basic("basic " + base64.b64encode(b"budi:x").decode()) == ("budi", "x")


async def test_right_wrong_unknown_and_inactive() -> None:
    checker, d = CredentialChecker(), directory()
    assert (await checker.check(basic("budi", "rahasia123"), d)).username == "budi"
    assert await checker.check(basic("budi", "salah"), d) is None
    assert await checker.check(basic("siapa", "rahasia123"), d) is None
    # A cached success does not outlive deactivation or a password change.
    assert await checker.check(basic("budi", "rahasia123"), directory(active=False)) is None
    assert await checker.check(basic("budi", "rahasia123"), directory(password="baru12345")) is None


async def test_concurrent_checks_of_one_header_share_one_verification() -> None:
    checker, d = CredentialChecker(), directory()
    header = basic("budi", "rahasia123")
    results = await asyncio.gather(*(checker.check(header, d) for _ in range(6)))
    assert {r.username for r in results if r} == {"budi"}
    assert len(checker._cache) == 1


async def test_a_failure_is_remembered_until_the_directory_changes() -> None:
    checker, d = CredentialChecker(), directory(password="lama12345")
    header = basic("budi", "baru12345")
    assert await checker.check(header, d) is None
    assert await checker.check(header, d) is None  # answered from the failure cache
    assert len(checker._failures) == 1
    # The admin sets the new password: the directory is reloaded and the same header now works.
    assert (await checker.check(header, directory(password="baru12345"))).username == "budi"
