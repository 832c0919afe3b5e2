"""Token attacks on a real database: every one refused with a clear code, audited and recorded as a use.

Also the happy path, key rotation (old tokens keep working), and signed receipts.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from admin.directory import add_org
from admin.samawa import signing_keys, token_store, tokens
from admin.samawa.tokens import TokenRefused
from smedi.settings import Settings

CLIENT_IP = "10.20.30.40"
DAY = 86400


@dataclass(frozen=True)
class World:
    """Two OPDs and three datasets: DINSOS produces kemiskinan-kelurahan and penerima-bansos."""

    db: asyncpg.Pool
    settings: Settings
    orgs: dict[str, int]


async def add_dataset(db: asyncpg.Pool, slug: str, org_unit_id: int) -> None:
    await db.execute(
        "INSERT INTO datasets (slug, title, org_unit_id, schema, created_by) "
        "VALUES ($1, $2, $3, '{}'::jsonb, 'uji')",
        slug, f"Data {slug}", org_unit_id,
    )  # fmt: skip


@pytest.fixture
async def world(db: asyncpg.Pool, database_url: str, smedi_home: Path) -> World:
    settings = dataclasses.replace(Settings(), database_url=database_url, home=smedi_home)
    orgs = {
        "DINSOS": await add_org(db, "DINSOS", "Dinas Sosial"),
        "BAPPEDA": await add_org(db, "BAPPEDA", "Badan Perencanaan Pembangunan Daerah"),
    }
    await add_dataset(db, "kemiskinan-kelurahan", orgs["DINSOS"])
    await add_dataset(db, "penerima-bansos", orgs["DINSOS"])
    await add_dataset(db, "realisasi-apbd", orgs["BAPPEDA"])
    return World(db, settings, orgs)


async def issue(world: World, **kwargs: Any) -> token_store.IssuedToken:
    args: dict[str, Any] = {"org_code": "DINSOS", "datasets": ["kemiskinan-kelurahan"], "actor": "walidata"}
    return await token_store.issue(world.db, world.settings, **(args | kwargs))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: dict[str, Any]) -> str:
    return b64(json.dumps(value).encode())


def claims_for(
    org: str = "DINSOS", datasets: tuple[str, ...] = ("kemiskinan-kelurahan",), **changes: Any
) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": tokens.ISSUER, "sub": org, "aud": tokens.AUDIENCE,
        "scope": {"datasets": list(datasets), "actions": ["submit"]},
        "iat": now, "nbf": now, "exp": now + 30 * DAY, "jti": str(uuid.uuid4()),
    }  # fmt: skip
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


async def signed(world: World, claims: dict[str, Any]) -> str:
    """Signed by the portal's own key: only the claims are wrong."""
    return tokens.encode(claims, await signing_keys.current_key(world.db, world.settings))


async def record_token(world: World, token: str) -> None:
    """Record a hand-made token as issued, bypassing the store's checks (as a bug or an old row might)."""
    header, claims = jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})
    await world.db.execute(
        "INSERT INTO api_tokens (jti, kid, org_unit_id, datasets, actions, issued_at, expires_at, issued_by) "
        "VALUES ($1, $2, $3, $4, $5, to_timestamp($6), to_timestamp($7), 'uji')",
        uuid.UUID(claims["jti"]), header["kid"], world.orgs[claims["sub"]], claims["scope"]["datasets"],
        claims["scope"]["actions"], claims["iat"], claims["exp"],
    )  # fmt: skip


async def authenticate(world: World, authorization: str | None, dataset: str = "kemiskinan-kelurahan",
                       action: str = "submit") -> tokens.TokenClaims:  # fmt: skip
    return await tokens.authenticate(
        world.db, authorization, dataset=dataset, action=action, client_ip=CLIENT_IP
    )


