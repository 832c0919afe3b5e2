"""What citizens may read: published `publik` datasets, their versions and rows (queries: samawa_public.sql).

A dataset is public only when classified `publik` and published (current_version set); every query here
says so itself, so no caller can forget it. Small-cell suppression is applied by the callers, where data
leaves (admin.samawa.privacy.suppress_small_cells), since each output spells a hidden cell its own way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from admin.samawa.public_query import RowQuery, searchable_fields
from admin.samawa.row_orders import RowOrders
from smedi.sql import load_queries

Q = load_queries("samawa_public")
MAX_LISTED = 1000  # datasets per catalog page or API answer
MAX_WORDS = 10


@dataclass(frozen=True)
class PublicDataset:
    id: int
    slug: str
    title: str
    description: str
    topic: str
    metadata: dict[str, str]
    license: str
    release_schedule: str
    suppression: dict[str, Any] | None
    version: int  # the current (published) version
    created_at: datetime
    updated_at: datetime
    org_code: str
    org_name: str
    published_at: datetime
    row_count: int
    sha256: str
    schema: dict[str, Any]  # the current version's Table Schema
    fingerprint: str

    @property
    def field_names(self) -> list[str]:
        return [str(f["name"]) for f in self.schema.get("fields", [])]


@dataclass(frozen=True)
class Version:
    version: int
    published_at: datetime
    row_count: int
    sha256: str


@dataclass(frozen=True)
class RowPage:
    total: int
    rows: list[tuple[int, dict[str, Any]]]  # (row number, data)


def _dataset(record: Mapping[str, Any]) -> PublicDataset:
    return PublicDataset(
        id=record["id"],
        slug=record["slug"],
        title=record["title"],
        description=record["description"],
        topic=record["topic"],
        metadata=json.loads(record["metadata"]),
        license=record["license"],
        release_schedule=record["release_schedule"],
        suppression=json.loads(record["suppression"]) if record["suppression"] else None,
        version=record["current_version"],
        created_at=record["created_at"],
        updated_at=record["updated_at"],
        org_code=record["org_code"],
        org_name=record["org_name"],
        published_at=record["published_at"],
        row_count=record["row_count"],
        sha256=record["sha256"],
        schema=json.loads(record["schema"]),
        fingerprint=record["fingerprint"],
    )


def search_words(text: str | None) -> list[str]:
    return [word.lower() for word in (text or "").split()][:MAX_WORDS]


async def search(
    db: asyncpg.Pool | asyncpg.Connection,
    text: str | None = None,
    org: str | None = None,
    topic: str | None = None,
    *,
    limit: int = MAX_LISTED,
    offset: int = 0,
) -> tuple[int, list[PublicDataset]]:
    """(count of all matches, one page of them): every word must appear somewhere in the dataset's text."""
    records = await db.fetch(Q.dataset_list, search_words(text), org or None, topic or None, limit, offset)
    total = records[0]["total"] if records else 0
    if not records and offset:
        total = (await search(db, text, org, topic, limit=1, offset=0))[0]
    return total, [_dataset(r) for r in records]


async def get(db: asyncpg.Pool | asyncpg.Connection, slug: str) -> PublicDataset | None:
    record = await db.fetchrow(Q.dataset_get, slug)
    return _dataset(record) if record else None


async def versions(db: asyncpg.Pool | asyncpg.Connection, dataset: PublicDataset) -> list[Version]:
    records = await db.fetch(Q.version_list, dataset.id, dataset.version)
    return [Version(r["version"], r["published_at"], r["row_count"], r["sha256"]) for r in records]


async def version(
    db: asyncpg.Pool | asyncpg.Connection, dataset: PublicDataset, number: int
) -> tuple[Version, dict[str, Any]] | None:
    """A published version and the schema its rows were validated against; None: not published."""
    record = await db.fetchrow(Q.version_get, dataset.id, number, dataset.version)
    if record is None:
        return None
    found = Version(record["version"], record["published_at"], record["row_count"], record["sha256"])
    return found, json.loads(record["schema"])


