"""Category lists: what each category holds, which lists hold a domain, upload a new list, roll back; and
each category's default action."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import IO

from aiohttp import web

from admin.categories import CategoryError, set_default_action
from admin.category_lists import ListError, check_category, import_list, roll_back, search, summaries
from admin.forms import FormError, text
from admin.keys import DB
from admin.list_formats import FORMATS, ListFormatError, ParsedList, parse_list
from admin.pages import render_page
from admin.security import current_user
from proxy_addons.rules import ACTIONS

PAGE = "/kebijakan/daftar"
UPLOAD_FORMATS = tuple(f for f in FORMATS if f != "ut1")  # ut1 is a folder; a browser sends one file
MAX_SEARCH_LENGTH = 300


def parse_upload(upload: IO[bytes], fmt: str, name: str) -> ParsedList:
    """parse_list over a copy of the upload (it reads a path); blocking, so run it in a thread."""
    with tempfile.NamedTemporaryFile(prefix="smedi-list-") as copy:
        shutil.copyfileobj(upload, copy, 1024 * 1024)
        copy.flush()
        try:
            return parse_list(Path(copy.name), fmt)
        except ListFormatError as exc:
            # The message names the file it read: the person knows their file's name, not our copy's.
            raise ListFormatError(str(exc).replace(copy.name, name)) from None


def upload_name(filename: str) -> str:
    """The file's own name, without any folder a browser sent along (old browsers send the whole path)."""
    return filename.replace("\\", "/").rpartition("/")[2].strip()[:200] or "upload"


async def render(request: web.Request, *, status: int = 200, **extra: object) -> web.Response:
    """The page, with what a form just did (`result`) or why it failed (`error`)."""
    query = request.query.get("domain", "").strip()[:MAX_SEARCH_LENGTH] if request.method == "GET" else ""
    found: list[dict[str, object]] | None = None
    error = extra.pop("error", None)
    if query:
        try:
            found = await search(request.app[DB], query)
        except ListError as exc:
            error, status = exc, 400
    context = {
        "categories": await summaries(request.app[DB]),
        "formats": UPLOAD_FORMATS,
        "actions": ACTIONS,
        "query": query,
        "found": found,
        "error": error,
        "result": None,
        "kept": False,  # True: a change was refused, and the category keeps the list it had
        "path": PAGE if request.method == "POST" else request.path_qs,  # the language switch returns here
        **extra,
    }
    return render_page("lists/index.html", request, context, status=status)


async def lists_page(request: web.Request) -> web.Response:
    return await render(request)


async def upload_list(request: web.Request) -> web.Response:
    """Parse the uploaded file as the chosen format and make it the category's list; the old one stays."""
    form = await request.post()
    upload = form.get("list_file")
    try:
        slug, fmt = text(form, "category", 64), text(form, "format", 16) or "auto"
        if not isinstance(upload, web.FileField):
            raise FormError("form_list_file")
        name = upload_name(upload.filename)
        async with request.app[DB].acquire() as conn:
            await check_category(conn, slug)  # before parsing a 50 MB file, not after
        parsed = await asyncio.to_thread(parse_upload, upload.file, fmt, name)
        async with request.app[DB].acquire() as conn:
            imported = await import_list(conn, slug, parsed, name, current_user(request).username)
    except (FormError, ListFormatError, ListError) as exc:
        return await render(request, status=400, error=exc, kept=True)
    result = {"category": slug, "source": name, "list": parsed, "imported": imported}
    return await render(request, result=result)


async def roll_back_list(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        slug = text(form, "category", 64)
        async with request.app[DB].acquire() as conn:
            await roll_back(conn, slug, current_user(request).username)
    except (FormError, ListError) as exc:
        return await render(request, status=400, error=exc, kept=True)
    raise web.HTTPSeeOther(PAGE)


async def set_category_action(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        slug, action = text(form, "category", 64), text(form, "action", 16)
        async with request.app[DB].acquire() as conn:
            await set_default_action(conn, slug, action, current_user(request).username)
    except (FormError, CategoryError) as exc:
        return await render(request, status=400, error=exc)
    raise web.HTTPSeeOther(f"{PAGE}#category-{slug}")
