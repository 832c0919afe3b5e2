"""The dataset store on a real database: define, change, read and list datasets; the privacy gate."""

from __future__ import annotations

import json

import asyncpg
import pytest

from admin.directory import add_org
from admin.samawa import SamawaError
from admin.samawa.datasets import DatasetSpec, create_dataset, get_dataset, list_datasets, update_dataset
from admin.samawa.metadata import METADATA_KEYS, clean_metadata

SCHEMA = {
    "fields": [
        {"name": "kode_kelurahan", "type": "string", "constraints": {"required": True}},
        {"name": "tahun", "type": "year"},
        {"name": "jumlah_kk", "type": "integer", "constraints": {"minimum": 0}},
    ],
    "primaryKey": ["kode_kelurahan", "tahun"],
}
WITH_NIK = {
    "fields": [{"name": "nik", "type": "string", "format": "nik"}, {"name": "nama", "type": "string"}]
}


@pytest.fixture
async def orgs(db: asyncpg.Pool) -> None:
    await add_org(db, "DINSOS", "Dinas Sosial")
    await add_org(db, "DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil")


def spec(**changes: object) -> DatasetSpec:
    base: dict[str, object] = {
        "slug": "keluarga-miskin",
        "title": "Keluarga miskin per kelurahan",
        "org": "DINSOS",
        "schema": SCHEMA,
        "topic": "Sosial",
        "description": "Jumlah keluarga\nper kelurahan",
        "metadata": {"konsep": "Keluarga miskin", "satuan": "KK", "frekuensi": "Tahunan"},
    }
    return DatasetSpec(**{**base, **changes})  # type: ignore[arg-type]


async def test_create_read_and_list(db: asyncpg.Pool, orgs: None) -> None:
    async with db.acquire() as conn:
        created = await create_dataset(conn, spec(suppress_fields=["jumlah_kk"]), "walidata", "10.0.0.5")
    assert created.slug == "keluarga-miskin"
    assert created.org_code == "DINSOS" and created.org_name == "Dinas Sosial"
    assert created.classification == "publik" and created.license == "CC-BY-4.0"
    assert created.metadata == {"konsep": "Keluarga miskin", "satuan": "KK", "frekuensi": "Tahunan"}
    assert [f["name"] for f in created.schema["fields"]] == ["kode_kelurahan", "tahun", "jumlah_kk"]
    assert created.suppression == {"fields": ["jumlah_kk"], "below": 5}
    assert created.current_version is None and created.pending == 0
    assert created.table_schema.primary_key == ("kode_kelurahan", "tahun")
    assert await get_dataset(db, "keluarga-miskin") == created
    assert await get_dataset(db, "tidak-ada") is None

    audit = await db.fetchrow(
        "SELECT actor, action, target, details::text, client_ip::text FROM audit_log "
        "WHERE action = 'dataset_created'"
    )
    assert (audit["actor"], audit["target"], audit["client_ip"]) == (
        "walidata",
        "keluarga-miskin",
        "10.0.0.5/32",
    )
    assert json.loads(audit["details"])["org"] == "DINSOS"

    async with db.acquire() as conn:
        await create_dataset(
            conn,
            spec(slug="penduduk-nik", org="DISDUKCAPIL", schema=WITH_NIK, classification="rahasia"),
            "walidata",
        )
    assert [d.slug for d in await list_datasets(db)] == ["keluarga-miskin", "penduduk-nik"]
    dinsos = await db.fetchval("SELECT id FROM org_units WHERE code = 'DINSOS'")
    assert [d.slug for d in await list_datasets(db, [dinsos])] == ["keluarga-miskin"]
    assert await list_datasets(db, []) == []


