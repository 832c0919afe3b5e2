"""Signed API tokens for the OPDs and signed receipts: Ed25519 JWTs (EdDSA), checked before any data is read.

The pure core encodes and verifies; `authenticate` is the edge the submission API calls. Every refusal is
recorded twice, as a use of the token (`refused:<code>`) and in the audit log (`api_token_refused`), and
the token itself is never written anywhere: it is a credential.

Refusal codes (status): missing_token, malformed_token, alg_not_allowed, wrong_type, unknown_kid,
bad_signature, expired, not_yet_valid, wrong_audience, wrong_issuer, missing_claim, invalid_claims,
lifetime_too_long, unknown_token, revoked (401); dataset_not_in_scope, action_not_in_scope, wrong_org (403);
unknown_dataset (404: a dataset in the token's scope that no longer exists).
"""

from __future__ import annotations

import ipaddress
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import jwt
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from admin import audit
from admin.samawa import SamawaError, signing_keys
from smedi.settings import Settings
from smedi.sql import load_queries

log = structlog.get_logger(__name__)
queries = load_queries("samawa_tokens")
type Executor = asyncpg.Pool | asyncpg.Connection

ISSUER = "smedi-samawa"
AUDIENCE = "samawa-api"
ALGORITHM = "EdDSA"  # pinned: the algorithm a token names is never trusted to choose how it is checked
TOKEN_TYPE = "JWT"  # noqa: S105  the JWS "typ" header, not a secret
RECEIPT_TYPE = "samawa-receipt+jwt"
MAX_LIFETIME = timedelta(days=180)  # the longest a token may live (HDX's limit, asked for by CKAN users)
LEEWAY_SECONDS = 30  # clock skew between the OPD's machine and ours
REQUIRED_CLAIMS = ("exp", "iat", "nbf", "iss", "aud", "sub", "jti")
ACTIONS = ("submit", "read")
MAX_DATASET_TEXT = 200  # of the slug written into a use row (it comes from the URL, so from anyone)


