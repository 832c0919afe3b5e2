"""Policy rules in PostgreSQL: compiled as the proxy would before saving; saved whole or not at all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import asyncpg

from admin import audit
from admin.directory import ROLES
from proxy_addons.rules import ACTIONS, Rule, RuleError, RuleFacts, RuleFlag, lint_rules
from smedi.sql import load_queries

queries = load_queries("rules")
SCOPES = ("everyone", "org", "role", "employee")
MATCHES = ("category", "domain", "url_prefix", "url_regex")
DIRECTIONS = ("up", "down")


class RuleSpecError(RuleError):
    """A rule refused by the store: a name that does not exist, no such rule, a move past either end."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        **RuleError.MESSAGES,
        "rule_unknown_scope": "unknown scope {scope!r}; scopes are {scopes}",
        "rule_scope_value": "an OPD, role or employee scope needs its name; 'everyone' takes none",
        "rule_unknown_role": "unknown role {role!r}; roles are {roles}",
        "rule_unknown_match": "unknown match {match!r}; matches are {matches}",
        "rule_matches_nothing": "the rule matches nothing: give a category, domain, URL prefix or expression",
        "rule_reference_unknown": "a named OPD, employee, category or schedule does not exist",
        "rule_unknown": "no rule {rule_id}",
        "rule_direction": "direction: expected up or down, got {direction!r}",
        "rule_already_first": "rule {rule_id} is already the first",
        "rule_already_last": "rule {rule_id} is already the last",
    }


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
        raise RuleSpecError("rule_unknown_scope", scope=spec.scope, scopes=", ".join(SCOPES))
    if (spec.scope == "everyone") != (spec.scope_value is None):
        raise RuleSpecError("rule_scope_value")
    if spec.scope == "role" and spec.scope_value not in ROLES:
        raise RuleSpecError("rule_unknown_role", role=spec.scope_value, roles=", ".join(ROLES))
    if spec.match not in MATCHES:
        raise RuleSpecError("rule_unknown_match", match=spec.match, matches=", ".join(MATCHES))
    if spec.action not in ACTIONS:
        raise RuleSpecError("rule_unknown_action", action=spec.action, actions=", ".join(ACTIONS))
    if not spec.value.strip():
        raise RuleSpecError("rule_matches_nothing")
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
            raise RuleSpecError("rule_reference_unknown")
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
            raise RuleSpecError("rule_unknown", rule_id=rule_id)
        await audit.record(conn, actor, "rule_enabled" if enabled else "rule_disabled", str(rule_id))


def swapped_positions(order: Sequence[tuple[int, int]], rule_id: int, direction: str) -> dict[int, int]:
    """The new positions (id → position) that swap a rule with its neighbour in `order` (id, position)."""
    if direction not in DIRECTIONS:
        raise RuleSpecError("rule_direction", direction=direction)
    ids = [rid for rid, _position in order]
    if rule_id not in ids:
        raise RuleSpecError("rule_unknown", rule_id=rule_id)
    here = ids.index(rule_id)
    there = here - 1 if direction == "up" else here + 1
    if not 0 <= there < len(ids):
        raise RuleSpecError(
            "rule_already_first" if direction == "up" else "rule_already_last", rule_id=rule_id
        )
    positions = [position for _rid, position in order]
    if len(set(positions)) == len(positions):
        return {ids[here]: positions[there], ids[there]: positions[here]}
    # Ties are ordered by id, and swapping two numbers may not move a rule past a tie: number them all.
    ids[here], ids[there] = ids[there], ids[here]
    return {rid: number for number, rid in enumerate(ids, start=1)}


async def move_rule(conn: asyncpg.Connection, rule_id: int, direction: str, actor: str) -> None:
    """Swap a rule with the one above (up) or below (down) it; RuleError at either end."""
    async with conn.transaction():
        rows = await conn.fetch(queries.rule_order_for_update)
        # Sorted here too: rows a concurrent move changed are re-read after the lock, not re-sorted.
        order = sorted(((r["id"], r["position"]) for r in rows), key=lambda row: (row[1], row[0]))
        moved = swapped_positions(order, rule_id, direction)
        await conn.execute(queries.rule_set_positions, list(moved), list(moved.values()))
        await audit.record(
            conn, actor, "rule_moved", str(rule_id), {"direction": direction, "position": moved[rule_id]}
        )


def rule_flags(
    rules: Sequence[Mapping[str, Any]], categories: Sequence[Mapping[str, Any]], now: datetime
) -> dict[int, list[RuleFlag]]:
    """lint_rules over the rows of list_rules and category_lists.summaries."""
    facts = [
        RuleFacts(
            id=r["id"],
            action=r["action"],
            match=r["match"],
            value=r["category"] or r["pattern"],
            scope=r["scope"],
            scope_value=r["org"] or r["role"] or r["employee"],
            schedule=r["schedule"],
            expires_at=r["expires_at"],
            enabled=r["enabled"],
        )
        for r in rules
    ]
    return lint_rules(facts, {c["slug"] for c in categories if c["domains"]}, now)


async def delete_rule(conn: asyncpg.Connection, rule_id: int, actor: str) -> None:
    async with conn.transaction():
        if await conn.fetchval(queries.rule_delete, rule_id) is None:
            raise RuleSpecError("rule_unknown", rule_id=rule_id)
        await audit.record(conn, actor, "rule_deleted", str(rule_id))
