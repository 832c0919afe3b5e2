"""Anomaly detectors over hourly usage: pure functions, no I/O (accounting/alert_scan.py feeds them).

Each employee is compared with their own past: a baseline per hour of the week (workdays pooled, since
Monday to Friday share one rhythm and four weeks would give a slot only four samples otherwise), as the
median and the MAD (scaled to a standard deviation) with a floor, so a flat history does not make every
small bump look extreme. A finding carries its evidence: the numbers, the baseline, the top hosts.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from accounting.office_hours import DEFAULT_OFFICE_HOURS, SLOT_MINUTES, OfficeHours

MB = 1024**2
HOUR = timedelta(hours=1)
# Robust spread: the MAD times this is the standard deviation when the values are normally distributed.
MAD_SCALE = 1.4826
BASELINE_WEEKS = 4  # a month of habits; longer and a changed job still looks like an anomaly for weeks
# Too little history says nothing about habits: no baseline detector fires before this many active days.
MIN_HISTORY_DAYS = 5

# volume_spike: an hour far above the employee's own habit for that hour, and large for the link.
VOLUME_MIN_BYTES = 300 * MB  # below this no link or colleague notices; a spike of small numbers is noise
VOLUME_SCORE = 8.0  # spreads above the median: a normal busy hour stays under 4 (bench/anomaly.py)
VOLUME_RATIO = 4.0  # and at least this many times the median: a high-spread employee needs a real jump
VOLUME_SPREAD_FLOOR = 25 * MB  # an employee with a flat history is not flagged for a 30 MB bump
# upload_spike (possible data leakage): uploads far above habit, or uploading more than downloading.
UPLOAD_MIN_BYTES = 100 * MB  # forms and mail attachments stay well under this in an hour
UPLOAD_SCORE = 8.0
UPLOAD_RATIO = 4.0
UPLOAD_SPREAD_FLOOR = 10 * MB
UPLOAD_RATIO_MIN_BYTES = 50 * MB  # the up/down test only on an hour that uploaded this much
UP_DOWN_RATIO = 1.0  # browsing uploads a few percent of what it downloads; more up than down is unusual
USUAL_UP_DOWN_RATIO = 0.3  # ... unless the employee's own history already looks like that (e.g. backups)
# after_hours: traffic at an hour the employee is normally offline, outside office hours.
AFTER_HOURS_MIN_BYTES = 50 * MB  # a phone's updates and sync stay under this in an hour
AFTER_HOURS_MIN_REQUESTS = 300  # or a real browsing session, whatever its bytes
AFTER_HOURS_USUAL_SHARE = 0.1  # normally offline: the slot's median is under a tenth of this hour
# new_domains: a burst of hosts the employee never visited in the baseline weeks (malware, scanning).
NEW_HOSTS_MIN = 40  # a working hour brings a handful of new hosts; 40 is a script, not a person
NEW_HOSTS_SHARE = 0.5  # and most of the hour's hosts are new
# blocked_attempts: repeated requests refused by policy, far above the employee's habit.
BLOCKED_MIN = 20  # a few blocked ads or trackers an hour are normal; twenty refusals are persistence
BLOCKED_SCORE = 6.0
BLOCKED_SPREAD_FLOOR = 3.0
# streaming_office_hours: heavy video in office hours, whatever the habit (the policy is the yardstick).
STREAMING_CATEGORIES = frozenset({"streaming"})
STREAMING_MIN_BYTES = 400 * MB  # an hour of SD video is about 0.7 GB; short clips stay far below
TOP_HOSTS = 5

DETECTORS = (
    "volume_spike",
    "upload_spike",
    "after_hours",
    "new_domains",
    "blocked_attempts",
    "streaming_office_hours",
)
# A volume spike explained by a more specific finding in the same hour is not reported twice.
EXPLAINS_VOLUME = frozenset({"upload_spike", "after_hours", "streaming_office_hours"})


def _office_hours_of(office: OfficeHours) -> frozenset[tuple[int, int]]:
    """(ISO weekday, local hour) pairs with any office time in them: an hour half in office counts as
    office, so a late start is not flagged as after-hours activity."""
    per_hour = 60 // SLOT_MINUTES
    return frozenset(
        (weekday, hour)
        for weekday in range(1, 8)
        for hour in range(24)
        if any(office.is_office_slot(weekday, hour * per_hour + i) for i in range(per_hour))
    )


@dataclass(frozen=True)
class Calendar:
    """The local calendar the detectors read hours in: time zone, office hours (SMEDI_OFFICE_HOURS) by
    whole hours, public holidays (no office hours on them)."""

    tz: ZoneInfo = ZoneInfo("Asia/Jakarta")  # noqa: RUF009  ZoneInfo instances are cached and immutable
    office: OfficeHours = DEFAULT_OFFICE_HOURS
    holidays: frozenset[date] = frozenset()
    office_hours: frozenset[tuple[int, int]] = field(init=False)
    workdays: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        hours = _office_hours_of(self.office)
        object.__setattr__(self, "office_hours", hours)
        object.__setattr__(self, "workdays", frozenset(weekday for weekday, _hour in hours))

    def workday(self, local: datetime) -> bool:
        return local.isoweekday() in self.workdays and local.date() not in self.holidays

    def contains(self, hour: datetime) -> bool:
        """Whether the hour (UTC) is office time."""
        local = hour.astimezone(self.tz)
        return (local.isoweekday(), local.hour) in self.office_hours and local.date() not in self.holidays

    def slot(self, hour: datetime) -> tuple[bool, int]:
        """The baseline slot: (a workday, the local hour)."""
        local = hour.astimezone(self.tz)
        return self.workday(local), local.hour


@dataclass(frozen=True, slots=True)
class HourlyUse:
    """A row of usage_hourly: one hour (UTC) × employee × host × category."""

    hour: datetime
    employee_id: int
    host: str
    category: str
    requests: int = 0
    blocked: int = 0
    bytes_up: int = 0
    bytes_down: int = 0


@dataclass(slots=True)
class HostUse:
    host: str
    requests: int = 0
    blocked: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    categories: set[str] = field(default_factory=set)

    def as_json(self) -> dict[str, Any]:
        return {
            "host": self.host, "requests": self.requests, "blocked": self.blocked,
            "bytes_up": self.bytes_up, "bytes_down": self.bytes_down, "categories": sorted(self.categories),
        }  # fmt: skip


@dataclass(slots=True)
class EmployeeHour:
    """One employee's traffic in one hour, all hosts together."""

    hour: datetime
    requests: int = 0
    blocked: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    hosts: dict[str, HostUse] = field(default_factory=dict)
    category_bytes: dict[str, int] = field(default_factory=dict)

    @property
    def bytes(self) -> int:
        return self.bytes_up + self.bytes_down

    def add(self, row: HourlyUse) -> None:
        self.requests += row.requests
        self.blocked += row.blocked
        self.bytes_up += row.bytes_up
        self.bytes_down += row.bytes_down
        host = self.hosts.get(row.host) or self.hosts.setdefault(row.host, HostUse(row.host))
        host.requests += row.requests
        host.blocked += row.blocked
        host.bytes_up += row.bytes_up
        host.bytes_down += row.bytes_down
        if row.category:
            host.categories.add(row.category)
        self.category_bytes[row.category] = (
            self.category_bytes.get(row.category, 0) + row.bytes_up + row.bytes_down
        )

    def top_hosts(self, key: str = "bytes", hosts: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """The hosts that carried most of `key` (bytes, bytes_up, blocked, requests), as evidence."""
        chosen = [self.hosts[h] for h in hosts] if hosts is not None else list(self.hosts.values())

        def amount(h: HostUse) -> int:
            return h.bytes_up + h.bytes_down if key == "bytes" else int(getattr(h, key))

        chosen.sort(key=lambda h: (-amount(h), h.host))
        return [h.as_json() for h in chosen[:TOP_HOSTS]]


def employee_hours(rows: Iterable[HourlyUse]) -> dict[int, dict[datetime, EmployeeHour]]:
    """employee id → hour → their traffic that hour; rows of nobody (employee 0) are left out."""
    found: dict[int, dict[datetime, EmployeeHour]] = defaultdict(dict)
    for row in rows:
        if not row.employee_id:
            continue
        hours = found[row.employee_id]
        total = hours.get(row.hour) or hours.setdefault(row.hour, EmployeeHour(row.hour))
        total.add(row)
    return dict(found)


@dataclass(frozen=True, slots=True)
class Spread:
    """The median of a slot's samples and their robust spread (scaled MAD)."""

    median: float
    spread: float
    samples: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            return cls(0.0, 0.0, 0)
        median = statistics.median(values)
        mad = statistics.median(abs(v - median) for v in values)
        return cls(median, mad * MAD_SCALE, len(values))

    def score(self, value: float, floor: float) -> float:
        """How many spreads (at least `floor`) the value lies above the median."""
        return (value - self.median) / max(self.spread, floor)

    def as_json(self) -> dict[str, Any]:
        return {"median": round(self.median), "spread": round(self.spread), "samples": self.samples}


METRICS = ("bytes", "bytes_up", "blocked", "requests")


@dataclass(frozen=True)
class Baseline:
    """An employee's habits: per slot (workday?, local hour) and metric, the spread of the past weeks."""

    slots: Mapping[tuple[bool, int], Mapping[str, Spread]]
    known_hosts: frozenset[str]
    active_days: int
    up_down_ratio: float  # over the whole baseline

    def of(self, slot: tuple[bool, int], metric: str) -> Spread:
        return self.slots.get(slot, {}).get(metric, Spread(0.0, 0.0, 0))


def build_baseline(
    hours: Mapping[datetime, EmployeeHour],
    start: datetime,
    end: datetime,
    office: Calendar,
    known_hosts: frozenset[str] | None = None,
) -> Baseline:
    """The baseline from the hours in [start, end); an hour without traffic counts as zero. The hosts seen
    are those of the hours, or `known_hosts` when the hours are totals without hosts (the scan reads the
    baseline weeks that way: a month of per-host rows of every employee is far more than it needs)."""
    samples: dict[tuple[bool, int], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    empty = EmployeeHour(hour)
    known: set[str] = set()
    days: set[date] = set()
    up = down = 0
    while hour < end:
        use = hours.get(hour, empty)
        per_slot = samples[office.slot(hour)]
        per_slot["bytes"].append(use.bytes)
        per_slot["bytes_up"].append(use.bytes_up)
        per_slot["blocked"].append(use.blocked)
        per_slot["requests"].append(use.requests)
        if use.hosts:
            known.update(use.hosts)
            days.add(hour.astimezone(office.tz).date())
            up += use.bytes_up
            down += use.bytes_down
        hour += HOUR
    slots = {slot: {m: Spread.of(values[m]) for m in METRICS} for slot, values in samples.items()}
    known_set = frozenset(known) if known_hosts is None else known_hosts
    return Baseline(slots, known_set, len(days), up / down if down else 0.0)


@dataclass(frozen=True)
class Finding:
    detector: str
    employee_id: int
    window_start: datetime
    window_end: datetime
    severity: str  # low | medium | high
    evidence: dict[str, Any]


def severity(excess: float, *, base: str = "low") -> str:
    """From how far past its threshold a value is (1.0 = at the threshold): 2× medium, 4× high."""
    levels = ("low", "medium", "high")
    level = levels.index(base) + (excess >= 2) + (excess >= 4)
    return levels[min(level, 2)]


def _evidence(use: EmployeeHour, metric: str, value: float, spread: Spread, **more: Any) -> dict[str, Any]:
    return {
        "metric": metric, "value": round(value), "baseline": spread.as_json(),
        "hour": use.hour.isoformat(), **more,
    }  # fmt: skip


def _finding(
    detector: str, employee_id: int, use: EmployeeHour, level: str, evidence: dict[str, Any]
) -> Finding:
    return Finding(detector, employee_id, use.hour, use.hour + HOUR, level, evidence)


def volume_spike(employee_id: int, use: EmployeeHour, baseline: Baseline, office: Calendar) -> Finding | None:
    if baseline.active_days < MIN_HISTORY_DAYS or use.bytes < VOLUME_MIN_BYTES:
        return None
    spread = baseline.of(office.slot(use.hour), "bytes")
    score = spread.score(use.bytes, VOLUME_SPREAD_FLOOR)
    if score < VOLUME_SCORE or use.bytes < VOLUME_RATIO * spread.median:
        return None
    evidence = _evidence(use, "bytes", use.bytes, spread, score=round(score, 1), top_hosts=use.top_hosts())
    return _finding("volume_spike", employee_id, use, severity(score / VOLUME_SCORE), evidence)


def upload_spike(employee_id: int, use: EmployeeHour, baseline: Baseline, office: Calendar) -> Finding | None:
    """Uploads far above habit, or more up than down where the employee normally mostly downloads."""
    if baseline.active_days < MIN_HISTORY_DAYS or use.bytes_up < UPLOAD_RATIO_MIN_BYTES:
        return None
    spread = baseline.of(office.slot(use.hour), "bytes_up")
    score = spread.score(use.bytes_up, UPLOAD_SPREAD_FLOOR)
    spike = (
        use.bytes_up >= UPLOAD_MIN_BYTES
        and score >= UPLOAD_SCORE
        and use.bytes_up >= UPLOAD_RATIO * spread.median
    )
    ratio = use.bytes_up / use.bytes_down if use.bytes_down else float(use.bytes_up)
    lopsided = ratio >= UP_DOWN_RATIO and baseline.up_down_ratio < USUAL_UP_DOWN_RATIO
    if not (spike or lopsided):
        return None
    evidence = _evidence(
        use, "bytes_up", use.bytes_up, spread, score=round(score, 1), bytes_down=use.bytes_down,
        up_down_ratio=round(ratio, 2), usual_up_down_ratio=round(baseline.up_down_ratio, 3),
        reasons=[r for r, hit in (("spike", spike), ("ratio", lopsided)) if hit],
        top_hosts=use.top_hosts("bytes_up"),
    )  # fmt: skip
    # Data leaving the network: medium at the least, high when both signs agree or the spike is large.
    excess = max(score / UPLOAD_SCORE, 1.0) * (2 if spike and lopsided else 1)
    return _finding("upload_spike", employee_id, use, severity(excess, base="medium"), evidence)


def after_hours(employee_id: int, use: EmployeeHour, baseline: Baseline, office: Calendar) -> Finding | None:
    if baseline.active_days < MIN_HISTORY_DAYS or office.contains(use.hour):
        return None
    if use.bytes < AFTER_HOURS_MIN_BYTES and use.requests < AFTER_HOURS_MIN_REQUESTS:
        return None
    slot = office.slot(use.hour)
    usual_bytes, usual_requests = baseline.of(slot, "bytes"), baseline.of(slot, "requests")
    if (
        usual_bytes.median > AFTER_HOURS_USUAL_SHARE * use.bytes
        or usual_requests.median > AFTER_HOURS_USUAL_SHARE * use.requests
    ):
        return None  # the employee often works at this hour: a habit, not an anomaly
    excess = max(use.bytes / AFTER_HOURS_MIN_BYTES, use.requests / AFTER_HOURS_MIN_REQUESTS)
    evidence = _evidence(
        use, "bytes", use.bytes, usual_bytes, requests=use.requests, usual_requests=usual_requests.as_json(),
        local_time=use.hour.astimezone(office.tz).strftime("%a %H:%M"), top_hosts=use.top_hosts(),
    )  # fmt: skip
    return _finding("after_hours", employee_id, use, severity(excess / 2), evidence)


def new_domains(employee_id: int, use: EmployeeHour, baseline: Baseline, _office: Calendar) -> Finding | None:
    if baseline.active_days < MIN_HISTORY_DAYS or len(use.hosts) < NEW_HOSTS_MIN:
        return None
    new = sorted(h for h in use.hosts if h not in baseline.known_hosts)
    if len(new) < NEW_HOSTS_MIN or len(new) < NEW_HOSTS_SHARE * len(use.hosts):
        return None
    evidence = {
        "metric": "new_hosts", "value": len(new), "hosts": len(use.hosts),
        "known_hosts": len(baseline.known_hosts), "hour": use.hour.isoformat(), "examples": new[:20],
        "top_hosts": use.top_hosts("requests", new),
    }  # fmt: skip
    return _finding(
        "new_domains", employee_id, use, severity(len(new) / NEW_HOSTS_MIN, base="medium"), evidence
    )


def blocked_attempts(
    employee_id: int, use: EmployeeHour, baseline: Baseline, office: Calendar
) -> Finding | None:
    if use.blocked < BLOCKED_MIN:
        return None
    spread = baseline.of(office.slot(use.hour), "blocked")
    score = spread.score(use.blocked, BLOCKED_SPREAD_FLOOR)
    if score < BLOCKED_SCORE:
        return None
    categories: dict[str, int] = defaultdict(int)
    for host in use.hosts.values():
        if host.blocked:
            for category in host.categories or {""}:
                categories[category] += host.blocked
    evidence = _evidence(
        use, "blocked", use.blocked, spread, score=round(score, 1),
        categories=dict(sorted(categories.items())),
        top_hosts=use.top_hosts("blocked", [h for h, u in use.hosts.items() if u.blocked]),
    )  # fmt: skip
    return _finding("blocked_attempts", employee_id, use, severity(use.blocked / BLOCKED_MIN), evidence)


def streaming_office_hours(
    employee_id: int, use: EmployeeHour, _baseline: Baseline, office: Calendar
) -> Finding | None:
    if not office.contains(use.hour):
        return None
    streamed = sum(b for c, b in use.category_bytes.items() if c in STREAMING_CATEGORIES)
    if streamed < STREAMING_MIN_BYTES:
        return None
    hosts = [h for h, u in use.hosts.items() if u.categories & STREAMING_CATEGORIES]
    evidence = {
        "metric": "streaming_bytes", "value": streamed, "threshold": STREAMING_MIN_BYTES,
        "hour": use.hour.isoformat(), "local_time": use.hour.astimezone(office.tz).strftime("%a %H:%M"),
        "top_hosts": use.top_hosts("bytes", hosts),
    }  # fmt: skip
    return _finding(
        "streaming_office_hours", employee_id, use, severity(streamed / STREAMING_MIN_BYTES), evidence
    )


CHECKS = (volume_spike, upload_spike, after_hours, new_domains, blocked_attempts, streaming_office_hours)


def detect(
    employee_id: int,
    recent: Iterable[EmployeeHour],
    baseline: Baseline,
    office: Calendar,
) -> list[Finding]:
    """Every finding for the employee's recent hours; a volume spike a more specific finding explains is
    left out (one hour, one explanation)."""
    findings = []
    for use in sorted(recent, key=lambda u: u.hour):
        found = [f for check in CHECKS if (f := check(employee_id, use, baseline, office)) is not None]
        specific = {f.detector for f in found} & EXPLAINS_VOLUME
        findings += [f for f in found if not (f.detector == "volume_spike" and specific)]
    return findings


def chart_series(
    hours: Mapping[datetime, EmployeeHour],
    baseline: Baseline,
    office: Calendar,
    around: datetime,
    metric: str = "bytes",
    span: int = 12,
) -> list[dict[str, Any]]:
    """The employee's hours around a finding against the baseline's median and median + 3 spreads."""
    series = []
    first = around - span // 2 * HOUR
    for i in range(span):
        hour = first + i * HOUR
        use = hours.get(hour)
        value = 0 if use is None else use.bytes if metric == "bytes" else int(getattr(use, metric))
        spread = baseline.of(office.slot(hour), metric)
        series.append({
            "hour": hour.isoformat(), "value": value, "median": round(spread.median),
            "upper": round(spread.median + 3 * spread.spread),
        })  # fmt: skip
    return series


def scan(
    rows: Iterable[HourlyUse],
    window_start: datetime,
    window_end: datetime,
    office: Calendar,
    baseline_weeks: int = BASELINE_WEEKS,
    known_hosts: Mapping[int, frozenset[str]] | None = None,
) -> list[Finding]:
    """Findings for the hours in [window_start, window_end), each employee against the weeks before it.

    `rows` must hold the baseline weeks and the window (the baseline weeks may be per-hour totals, host
    '', with each employee's hosts of those weeks in `known_hosts`); evidence gets a chart of the hours
    around."""
    baseline_start = window_start - timedelta(weeks=baseline_weeks)
    findings = []
    for employee_id, hours in sorted(employee_hours(rows).items()):
        recent = [u for h, u in hours.items() if window_start <= h < window_end]
        if not recent:
            continue
        known = None if known_hosts is None else known_hosts.get(employee_id, frozenset())
        baseline = build_baseline(hours, baseline_start, window_start, office, known)
        for finding in detect(employee_id, recent, baseline, office):
            metric = finding.evidence.get("metric", "bytes")
            metric = metric if metric in METRICS else "bytes"
            finding.evidence["chart"] = {
                "metric": metric,
                "hours": chart_series(hours, baseline, office, finding.window_start, metric),
            }
            findings.append(finding)
    return findings
