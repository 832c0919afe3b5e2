"""Devices and addresses (transparent mode): the captive-portal leases and static bindings; add a binding,
remove one."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from admin import clients
from admin.forms import FormError, text
from admin.keys import DB, SETTINGS
from admin.pages import render_page
from admin.security import current_user

PAGE = "/jaringan/alamat"
MAX_ADDRESS_LENGTH = 100  # longer than any IPv6 address written out; parse_address says what is wrong
MAX_USERNAME_LENGTH = 64
MAX_TYPED_NOTE = 1000  # a refused note is shown again, cut to this; the store refuses more than 200
EMPTY_FORM: Mapping[str, str] = {"address": "", "username": "", "note": ""}


async def render(
    request: web.Request,
    *,
    status: int = 200,
    form: Mapping[str, str] = EMPTY_FORM,
    error: Exception | None = None,
) -> web.Response:
    context = {
        "clients": await clients.clients(request.app[DB]),
        "form": form,
        "error": error,
        "max_note": clients.MAX_NOTE,
        "pac_url": f"{request.app[SETTINGS].portal_url}/proxy.pac",
        "path": PAGE,  # the language switch returns to the page, not to a POST-only URL
    }
    return render_page("addresses/index.html", request, context, status=status)


async def addresses_page(request: web.Request) -> web.Response:
    return await render(request)


async def bind_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        address = text(form, "address", MAX_ADDRESS_LENGTH)
        username = text(form, "username", MAX_USERNAME_LENGTH)
        note = text(form, "note", MAX_TYPED_NOTE)
        async with request.app[DB].acquire() as conn:
            bound = await clients.bind(conn, address, username, note, current_user(request).username)
    except (FormError, clients.ClientError) as exc:
        typed = {
            key: value[:MAX_TYPED_NOTE] if isinstance(value := form.get(key, ""), str) else ""
            for key in EMPTY_FORM
        }
        return await render(request, status=400, form=typed, error=exc)
    raise web.HTTPSeeOther(f"{PAGE}#address-{bound}")


async def unbind_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        address = text(form, "address", MAX_ADDRESS_LENGTH)
        async with request.app[DB].acquire() as conn:
            await clients.unbind(conn, address, current_user(request).username)
    except (FormError, clients.ClientError) as exc:
        return await render(request, status=400, error=exc)
    raise web.HTTPSeeOther(PAGE)
