"""Who is asking: Proxy-Authorization Basic in explicit mode; the client address in transparent mode."""

from __future__ import annotations

import structlog
from mitmproxy import connection, http

from proxy_addons.addresses import Addresses, transparent
from proxy_addons.captive import probe_answer, sign_in_url
from proxy_addons.credentials import CredentialChecker
from proxy_addons.live import LiveState
from proxy_addons.pages import auth_required_response, sign_in_response
from proxy_addons.snapshots import Employee

log = structlog.get_logger(__name__)


class Identity:
    def __init__(self, state: LiveState, addresses: Addresses, portal_url: str) -> None:
        self.state = state
        self.addresses = addresses
        self.portal_url = portal_url
        self.checker = CredentialChecker()
        self._tunnels: dict[str, Employee] = {}  # client.id → employee of an authenticated CONNECT

    async def http_connect(self, flow: http.HTTPFlow) -> None:
        if flow.response or flow.error:
            return
        employee = await self._authenticate(flow)
        if employee is not None:
            self._tunnels[flow.client_conn.id] = employee

    async def requestheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response or flow.error:
            return
        if transparent(flow.client_conn):
            self._by_address(flow)
            return
        employee = self._tunnels.get(flow.client_conn.id)
        if employee is not None:
            flow.metadata["employee"] = employee
            return
        await self._authenticate(flow)

    def client_disconnected(self, client: connection.Client) -> None:
        self._tunnels.pop(client.id, None)

    def _by_address(self, flow: http.HTTPFlow) -> None:
        """Transparent mode: the lease or binding of the device's address; no lease → the captive portal."""
        employee = self.addresses.employee(flow.client_conn.peername[0])
        if employee is None:
            flow.metadata["sign_in_required"] = True
            flow.response = sign_in_response(
                sign_in_url(self.portal_url, flow.request.pretty_url), redirect=flow.request.scheme == "http"
            )
            return
        flow.metadata["employee"] = employee
        probe = probe_answer(flow.request.pretty_host.lower(), flow.request.path)
        if probe is not None:  # the device checks whether the network lets it out: it does now
            headers = {"Content-Type": probe.content_type, "Cache-Control": "no-store"}
            flow.response = http.Response.make(probe.status, probe.body, headers)

    async def _authenticate(self, flow: http.HTTPFlow) -> Employee | None:
        # Removed before anything else can see it: the password is never forwarded or kept on the flow.
        header = flow.request.headers.pop("Proxy-Authorization", "")
        employee = await self.checker.check(header, self.state.directory) if header else None
        if employee is None:
            flow.response = auth_required_response()
            if header:
                log.info("proxy_auth_failed", client=flow.client_conn.peername[0])
            return None
        flow.metadata["employee"] = employee
        return employee
