"""The CA page and downloads: public, Indonesian first, and never the private key."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from cryptography import x509

from certs.authority import ca_fingerprint_sha256, load_ca_certificate
from smedi.settings import Settings
from tests.admin.conftest import csrf_from


async def test_the_page_is_indonesian_by_default_and_english_on_request(
    client: TestClient, settings: Settings
) -> None:
    page = await client.get("/ca")
    assert page.status == 200
    html = await page.text()
    assert '<html lang="id">' in html
    assert "Pasang sertifikat S'MEDI" in html
    assert "Install the S'MEDI certificate" not in html
    assert ca_fingerprint_sha256(settings.certs_dir) in html

    switch = await client.post(
        "/bahasa", data={"csrf_token": csrf_from(html), "lang": "en", "next": "/ca"}, allow_redirects=False
    )
    assert switch.status == 303
    english = await (await client.get(switch.headers["Location"])).text()
    assert '<html lang="en">' in english
    assert "Install the S'MEDI certificate" in english
    assert "Pasang sertifikat" not in english
    assert ca_fingerprint_sha256(settings.certs_dir) in english


@pytest.mark.parametrize(
    ("path", "content_type", "load"),
    [
        ("/ca/smedi-ca.pem", "application/x-pem-file", x509.load_pem_x509_certificate),
        ("/ca/smedi-ca.cer", "application/x-x509-ca-cert", x509.load_der_x509_certificate),
    ],
)
async def test_downloads_are_the_ca_certificate_and_never_the_key(
    client: TestClient,
    settings: Settings,
    path: str,
    content_type: str,
    load: Callable[[bytes], x509.Certificate],
) -> None:
    response = await client.get(path)
    assert response.status == 200
    assert response.content_type == content_type
    assert response.headers["Content-Disposition"].startswith("attachment;")
    body = await response.read()
    assert b"PRIVATE KEY" not in body
    cert = load(body)
    assert cert == load_ca_certificate(settings.certs_dir)
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


async def test_the_page_links_both_downloads(client: TestClient, app: web.Application) -> None:
    html = await (await client.get("/ca")).text()
    for name in ("ca_pem", "ca_der"):
        assert f'href="{app.router[name].url_for()}"' in html
