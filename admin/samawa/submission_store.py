"""Submissions and versions in the database: receive (once per Idempotency-Key), approve into an immutable
version (rows by COPY), return with a note, and read versions back. Every step is audited.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from admin import audit
from admin.samawa import SamawaError
from admin.samawa.datasets import Dataset, require_dataset
from admin.samawa.nik import looks_like_nik
from admin.samawa.submissions import (
    Row,
    VersionDiff,
    canonical_csv,
    diff_rows,
    merge_rows,
    merged_key_errors,
    sha256_hex,
)
from admin.samawa.table_schema import parse_schema, references_from_rows
from admin.samawa.tokens import sign_receipt
from smedi.settings import Settings
from smedi.sql import load_queries

queries = load_queries("samawa")
type Executor = asyncpg.Pool | asyncpg.Connection

MAX_NOTE = 2000
SHOWN_CLASHES = 5  # in the message refusing an approval; the whole list is one dry run away for the OPD


class IdempotencyConflict(SamawaError):
    """The Idempotency-Key was used before for a different body (or dataset, or mode)."""


@dataclass(frozen=True, slots=True)
class Received:
    """The answer to a stored submission; a replay gets the same one."""

    submission_id: int
    dataset: str
    sha256: str
    row_count: int
    received_at: datetime
    receipt: str
    replayed: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "submission_id": self.submission_id,
            "dataset": self.dataset,
            "sha256": self.sha256,
            "row_count": self.row_count,
            "received_at": self.received_at.isoformat(),
            "receipt": self.receipt,
        }


@dataclass(frozen=True, slots=True)
class Submission:
    id: int
    dataset_id: int
    org_code: str
    jti: str | None
    mode: str
    status: str  # submitted, approved, returned
    sha256: str
    row_count: int
    idempotency_key: str | None
    receipt: str
    received_at: datetime
    review_note: str
    reviewed_by: str
    reviewed_at: datetime | None
    version: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "submission_id": self.id, "org": self.org_code, "mode": self.mode, "status": self.status,
            "sha256": self.sha256, "row_count": self.row_count, "received_at": self.received_at.isoformat(),
            "receipt": self.receipt, "review_note": self.review_note, "reviewed_by": self.reviewed_by,
            "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None,
            "version": self.version,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Version:
    version: int
    submission_id: int
    row_count: int
    sha256: str  # of the canonical CSV
    schema: dict[str, Any]
    published_at: datetime
    published_by: str

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version, "submission_id": self.submission_id, "row_count": self.row_count,
            "sha256": self.sha256, "published_at": self.published_at.isoformat(),
            "published_by": self.published_by,
        }  # fmt: skip


def _submission(row: asyncpg.Record) -> Submission:
    return Submission(
        id=row["id"], dataset_id=row["dataset_id"], org_code=row["org_code"],
        jti=str(row["jti"]) if row["jti"] is not None else None, mode=row["mode"], status=row["status"],
        sha256=row["sha256"], row_count=row["row_count"], idempotency_key=row["idempotency_key"],
        receipt=row["receipt"], received_at=row["received_at"], review_note=row["review_note"],
        reviewed_by=row["reviewed_by"], reviewed_at=row["reviewed_at"], version=row["version"],
    )  # fmt: skip


def _version(row: asyncpg.Record) -> Version:
    return Version(
        version=row["version"], submission_id=row["submission_id"], row_count=row["row_count"],
        sha256=row["sha256"], schema=json.loads(row["schema"]), published_at=row["published_at"],
        published_by=row["published_by"],
    )  # fmt: skip


async def references(db: Executor) -> dict[str, frozenset[str]]:
    """The reference tables a schema's foreign keys may name (Kemendagri codes of Kota Semarang)."""
    return references_from_rows(await db.fetch(queries.reference_codes_all))


async def version_rows(db: Executor, dataset_id: int, version: int) -> list[Row]:
    texts = [r[0] for r in await db.fetch(queries.version_rows, dataset_id, version)]
    return await asyncio.to_thread(lambda: [json.loads(t) for t in texts])


async def published_rows(db: Executor, dataset: Dataset) -> list[Row]:
    """The rows citizens see now ([] before the first version): what append and upsert merge into."""
    if dataset.current_version is None:
        return []
    return await version_rows(db, dataset.id, dataset.current_version)


# --- receiving ---------------------------------------------------------------------------------------------


async def replay_of(
    db: Executor, org_unit_id: int, idempotency_key: str, *, dataset: Dataset, mode: str, sha256: str
) -> Received | None:
    """The first answer to this Idempotency-Key for the same request; another request is a conflict."""
    row = await db.fetchrow(queries.submission_by_idempotency, org_unit_id, idempotency_key)
    if row is None:
        return None
    if row["dataset_id"] != dataset.id or row["mode"] != mode or row["sha256"] != sha256:
        raise IdempotencyConflict(
            f"Idempotency-Key {idempotency_key[:80]!r} was used for submission {row['id']} with a different "
            "body, dataset or mode: use a new key for new data"
        )
    return Received(
        row["id"],
        row["slug"],
        row["sha256"],
        row["row_count"],
        row["received_at"],
        row["receipt"],
        replayed=True,
    )