class TokenRefused(Exception):
    """A token that may not do what it was presented for; `code` is stable, `message` is for the client."""

    def __init__(self, status: int, code: str, message: str, *, jti: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.jti = jti  # set once the signature has verified: only then is the token's id trusted


class ReceiptError(SamawaError):
    """A receipt that does not verify; the message says why."""


@dataclass(frozen=True)
class TokenClaims:
    jti: str
    org_code: str
    org_unit_id: int
    datasets: tuple[str, ...]
    actions: tuple[str, ...]
    kid: str
    expires_at: datetime


# --- pure core ----------------------------------------------------------------------------------------------


def build_claims(
    *,
    jti: str,
    org_code: str,
    datasets: Sequence[str],
    actions: Sequence[str],
    issued_at: datetime,
    expires_at: datetime,
) -> dict[str, Any]:
    return {
        "iss": ISSUER,
        "sub": org_code,
        "aud": AUDIENCE,
        "scope": {"datasets": list(datasets), "actions": list(actions)},
        "iat": int(issued_at.timestamp()),
        "nbf": int(issued_at.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": jti,
    }


def encode(claims: Mapping[str, Any], key: signing_keys.SigningKey, typ: str = TOKEN_TYPE) -> str:
    return jwt.encode(
        dict(claims), key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": typ},
        json_encoder=_JsonEncoder,
    )  # fmt: skip


class _JsonEncoder(json.JSONEncoder):
    """Receipts may carry times and dates: ISO 8601, like the rest of the API."""

    def default(self, o: object) -> object:
        if isinstance(o, datetime | date):
            return o.isoformat()
        return super().default(o)


def bearer_token(authorization: str | None) -> str:
    """The token of `Authorization: Bearer <token>`."""
    if authorization is None or not authorization.strip():
        raise TokenRefused(401, "missing_token", "send the token as 'Authorization: Bearer <token>'")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or token.count(".") != 2 or " " in token:
        raise TokenRefused(
            401, "malformed_token", "the Authorization header is not 'Bearer' followed by a signed token"
        )
    return token


def token_header(token: str, expected_type: str = TOKEN_TYPE) -> dict[str, Any]:
    """The unverified header, checked for what decides how the token is verified: alg, typ, kid."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:  # not base64url JSON, or a kid that is not a string
        raise TokenRefused(401, "malformed_token", "the token cannot be read (not a compact JWS)") from None
    alg = header.get("alg")
    if alg != ALGORITHM:
        # alg "none", or HS256 keyed with our public key: both would let anyone mint tokens.
        raise TokenRefused(
            401, "alg_not_allowed", f"the token's algorithm {alg!r} is not accepted; only EdDSA"
        )
    if header.get("typ", TOKEN_TYPE) != expected_type:
        raise TokenRefused(401, "wrong_type", f"this is not a {expected_type} (typ {header.get('typ')!r})")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenRefused(401, "unknown_kid", "the token names no signing key (kid)")
    return header


def verify_signed(token: str, key: Ed25519PublicKey) -> dict[str, Any]:
    """The claims of a token our key signed, checked for time, issuer, audience and shape."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.InvalidAlgorithmError:
        raise TokenRefused(401, "alg_not_allowed", "only EdDSA tokens are accepted") from None
    except jwt.InvalidSignatureError:
        raise TokenRefused(401, "bad_signature", "the token's signature does not match its content") from None
    except jwt.ExpiredSignatureError:
        raise TokenRefused(401, "expired", "the token has expired; ask the Walidata for a new one") from None
    except jwt.ImmatureSignatureError:
        raise TokenRefused(
            401, "not_yet_valid", "the token is not valid yet (nbf or iat in the future)"
        ) from None
    except jwt.InvalidAudienceError:
        raise TokenRefused(
            401, "wrong_audience", f"the token is not for this API (aud must be {AUDIENCE})"
        ) from None
    except jwt.InvalidIssuerError:
        raise TokenRefused(401, "wrong_issuer", f"the token was not issued by {ISSUER}") from None
    except jwt.MissingRequiredClaimError as exc:
        raise TokenRefused(401, "missing_claim", f"the token has no {exc.claim!r} claim") from None
    except jwt.DecodeError:
        raise TokenRefused(401, "malformed_token", "the token cannot be read") from None
    except jwt.InvalidTokenError as exc:
        raise TokenRefused(401, "invalid_claims", f"the token's claims are invalid: {exc}") from None
    return claims


def claims_scope(claims: Mapping[str, Any]) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """(jti, sub, datasets, actions) of verified claims whose shape is checked here."""
    jti, sub, scope = claims.get("jti"), claims.get("sub"), claims.get("scope")
    try:
        jti = str(uuid.UUID(str(jti)))
    except ValueError:
        raise TokenRefused(401, "invalid_claims", "the token's jti is not a token id") from None
    if not isinstance(sub, str) or not sub:
        raise TokenRefused(401, "invalid_claims", "the token's sub is not an OPD code")
    datasets = scope.get("datasets") if isinstance(scope, dict) else None
    actions = scope.get("actions") if isinstance(scope, dict) else None
    if not (isinstance(datasets, list) and isinstance(actions, list)) or not all(
        isinstance(v, str) for v in [*datasets, *actions]
    ):
        raise TokenRefused(
            401, "invalid_claims", "the token's scope is not {datasets: [...], actions: [...]}"
        )
    if claims["exp"] - claims["iat"] > MAX_LIFETIME.total_seconds():
        raise TokenRefused(401, "lifetime_too_long", "the token lives longer than 180 days")
    return jti, sub, tuple(datasets), tuple(actions)


def check_scope(datasets: Sequence[str], actions: Sequence[str], dataset: str, action: str, jti: str) -> None:
    if dataset not in datasets:
        raise TokenRefused(
            403, "dataset_not_in_scope", f"the token does not cover dataset {dataset!r}", jti=jti
        )
    if action not in actions:
        raise TokenRefused(403, "action_not_in_scope", f"the token does not allow {action!r}", jti=jti)


def client_address(client_ip: str | None) -> str | None:
    """The address as PostgreSQL's inet takes it, or None for anything that is not an address."""
    try:
        return str(ipaddress.ip_address(client_ip)) if client_ip else None
    except ValueError:
        return None


# --- the edge: the database ---------------------------------------------------------------------------------


async def authenticate(
    db: Executor, authorization: str | None, *, dataset: str, action: str, client_ip: str | None
) -> TokenClaims:
    """The claims of a token allowed to do `action` on `dataset`; else the refusal is recorded and raised."""
    try:
        return await _check(db, authorization, dataset, action)
    except TokenRefused as refused:
        await _record_refusal(db, refused, dataset=dataset, action=action, client_ip=client_ip)
        raise


async def _check(db: Executor, authorization: str | None, dataset: str, action: str) -> TokenClaims:
    token = bearer_token(authorization)
    kid = token_header(token)["kid"]
    key = await signing_keys.public_key(db, kid)
    if key is None:
        raise TokenRefused(401, "unknown_kid", "the token names a signing key this portal does not have")
    claims = verify_signed(token, key)
    jti, sub, datasets, actions = claims_scope(claims)
    state = await db.fetchrow(queries.token_state, uuid.UUID(jti))
    if state is None or state["kid"] != kid or state["org_code"] != sub:
        # Signed by our key but never issued as such (or from another installation sharing the key).
        raise TokenRefused(401, "unknown_token", "this token was not issued by this portal", jti=None)
    if state["revoked_at"] is not None:
        raise TokenRefused(401, "revoked", "the token has been revoked", jti=jti)
    check_scope(datasets, actions, dataset, action, jti)
    producer = await db.fetchrow(queries.dataset_producer, dataset)
    if producer is None:
        raise TokenRefused(404, "unknown_dataset", f"there is no dataset {dataset!r}", jti=jti)
    if producer["org_code"] != sub:
        raise TokenRefused(403, "wrong_org", f"dataset {dataset!r} is not produced by OPD {sub}", jti=jti)
    return TokenClaims(
        jti=jti,
        org_code=sub,
        org_unit_id=state["org_unit_id"],
        datasets=datasets,
        actions=actions,
        kid=kid,
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
    )


async def _record_refusal(
    db: Executor, refused: TokenRefused, *, dataset: str, action: str, client_ip: str | None
) -> None:
    dataset = dataset[:MAX_DATASET_TEXT]
    ip = client_address(client_ip)
    jti = uuid.UUID(refused.jti) if refused.jti else None
    await db.execute(queries.use_add, jti, ip, dataset, f"refused:{refused.code}")
    details = {"code": refused.code, "dataset": dataset, "action": action[:40], "jti": refused.jti}
    await audit.record(db, "api", "api_token_refused", dataset, details, ip)
    log.info("api_token_refused", code=refused.code, dataset=dataset, jti=refused.jti, ip=ip)


async def record_use(db: Executor, jti: str, client_ip: str | None, dataset: str, outcome: str) -> None:
    """One use of an accepted token: accepted, invalid, dry_run, ..."""
    await db.execute(
        queries.use_add, uuid.UUID(jti), client_address(client_ip), dataset[:MAX_DATASET_TEXT], outcome
    )


async def sign_receipt(db: Executor, settings: Settings, payload: Mapping[str, Any]) -> str:
    """A compact JWS of `payload` (plus iss, iat) signed by the current key: the OPD's proof of delivery."""
    key = await signing_keys.current_key(db, settings)
    claims = {**payload, "iss": ISSUER, "iat": int(time.time())}
    return encode(claims, key, typ=RECEIPT_TYPE)


def verify_receipt(token: str, public_keys: Mapping[str, Ed25519PublicKey]) -> dict[str, Any]:
    """The payload of a receipt one of `public_keys` signed (see signing_keys.public_keys)."""
    try:
        kid = token_header(token, RECEIPT_TYPE)["kid"]
    except TokenRefused as exc:
        raise ReceiptError(f"not a SAMAWA receipt: {exc.message}") from None
    key = public_keys.get(kid)
    if key is None:
        raise ReceiptError(f"the receipt names an unknown signing key {kid!r}")
    try:
        return jwt.decode(
            token, key, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["iss", "iat"]}
        )
    except jwt.InvalidTokenError as exc:
        raise ReceiptError(f"the receipt does not verify: {exc}") from None
