"""The Walidata's pages: datasets (list, define, detail), a submission with its review, versions to
download and the difference between two. A producer OPD's data operators read their own OPD's datasets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiMapping

from admin import audit
from admin.keys import DB
from admin.pages import render_page
from admin.samawa import SamawaError
from admin.samawa import submission_store as store
from admin.samawa.datasets import (
    CLASSIFICATIONS,
    DEFAULT_LICENSE,
    DEFAULT_SUPPRESS_BELOW,
    Dataset,
    DatasetSpec,
    create_dataset,
    get_dataset,
    list_datasets,
    org_choices,
)
from admin.samawa.metadata import METADATA_FIELDS
from admin.samawa.submissions import diff_rows, merge_rows
from admin.security import current_user
from admin.sessions import User

WALIDATA_ROLES = frozenset({"walidata", "admin"})
PREVIEW_ROWS = 50  # of a submission on its review page; the whole of it is in the version once approved
SHOWN_DIFF_ROWS = 200  # per kind (added, removed, changed) on the diff page; the counts are always whole
MAX_TYPED = 200_000  # a schema pasted into the form, shown again when refused
MAX_NUMBER = 2**31 - 1


def is_walidata(user: User) -> bool:
    return bool(user.roles & WALIDATA_ROLES)


def org_scope(user: User) -> list[int] | None:
    """None: every dataset (Walidata, admin); else the OPD a data operator produces data for."""
    if is_walidata(user):
        return None
    return [user.org_unit_id] if user.org_unit_id is not None else []


async def readable_dataset(request: web.Request, slug: str | None = None) -> Dataset:
    """The dataset of the URL (or form) if this reader may see it, else 404 (not whether it exists)."""
    dataset = await get_dataset(request.app[DB], request.match_info["slug"] if slug is None else slug)
    scope = org_scope(current_user(request))
    if dataset is None or (scope is not None and dataset.org_unit_id not in scope):
        raise web.HTTPNotFound(text="no such dataset")
    return dataset


def url_number(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdecimal() or int(raw) > MAX_NUMBER:
        raise web.HTTPNotFound()
    return int(raw)


async def datasets_page(request: web.Request) -> web.Response:
    user = current_user(request)
    datasets = await list_datasets(request.app[DB], org_scope(user))
    return render_page(
        "samawa/datasets.html", request, {"datasets": datasets, "can_define": is_walidata(user)}
    )


# --- defining a dataset ------------------------------------------------------------------------------------

EMPTY_FORM: Mapping[str, str] = {
    "slug": "", "title": "", "org": "", "classification": "publik", "topic": "", "description": "",
    "license": DEFAULT_LICENSE, "release_schedule": "", "schema": "", "suppress_fields": "",
    "suppress_below": str(DEFAULT_SUPPRESS_BELOW), **{f"meta_{f.key}": "" for f in METADATA_FIELDS},
}  # fmt: skip


async def render_new(
    request: web.Request,
    form: Mapping[str, str] = EMPTY_FORM,
    error: Exception | None = None,
    status: int = 200,
) -> web.Response:
    context = {
        "form": form, "error": error, "orgs": await org_choices(request.app[DB]),
        "classifications": CLASSIFICATIONS, "metadata_fields": METADATA_FIELDS,
        "path": "/samawa/dataset/baru",
    }  # fmt: skip
    return render_page("samawa/dataset_new.html", request, context, status=status)


async def new_dataset_form(request: web.Request) -> web.Response:
    return await render_new(request)


def _typed(form: MultiMapping[Any]) -> dict[str, str]:
    return {
        key: value[:MAX_TYPED] if isinstance(value := form.get(key, ""), str) else "" for key in EMPTY_FORM
    }


def _schema_text(form: MultiMapping[Any]) -> str:
    upload = form.get("schema_file")
    if isinstance(upload, FileField) and upload.filename:
        raw = upload.file.read(MAX_TYPED + 1)
        if len(raw) > MAX_TYPED:
            raise SamawaError(f"schema file: larger than {MAX_TYPED:,} bytes")
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SamawaError("schema file: not UTF-8 text") from None
    return str(form.get("schema", ""))


def spec_from_form(form: MultiMapping[Any]) -> DatasetSpec:
    typed = _typed(form)
    text = _schema_text(form)
    if not text.strip():
        raise SamawaError("schema: paste the Table Schema (JSON) or upload its file")
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SamawaError(f"schema: not valid JSON ({exc})") from None
    below = typed["suppress_below"].strip() or str(DEFAULT_SUPPRESS_BELOW)
    if not below.isdecimal() or len(below) > 6:
        raise SamawaError(f"suppression threshold: expected a whole number, got {below[:20]!r}")
    return DatasetSpec(
        slug=typed["slug"].strip(), title=typed["title"], org=typed["org"].strip(), schema=schema,
        classification=typed["classification"].strip(), description=typed["description"],
        topic=typed["topic"],
        metadata={f.key: typed[f"meta_{f.key}"] for f in METADATA_FIELDS},
        license=typed["license"].strip() or DEFAULT_LICENSE,
        release_schedule=typed["release_schedule"],
        suppress_fields=[n.strip() for n in typed["suppress_fields"].split(",") if n.strip()],
        suppress_below=int(below),
    )  # fmt: skip


async def create_dataset_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    typed = _typed(form)
    try:
        spec = spec_from_form(form)
        typed["schema"] = json.dumps(spec.schema, indent=2, ensure_ascii=False)[:MAX_TYPED]
        async with request.app[DB].acquire() as conn:
            dataset = await create_dataset(conn, spec, current_user(request).username, request.remote)
    except SamawaError as exc:
        return await render_new(request, typed, exc, status=400)
    raise web.HTTPSeeOther(f"/samawa/dataset/{dataset.slug}")


# --- a dataset, its submissions and versions ---------------------------------------------------------------


async def dataset_page(request: web.Request) -> web.Response:
    dataset = await readable_dataset(request)
    db = request.app[DB]
    versions = await store.list_versions(db, dataset.id)
    context = {
        "dataset": dataset, "submissions": await store.list_submissions(db, dataset.id), "versions": versions,
        "metadata_fields": METADATA_FIELDS, "can_review": is_walidata(current_user(request)),
    }  # fmt: skip
    return render_page("samawa/dataset.html", request, context)


async def _effect(db: Any, dataset: Dataset, submission: store.Submission, rows: list[dict[str, Any]]) -> Any:
    """What approving would change against the published version (None when nothing is published yet)."""
    if dataset.current_version is None:
        return None
    previous = await store.published_rows(db, dataset)
    key = dataset.table_schema.primary_key
    if submission.mode == "upsert" and not key:
        return None

    def compute() -> Any:
        return diff_rows(previous, merge_rows(submission.mode, previous, rows, key), key)

    return await asyncio.to_thread(compute)


async def render_submission(
    request: web.Request,
    dataset: Dataset,
    submission_id: int,
    error: Exception | None = None,
    status: int = 200,
    note: str = "",
) -> web.Response:
    db = request.app[DB]
    submission = await store.get_submission(db, dataset.id, submission_id)
    if submission is None:
        raise web.HTTPNotFound(text="no such submission")
    rows = await store.submission_rows(db, dataset.id, submission_id)
    effect = await _effect(db, dataset, submission, rows) if submission.status == "submitted" else None
    context = {
        "dataset": dataset, "submission": submission, "preview": rows[:PREVIEW_ROWS], "effect": effect,
        "field_names": [f["name"] for f in dataset.schema.get("fields", [])], "error": error, "note": note,
        "can_review": is_walidata(current_user(request)) and submission.status == "submitted",
    }  # fmt: skip
    return render_page("samawa/submission.html", request, context, status=status)


async def submission_page(request: web.Request) -> web.Response:
    dataset = await readable_dataset(request)
    return await render_submission(request, dataset, url_number(request, "submission_id"))


async def review_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    slug, raw_id = str(form.get("slug", ""))[:100], str(form.get("id", ""))
    if not raw_id.isdecimal() or int(raw_id) > MAX_NUMBER:
        raise web.HTTPNotFound(text="no such submission")
    dataset, submission_id = await readable_dataset(request, slug), int(raw_id)
    verdict, note = str(form.get("verdict", "")), str(form.get("note", ""))[:5000]
    actor = current_user(request).username
    try:
        async with request.app[DB].acquire() as conn:
            if verdict == "approve":
                await store.approve(conn, dataset.slug, submission_id, actor, request.remote)
            elif verdict == "return":
                await store.return_submission(conn, dataset.slug, submission_id, note, actor, request.remote)
            else:
                raise SamawaError("choose approve or return")
    except SamawaError as exc:
        return await render_submission(request, dataset, submission_id, exc, status=400, note=note)
    raise web.HTTPSeeOther(f"/samawa/dataset/{dataset.slug}#submission-{submission_id}")


async def _download_audited(request: web.Request, dataset: Dataset, version: int, kind: str) -> None:
    """Reads of data not meant for the public are recorded: who took which version out of the portal."""
    if not dataset.public:
        details = {"version": version, "format": kind, "classification": dataset.classification}
        await audit.record(request.app[DB], current_user(request).username, "dataset_version_downloaded",
                           dataset.slug, details, request.remote)  # fmt: skip


def _version_number(request: web.Request) -> int:
    return url_number(request, "version")


async def version_csv(request: web.Request) -> web.Response:
    dataset = await readable_dataset(request)
    number = _version_number(request)
    try:
        version, data = await store.version_csv(request.app[DB], dataset, number)
    except SamawaError:
        raise web.HTTPNotFound(text=f"no version {number}") from None
    await _download_audited(request, dataset, number, "csv")
    return web.Response(
        body=data, content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{dataset.slug}-v{number}.csv"',
                 "X-Content-SHA256": version.sha256},
    )  # fmt: skip


async def version_json(request: web.Request) -> web.Response:
    dataset = await readable_dataset(request)
    number = _version_number(request)
    db = request.app[DB]
    version = await store.get_version(db, dataset.id, number)
    if version is None:
        raise web.HTTPNotFound(text=f"no version {number}")
    rows = await store.version_rows(db, dataset.id, number)
    await _download_audited(request, dataset, number, "json")
    document = {"dataset": dataset.slug, **version.as_json(), "schema": version.schema, "rows": rows}
    body = await asyncio.to_thread(json.dumps, document, ensure_ascii=False)
    return web.Response(
        text=body, content_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{dataset.slug}-v{number}.json"'},
    )  # fmt: skip


def _query_version(request: web.Request, name: str, default: int | None) -> int | None:
    raw = request.query.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdecimal() or int(raw) > MAX_NUMBER:
        raise web.HTTPBadRequest(text=f"{name}: a version number")
    return int(raw)


async def diff_page(request: web.Request) -> web.Response:
    dataset = await readable_dataset(request)
    after = _query_version(request, "b", dataset.current_version)
    before = _query_version(request, "a", (after - 1) if after else None)
    versions = await store.list_versions(request.app[DB], dataset.id)
    diff, error = None, None
    if before is not None and after is not None:
        try:
            diff = await store.diff_versions(request.app[DB], dataset, before, after)
        except SamawaError as exc:
            error = exc
    context = {
        "dataset": dataset, "versions": versions, "before": before, "after": after, "diff": diff,
        "error": error,
        "field_names": [f["name"] for f in dataset.schema.get("fields", [])], "shown": SHOWN_DIFF_ROWS,
    }  # fmt: skip
    return render_page("samawa/dataset_diff.html", request, context, status=404 if error else 200)
