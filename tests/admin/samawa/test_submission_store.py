"""The submission store on a real database: receive once per key, approve into immutable versions, return with
a note, read versions and their differences; every step audited."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import asyncpg
import pytest

from admin.directory import add_org
from admin.samawa import SamawaError, signing_keys
from admin.samawa.datasets import Dataset, DatasetSpec, create_dataset, require_dataset
from admin.samawa.submission_store import (
    IdempotencyConflict,
    approve,
    diff_versions,
    get_submission,
    list_submissions,
    list_versions,
    receive,
    return_submission,
    submission_rows,
    version_csv,
    version_rows,
)
from admin.samawa.submissions import canonical_csv, sha256_hex
from admin.samawa.tokens import verify_receipt
from smedi.settings import Settings

SCHEMA = {
    "fields": [
        {"name": "kode", "type": "string", "constraints": {"required": True}},
        {"name": "jumlah", "type": "integer"},
    ],
    "primaryKey": ["kode"],
}


@pytest.fixture
def settings(database_url: str, smedi_home: Path) -> Settings:
    return dataclasses.replace(Settings(), database_url=database_url, home=smedi_home)


@pytest.fixture
async def dataset(db: asyncpg.Pool) -> Dataset:
    await add_org(db, "DINSOS", "Dinas Sosial")
    async with db.acquire() as conn:
        return await create_dataset(
            conn, DatasetSpec(slug="bansos", title="Penerima bansos", org="DINSOS", schema=SCHEMA), "walidata"
        )


async def submit(
    db: asyncpg.Pool,
    settings: Settings,
    dataset: Dataset,
    mode: str,
    rows: list[dict[str, object]],
    key: str | None = None,
) -> int:
    body = json.dumps(rows).encode()
    received = await receive(
        db,
        settings,
        dataset,
        org_unit_id=dataset.org_unit_id,
        jti=None,
        mode=mode,
        sha256=sha256_hex(body),
        rows=rows,
        idempotency_key=key,
        actor="opd:DINSOS",
    )
    return received.submission_id


async def test_receive_stores_rows_and_a_signed_receipt(
    db: asyncpg.Pool, settings: Settings, dataset: Dataset
) -> None:
    rows: list[dict[str, object]] = [{"kode": "a", "jumlah": 1}, {"kode": "b", "jumlah": None}]
    body = json.dumps(rows).encode()
    received = await receive(
        db,
        settings,
        dataset,
        org_unit_id=dataset.org_unit_id,
        jti=None,
        mode="replace",
        sha256=sha256_hex(body),
        rows=rows,
        idempotency_key="kunci-1",
        actor="opd:DINSOS",
        client_ip="10.1.2.3",
    )
    assert not received.replayed and received.row_count == 2
    payload = verify_receipt(received.receipt, await signing_keys.public_keys(db))
    assert payload["submission_id"] == received.submission_id
    assert (
        payload["sha256"] == sha256_hex(body) and payload["row_count"] == 2 and payload["dataset"] == "bansos"
    )
    assert await submission_rows(db, dataset.id, received.submission_id) == rows
    stored = await get_submission(db, dataset.id, received.submission_id)
    assert stored is not None and stored.status == "submitted" and stored.receipt == received.receipt
    assert stored.as_json()["version"] is None
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'submission_received'") == 1

    # the same key and body again: the first answer, nothing stored
    again = await receive(
        db,
        settings,
        dataset,
        org_unit_id=dataset.org_unit_id,
        jti=None,
        mode="replace",
        sha256=sha256_hex(body),
        rows=rows,
        idempotency_key="kunci-1",
        actor="opd:DINSOS",
    )
    assert again.replayed
    assert (again.submission_id, again.receipt, again.received_at) == (
        received.submission_id,
        received.receipt,
        received.received_at,
    )
    assert len(await list_submissions(db, dataset.id)) == 1
    # the same key with another body is a conflict
    with pytest.raises(IdempotencyConflict, match="different body"):
        await submit(db, settings, dataset, "replace", [{"kode": "c", "jumlah": 3}], key="kunci-1")
    with pytest.raises(IdempotencyConflict):
        await submit(db, settings, dataset, "append", rows, key="kunci-1")
    assert len(await list_submissions(db, dataset.id)) == 1


async def test_versions_from_replace_append_and_upsert(
    db: asyncpg.Pool, settings: Settings, dataset: Dataset
) -> None:
    first = await submit(
        db, settings, dataset, "replace", [{"kode": "a", "jumlah": 1}, {"kode": "b", "jumlah": 2}]
    )
    async with db.acquire() as conn:
        v1 = await approve(conn, "bansos", first, "walidata", "10.0.0.9")
    assert (v1.version, v1.row_count, v1.submission_id) == (1, 2, first)
    csv_bytes = canonical_csv(["kode", "jumlah"], [{"kode": "a", "jumlah": 1}, {"kode": "b", "jumlah": 2}])
    assert v1.sha256 == sha256_hex(csv_bytes)
    current = await require_dataset(db, "bansos")
    assert current.current_version == 1
    assert (await version_csv(db, current, 1))[1] == csv_bytes

    second = await submit(db, settings, dataset, "append", [{"kode": "c", "jumlah": 3}])
    third = await submit(
        db, settings, dataset, "upsert", [{"kode": "b", "jumlah": 20}, {"kode": "d", "jumlah": 4}]
    )
    async with db.acquire() as conn:
        assert (await approve(conn, "bansos", second, "walidata")).version == 2
        assert (await approve(conn, "bansos", third, "walidata")).version == 3
    assert await version_rows(db, dataset.id, 3) == [
        {"kode": "a", "jumlah": 1},
        {"kode": "b", "jumlah": 20},
        {"kode": "c", "jumlah": 3},
        {"kode": "d", "jumlah": 4},
    ]
    assert await version_rows(db, dataset.id, 1) == [{"kode": "a", "jumlah": 1}, {"kode": "b", "jumlah": 2}]
    assert [v.version for v in await list_versions(db, dataset.id)] == [3, 2, 1]
    approved = await get_submission(db, dataset.id, third)
    assert approved is not None and (approved.status, approved.version, approved.reviewed_by) == (
        "approved",
        3,
        "walidata",
    )

    diff = await diff_versions(db, await require_dataset(db, "bansos"), 1, 3)
    assert diff.by_key == ("kode",)
    assert diff.added == [{"kode": "c", "jumlah": 3}, {"kode": "d", "jumlah": 4}]
    assert diff.removed == []
    assert [(c.key, c.fields) for c in diff.changed] == [(("b",), ("jumlah",))]

    published = await db.fetch(
        "SELECT details::text FROM audit_log WHERE action = 'dataset_version_published' ORDER BY id"
    )
    assert [json.loads(r[0])["version"] for r in published] == [1, 2, 3]
    assert json.loads(published[2][0])["previous_version"] == 2

    # versions are immutable: the database itself refuses to change them
    with pytest.raises(asyncpg.RaiseError, match="immutable"):
        await db.execute("UPDATE dataset_rows SET data = '{}' WHERE dataset_id = $1", dataset.id)


async def test_a_reviewed_submission_cannot_be_reviewed_again(
    db: asyncpg.Pool, settings: Settings, dataset: Dataset
) -> None:
    approved = await submit(db, settings, dataset, "replace", [{"kode": "a", "jumlah": 1}])
    returned = await submit(db, settings, dataset, "replace", [{"kode": "a", "jumlah": -1}])
    async with db.acquire() as conn:
        await approve(conn, "bansos", approved, "walidata")
        with pytest.raises(SamawaError, match="needs a note"):
            await return_submission(conn, "bansos", returned, "   ", "walidata")
        sent_back = await return_submission(
            conn, "bansos", returned, "Jumlah tidak boleh negatif", "walidata"
        )
        assert (sent_back.status, sent_back.review_note) == ("returned", "Jumlah tidak boleh negatif")
        with pytest.raises(SamawaError, match=r"approved as version 1 by walidata.*cannot be reviewed again"):
            await approve(conn, "bansos", approved, "walidata")
        with pytest.raises(SamawaError, match=r"was returned by walidata.*cannot be reviewed again"):
            await approve(conn, "bansos", returned, "walidata")
        with pytest.raises(SamawaError, match="cannot be reviewed again"):
            await return_submission(conn, "bansos", approved, "terlambat", "walidata")
        with pytest.raises(SamawaError, match="no submission 999"):
            await approve(conn, "bansos", 999, "walidata")
    assert (await require_dataset(db, "bansos")).current_version == 1
    assert await db.fetchval("SELECT count(*) FROM dataset_versions") == 1
    note = await db.fetchval("SELECT details->>'note' FROM audit_log WHERE action = 'submission_returned'")
    assert note == "Jumlah tidak boleh negatif"


async def test_an_approval_rechecks_keys_against_the_version_published_since(
    db: asyncpg.Pool, settings: Settings, dataset: Dataset
) -> None:
    # Both append "x" while version 1 does not have it: valid when submitted, a clash once the first is out.
    base = await submit(db, settings, dataset, "replace", [{"kode": "a", "jumlah": 1}])
    one = await submit(db, settings, dataset, "append", [{"kode": "x", "jumlah": 1}])
    two = await submit(db, settings, dataset, "append", [{"kode": "x", "jumlah": 2}])
    async with db.acquire() as conn:
        await approve(conn, "bansos", base, "walidata")
        await approve(conn, "bansos", one, "walidata")
        with pytest.raises(
            SamawaError, match=r"clashes with the published version in 1 place.*row 1.*kode='x'"
        ):
            await approve(conn, "bansos", two, "walidata")
    still = await get_submission(db, dataset.id, two)
    assert still is not None and still.status == "submitted"
    assert (await require_dataset(db, "bansos")).current_version == 2
