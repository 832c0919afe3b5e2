"""Policy rules in PostgreSQL: compiled as the proxy would before saving; saved whole or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from admin import audit
from admin.directory import ROLES
from proxy_addons.rules import ACTIONS, Rule, RuleError
from smedi.sql import load_queries

queries = load_queries("rules")
SCOPES = ("everyone", "org", "role", "employee")
MATCHES = ("category", "domain", "url_prefix", "url_regex")


@dataclass(frozen=True)
class RuleSpec:
    """A rule as a person writes it: names, not ids."""

    action: str
    match: str
    value: str  # category slug, domain, URL prefix or regular expression
    scope: str = "everyone"
    scope_value: str | None = None  # OPD code, role or username
    schedule: str | None = None
    note: str = ""
    position: int | None = None
    expires_at: datetime | None = None


def validate(spec: RuleSpec) -> str | None:
    """The normalised pattern (None for a category rule); RuleError with the reason when refused."""
    if spec.scope not in SCOPES:
        raise RuleError(f"unknown scope {spec.scope!r}; scopes are {', '.join(SCOPES)}")
    if (spec.scope == "everyone") != (spec.scope_value is None):
        raise RuleError("an OPD, role or employee scope needs its name; 'everyone' takes none")
    if spec.scope == "role" and spec.scope_value not in ROLES:
        raise RuleError(f"unknown role {spec.scope_value!r}; roles are {', '.join(ROLES)}")
    if spec.match not in MATCHES:
        raise RuleError(f"unknown match {spec.match!r}; matches are {', '.join(MATCHES)}")
    if spec.action not in ACTIONS:
        raise RuleError(f"unknown action {spec.action!r}; actions are {', '.join(ACTIONS)}")
    if not spec.value.strip():
        raise RuleError("the rule matches nothing: give a category, domain, URL prefix or expression")
    if spec.match == "category":
        Rule(0, spec.action, "category", category_id=0)
        return None
    return Rule(0, spec.action, spec.match, pattern=spec.value.strip()).pattern  # compiles, or RuleError


async def add_rule(conn: asyncpg.Connection, spec: RuleSpec, actor: str) -> int:
    pattern = validate(spec)
    scope_args: dict[str, str | None] = {"org": None, "role": None, "employee": None}
    if spec.scope != "everyone":
        scope_args[spec.scope] = spec.scope_value
    async with conn.transaction():
        rule_id = await conn.fetchval(
            queries.rule_insert, spec.scope, scope_args["org"], scope_args["role"], scope_args["employee"],
            spec.match, spec.value.strip() if spec.match == "category" else None, pattern, spec.action,
            spec.schedule, spec.note, actor, spec.position, spec.expires_at,
        )  # fmt: skip
        if rule_id is None:
            raise RuleError("a named OPD, employee, category or schedule does not exist")
        await audit.record(conn, actor, "rule_added", str(rule_id), {
            "action": spec.action, "match": spec.match, "value": spec.value, "scope": spec.scope,
            "scope_value": spec.scope_value, "schedule": spec.schedule, "note": spec.note,
        })  # fmt: skip
    return rule_id


async def list_rules(db: asyncpg.Pool | asyncpg.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(queries.rule_list)]


async def set_enabled(conn: asyncpg.Connection, rule_id: int, enabled: bool, actor: str) -> None:
    async with conn.transaction():
        if await conn.fetchval(queries.rule_set_enabled, rule_id, enabled) is None:
            raise RuleError(f"no rule {rule_id}")
        await audit.record(conn, actor, "rule_enabled" if enabled else "rule_disabled", str(rule_id))


async def delete_rule(conn: asyncpg.Connection, rule_id: int, actor: str) -> None:
    async with conn.transaction():
        if await conn.fetchval(queries.rule_delete, rule_id) is None:
            raise RuleError(f"no rule {rule_id}")
        await audit.record(conn, actor, "rule_deleted", str(rule_id))
