"""The middlewares: CSRF on every POST route, one API error shape, security headers on every response."""

from __future__ import annotations

import json

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient
from structlog.testing import capture_logs

from admin.app import create_app
from admin.keys import API_TOKEN, PUBLIC, ROUTE_ROLES
from admin.security import CSP, PRE_SESSION_COOKIE
from smedi.settings import Settings
from tests.admin.conftest import PASSWORD, NewClient, csrf_token, session_cookie, sign_in

WRONG_TOKENS = {"missing": None, "wrong": "not-the-token", "empty": ""}


def post_route_names(app: web.Application) -> set[str]:
    """POST routes of a session; API_TOKEN routes read no cookie, so there is nothing for CSRF to ride on."""
    return {
        route.name or ""
        for route in app.router.routes()
        if route.method == "POST" and app[ROUTE_ROLES].get(route.name or "") is not API_TOKEN
    }


# What each POST route would change, checked after a refused POST: a new POST route needs an entry here.
async def _login_changed(client: TestClient, db: asyncpg.Pool) -> bool:
    return session_cookie(client) is not None or await db.fetchval("SELECT count(*) FROM portal_sessions") > 0


async def _logout_changed(client: TestClient, db: asyncpg.Pool) -> bool:
    page = await client.get("/penggunaan", allow_redirects=False)
    return page.status != 200 or await db.fetchval("SELECT count(*) FROM portal_sessions") != 1


async def _language_changed(client: TestClient, _db: asyncpg.Pool) -> bool:
    return "lang" in client.session.cookie_jar.filter_cookies(client.make_url("/"))


async def _policy_changed(_client: TestClient, db: asyncpg.Pool) -> bool:
    """The policy stores audit every change in the change's own transaction."""
    return await db.fetchval("SELECT count(*) FROM audit_log WHERE action NOT LIKE 'login%'") > 0


async def _exception_changed(_client: TestClient, db: asyncpg.Pool) -> bool:
    return await db.fetchval("SELECT count(*) FROM audit_log WHERE action LIKE 'exception%'") > 0


async def _alert_changed(_client: TestClient, db: asyncpg.Pool) -> bool:
    changed = await db.fetchval("SELECT count(*) FROM alerts WHERE status <> 'new'")
    suspended = await db.fetchval("SELECT count(*) FROM internet_suspensions")
    return changed + suspended > 0 or await _policy_changed(_client, db)


async def _token_changed(_client: TestClient, db: asyncpg.Pool) -> bool:
    changed = await db.fetchval("SELECT count(*) FROM audit_log WHERE action LIKE 'api_%'")
    return changed + await db.fetchval("SELECT count(*) FROM api_signing_keys") > 0


async def _dataset_changed(_client: TestClient, db: asyncpg.Pool) -> bool:
    defined = await db.fetchval("SELECT count(*) FROM datasets")
    return defined + await db.fetchval("SELECT count(*) FROM audit_log WHERE action LIKE 'dataset%' "
                                       "OR action LIKE 'submission%'") > 0  # fmt: skip


POST_EFFECTS = {
    "login": ({"username": "admin", "password": PASSWORD, "next": "/"}, None, _login_changed),
    "logout": ({}, "admin", _logout_changed),
    "language": ({"lang": "en", "next": "/"}, None, _language_changed),
    # policy pages
    "policy_list_upload": ({"category": "judi", "format": "auto"}, "admin", _policy_changed),
    "policy_list_rollback": ({"category": "pemerintahan"}, "admin", _policy_changed),
    "policy_category_action": ({"category": "judi", "action": "allow"}, "admin", _policy_changed),
    "policy_rule_add": (
        {"action": "block", "match": "domain", "value": "youtube.com", "scope": "everyone"},
        "admin",
        _policy_changed,
    ),
    "policy_rule_enabled": ({"id": "1", "enabled": "0"}, "admin", _policy_changed),
    "policy_rule_move": ({"id": "1", "direction": "down"}, "admin", _policy_changed),
    "policy_rule_delete": ({"id": "1"}, "admin", _policy_changed),
    "policy_schedule_add": (
        {"name": "uji", "starts_1": "09:00", "ends_1": "10:00"},
        "admin",
        _policy_changed,
    ),
    "policy_holiday_add": ({"day": "2025-08-17", "holiday_name": "Kemerdekaan"}, "admin", _policy_changed),
    "policy_holiday_remove": ({"day": "2025-08-17"}, "admin", _policy_changed),
    "policy_schedule_change": ({"id": "1", "starts_1": "09:00", "ends_1": "10:00"}, "admin", _policy_changed),
    "policy_schedule_delete": ({"id": "1"}, "admin", _policy_changed),
    # devices and addresses
    "network_address_bind": ({"address": "10.0.0.9", "username": "admin"}, "admin", _policy_changed),
    "network_address_unbind": ({"address": "10.0.0.9"}, "admin", _policy_changed),
    # quotas
    "quota_add": (
        {"scope": "employee", "employee": "pegawai", "period": "day", "limit": "1G"},
        "admin",
        _policy_changed,
    ),
    "quota_remove": ({"id": "1"}, "admin", _policy_changed),
    # exception requests
    "exception_submit": ({"ref": "A1B2C3D4", "reason": "perlu"}, "pegawai", _exception_changed),
    "exception_decide": ({"id": "1", "verdict": "refuse"}, "admin", _exception_changed),
    # anomaly alerts (the form names alert 1, whether or not it exists: the token is checked first)
    "alert_status": ({"id": "1", "expected": "new", "status": "acknowledged"}, "admin", _alert_changed),
    "alert_action": (
        {"id": "1", "action": "suspend", "duration": "1h", "reason": "uji"},
        "admin",
        _alert_changed,
    ),
    # SAMAWA tokens (the stores audit every change: a token issued or revoked, a key rotated)
    "samawa_token_issue": (
        {"org": "DISKOMINFO", "datasets": "uji", "days": "30"},
        "walidata",
        _token_changed,
    ),
    "samawa_token_revoke": ({"jti": "00000000-0000-4000-8000-000000000000"}, "walidata", _token_changed),
    "samawa_key_rotate": ({}, "admin", _token_changed),
    # SAMAWA datasets (defining one and reviewing a submission are audited in the same transaction)
    "samawa_dataset_create": (
        {"slug": "uji", "title": "Uji", "org": "DISKOMINFO", "schema": '{"fields": [{"name": "a"}]}'},
        "walidata",
        _dataset_changed,
    ),
    "samawa_submission_review": (
        {"slug": "uji", "id": "1", "verdict": "approve"},
        "walidata",
        _dataset_changed,
    ),
}


