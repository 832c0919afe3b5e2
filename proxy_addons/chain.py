"""The ordered addon list: the order is the behaviour (identity → policy → quota → accounting → core)."""

from __future__ import annotations

import asyncpg
from mitmproxy.addons import block, core, disable_h2c, errorcheck, next_layer, proxyserver, tlsconfig

from accounting.quota_use import QuotaUse
from accounting.writer import UsageWriter
from proxy_addons.accounting import Accounting
from proxy_addons.addresses import Addresses
from proxy_addons.identity import Identity
from proxy_addons.live import LiveState
from proxy_addons.policy import Policy
from proxy_addons.quota import Quotas
from proxy_addons.suspension import Suspensions


def addons(
    state: LiveState,
    addresses: Addresses,
    writer: UsageWriter | None,
    pool: asyncpg.Pool,
    portal_url: str,
) -> list[object]:
    """The chain; without a writer (a benchmark's baseline) nothing is counted and no quota applies."""
    server = proxyserver.Proxyserver()
    policy = Policy(state, addresses, portal_url)
    # A suspended employee is refused after the policy (a blocked site keeps its own page) and before
    # quotas and accounting, which record the refusal.
    ours: list[object] = [Identity(state, addresses, portal_url), policy, Suspensions(state, policy.tunnels)]
    if writer is not None:
        use = QuotaUse(state.tz)
        quotas = Quotas(state, use, pool, policy.tunnels, portal_url)
        writer.on_commit = use.committed
        ours += [quotas, Accounting(writer, server, policy.tunnels, use, quotas.over_quota)]
    return [
        *ours,
        # Only the mitmproxy core the product needs: the default chain of 31 addons halves throughput.
        core.Core(),
        block.Block(),  # refuses clients from public addresses: never an open proxy
        disable_h2c.DisableH2C(),
        server,
        next_layer.NextLayer(),
        tlsconfig.TlsConfig(),
        errorcheck.ErrorCheck(repeat_errors_on_stderr=True),  # e.g. the port is taken: exit, don't idle
    ]
