"""The role table: every route has a rule, and the rule holds for every kind of visitor (the matrix)."""

from __future__ import annotations

import json

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from admin.app import create_app
from admin.directory import ROLES as USERS_ROLES
from admin.keys import API_TOKEN, PUBLIC
from admin.routes import ROUTE_ROLES
from smedi.settings import Settings
from tests.admin.conftest import USERS, NewClient, csrf_token, session_cookie, sign_in

VISITORS: list[str | None] = [None, *USERS]  # None: not signed in
# Public routes that answer something other than 200 when they work (POST forms redirect, home redirects).
PUBLIC_OUTCOME = {"home": 303, "login": 401, "logout": 303, "language": 303}
# SAMAWA for citizens: the sample dataset does not exist (or is not public): 404, the CKAN list answers 200.
PUBLIC_OUTCOME.update(dict.fromkeys(
    ["data_dataset", "data_csv", "data_json", "data_version_csv", "data_version_json",
     "data_datapackage_json", "data_datapackage_zip", "data_reference_csv", "api_public_dataset",
     "api_public_data"], 404,
))  # fmt: skip
# Routes whose path has variables: the matrix's sample URL (the router cannot make one up).
SAMPLE_PATHS = {
    "data_dataset": "/data/contoh", "data_csv": "/data/contoh.csv", "data_json": "/data/contoh.json",
    "data_version_csv": "/data/contoh/versi/1.csv", "data_version_json": "/data/contoh/versi/1.json",
    "data_datapackage_json": "/data/contoh/datapackage.json",
    "data_datapackage_zip": "/data/contoh/datapackage.zip",
    "data_reference_csv": "/data/referensi/wilayah_contoh.csv",
    "api_public_dataset": "/api/v1/public/datasets/contoh",
    "api_public_data": "/api/v1/public/datasets/contoh/data", "ckan_action": "/api/3/action/package_list",
    "ckan_action_post": "/api/action/package_list",
}  # fmt: skip
# SAMAWA datasets: the Walidata's pages of a dataset that does not exist (404); the API without a token (401)
SAMPLE_PATHS.update({
    "samawa_dataset": "/samawa/dataset/contoh", "samawa_submission": "/samawa/dataset/contoh/kiriman/1",
    "samawa_version_csv": "/samawa/dataset/contoh/versi/1.csv",
    "samawa_version_json": "/samawa/dataset/contoh/versi/1.json",
    "samawa_version_diff": "/samawa/dataset/contoh/beda",
    "api_dataset_submit": "/api/v1/datasets/contoh/submissions",
    "api_dataset_submission": "/api/v1/datasets/contoh/submissions/1",
})  # fmt: skip
PUBLIC_OUTCOME.update({"api_dataset_submit": 401, "api_dataset_submission": 401})
POST_FORMS = {"login": {"username": "nobody", "password": "not-the-password"}, "language": {"lang": "id"}}
# Routes that answer someone they admit with something other than 200 when given the matrix's bare form.
ALLOWED_OUTCOME = {
    # the inspector's detail of a named employee: refused without an employee and a case reference (400).
    **dict.fromkeys(["inspect_detail", "inspect_csv", "api_inspect_detail"], 400),
    # policy pages: past the role and CSRF checks, the view refuses a form without its fields (400).
    **dict.fromkeys(
        ["policy_list_upload", "policy_list_rollback", "policy_category_action", "policy_rule_add",
         "policy_rule_enabled", "policy_rule_move", "policy_rule_delete", "policy_schedule_add",
         "policy_holiday_add", "policy_holiday_remove", "policy_schedule_change", "policy_schedule_delete"],
        400,
    ),
    # devices and addresses: a form without an address is refused (400).
    "network_address_bind": 400,
    "network_address_unbind": 400,
    # quotas: a form without a scope, limit or quota id is refused (400).
    "quota_add": 400,
    "quota_remove": 400,
    # exception requests: a form without a known reference or request is refused (400).
    "exception_submit": 400,
    "exception_decide": 400,
    # anomaly alerts: without an alert's id there is no alert to show or change (404).
    "alert_detail": 404,
    "alert_status": 404,
    "alert_action": 404,
    # usage reports: a scheduled report without its id is refused (400).
    "report_archive_view": 400,
    "report_archive_file": 400,
    # SAMAWA tokens: a bare issue/revoke form or a uses page without a token id is refused (400); a key
    # rotation needs no field and redirects to the token page (303).
    **dict.fromkeys(["samawa_token_issue", "samawa_token_revoke", "samawa_token_uses"], 400),
    "samawa_key_rotate": 303,
    # SAMAWA datasets: a bare definition form is refused (400); the sample dataset does not exist (404)
    "samawa_dataset_create": 400,
    **dict.fromkeys(["samawa_dataset", "samawa_submission", "samawa_submission_review", "samawa_version_csv",
                     "samawa_version_json", "samawa_version_diff"], 404),
}  # fmt: skip
ENDLESS = {"api_live"}  # server-sent events: the matrix reads the first event, then hangs up