def test_every_post_route_has_a_csrf_case(app: web.Application) -> None:
    assert post_route_names(app) == set(POST_EFFECTS)


@pytest.mark.parametrize("route_name", sorted(POST_EFFECTS))
@pytest.mark.parametrize("token_kind", sorted(WRONG_TOKENS))
async def test_post_without_the_right_token_is_refused_and_changes_nothing(
    app: web.Application, client: TestClient, db: asyncpg.Pool, route_name: str, token_kind: str
) -> None:
    form, signed_in_as, changed = POST_EFFECTS[route_name]
    if signed_in_as:
        await sign_in(client, signed_in_as)
    else:
        await csrf_token(client)  # a visitor who has seen a form, so has the pre-session cookie
    data = dict(form)
    if WRONG_TOKENS[token_kind] is not None:
        data["csrf_token"] = WRONG_TOKENS[token_kind]
    path = app.router[route_name].url_for().path

    response = await client.post(path, data=data, allow_redirects=False)

    assert response.status == 403
    assert "CSRF" in await response.text()
    assert not await changed(client, db)


async def test_the_token_of_another_visitor_is_refused(
    client: TestClient, new_client: NewClient, db: asyncpg.Pool
) -> None:
    attacker = await new_client()
    their_token = await csrf_token(attacker)
    await csrf_token(client)
    form = {"csrf_token": their_token, "username": "admin", "password": PASSWORD}
    response = await client.post("/masuk", data=form, allow_redirects=False)
    assert response.status == 403
    assert not await _login_changed(client, db)


async def test_a_token_without_the_pre_session_cookie_is_refused(
    client: TestClient, new_client: NewClient, db: asyncpg.Pool
) -> None:
    """A cross-site form can carry a token but not the visitor's cookie."""
    token = await csrf_token(await new_client())
    form = {"csrf_token": token, "username": "admin", "password": PASSWORD}
    response = await client.post("/masuk", data=form, allow_redirects=False)
    assert response.status == 403
    assert await db.fetchval("SELECT count(*) FROM portal_sessions") == 0


async def test_the_pre_session_token_stops_working_after_sign_in(
    client: TestClient, db: asyncpg.Pool
) -> None:
    pre_session = await csrf_token(client)
    session_token = await sign_in(client, "admin")
    assert session_token != pre_session
    response = await client.post("/keluar", data={"csrf_token": pre_session}, allow_redirects=False)
    assert response.status == 403
    assert await db.fetchval("SELECT count(*) FROM portal_sessions") == 1


async def test_the_pre_session_cookie_is_http_only_and_strict(client: TestClient) -> None:
    response = await client.get("/masuk")
    set_cookie = next(
        h for h in response.headers.getall("Set-Cookie") if h.startswith(f"{PRE_SESSION_COOKIE}=")
    )
    assert "HttpOnly" in set_cookie
    assert "SameSite=Strict" in set_cookie
    again = await client.get("/masuk")
    assert "Set-Cookie" not in again.headers  # set once, not rotated under an open form


async def test_the_token_may_come_in_a_header(client: TestClient, db: asyncpg.Pool) -> None:
    token = await sign_in(client, "admin")
    response = await client.post("/keluar", headers={"X-CSRF-Token": token}, allow_redirects=False)
    assert response.status == 303
    assert await db.fetchval("SELECT count(*) FROM portal_sessions") == 0


