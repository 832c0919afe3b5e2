"""Block, pass through or intercept according to the current policy snapshot: on CONNECT, SNI and URL."""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from datetime import datetime

import structlog
from mitmproxy import connection, http, tls
from mitmproxy.proxy import server_hooks

from proxy_addons import warn_pass
from proxy_addons.addresses import Addresses, transparent
from proxy_addons.hostnames import InvalidHost, is_ip, normalize_host
from proxy_addons.live import LiveState
from proxy_addons.pages import PageContext, block_response, warn_response
from proxy_addons.rules import Requester
from proxy_addons.snapshots import Decision, Employee
from proxy_addons.url_params import take_param, with_param

log = structlog.get_logger(__name__)
LANG_PARAM = "smedi_bahasa"  # ?smedi_bahasa=en on a blocked URL shows its page in English


def _requester(flow: http.HTTPFlow) -> Requester | None:
    employee: Employee | None = flow.metadata.get("employee")
    return employee.requester if employee else None


class Policy:
    def __init__(self, state: LiveState, addresses: Addresses, portal_url: str) -> None:
        self.state = state
        self.addresses = addresses
        self.portal_url = portal_url
        # client.id → the decision and employee of a TLS connection decided whole at the ClientHello
        # (relayed undecrypted, or refused): accounting bills its bytes to them
        self.tunnels: dict[str, tuple[Decision, Employee | None]] = {}
        self._tunnel_employees: dict[str, Employee | None] = {}  # client.id → who opened the CONNECT
        self._refused_tls: set[str] = set()  # client ids whose ClientHello named a blocked site
        self._warn_secret = secrets.token_bytes(32)  # signs "continue" links; a restart asks again
        self._continued: dict[tuple[int, str], float] = {}  # (employee id, host) → until (monotonic)

    def http_connect(self, flow: http.HTTPFlow) -> None:
        if flow.response or flow.error:
            return
        self._tunnel_employees[flow.client_conn.id] = flow.metadata.get("employee")
        self._check(flow, [flow.request.host], url=None)

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        # The destination decides where bytes go; a different Host header is checked too.
        self._check(flow, [flow.request.host, flow.request.pretty_host], url=flow.request.path)

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        client = data.context.client
        raw = data.client_hello.sni or (data.context.server.address or ("",))[0]  # no SNI: the destination IP
        try:
            host = normalize_host(raw)
        except InvalidHost:
            return  # intercepted: the URL check after decryption still applies
        if transparent(client):
            employee = self.addresses.employee(client.peername[0])
        else:
            employee = self._tunnel_employees.get(client.id)
        decision = self.state.policy.decide(host, employee.requester if employee else None)
        if decision.blocked and decision.final:
            # No public API kills a connection here: hand it to a TCP layer and fail its upstream
            # connect (server_connect below), so the site never sees a single packet from us.
            data.ignore_connection = True
            self._refused_tls.add(client.id)
            self.tunnels[client.id] = (decision, employee)
            log.info("tls_blocked", host=host, rule=decision.rule)
        elif decision.action == "passthrough":
            if transparent(client) and employee is None:
                return  # intercepted: an unknown device gets the sign-in page, never unaccounted bytes
            data.ignore_connection = True  # never decrypted: banking, health, pinned apps
            self.tunnels[client.id] = (decision, employee)

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        if data.client.id in self._refused_tls:
            data.server.error = "blocked by policy (SNI)"

    def client_disconnected(self, client: connection.Client) -> None:
        self._refused_tls.discard(client.id)
        self._tunnel_employees.pop(client.id, None)
        self.tunnels.pop(client.id, None)

    def _check(self, flow: http.HTTPFlow, hosts: list[str], url: str | None) -> None:
        if flow.response or flow.error:
            return  # an earlier addon already answered
        decision: Decision | None = None
        for raw in dict.fromkeys(hosts):
            try:
                host = normalize_host(raw)
            except InvalidHost as exc:
                flow.response = http.Response.make(
                    400, f"Bad host name: {exc}\n", {"Content-Type": "text/plain"}
                )
                flow.metadata["decision"] = Decision(raw[:253], "block", "invalid_host")
                return
            full_url = None if url is None else f"{flow.request.scheme}://{_authority(host)}{url}"
            decision = self.state.policy.decide(host, _requester(flow), full_url)
            if decision.blocked:
                break
        assert decision is not None
        flow.metadata["decision"] = decision  # accounting reads it; addons never call each other
        if decision.action == "warn":
            self._warn(flow, decision)
        elif decision.blocked:
            flow.response = block_response(self._page(flow, decision))
            employee = flow.metadata.get("employee")
            log.info(
                "request_blocked",
                employee=employee and employee.username,
                host=decision.host,
                rule=decision.rule,
                reference=flow.metadata["reference"],
            )

    def _warn(self, flow: http.HTTPFlow, decision: Decision) -> None:
        """A page the employee can continue past; continuing is remembered for an hour and recorded."""
        employee: Employee | None = flow.metadata.get("employee")
        employee_id = employee.id if employee else 0
        key = (employee_id, decision.host)
        if self._continued.get(key, 0) > time.monotonic():
            return
        url, _ = take_param(flow.request.pretty_url, LANG_PARAM)
        url, token = warn_pass.take_token(url)
        if token and warn_pass.verify(self._warn_secret, token, employee_id, decision.host, time.time()):
            if len(self._continued) > 100_000:  # forget the expired ones rather than grow without end
                now = time.monotonic()
                self._continued = {k: until for k, until in self._continued.items() if until > now}
            self._continued[key] = time.monotonic() + warn_pass.CONTINUE_SECONDS
            log.info("warning_continued", employee=employee and employee.username, host=decision.host)
            flow.response = http.Response.make(303, b"", {"Location": url, "Cache-Control": "no-store"})
            return
        expires = int(time.time()) + warn_pass.LINK_SECONDS
        signed = warn_pass.sign(self._warn_secret, employee_id, decision.host, expires)
        page = replace(self._page(flow, decision), continue_url=warn_pass.with_token(url, signed))
        flow.response = warn_response(page)

    def _page(self, flow: http.HTTPFlow, decision: Decision) -> PageContext:
        reference = secrets.token_hex(4).upper()
        flow.metadata["reference"] = reference
        snapshot = self.state.policy
        reason_id, reason_en = snapshot.explain(decision)
        url, lang = take_param(flow.request.pretty_url, LANG_PARAM)
        lang = "en" if lang == "en" else "id"
        other = with_param(url, LANG_PARAM, "id" if lang == "en" else "en")
        return PageContext(
            decision, url, reason_id, reason_en, datetime.now(snapshot.tz), reference, self.portal_url,
            lang=lang, other_language_url=other,
        )  # fmt: skip


def _authority(host: str) -> str:
    return f"[{host}]" if is_ip(host) and ":" in host else host
