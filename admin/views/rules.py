"""Policy rules: the rules in order with their flags; enable, disable, move, delete, add one; and how a
request is decided."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

import asyncpg
from aiohttp import web

from admin.category_lists import summaries
from admin.directory import ROLES
from admin.forms import FormError, text, whole_number
from admin.keys import DB
from admin.pages import render_page
from admin.policy_rules import (
    MATCHES,
    SCOPES,
    RuleSpec,
    add_rule,
    delete_rule,
    list_rules,
    move_rule,
    rule_flags,
    set_enabled,
)
from admin.schedules import MAX_NAME_LENGTH, list_schedules
from admin.security import current_user
from proxy_addons.rules import ACTIONS, MAX_PATTERN_LENGTH, RuleError
from smedi.refusals import Refusal

PAGE = "/kebijakan/aturan"
MAX_NOTE_LENGTH = 500
MAX_TYPED_LENGTH = 4000  # a value shown again in the form; more than any field accepts
EMPTY_FORM: Mapping[str, str] = {
    "action": "block", "match": "domain", "value": "", "scope": "everyone", "scope_value": "",
    "schedule": "", "note": "", "position": "",
}  # fmt: skip


async def render(
    request: web.Request,
    *,
    status: int = 200,
    form: Mapping[str, str] = EMPTY_FORM,
    error: Refusal | None = None,
) -> web.Response:
    db = request.app[DB]
    rules, categories = await list_rules(db), await summaries(db)
    context = {
        "rules": rules,
        "flags": rule_flags(rules, categories, datetime.now(UTC)),
        "positions": {r["id"]: r["position"] for r in rules},  # a flag names the rule above by position
        "schedules": [s["name"] for s in await list_schedules(db)],
        "categories": [c["slug"] for c in categories],
        "actions": ACTIONS,
        "matches": MATCHES,
        "scopes": SCOPES,
        "roles": ROLES,
        "form": form,
        "error": error,
        "path": PAGE,  # the language switch returns to the page, not to a POST-only URL
    }
    return render_page("rules/index.html", request, context, status=status)


async def rules_page(request: web.Request) -> web.Response:
    return await render(request)


def rule_spec(form: Mapping[str, object]) -> RuleSpec:
    scope = text(form, "scope", 16)
    return RuleSpec(
        action=text(form, "action", 16),
        match=text(form, "match", 16),
        value=text(form, "value", MAX_PATTERN_LENGTH),
        scope=scope,
        # The field stays filled when someone switches back to "everyone"; it means nothing then.
        scope_value=None if scope == "everyone" else text(form, "scope_value", 64) or None,
        schedule=text(form, "schedule", MAX_NAME_LENGTH) or None,
        note=text(form, "note", MAX_NOTE_LENGTH),
        position=whole_number(form, "position"),
    )


async def add_rule_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        spec = rule_spec(form)
        async with request.app[DB].acquire() as conn:
            await add_rule(conn, spec, current_user(request).username)
    except (FormError, RuleError) as exc:
        typed = {
            key: value[:MAX_TYPED_LENGTH] if isinstance(value := form.get(key, ""), str) else ""
            for key in EMPTY_FORM
        }
        return await render(request, status=400, form=typed, error=exc)
    raise web.HTTPSeeOther(PAGE)


def rule_id(form: Mapping[str, object]) -> int:
    found = whole_number(form, "id")
    if found is None:
        raise FormError("form_which_rule")
    return found


ChangeRule = Callable[[asyncpg.Connection, int, Mapping[str, object], str], Awaitable[None]]


async def _change_rule(request: web.Request, change: ChangeRule, anchor: bool = False) -> web.StreamResponse:
    """One rule, chosen by the form's id, changed by `change`; a refusal shows the page with the reason."""
    form = await request.post()
    try:
        chosen = rule_id(form)
        async with request.app[DB].acquire() as conn:
            await change(conn, chosen, form, current_user(request).username)
    except (FormError, RuleError) as exc:
        return await render(request, status=400, error=exc)
    raise web.HTTPSeeOther(f"{PAGE}#rule-{chosen}" if anchor else PAGE)  # a moved rule stays in view


async def set_rule_enabled(request: web.Request) -> web.StreamResponse:
    async def change(conn: asyncpg.Connection, chosen: int, form: Mapping[str, object], actor: str) -> None:
        await set_enabled(conn, chosen, text(form, "enabled", 1) == "1", actor)

    return await _change_rule(request, change)


async def delete_rule_form(request: web.Request) -> web.StreamResponse:
    async def change(conn: asyncpg.Connection, chosen: int, _form: Mapping[str, object], actor: str) -> None:
        await delete_rule(conn, chosen, actor)

    return await _change_rule(request, change)


async def move_rule_form(request: web.Request) -> web.StreamResponse:
    async def change(conn: asyncpg.Connection, chosen: int, form: Mapping[str, object], actor: str) -> None:
        await move_rule(conn, chosen, text(form, "direction", 8), actor)

    return await _change_rule(request, change, anchor=True)
