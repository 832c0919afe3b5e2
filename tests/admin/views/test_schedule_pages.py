"""Changing and deleting schedules through the real portal and database, signed in as an admin."""

from __future__ import annotations

import re
from datetime import time

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from tests.admin.conftest import NewClient, sign_in

SCHEDULES, RULES = "/kebijakan/jadwal", "/kebijakan/aturan"


@pytest.fixture
async def admin(new_client: NewClient) -> tuple[TestClient, str]:
    client = await new_client()
    return client, await sign_in(client, "admin")


async def post(
    client: TestClient, path: str, form: list[tuple[str, str]] | dict[str, str]
) -> tuple[int, str]:
    response = await client.post(path, data=form, allow_redirects=False)
    return response.status, await response.text()


async def office_id(db: asyncpg.Pool) -> int:
    return await db.fetchval("SELECT id FROM schedules WHERE name = 'jam-kerja'")


async def windows_of(db: asyncpg.Pool, schedule_id: int) -> list[tuple[int, time, time]]:
    rows = await db.fetch(
        "SELECT weekday, starts, ends FROM schedule_windows WHERE schedule_id = $1 ORDER BY weekday, starts",
        schedule_id,
    )
    return [tuple(r) for r in rows]


async def audit_actions(db: asyncpg.Pool) -> list[tuple[str, str]]:
    rows = await db.fetch("SELECT action, target FROM audit_log WHERE action NOT LIKE 'login%' ORDER BY id")
    return [(r["action"], r["target"]) for r in rows]


def split_day(token: str, schedule_id: int) -> list[tuple[str, str]]:
    """Monday 07:30-12:00 and 13:00-16:00, Friday 07:30-11:00, an empty slot on Monday: as a browser sends."""
    return [
        ("csrf_token", token), ("id", str(schedule_id)),
        ("starts_1", "07:30"), ("ends_1", "12:00"), ("starts_1", "13:00"), ("ends_1", "16:00"),
        ("starts_1", ""), ("ends_1", ""), ("starts_5", "07:30"), ("ends_5", "11:00"),
    ]  # fmt: skip


async def test_the_change_form_shows_the_schedule_with_room_for_more_windows(
    admin: tuple[TestClient, str], db: asyncpg.Pool
) -> None:
    client, _token = admin
    office = await office_id(db)
    page = await (await client.get(SCHEDULES)).text()
    assert f'href="/kebijakan/jadwal?ubah={office}#change-schedule"' in page

    page = await (await client.get(SCHEDULES, params={"ubah": str(office)})).text()
    form = page.split('id="change-schedule"', 1)[1].split("</form>", 1)[0]
    assert "Ubah jadwal: jam-kerja" in page
    assert 'action="/kebijakan/jadwal/ubah"' in form and f'name="id" value="{office}"' in form
    assert 'name="starts_1" value="07:30"' in form and 'name="ends_5" value="16:30"' in form
    assert form.count('name="starts_1"') == 3  # its window and two empty ones
    assert 'name="except_holidays" value="1" checked' in form
    assert f'name="next" value="/kebijakan/jadwal?ubah={office}"' in page  # the language switch stays here


@pytest.mark.parametrize(("query", "status"), [("999", 404), ("abc", 400), ("0", 400)])
async def test_changing_a_schedule_that_is_not_there_says_so(
    admin: tuple[TestClient, str], query: str, status: int
) -> None:
    client, _token = admin
    response = await client.get(SCHEDULES, params={"ubah": query})
    assert response.status == status
    page = await response.text()
    assert 'id="change-schedule"' not in page
    assert ("tidak ada jadwal nomor 999" if status == 404 else "ubah: harus bilangan bulat") in page


