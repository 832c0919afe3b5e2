"""Sign-in, sign-out, the throttle and the language switch, through the real portal and database."""

from __future__ import annotations

import hashlib

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from admin.audit import verify_chain
from admin.security import SESSION_COOKIE
from admin.throttle import MAX_FAILURES_PER_USERNAME
from tests.admin.conftest import PASSWORD, NewClient, csrf_from, csrf_token, session_cookie, sign_in

LOGIN_FAILED_ID = "Nama pengguna atau kata sandi salah."
THROTTLED_ID = "Terlalu banyak percobaan gagal."


async def post_login(
    client: TestClient, username: str, password: str, next_url: str = "/"
) -> aiohttp.ClientResponse:
    form = {
        "csrf_token": await csrf_token(client),
        "username": username,
        "password": password,
        "next": next_url,
    }
    return await client.post("/masuk", data=form, allow_redirects=False)


async def audit_actions(db: asyncpg.Pool) -> list[tuple[str, str]]:
    return [
        (r["actor"], r["action"]) for r in await db.fetch("SELECT actor, action FROM audit_log ORDER BY id")
    ]


async def test_right_password_opens_a_server_side_session(
    client: TestClient, db: asyncpg.Pool, users: dict[str, int]
) -> None:
    response = await post_login(client, "admin", PASSWORD, "/penggunaan")

    assert response.status == 303
    assert response.headers["Location"] == "/penggunaan"
    set_cookie = next(h for h in response.headers.getall("Set-Cookie") if h.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in set_cookie
    assert "SameSite=Strict" in set_cookie
    assert "Path=/" in set_cookie
    token = response.cookies[SESSION_COOKIE].value
    rows = await db.fetch("SELECT token_hash, employee_id FROM portal_sessions")
    assert [r["employee_id"] for r in rows] == [users["admin"]]
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).digest()  # the cookie value is not stored
    assert ("admin", "login_succeeded") in await audit_actions(db)
    page = await client.get("/penggunaan", allow_redirects=False)
    assert page.status == 200


async def test_wrong_password_and_unknown_user_get_the_same_answer(
    client: TestClient, db: asyncpg.Pool
) -> None:
    wrong = await post_login(client, "admin", "not-the-password")
    unknown = await post_login(client, "nobody", PASSWORD)

    assert wrong.status == unknown.status == 401
    wrong_text, unknown_text = await wrong.text(), await unknown.text()
    assert LOGIN_FAILED_ID in wrong_text
    # The pages differ only in the username echoed back into the form.
    assert wrong_text.replace('value="admin"', 'value="X"') == unknown_text.replace(
        'value="nobody"', 'value="X"'
    )
    assert SESSION_COOKIE not in wrong.cookies and SESSION_COOKIE not in unknown.cookies
    assert await db.fetchval("SELECT count(*) FROM portal_sessions") == 0
    assert await audit_actions(db) == [("admin", "login_failed"), ("nobody", "login_failed")]
    assert await verify_chain(db) == (2, None)


async def test_a_deactivated_employee_gets_the_same_answer_as_a_wrong_password(
    client: TestClient, db: asyncpg.Pool
) -> None:
    await db.execute("UPDATE employees SET active = false WHERE username = 'pegawai'")
    response = await post_login(client, "pegawai", PASSWORD)
    assert response.status == 401
    assert LOGIN_FAILED_ID in await response.text()
    assert await db.fetchval("SELECT count(*) FROM portal_sessions") == 0


async def test_sign_out_ends_the_session_and_the_cookie_stops_working(
    client: TestClient, new_client: NewClient, db: asyncpg.Pool
) -> None:
    token = await sign_in(client, "admin")
    cookie = session_cookie(client)
    assert await db.fetchval("SELECT count(*) FROM portal_sessions") == 1

    response = await client.post("/keluar", data={"csrf_token": token}, allow_redirects=False)

    assert response.status == 303
    assert response.headers["Location"] == "/masuk"
    assert session_cookie(client) is None
    assert await db.fetchval("SELECT count(*) FROM portal_sessions") == 0
    assert ("admin", "logout") in await audit_actions(db)
    replay = await new_client()  # someone who kept a copy of the cookie
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"}
    page = await replay.get("/penggunaan", headers=headers, allow_redirects=False)
    assert page.status == 303
    assert page.headers["Location"].startswith("/masuk")
    api = await replay.get("/api/v1/usage/today", headers=headers)
    assert api.status == 401


