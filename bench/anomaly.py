"""`python -m bench.anomaly`: precision and recall of each anomaly detector on generated traffic.

A month of hourly usage for 200 employees with office-hour rhythms (a lunch dip, absences, overtime and
Saturday habits, phones syncing at night, some light streaming), a few hundred hosts in categories, and,
in the last week, injected anomalies of each kind with known labels. The detectors are pure
(accounting/anomaly.py), so everything stays in memory; the seed makes runs compare.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from accounting.anomaly import DETECTORS, MB, Calendar, Finding, HourlyUse, scan

SEED = 2026
TARGET_RECALL = 0.9
TARGET_PRECISION = 0.8
JAKARTA = ZoneInfo("Asia/Jakarta")
START = datetime(2026, 3, 2, tzinfo=JAKARTA).astimezone(UTC)  # a Monday, local midnight
BASELINE_DAYS = 28
EVALUATION_DAYS = 7
INJECTED_PER_KIND = 40
HOST_CATEGORIES = (
    ("pemerintahan", 60), ("", 140), ("media-sosial", 25), ("streaming", 10), ("berbagi-file", 15),
    ("perbankan", 10), ("kesehatan", 10), ("game-online", 10), ("judi", 20),
)  # fmt: skip


@dataclass(frozen=True)
class Host:
    name: str
    category: str


def make_hosts(rng: random.Random) -> list[Host]:
    hosts = []
    for category, count in HOST_CATEGORIES:
        for i in range(count):
            name = f"{category or 'umum'}-{i}.{rng.choice(['co.id', 'com', 'go.id', 'net', 'id'])}"
            hosts.append(Host(name, category))
    return hosts


@dataclass
class Habit:
    """One employee's rhythm: how much they use, until when they work, what they browse."""

    scale: float  # median bytes in a busy office hour
    up_share: float
    last_hour: int  # local hour the working day ends (16: on time; 18-19: overtime)
    saturday: bool
    streams: bool
    blocked_rate: float  # blocked requests an office hour (ads, a listed tracker)
    hosts: list[Host] = field(default_factory=list)
    night_hosts: list[Host] = field(default_factory=list)


def make_habits(rng: random.Random, employees: int, hosts: list[Host]) -> list[Habit]:
    allowed = [h for h in hosts if h.category != "judi"]
    habits = []
    for _ in range(employees):
        habit = Habit(
            scale=rng.lognormvariate(math.log(40 * MB), 0.8),
            up_share=rng.uniform(0.03, 0.12),
            last_hour=16 if rng.random() < 0.8 else rng.choice([17, 18, 19]),
            saturday=rng.random() < 0.1,
            streams=rng.random() < 0.3,
            blocked_rate=rng.choice([0.0, 0.2, 0.5, 1.0, 3.0]),
        )
        habit.hosts = rng.sample(allowed, 40)
        habit.night_hosts = rng.sample(habit.hosts, 2)
        habits.append(habit)
    return habits


def normal_hour(
    rng: random.Random, employee: int, habit: Habit, hour: datetime, present: bool
) -> list[HourlyUse]:
    local = hour.astimezone(JAKARTA)
    weekday, h = local.weekday(), local.hour
    working = (weekday < 5 and present and 7 <= h <= habit.last_hour) or (
        habit.saturday and weekday == 5 and 8 <= h <= 11
    )
    rows: list[HourlyUse] = []
    if working:
        level = habit.scale * rng.lognormvariate(0, 0.5) * (0.4 if h == 12 else 1.0)
        visited = rng.sample(habit.hosts, rng.randint(5, 15))
        weights = [rng.random() + 0.1 for _ in visited]
        total = sum(weights)
        for host, weight in zip(visited, weights, strict=True):
            down = int(level * weight / total)
            requests = max(1, int(down / (400 * 1024)) + rng.randint(1, 20))
            if host.category == "streaming" and not habit.streams:
                continue
            rows.append(
                HourlyUse(
                    hour, employee, host.name, host.category, requests, 0, int(down * habit.up_share), down
                )
            )
        if habit.streams and rng.random() < 0.3:  # a clip or two: far under an hour of video
            streaming = next((x for x in habit.hosts if x.category == "streaming"), None)
            if streaming is not None:
                rows.append(
                    HourlyUse(
                        hour, employee, streaming.name, "streaming", 30, 0, MB, int(rng.uniform(20, 150) * MB)
                    )
                )
        blocked = _poisson(rng, habit.blocked_rate)
        if blocked:
            rows.append(
                HourlyUse(hour, employee, "iklan.example", "", blocked, blocked, blocked * 800, blocked * 400)
            )
    elif rng.random() < 0.3:  # the phone syncs mail and updates at night
        host = rng.choice(habit.night_hosts)
        rows.append(
            HourlyUse(
                hour,
                employee,
                host.name,
                host.category,
                rng.randint(2, 40),
                0,
                20_000,
                int(rng.uniform(0.5, 8) * MB),
            )
        )
    return rows


