"""The alert pages through the real portal and database: the list and its filters, an alert's evidence
(hostile hosts escaped), the status flow with notes, and each corrective action audited and undone."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from markupsafe import escape
from pytest_aiohttp import AiohttpServer
from structlog.testing import capture_logs

from accounting.alert_scan import SIGNATURE_HEADER, TIMESTAMP_HEADER, store_findings, verify_signature
from accounting.anomaly import Finding
from admin.alerts import AlertError
from admin.app import create_app
from admin.directory import add_employee, add_org
from admin.i18n import REFUSALS
from smedi.settings import Settings
from tests.admin.conftest import ORG, PASSWORD, NewClient, csrf_token, sign_in
from tests.admin.test_refusals import fields

HOSTILE = '<script>alert("x")</script>.example'
STATUS, ACTION = "/peringatan/status", "/peringatan/tindakan"
START = datetime(2026, 3, 31, 3, tzinfo=UTC)


def finding(employee_id: int, detector: str = "upload_spike", hour: datetime = START) -> Finding:
    evidence = {
        "metric": "bytes_up", "value": 900 * 1024**2, "baseline": {"median": 2_000_000, "spread": 1_000_000,
        "samples": 20}, "score": 42.0, "bytes_down": 3_000_000, "up_down_ratio": 300.0,
        "usual_up_down_ratio": 0.05, "reasons": ["spike", "ratio"], "hour": hour.isoformat(),
        "top_hosts": [{"host": HOSTILE, "requests": 30, "blocked": 0, "bytes_up": 900 * 1024**2,
                       "bytes_down": 3_000_000, "categories": ["<i>kat</i>"]}],
        "chart": {"metric": "bytes_up", "hours": [
            {"hour": (hour + timedelta(hours=i - 6)).isoformat(), "value": 900 * 1024**2 if i == 6 else 0,
             "median": 2_000_000, "upper": 5_000_000} for i in range(12)]},
    }  # fmt: skip
    return Finding(detector, employee_id, hour, hour + timedelta(hours=1), "high", evidence)


@pytest.fixture
async def alert_id(db: asyncpg.Pool, users: dict[str, int]) -> int:
    [new] = await store_findings(db, [finding(users["pegawai"])])
    return new


async def admin_client(new_client: NewClient) -> tuple[TestClient, str]:
    client = await new_client()
    return client, await sign_in(client, "admin")


async def post(client: TestClient, path: str, form: dict[str, str]) -> tuple[int, str]:
    response = await client.post(path, data=form, allow_redirects=False)
    return response.status, await response.text()


async def audit_of(db: asyncpg.Pool, alert: int) -> list[tuple[str, str]]:
    rows = await db.fetch(
        "SELECT action, actor FROM audit_log WHERE details ->> 'alert' = $1 ORDER BY id", str(alert)
    )
    return [(r["action"], r["actor"]) for r in rows]


async def test_the_list_filters_and_the_page_shows_the_evidence_escaped(
    new_client: NewClient, db: asyncpg.Pool, users: dict[str, int], alert_id: int
) -> None:
    await store_findings(db, [finding(users["hr"], "after_hours")])
    client, _token = await admin_client(new_client)
    listing = await (await client.get("/peringatan")).text()
    assert "Lonjakan unggahan" in listing and "Aktivitas di luar jam kerja" in listing
    filtered = await (await client.get("/peringatan", params={"detector": "after_hours"})).text()
    assert "Lonjakan unggahan" not in filtered.split("<tbody>")[1] and "Uji hr" in filtered
    assert "Uji pegawai" not in await (await client.get("/peringatan", params={"status": "resolved"})).text()

    response = await client.get("/peringatan/lihat", params={"id": str(alert_id)})
    page = await response.text()
    assert response.status == 200
    assert HOSTILE not in page and str(escape(HOSTILE)) in page  # attacker-controlled, shown as text
    assert "<i>kat</i>" not in page
    assert "<svg" in page and page.count('<rect class="hour"') == 12  # the chart of the hours around it
    assert "900.0 MB" in page  # the numbers, in the page's units
    assert 'style="' not in page and "<script" not in page.replace(str(escape(HOSTILE)), "")  # CSP-clean
    assert await audit_of(db, alert_id) == [("alert_viewed", "admin")]  # a look at a named employee's traffic


async def test_an_unknown_alert_is_not_found(new_client: NewClient, alert_id: int) -> None:
    client, _token = await admin_client(new_client)
    for raw in ("999999", "abc", "", "-1", str(2**40)):
        assert (await client.get("/peringatan/lihat", params={"id": raw})).status == 404


async def test_the_status_flow_with_notes_audited_and_reversible(
    new_client: NewClient, db: asyncpg.Pool, alert_id: int
) -> None:
    client, token = await admin_client(new_client)
    base = {"csrf_token": token, "id": str(alert_id)}
    assert (await post(client, STATUS, {**base, "expected": "new", "status": "acknowledged"}))[0] == 303
    status, page = await post(client, STATUS, {**base, "expected": "acknowledged", "status": "resolved"})
    assert status == 400 and "tuliskan alasannya" in page  # closing needs a note
    status, page = await post(client, STATUS, {**base, "expected": "new", "status": "resolved", "note": "x"})
    assert status == 400 and "sudah berubah" in page  # another admin moved it meanwhile
    form = {**base, "expected": "acknowledged", "status": "false_positive", "note": "pencadangan <terjadwal>"}
    assert (await post(client, STATUS, form))[0] == 303
    row = await db.fetchrow("SELECT status, note, updated_by FROM alerts WHERE id = $1", alert_id)
    assert dict(row) == {"status": "false_positive", "note": "pencadangan <terjadwal>", "updated_by": "admin"}
    page = await (await client.get("/peringatan/lihat", params={"id": str(alert_id)})).text()
    assert "pencadangan &lt;terjadwal&gt;" in page
    assert (await post(client, STATUS, {**base, "expected": "false_positive", "status": "acknowledged"}))[
        0
    ] == 303
    changes = await db.fetch(
        "SELECT details FROM audit_log WHERE action = 'alert_status_changed' ORDER BY id"
    )
    assert [(json.loads(c["details"])["from"], json.loads(c["details"])["to"]) for c in changes] == [
        ("new", "acknowledged"), ("acknowledged", "false_positive"), ("false_positive", "acknowledged"),
    ]  # fmt: skip


async def test_suspending_and_lifting_the_employees_internet(
    new_client: NewClient, db: asyncpg.Pool, users: dict[str, int], alert_id: int
) -> None:
    client, token = await admin_client(new_client)
    base = {"csrf_token": token, "id": str(alert_id)}
    status, page = await post(client, ACTION, {**base, "action": "suspend", "duration": "9d", "reason": "x"})
    assert status == 400 and "lama:" in page  # at most a week
    form = {**base, "action": "suspend", "duration": "2h", "reason": "unggahan besar <diperiksa>"}
    assert (await post(client, ACTION, form))[0] == 303
    row = await db.fetchrow("SELECT * FROM internet_suspensions")
    assert row["employee_id"] == users["pegawai"] and row["alert_id"] == alert_id
    assert timedelta(minutes=119) < row["ends_at"] - row["starts_at"] <= timedelta(hours=2, seconds=5)
    page = await (await client.get("/peringatan/lihat", params={"id": str(alert_id)})).text()
    assert "ditangguhkan sampai" in page and "unggahan besar &lt;diperiksa&gt;" in page
    assert (await post(client, ACTION, {**base, "action": "lift"}))[0] == 303
    assert await db.fetchval("SELECT lifted_by FROM internet_suspensions") == "admin"
    status, page = await post(client, ACTION, {**base, "action": "lift"})
    assert status == 400 and "tidak sedang ditangguhkan" in page
    assert [a for a, _ in await audit_of(db, alert_id) if a != "alert_viewed"] == [
        "internet_suspended", "internet_suspension_lifted",
    ]  # fmt: skip


async def test_a_quota_a_blocked_domain_and_an_ended_lease_each_audited_and_undone(
    new_client: NewClient, db: asyncpg.Pool, users: dict[str, int], alert_id: int
) -> None:
    client, token = await admin_client(new_client)
    base = {"csrf_token": token, "id": str(alert_id)}
    assert (await post(client, ACTION, {**base, "action": "quota", "period": "day", "limit": "1G"}))[0] == 303
    quota = await db.fetchrow("SELECT id, employee_id, limit_bytes, note FROM quotas")
    assert (quota["employee_id"], quota["limit_bytes"]) == (users["pegawai"], 1024**3)
    assert quota["note"] == f"peringatan #{alert_id}"
    assert (await post(client, ACTION, {**base, "action": "unquota", "quota": str(quota["id"])}))[0] == 303
    assert await db.fetchval("SELECT count(*) FROM quotas") == 0

    assert (await post(client, ACTION, {**base, "action": "block", "domain": "Simpan.Example"}))[0] == 303
    assert await db.fetchval("SELECT reason FROM blocked_domains WHERE domain = 'simpan.example'") == (
        f"peringatan #{alert_id}"
    )
    status, page = await post(client, ACTION, {**base, "action": "block", "domain": HOSTILE})
    assert status == 400 and str(escape(HOSTILE)) in page and HOSTILE not in page
    assert (await post(client, ACTION, {**base, "action": "unblock", "domain": "simpan.example"}))[0] == 303
    assert await db.fetchval("SELECT count(*) FROM blocked_domains") == 0

    status, page = await post(client, ACTION, {**base, "action": "end_lease"})
    assert status == 400 and "tidak punya sesi perangkat" in page
    await db.execute(
        "INSERT INTO client_leases (client_ip, employee_id, expires_at) "
        "VALUES ('10.20.0.7', $1, now() + '1h')",
        users["pegawai"],
    )
    assert (await post(client, ACTION, {**base, "action": "end_lease"}))[0] == 303
    assert await db.fetchval("SELECT count(*) FROM client_leases") == 0
    assert [a for a, _ in await audit_of(db, alert_id) if a != "alert_viewed"] == [
        "alert_quota_applied", "alert_quota_removed", "domain_blocked", "domain_unblocked", "lease_ended",
    ]  # fmt: skip
    assert (
        await db.fetchval("SELECT count(*) FROM audit_log WHERE action IN ('quota_added', 'quota_removed')")
        == 2
    )


async def test_an_inspector_reads_within_their_scope_and_cannot_act(
    new_client: NewClient, db: asyncpg.Pool, users: dict[str, int], alert_id: int
) -> None:
    await add_employee(db, "inspektur", PASSWORD, org=ORG, full_name="Uji inspektur", roles=("inspector",))
    other = await add_org(db, "DISDIK", "Dinas Pendidikan")
    await add_employee(db, "inspektur2", PASSWORD, org="DISDIK", full_name="Uji lain", roles=("inspector",))
    await db.execute("UPDATE employees SET scope_org_unit_id = $1 WHERE username = 'inspektur2'", other)

    inspector = await new_client()
    token = await sign_in(inspector, "inspektur")
    page = await (await inspector.get("/peringatan/lihat", params={"id": str(alert_id)})).text()
    assert "Anda hanya dapat membaca peringatan" in page and ACTION not in page and STATUS not in page
    form = {"csrf_token": token, "id": str(alert_id), "expected": "new", "status": "acknowledged"}
    assert (await post(inspector, STATUS, form))[0] == 403
    assert (await db.fetch("SELECT actor FROM audit_log WHERE action = 'alert_viewed'"))[0][
        "actor"
    ] == "inspektur"

    outsider = await new_client()
    await sign_in(outsider, "inspektur2")
    assert (await outsider.get("/peringatan/lihat", params={"id": str(alert_id)})).status == 404
    assert "Uji pegawai" not in await (await outsider.get("/peringatan")).text()

    hr = await new_client()
    await sign_in(hr, "hr")
    assert (await hr.get("/peringatan")).status == 403


async def test_the_pages_in_english(new_client: NewClient, alert_id: int) -> None:
    client, token = await admin_client(new_client)
    await client.post("/bahasa", data={"csrf_token": token, "lang": "en", "next": "/peringatan"})
    assert "Upload spike" in await (await client.get("/peringatan")).text()
    page = await (await client.get("/peringatan/lihat", params={"id": str(alert_id)})).text()
    assert "Evidence" in page and "Suspend internet" in page
    assert await csrf_token(client, "/peringatan")


def test_every_alert_refusal_has_its_indonesian_with_the_same_fields() -> None:
    for key, english in AlertError.MESSAGES.items():
        assert fields(REFUSALS[key]) == fields(english), key


async def test_the_portal_posts_new_alerts_to_the_webhook_by_itself(
    settings: Settings, db: asyncpg.Pool, users: dict[str, int], aiohttp_server: AiohttpServer
) -> None:
    received: list[tuple[dict[str, str], bytes]] = []

    async def receive(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        return web.Response(status=204)

    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    hook = await aiohttp_server(receiver)
    [alert] = await store_findings(db, [finding(users["pegawai"])])
    secret = "rahasia-portal-uji"
    configured = dataclasses.replace(
        settings, alert_webhook_url=str(hook.make_url("/hook")), alert_webhook_secret=secret
    )
    with capture_logs() as logs:
        portal = await aiohttp_server(create_app(configured))
        for _ in range(100):  # the webhook's first round runs as the portal starts
            if received:
                break
            await asyncio.sleep(0.05)
        await portal.close()
    assert len(received) == 1
    headers, body = received[0]
    assert verify_signature(secret, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert json.loads(body)["id"] == alert
    assert (
        secret not in repr(logs)
        and {"event": "alert_webhook_enabled", "host": "127.0.0.1", "log_level": "info"} in logs
    )
