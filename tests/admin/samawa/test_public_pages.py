"""The citizens' pages: catalog and search, a dataset's page (metadata, table pages, chart, downloads, API
examples), in Indonesian first and in English, with nothing from an OPD's data read as markup."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import asyncpg
from aiohttp.test_utils import TestClient

from tests.admin.conftest import csrf_token
from tests.admin.samawa.public_fixtures import POVERTY_ROWS, SUPPRESSION, many_rows, publish

METADATA = {"konsep": "Rumah tangga miskin", "satuan": "rumah tangga", "sumber": "DTSEN"}


async def test_catalog_searches_by_words_opd_and_topic(client: TestClient, db: asyncpg.Pool) -> None:
    await publish(db, "kemiskinan", [POVERTY_ROWS], title="Rumah tangga miskin", topic="Sosial")
    await publish(db, "sekolah", [POVERTY_ROWS], title="Jumlah sekolah", topic="Pendidikan", org="DISDIK",
                  org_name="Dinas Pendidikan")  # fmt: skip
    await publish(db, "internal", [POVERTY_ROWS], title="Data internal", classification="terbatas")

    page = await client.get("/data")
    assert page.status == 200
    html = await page.text()
    assert "Data Terbuka Kota Semarang" in html and "2 dataset ditemukan" in html
    assert 'href="/data/kemiskinan"' in html and 'href="/data/sekolah"' in html
    assert "internal" not in html
    assert '<option value="DISDIK">Dinas Pendidikan (1)</option>' in html

    found = await (await client.get("/data", params={"q": "miskin"})).text()
    assert 'href="/data/kemiskinan"' in found and 'href="/data/sekolah"' not in found
    by_org = await (await client.get("/data", params={"opd": "DISDIK"})).text()
    assert 'href="/data/sekolah"' in by_org and 'href="/data/kemiskinan"' not in by_org
    by_topic = await (await client.get("/data", params={"topik": "Sosial"})).text()
    assert 'href="/data/kemiskinan"' in by_topic and 'href="/data/sekolah"' not in by_topic
    nothing = await (await client.get("/data", params={"q": "tidak ada yang cocok"})).text()
    assert "Tidak ada dataset yang cocok." in nothing


async def test_dataset_page_shows_metadata_table_chart_downloads_and_api(
    client: TestClient, db: asyncpg.Pool
) -> None:
    await publish(db, "kemiskinan", [POVERTY_ROWS[:1], POVERTY_ROWS], metadata=METADATA, topic="Sosial",
                  title="Rumah tangga miskin", release_schedule="Setiap Maret")  # fmt: skip
    response = await client.get("/data/kemiskinan")
    assert response.status == 200
    html = await response.text()
    assert "Dinas Sosial (DINSOS)" in html and "CC-BY-4.0" in html and "Setiap Maret" in html
    assert (
        "<dt>Konsep</dt><dd>Rumah tangga miskin</dd>" in html and "<dt>Sumber data</dt><dd>DTSEN</dd>" in html
    )
    assert '<dd id="dataset-version">2</dd>' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html  # an OPD's text is text
    # the chart: jumlah per kelurahan, named from the reference codes
    assert 'class="data-chart"' in html and "Miroto" in html and "Brumbungan" in html
    # downloads of the current version and of each version, and curl lines with this portal's address
    for link in ("/data/kemiskinan.csv", "/data/kemiskinan.json", "/data/kemiskinan/versi/1.csv",
                 "/data/kemiskinan/versi/2.json", "/data/kemiskinan/datapackage.json"):  # fmt: skip
        assert f'href="{link}"' in html, link
    assert (
        f"curl &#39;http://{client.host}:{client.port}/api/v1/public/datasets/kemiskinan/data?limit=10"
        in html
    )
    assert "Halaman 1 dari 1" in html


async def test_table_pages_and_english(client: TestClient, db: asyncpg.Pool) -> None:
    await publish(db, "banyak", [many_rows(60)])
    first = await (await client.get("/data/banyak")).text()
    assert "Halaman 1 dari 3" in first and ">baris 25<" in first and ">baris 26<" not in first
    assert 'href="/data/banyak?halaman=2#dataset-table"' in first
    second = await (await client.get("/data/banyak", params={"halaman": "2"})).text()
    assert ">baris 26<" in second and ">baris 50<" in second and ">baris 25<" not in second
    beyond = await (await client.get("/data/banyak", params={"halaman": "99"})).text()
    assert "Halaman 3 dari 3" in beyond and ">baris 60<" in beyond
    assert (await client.get("/data/banyak", params={"halaman": "nol"})).status == 400

    token = await csrf_token(client, "/data")
    await client.post("/bahasa", data={"csrf_token": token, "lang": "en", "next": "/data/banyak"})
    english = await (await client.get("/data/banyak")).text()
    assert "Page 1 of 3" in english and "Producer (agency)" in english and "API examples" in english


async def test_small_cells_are_hidden_on_the_page_and_in_downloads(
    client: TestClient, db: asyncpg.Pool
) -> None:
    dataset_id = await publish(db, "kemiskinan", [POVERTY_ROWS], suppression=SUPPRESSION)
    html = await (await client.get("/data/kemiskinan")).text()
    # the full data's hash would let anyone test guesses of the hidden counts
    full_hash = await db.fetchval("SELECT sha256 FROM dataset_versions WHERE dataset_id = $1", dataset_id)
    assert full_hash not in html
    assert html.count('<td class="hidden-cell">disembunyikan (&lt; 5)</td>') == 2
    assert "<td>3</td>" not in html
    assert "Untuk melindungi kelompok kecil" in html
    # the chart shows the groups holding a hidden count as hidden, never their value
    assert "<title>Brumbungan: disembunyikan (&lt; 5)</title>" in html

    table = list(csv.DictReader(io.StringIO(await (await client.get("/data/kemiskinan.csv")).text())))
    assert [r["jumlah"] for r in table] == ["120", "", "45", ""]
    rows = json.loads(await (await client.get("/data/kemiskinan/versi/1.json")).read())
    assert [r["jumlah"] for r in rows] == [120, None, 45, None]

    token = await csrf_token(client, "/data")
    await client.post("/bahasa", data={"csrf_token": token, "lang": "en", "next": "/data"})
    english = await (await client.get("/data/kemiskinan")).text()
    assert english.count('<td class="hidden-cell">hidden (&lt; 5)</td>') == 2


async def test_downloads_of_each_version(client: TestClient, db: asyncpg.Pool) -> None:
    dataset_id = await publish(db, "kemiskinan", [POVERTY_ROWS[:1], POVERTY_ROWS])
    current = await client.get("/data/kemiskinan.csv")
    assert current.status == 200 and current.content_type == "text/csv"
    assert current.headers["Content-Disposition"] == 'attachment; filename="kemiskinan-v2.csv"'
    body = await current.read()
    stored = await db.fetchval(
        "SELECT sha256 FROM dataset_versions WHERE dataset_id = $1 AND version = 2", dataset_id
    )
    assert stored in await (await client.get("/data/kemiskinan")).text()
    assert hashlib.sha256(body).hexdigest() == stored  # without suppression: the version's own bytes
    first = list(csv.DictReader(io.StringIO(await (await client.get("/data/kemiskinan/versi/1.csv")).text())))
    assert first == [
        {"kode_kelurahan": "33.74.01.1001", "tahun": "2024", "jumlah": "120", "catatan": "pendataan ulang"}
    ]
    as_json = await client.get("/data/kemiskinan/versi/2.json")
    assert as_json.headers["Content-Disposition"] == 'attachment; filename="kemiskinan-v2.json"'
    assert json.loads(await as_json.read()) == POVERTY_ROWS
    assert (await client.get("/data/kemiskinan/versi/3.csv")).status == 404
    assert (await client.get("/data/kemiskinan/versi/0.csv")).status == 404


async def test_everyone_sees_the_data_link(client: TestClient) -> None:
    html = await (await client.get("/ca")).text()
    assert '<a href="/data" id="nav-data">Data</a>' in html
