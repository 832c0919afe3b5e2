"""The audit log page: admins and inspectors; filters by actor, action, target and local time; newest first,
paged; whether the chain verifies; an inspector of one OPD sees their OPD's people only; all escaped."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlencode

import asyncpg
import pytest

from admin import audit
from admin.access import set_scope
from admin.directory import add_employee, add_org
from smedi.settings import Settings
from tests.admin.conftest import PASSWORD, NewClient, signed_in_client

HOSTILE = "<script>alert(1)</script>"
ENTRY = re.compile(r'<tr id="entry-([0-9]+)">')


def entry_ids(html: str) -> list[int]:
    return [int(found) for found in ENTRY.findall(html)]


@pytest.fixture
async def people(db: asyncpg.Pool, users: dict[str, int]) -> dict[str, int]:
    """An inspector of DINKES (indah), a city inspector (ina), a doctor in DINKES; entries about them."""
    await add_org(db, "DINKES", "Dinas Kesehatan")
    ids = dict(users)
    ids["dokter"] = await add_employee(db, "dokter", PASSWORD, org="DINKES")
    ids["ina"] = await add_employee(db, "ina", PASSWORD, org="DISKOMINFO", roles=("inspector",))
    ids["indah"] = await add_employee(db, "indah", PASSWORD, org="DINKES", roles=("inspector",))
    async with db.acquire() as conn:
        await set_scope(conn, "indah", "DINKES", "cli:uji")
    await audit.record(db, "admin", "quota_added", "dokter", {"limit_bytes": 1024})
    await audit.record(db, "admin", "domain_blocked", "judi.test", {"reason": HOSTILE})
    await audit.record(db, "admin", "quota_added", "pegawai", {"note": "uji"})
    return ids


async def test_admins_see_every_entry_newest_first_escaped_with_the_chain_intact(
    new_client: NewClient, db: asyncpg.Pool, people: dict[str, int]
) -> None:
    client = await signed_in_client(new_client, "admin")
    response = await client.get("/audit")
    html = await response.text()
    assert response.status == 200, html
    ids = entry_ids(html)
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == await db.fetchval("SELECT count(*) FROM audit_log")
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'data-chain="intact"' in html and f"{len(ids)} entri terverifikasi" in html


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"tindakan": "quota_added"}, [("quota_added", "pegawai"), ("quota_added", "dokter")]),
        ({"sasaran": "judi.test"}, [("domain_blocked", "judi.test")]),
        ({"pelaku": "cli:uji"}, [("employee_scope_changed", "indah")]),
        ({"pelaku": "admin", "tindakan": "quota_added", "sasaran": "dokter"}, [("quota_added", "dokter")]),
        ({"pelaku": "nobody"}, []),
    ],
)
async def test_filters_by_actor_action_and_target(
    new_client: NewClient, db: asyncpg.Pool, people: dict[str, int], filters: dict[str, str],
    expected: list[tuple[str, str]],
) -> None:  # fmt: skip
    client = await signed_in_client(new_client, "admin")
    html = await (await client.get(f"/audit?{urlencode(filters)}")).text()
    found = await db.fetch("SELECT id, action, target FROM audit_log ORDER BY id DESC")
    shown = {r["id"]: (r["action"], r["target"]) for r in found}
    assert [shown[i] for i in entry_ids(html)] == expected
    if not expected:
        assert "Tidak ada entri yang cocok." in html


async def test_a_time_range_in_local_time(
    new_client: NewClient, people: dict[str, int], settings: Settings
) -> None:
    client = await signed_in_client(new_client, "admin")
    now = datetime.now(settings.tz)
    around = {"dari": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
              "sampai": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}  # fmt: skip
    assert entry_ids(await (await client.get(f"/audit?{urlencode(around)}")).text())
    later = {"dari": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}
    assert entry_ids(await (await client.get(f"/audit?{urlencode(later)}")).text()) == []
    earlier = {"sampai": (now - timedelta(days=1)).strftime("%Y-%m-%d")}  # a day: up to its end
    assert entry_ids(await (await client.get(f"/audit?{urlencode(earlier)}")).text()) == []
    today = {"dari": now.strftime("%Y-%m-%d"), "sampai": now.strftime("%Y-%m-%d")}
    assert entry_ids(await (await client.get(f"/audit?{urlencode(today)}")).text())


async def test_pages_of_fifty_with_a_link_to_the_older_ones_keeping_the_filters(
    new_client: NewClient, db: asyncpg.Pool, people: dict[str, int]
) -> None:
    for i in range(60):
        await audit.record(db, "admin", "rule_added", str(i))
    client = await signed_in_client(new_client, "admin")
    first = await (await client.get("/audit?tindakan=rule_added")).text()
    ids = entry_ids(first)
    assert len(ids) == 50
    older = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert older is not None
    link = older.group(1).replace("&amp;", "&")
    assert "tindakan=rule_added" in link and f"sebelum={ids[-1]}" in link
    second = await (await client.get(link)).text()
    rest = entry_ids(second)
    assert len(rest) == 10 and max(rest) < min(ids)
    assert 'rel="next"' not in second and "/audit?" in second  # a link back to the newest


async def test_a_broken_chain_is_shown_with_its_entry(
    new_client: NewClient, db: asyncpg.Pool, people: dict[str, int]
) -> None:
    edited = await db.fetchval("SELECT id FROM audit_log WHERE action = 'domain_blocked'")
    await db.execute("UPDATE audit_log SET target = 'bukan-judi.test' WHERE id = $1", edited)
    client = await signed_in_client(new_client, "admin")
    html = await (await client.get("/audit")).text()
    assert 'data-chain="broken"' in html and f"RUSAK pada entri {edited}" in html


async def test_an_inspector_of_one_opd_sees_the_entries_about_its_people_only(
    new_client: NewClient, db: asyncpg.Pool, people: dict[str, int]
) -> None:
    client = await signed_in_client(new_client, "indah")
    html = await (await client.get("/audit")).text()
    found = await db.fetch("SELECT id, actor, target FROM audit_log")
    shown = {r["id"]: (r["actor"], r["target"]) for r in found}
    visible = [shown[i] for i in entry_ids(html)]
    assert ("admin", "dokter") in visible and ("indah", "indah") in visible  # indah's own sign-in
    assert all("dokter" in who or "indah" in who for who in visible), visible
    city = await signed_in_client(new_client, "ina")
    assert len(entry_ids(await (await city.get("/audit")).text())) == len(found) + 1  # + ina's sign-in


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("dari=kemarin", "dari: harus berupa waktu"),
        ("sebelum=abc", "sebelum: harus bilangan bulat positif"),
        (f"pelaku={'x' * 201}", "pelaku: lebih dari 200 karakter"),
        ("sasaran=%07", "sasaran: memuat karakter kendali"),
    ],
)
async def test_a_filter_that_cannot_be_read_is_refused(
    new_client: NewClient, people: dict[str, int], query: str, message: str
) -> None:
    client = await signed_in_client(new_client, "admin")
    response = await client.get(f"/audit?{query}")
    assert response.status == 400 and message in await response.text()


@pytest.mark.parametrize("name", ["hr", "pegawai"])
async def test_other_roles_may_not_read_the_log(
    new_client: NewClient, people: dict[str, int], name: str
) -> None:
    client = await signed_in_client(new_client, name)
    assert (await client.get("/audit")).status == 403
