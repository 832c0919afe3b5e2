"""The quota pages through the real portal and database: admins manage quotas, every employee sees theirs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from markupsafe import escape

from admin import quotas
from admin.quotas import QuotaSpec
from smedi.settings import Settings
from tests.admin.conftest import ORG, NewClient, csrf_token, sign_in

PAGE, REMOVE, MINE = "/kuota", "/kuota/hapus", "/kuota/saya"
HOSTILE = "<script>alert(1)</script>"
GB = 1024**3


def escaped(text: str) -> str:
    return str(escape(text))


@pytest.fixture
async def admin(new_client: NewClient) -> tuple[TestClient, str]:
    client = await new_client()
    return client, await sign_in(client, "admin")


async def post(client: TestClient, path: str, form: dict[str, str]) -> tuple[int, str, str]:
    response = await client.post(path, data=form, allow_redirects=False)
    return response.status, response.headers.get("Location", ""), await response.text()


async def english(client: TestClient, token: str, back_to: str = PAGE) -> None:
    response = await client.post("/bahasa", data={"csrf_token": token, "lang": "en", "next": back_to})
    assert response.status == 200


async def audited(db: asyncpg.Pool) -> list[tuple[str, str, str]]:
    rows = await db.fetch(
        "SELECT actor, action, target FROM audit_log WHERE action LIKE 'quota%' ORDER BY id"
    )
    return [(r["actor"], r["action"], r["target"]) for r in rows]


async def add(db: asyncpg.Pool, spec: QuotaSpec) -> int:
    async with db.acquire() as conn:
        return await quotas.add_quota(conn, spec, "admin")


async def use_today(
    db: asyncpg.Pool, settings: Settings, employee_id: int, category: str, amount: int
) -> None:
    """Usage as the writer records it, today in SMEDI_TZ, in the employee's OPD."""
    await db.execute(
        "INSERT INTO usage_daily_totals (day, employee_id, org_unit_id, category, bytes_down) "
        "SELECT $1, e.id, coalesce(e.org_unit_id, 0), $3, $4 FROM employees e WHERE e.id = $2",
        datetime.now(UTC).astimezone(settings.tz).date(), employee_id, category, amount,
    )  # fmt: skip


def section(page: str, quota_id: int) -> str:
    """One quota's card on a page."""
    return page.split(f'id="quota-{quota_id}"')[1].split("</section>")[0]


def bar_width(html: str) -> list[str]:
    return re.findall(r'<rect class="fill (?:ok|notice|exceeded)" width="([0-9.]+)"', html)


# The admins' page


