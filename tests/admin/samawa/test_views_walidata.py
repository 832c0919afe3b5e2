"""The Walidata's pages on the real portal: define a dataset, review submissions that came through the API
with a real token, download versions, compare two; a data operator reads only their own OPD's datasets."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from markupsafe import escape

from admin.directory import add_org
from admin.samawa.datasets import DatasetSpec, create_dataset
from admin.samawa.token_store import issue
from smedi.settings import Settings
from tests.admin.conftest import ORG, NewClient, csrf_token, sign_in

SCHEMA = {
    "fields": [
        {"name": "kode", "type": "string", "constraints": {"required": True}},
        {"name": "jumlah", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "catatan", "type": "string"},
    ],
    "primaryKey": ["kode"],
}
XSS = '<script>alert("x")</script>'
REVIEW = "/samawa/kiriman/putusan"


@pytest.fixture
async def dinsos(db: asyncpg.Pool, server: TestServer) -> None:
    await add_org(db, "DINSOS", "Dinas Sosial")


async def walidata(new_client: NewClient) -> tuple[TestClient, str]:
    client = await new_client()
    return client, await sign_in(client, "walidata")


def form(token: str, **fields: str) -> dict[str, str]:
    base = {
        "csrf_token": token,
        "slug": "bansos",
        "title": "Penerima bansos",
        "org": "DINSOS",
        "classification": "publik",
        "schema": json.dumps(SCHEMA),
        "meta_konsep": "Penerima bantuan sosial",
    }
    return {**base, **fields}


async def test_the_walidata_defines_a_dataset(new_client: NewClient, db: asyncpg.Pool, dinsos: None) -> None:
    client, token = await walidata(new_client)
    page = await client.get("/samawa/dataset/baru")
    assert page.status == 200
    assert "Dataset baru" in await page.text() and "DINSOS" in await page.text()

    refused = await client.post(
        "/samawa/dataset/baru",
        data=form(
            token,
            schema=json.dumps({"fields": [{"name": "nik", "type": "string", "format": "nik"}]}),
            title="Judul yang diketik",
        ),
    )
    assert refused.status == 400
    text = await refused.text()
    assert "publik dataset may not hold NIKs" in text and "Tidak ada yang disimpan" in text
    assert 'value="Judul yang diketik"' in text  # the typed values come back
    broken = await client.post("/samawa/dataset/baru", data=form(token, schema="{bukan json"))
    assert broken.status == 400 and "not valid JSON" in await broken.text()

    created = await client.post(
        "/samawa/dataset/baru", data=form(token, suppress_fields="jumlah"), allow_redirects=False
    )
    assert created.status == 303 and created.headers["Location"] == "/samawa/dataset/bansos"
    detail = await (await client.get("/samawa/dataset/bansos")).text()
    assert "Penerima bansos" in detail and "Penerima bantuan sosial" in detail and "belum terbit" in detail
    assert await db.fetchval("SELECT created_by FROM datasets WHERE slug = 'bansos'") == "walidata"

    # the schema may come as a file instead
    upload = aiohttp.FormData()
    for key, value in form(token, slug="bansos-2", schema="").items():
        upload.add_field(key, value)
    upload.add_field(
        "schema_file",
        io.BytesIO(json.dumps(SCHEMA).encode()),
        filename="skema.json",
        content_type="application/json",
    )
    assert (await client.post("/samawa/dataset/baru", data=upload, allow_redirects=False)).status == 303
    listing = await (await client.get("/samawa/dataset")).text()
    assert "/samawa/dataset/bansos-2" in listing and '/samawa/dataset/bansos"' in listing


async def test_from_token_to_published_version_and_back(
    new_client: NewClient, db: asyncpg.Pool, settings: Settings, dinsos: None
) -> None:
    client, csrf = await walidata(new_client)
    assert (await client.post("/samawa/dataset/baru", data=form(csrf), allow_redirects=False)).status == 303
    issued = await issue(db, settings, org_code="DINSOS", datasets=["bansos"], actor="walidata")
    opd = await new_client()  # the OPD's own program: no session, only the token
    api = "/api/v1/datasets/bansos/submissions"
    bearer = {"Authorization": f"Bearer {issued.token}"}

    first_rows = [{"kode": "a", "jumlah": 1, "catatan": XSS}, {"kode": "b", "jumlah": 2, "catatan": ""}]
    first = await (await opd.post(api, json={"rows": first_rows}, headers=bearer)).json()
    page = await client.get(f"/samawa/dataset/bansos/kiriman/{first['submission_id']}")
    text = await page.text()
    assert page.status == 200 and "menunggu pemeriksaan" in text and first["sha256"] in text
    assert XSS not in text and str(escape(XSS)) in text  # what an OPD sends is escaped
    approve = {"csrf_token": csrf, "slug": "bansos", "verdict": "approve"}
    done = await client.post(
        REVIEW, data={**approve, "id": str(first["submission_id"])}, allow_redirects=False
    )
    assert done.status == 303
    status = await (await opd.get(f"{api}/{first['submission_id']}", headers=bearer)).json()
    assert (status["status"], status["version"]) == ("approved", 1)

    # a second delivery is returned with a note, a third (upsert) approved
    second = await (
        await opd.post(
            api, json={"rows": [{"kode": "c", "jumlah": -5, "catatan": ""}], "mode": "append"}, headers=bearer
        )
    ).json()
    assert second["error"]["code"] == "validation_failed"  # nothing to review: the OPD fixes it first
    second = await (
        await opd.post(
            api, json={"rows": [{"kode": "c", "jumlah": 5, "catatan": ""}], "mode": "append"}, headers=bearer
        )
    ).json()
    returning = {
        "csrf_token": csrf,
        "slug": "bansos",
        "id": str(second["submission_id"]),
        "verdict": "return",
    }
    no_note = await client.post(REVIEW, data={**returning, "note": " "})
    assert no_note.status == 400 and "needs a note" in await no_note.text()
    returned = await client.post(
        REVIEW, data={**returning, "note": "Kode c belum sah"}, allow_redirects=False
    )
    assert returned.status == 303
    status = await (await opd.get(f"{api}/{second['submission_id']}", headers=bearer)).json()
    assert (status["status"], status["review_note"]) == ("returned", "Kode c belum sah")
    twice = await client.post(REVIEW, data={**approve, "id": str(second["submission_id"])})
    assert twice.status == 400 and "cannot be reviewed again" in await twice.text()

    third = await (
        await opd.post(
            api,
            json={
                "rows": [
                    {"kode": "b", "jumlah": 20, "catatan": ""},
                    {"kode": "d", "jumlah": 4, "catatan": ""},
                ],
                "mode": "upsert",
            },
            headers=bearer,
        )
    ).json()
    review = await (await client.get(f"/samawa/dataset/bansos/kiriman/{third['submission_id']}")).text()
    assert 'id="effect"' in review  # what approving would change, against version 1
    third_approved = await client.post(
        REVIEW, data={**approve, "id": str(third["submission_id"])}, allow_redirects=False
    )
    assert third_approved.status == 303

    detail = await (await client.get("/samawa/dataset/bansos")).text()
    assert "/samawa/dataset/bansos/versi/2.csv" in detail and "/samawa/dataset/bansos/versi/1.json" in detail
    assert "Kode c belum sah" in detail
    csv_response = await client.get("/samawa/dataset/bansos/versi/2.csv")
    assert csv_response.status == 200 and csv_response.content_type == "text/csv"
    body = await csv_response.read()
    assert list(csv.DictReader(io.StringIO(body.decode()))) == [
        {"kode": "a", "jumlah": "1", "catatan": XSS},
        {"kode": "b", "jumlah": "20", "catatan": ""},
        {"kode": "d", "jumlah": "4", "catatan": ""},
    ]
    assert hashlib.sha256(body).hexdigest() == csv_response.headers["X-Content-SHA256"]
    assert hashlib.sha256(body).hexdigest() == await db.fetchval(
        "SELECT sha256 FROM dataset_versions WHERE version = 2"
    )
    version_1 = await (await client.get("/samawa/dataset/bansos/versi/1.json")).json()
    assert version_1["rows"] == [
        {"kode": "a", "jumlah": 1, "catatan": XSS},
        {"kode": "b", "jumlah": 2, "catatan": None},
    ]
    assert (await client.get("/samawa/dataset/bansos/versi/9.csv")).status == 404

    diff = await client.get("/samawa/dataset/bansos/beda?a=1&b=2")
    text = await diff.text()
    assert diff.status == 200
    assert '<strong id="count-added">1</strong>' in text and '<strong id="count-changed">1</strong>' in text
    assert '<strong id="count-removed">0</strong>' in text
    assert (await client.get("/samawa/dataset/bansos/beda")).status == 200  # defaults: the last two
    assert (await client.get("/samawa/dataset/bansos/beda?a=1&b=7")).status == 404
    assert (await client.get("/samawa/dataset/bansos/beda?a=x")).status == 400

    actions = [
        r[0]
        for r in await db.fetch(
            "SELECT action FROM audit_log WHERE actor = 'walidata' AND action NOT LIKE 'login%' ORDER BY id"
        )
    ]
    assert actions == [
        "dataset_created",
        "api_token_issued",
        "dataset_version_published",
        "submission_returned",
        "dataset_version_published",
    ]


async def test_a_data_operator_reads_only_their_own_opds_datasets(
    new_client: NewClient, db: asyncpg.Pool, dinsos: None
) -> None:
    async with db.acquire() as conn:
        await create_dataset(
            conn,
            DatasetSpec(
                slug="milik-sendiri", title="Milik sendiri", org=ORG, schema=SCHEMA, classification="terbatas"
            ),
            "walidata",
        )
        await create_dataset(
            conn,
            DatasetSpec(slug="milik-dinsos", title="Milik Dinsos", org="DINSOS", schema=SCHEMA),
            "walidata",
        )
    operator = await new_client()
    csrf = await sign_in(operator, "operator")
    listing = await (await operator.get("/samawa/dataset")).text()
    assert (
        "milik-sendiri" in listing and "milik-dinsos" not in listing and "/samawa/dataset/baru" not in listing
    )
    assert (await operator.get("/samawa/dataset/milik-sendiri")).status == 200
    assert (await operator.get("/samawa/dataset/milik-dinsos")).status == 404
    assert (await operator.get("/samawa/dataset/milik-dinsos/beda")).status == 404
    review = await operator.post(
        REVIEW, data={"csrf_token": csrf, "slug": "milik-sendiri", "id": "1", "verdict": "approve"}
    )
    assert review.status == 403
    assert (await operator.get("/samawa/dataset/baru")).status == 403


async def test_the_pages_speak_english_when_asked(new_client: NewClient, dinsos: None) -> None:
    client, _csrf = await walidata(new_client)
    assert "Dataset SAMAWA" in await (await client.get("/samawa/dataset")).text()
    token = await csrf_token(client, "/samawa/dataset")
    await client.post("/bahasa", data={"csrf_token": token, "lang": "en", "next": "/samawa/dataset"})
    assert "SAMAWA datasets" in await (await client.get("/samawa/dataset")).text()
    assert "Satu Data metadata" in await (await client.get("/samawa/dataset/baru")).text()
