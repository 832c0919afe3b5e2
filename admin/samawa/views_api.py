"""The submission API the OPDs call with their signed token: deliver rows (JSON, CSV or a multipart file),
and follow a submission through review.

The token is checked before a byte of the body is read; a body over the limit is refused by its declared
length before it is read, and while reading when it is sent chunked. Parsing and validation run in a
thread: 100,000 rows take a CPU for a while, and the portal's other requests must not wait for them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import jwt
import structlog
from aiohttp import BodyPartReader, web

from admin.keys import DB, SETTINGS
from admin.samawa import SamawaError
from admin.samawa.csv_input import CsvError
from admin.samawa.datasets import Dataset, get_dataset
from admin.samawa.submission_store import (
    IdempotencyConflict,
    get_submission,
    published_rows,
    receive,
    references,
    replay_of,
)
from admin.samawa.submissions import (
    Body,
    SubmissionError,
    body_from_csv,
    body_from_json,
    check_submission,
    sha256_hex,
)
from admin.samawa.table_schema import RowError, error_report
from admin.samawa.tokens import TokenClaims, TokenRefused, authenticate, bearer_token, record_use
from admin.security import api_error

log = structlog.get_logger(__name__)

MAX_SUBMISSION_BYTES = 64 * 1024 * 1024  # a few hundred thousand rows of CSV; more goes in parts (append)
MAX_IDEMPOTENCY_KEY = 200
MAX_FIELD_BYTES = 100  # a multipart text field (mode, dry_run)
JSON_TYPES = frozenset({"application/json"})
CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"})


class Refused(Exception):  # an answer, not a bug: the view turns it into the one error shape
    def __init__(
        self, status: int, code: str, message: str, details: object = None, outcome: str = "invalid"
    ):
        super().__init__(message)
        self.response = api_error(status, code, message, details)
        self.outcome = outcome  # recorded as the token's use


def too_large(size: int | None = None) -> Refused:
    said = f" ({size:,} bytes)" if size else ""
    return Refused(
        413, "payload_too_large",
        f"the body{said} is larger than the {MAX_SUBMISSION_BYTES // (1024 * 1024)} MiB a submission may "
        "have: "
        "send the rows in parts (the first with mode replace, the others with mode append)",
        {"max_bytes": MAX_SUBMISSION_BYTES}, outcome="too_large",
    )  # fmt: skip


def invalid(errors: list[RowError], *, dry_run: bool = False) -> Refused:
    details = {**error_report(errors), "dry_run": dry_run}
    message = f"{len(errors)} error(s): nothing was stored; fix them all and send the submission again"
    return Refused(422, "validation_failed", message, details)


def status_action(authorization: str | None) -> str:
    """Which action a status look-up is checked for: `read` when the token has it, else `submit` (the token
    that delivered may follow what it delivered). Only a choice: authenticate then verifies everything."""
    try:
        claims = jwt.decode(bearer_token(authorization), options={"verify_signature": False})
        return "read" if "read" in claims["scope"]["actions"] else "submit"
    except (TokenRefused, jwt.InvalidTokenError, KeyError, TypeError):
        return "submit"  # authenticate refuses it with the precise reason


async def _token(request: web.Request, slug: str, action: str = "submit") -> TokenClaims:
    try:
        return await authenticate(
            request.app[DB], request.headers.get("Authorization"), dataset=slug, action=action,
            client_ip=request.remote,
        )  # fmt: skip
    except TokenRefused as refused:
        response = api_error(refused.status, refused.code, refused.message)
        if refused.status == 401:
            response.headers["WWW-Authenticate"] = (
                f'Bearer error="invalid_token", error_description="{refused.code}"'
            )
        raise _Answer(response) from None


class _Answer(Exception):  # carries a finished response out of a helper
    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


async def _read_limited(request: web.Request) -> bytes:
    try:
        return await request.read()  # aiohttp stops at client_max_size (the route's BODY_LIMITS entry)
    except web.HTTPRequestEntityTooLarge:
        raise too_large() from None


async def _multipart_file(request: web.Request) -> tuple[bytes, str, dict[str, str]]:
    """The `file` part (bytes, json or csv) and the small text fields beside it, read within the limit."""
    reader = await request.multipart()
    data: bytes | None = None
    kind = "csv"
    fields: dict[str, str] = {}
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise Refused(400, "invalid_body", "nested multipart bodies are not read: send one `file` part")
        if part.name == "file":
            chunks, size = [], 0
            while chunk := await part.read_chunk(1024 * 1024):
                size += len(chunk)
                if size > MAX_SUBMISSION_BYTES:
                    raise too_large()
                chunks.append(chunk)
            data = b"".join(chunks)
            part_type = (part.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if part_type in JSON_TYPES or (part.filename or "").lower().endswith(".json"):
                kind = "json"
        elif part.name in ("mode", "dry_run"):
            value = await part.read_chunk(MAX_FIELD_BYTES + 1)
            if len(value) > MAX_FIELD_BYTES:
                raise Refused(400, "invalid_parameter", f"{part.name}: too long")
            fields[part.name] = value.decode("utf-8", errors="replace")
        else:
            await part.release()
    if data is None:
        raise Refused(400, "invalid_body", "the multipart body has no `file` part with the CSV or JSON file")
    return data, kind, fields


async def _body(request: web.Request) -> tuple[bytes, str, dict[str, str]]:
    """(the payload, json or csv, the mode/dry_run parameters): what is hashed is the payload itself, so a
    multipart file hashes the same whatever boundary the client chose."""
    if request.content_length is not None and request.content_length > MAX_SUBMISSION_BYTES:
        raise too_large(request.content_length)  # refused before a byte of it is read
    params = {k: request.query[k] for k in ("mode", "dry_run") if k in request.query}
    content_type = request.content_type.lower()
    if content_type == "multipart/form-data":
        data, kind, fields = await _multipart_file(request)
        return data, kind, {**params, **fields}
    if content_type in JSON_TYPES:
        return await _read_limited(request), "json", params
    if content_type in CSV_TYPES:
        return await _read_limited(request), "csv", params
    raise Refused(
        415, "unsupported_media_type",
        f"Content-Type {content_type!r}: send application/json ({{\"rows\": [...]}}), text/csv, or "
        "multipart/form-data with a `file` part",
    )  # fmt: skip


def _parse(data: bytes, kind: str, params: dict[str, str]) -> Body:
    """Body from bytes (CPU: runs in a thread); an undecodable CSV is a whole-file error of the report."""
    if kind == "json":
        return body_from_json(data, mode=params.get("mode"), dry_run=params.get("dry_run"))
    try:
        return body_from_csv(data, mode=params.get("mode"), dry_run=params.get("dry_run"))
    except CsvError as exc:
        raise invalid([RowError(0, None, "encoding", str(exc))]) from None


def _idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY or not key.isascii() or not key.isprintable():
        message = f"Idempotency-Key: 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters (a UUID is good)"
        raise Refused(400, "invalid_idempotency_key", message)
    return key


async def submit(request: web.Request) -> web.Response:
    slug = request.match_info["slug"]
    db = request.app[DB]
    try:
        claims = await _token(request, slug)
    except _Answer as answer:
        return answer.response
    outcome = "error"  # replaced below unless the view fails unexpectedly
    try:
        response, outcome = await _submit(request, slug, claims)
        return response
    except Refused as refused:
        outcome = refused.outcome
        return refused.response
    finally:
        await record_use(db, claims.jti, request.remote, slug, outcome)


async def _submit(request: web.Request, slug: str, claims: TokenClaims) -> tuple[web.Response, str]:
    db, settings = request.app[DB], request.app[SETTINGS]
    key = _idempotency_key(request)
    data, kind, params = await _body(request)
    try:
        body = await asyncio.to_thread(_parse, data, kind, params)
    except SubmissionError as exc:
        raise Refused(exc.status, exc.code, exc.message) from None
    dataset = await get_dataset(db, slug)
    if dataset is None:  # removed since the token was checked
        raise Refused(404, "unknown_dataset", f"there is no dataset {slug!r}")
    sha256 = sha256_hex(data)
    if key is not None and not body.dry_run:
        try:
            replay = await replay_of(
                db, claims.org_unit_id, key, dataset=dataset, mode=body.mode, sha256=sha256
            )
        except IdempotencyConflict as exc:
            raise Refused(409, "idempotency_conflict", str(exc), outcome="idempotency_conflict") from None
        if replay is not None:
            return web.json_response(replay.as_json(), status=200), "duplicate"
    checked = await _check(db, dataset, body)
    if not checked.valid:
        raise invalid(checked.errors, dry_run=body.dry_run)
    if body.dry_run:
        answer = {"dry_run": True, "valid": True, "dataset": slug, "mode": body.mode, "sha256": sha256,
                  "row_count": len(checked.rows), "error_count": 0, "errors": []}  # fmt: skip
        return web.json_response(answer, status=200), "dry_run"
    received = await receive(
        db, settings, dataset, org_unit_id=claims.org_unit_id, jti=claims.jti, mode=body.mode, sha256=sha256,
        rows=checked.rows, idempotency_key=key, actor=f"opd:{claims.org_code}", client_ip=request.remote,
    )  # fmt: skip
    if received.replayed:  # the same key arrived twice at once; the other request stored it
        return web.json_response(received.as_json(), status=200), "duplicate"
    log.info("submission_received", dataset=slug, submission=received.submission_id, rows=received.row_count,
             mode=body.mode, org=claims.org_code)  # fmt: skip
    return web.json_response(received.as_json(), status=201), "accepted"


async def _check(db: Any, dataset: Dataset, body: Body) -> Any:
    previous = await published_rows(db, dataset) if body.mode != "replace" else []
    refs = await references(db)
    try:
        return await asyncio.to_thread(
            check_submission, dataset.table_schema, body, previous, refs, public=dataset.public
        )
    except SubmissionError as exc:
        raise Refused(exc.status, exc.code, exc.message) from None
    except SamawaError as exc:  # a schema the store accepted but validation cannot use: a bug to see
        log.exception("submission_check_failed", dataset=dataset.slug)
        raise Refused(500, "internal_server_error", str(exc)) from None


async def submission_status(request: web.Request) -> web.Response:
    slug = request.match_info["slug"]
    db = request.app[DB]
    try:
        claims = await _token(request, slug, status_action(request.headers.get("Authorization")))
    except _Answer as answer:
        return answer.response
    raw_id = request.match_info["submission_id"]
    dataset = await get_dataset(db, slug)
    found = (
        await get_submission(db, dataset.id, int(raw_id))
        if dataset is not None and raw_id.isdecimal() and int(raw_id) < 2**63
        else None
    )
    if found is None or found.org_code != claims.org_code:
        await record_use(db, claims.jti, request.remote, slug, "not_found")
        return api_error(404, "not_found", f"dataset {slug!r} has no submission {raw_id[:20]!r} of yours")
    await record_use(db, claims.jti, request.remote, slug, "status")
    return web.json_response({"dataset": slug, **found.as_json()})
