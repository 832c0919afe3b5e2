"""The public API (/api/v1/public): catalog, a dataset, its rows with filters, sort and paging; nothing
that is not `publik` and published, and no small cell, ever leaves."""

from __future__ import annotations

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from tests.admin.samawa.public_fixtures import POVERTY_ROWS, SUPPRESSION, many_rows, publish

HIDDEN_PATHS = [
    "/data/{slug}",
    "/data/{slug}.csv",
    "/data/{slug}.json",
    "/data/{slug}/versi/1.csv",
    "/data/{slug}/versi/1.json",
    "/data/{slug}/datapackage.json",
    "/data/{slug}/datapackage.zip",
    "/api/v1/public/datasets/{slug}",
    "/api/v1/public/datasets/{slug}/data",
    "/api/3/action/package_show?id={slug}",
    "/api/3/action/datastore_search?resource_id={slug}",
]


async def test_list_searches_words_org_and_topic(client: TestClient, db: asyncpg.Pool) -> None:
    await publish(db, "kemiskinan-2024", [POVERTY_ROWS], title="Rumah tangga miskin", topic="Sosial",
                  description="Jumlah rumah tangga miskin per kelurahan")  # fmt: skip
    await publish(db, "sekolah", [POVERTY_ROWS[:1]], title="Jumlah sekolah", topic="Pendidikan",
                  org="DISDIK", org_name="Dinas Pendidikan")  # fmt: skip

    everything = await (await client.get("/api/v1/public/datasets")).json()
    assert everything["total"] == 2
    assert {d["slug"] for d in everything["datasets"]} == {"kemiskinan-2024", "sekolah"}

    words = await (await client.get("/api/v1/public/datasets", params={"q": "MISKIN kelurahan"})).json()
    assert [d["slug"] for d in words["datasets"]] == ["kemiskinan-2024"]
    by_org = await (await client.get("/api/v1/public/datasets", params={"org": "disdik"})).json()
    assert [d["slug"] for d in by_org["datasets"]] == ["sekolah"]
    assert by_org["datasets"][0]["organization"] == {"code": "DISDIK", "name": "Dinas Pendidikan"}
    by_topic = await (await client.get("/api/v1/public/datasets", params={"topic": "sosial"})).json()
    assert [d["slug"] for d in by_topic["datasets"]] == ["kemiskinan-2024"]
    none = await (
        await client.get("/api/v1/public/datasets", params={"q": "kemiskinan", "topic": "Pendidikan"})
    ).json()
    assert none == {"total": 0, "limit": 100, "offset": 0, "datasets": []}


async def test_dataset_shows_metadata_schema_and_versions(client: TestClient, db: asyncpg.Pool) -> None:
    await publish(db, "kemiskinan", [POVERTY_ROWS[:2], POVERTY_ROWS], metadata={"satuan": "rumah tangga"},
                  release_schedule="Setiap Maret")  # fmt: skip
    response = await client.get("/api/v1/public/datasets/kemiskinan")
    assert response.status == 200
    body = await response.json()
    assert body["version"] == 2 and body["row_count"] == 4
    assert body["metadata"] == {"satuan": "rumah tangga"}
    assert body["release_schedule"] == "Setiap Maret"
    assert [f["name"] for f in body["schema"]["fields"]] == ["kode_kelurahan", "tahun", "jumlah", "catatan"]
    assert [v["version"] for v in body["versions"]] == [2, 1]
    assert body["versions"][1]["csv"].endswith("/data/kemiskinan/versi/1.csv")
    assert body["datapackage"].endswith("/data/kemiskinan/datapackage.json")


async def test_data_filters_sorts_and_pages(client: TestClient, db: asyncpg.Pool) -> None:
    await publish(db, "banyak", [many_rows(250)])
    first = await (await client.get("/api/v1/public/datasets/banyak/data")).json()
    assert first["total"] == 250 and first["limit"] == 100 and first["offset"] == 0
    assert len(first["rows"]) == 100 and first["rows"][0]["tahun"] == 1900
    assert first["fields"] == ["kode_kelurahan", "tahun", "jumlah", "catatan"]

    last = await (await client.get("/api/v1/public/datasets/banyak/data", params={"offset": "240"})).json()
    assert [r["tahun"] for r in last["rows"]] == list(range(2140, 2150))

    filtered = await (
        await client.get("/api/v1/public/datasets/banyak/data", params={"kode_kelurahan": "33.74.01.1002"})
    ).json()
    assert filtered["total"] == 63 and {r["kode_kelurahan"] for r in filtered["rows"]} == {"33.74.01.1002"}

    typed = await (await client.get("/api/v1/public/datasets/banyak/data", params={"jumlah": "15"})).json()
    assert typed["total"] == 1 and typed["rows"][0]["tahun"] == 1905  # "15" typed as the integer 15

    both = await (
        await client.get(
            "/api/v1/public/datasets/banyak/data", params={"kode_kelurahan": "33.74.01.1001", "tahun": "1904"}
        )
    ).json()
    assert both["total"] == 1 and both["rows"][0]["jumlah"] == 14

    descending = await (
        await client.get("/api/v1/public/datasets/banyak/data", params={"sort": "-jumlah", "limit": "3"})
    ).json()
    assert [r["jumlah"] for r in descending["rows"]] == [259, 258, 257] and descending["total"] == 250
    ascending = await (
        await client.get("/api/v1/public/datasets/banyak/data", params={"sort": "catatan", "limit": "3"})
    ).json()
    assert [r["catatan"] for r in ascending["rows"]] == sorted(f"baris {i}" for i in range(1, 251))[:3]

    most = await (await client.get("/api/v1/public/datasets/banyak/data", params={"limit": "1000"})).json()
    assert len(most["rows"]) == 250


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"tidak_ada": "1"}, "tidak_ada"),
        ({"jumlah": "banyak"}, "jumlah"),
        ({"tahun": "2024.5"}, "tahun"),
        ({"sort": "tidak_ada"}, "tidak_ada"),
        ({"sort": "-"}, ""),
    ],
)
async def test_unknown_fields_and_bad_values_are_refused(
    client: TestClient, db: asyncpg.Pool, params: dict[str, str], field: str
) -> None:
    await publish(db, "kemiskinan", [POVERTY_ROWS])
    response = await client.get("/api/v1/public/datasets/kemiskinan/data", params=params)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "bad_query" and error["message"]
    assert error["details"]["field"] == field


