"""Builds a PolicySnapshot from PostgreSQL: rows are fetched on the loop, the index is built in a thread."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from proxy_addons.domain_index import DomainIndex
from proxy_addons.hostnames import domain_and_parents
from proxy_addons.rules import Rule, RuleError, Schedule, Window
from proxy_addons.snapshots import Category, PolicySnapshot
from smedi.sql import load_queries

log = structlog.get_logger(__name__)
queries = load_queries("proxy")
lists_queries = load_queries("lists")


PIECE = 1 << 19  # bytes of a list indexed at a time: its names are alive, and the GIL held, a few ms


def _pieces(names: bytes) -> Iterator[bytes]:
    """Domains one per line, a few megabytes at a time, each piece ending before a newline."""
    start = 0
    while start < len(names):
        end = names.find(b"\n", start + PIECE)
        end = len(names) if end < 0 else end
        yield names[start:end]
        start = end + 1


def index_from_lists(lists: list[tuple[int, bytes]]) -> DomainIndex:
    """The domain index of (category id, domains one per line) lists, read a piece at a time."""
    return DomainIndex.from_text((category, piece) for category, names in lists for piece in _pieces(names))


def build_schedules(rows: list[asyncpg.Record]) -> dict[str, Schedule]:
    windows: defaultdict[str, list[Window]] = defaultdict(list)
    except_holidays: dict[str, bool] = {}
    for r in rows:
        windows[r["name"]].append(Window(r["weekday"], r["starts"], r["ends"]))
        except_holidays[r["name"]] = r["except_holidays"]
    return {name: Schedule(name, tuple(w), except_holidays[name]) for name, w in windows.items()}


def build_rules(rows: list[asyncpg.Record], schedules: dict[str, Schedule]) -> tuple[Rule, ...]:
    rules = []
    for r in rows:
        try:
            rules.append(Rule(
                r["id"], r["action"], r["match"], r["scope"], r["org_unit_id"], r["role"], r["employee_id"],
                r["category_id"], r["pattern"] or "", schedules.get(r["schedule"]) if r["schedule"] else None,
                r["expires_at"], r["note"],
            ))  # fmt: skip
        except RuleError as exc:  # saved rules are validated; one that no longer compiles is skipped, loudly
            log.error("rule_skipped", rule=r["id"], error=str(exc))
    return tuple(rules)


def url_lists_from_rows(rows: list[asyncpg.Record]) -> dict[str, tuple[tuple[str, int], ...]]:
    """`host/path` entries by host, for matching once the URL is known."""
    by_host: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
    for r in rows:
        host, slash, path = r["url"].partition("/")
        by_host[host].append((slash + path, r["category_id"]))
    return {host: tuple(entries) for host, entries in by_host.items()}


async def load_policy(
    conn: asyncpg.Connection,
    tz: ZoneInfo,
    previous: PolicySnapshot | None = None,
    only_host: str | None = None,
) -> PolicySnapshot:
    """A consistent snapshot; `previous` lends its list indexes when no list changed. With `only_host`,
    the lists are read for that host alone (a "why?" answer without loading millions of domains)."""
    index = previous.index if previous else None
    url_lists = previous.url_lists if previous else None
    if only_host is not None:
        rows = await conn.fetch(lists_queries.active_list_domains_for, domain_and_parents(only_host))
        index = DomainIndex.build((r["domain"], r["category_id"]) for r in rows)
        url_lists = url_lists_from_rows(await conn.fetch(lists_queries.active_list_urls_for, only_host))
    lists: list[tuple[int, bytes]] = []
    async with conn.transaction(isolation="repeatable_read", readonly=True):  # one consistent picture
        blocked = frozenset(r["domain"] for r in await conn.fetch(queries.blocked_domains))
        categories = {
            r["id"]: Category(r["id"], r["slug"], r["name_id"], r["name_en"], r["default_action"])
            for r in await conn.fetch(queries.categories)
        }
        schedules = build_schedules(await conn.fetch(queries.schedule_windows))
        rules = build_rules(await conn.fetch(queries.rules, datetime.now(UTC)), schedules)
        holidays = frozenset(r["day"] for r in await conn.fetch(queries.holidays))
        if index is None or url_lists is None:
            lists = [
                (r["category_id"], r["names"]) for r in await conn.fetch(lists_queries.active_list_names)
            ]
            url_lists = url_lists_from_rows(await conn.fetch(lists_queries.active_list_urls))
    if index is None:
        index = await asyncio.to_thread(index_from_lists, lists)
    return PolicySnapshot(blocked, categories, index, rules, holidays, tz, url_lists)
