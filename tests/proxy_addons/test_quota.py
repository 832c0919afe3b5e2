"""The quota addon on mitmproxy's test flows: a notice once at 80 % (pages only), the quota page at 100 %,
tunnels refused, the period's reset at local midnight (injected clock); notices recorded in PostgreSQL."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import asyncpg
from mitmproxy import connection
from mitmproxy.proxy import context, server_hooks
from mitmproxy.test import taddons, tflow
from mitmproxy.tls import ClientHello, ClientHelloData

from accounting.quota_use import Quota, QuotaUse
from accounting.records import UsageRecord
from proxy_addons.quota import Quotas
from proxy_addons.rules import Requester
from proxy_addons.snapshots import Decision, Employee
from tests.proxy_addons.test_addons import client_hello_bytes

JAKARTA = ZoneInfo("Asia/Jakarta")
NOON = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # 12:00 in Jakarta


async def setup(db: asyncpg.Pool, limit: int = 10_000) -> tuple[Employee, Quota]:
    org = await db.fetchval("INSERT INTO org_units (code, name) VALUES ('DISKOMINFO', 'D') RETURNING id")
    eid = await db.fetchval(
        "INSERT INTO employees (username, password_hash, org_unit_id) VALUES ('budi', 'x', $1) RETURNING id",
        org,
    )
    qid = await db.fetchval(
        "INSERT INTO quotas (scope, employee_id, period, limit_bytes) "
        "VALUES ('employee', $1, 'day', $2) RETURNING id",
        eid,
        limit,
    )
    return Employee(eid, "budi", org, "DISKOMINFO", Requester(eid, (org,))), Quota(
        qid, "employee", "day", limit, employee_id=eid
    )


def addon(db: asyncpg.Pool, quota: Quota, clock: list[datetime]) -> Quotas:
    use = QuotaUse(JAKARTA)
    state = SimpleNamespace(quotas=(quota,), org_paths={})
    use.quotas = state.quotas
    return Quotas(state, use, db, {}, "http://portal.test", clock=lambda: clock[0])  # type: ignore[arg-type]


def spend(quotas: Quotas, employee: Employee, amount: int, at: datetime) -> None:
    ip = ipaddress.ip_address("127.0.0.1")
    record = UsageRecord(at, employee.id, employee.org_unit_id, ip, "news.test", "http", "GET", 200, "allow",
                         "", "", 0, amount, 0, amount, 1)  # fmt: skip
    quotas.use.add_local(record)


def page_flow(
    employee: Employee, accept: str = "text/html,application/xhtml+xml", dest: str | None = None
) -> tflow.HTTPFlow:
    f = tflow.tflow()
    f.request.host, f.request.port, f.request.path = "news.test", 80, "/berita?id=1"
    f.request.headers["Accept"] = accept
    if dest:
        f.request.headers["Sec-Fetch-Dest"] = dest
    f.metadata["employee"] = employee
    f.metadata["decision"] = Decision("news.test")
    return f


async def test_notice_once_at_80_percent_then_the_quota_page_at_100(db: asyncpg.Pool) -> None:
    employee, quota = await setup(db)
    clock = [NOON]
    quotas = addon(db, quota, clock)
    with taddons.context(quotas):
        spend(quotas, employee, 7_900, NOON)
        f = page_flow(employee)
        await quotas.requestheaders(f)
        assert f.response is None  # 79 %
        spend(quotas, employee, 200, NOON)
        image = page_flow(employee, accept="image/avif,image/webp", dest="image")
        await quotas.requestheaders(image)
        assert image.response is None  # an image cannot show a notice: it waits for a page
        f = page_flow(employee)
        await quotas.requestheaders(f)
        assert f.response.status_code == 200 and f.metadata["quota_answer"] == "notice"
        text = f.response.content.decode()
        assert "Kuota Anda hampir habis" in text and "81 %" in text and "Lanjutkan ke situs" in text
        assert "http://news.test/berita?id=1" in text and "smedi_bahasa=en" in text
        again = page_flow(employee)
        await quotas.requestheaders(again)
        assert again.response is None  # once: continuing works
        assert await db.fetchval("SELECT count(*) FROM quota_notices") == 1

        spend(quotas, employee, 2_000, NOON)
        blocked = page_flow(employee)
        blocked.request.path = "/berita?id=2&smedi_bahasa=en"
        await quotas.requestheaders(blocked)
        assert blocked.response.status_code == 403 and blocked.metadata["quota_answer"] == "quota"
        text = blocked.response.content.decode()
        assert "Your internet quota is used up" in text and "03-12-2026 00:00 WIB" in text

        clock[0] = datetime(2026, 12, 2, 17, 0, 1, tzinfo=UTC)  # one second past midnight in Jakarta
        tomorrow = page_flow(employee)
        await quotas.requestheaders(tomorrow)
        assert tomorrow.response is None  # a new day, a new quota


async def test_another_process_already_showed_the_notice(db: asyncpg.Pool) -> None:
    employee, quota = await setup(db)
    await db.execute(
        "INSERT INTO quota_notices (quota_id, employee_id, period_start) VALUES ($1, $2, '2026-12-02')",
        quota.id,
        employee.id,
    )
    quotas = addon(db, quota, [NOON])
    with taddons.context(quotas):
        spend(quotas, employee, 9_000, NOON)
        f = page_flow(employee)
        await quotas.requestheaders(f)
        assert f.response is None


async def test_a_tunnel_over_quota_is_refused_before_connecting(db: asyncpg.Pool) -> None:
    employee, quota = await setup(db)
    quotas = addon(db, quota, [NOON])
    with taddons.context(quotas) as tctx:
        spend(quotas, employee, 10_000, NOON)
        client = connection.Client(
            peername=("127.0.0.1", 5000), sockname=("127.0.0.1", 8080), timestamp_start=0
        )
        quotas.tunnels[client.id] = (Decision("bank.test", "passthrough", "rule:1"), employee)
        data = ClientHelloData(
            context.Context(client, tctx.options), ClientHello(client_hello_bytes("bank.test"))
        )
        quotas.tls_clienthello(data)
        assert quotas.tunnels[client.id][0].action == "quota"
        server = connection.Server(address=("bank.test", 443))
        quotas.server_connect(server_hooks.ServerConnectionHookData(server, client))
        assert server.error == "refused: quota used up"
        assert quotas.over_quota(employee, "") and not quotas.over_quota(None, "")


async def test_the_follower_reads_other_processes_totals(db: asyncpg.Pool) -> None:
    employee, quota = await setup(db)
    quotas = addon(db, quota, [datetime.now(UTC)])
    today = datetime.now(JAKARTA).date()
    await db.execute(
        "INSERT INTO usage_daily_totals (day, employee_id, org_unit_id, bytes_up, bytes_down) "
        "VALUES ($1, $2, $3, 100, 5000)",
        today,
        employee.id,
        employee.org_unit_id,
    )
    await quotas.refresh()
    (check,) = quotas.use.checks(employee.id, (employee.org_unit_id,), "", datetime.now(UTC))
    assert check.used == 5100
    await db.execute("UPDATE usage_daily_totals SET bytes_down = 9000, updated_at = clock_timestamp()")
    await quotas.refresh()
    (check,) = quotas.use.checks(
        employee.id, (employee.org_unit_id,), "", datetime.now(UTC) + timedelta(seconds=1)
    )
    assert check.used == 9100
