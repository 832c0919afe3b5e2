"""`python -m bench.dashboard`: a live-dashboard snapshot of a busy hour, the window against a recount.

An hour of generated usage (bench/usage_records.py: 2,000 employees in 60 OPDs, 5,000 hosts) is cut into
the batches a writer commits every 0.5 s. Each batch goes the way it goes in production: summarised
(accounting/live_feed.py), encoded as the NOTIFY payload, decoded and added to the window
(admin/live_window.py). Then, with the full hour in the window, a snapshot (the last 5 and 60 minutes:
totals, blocked, active employees, top 10 of each list, both throughput series) is timed against the
baseline measured in the same run: the same snapshot recounted from the raw records still in each span.
The accuracy of the window's heavy-hitter lists and sketch against that exact recount is printed too.
No database is involved: this measures the portal's side.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import textwrap
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from accounting import live_feed
from accounting.records import UsageRecord
from admin.live_window import COARSE_SECONDS, FINE_SECONDS, LONG_SECONDS, SHORT_SECONDS, TOP, LiveWindow
from bench.services import log
from bench.usage_records import EMPLOYEES, HOSTS, ORG_UNITS, generated_records

SEED = 2025
BATCH_SECONDS = 0.5  # accounting/writer.py FLUSH_SECONDS
TICK_BUDGET_MS = 1000.0  # admin/live.py makes one snapshot a second for every stream
LISTS = {"employees": 1, "orgs": 2, "hosts": 3, "categories": 4}  # index in Raw


class Raw(NamedTuple):
    """A record as the baseline reads it: the time as seconds, the keys of the four lists, the counts."""

    ts: float
    employee: int
    org: int
    host: str
    category: str
    up: int
    down: int
    request: int
    blocked: int


def batches(records: list[UsageRecord]) -> list[tuple[float, list[UsageRecord]]]:
    """The records (in time order) as the writer would commit them: (commit time, batch) every 0.5 s."""
    made: list[tuple[float, list[UsageRecord]]] = []
    start = records[0].ts.timestamp()
    current: list[UsageRecord] = []
    end = start + BATCH_SECONDS
    for record in records:
        while record.ts.timestamp() >= end:
            if current:
                made.append((end, current))
            current, end = [], end + BATCH_SECONDS
        current.append(record)
    if current:
        made.append((end, current))
    return made


def recount(raw: list[Raw], now: float, top: int = TOP) -> dict[str, Any]:
    """The baseline: the snapshot from the raw records of each span, added up again."""
    views = {}
    for name, step, seconds in (
        ("last5", FINE_SECONDS, SHORT_SECONDS),
        ("last60", COARSE_SECONDS, LONG_SECONDS),
    ):
        oldest = int(now // step) * step - seconds + step
        inside = [r for r in raw if r.ts >= oldest]
        lists = {}
        for list_name, index in LISTS.items():
            tally: dict[Any, list[int]] = {}
            for r in inside:
                counts = tally.setdefault(r[index], [0, 0, 0])
                counts[0] += r.up
                counts[1] += r.down
                counts[2] += r.request
            largest = sorted(tally.items(), key=lambda kv: (-(kv[1][0] + kv[1][1]), -kv[1][2], str(kv[0])))[
                :top
            ]
            lists[list_name] = [[key, *counts] for key, counts in largest]
        slots = int(seconds // step) - 1
        up, down = [0] * slots, [0] * slots
        for r in inside:
            slot = int((r.ts - oldest) // step)
            if slot < slots:
                up[slot] += r.up
                down[slot] += r.down
        views[name] = {
            "requests": sum(r.request for r in inside),
            "blocked": sum(r.blocked for r in inside),
            "bytes_up": sum(r.up for r in inside),
            "bytes_down": sum(r.down for r in inside),
            "active_employees": len({r.employee for r in inside if r.employee}),
            "top": lists,
            "series": {"up": [u // step for u in up], "down": [d // step for d in down]},
        }
    return views


def timed(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    """The median seconds of `repeat` runs, and the last result."""
    seconds, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def accuracy(window: dict[str, Any], exact: dict[str, Any]) -> list[str]:
    lines = []
    for span in ("last5", "last60"):
        mine, true = window[span], exact[span]
        same = {
            name: len({e[0] for e in mine["top"][name]} & {e[0] for e in true["top"][name]}) for name in LISTS
        }
        exact_totals = all(mine[k] == true[k] for k in ("requests", "blocked", "bytes_up", "bytes_down"))
        lines.append(
            f"  {span}: totals and blocked {'exact' if exact_totals else 'DIFFER'}; top-{TOP} entries in "
            "common with the recount: "
            + ", ".join(f"{name} {n}/{min(TOP, len(true['top'][name]))}" for name, n in same.items())
            + f"; active employees {mine['active_employees']:,} (exact {true['active_employees']:,})"
        )
    return lines


def run_dashboard_bench(records: int = 1_000_000, repeat: int = 20, baseline_repeat: int = 3) -> list[str]:
    rng = random.Random(SEED)  # noqa: S311  # test data, seeded so runs compare
    log(f"generating {records:,} usage records (an hour of {EMPLOYEES:,} employees)")
    generated = generated_records(records, rng)
    committed = batches(generated)
    # A batch is counted at its newest record's time (live_feed.Summary.ts): the recount does the same.
    raw = [
        Raw(max(r.ts for r in batch).timestamp(), r.employee_id or 0, r.org_unit_id or 0, r.host, r.category,
            r.bytes_up, r.bytes_down, 1 if r.kind == "request" else 0,
            1 if r.decision in live_feed.BLOCKED_DECISIONS else 0)
        for _commit, batch in committed
        for r in batch
    ]  # fmt: skip
    log(f"feeding {len(committed):,} batches through summary, payload and window")
    window = LiveWindow()
    payload_bytes: list[int] = []
    start = time.perf_counter()
    for now, batch in committed:
        payload = live_feed.encode(live_feed.summarise(batch))
        payload_bytes.append(len(payload))
        window.add(live_feed.decode(payload), now)
    ingest = time.perf_counter() - start
    now = committed[-1][0]
    log("timing snapshots against the recount")
    mine_seconds, snapshot = timed(lambda: window.snapshot(now), repeat)
    base_seconds, exact = timed(lambda: recount(raw, now), baseline_repeat)
    assert isinstance(snapshot, dict) and isinstance(exact, dict)
    ratio = base_seconds / mine_seconds if mine_seconds else 0.0
    per_batch_ms = 1000 * ingest / len(committed)
    entries = sum(len(t) for span in (window.short, window.long) for t in span.totals.values())
    slot_entries = sum(
        len(t)
        for span in (window.short, window.long)
        for slot in span.slots.values()
        for t in slot.lists.values()
    )
    row = "{:<44}{:>14}{:>14}"
    lines = [
        "live dashboard: a snapshot of the last 5 and 60 minutes, the window against a recount of the hour",
        f"stream: {records:,} records of {EMPLOYEES:,} employees in {ORG_UNITS} OPDs on {HOSTS:,} hosts over "
        f"an hour, as {len(committed):,} batches (one every {BATCH_SECONDS:g} s, median "
        f"{statistics.median(len(b) for _, b in committed):,.0f} records)",
        "",
        row.format("", "median ms", "runs"),
        row.format("snapshot from the window", f"{1000 * mine_seconds:.2f}", repeat),
        row.format("recount from raw records (baseline)", f"{1000 * base_seconds:.1f}", baseline_repeat),
        "",
        f"recount / window = {ratio:,.0f}×; a snapshot takes "
        f"{100 * mine_seconds * 1000 / TICK_BUDGET_MS:.2f} % of the {TICK_BUDGET_MS:,.0f} ms tick "
        "(one snapshot a tick for all streams)",
        f"ingest: {per_batch_ms:.2f} ms a batch (summary + payload + decode + window) of the "
        f"{1000 * BATCH_SECONDS:,.0f} ms between batches; payload median "
        f"{statistics.median(payload_bytes):,.0f} bytes, largest {max(payload_bytes):,} "
        f"(limit {live_feed.PAYLOAD_LIMIT:,})",
        f"window holds {len(window.short.slots)} + {len(window.long.slots)} slots, {slot_entries:,} slot "
        f"entries and {entries:,} running-total entries",
        "accuracy against the recount:",
        *accuracy(snapshot, exact),
    ]
    note = (
        "The window keeps running totals of each span and takes a slot out when it leaves, so a snapshot is "
        "the top of those totals plus a merge of the slots' HyperLogLog sketches; the recount reads every "
        "raw record of the hour again. Top lists are heavy hitters (each batch carries its largest entries, "
        "a closed minute keeps its 300 largest), so they can differ from the exact recount in their tail."
    )
    return [*(line.rstrip() for line in lines), "", *textwrap.wrap(note, 110)]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dashboard",
        description="Time a live-dashboard snapshot over a generated busy hour (2,000 employees, 5,000 "
        "hosts, a batch every 0.5 s) from admin/live_window.py against a recount from the raw records, in "
        "the same run, and print the ratio and the window's accuracy. No database needed.",
    )
    parser.add_argument(
        "--records",
        type=int,
        default=1_000_000,
        help="records in the hour (default: 1,000,000, about 280 a second)",
    )
    parser.add_argument(
        "--repeat", type=int, default=20, help="timed snapshots from the window (default: 20)"
    )
    parser.add_argument("--baseline-repeat", type=int, default=3, help="timed recounts (default: 3)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.records < 1_000 or args.repeat < 1 or args.baseline_repeat < 1:
        print("bench.dashboard: --records must be ≥ 1,000 and the repeats ≥ 1", file=sys.stderr)
        return 2
    print("\n".join(run_dashboard_bench(args.records, args.repeat, args.baseline_repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