async def assert_refused(
    world: World, authorization: str | None, status: int, code: str, *,
    dataset: str = "kemiskinan-kelurahan", action: str = "submit", jti: str | None = None,
) -> TokenRefused:  # fmt: skip
    """Refused with `code`, one audit row and one use row saying so, and the token written nowhere."""
    uses_before = await world.db.fetchval("SELECT count(*) FROM api_token_uses")
    with pytest.raises(TokenRefused) as caught:
        await authenticate(world, authorization, dataset, action)
    refused = caught.value
    assert (refused.status, refused.code) == (status, code), refused.message
    assert refused.message

    audit_rows = await world.db.fetch(
        "SELECT actor, target, details, host(client_ip) AS ip FROM audit_log "
        "WHERE action = 'api_token_refused'"
    )
    assert len(audit_rows) == 1
    details = json.loads(audit_rows[0]["details"])
    assert details == {"code": code, "dataset": dataset, "action": action, "jti": jti}
    assert (audit_rows[0]["target"], audit_rows[0]["ip"]) == (dataset, CLIENT_IP)

    uses = await world.db.fetch(
        "SELECT jti, host(ip) AS ip, dataset, outcome FROM api_token_uses ORDER BY id"
    )
    assert len(uses) == uses_before + 1
    use = uses[-1]
    assert (use["ip"], use["dataset"], use["outcome"]) == (CLIENT_IP, dataset, f"refused:{code}")
    assert (str(use["jti"]) if use["jti"] else None) == jti

    if authorization:  # a credential, even a forged one, is never stored
        secret_parts = [p for p in authorization.replace("Bearer ", "").split(".") if len(p) > 20]
        written = json.dumps([dict(r) for r in audit_rows], default=str)
        written += json.dumps([dict(r) for r in uses], default=str)
        for part in secret_parts:
            assert part not in written
    return refused


async def test_a_valid_token_is_accepted_and_its_uses_recorded(world: World) -> None:
    issued = await issue(world, datasets=["kemiskinan-kelurahan", "penerima-bansos"], days=30)
    claims = await authenticate(world, f"Bearer {issued.token}", "penerima-bansos")
    assert claims == tokens.TokenClaims(
        jti=issued.jti, org_code="DINSOS", org_unit_id=world.orgs["DINSOS"],
        datasets=("kemiskinan-kelurahan", "penerima-bansos"), actions=("submit",),
        kid=(await signing_keys.current_key(world.db, world.settings)).kid, expires_at=issued.expires_at,
    )  # fmt: skip
    header = jwt.get_unverified_header(issued.token)
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": claims.kid}
    payload = jwt.decode(issued.token, options={"verify_signature": False})
    assert set(payload) == {"iss", "sub", "aud", "scope", "iat", "nbf", "exp", "jti"}
    assert payload["exp"] - payload["iat"] == 30 * DAY
    # authenticate records refusals only: the API records how an accepted request ended
    assert await world.db.fetchval("SELECT count(*) FROM api_token_uses") == 0
    await tokens.record_use(world.db, claims.jti, CLIENT_IP, "penerima-bansos", "accepted")
    await tokens.record_use(world.db, claims.jti, "not an address", "penerima-bansos", "dry_run")
    found = await token_store.uses(world.db, issued.jti)
    assert [(u.ip, u.dataset, u.outcome) for u in found] == [
        (None, "penerima-bansos", "dry_run"),
        (CLIENT_IP, "penerima-bansos", "accepted"),
    ]
    assert await world.db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'api_token_refused'") == 0


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "missing_token"),
        ("", "missing_token"),
        ("   ", "missing_token"),
        ("Basic ZGluc29zOnJhaGFzaWE=", "malformed_token"),
        ("Bearer", "malformed_token"),
        ("Bearer not-a-token", "malformed_token"),
        ("Bearer a.b", "malformed_token"),
        ("Bearer !!!.???.***", "malformed_token"),
        ("Bearer eyJhbGciOiJFZERTQSJ9.e30 .x", "malformed_token"),
    ],
)
async def test_a_missing_or_malformed_header_is_refused(
    world: World, authorization: str | None, code: str
) -> None:
    await assert_refused(world, authorization, 401, code)


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_alg_none_is_refused(world: World, alg: str) -> None:
    kid = (await signing_keys.current_key(world.db, world.settings)).kid
    forged = f"{b64json({'alg': alg, 'typ': 'JWT', 'kid': kid})}.{b64json(claims_for())}."
    await assert_refused(world, f"Bearer {forged}", 401, "alg_not_allowed")


