"""Kota Semarang's Kemendagri codes: the shipped file, and `reference_codes` kept equal to it by migrate."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import asyncpg

from admin.samawa.regions import DATA_FILE, load_references, load_regions, sync_reference_codes
from admin.samawa.table_schema import parse_schema, validate_rows
from smedi.db import connect, migrate

SOURCE = Path(DATA_FILE).with_name("SOURCE.md")


def test_semarang_has_16_kecamatan_and_177_kelurahan() -> None:
    regions = load_regions()
    counts = Counter(r.table_name for r in regions)
    assert counts == {"wilayah_kecamatan": 16, "wilayah_kelurahan": 177}


def test_codes_are_kemendagri_codes_under_their_kecamatan() -> None:
    regions = load_regions()
    kecamatan = {r.code: r.name for r in regions if r.table_name == "wilayah_kecamatan"}
    assert sorted(kecamatan) == [f"33.74.{n:02d}" for n in range(1, 17)]
    assert {r.parent_code for r in regions if r.table_name == "wilayah_kecamatan"} == {"33.74"}
    for r in regions:
        if r.table_name == "wilayah_kelurahan":
            assert re.fullmatch(r"33\.74\.\d{2}\.1\d{3}", r.code), r.code  # 1xxx: kelurahan, not desa
            assert r.parent_code == r.code[:8] and r.parent_code in kecamatan
        assert r.name and r.name == r.name.strip()
    assert len({(r.table_name, r.code) for r in regions}) == len(regions)
    # A few well-known ones, as a check the columns were not shifted.
    names = {r.code: r.name for r in regions}
    assert names["33.74.01"] == "Semarang Tengah"
    assert names["33.74.11"] == "Banyumanik"
    assert names["33.74.14"] == "Mijen"
    assert names["33.74.16"] == "Tugu"
    assert names["33.74.16.1002"] == "Tugurejo"
    per_kecamatan = Counter(r.parent_code for r in regions if r.table_name == "wilayah_kelurahan")
    assert per_kecamatan["33.74.01"] == 15 and per_kecamatan["33.74.16"] == 7


def test_the_source_note_says_where_and_when() -> None:
    note = SOURCE.read_text(encoding="utf-8")
    for expected in ("cahyadsn/wilayah", "db/wilayah.sql", "00d2159de447124c862fcf900a018e468afdcc18",
                     "300.2.2-2138", "2026-12-04"):  # fmt: skip
        assert expected in note


def test_load_regions_returns_a_fresh_list() -> None:
    first = load_regions()
    first.clear()
    assert len(load_regions()) == 193


async def test_a_migrated_database_holds_the_codes(db: asyncpg.Pool) -> None:
    references = await load_references(db)
    regions = load_regions()
    assert references == {
        "wilayah_kecamatan": frozenset(r.code for r in regions if r.table_name == "wilayah_kecamatan"),
        "wilayah_kelurahan": frozenset(r.code for r in regions if r.table_name == "wilayah_kelurahan"),
    }
    row = await db.fetchrow("SELECT name, parent_code FROM reference_codes WHERE code = '33.74.11.1005'")
    assert dict(row) == {"name": "Banyumanik", "parent_code": "33.74.11"}


async def test_sync_restores_the_file_and_a_rerun_writes_nothing(database_url: str) -> None:
    conn = await connect(database_url)
    try:
        await conn.execute("UPDATE reference_codes SET name = 'Salah' WHERE code = '33.74.16'")
        await conn.execute("DELETE FROM reference_codes WHERE code = '33.74.16.1007'")
        await conn.execute(
            "INSERT INTO reference_codes (table_name, code, name, parent_code)"
            " VALUES ('wilayah_kelurahan', '33.74.16.1999', 'Dihapus', '33.74.16'),"
            " ('other_table', 'x', 'kept', NULL)"
        )
        assert await migrate(conn) == []  # nothing to migrate, but the sync still runs
        rows = await conn.fetch(
            "SELECT table_name, code, name, parent_code FROM reference_codes ORDER BY 1, 2"
        )
        shipped = [(r.table_name, r.code, r.name, r.parent_code) for r in load_regions()]
        assert [tuple(r) for r in rows] == [("other_table", "x", "kept", None), *sorted(shipped)]

        xmin_before = await conn.fetch("SELECT code, xmin::text FROM reference_codes ORDER BY code")
        await sync_reference_codes(conn)
        await sync_reference_codes(conn)
        xmin_after = await conn.fetch("SELECT code, xmin::text FROM reference_codes ORDER BY code")
        assert xmin_after == xmin_before  # equal rows are not rewritten on every migrate
    finally:
        await conn.close()


async def test_a_dataset_field_can_be_constrained_to_the_shipped_codes(db: asyncpg.Pool) -> None:
    schema = parse_schema(
        {
            "fields": [{"name": "kecamatan", "type": "string"}, {"name": "kelurahan", "type": "string"}],
            "foreignKeys": [
                {"fields": "kecamatan", "reference": {"resource": "wilayah_kecamatan", "fields": "kode"}},
                {"fields": "kelurahan", "reference": {"resource": "wilayah_kelurahan", "fields": "kode"}},
            ],
        }
    )
    rows: list[dict[str, object]] = [
        {"kecamatan": "33.74.14", "kelurahan": "33.74.14.1008"},
        {"kecamatan": "33.74.17", "kelurahan": "33.74.14.2001"},
        {"kecamatan": "33.74.01.1001", "kelurahan": "33.74.01"},  # each in the other's table
    ]
    result = validate_rows(schema, rows, await load_references(db), public=True)
    assert [(e.row, e.field, e.code) for e in result.errors] == [
        (2, "kecamatan", "foreign_key"),
        (2, "kelurahan", "foreign_key"),
        (3, "kecamatan", "foreign_key"),
        (3, "kelurahan", "foreign_key"),
    ]
