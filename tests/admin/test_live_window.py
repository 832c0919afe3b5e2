"""The live window: summaries in, the last 5 and 60 minutes out, slots leaving the spans as time goes on."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import pytest

from accounting import live_feed
from accounting.live_feed import Summary
from admin import live_window
from admin.live import LiveHub, NameBook, present
from admin.live_window import LiveWindow

NOW = 1_750_000_020.0  # a multiple of 60: slot boundaries are easy to see


def summary(
    ts: float,
    employees: dict[int, int] | None = None,
    hosts: dict[str, int] | None = None,
    *,
    up: int = 0,
    blocked: int = 0,
    requests: int = 1,
) -> Summary:
    """`employees`/`hosts`: key → bytes down (one request each)."""
    employees = employees or {1: 100}
    hosts = hosts or {"a.test": sum(employees.values())}
    down = sum(employees.values())
    return Summary(
        ts=ts,
        records=requests,
        requests=requests,
        blocked=blocked,
        bytes_up=up,
        bytes_down=down,
        employees=tuple((e, 0, d, 1) for e, d in employees.items()),
        orgs=((5, up, down, requests),),
        hosts=tuple((h, 0, d, 1) for h, d in hosts.items()),
        categories=(("", up, down, requests),),
        sketch=live_feed.sketch_of(e for e in employees if e),
    )


def test_a_summary_counts_in_both_spans_and_in_its_slot() -> None:
    window = LiveWindow()
    assert window.add(summary(NOW - 3.5, {1: 1000, 2: 600}, up=50, blocked=1), NOW)
    snap = window.snapshot(NOW)
    for span in ("last5", "last60"):
        view = snap[span]
        assert (view["requests"], view["blocked"], view["bytes_up"], view["bytes_down"]) == (1, 1, 50, 1600)
        assert view["active_employees"] == 2
        assert view["top"]["employees"] == [[1, 0, 1000, 1], [2, 0, 600, 1]]
        assert view["top"]["orgs"] == [[5, 50, 1600, 1]]
    short = snap["last5"]["series"]
    assert short["step"] == 2 and len(short["down"]) == 149  # 150 slots, the current one still filling
    assert short["start"] + 149 * 2 == NOW
    assert short["down"][-2:] == [800, 0]  # NOW-3.5 is in the slot [NOW-4, NOW-2): 1600 bytes / 2 s
    assert snap["rate"] == {"up": 0, "down": 0}  # the last complete slot [NOW-2, NOW) is empty
    assert window.snapshot(NOW + 0.5)["rate"] == {"up": 0, "down": 0}
    later = window.snapshot(NOW - 1.0)  # as seen one second earlier, [NOW-4, NOW-2) was the last slot
    assert later["rate"] == {"up": 25, "down": 800}
    long = snap["last60"]["series"]
    assert long["step"] == 60 and len(long["down"]) == 59 and long["down"][-1] == round(1600 / 60)


def test_top_lists_add_up_across_summaries_largest_first() -> None:
    window = LiveWindow()
    window.add(summary(NOW - 10, {1: 100, 2: 300}, {"a.test": 100, "b.test": 300}), NOW)
    window.add(summary(NOW - 5, {1: 400, 3: 50}, {"a.test": 400, "c.test": 50}), NOW)
    view = window.snapshot(NOW)["last5"]
    assert view["top"]["employees"] == [[1, 0, 500, 2], [2, 0, 300, 1], [3, 0, 50, 1]]
    assert view["top"]["hosts"] == [["a.test", 0, 500, 2], ["b.test", 0, 300, 1], ["c.test", 0, 50, 1]]
    assert view["active_employees"] == 3
    assert window.snapshot(NOW, top=1)["last5"]["top"]["employees"] == [[1, 0, 500, 2]]


def test_slots_leave_the_five_minutes_then_the_hour() -> None:
    window = LiveWindow()
    window.add(summary(NOW - 1, {7: 1000}, {"old.test": 1000}, blocked=1), NOW)
    after_5 = window.snapshot(NOW + 5 * 60)
    assert after_5["last5"]["bytes_down"] == 0 and after_5["last5"]["top"]["hosts"] == []
    assert after_5["last5"]["active_employees"] == 0 and after_5["last5"]["blocked"] == 0
    assert after_5["last60"]["bytes_down"] == 1000 and after_5["last60"]["active_employees"] == 1
    after_60 = window.snapshot(NOW + 60 * 60)
    assert after_60["last60"]["bytes_down"] == 0 and after_60["last60"]["top"]["employees"] == []
    assert window.long.slots == {} and window.short.slots == {}
    assert all(not tally for tally in window.long.totals.values())  # nothing left behind


def test_too_old_is_refused_and_the_future_is_now() -> None:
    window = LiveWindow()
    assert not window.add(summary(NOW - 3600), NOW)  # a spool replayed an hour late: not live
    assert window.too_old == 1
    assert window.add(summary(NOW + 30, {1: 10}), NOW)  # a proxy's clock ahead: counted now
    assert window.snapshot(NOW)["last5"]["bytes_down"] == 10
    assert window.add(summary(NOW - 400, {1: 20}), NOW)  # in the hour, not in the 5 minutes
    snap = window.snapshot(NOW)
    assert (snap["last5"]["bytes_down"], snap["last60"]["bytes_down"]) == (10, 30)


def test_a_closed_minute_keeps_its_largest_entries_and_the_totals_follow() -> None:
    window = LiveWindow()
    keep = live_window.KEEP_PER_MINUTE
    hosts = {f"h{i}.test": i for i in range(1, keep + 101)}
    window.add(summary(NOW - 30, {1: sum(hosts.values())}, hosts), NOW)
    assert len(window.long.totals["hosts"]) == keep + 100  # the minute is still open
    window.snapshot(NOW + 60)  # now it is closed
    kept = window.long.totals["hosts"]
    assert len(kept) == keep and min(c[1] for c in kept.values()) == 101
    assert window.snapshot(NOW + 60)["last60"]["bytes_down"] == sum(hosts.values())  # totals stay exact
    assert len(window.short.totals["hosts"]) == keep + 100  # 2-second slots are not trimmed


def test_the_window_agrees_with_adding_everything_up_again() -> None:
    """Random summaries over 70 minutes against a naive recount of those still in each span."""
    rng = random.Random(60)  # noqa: S311  # test data
    window = LiveWindow()
    added: list[Summary] = []
    start = NOW - 70 * 60
    for i in range(2000):
        ts = start + i * 2.1
        employees = {rng.randint(1, 50): rng.randint(0, 10_000) for _ in range(rng.randint(1, 5))}
        made = summary(
            ts, employees, {f"h{e % 7}": d for e, d in employees.items()}, blocked=rng.randint(0, 2)
        )
        assert window.add(made, ts + 0.3)
        added.append(made)
    now = start + 2000 * 2.1
    snap = window.snapshot(now)
    for span, step, seconds in (("last5", 2, 300), ("last60", 60, 3600)):
        oldest = int(now // step) * step - seconds + step
        inside = [s for s in added if s.ts >= oldest]
        hosts: Counter[str] = Counter()
        for s in inside:
            for host, _up, down, _requests in s.hosts:
                hosts[host] += down
        view = snap[span]
        assert view["bytes_down"] == sum(s.bytes_down for s in inside), span
        assert view["blocked"] == sum(s.blocked for s in inside), span
        assert {h[0]: h[2] for h in view["top"]["hosts"]} == dict(hosts.most_common(10)), span
        distinct = {e for s in inside for e, *_ in s.employees}
        assert view["active_employees"] == pytest.approx(len(distinct), abs=2), span


# --- the hub around the window (admin/live.py): payloads in, one shared event out --------------------


def test_the_hub_refuses_what_is_not_a_summary_and_keeps_going() -> None:
    hub = LiveHub(clock=lambda: NOW)
    hub.backfilled(0.0)
    hub.hear("<script>")
    hub.hear(live_feed.encode(summary(NOW - 1, {4: 10})))
    assert hub.refused_payloads == 1
    assert hub.window.snapshot(NOW)["last5"]["bytes_down"] == 10


def test_what_is_heard_during_the_backfill_is_added_unless_the_backfill_has_it() -> None:
    hub = LiveHub(clock=lambda: NOW)
    hub.hear(live_feed.encode(summary(NOW - 20, {1: 1})))  # committed before the backfill's snapshot
    hub.hear(live_feed.encode(summary(NOW - 5, {1: 100})))  # after it
    assert hub.window.summaries == 0  # held until the backfill is in
    hub.backfilled(NOW - 10)
    assert hub.window.snapshot(NOW)["last5"]["bytes_down"] == 100
    hub.hear(live_feed.encode(summary(NOW - 1, {1: 1000})))  # from now on, straight in
    assert hub.window.snapshot(NOW)["last5"]["bytes_down"] == 1100


async def test_every_waiting_stream_gets_the_one_published_event_and_none_at_close() -> None:
    hub = LiveHub(clock=lambda: NOW)
    waiting = [asyncio.create_task(hub.next_message(0)) for _ in range(3)]
    await asyncio.sleep(0)
    hub.publish({"at": NOW})
    results = await asyncio.gather(*waiting)
    assert len({id(event) for _version, event in results}) == 1  # encoded once, the same bytes for all
    assert results[0] == (1, b'id: 1\nevent: snapshot\ndata: {"at":1750000020.0}\n\n')
    assert await hub.next_message(0) == results[0]  # a stream that missed it gets it at once
    later = asyncio.create_task(hub.next_message(1))
    await asyncio.sleep(0)
    hub.close()
    assert await later is None


def test_the_presented_snapshot_names_entries_and_marks_the_nameless() -> None:
    window = LiveWindow()
    window.add(summary(NOW - 1, {0: 5, 3: 50}, {'<b>"x"</b>': 55}), NOW)
    names = NameBook()
    names.employees[3] = ("siti", "Siti Aminah", "DISKOMINFO")
    names.orgs[5] = ("DISKOMINFO", "Dinas Komunikasi")
    shown = present(window.snapshot(NOW), names, {"total": 0, "newest": []})
    top = shown["last5"]["top"]  # type: ignore[index]
    assert [(e["label"], e["detail"]) for e in top["employees"]] == [
        ("Siti Aminah", "siti · DISKOMINFO"),
        ("", ""),
    ]
    assert top["employees"][1]["placeholder"] == "not_signed_in"
    assert top["orgs"][0]["label"] == "DISKOMINFO" and top["categories"][0]["placeholder"] == "no_category"
    assert top["hosts"][0]["label"] == '<b>"x"</b>'  # data, as it came: the page puts it in with textContent
