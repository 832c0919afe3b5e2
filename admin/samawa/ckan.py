"""The CKAN Action API (read side) over published datasets, so CKAN clients and Satu Data harvesters work.

`/api/3/action/{action}` and `/api/action/{action}` (ckanapi's path), GET with query parameters or POST
with a JSON body. Answers have CKAN's own shape, `{"help", "success", "result"}`, and errors
`{"help", "success": false, "error": {"__type", "message"}}` with CKAN's statuses (404 Not Found Error,
409 Validation Error, 400 Bad Request). These paths are under /api/, whose middleware would give raised
errors our own shape: every CKAN error is returned, never raised.

A dataset is a CKAN package (id and name = slug) with one resource, its current version's CSV, whose id is
the slug too (datastore_search takes it as `resource_id`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from admin.keys import DB
from admin.samawa import public_export, public_store
from admin.samawa.public_query import (
    QueryError,
    RowQuery,
    filters_query,
    free_text,
    page_bounds,
    schema_fields,
    sort_order,
    suppressed_fields,
)
from admin.samawa.public_store import PublicDataset
from admin.samawa.views_public import DATASET_CACHE, origin

MAX_SEARCH_ROWS = 1000
DATASTORE_MAX_LIMIT = 32_000  # CKAN's own ckan.datastore.search.rows_max default
CKAN_TYPES = {
    "integer": "int", "number": "numeric", "boolean": "bool", "date": "date", "datetime": "timestamp",
    "time": "time", "year": "int",
}  # fmt: skip


class CkanError(Exception):
    def __init__(self, status: int, kind: str, message: str, fields: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.fields = status, kind, message, dict(fields or {})


def not_found(message: str) -> CkanError:
    return CkanError(404, "Not Found Error", message)


def invalid(field: str, message: str) -> CkanError:
    return CkanError(409, "Validation Error", message, {field: [message]})


def help_url(request: web.Request, action: str) -> str:
    return f"{origin(request)}/api/3/action/help_show?name={action}"


def ok(request: web.Request, action: str, result: object) -> web.Response:
    return web.json_response({"help": help_url(request, action), "success": True, "result": result})


def failed(request: web.Request, action: str, exc: CkanError) -> web.Response:
    error: dict[str, Any] = {"__type": exc.kind, "message": f"{exc.kind}: {exc.message}"}
    error.update(exc.fields)
    return web.json_response(
        {"help": help_url(request, action), "success": False, "error": error}, status=exc.status
    )


async def parameters(request: web.Request) -> dict[str, Any]:
    """GET: the query string (JSON-valued parameters such as `filters` decoded by each action); POST: the
    JSON body, or a form as older clients send it."""
    if request.method == "GET":
        return dict(request.query)
    if (
        request.content_type == "application/json"
        or not request.content_type
        or request.content_type == "text/plain"
    ):
        raw = await request.read()
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CkanError(400, "Bad Request", f"the body is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise CkanError(400, "Bad Request", "the body must be a JSON object")
        return body
    return {key: value for key, value in (await request.post()).items() if isinstance(value, str)}


def organization(dataset: PublicDataset) -> dict[str, Any]:
    return {
        "id": dataset.org_code.lower(),
        "name": dataset.org_code.lower(),
        "title": dataset.org_name,
        "type": "organization",
        "is_organization": True,
        "state": "active",
    }


def package(request: web.Request, dataset: PublicDataset) -> dict[str, Any]:
    base = origin(request)
    resource = {
        "id": dataset.slug,
        "package_id": dataset.slug,
        "name": dataset.title,
        "description": f"Versi {dataset.version}",
        "url": f"{base}/data/{dataset.slug}/versi/{dataset.version}.csv",
        "format": "CSV",
        "mimetype": "text/csv",
        "datastore_active": True,
        "hash": "",
        "created": dataset.published_at.isoformat(),
        "last_modified": dataset.published_at.isoformat(),
        "position": 0,
        "state": "active",
        "url_type": None,
    }
    if digest := public_export.published_hash(dataset.sha256, dataset.suppression):
        resource["hash"] = f"sha256:{digest}"
    return {
        "id": dataset.slug,
        "name": dataset.slug,
        "title": dataset.title,
        "notes": dataset.description,
        "type": "dataset",
        "state": "active",
        "private": False,
        "license_id": dataset.license,
        "license_title": dataset.license,
        "version": str(dataset.version),
        "metadata_created": dataset.created_at.isoformat(),
        "metadata_modified": dataset.published_at.isoformat(),
        "owner_org": dataset.org_code.lower(),
        "organization": organization(dataset),
        "url": f"{base}/data/{dataset.slug}",
        "tags": [{"name": dataset.topic, "display_name": dataset.topic}] if dataset.topic else [],
        "groups": [],
        "extras": [{"key": key, "value": value} for key, value in sorted(dataset.metadata.items())]
        + ([{"key": "jadwal_rilis", "value": dataset.release_schedule}] if dataset.release_schedule else []),
        "num_resources": 1,
        "num_tags": 1 if dataset.topic else 0,
        "resources": [resource],
    }


def whole(params: Mapping[str, Any], name: str, default: int, highest: int) -> int:
    raw = params.get(name, default)
    try:
        value = int(raw) if not isinstance(raw, bool) else -1
    except (TypeError, ValueError):
        raise invalid(name, f"Invalid integer: {raw!r}") from None
    if not 0 <= value <= highest:
        raise invalid(name, f"Must be from 0 to {highest}")
    return value


def text_param(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name, "")
    if not isinstance(value, str):
        raise invalid(name, "Must be a string")
    return value


def json_param(params: Mapping[str, Any], name: str, request: web.Request) -> Any:
    """A JSON-valued parameter: decoded from text in a GET, as given in a POST body."""
    value = params.get(name)
    if request.method == "GET" and isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise invalid(name, "Cannot parse JSON") from None
    return value


async def published(request: web.Request, name: str, what: str = "Dataset") -> PublicDataset:
    dataset = await public_store.get(request.app[DB], name) if name else None
    if dataset is None:
        raise not_found(f"{what} not found")
    return dataset


# -- actions ---------------------------------------------------------------------------------------------


async def package_list(request: web.Request, params: Mapping[str, Any]) -> object:
    limit = whole(params, "limit", public_store.MAX_LISTED, public_store.MAX_LISTED)
    offset = whole(params, "offset", 0, 1_000_000)
    _total, datasets = await public_store.search(request.app[DB], limit=limit, offset=offset)
    return sorted(d.slug for d in datasets)


async def package_show(request: web.Request, params: Mapping[str, Any]) -> object:
    return package(request, await published(request, text_param(params, "id")))


def search_filters(fq: str) -> tuple[str | None, str | None, list[str]]:
    """The minimal `fq` CKAN clients send: organization:X, tags:X / topic:X; other terms become words."""
    org = topic = None
    words = []
    for term in fq.split():
        key, _, value = term.partition(":")
        value = value.strip('"')
        if key in ("organization", "owner_org") and value:
            org = value
        elif key in ("tags", "topic", "groups") and value:
            topic = value
        elif term and term not in ("*:*", "+dataset_type:dataset", "dataset_type:dataset"):
            words.append(value or key)
    return org, topic, words


async def package_search(request: web.Request, params: Mapping[str, Any]) -> object:
    q = text_param(params, "q")
    org, topic, fq_words = search_filters(text_param(params, "fq"))
    rows = whole(params, "rows", 10, MAX_SEARCH_ROWS)
    start = whole(params, "start", 0, 1_000_000)
    words = " ".join([*([] if q.strip() in ("", "*:*") else [q]), *fq_words])
    total, datasets = await public_store.search(request.app[DB], words, org, topic, limit=rows, offset=start)
    return {
        "count": total,
        "results": [package(request, d) for d in datasets],
        "sort": "metadata_modified desc",
        "facets": {},
        "search_facets": {},
    }


async def organization_list(request: web.Request, params: Mapping[str, Any]) -> object:
    all_fields = params.get("all_fields", False)
    if isinstance(all_fields, str):
        all_fields = all_fields.lower() in ("true", "1", "yes")
    orgs = await public_store.organizations(request.app[DB])
    if not all_fields:
        return [o["code"].lower() for o in orgs]
    return [
        {
            "id": o["code"].lower(),
            "name": o["code"].lower(),
            "title": o["name"],
            "display_name": o["name"],
            "description": "",
            "package_count": o["dataset_count"],
            "type": "organization",
            "is_organization": True,
            "state": "active",
            "image_url": "",
        }
        for o in orgs
    ]


def fields_param(value: Any, known: Mapping[str, Any]) -> list[str] | None:
    if value in (None, "", []):
        return None
    names = [n.strip() for n in value.split(",")] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise invalid("fields", "Must be a list of field names or a comma-separated string")
    unknown = [n for n in names if n != "_id" and n not in known]
    if unknown:
        raise invalid("fields", f"field(s) not found: {', '.join(unknown)}")
    return names


def datastore_query(params: Mapping[str, Any], dataset: PublicDataset, request: web.Request) -> RowQuery:
    fields = schema_fields(dataset.schema)
    try:
        filters = json_param(params, "filters", request) or {}
        if not isinstance(filters, dict):
            raise invalid("filters", "Must be a JSON object")
        typed = filters_query(filters, dataset.schema, dataset.suppression)
        sort, descending = None, False
        spec = params.get("sort")
        if spec:
            if not isinstance(spec, str) or "," in spec:
                raise invalid("sort", "Sort by one field: 'field' or 'field desc'")
            sort, descending = sort_order(spec, fields, suppressed_fields(dataset.suppression))
        limit, offset = page_bounds(params.get("limit"), params.get("offset"), max_limit=DATASTORE_MAX_LIMIT)
        q = params.get("q")
        if isinstance(q, dict):
            raise invalid("q", "Search by field is not supported here: use filters")
        return RowQuery(typed, sort, descending, limit, offset, free_text(q))
    except QueryError as exc:
        field = str(exc.details.get("field") or exc.details.get("parameter") or "filters")
        raise invalid(field, str(exc)) from None


async def datastore_search(request: web.Request, params: Mapping[str, Any]) -> object:
    resource_id = text_param(params, "resource_id") or text_param(params, "id")
    if not resource_id:
        raise invalid("resource_id", "Missing value")
    slug = resource_id.removesuffix(".csv")
    fields_raw = params.get("fields")
    include_total = params.get("include_total", True)
    if isinstance(include_total, str):
        include_total = include_total.lower() not in ("false", "0", "no")
    found = await public_store.current_page(
        request.app[DB], request.app[DATASET_CACHE], slug, lambda d: datastore_query(params, d, request)
    )
    if found is None:
        raise not_found(f'Resource "{resource_id}" was not found.')
    dataset, query, page = found
    known = schema_fields(dataset.schema)
    wanted = fields_param(fields_raw, known)
    shown = public_export.public_rows([data for _n, data in page.rows], dataset.suppression)
    records = []
    for (number, _data), row in zip(page.rows, shown, strict=True):
        record = {"_id": number, **{name: row.get(name) for name in known}}
        records.append({k: v for k, v in record.items() if wanted is None or k in wanted})
    described = [{"id": "_id", "type": "int"}] + [
        {"id": name, "type": CKAN_TYPES.get(str(f.get("type")), "text"),
         "info": {"label": str(f.get("title", "")), "notes": str(f.get("description", ""))}}
        for name, f in known.items()
    ]  # fmt: skip
    base = f"/api/3/action/datastore_search?resource_id={dataset.slug}"
    result: dict[str, Any] = {
        "resource_id": dataset.slug,
        "fields": [f for f in described if wanted is None or f["id"] in wanted],
        "records": records,
        "limit": query.limit,
        "offset": query.offset,
        "include_total": bool(include_total),
        "records_format": "objects",
        "_links": {
            "start": base,
            "next": f"{base}&offset={query.offset + query.limit}",
        },
    }
    if include_total:
        result["total"] = page.total
        result["total_was_estimated"] = False
    return result


ACTIONS: dict[str, Callable[[web.Request, Mapping[str, Any]], Any]] = {
    "package_list": package_list,
    "package_show": package_show,
    "package_search": package_search,
    "organization_list": organization_list,
    "datastore_search": datastore_search,
}


async def action(request: web.Request) -> web.Response:
    name = request.match_info["action"]
    handler = ACTIONS.get(name)
    if handler is None:
        return failed(request, name, CkanError(400, "Bad Request", f"Action name not known: {name}"))
    try:
        params = await parameters(request)
        return ok(request, name, await handler(request, params))
    except CkanError as exc:
        return failed(request, name, exc)