async def receive(
    db: asyncpg.Pool,
    settings: Settings,
    dataset: Dataset,
    *,
    org_unit_id: int,
    jti: str | None,
    mode: str,
    sha256: str,
    rows: Sequence[Row],
    idempotency_key: str | None,
    actor: str,
    client_ip: str | None = None,
) -> Received:
    """Store a valid submission with its signed receipt; with a key already used, the first answer again."""
    rows_json = await asyncio.to_thread(json.dumps, list(rows), ensure_ascii=False)
    try:
        async with db.acquire() as conn, conn.transaction():
            inserted = await conn.fetchrow(
                queries.submission_insert, dataset.id, org_unit_id, jti, mode, sha256, len(rows), rows_json,
                idempotency_key,
            )  # fmt: skip
            payload = {
                "submission_id": inserted["id"], "dataset": dataset.slug, "org": dataset.org_code,
                "sha256": sha256, "row_count": len(rows), "mode": mode,
                "received_at": inserted["received_at"].isoformat(),
            }  # fmt: skip
            receipt = await sign_receipt(conn, settings, payload)
            await conn.execute(queries.submission_set_receipt, inserted["id"], receipt)
            details = {
                "submission": inserted["id"],
                "mode": mode,
                "rows": len(rows),
                "sha256": sha256,
                "jti": jti,
            }
            await audit.record(conn, actor, "submission_received", dataset.slug, details, client_ip)
    except asyncpg.UniqueViolationError:
        # The same key arrived twice at once: the other request stored it first; answer as a replay.
        assert idempotency_key is not None  # only that index is unique among submissions
        replay = await replay_of(db, org_unit_id, idempotency_key, dataset=dataset, mode=mode, sha256=sha256)
        if replay is None:
            raise
        return replay
    return Received(inserted["id"], dataset.slug, sha256, len(rows), inserted["received_at"], receipt)


# --- reading -----------------------------------------------------------------------------------------------


async def list_submissions(db: Executor, dataset_id: int) -> list[Submission]:
    return [_submission(r) for r in await db.fetch(queries.submission_list, dataset_id)]


async def get_submission(db: Executor, dataset_id: int, submission_id: int) -> Submission | None:
    row = await db.fetchrow(queries.submission_get, dataset_id, submission_id)
    return _submission(row) if row is not None else None


async def submission_rows(db: Executor, dataset_id: int, submission_id: int) -> list[Row]:
    text = await db.fetchval(queries.submission_rows, dataset_id, submission_id)
    return await asyncio.to_thread(json.loads, text) if text is not None else []


async def list_versions(db: Executor, dataset_id: int) -> list[Version]:
    return [_version(r) for r in await db.fetch(queries.version_list, dataset_id)]


async def get_version(db: Executor, dataset_id: int, version: int) -> Version | None:
    row = await db.fetchrow(queries.version_get, dataset_id, version)
    return _version(row) if row is not None else None


async def require_version(db: Executor, dataset: Dataset, version: int) -> Version:
    found = await get_version(db, dataset.id, version)
    if found is None:
        raise SamawaError(f"dataset {dataset.slug!r} has no version {version}")
    return found


def field_names(schema: Mapping[str, Any]) -> list[str]:
    return [str(f["name"]) for f in schema.get("fields", [])]


async def version_csv(db: Executor, dataset: Dataset, version: int) -> tuple[Version, bytes]:
    """A version as its canonical CSV (whose SHA-256 is the version's)."""
    found = await require_version(db, dataset, version)
    rows = await version_rows(db, dataset.id, version)
    return found, await asyncio.to_thread(canonical_csv, field_names(found.schema), rows)


async def diff_versions(db: Executor, dataset: Dataset, before: int, after: int) -> VersionDiff:
    """Rows added, removed and changed from `before` to `after`: by primary key when both versions have the
    same one, else by whole rows."""
    old, new = await require_version(db, dataset, before), await require_version(db, dataset, after)
    old_key, new_key = old.schema.get("primaryKey"), new.schema.get("primaryKey")
    key = tuple(parse_schema(new.schema).primary_key) if old_key == new_key else ()
    old_rows = await version_rows(db, dataset.id, before)
    new_rows = await version_rows(db, dataset.id, after)
    return await asyncio.to_thread(diff_rows, old_rows, new_rows, key)


# --- review ------------------------------------------------------------------------------------------------


def _reviewed_already(submission_id: int, row: asyncpg.Record) -> SamawaError:
    when = row["reviewed_at"].strftime("%Y-%m-%d %H:%M UTC") if row["reviewed_at"] else "earlier"
    if row["status"] == "approved":
        what = f"was approved as version {row['version']} by {row['reviewed_by']} on {when}"
    else:
        what = f"was returned by {row['reviewed_by']} on {when}; the OPD resubmits it as a new submission"
    return SamawaError(f"submission {submission_id} {what}: a reviewed submission cannot be reviewed again")


