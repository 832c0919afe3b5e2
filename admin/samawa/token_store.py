"""The tokens the Walidata and admins issue to the OPDs: issue (the token is shown once), list, revoke, uses.

Only the token's id (jti) and what it allows are stored; the signed token itself is returned once and
never kept, so a copy of the database does not hand out credentials.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import asyncpg

from admin import audit
from admin.samawa import SamawaError, signing_keys, tokens
from smedi.refusals import Refusal
from smedi.settings import Settings
from smedi.sql import load_queries

queries = load_queries("samawa_tokens")
type Executor = asyncpg.Pool | asyncpg.Connection

MAX_DAYS = tokens.MAX_LIFETIME.days
DEFAULT_DAYS = 90
MAX_NOTE = 200
MAX_DATASETS = 50
MAX_LISTED = 500
MAX_USES = 500
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")  # as the datasets table checks it


class TokenError(Refusal, SamawaError):
    """A refused token request: str() is English (the CLI); the portal shows `key` in the reader's words."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "token_days_invalid": "--days must be a whole number of days from 1 to {maximum}, not {raw!r}",
        "token_days_too_long": "a token may live at most {maximum} days, not {days}: issue a new one later",
        "token_unknown_org": "OPD {code!r} does not exist",
        "token_no_dataset": "name at least one dataset the token may deliver",
        "token_too_many_datasets": "at most {maximum} datasets per token",
        "token_bad_slug": "{slug!r} is not a dataset name (lower-case letters, digits and '-')",
        "token_unknown_dataset": "dataset {slug!r} does not exist",
        "token_dataset_of_other_org": "dataset {slug!r} is produced by OPD {owner}, not by {code}",
        "token_no_action": "name at least one action ({actions})",
        "token_unknown_action": "unknown action {action!r}; actions are {actions}",
        "token_note_too_long": "the note has more than {maximum} characters",
        "token_bad_jti": "{raw!r} is not a token id (a UUID such as 3f2c0b9e-...)",
        "token_unknown": "there is no token {jti}",
        "token_already_revoked": "token {jti} was already revoked on {when} by {who}",
    }


@dataclass(frozen=True)
class IssuedToken:
    jti: str
    token: str  # the only time it exists outside the OPD's hands
    org_code: str
    datasets: tuple[str, ...]
    actions: tuple[str, ...]
    expires_at: datetime


@dataclass(frozen=True)
class TokenInfo:
    jti: str
    kid: str
    org_code: str
    org_name: str
    datasets: tuple[str, ...]
    actions: tuple[str, ...]
    note: str
    issued_at: datetime
    expires_at: datetime
    issued_by: str
    revoked_at: datetime | None
    revoked_by: str
    use_count: int
    last_used_at: datetime | None

    def status(self, now: datetime) -> str:
        """active, revoked or expired."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"

    def as_json(self, now: datetime) -> dict[str, Any]:
        iso = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in vars(self).items()}
        return {
            **iso,
            "datasets": list(self.datasets),
            "actions": list(self.actions),
            "status": self.status(now),
        }


@dataclass(frozen=True)
class TokenUse:
    at: datetime
    ip: str | None
    dataset: str
    outcome: str


# --- pure checks of a request to issue ----------------------------------------------------------------------


def parse_days(raw: str | int | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_DAYS
    text = str(raw).strip()
    if not text.isdigit() or int(text) < 1:
        raise TokenError("token_days_invalid", maximum=MAX_DAYS, raw=str(raw))
    days = int(text)
    if days > MAX_DAYS:
        raise TokenError("token_days_too_long", maximum=MAX_DAYS, days=days)
    return days


def clean_datasets(slugs: Sequence[str]) -> tuple[str, ...]:
    """The slugs in their order, once each."""
    cleaned = tuple(dict.fromkeys(s.strip() for s in slugs if s.strip()))
    if not cleaned:
        raise TokenError("token_no_dataset")
    if len(cleaned) > MAX_DATASETS:
        raise TokenError("token_too_many_datasets", maximum=MAX_DATASETS)
    for slug in cleaned:
        if not SLUG.match(slug):
            raise TokenError("token_bad_slug", slug=slug[:100])
    return cleaned


def clean_actions(actions: Sequence[str]) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(a.strip() for a in actions if a.strip()))
    if not cleaned:
        raise TokenError("token_no_action", actions=", ".join(tokens.ACTIONS))
    for action in cleaned:
        if action not in tokens.ACTIONS:
            raise TokenError("token_unknown_action", action=action[:40], actions=", ".join(tokens.ACTIONS))
    return cleaned


def parse_jti(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw.strip())
    except (ValueError, AttributeError):
        raise TokenError("token_bad_jti", raw=str(raw)[:60]) from None


# --- the store ----------------------------------------------------------------------------------------------


async def issue(
    db: Executor,
    settings: Settings,
    *,
    org_code: str,
    datasets: Sequence[str],
    actions: Sequence[str] = ("submit",),
    days: int | str | None = DEFAULT_DAYS,
    note: str = "",
    actor: str,
    client_ip: str | None = None,
) -> IssuedToken:
    """Sign a token for an OPD's own datasets and record its id; the token string is returned only here."""
    lifetime = parse_days(days)
    slugs, allowed = clean_datasets(datasets), clean_actions(actions)
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise TokenError("token_note_too_long", maximum=MAX_NOTE)
    org = await db.fetchrow(queries.org_by_code, org_code.strip())
    if org is None:
        raise TokenError("token_unknown_org", code=org_code.strip()[:40])
    producers = {r["slug"]: r["org_code"] for r in await db.fetch(queries.datasets_by_slugs, list(slugs))}
    for slug in slugs:
        if slug not in producers:
            raise TokenError("token_unknown_dataset", slug=slug)
        if producers[slug] != org["code"]:
            # A token may only deliver its own OPD's data; authenticate checks this again on every use.
            raise TokenError("token_dataset_of_other_org", slug=slug, owner=producers[slug], code=org["code"])
    key = await signing_keys.current_key(db, settings)
    now = datetime.now(UTC)
    issued_at = now.replace(microsecond=0)  # JWT times are whole seconds; the row keeps the exact order
    expires_at = issued_at + timedelta(days=lifetime)
    jti = uuid.uuid4()
    claims = tokens.build_claims(
        jti=str(jti), org_code=org["code"], datasets=slugs, actions=allowed, issued_at=issued_at,
        expires_at=expires_at,
    )  # fmt: skip
    token = tokens.encode(claims, key)
    async with signing_keys.connection(db) as conn, conn.transaction():
        await conn.execute(
            queries.token_add, jti, key.kid, org["id"], list(slugs), list(allowed), note, now,
            expires_at, actor,
        )  # fmt: skip
        details = {
            "org": org["code"], "datasets": list(slugs), "actions": list(allowed),
            "expires_at": expires_at.isoformat(), "kid": key.kid, "note": note,
        }  # fmt: skip
        await audit.record(conn, actor, "api_token_issued", str(jti), details, client_ip)
    return IssuedToken(str(jti), token, org["code"], slugs, allowed, expires_at)


