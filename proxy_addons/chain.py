"""The ordered addon list: the order is the behaviour (identity → policy → accounting → mitmproxy core)."""

from __future__ import annotations

from mitmproxy.addons import block, core, disable_h2c, errorcheck, next_layer, proxyserver, tlsconfig

from accounting.writer import UsageWriter
from proxy_addons.accounting import Accounting
from proxy_addons.addresses import Addresses
from proxy_addons.identity import Identity
from proxy_addons.live import LiveState
from proxy_addons.policy import Policy


def addons(state: LiveState, addresses: Addresses, writer: UsageWriter, portal_url: str) -> list[object]:
    server = proxyserver.Proxyserver()
    policy = Policy(state, addresses, portal_url)
    return [
        Identity(state, addresses, portal_url),
        policy,
        Accounting(writer, server, policy.passed_through),
        # Only the mitmproxy core the product needs: the default chain of 31 addons halves throughput.
        core.Core(),
        block.Block(),  # refuses clients from public addresses: never an open proxy
        disable_h2c.DisableH2C(),
        server,
        next_layer.NextLayer(),
        tlsconfig.TlsConfig(),
        errorcheck.ErrorCheck(repeat_errors_on_stderr=True),  # e.g. the port is taken: exit, don't idle
    ]