async def test_signing_in_again_replaces_the_previous_session(
    client: TestClient, db: asyncpg.Pool, users: dict[str, int]
) -> None:
    await sign_in(client, "admin")
    await sign_in(client, "pegawai")
    assert [r["employee_id"] for r in await db.fetch("SELECT employee_id FROM portal_sessions")] == [
        users["pegawai"]
    ]


@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.test",
        "/\\evil.test",
        "/\t/evil.test",  # browsers and yarl drop the tab: //evil.test
        "/\n/evil.test",
        "\\\\evil.test",
        "http:evil.test",
        "javascript:alert(1)",
        "evil.test",
        "",
    ],
)
async def test_next_never_leaves_the_site(client: TestClient, next_url: str) -> None:
    response = await post_login(client, "admin", PASSWORD, next_url)
    assert response.status == 303
    assert response.headers["Location"] == "/"


async def test_a_device_sent_by_the_gateway_gets_a_link_never_a_redirect(client: TestClient) -> None:
    """The captive portal's `next` is the site the device was going to: shown, not followed."""
    for target in ("https://evil.test/x?a=1", "http://news.test/"):
        response = await post_login(client, "admin", PASSWORD, target)
        assert response.status == 200 and "Location" not in response.headers
        html = await response.text()
        assert f'href="{target.replace("&", "&amp;")}"' in html and 'rel="noreferrer"' in html
    for hostile in ("javascript:alert(1)//http://x", "http://", "ftp://news.test/", "http://news.test/\n"):
        response = await post_login(client, "admin", PASSWORD, hostile)
        assert response.status == 303 and response.headers["Location"] == "/"


async def test_next_leads_back_to_the_page_that_asked_for_sign_in(client: TestClient) -> None:
    refused = await client.get("/penggunaan?tanggal=2020-01-01", allow_redirects=False)
    assert refused.status == 303
    form_page = await client.get(refused.headers["Location"])
    html = await form_page.text()
    assert 'name="next" value="/penggunaan?tanggal=2020-01-01"' in html

    response = await post_login(client, "admin", PASSWORD, "/penggunaan?tanggal=2020-01-01")
    assert response.headers["Location"] == "/penggunaan?tanggal=2020-01-01"


async def test_the_form_drops_an_off_site_next(client: TestClient) -> None:
    response = await client.get("/masuk", params={"next": "//evil.test"})
    assert 'name="next" value="/"' in await response.text()


async def test_the_throttle_refuses_even_the_right_password(client: TestClient, db: asyncpg.Pool) -> None:
    for _ in range(MAX_FAILURES_PER_USERNAME):
        assert (await post_login(client, "admin", "wrong-password")).status == 401

    response = await post_login(client, "admin", PASSWORD)

    assert response.status == 429
    assert THROTTLED_ID in await response.text()
    assert SESSION_COOKIE not in response.cookies
    assert await db.fetchval("SELECT count(*) FROM portal_sessions") == 0
    assert (await audit_actions(db))[-1] == ("admin", "login_throttled")
    # Per username: a colleague behind the same address still signs in.
    assert (await post_login(client, "pegawai", PASSWORD)).status == 303


async def test_language_switch_sets_a_cookie_and_returns_to_the_page(client: TestClient) -> None:
    token = csrf_from(await (await client.get("/ca")).text())
    response = await client.post(
        "/bahasa", data={"csrf_token": token, "lang": "en", "next": "/ca"}, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == "/ca"
    assert response.cookies["lang"].value == "en"

    response = await client.post(
        "/bahasa", data={"csrf_token": token, "lang": "xx", "next": "//evil.test"}, allow_redirects=False
    )
    assert response.headers["Location"] == "/"
    assert response.cookies["lang"].value == "id"  # an unknown language falls back to Indonesian


async def test_home_sends_each_visitor_to_the_right_place(client: TestClient) -> None:
    anonymous = await client.get("/", allow_redirects=False)
    assert anonymous.headers["Location"] == "/masuk"
    await sign_in(client, "admin")
    signed_in = await client.get("/", allow_redirects=False)
    assert signed_in.headers["Location"] == "/penggunaan"