def sample_path(resource: web.AbstractResource) -> str:
    if resource.name in SAMPLE_PATHS:
        return SAMPLE_PATHS[resource.name]
    if isinstance(resource, web.StaticResource):
        return str(resource.url_for(filename="portal.css"))
    info = resource.get_info()
    assert "path" in info, f"{resource!r}: give the role matrix a sample URL for this route"
    return info["path"]


def every_route(app: web.Application) -> list[tuple[str, str, str]]:
    """(name, method, path) of every route the router knows, read from the router itself."""
    return [
        (route.name or "", route.method, sample_path(resource))
        for resource in app.router.resources()
        for route in resource
    ]


def test_every_route_has_a_role_rule_and_every_rule_a_route(app: web.Application) -> None:
    names = {name for name, _method, _path in every_route(app)}
    assert "" not in names, "every route needs a name: the role table is keyed by name"
    assert names <= set(ROUTE_ROLES), f"routes without a role rule: {sorted(names - set(ROUTE_ROLES))}"
    assert set(ROUTE_ROLES) <= names, f"role rules without a route: {sorted(set(ROUTE_ROLES) - names)}"
    assert set(PUBLIC_OUTCOME) <= names


def test_only_the_reviewed_routes_are_public() -> None:
    """Who may open what is a reviewed decision: a new route, or a loosened rule, changes this test too."""
    public = {name for name, roles in ROUTE_ROLES.items() if roles is PUBLIC}
    assert public == {
        "home", "login_form", "login", "logout", "language", "static", "ca", "ca_pem", "ca_der",
        "pac", "wpad",  # proxy auto-configuration: devices fetch it before anyone signs in
        # SAMAWA for citizens: published `publik` data (pages, downloads, public API, CKAN reads)
        "data_catalog", "data_dataset", "data_csv", "data_json", "data_version_csv", "data_version_json",
        "data_datapackage_json", "data_datapackage_zip", "data_reference_csv", "api_public_datasets",
        "api_public_dataset", "api_public_data", "ckan_action",
        "api_signing_keys",  # the public halves of the token and receipt keys
    }  # fmt: skip
    assert {name: set(roles) for name, roles in ROUTE_ROLES.items() if roles is not PUBLIC} == {
        "usage": {"admin"},
        "api_usage": {"admin"},
        # the live dashboard and its event stream
        "dashboard": {"admin"},
        "api_live": {"admin"},
        # policy pages
        "policy_lists": {"admin"},
        "policy_list_upload": {"admin"},
        "policy_list_rollback": {"admin"},
        "policy_category_action": {"admin"},
        "policy_why": {"admin"},
        "policy_rules": {"admin"},
        "policy_rule_add": {"admin"},
        "policy_rule_enabled": {"admin"},
        "policy_rule_move": {"admin"},
        "policy_rule_delete": {"admin"},
        "policy_schedules": {"admin"},
        "policy_schedule_add": {"admin"},
        "policy_holiday_add": {"admin"},
        "policy_holiday_remove": {"admin"},
        "policy_schedule_change": {"admin"},
        "policy_schedule_delete": {"admin"},
        # devices and addresses
        "network_addresses": {"admin"},
        "network_address_bind": {"admin"},
        "network_address_unbind": {"admin"},
        # quotas
        "quotas": {"admin"},
        "quota_add": {"admin"},
        "quota_remove": {"admin"},
        "quota_mine": set(USERS_ROLES),
        # exception requests
        "exception_new": set(USERS_ROLES),
        "exception_submit": set(USERS_ROLES),
        "exception_mine": set(USERS_ROLES),
        "exception_review": {"admin"},
        "exception_decide": {"admin"},
        # anomaly alerts: admins decide and act, inspectors read
        "alerts": {"admin", "inspector"},
        "alert_detail": {"admin", "inspector"},
        "alert_status": {"admin"},
        "alert_action": {"admin"},
        # usage reports and their archive: admins, HR and inspectors, each within their scope
        "reports": {"admin", "hr", "inspector"},
        "report_view": {"admin", "hr", "inspector"},
        "report_csv": {"admin", "hr", "inspector"},
        "report_pdf": {"admin", "hr", "inspector"},
        "api_report": {"admin", "hr", "inspector"},
        "report_archive": {"admin", "hr", "inspector"},
        "report_archive_view": {"admin", "hr", "inspector"},
        "report_archive_file": {"admin", "hr", "inspector"},
        # roles and access: the audit log, the inspector's case-referenced detail, one's own usage
        "audit_log": {"admin", "inspector"},
        "inspect_form": {"inspector"},
        "inspect_detail": {"inspector"},
        "inspect_csv": {"inspector"},
        "api_inspect_detail": {"inspector"},
        "my_usage": set(USERS_ROLES),
        # CKAN clients POST their reads: no session, no CSRF, published data only (routes_public.py)
        "ckan_action_post": {"api-token"},
        # SAMAWA tokens: the Walidata and admins issue, revoke and read the uses of OPD tokens
        "samawa_tokens": {"walidata", "admin"},
        "samawa_token_issue": {"walidata", "admin"},
        "samawa_token_revoke": {"walidata", "admin"},
        "samawa_token_uses": {"walidata", "admin"},
        "samawa_key_rotate": {"walidata", "admin"},
        # SAMAWA datasets: the OPDs' submission API takes a signed token; the Walidata and admins define and
        # review; the producer OPD's data operators read their own OPD's datasets (the view narrows it)
        "api_dataset_submit": {"api-token"},
        "api_dataset_submission": {"api-token"},
        "samawa_datasets": {"walidata", "admin", "data_operator"},
        "samawa_dataset_new": {"walidata", "admin"},
        "samawa_dataset_create": {"walidata", "admin"},
        "samawa_dataset": {"walidata", "admin", "data_operator"},
        "samawa_submission": {"walidata", "admin", "data_operator"},
        "samawa_submission_review": {"walidata", "admin"},
        "samawa_version_csv": {"walidata", "admin", "data_operator"},
        "samawa_version_json": {"walidata", "admin", "data_operator"},
        "samawa_version_diff": {"walidata", "admin", "data_operator"},
    }