def _nik_values(rows: Sequence[Row]) -> int:
    """How many values look like a NIK: the privacy gate again, for a dataset made publik after submission."""
    return sum(
        1
        for row in rows
        for value in row.values()
        if isinstance(value, str | int) and not isinstance(value, bool) and looks_like_nik(str(value))
    )


async def _locked_submission(
    conn: asyncpg.Connection, dataset: Dataset, submission_id: int
) -> asyncpg.Record:
    row = await conn.fetchrow(queries.submission_lock, dataset.id, submission_id)
    if row is None:
        raise SamawaError(f"dataset {dataset.slug!r} has no submission {submission_id}")
    if row["status"] != "submitted":
        raise _reviewed_already(submission_id, row)
    return row


def _next_rows(dataset: Dataset, mode: str, previous: list[Row], new: list[Row]) -> tuple[list[Row], bytes]:
    """The next version's rows and canonical CSV, or why they cannot be published (CPU: in a thread)."""
    schema = parse_schema(dataset.schema)
    if mode == "upsert" and not schema.primary_key:
        raise SamawaError("mode upsert needs a primaryKey, and the dataset's schema no longer has one")
    clashes = merged_key_errors(schema, mode, previous, new)
    if clashes:
        shown = "; ".join(f"row {e.row}: {e.message}" for e in clashes[:SHOWN_CLASHES])
        raise SamawaError(
            f"the submission clashes with the published version in {len(clashes)} place(s) ({shown}); "
            "return it to the OPD to resubmit"
        )
    merged = merge_rows(mode, previous, new, schema.primary_key)
    if dataset.public and (found := _nik_values(merged)):
        raise SamawaError(f"the dataset is publik and {found} value(s) look like a NIK: return it to the OPD")
    return merged, canonical_csv(field_names(dataset.schema), merged)


async def approve(
    conn: asyncpg.Connection, slug: str, submission_id: int, actor: str, client_ip: str | None = None
) -> Version:
    """Publish a submission as the dataset's next version, in one transaction (never half a version)."""
    async with conn.transaction():
        dataset = await require_dataset(conn, slug)
        await conn.fetchval(queries.dataset_lock, dataset.id)  # one approval at a time per dataset
        dataset = await require_dataset(conn, slug)  # re-read under the lock: current_version may have moved
        locked = await _locked_submission(conn, dataset, submission_id)
        new = await asyncio.to_thread(json.loads, locked["rows"])
        previous = await published_rows(conn, dataset) if locked["mode"] != "replace" else []
        merged, csv_bytes = await asyncio.to_thread(_next_rows, dataset, locked["mode"], previous, new)
        number = await conn.fetchval(queries.version_next, dataset.id)
        sha256 = sha256_hex(csv_bytes)
        await conn.fetchval(
            queries.version_insert, dataset.id, number, submission_id, len(merged), sha256,
            json.dumps(dataset.schema), actor,
        )  # fmt: skip
        records = await asyncio.to_thread(
            lambda: [
                (dataset.id, number, i, json.dumps(row, ensure_ascii=False))
                for i, row in enumerate(merged, 1)
            ]
        )
        await conn.copy_records_to_table(
            "dataset_rows", records=records, columns=["dataset_id", "version", "row_number", "data"]
        )
        await conn.execute(queries.dataset_set_current_version, dataset.id, number)
        await conn.execute(queries.submission_approve, submission_id, actor, number)
        details = {
            "submission": submission_id, "version": number, "mode": locked["mode"], "rows": len(merged),
            "sha256": sha256, "previous_version": dataset.current_version,
        }  # fmt: skip
        await audit.record(conn, actor, "dataset_version_published", slug, details, client_ip)
        version = await get_version(conn, dataset.id, number)
    assert version is not None
    return version


def check_note(note: str) -> str:
    note = note.strip()
    if not note:
        raise SamawaError("a returned submission needs a note: tell the OPD what to fix")
    if len(note) > MAX_NOTE:
        raise SamawaError(f"the note is longer than {MAX_NOTE} characters")
    return note


async def return_submission(
    conn: asyncpg.Connection,
    slug: str,
    submission_id: int,
    note: str,
    actor: str,
    client_ip: str | None = None,
) -> Submission:
    """Send a submission back to its OPD with what to fix; the OPD resubmits (a new submission)."""
    note = check_note(note)
    async with conn.transaction():
        dataset = await require_dataset(conn, slug)
        await _locked_submission(conn, dataset, submission_id)
        await conn.execute(queries.submission_return, submission_id, actor, note)
        details = {"submission": submission_id, "note": note}
        await audit.record(conn, actor, "submission_returned", slug, details, client_ip)
        returned = await get_submission(conn, dataset.id, submission_id)
    assert returned is not None
    return returned
