"""The live dashboard over real HTTP on a real PostgreSQL: usage committed by the real writer reaches the
event stream (NOTIFY usage_live → LISTEN → window → snapshot), the backfill finds what came before, only
admins of the whole city get in, and hostile host names arrive as data."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient, AiohttpServer

from accounting.records import UsageRecord
from accounting.writer import UsageWriter
from admin.app import create_app
from admin.live import LIVE
from smedi.settings import Settings
from tests.admin.conftest import ORG, NewClient, csrf_token, sign_in

STREAM = "/api/v1/live"
HOSTILE_HOST = '"><img src=x onerror=alert(1)><script>alert(2)</script>.evil.test'
MAX_EVENTS = 40  # a snapshot comes every second: the stream is read this many events at most, not timed
JS = Path(__file__).parents[3] / "admin" / "static" / "dashboard.js"


def usage(
    employee: int | None, org: int | None, host: str, *, down: int, decision: str = "allow", ago: float = 0
) -> UsageRecord:
    return UsageRecord(
        datetime.now(UTC) - timedelta(seconds=ago), employee, org, ipaddress.ip_address("198.18.0.7"), host,
        "https", "GET", 200, decision, "", "", 400, down, 0, 0, 3,
    )  # fmt: skip


async def write(db: asyncpg.Pool, records: list[UsageRecord]) -> None:
    """Through the writer the proxy runs: COPY and rollups in one transaction, then the NOTIFY."""
    writer = UsageWriter(db, Settings().tz)
    for record in records:
        writer.submit(record)
    assert await writer.flush()


async def next_event(response: aiohttp.ClientResponse) -> dict[str, str] | None:
    """One server-sent event as its fields ('comment' for a heartbeat); None at the end of the stream."""
    fields: dict[str, str] = {}
    while True:
        line = await response.content.readline()
        if not line:
            return None
        text = line.decode().rstrip("\r\n")
        if not text:
            if fields:
                return fields
            continue
        if text.startswith(":"):
            fields["comment"] = text[1:].strip()
            continue
        name, _, value = text.partition(":")
        fields[name] = fields.get(name, "") + value.removeprefix(" ")


async def snapshot_where(
    response: aiohttp.ClientResponse, wanted: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    seen = []
    for _ in range(MAX_EVENTS):
        event = await next_event(response)
        assert event is not None, "the stream ended"
        if event.get("event") == "snapshot":
            snapshot = json.loads(event["data"])
            if wanted(snapshot):
                return snapshot
            seen.append(snapshot)
    raise AssertionError(f"no such snapshot in {MAX_EVENTS} events; the last: {seen[-1:]!r:.2000}")


async def listening(app: web.Application) -> None:
    """The portal's LISTEN is on and its backfill done (polled: a batch committed before would be lost)."""
    for _ in range(400):
        if LIVE in app and app[LIVE].listening:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the live feed never started listening")


def hosts(snapshot: dict[str, Any], span: str = "last5") -> list[str]:
    return [entry["label"] for entry in snapshot[span]["top"]["hosts"]]


async def org_of(db: asyncpg.Pool, employee: int) -> int:
    return await db.fetchval("SELECT org_unit_id FROM employees WHERE id = $1", employee)


async def test_usage_committed_by_the_writer_appears_in_the_stream(
    app: web.Application, client: TestClient, db: asyncpg.Pool, users: dict[str, int]
) -> None:
    await sign_in(client, "admin")
    response = await client.get(STREAM)
    assert response.status == 200
    assert response.content_type == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    await listening(app)
    pegawai = users["pegawai"]
    org = await org_of(db, pegawai)
    await write(
        db,
        [
            usage(pegawai, org, HOSTILE_HOST, down=5_000_000),
            usage(pegawai, org, "judi.test", down=2_400, decision="block"),
            usage(None, None, "news.test", down=180, decision="auth_required"),
        ],
    )
    snapshot = await snapshot_where(response, lambda s: HOSTILE_HOST in hosts(s))
    view = snapshot["last5"]
    assert hosts(snapshot) == [HOSTILE_HOST, "judi.test", "news.test"]  # as it was, a string: data
    assert (view["requests"], view["blocked"], view["bytes_down"]) == (3, 1, 5_002_580)
    assert view["active_employees"] == 1  # the one signed in
    assert view["top"]["employees"][0] | {"up": 0} == {
        "label": "Uji pegawai", "detail": f"pegawai · {ORG}", "up": 0, "down": 5_002_400, "requests": 2,
    }  # fmt: skip
    assert view["top"]["employees"][1]["placeholder"] == "not_signed_in"
    assert [o["label"] for o in view["top"]["orgs"]] == [ORG, ""]
    assert view["top"]["categories"][0]["placeholder"] == "no_category"
    assert snapshot["last60"]["bytes_down"] == 5_002_580
    assert snapshot["alerts"] == {"total": 0, "newest": [], "stale": False}
    response.close()
    watched = await db.fetch("SELECT actor, action FROM audit_log WHERE action = 'live_dashboard_watched'")
    assert [tuple(r) for r in watched] == [("admin", "live_dashboard_watched")]


async def test_open_alerts_are_counted_with_the_newest(
    client: TestClient, db: asyncpg.Pool, users: dict[str, int]
) -> None:
    for detector, status in [
        ("volume_spike", "new"),
        ("upload_spike", "acknowledged"),
        ("burst", "resolved"),
    ]:
        await db.execute(
            "INSERT INTO alerts (detector, employee_id, severity, status, window_start, window_end) "
            "VALUES ($1, $2, 'high', $3, now() - interval '1 hour', now())",
            detector, users["pegawai"], status,
        )  # fmt: skip
    await sign_in(client, "admin")
    response = await client.get(STREAM)
    snapshot = await snapshot_where(response, lambda s: s["alerts"]["total"] > 0)
    assert snapshot["alerts"]["total"] == 2
    assert {a["detector"] for a in snapshot["alerts"]["newest"]} == {"volume_spike", "upload_spike"}
    assert {a["username"] for a in snapshot["alerts"]["newest"]} == {"pegawai"}
    response.close()


