"""The live dashboard's feed: a compact summary of each committed batch of usage, sent on NOTIFY usage_live.

The writer (accounting/writer.py) sends one summary per batch right after the batch commits, and only
then (admin/live.py listens); not inside the transaction, where NOTIFY would hold PostgreSQL's notify lock
through the commit and make concurrent batches commit one after the other. A summary is small by
construction: totals, the blocked count, the employees, OPDs, hosts and categories that moved the most
bytes (each with bytes up, bytes down and requests), and a HyperLogLog sketch of the employees seen, so
the portal can count distinct active employees across batches without their ids. Its JSON stays under
PostgreSQL's 8000-byte NOTIFY limit whatever the host names are: longer lists are cut, the biggest first.

Everything here is pure: records or rows in, a Summary out, and back from the payload text.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import operator
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from accounting.records import UsageRecord
from smedi.sql import load_queries

CHANNEL = "usage_live"
NOTIFY = load_queries("live").notify_usage_live  # $1 the payload; see sql/queries/live.sql
PAYLOAD_LIMIT = 7_900  # bytes; PostgreSQL refuses a payload of 8000 bytes or more, and the JSON is ASCII
VERSION = 1
# How many of each list a summary carries at most, before the size bound cuts further. Employees and hosts
# are many, so their lists are the long ones; OPDs and categories are few and usually all fit.
LIMITS: Mapping[str, int] = {"employees": 60, "orgs": 40, "hosts": 30, "categories": 20}
HOST_CHARS = 253  # the longest DNS name; anything longer is cut (a hostile name, not a host)
CATEGORY_CHARS = 64
BLOCKED_DECISIONS = frozenset({"block", "quota"})  # as write_batch counts "blocked"
_FIELDS = UsageRecord._fields
_GROUP_FIELDS = operator.itemgetter(  # a record's group key, then what summarise counts of it
    *(_FIELDS.index(f) for f in ("employee_id", "org_unit_id", "host", "category", "kind", "decision",
                                 "bytes_up", "bytes_down"))
)  # fmt: skip
_TIME = operator.itemgetter(_FIELDS.index("ts"))

SKETCH_BITS = 10  # HyperLogLog with 2**10 registers: about 3 % standard error, exact-ish for small counts
SKETCH_SIZE = 1 << SKETCH_BITS
_RANK_BITS = 64 - SKETCH_BITS
_MASK64 = (1 << 64) - 1
EMPTY_SKETCH = bytes(SKETCH_SIZE)

type Entry[K] = tuple[K, int, int, int]  # key, bytes up, bytes down, requests
# employee, OPD, host, category, records, requests, blocked, bytes up, bytes down (UsageGroup's fields)
type Group = tuple[int, int, str, str, int, int, int, int, int]


@dataclass(frozen=True)
class Summary:
    """One batch (or, in a backfill, one stretch of usage_events), ready for the live window."""

    ts: float  # the newest record's time, seconds since the epoch (UTC)
    records: int
    requests: int
    blocked: int
    bytes_up: int
    bytes_down: int
    employees: tuple[Entry[int], ...]  # employee id (0: not signed in), largest first
    orgs: tuple[Entry[int], ...]  # OPD id at the time of use (0: no OPD)
    hosts: tuple[Entry[str], ...]
    categories: tuple[Entry[str], ...]  # slug ('' : no category)
    sketch: bytes = EMPTY_SKETCH  # HyperLogLog registers of the signed-in employees seen


# --- the sketch of distinct employees ---------------------------------------------------------------


def _mix(value: int) -> int:
    """splitmix64's finaliser: employee ids are small consecutive numbers, the sketch needs random bits."""
    z = (value + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def sketch_of(employee_ids: Iterable[int]) -> bytes:
    registers = bytearray(SKETCH_SIZE)
    for employee_id in employee_ids:
        hashed = _mix(employee_id)
        index, rest = hashed >> _RANK_BITS, hashed & ((1 << _RANK_BITS) - 1)
        rank = _RANK_BITS - rest.bit_length() + 1
        if rank > registers[index]:
            registers[index] = rank
    return bytes(registers)


def merge_sketches(sketches: Iterable[bytes]) -> bytes:
    merged = bytearray(SKETCH_SIZE)
    for sketch in sketches:
        merged = bytearray(map(max, merged, sketch))
    return bytes(merged)


def estimate_from_registers(zeros: int, harmonic_sum: float) -> int:
    """HyperLogLog's estimate from the count of empty registers and sum(2**-register)."""
    m = SKETCH_SIZE
    raw = 0.7213 / (1 + 1.079 / m) * m * m / harmonic_sum
    if raw <= 2.5 * m and zeros:
        return round(m * math.log(m / zeros))  # linear counting: near exact while few registers are set
    return round(raw)


def estimate(sketch: bytes) -> int:
    """Distinct employees in a sketch (the 64-bit hash needs no large-range correction)."""
    return estimate_from_registers(sketch.count(0), sum(2.0**-r for r in sketch))


# --- summarising ------------------------------------------------------------------------------------


def _top[K](tally: dict[K, list[int]], limit: int) -> tuple[Entry[K], ...]:
    ordered = sorted(tally.items(), key=lambda item: (-(item[1][0] + item[1][1]), -item[1][2]))[:limit]
    return tuple((key, up, down, requests) for key, (up, down, requests) in ordered)


# A batch grouped by (employee, OPD, host, category) → [records, requests, blocked, bytes up, bytes down];
# employee and OPD None (not signed in, no OPD) or 0 alike.
type Groups = dict[tuple[int | None, int | None, str, str], list[int]]


def _tally(groups: Groups, field: int) -> dict[Any, list[int]]:
    """Bytes up, bytes down and requests per value of one key field (one tight loop a field)."""
    tally: dict[Any, list[int]] = {}
    find = tally.get
    for keys, (_records, requests, _blocked, up, down) in groups.items():
        counts = find(keys[field])
        if counts is None:
            tally[keys[field]] = [up, down, requests]
        else:
            counts[0] += up
            counts[1] += down
            counts[2] += requests
    nobody = tally.pop(None, None)  # not signed in, no OPD: the 0 of the rollups
    if nobody is not None:
        _merge(tally, 0, nobody)
    return tally


def _merge(tally: dict[Any, list[int]], key: object, counts: list[int]) -> None:
    mine = tally.setdefault(key, [0, 0, 0])
    for i, value in enumerate(counts):
        mine[i] += value


class UsageGroup(NamedTuple):
    """Usage of one employee, OPD, host and category: a group of a batch, or a row of the backfill."""

    employee_id: int  # 0: not signed in
    org_unit_id: int  # 0: no OPD
    host: str
    category: str
    records: int
    requests: int
    blocked: int
    bytes_up: int
    bytes_down: int


def summarise(records: Sequence[UsageRecord], limits: Mapping[str, int] = LIMITS) -> Summary:
    """The summary of a batch as the writer commits it: requests and blocked counted as write_batch does.

    The records are grouped first (one dictionary step each, the writer's cost), then the groups tallied.
    """
    groups: Groups = {}
    find = groups.get
    for employee, org, host, category, kind, decision, up, down in map(_GROUP_FIELDS, records):
        key = (employee, org, host, category)
        counts = find(key)
        request, blocked = kind == "request", decision in BLOCKED_DECISIONS
        if counts is None:
            groups[key] = [1, int(request), int(blocked), up, down]
        else:
            counts[0] += 1
            counts[1] += request
            counts[2] += blocked
            counts[3] += up
            counts[4] += down
    newest = max(map(_TIME, records), default=None)
    return _summary(newest.timestamp() if newest is not None else 0.0, groups, limits)


def summarise_groups(ts: float, groups: Iterable[Group], limits: Mapping[str, int] = LIMITS) -> Summary:
    """The summary of usage groups (UsageGroup's fields) of the stretch of time ending at `ts` (backfill)."""
    grouped: Groups = {}
    for employee, org, host, category, *counts in groups:
        _merge5(grouped.setdefault((employee, org, host, category), [0, 0, 0, 0, 0]), counts)
    return _summary(ts, grouped, limits)


def _merge5(mine: list[int], counts: Sequence[int]) -> None:
    for i, value in enumerate(counts):
        mine[i] += value


def _summary(ts: float, groups: Groups, limits: Mapping[str, int]) -> Summary:
    employees, orgs, hosts, categories = (_tally(groups, field) for field in range(4))
    return Summary(
        ts=ts,
        records=sum(c[0] for c in groups.values()),
        requests=sum(c[2] for c in categories.values()),  # few categories: the totals add up quickest
        blocked=sum(c[2] for c in groups.values()),
        bytes_up=sum(c[0] for c in categories.values()),
        bytes_down=sum(c[1] for c in categories.values()),
        employees=_top(employees, limits["employees"]),
        orgs=_top(orgs, limits["orgs"]),
        hosts=_top(hosts, limits["hosts"]),
        categories=_top(categories, limits["categories"]),
        sketch=sketch_of(e for e in employees if e),
    )


# --- the payload ------------------------------------------------------------------------------------


def _document(summary: Summary, counts: Mapping[str, int]) -> dict[str, object]:
    return {
        "v": VERSION,
        "ts": round(summary.ts, 3),
        "records": summary.records,
        "requests": summary.requests,
        "blocked": summary.blocked,
        "up": summary.bytes_up,
        "down": summary.bytes_down,
        "employees": [list(e) for e in summary.employees[: counts["employees"]]],
        "orgs": [list(e) for e in summary.orgs[: counts["orgs"]]],
        "hosts": [[h[:HOST_CHARS], *rest] for h, *rest in summary.hosts[: counts["hosts"]]],
        "categories": [
            [c[:CATEGORY_CHARS], *rest] for c, *rest in summary.categories[: counts["categories"]]
        ],
        "sketch": base64.b64encode(zlib.compress(summary.sketch, 6)).decode("ascii"),
    }


def encode(summary: Summary, limit: int = PAYLOAD_LIMIT) -> str:
    """The NOTIFY payload: JSON, ASCII only (so its length is its size in bytes), at most `limit` long.

    While it is too long, the list taking the most room loses its smallest quarter (at least one entry);
    totals, the blocked count and the sketch always stay, and they fit: hosts are cut to 253 characters.
    """
    counts = {
        "employees": len(summary.employees),
        "orgs": len(summary.orgs),
        "hosts": len(summary.hosts),
        "categories": len(summary.categories),
    }
    while True:
        document = _document(summary, counts)
        text = json.dumps(document, separators=(",", ":"))  # ensure_ascii: escapes whatever a host holds
        if len(text) <= limit:
            return text
        sizes = {name: len(json.dumps(document[name])) for name in counts if counts[name]}
        if not sizes:
            raise ValueError(f"a summary without lists is {len(text)} bytes, over the limit of {limit}")
        largest = max(sizes, key=lambda name: sizes[name])
        counts[largest] -= max(1, counts[largest] // 4)


def payload(records: Sequence[UsageRecord]) -> str:
    """What the writer sends for a batch it commits."""
    return encode(summarise(records))


def _whole(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what}: expected a whole number ≥ 0, got {value!r}")
    return value


def _entries[K](raw: object, what: str, key_type: type[K]) -> tuple[Entry[K], ...]:
    if not isinstance(raw, list):
        raise ValueError(f"{what}: expected a list")
    entries = []
    for item in raw:
        if not isinstance(item, list) or len(item) != 4 or not isinstance(item[0], key_type):
            raise ValueError(f"{what}: expected [{key_type.__name__}, up, down, requests], got {item!r:.80}")
        key = item[0]
        if isinstance(key, bool) or (isinstance(key, int) and key < 0):
            raise ValueError(f"{what}: bad key {key!r}")
        entries.append((key, _whole(item[1], what), _whole(item[2], what), _whole(item[3], what)))
    return tuple(entries)


def decode(text: str) -> Summary:
    """A payload back into a Summary; anything not made by `encode` is refused (ValueError)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("v") != VERSION:
        raise ValueError("not a usage_live summary of this version")
    ts = document.get("ts")
    if isinstance(ts, bool) or not isinstance(ts, int | float) or not math.isfinite(ts):
        raise ValueError(f"ts: expected seconds since the epoch, got {ts!r:.40}")
    try:
        sketch = zlib.decompress(base64.b64decode(str(document.get("sketch", "")), validate=True))
    except (binascii.Error, zlib.error) as exc:
        raise ValueError(f"sketch: {exc}") from None
    if len(sketch) != SKETCH_SIZE:
        raise ValueError(f"sketch: expected {SKETCH_SIZE} registers, got {len(sketch)}")
    return Summary(
        ts=float(ts),
        records=_whole(document.get("records"), "records"),
        requests=_whole(document.get("requests"), "requests"),
        blocked=_whole(document.get("blocked"), "blocked"),
        bytes_up=_whole(document.get("up"), "up"),
        bytes_down=_whole(document.get("down"), "down"),
        employees=_entries(document.get("employees"), "employees", int),
        orgs=_entries(document.get("orgs"), "orgs", int),
        hosts=_entries(document.get("hosts"), "hosts", str),
        categories=_entries(document.get("categories"), "categories", str),
        sketch=sketch,
    )
