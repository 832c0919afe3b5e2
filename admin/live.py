"""The portal's end of the live feed: one LISTEN usage_live connection into the window, one snapshot a tick.

`live_dashboard` (a cleanup_ctx entry) starts two tasks: the listener, which opens its own connection,
LISTENs, backfills the window once from the last hour of usage_events and feeds it every summary the
writers send (reconnecting when PostgreSQL goes away), and the ticker, which once a second takes a
snapshot, adds names and the open alerts, encodes it as one server-sent event and wakes every stream.
Streams (admin/views/dashboard.py) only copy that event: one computation per tick, whatever the number of
admins watching. `end_live_streams` (on_shutdown) ends the streams before aiohttp waits for them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog
from aiohttp import web

from accounting import live_feed
from accounting.live_feed import UsageGroup
from admin.keys import DB, SETTINGS
from admin.live_window import FINE_SECONDS, LONG_SECONDS, LiveWindow
from smedi.db import describe_target
from smedi.sql import load_queries

log = structlog.get_logger(__name__)
queries = load_queries("live")

TICK_SECONDS = 1.0  # a snapshot every second: the page promises one at least every 2 s
HEARTBEAT_SECONDS = 10.0  # a stream says something this often even when no snapshot comes
RECONNECT_SECONDS = 2.0
QUERY_TIMEOUT = 1.5  # a slow database delays names and alerts, never the tick
NEWEST_ALERTS = 5
NAMES_SECONDS = 600.0  # names are looked up again this often (a renamed employee shows up)
# The backfill has no NOTIFY size limit: per 2-second bucket it keeps longer lists than a payload can.
BACKFILL_LIMITS = {"employees": 500, "orgs": 200, "hosts": 300, "categories": 100}


class LiveHub:
    """The window and the latest snapshot event, shared by every stream of this portal process."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.window = LiveWindow()
        self.clock = clock
        self.message = b""  # the latest snapshot as a server-sent event
        self.version = 0
        self.closed = False
        self.listening = False  # LISTEN is on and the backfill done: every committed batch gets here
        self.streams = 0
        self.refused_payloads = 0
        self._published = asyncio.Event()
        self._buffer: list[live_feed.Summary] | None = []  # summaries heard while the backfill runs

    def hear(self, payload: str) -> None:
        """A NOTIFY usage_live payload; one that is not a summary is counted and logged, never fatal."""
        try:
            summary = live_feed.decode(payload)
        except ValueError as exc:
            self.refused_payloads += 1
            if self.refused_payloads % 100 == 1:
                log.warning("live_payload_refused", error=str(exc)[:200], refused=self.refused_payloads)
            return
        if self._buffer is not None:
            self._buffer.append(summary)
        else:
            self.window.add(summary, self.clock())

    def backfilled(self, newest: float) -> None:
        """The backfill is in: add what was heard meanwhile and is not in it already, then add directly."""
        buffered, self._buffer = self._buffer or [], None
        for summary in buffered:
            if summary.ts > newest:
                self.window.add(summary, self.clock())

    def publish(self, document: Mapping[str, object]) -> None:
        self.version += 1
        data = json.dumps(document, separators=(",", ":"))  # ASCII: no raw line break can end the event
        self.message = f"id: {self.version}\nevent: snapshot\ndata: {data}\n\n".encode()
        self._wake()

    def close(self) -> None:
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        published, self._published = self._published, asyncio.Event()
        published.set()

    async def next_message(self, seen: int) -> tuple[int, bytes] | None:
        """The snapshot after version `seen`, at once when there is one; None at close."""
        if self.version <= seen and not self.closed:
            await self._published.wait()
        return None if self.closed else (self.version, self.message)


LIVE = web.AppKey("live", LiveHub)


# --- names and alerts for the snapshot --------------------------------------------------------------


