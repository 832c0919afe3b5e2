"""Published SAMAWA data for the citizens' tests, written straight into the tables H3's review fills.

A dataset, then per version a (approved) submission, the version and its rows by COPY, then the dataset's
current_version: what an approval leaves behind, without going through tokens and review.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from admin.samawa.submissions import canonical_csv

ORG, ORG_NAME = "DINSOS", "Dinas Sosial"
KELURAHAN = ["33.74.01.1001", "33.74.01.1002", "33.74.01.1003", "33.74.01.1004"]  # Semarang Tengah

# Households per kelurahan and year: a count below 5 is a small cell, hidden when suppression is declared.
POVERTY_SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "kode_kelurahan", "type": "string", "title": "Kode kelurahan",
         "constraints": {"required": True}},
        {"name": "tahun", "type": "year", "constraints": {"required": True}},
        {"name": "jumlah", "type": "integer", "title": "Jumlah rumah tangga",
         "constraints": {"required": True, "minimum": 0}},
        {"name": "catatan", "type": "string"},
    ],
    "primaryKey": ["kode_kelurahan", "tahun"],
    "foreignKeys": [
        {"fields": "kode_kelurahan", "reference": {"resource": "wilayah_kelurahan", "fields": "kode"}}
    ],
}  # fmt: skip
POVERTY_ROWS: list[dict[str, Any]] = [
    {"kode_kelurahan": "33.74.01.1001", "tahun": 2024, "jumlah": 120, "catatan": "pendataan ulang"},
    {"kode_kelurahan": "33.74.01.1002", "tahun": 2024, "jumlah": 3, "catatan": None},
    {"kode_kelurahan": "33.74.01.1003", "tahun": 2024, "jumlah": 45, "catatan": "<b>x</b>"},
    {"kode_kelurahan": "33.74.01.1004", "tahun": 2024, "jumlah": 0, "catatan": None},
]
SUPPRESSION = {"fields": ["jumlah"], "below": 5}


async def org_id(db: asyncpg.Pool, code: str = ORG, name: str = ORG_NAME) -> int:
    found = await db.fetchval("SELECT id FROM org_units WHERE code = $1", code)
    if found is not None:
        return int(found)
    return int(
        await db.fetchval("INSERT INTO org_units (code, name) VALUES ($1, $2) RETURNING id", code, name)
    )


async def publish(
    db: asyncpg.Pool,
    slug: str,
    versions: Sequence[Sequence[Mapping[str, Any]]],
    *,
    schema: Mapping[str, Any] = POVERTY_SCHEMA,
    title: str | None = None,
    description: str = "",
    topic: str = "",
    classification: str = "publik",
    suppression: Mapping[str, Any] | None = None,
    metadata: Mapping[str, str] | None = None,
    org: str = ORG,
    org_name: str = ORG_NAME,
    license: str = "CC-BY-4.0",
    release_schedule: str = "",
) -> int:
    """A dataset with `versions` published (version n = versions[n-1]); the dataset's id."""
    org_unit = await org_id(db, org, org_name)
    dataset_id = await db.fetchval(
        """INSERT INTO datasets (slug, title, description, org_unit_id, topic, classification, metadata,
                                 license, release_schedule, schema, suppression, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10::jsonb, $11::jsonb, 'walidata')
           RETURNING id""",
        slug, title or slug.replace("-", " ").title(), description, org_unit, topic, classification,
        json.dumps(dict(metadata or {})), license, release_schedule, json.dumps(dict(schema)),
        json.dumps(dict(suppression)) if suppression else None,
    )  # fmt: skip
    names = [f["name"] for f in schema["fields"]]
    for number, rows in enumerate(versions, start=1):
        data = canonical_csv(names, rows)
        digest = hashlib.sha256(data).hexdigest()
        submission = await db.fetchval(
            """INSERT INTO dataset_submissions (dataset_id, org_unit_id, mode, status, sha256, row_count,
                                                rows, reviewed_by, reviewed_at, version)
               VALUES ($1, $2, 'replace', 'approved', $3, $4, $5::jsonb, 'walidata', now(), $6)
               RETURNING id""",
            dataset_id, org_unit, digest, len(rows), json.dumps(list(rows)), number,
        )  # fmt: skip
        await db.execute(
            """INSERT INTO dataset_versions (dataset_id, version, submission_id, row_count, sha256, schema,
                                             published_by)
               VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'walidata')""",
            dataset_id, number, submission, len(rows), digest, json.dumps(dict(schema)),
        )  # fmt: skip
        async with db.acquire() as conn:
            await conn.copy_records_to_table(
                "dataset_rows",
                records=[
                    (dataset_id, number, i, json.dumps(dict(row))) for i, row in enumerate(rows, start=1)
                ],
                columns=["dataset_id", "version", "row_number", "data"],
            )
    if versions:
        await db.execute("UPDATE datasets SET current_version = $2 WHERE id = $1", dataset_id, len(versions))
    return int(dataset_id)


def many_rows(count: int) -> list[dict[str, Any]]:
    """Rows for paging: a year per row from 1900, so the primary key holds."""
    return [
        {"kode_kelurahan": KELURAHAN[i % len(KELURAHAN)], "tahun": 1900 + i, "jumlah": 10 + i,
         "catatan": f"baris {i + 1}"}
        for i in range(count)
    ]  # fmt: skip