def _poisson(rng: random.Random, rate: float) -> int:
    if rate <= 0:
        return 0
    limit, k, p = math.exp(-rate), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def inject(
    rng: random.Random, kind: str, employee: int, habit: Habit, hour: datetime, hosts: list[Host]
) -> list[HourlyUse]:
    """The rows an anomaly of `kind` adds to the employee's hour."""
    if kind == "volume_spike":
        down = int(max(rng.uniform(0.5, 4) * 1024 * MB, rng.uniform(6, 20) * habit.scale))
        return [HourlyUse(hour, employee, "unduh-besar.example", "", 400, 0, 2 * MB, down)]
    if kind == "upload_spike":
        up = int(rng.uniform(120, 2000) * MB)
        return [HourlyUse(hour, employee, "simpan-awan.example", "berbagi-file", 300, 0, up, 5 * MB)]
    if kind == "after_hours":
        chosen = rng.sample(habit.hosts, 8)
        down = int(rng.uniform(60, 900) * MB) // len(chosen)  # browsing as by day, only at night
        up = int(down * habit.up_share)
        return [HourlyUse(hour, employee, h.name, h.category, 80, 0, up, down) for h in chosen]
    if kind == "new_domains":
        count = rng.randint(45, 250)
        return [
            HourlyUse(hour, employee, f"{rng.getrandbits(40):010x}.xyz", "", rng.randint(1, 3), 0, 900, 1500)
            for _ in range(count)
        ]
    if kind == "blocked_attempts":
        gambling = [h for h in hosts if h.category == "judi"]
        attempts = rng.randint(25, 200)
        chosen = rng.sample(gambling, 4)
        return [
            HourlyUse(hour, employee, h.name, "judi", attempts // 4, attempts // 4, 20_000, 40_000)
            for h in chosen
        ]
    assert kind == "streaming_office_hours"
    streamed = int(rng.uniform(0.45, 2.5) * 1024 * MB)
    return [HourlyUse(hour, employee, "video-besar.example", "streaming", 900, 0, streamed // 50, streamed)]


def _injection_hour(rng: random.Random, kind: str, habit: Habit, first_day: datetime) -> datetime:
    while True:
        day = first_day + timedelta(days=rng.randrange(EVALUATION_DAYS))
        local_day = day.astimezone(JAKARTA)
        if kind == "after_hours":  # a night, or a Sunday: when this employee is never online
            hour = rng.choice([21, 22, 23, 0, 1, 2, 3]) if local_day.weekday() != 6 else rng.randint(9, 20)
        else:
            if local_day.weekday() >= 5:
                continue
            hour = rng.randint(8, 15)
        return day + timedelta(hours=hour)


@dataclass(frozen=True)
class Generated:
    rows: list[HourlyUse]
    labels: set[tuple[str, int, datetime]]  # (detector, employee, hour)
    window_start: datetime
    window_end: datetime


def generate(seed: int = SEED, employees: int = 200, injected_per_kind: int = INJECTED_PER_KIND) -> Generated:
    rng = random.Random(seed)  # noqa: S311  generated traffic, not secrets: a seed makes runs compare
    hosts = make_hosts(rng)
    habits = make_habits(rng, employees, hosts)
    days = BASELINE_DAYS + EVALUATION_DAYS
    window_start = START + timedelta(days=BASELINE_DAYS)
    window_end = START + timedelta(days=days)
    labels: dict[tuple[int, datetime], str] = {}
    for kind in DETECTORS:
        placed = attempts = 0
        while placed < injected_per_kind:
            attempts += 1
            if attempts > 1000 * injected_per_kind:
                raise ValueError(
                    f"{employees} employees leave no room for {injected_per_kind} {kind} anomalies"
                )
            employee = rng.randrange(employees)
            hour = _injection_hour(rng, kind, habits[employee], window_start)
            neighbours = [(employee, hour + timedelta(hours=d)) for d in (-1, 0, 1)]
            if any(n in labels for n in neighbours):
                continue  # one anomaly an hour and employee, not next to another: labels stay unambiguous
            labels[(employee, hour)] = kind
            placed += 1
    rows: list[HourlyUse] = []
    for employee, habit in enumerate(habits):
        employee_id = employee + 1
        for d in range(days):
            present = rng.random() > 0.05  # leave, sickness, a day out of the office
            for h in range(24):
                hour = START + timedelta(days=d, hours=h)
                rows += normal_hour(rng, employee_id, habit, hour, present)
                injected = labels.get((employee, hour))
                if injected is not None:
                    rows += inject(rng, injected, employee_id, habit, hour, hosts)
    truth = {(kind, employee + 1, hour) for (employee, hour), kind in labels.items()}
    return Generated(rows, truth, window_start, window_end)


@dataclass(frozen=True)
class Score:
    detector: str
    labelled: int
    found: int
    true_positives: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.labelled if self.labelled else 1.0

    @property
    def met(self) -> bool:
        return self.recall >= TARGET_RECALL and self.precision >= TARGET_PRECISION


def score(findings: Iterable[Finding], labels: set[tuple[str, int, datetime]]) -> list[Score]:
    found = {(f.detector, f.employee_id, f.window_start) for f in findings}
    scores = []
    for detector in DETECTORS:
        mine = {f for f in found if f[0] == detector}
        truth = {t for t in labels if t[0] == detector}
        scores.append(Score(detector, len(truth), len(mine), len(mine & truth)))
    return scores


def run_anomaly_bench(seed: int = SEED, employees: int = 200) -> tuple[list[str], bool]:
    """The report lines and whether every detector met its target."""
    started = time.perf_counter()
    generated = generate(seed, employees, min(INJECTED_PER_KIND, max(1, employees // 5)))
    generated_s = time.perf_counter() - started
    office = Calendar(JAKARTA)
    started = time.perf_counter()
    findings = scan(generated.rows, generated.window_start, generated.window_end, office)
    scan_s = time.perf_counter() - started
    scores = score(findings, generated.labels)
    lines = [
        f"anomaly detectors: {employees} employees, {BASELINE_DAYS} baseline days + {EVALUATION_DAYS} "
        "evaluated, "
        f"{len(generated.rows):,} hourly rows (generated in {generated_s:.1f} s, scanned in {scan_s:.1f} s), "
        f"seed {seed}",
        f"target: recall >= {TARGET_RECALL} at precision >= {TARGET_PRECISION} for each",
        "",
        f"{'detector':<24} {'injected':>8} {'flagged':>8} {'correct':>8} {'precision':>10} {'recall':>8}"
        "  target",
    ]
    for s in scores:
        lines.append(
            f"{s.detector:<24} {s.labelled:>8} {s.found:>8} {s.true_positives:>8} {s.precision:>10.3f} "
            f"{s.recall:>8.3f}  {'met' if s.met else 'NOT met'}"
        )
    return lines, all(s.met for s in scores)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.anomaly",
        description="Precision and recall of each anomaly detector on a generated month of hourly usage with "
        "injected anomalies of each kind (in memory, no database). Exit status 1 when a detector misses its "
        "target.",
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default: {SEED})")
    parser.add_argument("--employees", type=int, default=200, help="employees (default: 200)")
    args = parser.parse_args(argv)
    if not 1 <= args.employees <= 5000:
        parser.error("--employees: from 1 to 5000")
    lines, met = run_anomaly_bench(args.seed, args.employees)
    print("\n".join(lines))
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