def allowed(route_name: str, username: str | None) -> bool:
    roles = ROUTE_ROLES[route_name]
    return roles is PUBLIC or (username is not None and bool(set(USERS[username]) & roles))


async def test_role_matrix(app: web.Application, new_client: NewClient) -> None:
    routes = every_route(app)
    assert len(routes) >= len(ROUTE_ROLES)
    checked = 0
    for username in VISITORS:
        client = await new_client()
        for name, method, path in routes:
            if username is not None and session_cookie(client) is None:
                await sign_in(client, username)  # the matrix walks /keluar too
            await check_route(client, username, name, method, path)
            checked += 1
    assert checked == len(VISITORS) * len(routes)


async def check_route(client: TestClient, username: str | None, name: str, method: str, path: str) -> None:
    where = f"{username or 'anonymous'}: {method} {path} ({name})"
    data = None
    if method == "POST":
        data = {"csrf_token": await csrf_token(client, "/ca"), "next": "/ca", **POST_FORMS.get(name, {})}
        if name == "login":  # a failed sign-in per visitor: one username's failures are throttled at 5
            data["username"] = f"nobody-{username or 'anonymous'}"
    response = await client.request(method, path, data=data, allow_redirects=False)
    if name in ENDLESS and response.status == 200:
        body = (await response.content.readuntil(b"\n\n")).decode()  # an event stream: its first event
        response.close()
    else:
        body = (await response.read()).decode(errors="replace")  # the CA download is DER
    is_api = path.startswith("/api/")

    if ROUTE_ROLES[name] is PUBLIC or ROUTE_ROLES[name] is API_TOKEN:  # API_TOKEN: the view decides alone
        assert response.status == PUBLIC_OUTCOME.get(name, 200), f"{where}: {response.status} {body[:200]}"
    elif allowed(name, username):
        assert response.status == ALLOWED_OUTCOME.get(name, 200), f"{where}: {response.status} {body[:200]}"
    elif username is None and is_api:
        assert response.status == 401, where
        if method != "HEAD":
            assert json.loads(body)["error"]["code"] == "unauthorized", where
    elif username is None:
        assert response.status == 303, where
        assert response.headers["Location"].startswith("/masuk?next="), where
    else:
        assert response.status == 403, where
        if is_api and method != "HEAD":
            assert json.loads(body)["error"]["code"] == "forbidden", where


@pytest.mark.parametrize("path", ["/uji-tanpa-aturan", "/api/v1/uji-tanpa-aturan"])
@pytest.mark.parametrize("named", [True, False])
async def test_a_route_missing_from_the_role_table_is_refused(
    settings: Settings, aiohttp_client: AiohttpClient, users: dict[str, int], path: str, named: bool
) -> None:
    called = []

    async def forgotten(_request: web.Request) -> web.Response:
        called.append(True)
        return web.Response(text="should not be reachable")

    app = create_app(settings)
    app.router.add_get(path, forgotten, name="uji_tanpa_aturan" if named else None)
    client = await aiohttp_client(app)
    for visitor in (None, "admin"):
        if visitor:
            await sign_in(client, visitor)
        response = await client.get(path, allow_redirects=False)
        assert response.status == 403, f"{visitor}: {response.status}"
        if path.startswith("/api/"):
            assert (await response.json())["error"]["code"] == "forbidden"
    assert called == []


async def test_a_refused_page_explains_itself_in_the_readers_language(new_client: NewClient) -> None:
    client = await new_client()
    await sign_in(client, "pegawai")
    response = await client.get("/penggunaan")
    assert response.status == 403
    assert "Anda tidak berhak membuka halaman ini" in await response.text()
    missing = await client.get("/tidak-ada")
    assert missing.status == 404 and "Halaman tidak ditemukan" in await missing.text()
    token = await csrf_token(client, "/ca")
    await client.post("/bahasa", data={"csrf_token": token, "lang": "en", "next": "/"})
    english = await client.get("/penggunaan")
    assert english.status == 403 and "You may not open this page" in await english.text()
