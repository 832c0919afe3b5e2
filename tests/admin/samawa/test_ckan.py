"""The CKAN Action API over published datasets: CKAN's response shape and errors, read by a real CKAN client
(ckanapi, synchronous: it runs in a thread against the portal on a real TCP port)."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import asyncpg
import ckanapi
import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.admin.samawa.public_fixtures import POVERTY_ROWS, SUPPRESSION, many_rows, publish


def remote(server: TestServer) -> ckanapi.RemoteCKAN:
    return ckanapi.RemoteCKAN(str(server.make_url("/")), user_agent="smedi-test/1.0")


async def test_ckanapi_reads_a_published_dataset(
    server: TestServer, client: TestClient, db: asyncpg.Pool
) -> None:
    await publish(db, "kemiskinan", [POVERTY_ROWS[:1], POVERTY_ROWS], title="Rumah tangga miskin",
                  topic="Sosial", metadata={"satuan": "rumah tangga"}, suppression=SUPPRESSION)  # fmt: skip
    await publish(db, "rahasia", [POVERTY_ROWS], classification="rahasia")
    ckan = remote(server)

    assert await asyncio.to_thread(ckan.action.package_list) == ["kemiskinan"]

    package = await asyncio.to_thread(ckan.action.package_show, id="kemiskinan")
    assert package["name"] == "kemiskinan" and package["title"] == "Rumah tangga miskin"
    assert package["organization"]["title"] == "Dinas Sosial" and package["version"] == "2"
    assert {"key": "satuan", "value": "rumah tangga"} in package["extras"]
    [resource] = package["resources"]
    assert (
        resource["id"] == "kemiskinan"
        and resource["format"] == "CSV"
        and resource["datastore_active"] is True
    )
    csv_response = await client.get(resource["url"].removeprefix(str(server.make_url(""))))
    assert csv_response.status == 200
    assert len(list(csv.DictReader(io.StringIO(await csv_response.text())))) == 4

    found = await asyncio.to_thread(ckan.action.datastore_search, resource_id=resource["id"], limit=2)
    assert found["total"] == 4
    assert [r["kode_kelurahan"] for r in found["records"]] == ["33.74.01.1001", "33.74.01.1002"]
    assert found["records"][1]["jumlah"] is None  # a small count stays hidden for CKAN clients too
    assert [f["id"] for f in found["fields"]] == ["_id", "kode_kelurahan", "tahun", "jumlah", "catatan"]
    assert found["fields"][3]["type"] == "int"

    filtered = await asyncio.to_thread(
        ckan.action.datastore_search, resource_id="kemiskinan", filters={"kode_kelurahan": "33.74.01.1003"},
        fields=["kode_kelurahan", "catatan"],
    )  # fmt: skip
    assert filtered["records"] == [{"kode_kelurahan": "33.74.01.1003", "catatan": "<b>x</b>"}]

    with pytest.raises(ckanapi.NotFound):
        await asyncio.to_thread(ckan.action.package_show, id="rahasia")
    with pytest.raises(ckanapi.NotFound):
        await asyncio.to_thread(ckan.action.datastore_search, resource_id="rahasia")
    with pytest.raises(ckanapi.ValidationError):  # a filter on a hidden count would reveal it
        await asyncio.to_thread(ckan.action.datastore_search, resource_id="kemiskinan", filters={"jumlah": 3})
    with pytest.raises(ckanapi.ValidationError):
        await asyncio.to_thread(ckan.action.datastore_search, resource_id="kemiskinan", sort="jumlah desc")

    orgs = await asyncio.to_thread(ckan.action.organization_list, all_fields=True)
    assert [(o["name"], o["title"], o["package_count"]) for o in orgs] == [("dinsos", "Dinas Sosial", 1)]

    searched = await asyncio.to_thread(
        ckan.action.package_search, q="miskin", fq="organization:dinsos", rows=5
    )
    assert searched["count"] == 1 and searched["results"][0]["name"] == "kemiskinan"


async def test_get_answers_in_ckan_shape(client: TestClient, db: asyncpg.Pool) -> None:
    await publish(db, "banyak", [many_rows(30)], topic="Sosial")
    response = await client.get("/api/3/action/package_list")
    assert response.status == 200
    body = await response.json()
    assert body["success"] is True and body["result"] == ["banyak"] and "help" in body

    search = await client.get(
        "/api/3/action/datastore_search",
        params={"resource_id": "banyak", "filters": json.dumps({"kode_kelurahan": "33.74.01.1002"}),
                "sort": "tahun desc", "limit": "3", "offset": "1"},
    )  # fmt: skip
    result = (await search.json())["result"]
    assert result["total"] == 8 and [r["tahun"] for r in result["records"]] == [1925, 1921, 1917]
    assert result["records"][0]["_id"] == 26  # the row's number in its version

    text = await (
        await client.get("/api/3/action/datastore_search", params={"resource_id": "banyak", "q": "baris 3"})
    ).json()
    assert text["result"]["total"] == 2  # "baris 3" and "baris 30"
    no_total = await (
        await client.get(
            "/api/3/action/datastore_search", params={"resource_id": "banyak", "include_total": "false"}
        )
    ).json()
    assert "total" not in no_total["result"]

    topic = await (await client.get("/api/3/action/package_search", params={"fq": "tags:Sosial"})).json()
    assert topic["result"]["count"] == 1
    assert topic["result"]["results"][0]["resources"][0]["datastore_active"] is True


@pytest.mark.parametrize(
    ("path", "params", "status", "kind"),
    [
        ("/api/3/action/package_show", {"id": "tidak-ada"}, 404, "Not Found Error"),
        ("/api/3/action/package_show", {}, 404, "Not Found Error"),
        ("/api/3/action/datastore_search", {"resource_id": "tidak-ada"}, 404, "Not Found Error"),
        ("/api/3/action/datastore_search", {}, 409, "Validation Error"),
        ("/api/3/action/datastore_search", {"resource_id": "banyak", "filters": "{bukan json"}, 409,
         "Validation Error"),
        ("/api/3/action/datastore_search", {"resource_id": "banyak", "filters": '{"tak_dikenal": 1}'}, 409,
         "Validation Error"),
        ("/api/3/action/datastore_search", {"resource_id": "banyak", "limit": "banyak"}, 409,
         "Validation Error"),
        ("/api/3/action/package_search", {"rows": "-1"}, 409, "Validation Error"),
        ("/api/3/action/package_create", {}, 400, "Bad Request"),
    ],
)  # fmt: skip
async def test_errors_in_ckan_shape(
    client: TestClient, db: asyncpg.Pool, path: str, params: dict[str, str], status: int, kind: str
) -> None:
    await publish(db, "banyak", [many_rows(3)])
    response = await client.get(path, params=params)
    assert response.status == status
    body = await response.json()
    assert body["success"] is False and body["error"]["__type"] == kind and body["error"]["message"]


async def test_post_with_a_json_body_needs_no_session_or_csrf(client: TestClient, db: asyncpg.Pool) -> None:
    await publish(db, "banyak", [many_rows(3)])
    response = await client.post(
        "/api/action/datastore_search", json={"resource_id": "banyak", "filters": {"tahun": 1901}}
    )
    assert response.status == 200
    assert [r["catatan"] for r in (await response.json())["result"]["records"]] == ["baris 2"]
    broken = await client.post(
        "/api/3/action/package_show", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status == 400 and (await broken.json())["error"]["__type"] == "Bad Request"
