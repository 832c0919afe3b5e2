"""Citizens' pages and public API: the catalog, a dataset's page, downloads, Data Packages, `/api/v1/public`.

No sign-in. Only `publik` datasets with a published version exist here (public_store says so in every
query); anything else is 404, the same as a slug nobody defined. Rows leave only through
public_export.public_rows, which hides small cells.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from admin.i18n import language, translator
from admin.keys import DB
from admin.pages import render_page
from admin.samawa import datapackage, public_chart, public_export, public_store
from admin.samawa.metadata import METADATA_FIELDS
from admin.samawa.public_query import QueryError, RowQuery, api_query, suppressed_fields
from admin.samawa.public_store import DatasetCache, PublicDataset
from admin.security import api_error

DATASET_CACHE = web.AppKey("samawa_public_datasets", DatasetCache)
PAGE_SIZE = 25  # rows per page of a dataset's table
CATALOG_PAGE = 50
MAX_TEXT = 200  # search text kept from the query string


def origin(request: web.Request) -> str:
    return str(request.url.origin())


def not_public(slug: str) -> web.HTTPNotFound:
    return web.HTTPNotFound(text=f"no published dataset {slug!r}")


async def dataset_or_404(request: web.Request) -> PublicDataset:
    slug = request.match_info["slug"]
    dataset = await public_store.get(request.app[DB], slug)
    if dataset is None:
        raise not_public(slug)
    return dataset


def one_text(query: Mapping[str, str], name: str) -> str:
    return query.get(name, "").strip()[:MAX_TEXT]


def whole_param(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise web.HTTPBadRequest(text=f"{name}: expected a whole number from 1")
    return int(raw)


# -- pages -----------------------------------------------------------------------------------------------


async def catalog_page(request: web.Request) -> web.Response:
    db, query = request.app[DB], request.query
    text, org, topic = one_text(query, "q"), one_text(query, "opd"), one_text(query, "topik")
    page = whole_param(query, "halaman", 1)
    total, datasets = await public_store.search(
        db, text, org, topic, limit=CATALOG_PAGE, offset=(page - 1) * CATALOG_PAGE
    )
    context = {
        "datasets": datasets,
        "total": total,
        "form": {"q": text, "opd": org, "topik": topic},
        "organizations": await public_store.organizations(db),
        "topics": await public_store.topics(db),
        "page": page,
        "pages": max(1, math.ceil(total / CATALOG_PAGE)),
    }
    return render_page("samawa/public/catalog.html", request, context)


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def dataset_page(request: web.Request) -> web.Response:
    db, cache, slug = request.app[DB], request.app[DATASET_CACHE], request.match_info["slug"]
    dataset = await cache.get(db, slug)  # current_page below checks it is still current
    if dataset is None:
        raise not_public(slug)
    pages = max(1, math.ceil(dataset.row_count / PAGE_SIZE))
    page = min(whole_param(request.query, "halaman", 1), pages)
    found = await public_store.current_page(
        db, cache, slug, lambda _d: RowQuery(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    )
    if found is None:
        raise not_public(dataset.slug)
    dataset, _query, row_page = found
    numbers = [n for n, _data in row_page.rows]
    original = [data for _n, data in row_page.rows]
    shown = public_export.public_rows(original, dataset.suppression)
    hidden = public_export.hidden_cells(original, shown, dataset.suppression)
    lang = language(request)
    below = public_export.hidden_below(dataset.suppression)
    hidden_text = translator(lang)("hidden_cell").format(below=below)
    fields = list(dataset.schema.get("fields", []))

    def cells(row: Mapping[str, Any], row_hidden: frozenset[str]) -> list[tuple[str, bool]]:
        """(text, hidden) per field: a hidden count says so, an empty cell stays empty."""
        return [
            (hidden_text, True) if f["name"] in row_hidden else (cell_text(row.get(f["name"])), False)
            for f in fields
        ]

    table = [(number, cells(row, h)) for number, row, h in zip(numbers, shown, hidden, strict=True)]
    base = origin(request)
    context = {
        "dataset": dataset,
        "metadata": [
            (f.label(lang), dataset.metadata[f.key]) for f in METADATA_FIELDS if dataset.metadata.get(f.key)
        ],
        "fields": fields,
        "table": table,
        "page": page,
        "pages": pages,
        "versions": [
            (v, public_export.published_hash(v.sha256, dataset.suppression))
            for v in await public_store.versions(db, dataset)
        ],
        "chart": await chart_for(db, cache, dataset),
        "suppressed": sorted(suppressed_fields(dataset.suppression)),
        "below": below,
        "base": base,
        "api_examples": api_examples(base, dataset),
    }
    return render_page("samawa/public/dataset.html", request, context)


async def chart_for(db: Any, cache: DatasetCache, dataset: PublicDataset) -> public_chart.Chart | None:
    """The version's chart, drawn once: it reads every row, and a version never changes."""
    kept = cache.charts.get(dataset.id)
    if kept is not None and kept[0] == dataset.fingerprint:
        chart: public_chart.Chart | None = kept[1]
        return chart
    chart = await draw_chart(db, dataset)
    cache.charts[dataset.id] = (dataset.fingerprint, chart)
    return chart


