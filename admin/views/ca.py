"""The organisation's CA certificate: download and install steps; public, as devices need it first."""

from __future__ import annotations

from aiohttp import web

from admin.keys import SETTINGS
from admin.pages import page
from certs.authority import ca_certificate_der, ca_certificate_pem, ca_fingerprint_sha256


@page("ca/index.html")
async def ca_page(request: web.Request) -> dict[str, object]:
    certs_dir = request.app[SETTINGS].certs_dir
    return {
        "fingerprint": ca_fingerprint_sha256(certs_dir),
        "url_pem": request.app.router["ca_pem"].url_for(),
        "url_der": request.app.router["ca_der"].url_for(),
    }


async def ca_pem(request: web.Request) -> web.Response:
    return web.Response(
        body=ca_certificate_pem(request.app[SETTINGS].certs_dir),
        content_type="application/x-pem-file",
        headers={"Content-Disposition": 'attachment; filename="smedi-ca.pem"'},
    )


async def ca_der(request: web.Request) -> web.Response:
    return web.Response(
        body=ca_certificate_der(request.app[SETTINGS].certs_dir),
        content_type="application/x-x509-ca-cert",
        headers={"Content-Disposition": 'attachment; filename="smedi-ca.cer"'},
    )
