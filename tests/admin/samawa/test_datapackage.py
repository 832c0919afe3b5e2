"""Frictionless Data Packages of published datasets: the real `frictionless` validates what we export."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import asyncpg
import frictionless
from aiohttp.test_utils import TestClient, TestServer

from admin.samawa.datapackage import frictionless_schema
from tests.admin.samawa.public_fixtures import POVERTY_ROWS, POVERTY_SCHEMA, SUPPRESSION, publish

WITH_NIK: dict[str, Any] = {
    "fields": [*POVERTY_SCHEMA["fields"], {"name": "nik_petugas", "type": "string", "format": "nik"}],
    "primaryKey": POVERTY_SCHEMA["primaryKey"],
    "foreignKeys": POVERTY_SCHEMA["foreignKeys"],
}


def validate(folder: Path) -> frictionless.Report:
    return frictionless.validate(str(folder / "datapackage.json"))


def errors(report: frictionless.Report) -> list[str]:
    return [f"{e.type}: {e.message}" for task in report.tasks for e in task.errors] + [
        f"{e.type}: {e.message}" for e in report.errors
    ]


async def unzip(client: TestClient, slug: str, folder: Path) -> dict[str, Any]:
    response = await client.get(f"/data/{slug}/datapackage.zip")
    assert response.status == 200 and response.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(await response.read())) as archive:
        assert sorted(archive.namelist())[0] == "data/" + sorted(archive.namelist())[0].removeprefix("data/")
        archive.extractall(folder)
    descriptor: dict[str, Any] = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    return descriptor


async def test_the_zip_is_a_valid_data_package_with_its_reference_table(
    client: TestClient, db: asyncpg.Pool, tmp_path: Path
) -> None:
    await publish(db, "kemiskinan", [POVERTY_ROWS[:1], POVERTY_ROWS], schema=WITH_NIK,
                  title="Rumah tangga miskin", topic="Sosial", description="Per kelurahan")  # fmt: skip
    descriptor = await unzip(client, "kemiskinan", tmp_path)
    assert descriptor["name"] == "kemiskinan" and descriptor["title"] == "Rumah tangga miskin"
    assert descriptor["version"] == "2"
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0" and descriptor["licenses"][0]["path"].startswith(
        "https://"
    )
    data, reference = descriptor["resources"]
    assert data["path"] == "data/kemiskinan.csv" and reference["path"] == "data/wilayah_kelurahan.csv"
    assert data["hash"] == "sha256:" + hashlib.sha256((tmp_path / data["path"]).read_bytes()).hexdigest()
    fields = {f["name"]: f for f in data["schema"]["fields"]}
    assert "format" not in fields["nik_petugas"]  # our own format, unknown to Frictionless
    assert data["schema"]["foreignKeys"][0]["reference"]["resource"] == "wilayah_kelurahan"

    report = await asyncio.to_thread(validate, tmp_path)
    assert report.valid, errors(report)
    assert {task.name for task in report.tasks} == {"kemiskinan", "wilayah_kelurahan"}


async def test_a_code_outside_the_reference_table_fails_validation(
    client: TestClient, db: asyncpg.Pool, tmp_path: Path
) -> None:
    """The foreign key is real: Frictionless checks every code against the shipped table."""
    wrong = [{**POVERTY_ROWS[0], "kode_kelurahan": "33.74.99.9999"}]
    await publish(db, "salah-kode", [wrong])
    await unzip(client, "salah-kode", tmp_path)
    report = await asyncio.to_thread(validate, tmp_path)
    assert not report.valid
    assert any("foreign-key" in e for e in errors(report)), errors(report)


async def test_suppressed_package_is_valid_and_holds_no_small_count(
    client: TestClient, db: asyncpg.Pool, tmp_path: Path
) -> None:
    await publish(db, "kemiskinan", [POVERTY_ROWS], suppression=SUPPRESSION)
    descriptor = await unzip(client, "kemiskinan", tmp_path)
    text = (tmp_path / "data" / "kemiskinan.csv").read_text(encoding="utf-8")
    assert text.splitlines()[2] == "33.74.01.1002,2024,,"
    jumlah = next(f for f in descriptor["resources"][0]["schema"]["fields"] if f["name"] == "jumlah")
    assert "required" not in jumlah["constraints"] and "below 5" in jumlah["description"]
    report = await asyncio.to_thread(validate, tmp_path)
    assert report.valid, errors(report)


async def test_the_online_descriptor_points_at_the_version_csv_it_hashes(
    server: TestServer, client: TestClient, db: asyncpg.Pool
) -> None:
    await publish(db, "kemiskinan", [POVERTY_ROWS[:2], POVERTY_ROWS])
    response = await client.get("/data/kemiskinan/datapackage.json")
    assert response.status == 200
    descriptor = await response.json()
    data = descriptor["resources"][0]
    assert data["path"] == str(server.make_url("/data/kemiskinan/versi/2.csv"))
    served = await (await client.get("/data/kemiskinan/versi/2.csv")).read()
    assert data["hash"] == "sha256:" + hashlib.sha256(served).hexdigest() and data["bytes"] == len(served)
    reference = descriptor["resources"][1]
    assert reference["path"] == str(server.make_url("/data/referensi/wilayah_kelurahan.csv"))
    table = await client.get("/data/referensi/wilayah_kelurahan.csv")
    assert table.status == 200 and "33.74.01.1001,Miroto,33.74.01" in await table.text()
    assert (await client.get("/data/referensi/wilayah_tidak_ada.csv")).status == 404

    # Frictionless reads the online package too, fetching the CSVs from the portal over HTTP.
    report = await asyncio.to_thread(frictionless.validate, descriptor)
    assert report.valid, errors(report)


def test_foreign_keys_to_tables_not_in_the_package_are_dropped() -> None:
    schema = {
        "fields": [{"name": "kode", "type": "string", "format": "nik", "constraints": {"required": True}}],
        "foreignKeys": [{"fields": "kode", "reference": {"resource": "wilayah_desa", "fields": "kode"}}],
    }
    converted = frictionless_schema(schema, {"fields": ["kode"]}, frozenset({"wilayah_kelurahan"}))
    assert "foreignKeys" not in converted
    assert converted["fields"][0] == {
        "name": "kode",
        "type": "string",
        "description": "Values below 5 are hidden (empty) to protect small groups.",
    }
    assert schema["fields"][0]["format"] == "nik"  # the dataset's own schema is left as it was