async def draw_chart(db: Any, dataset: PublicDataset) -> public_chart.Chart | None:
    suppressed = suppressed_fields(dataset.suppression)
    chosen = public_chart.choose_fields(dataset.schema, suppressed)
    if chosen is None or dataset.row_count > public_chart.MAX_ROWS:
        return None
    original = await public_store.all_rows(db, dataset, dataset.version)
    shown = public_export.public_rows(original, dataset.suppression)
    hidden = public_export.hidden_cells(original, shown, dataset.suppression)
    names: dict[str, str] = {}
    if chosen[2] == "region" and (table := public_chart.region_table(dataset.schema, chosen[0])):
        names = {c["code"]: c["name"] for c in await public_store.reference_codes(db, table)}
    return public_chart.bar_chart(dataset.schema, shown, hidden, suppressed, names)


def api_examples(base: str, dataset: PublicDataset) -> list[str]:
    first = next((f for f in dataset.schema.get("fields", [])
                  if f["name"] not in suppressed_fields(dataset.suppression)), None)  # fmt: skip
    sort = f"&sort=-{first['name']}" if first else ""
    return [
        f"curl '{base}/api/v1/public/datasets/{dataset.slug}'",
        f"curl '{base}/api/v1/public/datasets/{dataset.slug}/data?limit=10{sort}'",
        f"curl '{base}/api/3/action/package_show?id={dataset.slug}'",
        f"curl '{base}/api/3/action/datastore_search?resource_id={dataset.slug}&limit=5'",
        f"curl -O '{base}/data/{dataset.slug}/datapackage.zip'",
    ]


# -- downloads -------------------------------------------------------------------------------------------


async def version_rows(
    request: web.Request, dataset: PublicDataset, number: int
) -> tuple[list[str], list[dict]]:
    """The field names and the public rows of one published version (404 when it is not published)."""
    if number == dataset.version:
        schema = dataset.schema
    else:
        found = await public_store.version(request.app[DB], dataset, number)
        if found is None:
            raise web.HTTPNotFound(text=f"{dataset.slug} has no published version {number}")
        schema = found[1]
    rows = await public_store.all_rows(request.app[DB], dataset, number)
    names = [str(f["name"]) for f in schema.get("fields", [])]
    return names, public_export.public_rows(rows, dataset.suppression)