class NameBook:
    """Names of the employees, OPDs and categories in the top lists, looked up once, kept a while."""

    def __init__(self) -> None:
        self.employees: dict[int, tuple[str, str, str]] = {}  # id → username, full name, OPD code
        self.orgs: dict[int, tuple[str, str]] = {}  # id → code, name
        self.categories: dict[str, tuple[str, str]] = {}  # slug → Indonesian, English name
        self.looked_up_at = 0.0

    async def refresh(self, db: asyncpg.Pool, snapshot: Mapping[str, Any], now: float) -> None:
        if now - self.looked_up_at > NAMES_SECONDS:
            self.employees, self.orgs, self.categories = {}, {}, {}
            self.looked_up_at = now
        if not self.categories:
            self.categories = {
                r["slug"]: (r["name_id"], r["name_en"]) for r in await db.fetch(queries.category_names)
            }
        employees = {e[0] for e in _entries(snapshot, "employees")} - self.employees.keys() - {0}
        if employees:
            rows = await db.fetch(queries.employee_names, sorted(employees))
            found = {r["id"]: (r["username"], r["full_name"], r["org_code"]) for r in rows}
            self.employees |= {i: found.get(i, (f"#{i}", "", "")) for i in employees}  # gone: shown by id
        orgs = {o[0] for o in _entries(snapshot, "orgs")} - self.orgs.keys() - {0}
        if orgs:
            found_orgs = {
                r["id"]: (r["code"], r["name"]) for r in await db.fetch(queries.org_names, sorted(orgs))
            }
            self.orgs |= {i: found_orgs.get(i, (f"#{i}", "")) for i in orgs}


def _entries(snapshot: Mapping[str, Any], name: str) -> list[list[Any]]:
    return [entry for span in ("last5", "last60") for entry in snapshot[span]["top"][name]]


async def open_alerts(db: asyncpg.Pool) -> dict[str, object]:
    row = await db.fetchrow(queries.open_alerts, NEWEST_ALERTS)
    return {"total": row["total"], "newest": json.loads(row["newest"])}


def _item(counts: list[Any], label: str, detail: str = "", **extra: str | None) -> dict[str, object]:
    _key, up, down, requests = counts
    return {"label": label, "detail": detail, "up": up, "down": down, "requests": requests, **extra}


def present(snapshot: Mapping[str, Any], names: NameBook, alerts: Mapping[str, object]) -> dict[str, object]:
    """The snapshot as the page draws it: each top entry with a label (text only: the page never parses it
    as markup), a placeholder key where there is no name (not signed in, no OPD, no category)."""

    def employee(e: list[Any]) -> dict[str, object]:
        if e[0] == 0:
            return _item(e, "", placeholder="not_signed_in")
        username, full_name, org = names.employees.get(e[0], (f"#{e[0]}", "", ""))
        return _item(e, full_name or username, f"{username} · {org}" if org else username)

    def org(e: list[Any]) -> dict[str, object]:
        if e[0] == 0:
            return _item(e, "", placeholder="no_org")
        code, name = names.orgs.get(e[0], (f"#{e[0]}", ""))
        return _item(e, code, name)

    def category(e: list[Any]) -> dict[str, object]:
        if not e[0]:
            return _item(e, "", placeholder="no_category")
        name_id, name_en = names.categories.get(e[0], (e[0], e[0]))
        return _item(e, name_id, e[0], label_en=name_en)

    shown: dict[str, Callable[[list[Any]], dict[str, object]]] = {
        "employees": employee,
        "orgs": org,
        "hosts": lambda e: _item(e, str(e[0])),
        "categories": category,
    }
    spans = {
        span: {
            **snapshot[span],
            "top": {k: [f(e) for e in snapshot[span]["top"][k]] for k, f in shown.items()},
        }
        for span in ("last5", "last60")
    }
    return {"at": snapshot["at"], "rate": snapshot["rate"], **spans, "alerts": alerts}


# --- the tasks --------------------------------------------------------------------------------------


async def backfill(db: asyncpg.Pool, hub: LiveHub) -> tuple[int, float]:
    """The last hour of usage_events into the window, one 2-second bucket at a time, in one query.
    Returns the rows read and the newest bucket's end."""
    start = datetime.fromtimestamp(hub.clock() - LONG_SECONDS, UTC)
    rows, bucket = 0, -1
    groups: list[UsageGroup] = []

    def add_bucket() -> None:
        if groups:
            hub.window.add(live_feed.summarise_groups(float(bucket), groups, BACKFILL_LIMITS), hub.clock())

    async with db.acquire() as conn, conn.transaction():
        async for row in conn.cursor(queries.backfill, start, FINE_SECONDS, prefetch=5000):
            if row["bucket"] != bucket:
                add_bucket()
                groups, bucket = [], row["bucket"]
            groups.append(UsageGroup(*tuple(row)[1:]))
            rows += 1
    add_bucket()
    return rows, float(bucket + FINE_SECONDS) if rows else 0.0