async def test_the_page_lists_quotas_with_their_use(
    admin: tuple[TestClient, str], db: asyncpg.Pool, users: dict[str, int], settings: Settings
) -> None:
    client, _token = admin
    empty = await (await client.get(PAGE)).text()
    assert "Belum ada kuota." in empty and 'href="/kuota"' in empty and f'href="{MINE}"' in empty
    own = await add(db, QuotaSpec("employee", "day", "1G", employee="pegawai", note="uji"))
    shared = await add(db, QuotaSpec("org", "month", "10G", org=ORG))
    video = await add(db, QuotaSpec("category", "week", "1000", category="streaming"))
    await use_today(db, settings, users["pegawai"], "streaming", 850)
    await use_today(db, settings, users["hr"], "streaming", 1500)
    await use_today(db, settings, users["hr"], "", GB // 2)

    response = await client.get(PAGE)
    assert response.status == 200
    page = await response.text()
    assert "style=" not in page and "<script" not in page  # the CSP allows neither
    first = section(page, own)
    assert "Uji pegawai" in first and "1.0 GB" in first and "per hari" in first and "uji" in first
    assert "ditambahkan oleh admin" in first and "diatur ulang pada" in first
    assert f'name="id" value="{own}"' in first and REMOVE in first
    assert bar_width(first) == ["0.0"]
    second = section(page, shared)
    assert "bersama OPD di bawahnya" in second and "per bulan" in second
    assert f"<strong>{ORG}</strong>" in second and bar_width(second) == [
        "5.0"
    ]  # (850 + 1500 + 0.5 GB) / 10 GB
    third = section(page, video)
    assert "Streaming video" in third and "setiap pegawai" in third and "per minggu" in third
    rows = third.split("<tbody>")[1]
    assert rows.index("<strong>hr</strong>") < rows.index("<strong>pegawai</strong>")  # most used first
    assert bar_width(third) == ["100.0", "85.0"]
    assert "150 % · habis" in third and "85 % · sudah diberi tahu" in third


async def test_the_page_in_english(
    admin: tuple[TestClient, str], db: asyncpg.Pool, users: dict[str, int], settings: Settings
) -> None:
    client, token = admin
    video = await add(db, QuotaSpec("category", "day", "1000", category="streaming", org=ORG))
    await use_today(db, settings, users["pegawai"], "streaming", 1000)
    await english(client, token)
    page = await (await client.get(PAGE)).text()
    assert "<h1>Quotas</h1>" in page and "Add a quota" in page
    card = section(page, video)
    assert "Video streaming" in card and f"each employee of OPD {ORG}" in card and "per day" in card
    assert "100 % · used up" in card and "resets at" in card


async def test_add_and_remove_a_quota_from_the_form(
    admin: tuple[TestClient, str], db: asyncpg.Pool, users: dict[str, int]
) -> None:
    client, token = admin
    form = {"csrf_token": token, "scope": "employee", "employee": "Pegawai", "org": "", "category": "",
            "period": "week", "limit": "1.5G", "note": "Uji coba"}  # fmt: skip
    status, location, _ = await post(client, PAGE, form)
    [quota] = await quotas.list_quotas(db)
    assert (status, location) == (303, f"{PAGE}#quota-{quota.id}")
    assert (quota.scope, quota.employee, quota.period, quota.limit_bytes, quota.note, quota.created_by) == (
        "employee", "pegawai", "week", 3 * GB // 2, "Uji coba", "admin"
    )  # fmt: skip
    # Fields the scope does not use may stay filled in the form: they are ignored.
    status, _, _ = await post(client, PAGE, {**form, "scope": "org", "org": ORG, "category": "streaming"})
    status_c, _, _ = await post(client, PAGE, {**form, "scope": "category", "employee": "", "org": ORG,
                                               "category": "streaming", "limit": "500M"})  # fmt: skip
    assert (status, status_c) == (303, 303)
    found = {(q.scope, q.employee, q.org, q.category, q.limit_bytes) for q in await quotas.list_quotas(db)}
    assert found == {
        ("employee", "pegawai", None, None, 3 * GB // 2),
        ("org", None, ORG, None, 3 * GB // 2),
        ("category", None, ORG, "streaming", 500 * 1024**2),
    }
    status, location, _ = await post(client, REMOVE, {"csrf_token": token, "id": str(quota.id)})
    assert (status, location) == (303, PAGE)
    assert len(await quotas.list_quotas(db)) == 2
    assert [action for _, action, _ in await audited(db)] == ["quota_added"] * 3 + ["quota_removed"]
    assert (await audited(db))[-1] == ("admin", "quota_removed", str(quota.id))


@pytest.mark.parametrize(
    ("changes", "indonesian", "english_text"),
    [
        ({"employee": "nobody"}, "pegawai 'nobody' tidak dikenal", "unknown employee 'nobody'"),
        ({"limit": "1,5G"}, "bukan '1,5G'", "limit: expected a size such as 500M, 1.5G or 2G, got '1,5G'"),
        ({"limit": ""}, "bukan ''", "got ''"),
        ({"limit": "0"}, "bukan '0'", "got '0'"),
        ({"limit": "5000T"}, "batas: paling besar 1024T", "limit: at most 1024T"),
        ({"period": "year"}, "periode 'year' tidak dikenal", "unknown period 'year'"),
        ({"scope": "galaxy"}, "jenis kuota 'galaxy' tidak dikenal", "unknown scope 'galaxy'"),
        ({"employee": ""}, "kuota pegawai perlu nama pengguna", "an employee quota needs the employee's"),
        ({"scope": "org", "org": "DINAS-X"}, "OPD 'DINAS-X' tidak dikenal", "unknown OPD 'DINAS-X'"),
        ({"scope": "category", "category": "tiktok"}, "kategori 'tiktok' tidak dikenal",
         "unknown category 'tiktok'"),
        ({"scope": "category", "category": "streaming", "org": ORG},
         "paling banyak satu OPD atau satu pegawai", "at most one OPD or one employee"),
        ({"note": "x" * 201}, "catatan lebih dari 200 karakter", "the note is longer than 200 characters"),
        ({"employee": "x" * 65}, "employee: lebih dari 64 karakter", "employee: longer than 64 characters"),
    ],
)  # fmt: skip
async def test_a_refused_quota_says_why_in_the_page_language_and_keeps_the_typed_values(
    admin: tuple[TestClient, str],
    db: asyncpg.Pool,
    changes: dict[str, str],
    indonesian: str,
    english_text: str,
) -> None:
    client, token = admin
    form = {"csrf_token": token, "scope": "employee", "employee": "pegawai", "org": "", "category": "",
            "period": "day", "limit": "2G", "note": "Kios lobi", **changes}  # fmt: skip
    status, _, page = await post(client, PAGE, form)
    assert status == 400
    assert escaped(indonesian) in page and "Tidak ada yang disimpan." in page
    for field in ("employee", "org", "limit", "note"):
        assert f'name="{field}" value="{escaped(form[field])}"' in page, field
    if form["category"] == "streaming":
        assert '<option value="streaming" selected>' in page
    await english(client, token)
    status, _, page = await post(client, PAGE, form)
    assert status == 400 and escaped(english_text) in page and "Nothing was saved." in page
    assert await quotas.list_quotas(db) == [] and await audited(db) == []


async def test_a_second_quota_for_the_same_is_refused(
    admin: tuple[TestClient, str], db: asyncpg.Pool
) -> None:
    client, token = admin
    existing = await add(db, QuotaSpec("employee", "day", "1G", employee="pegawai"))
    form = {"csrf_token": token, "scope": "employee", "employee": "pegawai", "period": "day", "limit": "2G"}
    status, _, page = await post(client, PAGE, form)
    assert status == 400 and f"kuota nomor {existing} sudah membatasi hal yang sama" in page


@pytest.mark.parametrize(
    ("form", "indonesian"),
    [({"id": "77"}, "tidak ada kuota nomor 77"), ({}, "id: kuota yang mana?"),
     ({"id": "x"}, "id: harus bilangan bulat")],
)  # fmt: skip
async def test_removing_a_quota_that_is_not_there_says_so(
    admin: tuple[TestClient, str], db: asyncpg.Pool, form: dict[str, str], indonesian: str
) -> None:
    client, token = admin
    status, _, page = await post(client, REMOVE, {"csrf_token": token, **form})
    assert status == 400 and indonesian in page
    assert await audited(db) == []


async def test_hostile_values_are_escaped(
    admin: tuple[TestClient, str], db: asyncpg.Pool, users: dict[str, int]
) -> None:
    client, token = admin
    form = {"csrf_token": token, "scope": "employee", "employee": "pegawai", "period": "day", "limit": "1G",
            "note": HOSTILE}  # fmt: skip
    assert (await post(client, PAGE, form))[0] == 303
    page = await (await client.get(PAGE)).text()
    assert HOSTILE not in page and escaped(HOSTILE) in page
    for field in ("employee", "org", "limit", "scope", "period", "category"):
        status, _, page = await post(client, PAGE, {**form, "scope": "category", "category": "streaming",
                                                    field: HOSTILE})  # fmt: skip
        assert status == 400 and HOSTILE not in page, field


async def test_without_the_csrf_token_nothing_changes(
    admin: tuple[TestClient, str], db: asyncpg.Pool
) -> None:
    client, _token = admin
    quota_id = await add(db, QuotaSpec("employee", "day", "1G", employee="pegawai"))
    form = {"scope": "employee", "employee": "hr", "period": "day", "limit": "1G"}
    for token in ({}, {"csrf_token": "not-the-token"}):
        assert (await post(client, PAGE, {**form, **token}))[0] == 403
        assert (await post(client, REMOVE, {"id": str(quota_id), **token}))[0] == 403
    assert [q.id for q in await quotas.list_quotas(db)] == [quota_id]
    assert await audited(db) == [("admin", "quota_added", str(quota_id))]


@pytest.mark.parametrize("username", ["hr", "pegawai"])
async def test_only_admins_manage_quotas(new_client: NewClient, db: asyncpg.Pool, username: str) -> None:
    quota_id = await add(db, QuotaSpec("employee", "day", "1G", employee="admin"))
    client = await new_client()
    await sign_in(client, username)
    nav = await (await client.get("/ca")).text()
    assert 'href="/kuota"' not in nav and f'href="{MINE}"' in nav
    assert (await client.get(PAGE)).status == 403
    token = await csrf_token(client, "/ca")
    form = {"csrf_token": token, "scope": "employee", "employee": username, "period": "day", "limit": "9T"}
    assert (await post(client, PAGE, form))[0] == 403
    assert (await post(client, REMOVE, {"csrf_token": token, "id": str(quota_id)}))[0] == 403
    assert [q.id for q in await quotas.list_quotas(db)] == [quota_id]


async def test_anonymous_visitors_are_sent_to_sign_in(client: TestClient) -> None:
    for path in (PAGE, MINE):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"].startswith("/masuk?next=")


# The employee's own page


async def test_an_employee_sees_only_their_own_quotas(
    new_client: NewClient, db: asyncpg.Pool, users: dict[str, int], settings: Settings
) -> None:
    client = await new_client()
    token = await sign_in(client, "pegawai")
    empty = await (await client.get(MINE)).text()
    assert "Tidak ada kuota yang berlaku untuk Anda." in empty
    own = await add(db, QuotaSpec("employee", "week", "1G", employee="pegawai"))
    other = await add(db, QuotaSpec("employee", "day", "1000", employee="hr", note="rahasia hr"))
    shared = await add(db, QuotaSpec("org", "month", "3750", org=ORG))
    video = await add(db, QuotaSpec("category", "day", "1000", category="streaming"))
    await use_today(db, settings, users["pegawai"], "streaming", 900)
    await use_today(db, settings, users["hr"], "", 2100)

    response = await client.get(MINE)
    assert response.status == 200
    page = await response.text()
    assert "style=" not in page and "<script" not in page
    assert f'id="quota-{other}"' not in page and "rahasia hr" not in page and "Uji hr" not in page
    mine = section(page, own)
    assert "Kuota Anda" in mine and "per minggu" in mine and "900 B" in mine and "1.0 GB" in mine
    assert "Sisa" in mine and "Diatur ulang pada" in mine and "0 %" in mine
    team = section(page, shared)
    assert "Kuota bersama OPD" in team and "80 % · sudah diberi tahu" in team  # (900 + 2100) / 3750
    assert "dipakai bersama oleh semua pegawai OPD ini" in team
    assert bar_width(team) == ["80.0"]
    category = section(page, video)
    assert "Kuota kategori Streaming video" in category and "90 % · sudah diberi tahu" in category
    assert "100 B" in category  # left

    await english(client, token, MINE)
    page = await (await client.get(MINE)).text()
    assert "<h1>My quotas</h1>" in page and "Your quota" in section(page, own)
    assert "Shared quota of OPD" in section(page, shared) and "80 % · told" in section(page, shared)
    assert "Quota for the category Video streaming" in section(page, video)
    assert "Resets at" in page and "Left" in page


async def test_the_reset_time_is_local(
    new_client: NewClient, db: asyncpg.Pool, users: dict[str, int], settings: Settings
) -> None:
    client = await new_client()
    await sign_in(client, "pegawai")
    own = await add(db, QuotaSpec("employee", "day", "1G", employee="pegawai"))
    page = await (await client.get(MINE)).text()
    [usage] = await quotas.quota_use_for_employee(db, users["pegawai"], datetime.now(UTC), settings.tz)
    assert usage.resets_at.astimezone(settings.tz).strftime("%d-%m-%Y 00:00") in section(page, own)