@pytest.mark.parametrize("secret_form", ["pem", "raw", "openssh"])
async def test_hs256_signed_with_the_public_key_is_refused(world: World, secret_form: str) -> None:
    """The classic confusion: the verifier's public key used as an HMAC secret an attacker also knows."""
    key = await signing_keys.current_key(world.db, world.settings)
    public = key.public_key
    secret = {
        "pem": public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "raw": signing_keys.raw_public(public),
        "openssh": public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
    }[secret_form]
    issued = await issue(world)  # even the id of a real token does not help
    claims = claims_for(jti=issued.jti)
    signing_input = f"{b64json({'alg': 'HS256', 'typ': 'JWT', 'kid': key.kid})}.{b64json(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    await assert_refused(world, f"Bearer {signing_input}.{b64(signature)}", 401, "alg_not_allowed")


async def test_an_expired_token_is_refused(world: World) -> None:
    now = int(time.time())
    token = await signed(world, claims_for(iat=now - 40 * DAY, nbf=now - 40 * DAY, exp=now - 3600))
    await assert_refused(world, f"Bearer {token}", 401, "expired")


async def test_expiry_allows_30_seconds_of_clock_skew_and_no_more(world: World) -> None:
    now = int(time.time())
    token = await signed(world, claims_for(iat=now - DAY, nbf=now - DAY, exp=now - 5))
    await record_token(world, token)
    assert (await authenticate(world, f"Bearer {token}")).org_code == "DINSOS"
    late = await signed(world, claims_for(iat=now - DAY, nbf=now - DAY, exp=now - 120))
    await assert_refused(world, f"Bearer {late}", 401, "expired")


@pytest.mark.parametrize("claim", ["nbf", "iat"])
async def test_a_token_not_yet_valid_is_refused(world: World, claim: str) -> None:
    future: dict[str, Any] = {claim: int(time.time()) + 3600}
    token = await signed(world, claims_for(**future))
    await assert_refused(world, f"Bearer {token}", 401, "not_yet_valid")


@pytest.mark.parametrize("aud", ["ckan", "samawa-api-v2", ["other-api"]])
async def test_a_token_for_another_audience_is_refused(world: World, aud: object) -> None:
    token = await signed(world, claims_for(aud=aud))
    await assert_refused(world, f"Bearer {token}", 401, "wrong_audience")


async def test_a_token_of_another_issuer_is_refused(world: World) -> None:
    token = await signed(world, claims_for(iss="https://data.example.go.id"))
    await assert_refused(world, f"Bearer {token}", 401, "wrong_issuer")


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"])
async def test_a_token_without_a_required_claim_is_refused(world: World, claim: str) -> None:
    without: dict[str, Any] = {claim: None}  # claims_for drops a claim given as None
    token = await signed(world, claims_for(**without))
    await assert_refused(world, f"Bearer {token}", 401, "missing_claim")


@pytest.mark.parametrize(
    "changes",
    [{"scope": ["kemiskinan-kelurahan"]},
     {"scope": {"datasets": "kemiskinan-kelurahan", "actions": ["submit"]}},
     {"scope": None}, {"jti": "bukan-uuid"}],
)  # fmt: skip
async def test_a_token_with_claims_of_the_wrong_shape_is_refused(
    world: World, changes: dict[str, Any]
) -> None:
    token = await signed(world, claims_for(**changes))
    await assert_refused(world, f"Bearer {token}", 401, "invalid_claims")


async def test_a_token_living_longer_than_180_days_is_refused(world: World) -> None:
    now = int(time.time())
    token = await signed(world, claims_for(exp=now + 181 * DAY))
    await assert_refused(world, f"Bearer {token}", 401, "lifetime_too_long")