async def all_rows(db: asyncpg.Pool | asyncpg.Connection, dataset: PublicDataset, number: int) -> list[dict]:
    """Every row of a version, in order (for downloads and Data Packages)."""
    rows: list[dict] = json.loads(await db.fetchval(Q.version_rows, dataset.id, number))
    return rows


class StaleDataset(Exception):
    """The dataset changed (or stopped being public) after its description was read: read it again."""


async def rows_page(
    db: asyncpg.Pool | asyncpg.Connection, dataset: PublicDataset, query: RowQuery, orders: RowOrders
) -> RowPage:
    """One page of the current version and the count of matching rows.

    The matching row numbers, in order, are a fact about the immutable version: asked once (`orders`),
    then each page is a slice of them and one index lookup of its rows, which also checks the dataset is
    still public as described (StaleDataset otherwise).
    """
    numbers: Sequence[int]
    if not query.filters and query.text is None and query.sort is None:
        total = dataset.row_count  # row numbers run 1..row_count: the page is a range of them
        numbers = range(query.offset + 1, min(query.offset + query.limit, total) + 1)
    else:
        fields = searchable_fields(dataset.schema, dataset.suppression)
        key = (dataset.id, dataset.version, query.filter_json, query.text, query.sort, query.descending)

        async def matches() -> list[int]:
            args = (dataset.id, dataset.version, query.filter_json, query.text, fields)
            if query.sort is None:
                return [r[0] for r in await db.fetch(Q.data_matches, *args)]
            sql = Q.data_matches_desc if query.descending else Q.data_matches_asc
            return [r[0] for r in await db.fetch(sql, *args, query.sort)]

        ordered = await orders.get(key, matches)
        total, numbers = len(ordered), ordered[query.offset : query.offset + query.limit]
    record = await db.fetchrow(Q.data_rows, dataset.slug, dataset.fingerprint, dataset.version, list(numbers))
    assert record is not None
    if not record["fresh"]:
        raise StaleDataset(dataset.slug)
    found = {n: data for n, data in json.loads(record["rows"])}
    return RowPage(total, [(n, found[n]) for n in numbers])


async def organizations(db: asyncpg.Pool | asyncpg.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(Q.organization_list)]


async def topics(db: asyncpg.Pool | asyncpg.Connection) -> list[str]:
    return [r["topic"] for r in await db.fetch(Q.topic_list)]


async def reference_codes(db: asyncpg.Pool | asyncpg.Connection, table_name: str) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(Q.reference_codes, table_name)]


class DatasetCache:
    """Published datasets' descriptions by slug, so the data endpoint answers in one query.

    Never trusted alone: the data query checks the fingerprint (suppression, current version, `publik`)
    and the caller reads the dataset again when it changed. Only found datasets are kept, so the size is
    bounded by the number of published datasets, not by the URLs people try.
    """

    def __init__(self) -> None:
        self._datasets: dict[str, PublicDataset] = {}
        self.orders = RowOrders()  # which rows answer a filter or sort, per immutable version
        # dataset id → (fingerprint, its chart): drawn from every row of a version that never changes
        self.charts: dict[int, tuple[str, Any]] = {}

    async def get(
        self, db: asyncpg.Pool | asyncpg.Connection, slug: str, *, fresh: bool = False
    ) -> PublicDataset | None:
        if not fresh and slug in self._datasets:
            return self._datasets[slug]
        dataset = await get(db, slug)
        if dataset is None:
            self._datasets.pop(slug, None)
        else:
            self._datasets[slug] = dataset
        return dataset


async def current_page(
    db: asyncpg.Pool | asyncpg.Connection, cache: DatasetCache, slug: str, make_query: Any
) -> tuple[PublicDataset, RowQuery, RowPage] | None:
    """The dataset, the query `make_query(dataset)` parsed against its schema, and the page; None: not public.

    One query when the cached description is current; when it is not, it is read again and the query
    parsed again (a suppression added since must apply to this request too).
    """
    dataset = await cache.get(db, slug)
    for attempt in range(2):
        if dataset is None:
            return None
        query = make_query(dataset)
        try:
            return dataset, query, await rows_page(db, dataset, query, cache.orders)
        except StaleDataset:
            if attempt:
                raise
            dataset = await cache.get(db, slug, fresh=True)
    raise AssertionError("unreachable")