async def test_the_last_hour_is_backfilled_when_the_portal_starts(
    settings: Settings, aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, db: asyncpg.Pool,
    users: dict[str, int],
) -> None:  # fmt: skip
    pegawai = users["pegawai"]
    org = await org_of(db, pegawai)
    await write(
        db,
        [
            usage(pegawai, org, "earlier.test", down=70_000, ago=20 * 60),  # in the hour, not the 5 minutes
            usage(pegawai, org, "recent.test", down=9_000, ago=60),
            usage(pegawai, org, "yesterday.test", down=1, ago=2 * 3600),  # before the hour: not shown
        ],
    )
    client = await aiohttp_client(await aiohttp_server(create_app(settings)))
    await sign_in(client, "admin")
    response = await client.get(STREAM)
    snapshot = await snapshot_where(response, lambda s: "earlier.test" in hosts(s, "last60"))
    assert hosts(snapshot, "last60") == ["earlier.test", "recent.test"]
    assert hosts(snapshot, "last5") == ["recent.test"]
    assert snapshot["last60"]["bytes_down"] == 79_000
    response.close()


async def test_every_stream_gets_the_same_snapshot_of_a_tick(
    app: web.Application, new_client: NewClient, users: dict[str, int]
) -> None:
    responses = []
    for _ in range(3):
        client = await new_client()
        await sign_in(client, "admin")
        responses.append(await client.get(STREAM))
    by_id: dict[str, set[str]] = {}
    for response in responses:
        for _ in range(4):
            event = await next_event(response)
            assert event is not None
            if event.get("event") == "snapshot":
                by_id.setdefault(event["id"], set()).add(event["data"])
    assert by_id and all(len(data) == 1 for data in by_id.values())  # one computation, copied to each
    assert app[LIVE].streams == 3
    for response in responses:
        response.close()
    for _ in range(400):  # each stream ends at its next write after the client went away
        if app[LIVE].streams == 0:
            break
        await asyncio.sleep(0.025)
    assert app[LIVE].streams == 0


async def test_streams_end_cleanly_when_the_portal_shuts_down(
    settings: Settings, aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, users: dict[str, int]
) -> None:
    server = await aiohttp_server(create_app(settings))
    client = await aiohttp_client(server)
    await sign_in(client, "admin")
    response = await client.get(STREAM)
    await snapshot_where(response, lambda _snapshot: True)
    await server.close()  # would wait for open requests: the hub closes first (on_shutdown)
    events = []
    while (event := await next_event(response)) is not None:
        events.append(event)
    assert events[-1] == {"event": "end", "data": "{}"}


async def test_only_admins_of_the_whole_city_may_watch(
    new_client: NewClient, db: asyncpg.Pool, users: dict[str, int]
) -> None:
    anonymous = await new_client()
    refused = await anonymous.get(STREAM)
    assert refused.status == 401 and (await refused.json())["error"]["code"] == "unauthorized"
    hr = await new_client()
    await sign_in(hr, "hr")
    for path in (STREAM, "/dasbor"):
        assert (await hr.get(path)).status == 403
    assert (await (await hr.get(STREAM)).json())["error"]["code"] == "forbidden"
    await db.execute("UPDATE employees SET scope_org_unit_id = org_unit_id WHERE username = 'admin'")
    scoped = await new_client()
    await sign_in(scoped, "admin")
    page = await scoped.get("/dasbor")
    assert page.status == 403 and "whole city" in await page.text()
    stream = await scoped.get(STREAM)
    assert stream.status == 403 and "whole city" in (await stream.json())["error"]["message"]


async def test_the_page_has_the_elements_the_script_fills_and_no_traffic_in_its_markup(
    app: web.Application, client: TestClient, db: asyncpg.Pool, users: dict[str, int]
) -> None:
    await listening(app)
    await write(db, [usage(users["pegawai"], None, HOSTILE_HOST, down=10)])
    await sign_in(client, "admin")
    page = await client.get("/dasbor")
    html = await page.text()
    assert page.status == 200
    assert "Dasbor langsung" in html and 'lang="id"' in html
    for element in [
        "dashboard-status", "dashboard-updated", "rate-in", "rate-out", "active-5", "active-60", "blocked-5",
        "blocked-60", "alerts-open", "alerts-newest", "chart-5", "chart-60",
        *(f"top-{span}-{name}" for span in (5, 60) for name in ("orgs", "employees", "hosts", "categories")),
    ]:  # fmt: skip
        assert f'id="{element}"' in html, element
    assert '<script src="/static/dashboard.js" defer></script>' in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline script (CSP: 'self' only)
    assert " style=" not in html
    assert "evil.test" not in html  # traffic reaches the page only through the stream, as data
    assert (await client.get("/static/dashboard.js")).status == 200
    english = await client.post(
        "/bahasa", data={"csrf_token": await csrf_token(client, "/ca"), "lang": "en", "next": "/"}
    )
    assert english.status == 200
    assert "Live dashboard" in await (await client.get("/dasbor")).text()


def test_the_script_inserts_text_never_markup() -> None:
    script = JS.read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("):
        assert sink not in script, sink
    assert "textContent" in script