async def test_a_dataset_outside_the_scope_is_refused(world: World) -> None:
    issued = await issue(world)
    await assert_refused(
        world,
        f"Bearer {issued.token}",
        403,
        "dataset_not_in_scope",
        dataset="penerima-bansos",
        jti=issued.jti,
    )


async def test_an_action_outside_the_scope_is_refused(world: World) -> None:
    issued = await issue(world, actions=["read"])
    await assert_refused(world, f"Bearer {issued.token}", 403, "action_not_in_scope", jti=issued.jti)


async def test_a_revoked_token_is_refused_at_once(world: World) -> None:
    issued = await issue(world)
    await authenticate(world, f"Bearer {issued.token}")
    await token_store.revoke(world.db, issued.jti, "walidata")
    await assert_refused(world, f"Bearer {issued.token}", 401, "revoked", jti=issued.jti)
    [use] = await token_store.uses(world.db, issued.jti)
    assert (use.ip, use.outcome) == (CLIENT_IP, "refused:revoked")


async def test_an_unknown_kid_is_refused(world: World) -> None:
    stranger = signing_keys.SigningKey("20250101-deadbeef", Ed25519PrivateKey.generate())
    token = tokens.encode(claims_for(), stranger)
    await assert_refused(world, f"Bearer {token}", 401, "unknown_kid")


async def test_a_known_kid_on_a_strangers_signature_is_refused(world: World) -> None:
    kid = (await signing_keys.current_key(world.db, world.settings)).kid
    token = tokens.encode(claims_for(), signing_keys.SigningKey(kid, Ed25519PrivateKey.generate()))
    await assert_refused(world, f"Bearer {token}", 401, "bad_signature")


@pytest.mark.parametrize("kid", [None, "", 7])
async def test_a_token_without_a_usable_kid_is_refused(world: World, kid: object) -> None:
    key = await signing_keys.current_key(world.db, world.settings)
    header = {"alg": "EdDSA", "typ": "JWT"} | ({} if kid is None else {"kid": kid})
    signing_input = f"{b64json(header)}.{b64json(claims_for())}"
    token = f"{signing_input}.{b64(key.private_key.sign(signing_input.encode()))}"
    await assert_refused(world, f"Bearer {token}", 401, "malformed_token" if kid == 7 else "unknown_kid")


@pytest.mark.parametrize(
    "tamper",
    ["add_dataset", "other_org", "longer_life", "signature_bit"],
)
async def test_a_tampered_token_is_refused(world: World, tamper: str) -> None:
    issued = await issue(world)
    header, payload, signature = issued.token.split(".")
    claims = jwt.decode(issued.token, options={"verify_signature": False})
    if tamper == "add_dataset":
        claims["scope"]["datasets"].append("penerima-bansos")
    elif tamper == "other_org":
        claims["sub"] = "BAPPEDA"
    elif tamper == "longer_life":
        claims["exp"] += 30 * DAY
    if tamper == "signature_bit":
        raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
        raw[0] ^= 1
        forged = f"{header}.{payload}.{b64(bytes(raw))}"
    else:
        forged = f"{header}.{b64json(claims)}.{signature}"
    await assert_refused(world, f"Bearer {forged}", 401, "bad_signature", dataset="penerima-bansos")


async def test_a_token_of_another_opd_is_refused(world: World) -> None:
    """BAPPEDA's token, signed by our key with a DINSOS dataset in its scope, may not deliver DINSOS data."""
    token = await signed(
        world, claims_for(org="BAPPEDA", datasets=("kemiskinan-kelurahan", "realisasi-apbd"))
    )
    await record_token(world, token)
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    assert (await authenticate(world, f"Bearer {token}", "realisasi-apbd")).org_code == "BAPPEDA"
    await assert_refused(world, f"Bearer {token}", 403, "wrong_org", jti=jti)


async def test_a_token_stops_working_when_its_dataset_moves_to_another_opd(world: World) -> None:
    issued = await issue(world)
    await world.db.execute(
        "UPDATE datasets SET org_unit_id = $1 WHERE slug = 'kemiskinan-kelurahan'", world.orgs["BAPPEDA"]
    )
    await assert_refused(world, f"Bearer {issued.token}", 403, "wrong_org", jti=issued.jti)