def attachment(body: bytes, content_type: str, filename: str) -> web.Response:
    response = web.Response(body=body, content_type=content_type, charset="utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def requested_version(request: web.Request, dataset: PublicDataset) -> int:
    raw = request.match_info.get("version")
    return dataset.version if raw is None else int(raw)  # the route admits digits only


async def download_csv(request: web.Request) -> web.Response:
    dataset = await dataset_or_404(request)
    number = requested_version(request, dataset)
    names, rows = await version_rows(request, dataset, number)
    return attachment(public_export.csv_bytes(names, rows), "text/csv", f"{dataset.slug}-v{number}.csv")


async def download_json(request: web.Request) -> web.Response:
    dataset = await dataset_or_404(request)
    number = requested_version(request, dataset)
    _names, rows = await version_rows(request, dataset, number)
    return attachment(public_export.json_bytes(rows), "application/json", f"{dataset.slug}-v{number}.json")


async def reference_csv(request: web.Request) -> web.Response:
    table = request.match_info["table"]
    codes = await public_store.reference_codes(request.app[DB], table)
    if not codes:
        raise web.HTTPNotFound(text=f"no reference table {table!r}")
    file = datapackage.reference_file(table, codes, "")
    return attachment(file.data, "text/csv", f"{table}.csv")


async def package_files(request: web.Request, dataset: PublicDataset) -> list[datapackage.PackageFile]:
    base = origin(request)
    names, rows = await version_rows(request, dataset, dataset.version)
    files = []
    references = []
    for table in datapackage.reference_tables(dataset.schema):
        codes = await public_store.reference_codes(request.app[DB], table)
        if codes:
            references.append(datapackage.reference_file(table, codes, f"{base}/data/referensi/{table}.csv"))
    schema = datapackage.frictionless_schema(
        dataset.schema, dataset.suppression, frozenset(r.name for r in references)
    )
    data = public_export.csv_bytes(names, rows)
    files.append(
        datapackage.PackageFile(
            dataset.slug,
            f"data/{dataset.slug}.csv",
            f"{base}/data/{dataset.slug}/versi/{dataset.version}.csv",
            data,
            schema,
            dataset.title,
        )
    )
    return files + references


def package_descriptor(
    request: web.Request, dataset: PublicDataset, files: list[datapackage.PackageFile], *, relative: bool
) -> dict[str, Any]:
    return datapackage.descriptor(
        slug=dataset.slug,
        title=dataset.title,
        description=dataset.description,
        license_id=dataset.license,
        version=dataset.version,
        published_at=dataset.published_at,
        homepage=f"{origin(request)}/data/{dataset.slug}",
        org_name=dataset.org_name,
        keywords=[dataset.topic],
        files=files,
        relative=relative,
    )


async def datapackage_json(request: web.Request) -> web.Response:
    dataset = await dataset_or_404(request)
    files = await package_files(request, dataset)
    return web.json_response(package_descriptor(request, dataset, files, relative=False))


async def datapackage_zip(request: web.Request) -> web.Response:
    dataset = await dataset_or_404(request)
    files = await package_files(request, dataset)
    body = datapackage.zip_bytes(package_descriptor(request, dataset, files, relative=True), files)
    return attachment(body, "application/zip", f"{dataset.slug}-v{dataset.version}.zip")


# -- public API ------------------------------------------------------------------------------------------


def summary(base: str, dataset: PublicDataset) -> dict[str, Any]:
    return {
        "slug": dataset.slug,
        "title": dataset.title,
        "description": dataset.description,
        "organization": {"code": dataset.org_code, "name": dataset.org_name},
        "topic": dataset.topic,
        "license": dataset.license,
        "version": dataset.version,
        "published_at": dataset.published_at.isoformat(),
        "row_count": dataset.row_count,
        "page": f"{base}/data/{dataset.slug}",
        "data": f"{base}/api/v1/public/datasets/{dataset.slug}/data",
    }


def api_bad_query(exc: QueryError) -> web.Response:
    return api_error(400, "bad_query", str(exc), exc.details)


async def api_datasets(request: web.Request) -> web.Response:
    query = request.query
    try:
        limit = int(query.get("limit", "100"))
        offset = int(query.get("offset", "0"))
    except ValueError:
        return api_error(400, "bad_query", "limit and offset: expected whole numbers", None)
    if not 0 <= limit <= public_store.MAX_LISTED or not 0 <= offset <= 1_000_000:
        return api_error(400, "bad_query", f"limit: 0 to {public_store.MAX_LISTED}; offset: 0 or more", None)
    total, datasets = await public_store.search(
        request.app[DB],
        one_text(query, "q"),
        one_text(query, "org"),
        one_text(query, "topic"),
        limit=limit,
        offset=offset,
    )
    base = origin(request)
    return web.json_response(
        {"total": total, "limit": limit, "offset": offset, "datasets": [summary(base, d) for d in datasets]}
    )


async def api_dataset(request: web.Request) -> web.Response:
    dataset = await dataset_or_404(request)
    base = origin(request)
    versions = await public_store.versions(request.app[DB], dataset)
    return web.json_response(
        {
            **summary(base, dataset),
            "metadata": dataset.metadata,
            "release_schedule": dataset.release_schedule,
            "schema": dataset.schema,
            "suppression": dataset.suppression,
            "versions": [
                {
                    "version": v.version,
                    "published_at": v.published_at.isoformat(),
                    "row_count": v.row_count,
                    "sha256": public_export.published_hash(v.sha256, dataset.suppression),
                    "csv": f"{base}/data/{dataset.slug}/versi/{v.version}.csv",
                    "json": f"{base}/data/{dataset.slug}/versi/{v.version}.json",
                }
                for v in versions
            ],
            "datapackage": f"{base}/data/{dataset.slug}/datapackage.json",
        }
    )


async def api_data(request: web.Request) -> web.Response:
    """One page of the current version: `field=value` filters, `sort`, `limit`/`offset`, in one query."""
    slug = request.match_info["slug"]
    pairs = list(request.query.items())
    try:
        found = await public_store.current_page(
            request.app[DB],
            request.app[DATASET_CACHE],
            slug,
            lambda dataset: api_query(pairs, dataset.schema, dataset.suppression),
        )
    except QueryError as exc:
        return api_bad_query(exc)
    if found is None:
        raise not_public(slug)
    dataset, query, page = found
    rows = public_export.public_rows([data for _n, data in page.rows], dataset.suppression)
    return web.json_response(
        {
            "dataset": dataset.slug,
            "version": dataset.version,
            "total": page.total,
            "limit": query.limit,
            "offset": query.offset,
            "fields": dataset.field_names,
            "rows": rows,
        }
    )
