"""The submission API over a real portal, database and signed tokens: JSON, CSV and multipart bodies, every
error at once, dry runs, idempotent replays, the size limit, and following a submission through review."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import jwt
import pytest
from aiohttp.test_utils import TestClient, TestServer

from admin.directory import add_org
from admin.samawa import signing_keys
from admin.samawa.datasets import DatasetSpec, create_dataset
from admin.samawa.submission_store import approve, return_submission
from admin.samawa.submissions import sha256_hex
from admin.samawa.token_store import issue
from admin.samawa.tokens import verify_receipt
from admin.samawa.views_api import MAX_SUBMISSION_BYTES
from smedi.settings import Settings

URL = "/api/v1/datasets/kemiskinan/submissions"
SCHEMA = {
    "fields": [
        {"name": "kode_kelurahan", "type": "string"},
        {"name": "tahun", "type": "integer", "constraints": {"minimum": 2000}},
        {"name": "jumlah_kk", "type": "integer", "constraints": {"required": True, "minimum": 0}},
        {"name": "keterangan", "type": "string"},
    ],
    "primaryKey": ["kode_kelurahan", "tahun"],
    "foreignKeys": [
        {"fields": ["kode_kelurahan"], "reference": {"resource": "wilayah_kelurahan", "fields": ["kode"]}}
    ],
}


@pytest.fixture
async def kelurahan(db: asyncpg.Pool) -> list[str]:
    codes = [
        r[0]
        for r in await db.fetch(
            "SELECT code FROM reference_codes WHERE table_name = 'wilayah_kelurahan' ORDER BY code LIMIT 3"
        )
    ]
    assert len(codes) == 3, "the migrations load the Kemendagri codes of Kota Semarang"
    return codes


@pytest.fixture
async def token(db: asyncpg.Pool, settings: Settings, server: TestServer) -> str:
    """A token of DINSOS for its dataset `kemiskinan` (the portal is running: `server`)."""
    await add_org(db, "DINSOS", "Dinas Sosial")
    await add_org(db, "DISDIK", "Dinas Pendidikan")
    async with db.acquire() as conn:
        await create_dataset(
            conn,
            DatasetSpec(slug="kemiskinan", title="Keluarga miskin", org="DINSOS", schema=SCHEMA),
            "walidata",
        )
        await create_dataset(
            conn,
            DatasetSpec(
                slug="sekolah",
                title="Sekolah",
                org="DISDIK",
                schema={"fields": [{"name": "nama", "type": "string"}]},
            ),
            "walidata",
        )
    issued = await issue(db, settings, org_code="DINSOS", datasets=["kemiskinan"], actor="walidata")
    return issued.token


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def rows(codes: list[str]) -> list[dict[str, Any]]:
    return [
        {"kode_kelurahan": code, "tahun": 2024, "jumlah_kk": 10 * (i + 1), "keterangan": ""}
        for i, code in enumerate(codes)
    ]


async def uses(db: asyncpg.Pool) -> list[str]:
    return [r[0] for r in await db.fetch("SELECT outcome FROM api_token_uses ORDER BY id")]


async def test_json_submission_is_stored_with_a_signed_receipt(
    client: TestClient, db: asyncpg.Pool, token: str, kelurahan: list[str]
) -> None:
    body = json.dumps({"rows": rows(kelurahan), "mode": "replace"}).encode()
    response = await client.post(URL, data=body, headers=auth(token, **{"Content-Type": "application/json"}))
    assert response.status == 201, await response.text()
    answer = await response.json()
    assert (
        answer["row_count"] == 3
        and answer["sha256"] == sha256_hex(body)
        and answer["dataset"] == "kemiskinan"
    )
    receipt = verify_receipt(answer["receipt"], await signing_keys.public_keys(db))
    assert receipt["submission_id"] == answer["submission_id"] and receipt["sha256"] == answer["sha256"]
    assert receipt["row_count"] == 3 and receipt["received_at"] == answer["received_at"]
    stored = await db.fetchrow("SELECT status, mode, rows::text, jti::text FROM dataset_submissions")
    assert stored["status"] == "submitted" and stored["jti"] is not None
    assert json.loads(stored["rows"])[0] == {
        "kode_kelurahan": kelurahan[0],
        "tahun": 2024,
        "jumlah_kk": 10,
        "keterangan": None,
    }
    assert await uses(db) == ["accepted"]
    audit = await db.fetchrow("SELECT actor, target FROM audit_log WHERE action = 'submission_received'")
    assert (audit["actor"], audit["target"]) == ("opd:DINSOS", "kemiskinan")
    # The OPD checks the receipt with the published keys alone, as any JWT library does it.
    jwks = await (await client.get("/api/v1/keys")).json()
    kid = jwt.get_unverified_header(answer["receipt"])["kid"]
    key = next(jwt.PyJWK(k) for k in jwks["keys"] if k["kid"] == kid)
    checked = jwt.decode(answer["receipt"], key, algorithms=["EdDSA"], options={"verify_aud": False})
    assert checked["sha256"] == answer["sha256"]


async def test_csv_as_excel_writes_it_and_a_multipart_file(
    client: TestClient, db: asyncpg.Pool, token: str, kelurahan: list[str]
) -> None:
    lines = [
        "kode_kelurahan;tahun;jumlah_kk;keterangan",
        *(f'{k};2024;{i};"baris\nkedua"' for i, k in enumerate(kelurahan)),
    ]
    csv_bytes = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()
    response = await client.post(
        URL + "?mode=replace",
        data=csv_bytes,
        headers=auth(token, **{"Content-Type": "text/csv; charset=utf-8"}),
    )
    assert response.status == 201, await response.text()
    assert (await response.json())["row_count"] == 3

    form = aiohttp.FormData()
    form.add_field("mode", "replace")
    form.add_field("file", io.BytesIO(csv_bytes), filename="kemiskinan.csv", content_type="text/csv")
    response = await client.post(URL, data=form, headers=auth(token))
    assert response.status == 201, await response.text()
    answer = await response.json()
    assert answer["sha256"] == sha256_hex(csv_bytes)  # the file's hash, not the multipart framing's
    notes = [
        json.loads(r[0])[0]["keterangan"]
        for r in await db.fetch("SELECT rows::text FROM dataset_submissions")
    ]
    assert notes == ["baris\nkedua", "baris\nkedua"]


async def test_every_error_comes_back_together_and_nothing_is_stored(
    client: TestClient, db: asyncpg.Pool, token: str, kelurahan: list[str]
) -> None:
    bad = [
        {"kode_kelurahan": kelurahan[0], "tahun": 1999, "jumlah_kk": -1, "keterangan": ""},  # minimum twice
        {"kode_kelurahan": "33.74.99.9999", "tahun": "dua ribu", "jumlah_kk": None, "keterangan": ""},
        {"kode_kelurahan": kelurahan[1], "tahun": 2024, "jumlah_kk": 1, "keterangan": "NIK 3374014101900001"},
    ]
    response = await client.post(URL, json={"rows": bad}, headers=auth(token))
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "validation_failed" and "nothing was stored" in error["message"]
    found = {(e["row"], e["field"], e["code"]) for e in error["details"]["errors"]}
    assert {
        (1, "tahun", "minimum"),
        (1, "jumlah_kk", "minimum"),
        (2, "kode_kelurahan", "foreign_key"),
        (2, "tahun", "type_error"),
        (2, "jumlah_kk", "required"),
    } <= found
    assert (3, "keterangan", "nik_in_public") in found  # the privacy gate of a publik dataset
    assert error["details"]["error_count"] == len(error["details"]["errors"])
    assert all(set(e) == {"row", "field", "code", "message"} for e in error["details"]["errors"])
    assert await db.fetchval("SELECT count(*) FROM dataset_submissions") == 0
    assert await uses(db) == ["invalid"]

    ragged = b"kode_kelurahan,tahun,jumlah_kk,keterangan\r\nx,2024\r\n"
    response = await client.post(URL, data=ragged, headers=auth(token, **{"Content-Type": "text/csv"}))
    assert response.status == 422
    assert "ragged_row" in {e["code"] for e in (await response.json())["error"]["details"]["errors"]}

    latin1 = "kode_kelurahan,tahun,jumlah_kk,keterangan\r\nx,2024,1,Dinas Sosial Kota Semarang \xb7 \xe9\r\n"
    response = await client.post(
        URL, data=latin1.encode("latin-1"), headers=auth(token, **{"Content-Type": "text/csv"})
    )
    assert response.status == 422
    whole_file = (await response.json())["error"]["details"]["errors"]
    assert [(e["row"], e["code"]) for e in whole_file] == [(0, "encoding")]
    assert "byte" in whole_file[0]["message"]


async def test_a_dry_run_reports_and_stores_nothing(
    client: TestClient, db: asyncpg.Pool, token: str, kelurahan: list[str]
) -> None:
    response = await client.post(URL, json={"rows": rows(kelurahan), "dry_run": True}, headers=auth(token))
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert answer["dry_run"] and answer["valid"] and answer["row_count"] == 3 and answer["errors"] == []
    invalid = await client.post(URL + "?dry_run=true", json={"rows": [{"tahun": 1}]}, headers=auth(token))
    assert invalid.status == 422 and (await invalid.json())["error"]["details"]["dry_run"] is True
    assert await db.fetchval("SELECT count(*) FROM dataset_submissions") == 0
    assert await uses(db) == ["dry_run", "invalid"]


async def test_a_replayed_submission_is_answered_once(
    client: TestClient, db: asyncpg.Pool, token: str, kelurahan: list[str]
) -> None:
    body = {"rows": rows(kelurahan)}
    headers = auth(token, **{"Idempotency-Key": "dinsos-2024-01"})
    first = await client.post(URL, json=body, headers=headers)
    assert first.status == 201
    again = await client.post(URL, json=body, headers=headers)
    assert again.status == 200
    assert await again.json() == await first.json()
    other = await client.post(URL, json={"rows": rows(kelurahan[:1])}, headers=headers)
    assert other.status == 409
    assert (await other.json())["error"]["code"] == "idempotency_conflict"
    assert await db.fetchval("SELECT count(*) FROM dataset_submissions") == 1
    assert await uses(db) == ["accepted", "duplicate", "idempotency_conflict"]
    # concurrent replays of one key: one submission, every answer the same
    headers = auth(token, **{"Idempotency-Key": "dinsos-2024-02"})
    answers = await asyncio.gather(*(client.post(URL, json=body, headers=headers) for _ in range(4)))
    assert sorted(r.status for r in answers) == [200, 200, 200, 201]
    assert len({(await r.json())["submission_id"] for r in answers}) == 1
    assert await db.fetchval("SELECT count(*) FROM dataset_submissions") == 2


async def test_a_200_mb_upload_is_refused_by_its_declared_length(
    server: TestServer, db: asyncpg.Pool, token: str
) -> None:
    reader, writer = await asyncio.open_connection(server.host, server.port)
    head = (
        f"POST {URL} HTTP/1.1\r\nHost: {server.host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: text/csv\r\nContent-Length: {200 * 1024 * 1024}\r\n\r\n"
    )
    writer.write(head.encode() + b"kode_kelurahan,tahun\r\n")  # the rest never comes: it is not waited for
    await writer.drain()
    status_line = await reader.readline()
    assert status_line.split()[1] == b"413", status_line
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    error = json.loads(await reader.readexactly(int(headers["content-length"])))["error"]
    writer.close()
    assert error["code"] == "payload_too_large"
    assert "64 MiB" in error["message"] and "mode append" in error["message"]
    assert error["details"] == {"max_bytes": MAX_SUBMISSION_BYTES}
    assert await uses(db) == ["too_large"]


async def test_a_chunked_upload_over_the_limit_is_cut_off(
    client: TestClient, db: asyncpg.Pool, token: str
) -> None:
    async def endless() -> AsyncIterator[bytes]:
        yield b"kode_kelurahan,tahun,jumlah_kk,keterangan\r\n"
        line = b"33.74.01.1001,2024,1,x\r\n" * 40_000  # ~1 MB per chunk
        for _ in range(MAX_SUBMISSION_BYTES // len(line) + 3):
            yield line

    response = await client.post(URL, data=endless(), headers=auth(token, **{"Content-Type": "text/csv"}))
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"
    assert await db.fetchval("SELECT count(*) FROM dataset_submissions") == 0


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b'{"rows": [', "application/json", 400, "invalid_json"),
        (b'{"rows": [], "mode": "merge"}', "application/json", 400, "invalid_mode"),
        (b"<rows/>", "application/xml", 415, "unsupported_media_type"),
    ],
)
async def test_bodies_that_cannot_be_read(
    client: TestClient, token: str, data: bytes, content_type: str, status: int, code: str
) -> None:
    response = await client.post(URL, data=data, headers=auth(token, **{"Content-Type": content_type}))
    assert response.status == status
    assert (await response.json())["error"]["code"] == code


async def test_upsert_needs_a_primary_key_and_append_checks_the_published_rows(
    client: TestClient, db: asyncpg.Pool, settings: Settings, token: str, kelurahan: list[str]
) -> None:
    first = await client.post(URL, json={"rows": rows(kelurahan[:2])}, headers=auth(token))
    async with db.acquire() as conn:
        await approve(conn, "kemiskinan", (await first.json())["submission_id"], "walidata")
    again = await client.post(URL, json={"rows": rows(kelurahan), "mode": "append"}, headers=auth(token))
    assert again.status == 422
    errors = (await again.json())["error"]["details"]["errors"]
    assert [(e["row"], e["code"]) for e in errors] == [(1, "primary_key"), (2, "primary_key")]
    upsert = await client.post(URL, json={"rows": rows(kelurahan), "mode": "upsert"}, headers=auth(token))
    assert upsert.status == 201

    sekolah = await issue(db, settings, org_code="DISDIK", datasets=["sekolah"], actor="walidata")
    refused = await client.post(
        "/api/v1/datasets/sekolah/submissions",
        json={"rows": [], "mode": "upsert"},
        headers=auth(sekolah.token),
    )
    assert refused.status == 400
    assert (await refused.json())["error"]["code"] == "upsert_without_primary_key"


async def test_tokens_are_checked_before_the_body(client: TestClient, db: asyncpg.Pool, token: str) -> None:
    missing = await client.post(URL, json={"rows": []})
    assert missing.status == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await missing.json())["error"]["code"] == "missing_token"
    other = await client.post("/api/v1/datasets/sekolah/submissions", json={"rows": []}, headers=auth(token))
    assert other.status == 403
    assert (await other.json())["error"]["code"] == "dataset_not_in_scope"
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'api_token_refused'") == 2
    # no session, no CSRF token: the signed token is the credential
    assert await db.fetchval("SELECT count(*) FROM dataset_submissions") == 0


async def test_the_opd_follows_its_submission_through_review(
    client: TestClient, db: asyncpg.Pool, token: str, kelurahan: list[str]
) -> None:
    sent = await (await client.post(URL, json={"rows": rows(kelurahan)}, headers=auth(token))).json()
    status_url = f"{URL}/{sent['submission_id']}"
    waiting = await client.get(status_url, headers=auth(token))
    assert waiting.status == 200
    assert (await waiting.json())["status"] == "submitted"
    async with db.acquire() as conn:
        await return_submission(
            conn, "kemiskinan", sent["submission_id"], "Tahun 2024 belum lengkap", "walidata"
        )
    returned = await (await client.get(status_url, headers=auth(token))).json()
    assert (returned["status"], returned["review_note"], returned["version"]) == (
        "returned",
        "Tahun 2024 belum lengkap",
        None,
    )
    # the OPD resubmits; the Walidata approves: version 1
    again = await (await client.post(URL, json={"rows": rows(kelurahan)}, headers=auth(token))).json()
    async with db.acquire() as conn:
        await approve(conn, "kemiskinan", again["submission_id"], "walidata")
    approved = await (await client.get(f"{URL}/{again['submission_id']}", headers=auth(token))).json()
    assert (approved["status"], approved["version"], approved["receipt"]) == ("approved", 1, again["receipt"])

    for missing in ("999", "abc"):
        response = await client.get(f"{URL}/{missing}", headers=auth(token))
        assert response.status == 404 and (await response.json())["error"]["code"] == "not_found"
    assert (await client.get(status_url)).status == 401


async def test_100000_rows_are_validated_without_stopping_the_portal(
    client: TestClient, db: asyncpg.Pool, token: str, kelurahan: list[str]
) -> None:
    lines = ["kode_kelurahan,tahun,jumlah_kk,keterangan"]
    lines += [f"{kelurahan[i % 3]},{2000 + i // 3},{i % 97},baris {i}" for i in range(100_000)]
    csv_bytes = ("\r\n".join(lines) + "\r\n").encode()
    done: list[str] = []

    async def submit() -> None:
        response = await client.post(
            URL, data=io.BytesIO(csv_bytes), headers=auth(token, **{"Content-Type": "text/csv"})
        )
        assert response.status == 201, (await response.text())[:500]
        assert (await response.json())["row_count"] == 100_000
        done.append("submission")

    async def meanwhile() -> None:
        await asyncio.sleep(0)  # let the submission start first
        while not await db.fetchval("SELECT count(*) FROM api_token_uses") and "submission" not in done:
            response = await client.get("/ca")
            assert response.status == 200
            done.append("page")
            await asyncio.sleep(0.01)

    await asyncio.gather(submit(), meanwhile())
    # pages were served while the rows were checked (the validation runs beside the event loop)
    assert done.index("submission") > done.index("page")
    assert await db.fetchval("SELECT row_count FROM dataset_submissions") == 100_000