async def test_a_view_still_reads_a_multipart_form_the_csrf_check_read_first(
    client: TestClient, db: asyncpg.Pool
) -> None:
    form = aiohttp.FormData(default_to_multipart=True)
    for name, value in {
        "csrf_token": await csrf_token(client),
        "username": "admin",
        "password": PASSWORD,
    }.items():
        form.add_field(name, value)
    response = await client.post("/masuk", data=form, allow_redirects=False)
    assert response.status == 303
    assert await db.fetchval("SELECT count(*) FROM portal_sessions") == 1


# --- the API's one error shape --------------------------------------------------------------------------


def assert_error_shape(body: object, status: int) -> None:
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert (
        isinstance(error["code"], str) and error["code"] == error["code"].lower() and " " not in error["code"]
    )
    assert isinstance(error["message"], str) and error["message"], f"{status}: empty message"


async def api_error(response: aiohttp.ClientResponse, status: int) -> dict[str, object]:
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    body = json.loads(await response.text())
    assert_error_shape(body, status)
    return body["error"]


async def test_api_errors_have_one_shape(client: TestClient, new_client: NewClient) -> None:
    assert (await api_error(await client.get("/api/v1/usage/today"), 401))["code"] == "unauthorized"
    assert (await api_error(await client.get("/api/v1/nope"), 404))["code"] == "not_found"

    employee = await new_client()
    await sign_in(employee, "pegawai")
    assert (await api_error(await employee.get("/api/v1/usage/today"), 403))["code"] == "forbidden"

    admin = await new_client()
    await sign_in(admin, "admin")
    assert (await api_error(await admin.get("/api/v1/nope"), 404))["code"] == "not_found"
    bad_date = await api_error(await admin.get("/api/v1/usage/today", params={"tanggal": "bad"}), 400)
    assert bad_date["code"] == "bad_request"
    assert "tanggal" in str(bad_date["message"])
    wrong_method = await admin.post("/api/v1/usage/today", headers={"X-CSRF-Token": "irrelevant"})
    assert (await api_error(wrong_method, 405))["code"] == "method_not_allowed"
    assert set(wrong_method.headers["Allow"].split(",")) == {"GET", "HEAD"}


async def test_the_report_api_errors_have_the_one_shape(client: TestClient, new_client: NewClient) -> None:
    assert (await api_error(await client.get("/api/v1/reports/usage"), 401))["code"] == "unauthorized"
    employee = await new_client()
    await sign_in(employee, "pegawai")
    assert (await api_error(await employee.get("/api/v1/reports/usage"), 403))["code"] == "forbidden"
    hr = await new_client()
    await sign_in(hr, "hr")
    response = await hr.get("/api/v1/reports/usage", params={"subjek": "org", "opd": "X"})
    unknown = await api_error(response, 400)
    assert unknown["code"] == "bad_request" and "unknown OPD" in str(unknown["message"])


async def test_a_bug_in_an_api_view_still_answers_in_the_error_shape(
    settings: Settings, aiohttp_client: AiohttpClient, users: dict[str, int]
) -> None:
    async def broken(_request: web.Request) -> web.Response:
        raise RuntimeError("secret internals")

    app = create_app(settings)
    app.router.add_get("/api/v1/broken", broken, name="api_broken")
    app[ROUTE_ROLES] = {**app[ROUTE_ROLES], "api_broken": PUBLIC}
    client = await aiohttp_client(app)

    with capture_logs() as logs:
        error = await api_error(await client.get("/api/v1/broken"), 500)
    assert "secret internals" not in json.dumps(error)
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["api_request_failed"]


async def test_unknown_pages_and_wrong_methods_are_not_reported_as_csrf(client: TestClient) -> None:
    assert (await client.post("/nope")).status == 404
    assert (await client.post("/ca")).status == 405


# --- security headers ---------------------------------------------------------------------------------


async def test_security_headers_on_every_kind_of_response(client: TestClient, new_client: NewClient) -> None:
    admin = await new_client()
    await sign_in(admin, "admin")
    responses = [
        await client.get("/masuk"),
        await client.get("/ca"),
        await client.get("/ca/smedi-ca.pem"),
        await client.get("/static/portal.css"),
        await client.get("/penggunaan", allow_redirects=False),  # 303
        await client.get("/nope"),  # 404
        await client.get("/api/v1/usage/today"),  # 401
        await admin.get("/penggunaan"),
        await admin.get("/api/v1/usage/today"),
        await admin.get("/dasbor"),
        await admin.get("/api/v1/live"),  # an event stream: its headers are checked, then it is closed
    ]
    for response in responses:
        where = f"{response.method} {response.url.path} {response.status}"
        assert response.headers.get("Content-Security-Policy") == CSP, where
        assert response.headers.get("X-Frame-Options") == "DENY", where
        assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    responses[-1].close()  # the event stream never ends by itself
    assert "frame-ancestors 'none'" in CSP and "script-src 'self'" in CSP


async def test_the_session_cookie_value_never_appears_in_a_page(client: TestClient) -> None:
    await sign_in(client, "admin")
    cookie = session_cookie(client)
    assert cookie
    for path in ("/penggunaan", "/ca", "/api/v1/usage/today"):
        assert cookie not in await (await client.get(path)).text()
