"""Token pages of the Walidata and admins: the list with status, issue (the token shown once), revoke, the
uses of one token, and the rotation of the signing key. Every change is audited by the stores."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from aiohttp import web
from multidict import MultiMapping

from admin.forms import FormError, text
from admin.keys import DB, SETTINGS
from admin.pages import render_page
from admin.samawa import signing_keys, token_store, tokens
from admin.samawa.token_store import TokenError
from admin.security import current_user

PAGE = "/samawa/token"
MAX_TYPED = 1000  # a refused value is shown again cut to this; the store refuses notes over 200
KID = re.compile(r"^[0-9]{8}-[0-9a-f]{8}$")
EMPTY_FORM: Mapping[str, object] = {
    "org": "", "datasets": (), "actions": ("submit",), "days": str(token_store.DEFAULT_DAYS), "note": "",
}  # fmt: skip


async def render_list(
    request: web.Request,
    *,
    status: int = 200,
    form: Mapping[str, object] = EMPTY_FORM,
    error: Exception | None = None,
) -> web.Response:
    db = request.app[DB]
    revoked, rotated = request.query.get("dicabut", ""), request.query.get("kunci", "")
    orgs, datasets = await token_store.form_choices(db)
    context = {
        "path": PAGE,
        "tokens": await token_store.list_tokens(db),
        "keys": await signing_keys.list_keys(db),
        "orgs": orgs,
        "datasets": datasets,
        "actions": tokens.ACTIONS,
        "max_days": token_store.MAX_DAYS,
        "max_note": token_store.MAX_NOTE,
        "now": datetime.now(UTC),
        "timezone": request.app[SETTINGS].tz.key,
        "form": form,
        "error": error or "",
        # what the last change did, named by the redirect; shown only when it has the shape it should
        "revoked": revoked if _is_uuid(revoked) else "",
        "rotated": rotated if KID.match(rotated) else "",
    }
    return render_page("samawa/tokens/index.html", request, context, status=status)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


async def tokens_page(request: web.Request) -> web.Response:
    return await render_list(request)


def _typed(form: MultiMapping[object]) -> dict[str, object]:
    """The form as typed, for showing it again after a refusal."""

    def cut(value: object) -> str:
        return value[:MAX_TYPED] if isinstance(value, str) else ""

    return {
        "org": cut(form.get("org", "")),
        "datasets": tuple(cut(v) for v in form.getall("datasets", [])),
        "actions": tuple(cut(v) for v in form.getall("actions", [])),
        "days": cut(form.get("days", "")),
        "note": cut(form.get("note", "")),
    }


def _all_text(form: MultiMapping[object], name: str, max_length: int) -> list[str]:
    return [text({name: value}, name, max_length) for value in form.getall(name, [])]


async def issue_form(request: web.Request) -> web.Response:
    form = await request.post()
    user = current_user(request)
    try:
        issued = await token_store.issue(
            request.app[DB],
            request.app[SETTINGS],
            org_code=text(form, "org", 32),
            datasets=_all_text(form, "datasets", 100),
            actions=_all_text(form, "actions", 40),
            days=text(form, "days", 10),
            note=text(form, "note", MAX_TYPED),
            actor=user.username,
            client_ip=request.remote,
        )
    except (FormError, TokenError) as exc:
        return await render_list(request, status=400, form=_typed(form), error=exc)
    context = {
        "path": PAGE,
        "issued": issued,
        "api_url": f"{request.app[SETTINGS].portal_url}/api/v1/datasets/{issued.datasets[0]}/submissions",
    }
    # Shown once, in this answer only (security.py sends every page with Cache-Control: no-store).
    return render_page("samawa/tokens/issued.html", request, context)


async def revoke_form(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        info = await token_store.revoke(
            request.app[DB], text(form, "jti", 100), current_user(request).username, request.remote
        )
    except (FormError, TokenError) as exc:
        return await render_list(request, status=400, error=exc)
    raise web.HTTPSeeOther(f"{PAGE}?dicabut={info.jti}#token-{info.jti}")


async def rotate_form(request: web.Request) -> web.Response:
    kid = await signing_keys.rotate(
        request.app[DB], request.app[SETTINGS], current_user(request).username, request.remote
    )
    raise web.HTTPSeeOther(f"{PAGE}?kunci={kid}#keys")


async def uses_page(request: web.Request) -> web.Response:
    raw = request.query.get("jti", "").strip()
    if not raw:
        raise web.HTTPBadRequest(text="jti: which token? Open it from the token list.")
    db = request.app[DB]
    try:
        info = await token_store.get_token(db, raw)
    except TokenError as exc:
        status = web.HTTPNotFound if exc.key == "token_unknown" else web.HTTPBadRequest
        raise status(text=str(exc)) from None
    context = {
        "token": info,
        "uses": await token_store.uses(db, info.jti),
        "max_uses": token_store.MAX_USES,
        "now": datetime.now(UTC),
        "timezone": request.app[SETTINGS].tz.key,
        "path": f"{PAGE}/penggunaan?jti={info.jti}",
    }
    return render_page("samawa/tokens/uses.html", request, context)


async def public_keys_jwks(request: web.Request) -> web.Response:
    """The signing keys' public halves as a JWK Set, retired ones included: they still verify what they
    signed. Public, so an OPD (or anyone it shows a receipt to) can check a receipt without an account."""
    keys = await signing_keys.public_keys(request.app[DB])
    body = {"keys": [signing_keys.jwk(kid, key) for kid, key in sorted(keys.items())]}
    return web.json_response(body, headers={"Cache-Control": "public, max-age=300"})
