"""The Kemendagri region codes of Kota Semarang (33.74), shipped in admin/samawa/data/wilayah_3374.csv.

They become the `reference_codes` rows a dataset field can be constrained to (a foreign key to
`wilayah_kecamatan` or `wilayah_kelurahan`). The data file is the source of truth: `smedi db migrate`
syncs the table to it every time (see SOURCE.md next to it for where the codes come from).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import asyncpg

from admin.samawa.table_schema import references_from_rows
from smedi.sql import load_queries

DATA_FILE = Path(__file__).resolve().parent / "data" / "wilayah_3374.csv"
CITY_CODE = "33.74"
TABLE_OF_LEVEL = {"kecamatan": "wilayah_kecamatan", "kelurahan": "wilayah_kelurahan"}
_CODE_OF_LEVEL = {
    "kecamatan": re.compile(r"33\.74\.\d{2}"),
    "kelurahan": re.compile(r"33\.74\.\d{2}\.[12]\d{3}"),  # 1xxx kelurahan, 2xxx desa
}


@dataclass(frozen=True)
class Region:
    table_name: str  # wilayah_kecamatan | wilayah_kelurahan
    code: str  # 33.74.01 | 33.74.01.1001
    name: str
    parent_code: str  # the city (33.74) of a kecamatan, the kecamatan of a kelurahan


def load_regions() -> list[Region]:
    """Every kecamatan, then every kelurahan, in code order; the file is checked as it is read."""
    return list(_load(DATA_FILE))


@cache
def _load(path: Path) -> tuple[Region, ...]:
    regions = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), 2):
            level = row["level"]
            if level not in TABLE_OF_LEVEL or not _CODE_OF_LEVEL[level].fullmatch(row["code"]):
                raise ValueError(
                    f"{path.name} line {line}: bad level or code {row['level']!r} {row['code']!r}"
                )
            regions.append(
                Region(TABLE_OF_LEVEL[level], row["code"], row["name"].strip(), row["parent_code"])
            )
    kecamatan = {r.code for r in regions if r.table_name == "wilayah_kecamatan"}
    for r in regions:
        expected = CITY_CODE if r.table_name == "wilayah_kecamatan" else r.code.rsplit(".", 1)[0]
        if r.parent_code != expected or (r.table_name == "wilayah_kelurahan" and expected not in kecamatan):
            raise ValueError(f"{path.name}: {r.code} has parent {r.parent_code!r}, expected {expected!r}")
    if len({(r.table_name, r.code) for r in regions}) != len(regions):
        raise ValueError(f"{path.name}: a code appears twice")
    return tuple(sorted(regions, key=lambda r: (r.table_name, r.code)))


async def sync_reference_codes(conn: asyncpg.Connection) -> None:
    """Make `reference_codes` hold exactly the shipped regions (idempotent; unchanged rows are not written).

    Does nothing on a database whose migrations have not created `reference_codes` yet.
    """
    queries = load_queries("samawa_reference")
    if not await conn.fetchval(queries.reference_codes_exists):
        return
    regions = load_regions()
    tables = [r.table_name for r in regions]
    codes = [r.code for r in regions]
    async with conn.transaction():
        await conn.execute(
            queries.upsert_reference_codes,
            tables,
            codes,
            [r.name for r in regions],
            [r.parent_code for r in regions],
        )
        # A code dropped from the file (a Kepmendagri merged or renamed it) must stop validating.
        await conn.execute(
            queries.delete_stale_reference_codes, sorted(TABLE_OF_LEVEL.values()), tables, codes
        )


async def load_references(db: asyncpg.Pool | asyncpg.Connection) -> dict[str, frozenset[str]]:
    """{reference table: codes} from the database, as `validate_rows` takes them."""
    rows = await db.fetch(load_queries("samawa_reference").reference_codes)
    return references_from_rows(rows)
