"""/proxy.pac and /wpad.dat: the proxy auto-configuration file, public (devices fetch it unsigned)."""

from __future__ import annotations

from aiohttp import web

from admin.keys import SETTINGS
from admin.pac import pac_script

CONTENT_TYPE = "application/x-ns-proxy-autoconfig"
# Short: browsers re-read it now and then, and a changed proxy address should reach them within minutes.
CACHE_CONTROL = "max-age=300"


async def pac_file(request: web.Request) -> web.Response:
    response = web.Response(text=pac_script(request.app[SETTINGS]), content_type=CONTENT_TYPE)
    response.headers["Cache-Control"] = CACHE_CONTROL  # security_headers would set no-store
    return response