async def form_choices(db: Executor) -> tuple[list[asyncpg.Record], list[asyncpg.Record]]:
    """(OPDs producing a dataset: code, name; datasets: slug, title, org_code) for the issue form."""
    return await db.fetch(queries.form_orgs), await db.fetch(queries.form_datasets)


def _info(row: asyncpg.Record) -> TokenInfo:
    return TokenInfo(
        jti=str(row["jti"]), kid=row["kid"], org_code=row["org_code"], org_name=row["org_name"],
        datasets=tuple(row["datasets"]), actions=tuple(row["actions"]), note=row["note"],
        issued_at=row["issued_at"], expires_at=row["expires_at"], issued_by=row["issued_by"],
        revoked_at=row["revoked_at"], revoked_by=row["revoked_by"], use_count=row["use_count"],
        last_used_at=row["last_used_at"],
    )  # fmt: skip


async def list_tokens(db: Executor, org_code: str | None = None, limit: int = MAX_LISTED) -> list[TokenInfo]:
    """Newest first."""
    return [_info(row) for row in await db.fetch(queries.token_list, org_code, limit)]


async def get_token(db: Executor, jti: str) -> TokenInfo:
    row = await db.fetchrow(queries.token_get, parse_jti(jti))
    if row is None:
        raise TokenError("token_unknown", jti=jti.strip()[:60])
    return _info(row)


async def revoke(db: Executor, jti: str, actor: str, client_ip: str | None = None) -> TokenInfo:
    """Refused from the next request on: authenticate reads the revocation on every use."""
    token_id = parse_jti(jti)
    async with signing_keys.connection(db) as conn, conn.transaction():
        revoked_at = await conn.fetchval(queries.token_revoke, token_id, actor)
        if revoked_at is None:
            info = await get_token(conn, str(token_id))  # unknown: refused there
            when = info.revoked_at.isoformat(timespec="seconds") if info.revoked_at else "?"
            raise TokenError("token_already_revoked", jti=info.jti, when=when, who=info.revoked_by or "?")
        info = await get_token(conn, str(token_id))
        details = {"org": info.org_code, "datasets": list(info.datasets)}
        await audit.record(conn, actor, "api_token_revoked", info.jti, details, client_ip)
    return info


async def uses(db: Executor, jti: str, limit: int = MAX_USES) -> list[TokenUse]:
    """The token's uses, newest first (refusals before the signature verified carry no token id)."""
    info = await get_token(db, jti)
    rows = await db.fetch(queries.uses_of, uuid.UUID(info.jti), limit)
    return [TokenUse(r["at"], r["ip"], r["dataset"], r["outcome"]) for r in rows]
