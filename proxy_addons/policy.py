"""Block or pass a request according to the current policy snapshot: on CONNECT, SNI and URL."""

from __future__ import annotations

import structlog
from mitmproxy import connection, http, tls
from mitmproxy.proxy import server_hooks

from proxy_addons.hostnames import InvalidHost, normalize_host
from proxy_addons.live import LiveState
from proxy_addons.pages import block_response
from proxy_addons.snapshots import Decision

log = structlog.get_logger(__name__)


class Policy:
    def __init__(self, state: LiveState, portal_url: str) -> None:
        self.state = state
        self.portal_url = portal_url
        self._refused_tls: set[str] = set()  # client ids whose ClientHello named a blocked site

    def http_connect(self, flow: http.HTTPFlow) -> None:
        self._check(flow, [flow.request.host])

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        # The destination decides where bytes go; a different Host header is checked too.
        self._check(flow, [flow.request.host, flow.request.pretty_host])

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        sni = data.client_hello.sni
        if not sni:
            return
        try:
            decision = self.state.policy.decide(normalize_host(sni))
        except InvalidHost:
            return  # the URL check after decryption still applies
        if decision.blocked:
            # No public API kills a connection here: hand it to a TCP layer and fail its upstream
            # connect (server_connect below), so the site never sees a single packet from us.
            data.ignore_connection = True
            self._refused_tls.add(data.context.client.id)
            log.info("tls_blocked", host=decision.host, rule=decision.rule)

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        if data.client.id in self._refused_tls:
            data.server.error = "blocked by policy (SNI)"

    def client_disconnected(self, client: connection.Client) -> None:
        self._refused_tls.discard(client.id)

    def _check(self, flow: http.HTTPFlow, hosts: list[str]) -> None:
        if flow.response or flow.error:
            return  # an earlier addon already answered
        decision: Decision | None = None
        for raw in dict.fromkeys(hosts):
            try:
                decision = self.state.policy.decide(normalize_host(raw))
            except InvalidHost as exc:
                flow.response = http.Response.make(
                    400, f"Bad host name: {exc}\n", {"Content-Type": "text/plain"}
                )
                flow.metadata["decision"] = Decision(raw[:253], blocked=True, rule="invalid_host")
                return
            if decision.blocked:
                break
        assert decision is not None
        flow.metadata["decision"] = decision  # accounting reads it; addons never call each other
        if decision.blocked:
            flow.response = block_response(decision, flow.request.pretty_url, self.portal_url)
            employee = flow.metadata.get("employee")
            log.info(
                "request_blocked",
                employee=employee and employee.username,
                host=decision.host,
                rule=decision.rule,
            )
