"""Generated usage records as the proxy would submit them: page views over the last hour, in time order.

2,000 employees in 60 OPDs, 5,000 hosts of Zipf popularity, the eleven seeded categories. A page view is
a burst: about 20 requests within 10 s, most to the page's own host, the rest to popular shared hosts
(CDNs, fonts, analytics); a blocked site gets one request (the block page), a passed-through one a few
TLS tunnels. The bursts matter: they decide how many usage_hourly rows a batch of records folds into.
"""

from __future__ import annotations

import ipaddress
import itertools
import random
import time
import uuid
from datetime import UTC, datetime
from typing import NamedTuple

from accounting.records import UsageRecord

EMPLOYEES, ORG_UNITS, HOSTS = 2_000, 60, 5_000
# fmt: off
CATEGORIES = {  # the eleven seeded slugs (sql/0002) with what they do and their share of categorised hosts
    "pemerintahan": ("allow", 30), "media-sosial": ("allow", 20), "streaming": ("allow", 12),
    "perbankan": ("passthrough", 8), "kesehatan": ("passthrough", 4), "berbagi-file": ("allow", 6),
    "game-online": ("allow", 5), "judi": ("block", 6), "pornografi": ("block", 4), "malware": ("block", 2),
    "bypass": ("block", 3),
}
# fmt: on
CATEGORISED_SHARE = 0.4  # most hosts people visit are in no list
MEAN_PAGE_REQUESTS = 20  # requests a page view makes, on average
SITE_SHARE = 0.6  # of them to the page's own host; the rest to popular shared hosts
PAGE_SECONDS = 10.0  # a page view's requests start within this long
SIGNED_OUT_SHARE = 0.01  # page views refused before anyone signed in (407)
TLDS = ("com", "com", "com", "net", "org", "co.id", "go.id", "ac.id", "id", "io")
WORDS = "berita kota semarang jateng toko pasar info data cloud cdn api video foto akun bank sehat".split()


class Request(NamedTuple):
    ts: float
    employee: int
    host: str
    signed_in: bool


def page_views(count: int, rng: random.Random, hosts: list[str], category: dict[str, str]) -> list[Request]:
    """`count` requests over the last hour in time order, in page views."""
    popularity = list(itertools.accumulate(1 / rank for rank in range(1, len(hosts) + 1)))  # Zipf
    now = time.time()
    requests: list[Request] = []
    while len(requests) < count:
        employee = rng.randint(1, EMPLOYEES)
        signed_in = rng.random() >= SIGNED_OUT_SHARE
        start = now - rng.uniform(PAGE_SECONDS, 3600)
        site = rng.choices(hosts, cum_weights=popularity)[0]
        action = CATEGORIES[category[site]][0] if category[site] else "allow"
        if action == "allow":
            size = 1 + int(rng.expovariate(1 / (MEAN_PAGE_REQUESTS - 1)))
        else:
            size = 1 if action == "block" else rng.randint(1, 3)
        for _ in range(size if signed_in else 1):
            shared = action == "allow" and rng.random() >= SITE_SHARE
            host = rng.choices(hosts, cum_weights=popularity)[0] if shared else site
            requests.append(Request(start + rng.uniform(0, PAGE_SECONDS), employee, host, signed_in))
    del requests[count:]
    requests.sort()
    return requests


def generated_records(count: int, rng: random.Random) -> list[UsageRecord]:
    """`count` records of page views over the last hour, in time order."""
    hosts = [
        f"{rng.choice(('www.', '', 'm.', 'cdn.'))}{rng.choice(WORDS)}{i}.{rng.choice(TLDS)}"
        for i in range(HOSTS)
    ]
    slugs, shares = list(CATEGORIES), [share for _, share in CATEGORIES.values()]
    category = {
        host: rng.choices(slugs, shares)[0] if rng.random() < CATEGORISED_SHARE else "" for host in hosts
    }
    org_unit = {e: rng.randint(1, ORG_UNITS) for e in range(1, EMPLOYEES + 1)}
    address = {e: ipaddress.IPv4Address(0x0A140000 + e) for e in range(1, EMPLOYEES + 1)}  # 10.20.x.x
    records = []
    for ts, employee, host, signed_in in page_views(count, rng, hosts, category):
        slug = category[host]
        action = CATEGORIES[slug][0] if slug else "allow"
        up = rng.randint(250, 900) + (rng.randint(100, 20_000) if rng.random() < 0.05 else 0)
        down = int(min(rng.lognormvariate(8.5, 2.0), 50e6))  # median ~5 KB, a long tail of downloads
        if not signed_in:
            decision, status, scheme, method, down = "auth_required", 407, "http", "GET", 180
        elif action == "passthrough":
            decision, status, scheme, method = "passthrough", None, "tls", "TUNNEL"
        elif action == "block":
            decision, status, scheme, method, down = "block", 403, "https", "GET", 2_400
        else:
            decision, status, scheme, method = "allow", 200, "https", rng.choice(("GET",) * 9 + ("POST",))
        records.append(
            UsageRecord(
                ts=datetime.fromtimestamp(ts, UTC),
                employee_id=employee if signed_in else None,
                org_unit_id=org_unit[employee] if signed_in else None,
                client_ip=address[employee],
                host=host,
                scheme=scheme,
                method=method,
                status=status,
                decision=decision,
                category=slug if signed_in else "",
                rule=f"category:{slug}" if signed_in and action == "block" else "",
                bytes_up=up,
                bytes_down=down,
                request_body_bytes=max(0, up - 600),
                response_body_bytes=max(0, down - 300),
                duration_ms=int(rng.lognormvariate(4.5, 1.2)),
                reference=f"B{rng.getrandbits(32):08x}" if decision == "block" else None,
                kind="request",
                flow_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            )
        )
    return records
