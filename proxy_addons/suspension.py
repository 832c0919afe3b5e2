"""Refuse an employee whose internet an admin has suspended (a corrective action from an alert): a page
saying until when and why where a page can be shown, a refused connection where it cannot (a tunnel
relayed undecrypted). The suspensions come with the directory (LiveState), reloaded on NOTIFY."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import structlog
from mitmproxy import connection, http, tls
from mitmproxy.proxy import server_hooks

from proxy_addons.hostnames import InvalidHost, normalize_host
from proxy_addons.live import LiveState
from proxy_addons.pages import _HTML, _SECURITY_HEADERS, render
from proxy_addons.policy import LANG_PARAM
from proxy_addons.snapshots import Decision, Employee, Suspension
from proxy_addons.url_params import take_param, with_param

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SuspendedPage:
    url: str
    reason: str
    until: datetime  # local
    at: datetime  # local
    reference: str
    lang: str = "id"
    other_language_url: str = ""


class Suspensions:
    def __init__(self, state: LiveState, tunnels: dict[str, tuple[Decision, Employee | None]]) -> None:
        self.state = state
        self.tunnels = tunnels  # the policy's ClientHello decisions; a refusal here is recorded there
        self._refused: set[str] = set()  # client ids of tunnels refused for a suspension

    def in_force(self, employee: Employee | None, now: datetime | None = None) -> Suspension | None:
        if employee is None:
            return None
        suspension: Suspension | None = self.state.suspensions.get(employee.id)
        if suspension is None or suspension.ends_at <= (now or datetime.now(UTC)):
            return None  # ended on its own: no reload needed for that
        return suspension

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response or flow.error:
            return  # an earlier addon already answered (a sign-in, a block page)
        employee: Employee | None = flow.metadata.get("employee")
        suspension = self.in_force(employee)
        if suspension is None:
            return
        assert employee is not None
        try:
            host = normalize_host(flow.request.pretty_host)
        except InvalidHost:
            host = "(invalid)"
        reference = secrets.token_hex(4).upper()
        # Recorded as a request blocked by the suspension (accounting reads the decision).
        flow.metadata["decision"] = Decision(host, "block", f"suspension:{suspension.id}")
        flow.metadata["reference"] = reference
        flow.response = self._page(flow, suspension, reference)
        log.info("request_suspended", employee=employee.username, host=host, suspension=suspension.id)

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        """A tunnel relayed undecrypted cannot show a page: refused before connecting."""
        client = data.context.client
        tunnel = self.tunnels.get(client.id)
        if tunnel is None or tunnel[0].action != "passthrough":
            return
        decision, employee = tunnel
        suspension = self.in_force(employee)
        if suspension is not None and employee is not None:
            self._refused.add(client.id)
            self.tunnels[client.id] = (
                replace(decision, action="block", rule=f"suspension:{suspension.id}"),
                employee,
            )
            log.info("request_suspended", employee=employee.username, host=decision.host, tunnel=True)

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        if data.client.id in self._refused:
            data.server.error = "refused: internet access suspended"

    def client_disconnected(self, client: connection.Client) -> None:
        self._refused.discard(client.id)

    def _page(self, flow: http.HTTPFlow, suspension: Suspension, reference: str) -> http.Response:
        tz = self.state.tz
        url, lang = take_param(flow.request.pretty_url, LANG_PARAM)
        lang = "en" if lang == "en" else "id"
        page = SuspendedPage(
            url=url, reason=suspension.reason, until=suspension.ends_at.astimezone(tz),
            at=datetime.now(tz), reference=reference, lang=lang,
            other_language_url=with_param(url, LANG_PARAM, "id" if lang == "en" else "en"),
        )  # fmt: skip
        return http.Response.make(
            403, render("suspended.html", page=page), {"Content-Type": _HTML, **_SECURITY_HEADERS}
        )