async def _backfill_once(db: asyncpg.Pool, hub: LiveHub) -> None:
    started, newest = time.perf_counter(), 0.0
    try:
        rows, newest = await backfill(db, hub)
        log.info("live_window_backfilled", rows=rows, seconds=round(time.perf_counter() - started, 3))
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        log.warning("live_backfill_failed", error=str(exc) or type(exc).__name__)  # live from now on
    finally:
        hub.backfilled(newest)


async def listen(database_url: str, db: asyncpg.Pool, hub: LiveHub) -> None:
    """One LISTEN connection for the process, opened again when it is lost; the first time, the backfill."""
    first = True
    while not hub.closed:
        try:
            # asyncpg's own connect: cancelled at shutdown it leaves no connection behind (smedi.db.connect
            # would, between connecting and its session settings, which a LISTEN connection does not need).
            conn = await asyncpg.connect(database_url, timeout=10)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            reason = str(exc) or type(exc).__name__
            log.warning("live_feed_unavailable", target=describe_target(database_url), error=reason)
            await asyncio.sleep(RECONNECT_SECONDS)
            continue
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn, event=lost: event.set())
        try:
            await conn.add_listener(live_feed.CHANNEL, lambda _c, _pid, _channel, payload: hub.hear(payload))
            log.info("live_feed_listening", channel=live_feed.CHANNEL)
            if first:
                first = False
                await _backfill_once(db, hub)
            hub.listening = True
            while not lost.is_set() and not conn.is_closed():
                try:
                    await asyncio.wait_for(lost.wait(), 5.0)
                except TimeoutError:
                    pass
            log.warning("live_feed_lost", retry_seconds=RECONNECT_SECONDS)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("live_feed_failed", error=str(exc) or type(exc).__name__)
        finally:
            hub.listening = False
            if not conn.is_closed():
                conn.terminate()
        if not hub.closed:
            await asyncio.sleep(RECONNECT_SECONDS)


async def tick(hub: LiveHub, db: asyncpg.Pool, names: NameBook, alerts: dict[str, object]) -> None:
    """One snapshot for every stream; names and alerts as far as the database answers in time."""
    now = hub.clock()
    snapshot = hub.window.snapshot(now)
    try:
        async with asyncio.timeout(QUERY_TIMEOUT):
            await names.refresh(db, snapshot, now)
            alerts.update(await open_alerts(db), stale=False)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        if not alerts.get("stale"):
            log.warning("live_tick_database", error=str(exc) or type(exc).__name__)
        alerts["stale"] = True
    hub.publish(present(snapshot, names, alerts))


async def run_ticks(hub: LiveHub, db: asyncpg.Pool) -> None:
    names = NameBook()
    alerts: dict[str, object] = {"total": 0, "newest": [], "stale": True}
    loop = asyncio.get_running_loop()
    while not hub.closed:
        started = loop.time()
        try:
            if hub.streams:
                await tick(hub, db, names, alerts)
            else:  # nobody watches: no snapshot and no queries, but the window moves on
                hub.window.advance(hub.clock())
        except Exception:  # a bug in one tick must not end the dashboard: log it, try the next
            log.exception("live_tick_failed")
        await asyncio.sleep(max(0.05, TICK_SECONDS - (loop.time() - started)))


async def live_dashboard(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the hub, its listener and its ticker for the life of the portal."""
    hub = app[LIVE] = LiveHub()
    database_url = app[SETTINGS].database_url
    assert database_url
    tasks = [
        asyncio.create_task(listen(database_url, app[DB], hub), name="live-listen"),
        asyncio.create_task(run_ticks(hub, app[DB]), name="live-ticks"),
    ]
    yield
    hub.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def end_live_streams(app: web.Application) -> None:
    """on_shutdown: every stream ends now (aiohttp would otherwise wait for them before cleaning up)."""
    app[LIVE].close()
