"""Who is asking: Proxy-Authorization Basic checked against the employee directory."""

from __future__ import annotations

import structlog
from mitmproxy import connection, http

from proxy_addons.credentials import CredentialChecker
from proxy_addons.live import LiveState
from proxy_addons.pages import auth_required_response
from proxy_addons.snapshots import Employee

log = structlog.get_logger(__name__)


class Identity:
    def __init__(self, state: LiveState) -> None:
        self.state = state
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
        employee = self._tunnels.get(flow.client_conn.id)
        if employee is not None:
            flow.metadata["employee"] = employee
            return
        await self._authenticate(flow)

    def client_disconnected(self, client: connection.Client) -> None:
        self._tunnels.pop(client.id, None)

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
