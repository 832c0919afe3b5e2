"""Byte quotas: a notice once at 80 %, the quota page at 100 %, from what every proxy has billed.

The use comes from accounting/quota_use.py: this process's own rows at once, other processes' rows
once their writer commits and this follower reads them (every FOLLOW_SECONDS)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog
from mitmproxy import http, tls
from mitmproxy.proxy import server_hooks

from accounting.periods import PERIODS, period_start, resets_at
from accounting.quota_use import NOTICE_SHARE, Quota, QuotaCheck, QuotaUse
from admin.i18n import human_bytes
from proxy_addons.live import LiveState
from proxy_addons.pages import _HTML, _SECURITY_HEADERS, render
from proxy_addons.policy import LANG_PARAM
from proxy_addons.snapshots import Decision, Employee
from proxy_addons.url_params import take_param, with_param
from smedi.sql import load_queries

log = structlog.get_logger(__name__)
queries = load_queries("quota_use")

FOLLOW_SECONDS = 1.0
LATE_COMMIT_MARGIN = timedelta(seconds=30)  # a writer's transaction is never open this long (timeout 15 s)
PERIOD_NAMES = {"day": ("hari", "day"), "week": ("minggu", "week"), "month": ("bulan", "month")}


@dataclass(frozen=True)
class QuotaPage:
    exceeded: bool
    url: str
    what_id: str
    what_en: str
    period_id: str
    period_en: str
    used: str
    limit: str
    percent: int
    resets_at: datetime  # local
    at: datetime  # local
    portal_url: str
    lang: str = "id"
    other_language_url: str = ""


def _what(quota: Quota) -> tuple[str, str]:
    if quota.scope == "org":
        return "kuota bersama OPD Anda", "your OPD's shared quota"
    if quota.scope == "category":
        return f"kuota kategori {quota.category}", f"the quota for the {quota.category} category"
    return "kuota Anda", "your quota"


def _navigation(flow: http.HTTPFlow) -> bool:
    """A page the employee opened, not an image or a script: where a notice can be read and continued."""
    request = flow.request
    if request.method != "GET":
        return False
    dest = request.headers.get("Sec-Fetch-Dest")
    if dest is not None:
        return dest == "document"
    return "text/html" in request.headers.get("Accept", "")


class Quotas:
    def __init__(
        self,
        state: LiveState,
        use: QuotaUse,
        pool: asyncpg.Pool,
        tunnels: dict[str, tuple[Decision, Employee | None]],
        portal_url: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.state = state
        self.use = use
        self.pool = pool
        self.tunnels = tunnels  # the policy's ClientHello decisions; a refusal here is recorded there
        self.portal_url = portal_url
        self.clock = clock
        self._noticed: set[tuple[int, int, object]] = set()  # (quota, employee, period start)
        self._refused: set[str] = set()  # client ids of tunnels refused for quota
        self._task: asyncio.Task[None] | None = None
        self._watermark = datetime(1970, 1, 1, tzinfo=UTC)  # the first read takes every current period

    # -- lifecycle

    async def running(self) -> None:
        self._task = asyncio.create_task(self._follow())

    async def done(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _follow(self) -> None:
        while True:
            try:
                await self.refresh()
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("quota_follow_failed", error=str(exc) or type(exc).__name__)
            await asyncio.sleep(FOLLOW_SECONDS)

    async def refresh(self) -> None:
        """Read the quotas (when the policy changed) and the daily totals changed since the last read."""
        self.use.quotas = self.state.quotas
        self.use.org_paths = self.state.org_paths
        today = self.clock().astimezone(self.use.tz).date()
        first = min(period_start(p, today) for p in PERIODS)
        commits = self.use.commits
        async with asyncio.timeout(10):
            rows = await self.pool.fetch(queries.totals_since, first, self._watermark - LATE_COMMIT_MARGIN)
        if self.use.commits != commits:
            return  # our writer committed while we read: this read may lack it; the next one will not
        self.use.apply_totals(
            (r["day"], r["employee_id"], r["org_unit_id"], r["category"], r["bytes"]) for r in rows
        )
        if rows:
            self._watermark = max(self._watermark, max(r["updated_at"] for r in rows))
        self.use.forget_before(first)

    # -- decisions

    def _checks(self, employee: Employee, category: str) -> list[QuotaCheck]:
        if not self.use.quotas:
            return []
        return self.use.checks(employee.id, employee.requester.org_path, category, self.clock())

    async def requestheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response or flow.error:
            return  # an earlier addon already answered
        employee: Employee | None = flow.metadata.get("employee")
        decision: Decision | None = flow.metadata.get("decision")
        if employee is None:
            return
        checks = self._checks(employee, decision.category if decision else "")
        if not checks:
            return
        worst = max(checks, key=lambda c: c.share)
        if worst.exceeded:
            flow.metadata["quota_answer"] = "quota"
            flow.response = self._page(flow, worst, exceeded=True, status=403)
            log.info("quota_exceeded", employee=employee.username, quota=worst.quota.id, used=worst.used)
            return
        if worst.share >= NOTICE_SHARE and _navigation(flow) and await self._first_notice(employee, worst):
            flow.metadata["quota_answer"] = "notice"
            flow.response = self._page(flow, worst, exceeded=False, status=200)
            log.info("quota_notice_shown", employee=employee.username, quota=worst.quota.id, used=worst.used)

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        """A tunnel relayed undecrypted cannot show a page: over quota, it is refused before connecting."""
        client = data.context.client
        tunnel = self.tunnels.get(client.id)
        if tunnel is None or tunnel[0].action != "passthrough":
            return
        decision, employee = tunnel
        if employee is not None and any(c.exceeded for c in self._checks(employee, decision.category)):
            self._refused.add(client.id)
            self.tunnels[client.id] = (replace(decision, action="quota"), employee)
            log.info("quota_exceeded", employee=employee.username, host=decision.host, tunnel=True)

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        if data.client.id in self._refused:
            data.server.error = "refused: quota used up"

    def client_disconnected(self, client: object) -> None:
        self._refused.discard(getattr(client, "id", ""))

    def over_quota(self, employee: Employee | None, category: str, unbilled: int = 0) -> bool:
        """For accounting: a transfer still running when its quota runs out (counting what it moved that
        is not in a row yet) is cut."""
        if employee is None:
            return False
        return any(c.used + unbilled >= c.quota.limit_bytes for c in self._checks(employee, category))

    async def _first_notice(self, employee: Employee, check: QuotaCheck) -> bool:
        """Shown once per employee, quota and period, across proxy processes (quota_notices)."""
        key = (check.quota.id, employee.id, check.period_start)
        if key in self._noticed:
            return False
        self._noticed.add(key)
        try:
            async with asyncio.timeout(2):
                return bool(await self.pool.fetchval(queries.claim_notice, *key))
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("quota_notice_not_recorded", error=str(exc) or type(exc).__name__)
            return True  # shown once by this process at least

    def _page(self, flow: http.HTTPFlow, check: QuotaCheck, *, exceeded: bool, status: int) -> http.Response:
        tz = self.use.tz
        now = self.clock()
        url, lang = take_param(flow.request.pretty_url, LANG_PARAM)
        lang = "en" if lang == "en" else "id"
        what_id, what_en = _what(check.quota)
        period_id, period_en = PERIOD_NAMES[check.quota.period]
        page = QuotaPage(
            exceeded=exceeded, url=url, what_id=what_id, what_en=what_en, period_id=period_id,
            period_en=period_en, used=human_bytes(check.used), limit=human_bytes(check.quota.limit_bytes),
            percent=min(100, int(check.share * 100)),
            resets_at=resets_at(check.quota.period, now, tz).astimezone(tz),
            at=now.astimezone(tz), portal_url=self.portal_url, lang=lang,
            other_language_url=with_param(url, LANG_PARAM, "id" if lang == "en" else "en"),
        )  # fmt: skip
        return http.Response.make(
            status, render("quota.html", page=page), {"Content-Type": _HTML, **_SECURITY_HEADERS}
        )
