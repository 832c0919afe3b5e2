"""How a connection's socket bytes are shared among its rows: every byte once, each part its own."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from accounting.meter import INTERVAL_SECONDS, ConnectionMeter, _split


def test_one_request_takes_the_connect_and_handshake_bytes_before_it() -> None:
    meter = ConnectionMeter("conn", 0.0)
    meter.up, meter.down = 300, 3000  # CONNECT, 200, TLS handshake
    assert meter.settle(0.5) == []  # waits for the request that follows
    part = meter.open("f1", "flow-1", 0.6)
    meter.up, meter.down = 800, 9000
    part.weight_up, part.weight_down, part.body_down = 200, 6000, 5800
    part.finished = True
    (share,) = meter.settle(1.0)
    assert (share.subject, share.kind, share.bytes_up, share.bytes_down) == ("flow-1", "request", 800, 9000)
    assert share.body_down == 5800 and (share.since, share.until) == (0.6, 1.0)
    meter.up += 31  # the TLS close after the request's row was written
    (close,) = meter.settle(2.0, closing=True)
    assert (close.subject, close.kind, close.bytes_up) == ("conn", "connection", 31)


def test_a_page_of_ours_waits_for_its_write_before_its_row() -> None:
    meter = ConnectionMeter("conn", 0.0)
    part = meter.open("f1", "flow-1", 0.0)
    meter.up = 60
    part.weight_down = part.body_down = 1500
    meter.unsent.append(part)  # the hook is done; the proxy writes the page next
    assert meter.settle(0.1) == []  # a settle in between: the page is not in a row without its bytes
    meter.wrote(1200)  # head and body, written in one step
    meter.wrote(400)
    (share,) = meter.settle(0.2)
    assert (share.subject, share.kind, share.bytes_up, share.bytes_down, share.body_down) == (
        "flow-1", "request", 60, 1600, 1500,
    )  # fmt: skip


def test_keep_alive_to_two_hosts_bills_each_its_own_bytes() -> None:
    meter = ConnectionMeter("conn", 0.0)
    a, b = meter.open("a", "a", 0.1), meter.open("b", "b", 0.2)
    a.weight_up, a.weight_down, b.weight_up, b.weight_down = 100, 1_000_000, 100, 1000
    a.finished = b.finished = True
    meter.up, meter.down = 210, 1_001_100
    shares = {s.subject: s for s in meter.settle(0.5)}
    assert shares["a"].bytes_down > 999_000 and shares["b"].bytes_down < 2000
    assert sum(s.bytes_down for s in shares.values()) == 1_001_100
    assert sum(s.bytes_up for s in shares.values()) == 210


def test_a_long_download_is_billed_in_intervals_then_finished() -> None:
    meter = ConnectionMeter("conn", 0.0)
    part = meter.open("f", "dl", 0.0)
    rows = []
    for second in range(1, 13):
        meter.down += 1000
        part.weight_down += 1000
        part.body_down += 990
        rows += meter.settle(float(second))
    part.finished = True
    meter.down += 500
    rows += meter.settle(12.5)
    assert [r.kind for r in rows] == ["interval", "interval", "request"]
    assert [r.until for r in rows] == [INTERVAL_SECONDS, 2 * INTERVAL_SECONDS, 12.5]
    assert sum(r.bytes_down for r in rows) == 12_500 and sum(r.body_down for r in rows) == 11_880


def test_a_tunnel_alone_is_one_request_at_close_and_intervals_meanwhile() -> None:
    meter = ConnectionMeter("conn", 0.0)
    meter.open("t", "tunnel", 0.0)
    meter.up, meter.down = 1000, 50_000
    assert meter.settle(1.0) == []
    (interval,) = meter.settle(6.0)
    meter.down += 7
    (final,) = meter.settle(7.0, closing=True)
    assert (interval.kind, interval.bytes_down, final.kind, final.bytes_down) == (
        "interval",
        50_000,
        "request",
        7,
    )
    assert not meter.parts


def test_a_connection_without_requests_is_one_request_row() -> None:
    meter = ConnectionMeter("conn", 0.0)
    meter.up = 17  # garbage, then the client went away
    (row,) = meter.settle(0.2, closing=True)
    assert (row.subject, row.kind, row.bytes_up) == ("conn", "request", 17)
    assert meter.settle(0.3, closing=True) == []  # nothing new: nothing billed twice


@given(st.integers(0, 10**12), st.lists(st.integers(0, 10**9), min_size=1, max_size=20))
def test_split_shares_every_byte_exactly_once(total: int, weights: list[int]) -> None:
    shares = _split(total, weights)
    assert sum(shares) == total and all(s >= 0 for s in shares)


@given(st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 5000), st.booleans()), max_size=40))
def test_whatever_happens_the_rows_add_up_to_the_socket(events: list[tuple[int, int, bool]]) -> None:
    meter = ConnectionMeter("conn", 0.0)
    rows, now, parts = [], 0.0, []
    for i, (up, down, finish) in enumerate(events):
        now += 0.7
        if i % 3 == 0:
            parts.append(meter.open(i, i, now))
        meter.up += up
        meter.down += down
        if parts:
            parts[-1].weight_up += up // 2
            parts[-1].weight_down += down
            parts[-1].finished = finish
        rows += meter.settle(now)
    rows += meter.settle(now + 1, closing=True)
    assert sum(r.bytes_up for r in rows) == meter.up and sum(r.bytes_down for r in rows) == meter.down
    assert meter.idle()
