"""Datasets the Walidata defines: create, change, read and list them (each change audited).

A dataset names its producer OPD, its classification (publik, terbatas, rahasia), its Satu Data metadata
and a Frictionless Table Schema every submission is checked against.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from admin import audit
from admin.samawa import SamawaError
from admin.samawa.metadata import clean_metadata
from admin.samawa.privacy import check_suppression
from admin.samawa.table_schema import TableSchema, parse_schema
from smedi.sql import load_queries

queries = load_queries("samawa")
type Executor = asyncpg.Pool | asyncpg.Connection

CLASSIFICATIONS = ("publik", "terbatas", "rahasia")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,79}")  # as the table's CHECK: a URL path segment
RESERVED_SLUGS = frozenset({"baru"})  # /samawa/dataset/baru is the form that defines one
MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_TOPIC = 100
MAX_LICENSE = 100
MAX_SCHEDULE = 200
DEFAULT_LICENSE = "CC-BY-4.0"
DEFAULT_SUPPRESS_BELOW = 5  # the BPS practice for counts of households or people per small area


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    """A dataset as typed by the Walidata: the OPD by code, the schema as its JSON descriptor."""

    slug: str
    title: str
    org: str
    schema: Mapping[str, Any]
    classification: str = "publik"
    description: str = ""
    topic: str = ""
    metadata: Mapping[str, object] = field(default_factory=dict)
    license: str = DEFAULT_LICENSE
    release_schedule: str = ""
    suppress_fields: Sequence[str] = ()  # counts below `suppress_below` hidden in public
    suppress_below: int = DEFAULT_SUPPRESS_BELOW


@dataclass(frozen=True, slots=True)
class Dataset:
    id: int
    slug: str
    title: str
    description: str
    org_unit_id: int
    org_code: str
    org_name: str
    topic: str
    classification: str
    metadata: dict[str, str]
    license: str
    release_schedule: str
    schema: dict[str, Any]
    suppression: dict[str, Any] | None
    current_version: int | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    pending: int  # submissions waiting for review

    @property
    def public(self) -> bool:
        return self.classification == "publik"

    @property
    def table_schema(self) -> TableSchema:
        return parse_schema(self.schema)

    def as_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug, "title": self.title, "description": self.description, "org": self.org_code,
            "org_name": self.org_name, "topic": self.topic, "classification": self.classification,
            "metadata": self.metadata, "license": self.license, "release_schedule": self.release_schedule,
            "schema": self.schema, "suppression": self.suppression, "current_version": self.current_version,
            "pending_submissions": self.pending, "created_at": self.created_at.isoformat(),
            "created_by": self.created_by, "updated_at": self.updated_at.isoformat(),
        }  # fmt: skip


def _dataset(row: asyncpg.Record) -> Dataset:
    return Dataset(
        id=row["id"], slug=row["slug"], title=row["title"], description=row["description"],
        org_unit_id=row["org_unit_id"], org_code=row["org_code"], org_name=row["org_name"],
        topic=row["topic"],
        classification=row["classification"], metadata=json.loads(row["metadata"]), license=row["license"],
        release_schedule=row["release_schedule"], schema=json.loads(row["schema"]),
        suppression=json.loads(row["suppression"]) if row["suppression"] is not None else None,
        current_version=row["current_version"], created_at=row["created_at"], created_by=row["created_by"],
        updated_at=row["updated_at"], pending=row["pending"],
    )  # fmt: skip


def _text(name: str, value: object, max_length: int, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise SamawaError(f"{name}: expected text")
    value = value.strip()
    if required and not value:
        raise SamawaError(f"{name}: required")
    if len(value) > max_length:
        raise SamawaError(f"{name}: longer than {max_length} characters")
    if any(ord(c) < 32 for c in value) and name != "description":
        raise SamawaError(f"{name}: holds control characters (line breaks, tabs, ...)")
    return value


def check_slug(slug: str) -> str:
    if slug in RESERVED_SLUGS:
        raise SamawaError(f"slug {slug!r} is a word the portal's addresses use; choose another")
    if not SLUG.fullmatch(slug):
        raise SamawaError(
            f"slug {slug[:90]!r}: 2 to 80 characters, lower-case letters, digits and '-', "
            "not starting with '-'"
        )
    return slug


def nik_fields(descriptor: Mapping[str, Any]) -> list[str]:
    return [
        str(f.get("name"))
        for f in descriptor.get("fields", [])
        if isinstance(f, dict) and f.get("format") == "nik"
    ]


def check_privacy(classification: str, descriptor: Mapping[str, Any]) -> None:
    """The privacy gate on the definition: a public dataset may not even have a field meant for NIKs."""
    if classification not in CLASSIFICATIONS:
        raise SamawaError(f"classification {classification!r}: one of {', '.join(CLASSIFICATIONS)}")
    if classification == "publik" and (names := nik_fields(descriptor)):
        raise SamawaError(
            f"a publik dataset may not hold NIKs (personal data, UU 27/2022): field(s) {', '.join(names)} "
            "have "
            "format nik; classify it terbatas or rahasia, or publish aggregates without the NIK"
        )


def suppression_of(fields: Sequence[str], below: int) -> dict[str, Any] | None:
    if not fields:
        return None
    if not 1 <= below <= 1000:
        raise SamawaError(f"suppression: counts below {below}? give a threshold from 1 to 1000")
    return {"fields": list(dict.fromkeys(fields)), "below": below}


@dataclass(frozen=True, slots=True)
class _Checked:
    title: str
    description: str
    topic: str
    classification: str
    metadata: dict[str, str]
    license: str
    release_schedule: str
    schema: dict[str, Any]
    suppression: dict[str, Any] | None


def _check(spec: DatasetSpec) -> _Checked:
    if not isinstance(spec.schema, Mapping):
        raise SamawaError("schema: expected a JSON object (a Frictionless Table Schema)")
    schema = parse_schema(dict(spec.schema))  # raises SchemaError with the reason
    descriptor = schema.to_descriptor()
    classification = _text("classification", spec.classification, 20)
    check_privacy(classification, descriptor)
    suppression = suppression_of(spec.suppress_fields, spec.suppress_below)
    if suppression is not None:
        check_suppression(suppression, schema)
    return _Checked(
        title=_text("title", spec.title, MAX_TITLE, required=True),
        description=_text("description", spec.description, MAX_DESCRIPTION),
        topic=_text("topic", spec.topic, MAX_TOPIC),
        classification=classification,
        metadata=clean_metadata(spec.metadata),
        license=_text("license", spec.license, MAX_LICENSE, required=True),
        release_schedule=_text("release schedule", spec.release_schedule, MAX_SCHEDULE),
        schema=descriptor,
        suppression=suppression,
    )


async def create_dataset(
    conn: asyncpg.Connection, spec: DatasetSpec, actor: str, client_ip: str | None = None
) -> Dataset:
    slug = check_slug(spec.slug)
    checked = _check(spec)
    async with conn.transaction():
        org = await conn.fetchrow(queries.org_by_code, spec.org)
        if org is None:
            raise SamawaError(f"unknown OPD {spec.org[:40]!r}")
        if await conn.fetchrow(queries.dataset_by_slug, slug) is not None:
            raise SamawaError(f"a dataset {slug!r} already exists")
        await conn.execute(
            queries.dataset_insert, slug, checked.title, checked.description, org["id"], checked.topic,
            checked.classification, json.dumps(checked.metadata), checked.license, checked.release_schedule,
            json.dumps(checked.schema),
            json.dumps(checked.suppression) if checked.suppression is not None else None, actor,
        )  # fmt: skip
        details = {"org": org["code"], "title": checked.title, "classification": checked.classification,
                   "fields": [f["name"] for f in checked.schema.get("fields", [])]}  # fmt: skip
        await audit.record(conn, actor, "dataset_created", slug, details, client_ip)
    return await require_dataset(conn, slug)


async def update_dataset(
    conn: asyncpg.Connection, slug: str, spec: DatasetSpec, actor: str, client_ip: str | None = None
) -> Dataset:
    """Change all but the slug and the OPD; published versions keep the schema they were checked with."""
    checked = _check(spec)
    async with conn.transaction():
        dataset = await require_dataset(conn, slug)
        if spec.org != dataset.org_code:
            raise SamawaError("the producer OPD of a dataset cannot change: define a new dataset instead")
        await conn.execute(
            queries.dataset_update, dataset.id, checked.title, checked.description, checked.topic,
            checked.classification, json.dumps(checked.metadata), checked.license, checked.release_schedule,
            json.dumps(checked.schema),
            json.dumps(checked.suppression) if checked.suppression is not None else None,
        )  # fmt: skip
        changed = sorted(
            name
            for name in (
                "title",
                "description",
                "topic",
                "classification",
                "metadata",
                "license",
                "release_schedule",
                "schema",
                "suppression",
            )
            if getattr(checked, name) != getattr(dataset, name)
        )
        await audit.record(conn, actor, "dataset_updated", slug, {"changed": changed}, client_ip)
    return await require_dataset(conn, slug)


async def get_dataset(db: Executor, slug: str) -> Dataset | None:
    row = await db.fetchrow(queries.dataset_by_slug, slug)
    return _dataset(row) if row is not None else None


async def require_dataset(db: Executor, slug: str) -> Dataset:
    dataset = await get_dataset(db, slug)
    if dataset is None:
        raise SamawaError(f"no dataset {slug[:90]!r}")
    return dataset


async def org_choices(db: Executor) -> list[asyncpg.Record]:
    """The OPDs a dataset can be produced by (code, name), for the form."""
    return await db.fetch(queries.org_list)


async def list_datasets(db: Executor, org_unit_ids: Sequence[int] | None = None) -> list[Dataset]:
    """Every dataset, or those of the given OPDs (a data operator sees their own OPD's)."""
    rows = await db.fetch(queries.dataset_list, list(org_unit_ids) if org_unit_ids is not None else None)
    return [_dataset(row) for row in rows]