async def test_a_dataset_in_scope_that_no_longer_exists_is_404(world: World) -> None:
    issued = await issue(world)
    await world.db.execute("DELETE FROM datasets WHERE slug = 'kemiskinan-kelurahan'")
    await assert_refused(world, f"Bearer {issued.token}", 404, "unknown_dataset", jti=issued.jti)


async def test_a_token_signed_by_our_key_but_never_issued_is_refused(world: World) -> None:
    token = await signed(world, claims_for())
    await assert_refused(world, f"Bearer {token}", 401, "unknown_token")


async def test_a_receipt_is_not_a_token(world: World) -> None:
    issued = await issue(world)
    receipt = await tokens.sign_receipt(
        world.db, world.settings, jwt.decode(issued.token, options={"verify_signature": False})
    )
    await assert_refused(world, f"Bearer {receipt}", 401, "wrong_type")


async def test_tokens_signed_with_a_retired_key_work_until_they_expire(world: World) -> None:
    before = await issue(world)
    new_kid = await signing_keys.rotate(world.db, world.settings, "admin")
    after = await issue(world)
    assert (
        jwt.get_unverified_header(after.token)["kid"]
        == new_kid
        != jwt.get_unverified_header(before.token)["kid"]
    )
    for issued in (before, after):
        assert (await authenticate(world, f"Bearer {issued.token}")).jti == issued.jti
    old_kid = jwt.get_unverified_header(before.token)["kid"]
    old = signing_keys.read_private_key(
        world.settings,
        old_kid,
        bytes(await world.db.fetchval("SELECT public_key FROM api_signing_keys WHERE kid = $1", old_kid)),
    )
    now = int(time.time())
    expired = tokens.encode(claims_for(iat=now - 40 * DAY, nbf=now - 40 * DAY, exp=now - 60), old)
    await assert_refused(world, f"Bearer {expired}", 401, "expired")


async def test_a_receipt_verifies_with_the_public_keys_even_after_rotation(world: World) -> None:
    payload = {"submission_id": 42, "sha256": "ab" * 32, "row_count": 177, "dataset": "kemiskinan-kelurahan"}
    receipt = await tokens.sign_receipt(world.db, world.settings, payload)
    assert jwt.get_unverified_header(receipt)["typ"] == tokens.RECEIPT_TYPE
    await signing_keys.rotate(world.db, world.settings, "admin")
    verified = tokens.verify_receipt(receipt, await signing_keys.public_keys(world.db))
    assert {k: verified[k] for k in payload} == payload
    assert verified["iss"] == tokens.ISSUER and abs(verified["iat"] - time.time()) < 3600


async def test_a_forged_or_foreign_receipt_does_not_verify(world: World) -> None:
    receipt = await tokens.sign_receipt(world.db, world.settings, {"submission_id": 1, "row_count": 10})
    keys = await signing_keys.public_keys(world.db)
    header, payload, signature = receipt.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["row_count"] = 10_000
    with pytest.raises(tokens.ReceiptError, match="does not verify"):
        tokens.verify_receipt(f"{header}.{b64json(claims)}.{signature}", keys)
    with pytest.raises(tokens.ReceiptError, match="unknown signing key"):
        tokens.verify_receipt(receipt, {})
    issued = await issue(world)
    with pytest.raises(tokens.ReceiptError, match="not a SAMAWA receipt"):
        tokens.verify_receipt(issued.token, keys)
    with pytest.raises(tokens.ReceiptError, match="not a SAMAWA receipt"):
        tokens.verify_receipt(f"{b64json({'alg': 'none', 'typ': tokens.RECEIPT_TYPE})}.{payload}.", keys)


def test_a_refusal_carries_its_status_code_and_message() -> None:
    refused = TokenRefused(401, "expired", "the token has expired")
    assert (refused.status, refused.code, refused.jti) == (401, "expired", None)
    assert str(refused) == "expired: the token has expired"