@pytest.mark.parametrize("params", [{"limit": "1001"}, {"limit": "-1"}, {"offset": "x"}, {"limit": "1.5"}])
async def test_limits_are_bounded(client: TestClient, db: asyncpg.Pool, params: dict[str, str]) -> None:
    await publish(db, "kemiskinan", [POVERTY_ROWS])
    response = await client.get("/api/v1/public/datasets/kemiskinan/data", params=params)
    assert response.status == 400
    assert (await response.json())["error"]["details"]["parameter"] in ("limit", "offset")


async def test_small_cells_are_null_and_cannot_be_found_by_filter_sort_or_search(
    client: TestClient, db: asyncpg.Pool
) -> None:
    await publish(db, "kemiskinan", [POVERTY_ROWS], suppression=SUPPRESSION)
    described = await (await client.get("/api/v1/public/datasets/kemiskinan")).json()
    assert described["suppression"] == SUPPRESSION and described["versions"][0]["sha256"] is None
    body = await (await client.get("/api/v1/public/datasets/kemiskinan/data")).json()
    assert [r["jumlah"] for r in body["rows"]] == [120, None, 45, None]  # 3 and 0 are below 5
    assert body["rows"][1]["kode_kelurahan"] == "33.74.01.1002"

    for params in ({"jumlah": "3"}, {"sort": "jumlah"}, {"sort": "-jumlah"}):
        refused = await client.get("/api/v1/public/datasets/kemiskinan/data", params=params)
        assert refused.status == 400, params
        error = (await refused.json())["error"]
        assert error["details"] == {"field": "jumlah"} and "hidden" in error["message"]

    # free text looks only at fields that are shown: "3" finds the kode 33.74..., never a hidden count of 3
    searched = await (
        await client.get("/api/v1/public/datasets/kemiskinan/data", params={"q": "x</b"})
    ).json()
    assert [r["kode_kelurahan"] for r in searched["rows"]] == ["33.74.01.1003"]


async def test_a_new_suppression_applies_at_once_despite_the_cache(
    client: TestClient, db: asyncpg.Pool
) -> None:
    await publish(db, "kemiskinan", [POVERTY_ROWS])
    before = await (await client.get("/api/v1/public/datasets/kemiskinan/data")).json()
    assert before["rows"][1]["jumlah"] == 3
    await db.execute(
        "UPDATE datasets SET suppression = $1::jsonb WHERE slug = 'kemiskinan'", '{"fields": ["jumlah"]}'
    )
    after = await (await client.get("/api/v1/public/datasets/kemiskinan/data")).json()
    assert after["rows"][1]["jumlah"] is None
    await db.execute("UPDATE datasets SET classification = 'terbatas' WHERE slug = 'kemiskinan'")
    gone = await client.get("/api/v1/public/datasets/kemiskinan/data")
    assert gone.status == 404


@pytest.mark.parametrize("classification", ["terbatas", "rahasia"])
async def test_restricted_and_secret_data_is_never_public(
    client: TestClient, db: asyncpg.Pool, classification: str
) -> None:
    await publish(db, "rahasia-kota", [POVERTY_ROWS], classification=classification, topic="Sosial")
    await publish(db, "belum-terbit", [])  # publik, but no version published yet
    for slug in ("rahasia-kota", "belum-terbit", "tidak-ada"):
        for template in HIDDEN_PATHS:
            path = template.format(slug=slug)
            response = await client.get(path)
            body = await response.text()
            assert response.status == 404, f"{path}: {response.status} {body[:200]}"
            assert "120" not in body and "pendataan" not in body, path
    listed = await (await client.get("/api/v1/public/datasets")).json()
    assert listed["total"] == 0
    search = await (await client.get("/api/3/action/package_search", params={"q": "rahasia"})).json()
    assert search["result"]["count"] == 0
    names = await (await client.get("/api/3/action/package_list")).json()
    assert names["result"] == []
    orgs = await (await client.get("/api/3/action/organization_list")).json()
    assert orgs["result"] == []
    catalog = await (await client.get("/data", params={"q": "rahasia"})).text()
    assert "rahasia-kota" not in catalog


async def test_api_errors_have_the_one_shape(client: TestClient, db: asyncpg.Pool) -> None:
    missing = await client.get("/api/v1/public/datasets/tidak-ada/data")
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "not_found"
    bad_list = await client.get("/api/v1/public/datasets", params={"limit": "lots"})
    assert bad_list.status == 400 and (await bad_list.json())["error"]["code"] == "bad_query"
