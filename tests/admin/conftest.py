"""Portal fixtures: the real app on a real test server over a real database, one user per role, sign-in."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer

from admin.app import create_app
from admin.directory import add_employee, add_org
from admin.security import SESSION_COOKIE
from certs.authority import ensure_ca
from smedi.settings import Settings

PASSWORD = "kata-sandi-uji-1"
ORG = "DISKOMINFO"
# username → roles; one user per kind the role matrix walks (anonymous is a client without sign-in).
USERS: dict[str, tuple[str, ...]] = {
    "admin": ("admin", "employee"),
    "hr": ("hr", "employee"),
    "pemeriksa": ("inspector", "employee"),
    "operator": ("data_operator", "employee"),
    "walidata": ("walidata", "employee"),
    "pegawai": ("employee",),
}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')

NewClient = Callable[[], Awaitable[TestClient]]


@pytest.fixture(scope="session")
def portal_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SMEDI_HOME with a CA, made once: an RSA key per test would only slow the suite down."""
    home = tmp_path_factory.mktemp("portal-home")
    ensure_ca(home / "certs")
    return home


@pytest.fixture
def settings(database_url: str, portal_home: Path) -> Settings:
    settings = dataclasses.replace(Settings(), database_url=database_url, home=portal_home)
    assert settings.certs_dir == portal_home / "certs"
    return settings


@pytest.fixture
async def users(db: asyncpg.Pool) -> dict[str, int]:
    """username → employee id, all in one OPD."""
    await add_org(db, ORG, "Dinas Komunikasi, Informatika, Statistik dan Persandian")
    return {
        username: await add_employee(
            db, username, PASSWORD, org=ORG, full_name=f"Uji {username}", roles=roles
        )
        for username, roles in USERS.items()
    }


@pytest.fixture
def app(settings: Settings) -> web.Application:
    return create_app(settings)


@pytest.fixture
async def server(aiohttp_server: AiohttpServer, app: web.Application, users: dict[str, int]) -> TestServer:
    return await aiohttp_server(app)


@pytest.fixture
def new_client(aiohttp_client: AiohttpClient, server: TestServer) -> NewClient:
    """Another browser (its own cookie jar) on the same running portal."""

    async def make() -> TestClient:
        return await aiohttp_client(server)

    return make


@pytest.fixture
async def client(new_client: NewClient) -> TestClient:
    return await new_client()


def csrf_from(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def csrf_token(client: TestClient, path: str = "/masuk") -> str:
    """The token the browser would submit: read from a form, as a browser gets it."""
    response = await client.get(path)
    assert response.status == 200, await response.text()
    return csrf_from(await response.text())


async def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token for the next POSTs."""
    token = await csrf_token(client)
    form = {"csrf_token": token, "username": username, "password": password, "next": "/ca"}
    response = await client.post("/masuk", data=form, allow_redirects=False)
    assert response.status == 303, await response.text()
    assert session_cookie(client)
    return await csrf_token(client, "/ca")


def session_cookie(client: TestClient) -> str | None:
    morsel = client.session.cookie_jar.filter_cookies(client.make_url("/")).get(SESSION_COOKIE)
    return morsel.value if morsel else None


async def signed_in_client(new_client: NewClient, username: str | None) -> TestClient:
    """A fresh browser, signed in as `username` (None: anonymous)."""
    client = await new_client()
    if username is not None:
        await sign_in(client, username)
    return client