async def test_change_a_schedule_to_several_windows_a_day(
    admin: tuple[TestClient, str], db: asyncpg.Pool
) -> None:
    client, token = admin
    office = await office_id(db)

    response = await client.post(f"{SCHEDULES}/ubah", data=split_day(token, office), allow_redirects=False)

    assert response.status == 303 and response.headers["Location"] == f"{SCHEDULES}#schedule-{office}"
    assert await windows_of(db, office) == [
        (1, time(7, 30), time(12)), (1, time(13), time(16)), (5, time(7, 30), time(11)),
    ]  # fmt: skip
    assert await db.fetchval("SELECT except_holidays FROM schedules WHERE id = $1", office) is False
    assert await audit_actions(db) == [("schedule_changed", "jam-kerja")]
    page = await (await client.get(SCHEDULES)).text()
    row = page.split(f'id="schedule-{office}"', 1)[1].split("</tr>", 1)[0]
    assert "Senin 07:30–12:00" in row and "Senin 13:00–16:00" in row and "Jumat 07:30–11:00" in row
    assert "Selasa" not in row and "Berlaku juga pada hari libur" in row
    # The change form of a day with two windows offers a third, empty one.
    page = await (await client.get(SCHEDULES, params={"ubah": str(office)})).text()
    form = page.split('id="change-schedule"', 1)[1].split("</form>", 1)[0]
    assert re.findall(r'name="starts_1" value="([^"]*)"', form) == ["07:30", "13:00", ""]


async def test_a_new_schedule_may_have_several_windows_a_day(
    admin: tuple[TestClient, str], db: asyncpg.Pool
) -> None:
    client, token = admin
    form = [("name", "shift"), *split_day(token, 0)[2:], ("except_holidays", "1"), ("csrf_token", token)]
    assert (await post(client, SCHEDULES, form))[0] == 303
    added = await db.fetchval("SELECT id FROM schedules WHERE name = 'shift'")
    assert len(await windows_of(db, added)) == 3


@pytest.mark.parametrize(
    ("windows", "indonesian", "english"),
    [
        (
            [("starts_2", "08:00"), ("ends_2", "12:00"), ("starts_2", "11:00"), ("ends_2", "13:00")],
            "hari ke-2: jendela waktu 08:00-12:00 dan 11:00-13:00 tumpang tindih",
            "weekday 2: the windows 08:00-12:00 and 11:00-13:00 overlap",
        ),
        (
            [("starts_3", "13:00"), ("ends_3", "12:00")],
            "hari ke-3: jendela waktu selesai (12:00) sebelum mulai (13:00)",
            "weekday 3: the window ends (12:00) before it starts (13:00)",
        ),
        (
            [("starts_4", "08:00"), ("ends_4", "")],
            "hari ke-4: isi waktu mulai dan selesai, atau kosongkan keduanya",
            "weekday 4: give both the start and the end, or neither",
        ),
        (
            [("starts_4", "08:00"), ("ends_4", "09:00"), ("starts_4", "10:00")],
            "hari ke-4: isi waktu mulai dan selesai, atau kosongkan keduanya",
            "weekday 4: give both the start and the end, or neither",
        ),
        ([], "jadwal perlu setidaknya satu jendela waktu", "a schedule needs at least one window"),
        (
            [("starts_1", "7.30"), ("ends_1", "12:00")],
            "starts_1: waktu harus berformat JJ:MM, bukan &#39;7.30&#39;",
            "starts_1: expected a time as HH:MM, got &#39;7.30&#39;",
        ),
    ],
)
async def test_a_refused_change_says_why_in_the_readers_language_and_saves_nothing(
    admin: tuple[TestClient, str],
    db: asyncpg.Pool,
    windows: list[tuple[str, str]],
    indonesian: str,
    english: str,
) -> None:
    client, token = admin
    office = await office_id(db)
    before = await windows_of(db, office)
    form = [("csrf_token", token), ("id", str(office)), *windows]

    status, page = await post(client, f"{SCHEDULES}/ubah", form)
    assert status == 400, page
    assert indonesian in page and "Tidak ada yang disimpan." in page
    # The change form comes back with what was typed.
    changed = page.split('id="change-schedule"', 1)[1].split("</form>", 1)[0]
    for field, value in windows:
        assert f'name="{field}" value="{value}"' in changed
    assert 'name="except_holidays" value="1" checked' not in changed

    await client.post("/bahasa", data={"csrf_token": token, "lang": "en", "next": SCHEDULES})
    status, page = await post(client, f"{SCHEDULES}/ubah", form)
    assert status == 400 and english in page and "Nothing was saved." in page

    assert await windows_of(db, office) == before
    assert await db.fetchval("SELECT except_holidays FROM schedules WHERE id = $1", office) is True
    assert await audit_actions(db) == []


