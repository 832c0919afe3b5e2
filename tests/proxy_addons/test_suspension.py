"""The suspension addon on mitmproxy's test flows: a suspended employee gets the page (until when, why,
escaped), a pass-through tunnel is refused before connecting, an ended suspension lets them through."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import MappingProxyType, SimpleNamespace
from zoneinfo import ZoneInfo

from mitmproxy import connection
from mitmproxy.proxy import context, server_hooks
from mitmproxy.test import taddons, tflow
from mitmproxy.tls import ClientHello, ClientHelloData

from proxy_addons.rules import Requester
from proxy_addons.snapshots import Decision, Employee, Suspension, suspensions_from_rows
from proxy_addons.suspension import Suspensions
from tests.proxy_addons.test_addons import client_hello_bytes

JAKARTA = ZoneInfo("Asia/Jakarta")
BUDI = Employee(7, "budi", 1, "DISKOMINFO", Requester(7, (1,)))
REASON = "Unggahan <b>besar</b>"


def addon(ends_at: datetime) -> Suspensions:
    state = SimpleNamespace(
        tz=JAKARTA,
        suspensions=suspensions_from_rows(
            [{"id": 3, "employee_id": 7, "reason": REASON, "ends_at": ends_at}]
        ),
    )
    return Suspensions(state, {})  # type: ignore[arg-type]


def flow_of(employee: Employee | None) -> object:
    flow = tflow.tflow()
    flow.request.host = "news.test"
    flow.metadata["employee"] = employee
    return flow


def test_a_suspended_employee_gets_the_page_saying_until_when_and_why() -> None:
    until = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    suspensions = addon(until)
    with taddons.context(suspensions):
        flow = flow_of(BUDI)
        assert suspensions.in_force(BUDI, now=until - timedelta(hours=1)) is not None
        assert suspensions.in_force(BUDI, now=until) is None  # ends on its own, with no reload
        assert suspensions.in_force(None) is None
        suspensions.requestheaders(flow)  # type: ignore[arg-type]
    # `until` is in the past by the wall clock: the suspension has ended on its own
    assert flow.response is None  # type: ignore[attr-defined]

    suspensions = addon(datetime.now(UTC) + timedelta(hours=2))
    with taddons.context(suspensions):
        flow = flow_of(BUDI)
        suspensions.requestheaders(flow)  # type: ignore[arg-type]
        page = flow.response.get_text()  # type: ignore[attr-defined]
        assert flow.response.status_code == 403  # type: ignore[attr-defined]
        assert "Akses internet Anda ditangguhkan" in page and "WIB" in page
        assert "Unggahan &lt;b&gt;besar&lt;/b&gt;" in page and REASON not in page
        decision = flow.metadata["decision"]  # type: ignore[attr-defined]
        assert (decision.action, decision.rule) == ("block", "suspension:3")
        other = flow_of(Employee(8, "sari", 1, "DISKOMINFO"))
        suspensions.requestheaders(other)  # type: ignore[arg-type]
        assert other.response is None  # type: ignore[attr-defined]


def test_a_pass_through_tunnel_of_a_suspended_employee_is_refused_before_connecting() -> None:
    suspensions = addon(datetime.now(UTC) + timedelta(hours=1))
    with taddons.context(suspensions) as tctx:
        client = connection.Client(
            peername=("127.0.0.1", 5000), sockname=("127.0.0.1", 8080), timestamp_start=0
        )
        suspensions.tunnels[client.id] = (Decision("bank.test", "passthrough", "category:perbankan"), BUDI)
        data = ClientHelloData(
            context.Context(client, tctx.options), ClientHello(client_hello_bytes("bank.test"))
        )
        suspensions.tls_clienthello(data)
        assert suspensions.tunnels[client.id][0].rule == "suspension:3"
        server = connection.Server(address=("bank.test", 443))
        suspensions.server_connect(server_hooks.ServerConnectionHookData(server, client))
        assert server.error == "refused: internet access suspended"
        suspensions.client_disconnected(client)


def test_the_directory_keeps_the_suspension_ending_last() -> None:
    now = datetime.now(UTC)
    rows = [{"id": 1, "employee_id": 7, "reason": "a", "ends_at": now}]
    found = suspensions_from_rows(rows)
    assert isinstance(found, MappingProxyType) and found[7] == Suspension(1, 7, "a", now)