async def test_a_public_dataset_may_not_have_a_nik_field(db: asyncpg.Pool, orgs: None) -> None:
    async with db.acquire() as conn:
        with pytest.raises(SamawaError, match=r"publik dataset may not hold NIKs.*nik"):
            await create_dataset(conn, spec(schema=WITH_NIK), "walidata")
        await create_dataset(conn, spec(schema=WITH_NIK, classification="terbatas"), "walidata")
        with pytest.raises(SamawaError, match="may not hold NIKs"):
            await update_dataset(conn, "keluarga-miskin", spec(schema=WITH_NIK), "walidata")
    assert await db.fetchval("SELECT classification FROM datasets") == "terbatas"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slug": "Keluarga Miskin"}, "slug"),
        ({"slug": "-a"}, "slug"),
        ({"org": "TIDAK-ADA"}, "unknown OPD"),
        ({"title": "  "}, "title: required"),
        ({"title": "a\tb"}, "control characters"),
        ({"classification": "umum"}, "classification"),
        ({"metadata": {"warna": "merah"}}, "unknown key"),
        ({"schema": {"fields": [{"name": "a", "type": "warna"}]}}, "warna"),
        ({"schema": []}, "schema"),
        ({"suppress_fields": ["tidak_ada"]}, "tidak_ada"),
        ({"suppress_fields": ["kode_kelurahan"]}, "only integer or number"),
        ({"slug": "baru"}, "addresses use"),
        ({"suppress_fields": ["jumlah_kk"], "suppress_below": 0}, "threshold"),
    ],
)
async def test_refused_definitions_say_why_and_store_nothing(
    db: asyncpg.Pool, orgs: None, changes: dict[str, object], message: str
) -> None:
    async with db.acquire() as conn:
        with pytest.raises(SamawaError, match=message) as refused:
            await create_dataset(conn, spec(**changes), "walidata")
    assert str(refused.value)
    assert await db.fetchval("SELECT count(*) FROM datasets") == 0
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action LIKE 'dataset%'") == 0


async def test_a_slug_is_taken_once(db: asyncpg.Pool, orgs: None) -> None:
    async with db.acquire() as conn:
        await create_dataset(conn, spec(), "walidata")
        with pytest.raises(SamawaError, match="already exists"):
            await create_dataset(conn, spec(title="Lain"), "walidata")


async def test_update_changes_all_but_slug_and_opd(db: asyncpg.Pool, orgs: None) -> None:
    async with db.acquire() as conn:
        await create_dataset(conn, spec(), "walidata")
        updated = await update_dataset(
            conn,
            "keluarga-miskin",
            spec(title="Keluarga miskin", classification="terbatas", release_schedule="Maret setiap tahun"),
            "walidata-2",
        )
        assert (updated.title, updated.classification, updated.release_schedule) == (
            "Keluarga miskin",
            "terbatas",
            "Maret setiap tahun",
        )
        assert updated.updated_at >= updated.created_at
        with pytest.raises(SamawaError, match="OPD of a dataset cannot change"):
            await update_dataset(conn, "keluarga-miskin", spec(org="DISDUKCAPIL"), "walidata")
        with pytest.raises(SamawaError, match="no dataset"):
            await update_dataset(conn, "tidak-ada", spec(), "walidata")
    details = await db.fetchval("SELECT details::text FROM audit_log WHERE action = 'dataset_updated'")
    assert json.loads(details) == {"changed": ["classification", "release_schedule", "title"]}


def test_metadata_keys_are_the_satu_data_items() -> None:
    assert METADATA_KEYS == (
        "konsep",
        "definisi",
        "klasifikasi",
        "ukuran",
        "satuan",
        "frekuensi",
        "sumber",
        "penanggung_jawab",
        "tingkat_wilayah",
    )
    assert clean_metadata({"konsep": "  K  ", "satuan": ""}) == {"konsep": "K"}
    assert clean_metadata(None) == {}
    for bad in ({"konsep": 5}, {"konsep": "x" * 2001}, ["konsep"]):
        with pytest.raises(SamawaError):
            clean_metadata(bad)  # type: ignore[arg-type]