@pytest.mark.parametrize("form", [{}, {"id": "abc"}, {"id": "999"}])
async def test_a_schedule_button_without_a_known_schedule_is_a_400(
    admin: tuple[TestClient, str], db: asyncpg.Pool, form: dict[str, str]
) -> None:
    client, token = admin
    for path in (f"{SCHEDULES}/ubah", f"{SCHEDULES}/hapus"):
        status, page = await post(
            client, path, {"csrf_token": token, "starts_1": "08:00", "ends_1": "09:00", **form}
        )
        assert status == 400, page
        assert ("tidak ada jadwal nomor 999" if form.get("id") == "999" else "id: ") in page
        assert 'id="change-schedule"' not in page
    assert await audit_actions(db) == []


async def test_delete_a_schedule_only_once_no_rule_uses_it(
    admin: tuple[TestClient, str], db: asyncpg.Pool
) -> None:
    client, token = admin
    office = await office_id(db)
    rule = {
        "csrf_token": token,
        "action": "block",
        "match": "domain",
        "scope": "everyone",
        "schedule": "jam-kerja",
    }
    assert (await post(client, RULES, {**rule, "value": "a.test"}))[0] == 303
    assert (await post(client, RULES, {**rule, "value": "b.test"}))[0] == 303
    first, second = [r["id"] for r in await db.fetch("SELECT id FROM rules ORDER BY id")]

    status, page = await post(client, f"{SCHEDULES}/hapus", {"csrf_token": token, "id": str(office)})
    assert status == 400
    assert f"jadwal &#39;jam-kerja&#39; masih dipakai aturan nomor {first}, {second}" in page
    await client.post("/bahasa", data={"csrf_token": token, "lang": "en", "next": SCHEDULES})
    status, page = await post(client, f"{SCHEDULES}/hapus", {"csrf_token": token, "id": str(office)})
    assert status == 400 and f"still used by rule(s) {first}, {second}" in page
    assert await office_id(db) == office

    for rule_id in (first, second):
        assert (await post(client, f"{RULES}/hapus", {"csrf_token": token, "id": str(rule_id)}))[0] == 303
    status, _page = await post(client, f"{SCHEDULES}/hapus", {"csrf_token": token, "id": str(office)})
    assert status == 303
    assert await db.fetchval("SELECT count(*) FROM schedules") == 0
    assert await db.fetchval("SELECT count(*) FROM schedule_windows") == 0
    assert [a for a in await audit_actions(db) if a[0].startswith("schedule")] == [
        ("schedule_deleted", "jam-kerja")
    ]
    page = await (await client.get(SCHEDULES)).text()
    assert f'id="schedule-{office}"' not in page
    assert "jam-kerja" not in await (await client.get(RULES)).text()  # the rules page no longer offers it


async def test_the_new_forms_need_the_csrf_token(admin: tuple[TestClient, str], db: asyncpg.Pool) -> None:
    client, _token = admin
    office = await office_id(db)
    for path in (f"{SCHEDULES}/ubah", f"{SCHEDULES}/hapus"):
        status, page = await post(client, path, {"id": str(office), "starts_1": "08:00", "ends_1": "09:00"})
        assert status == 403 and "CSRF" in page
    assert len(await windows_of(db, office)) == 5
    assert await audit_actions(db) == []
