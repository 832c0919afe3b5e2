"""The anomaly detectors on generated hourly usage with known answers: each kind found with its evidence,
a normal week found clean, habits respected."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from accounting.anomaly import (
    BLOCKED_MIN,
    MB,
    NEW_HOSTS_MIN,
    STREAMING_MIN_BYTES,
    Calendar,
    Finding,
    HourlyUse,
    Spread,
    scan,
    severity,
)
from bench.anomaly import generate, score

JAKARTA = ZoneInfo("Asia/Jakarta")
CALENDAR = Calendar(JAKARTA)  # Mon-Fri 07:30-16:00
MONDAY = datetime(2026, 3, 2, tzinfo=JAKARTA).astimezone(UTC)  # local midnight
HOSTS = [f"kerja-{i}.go.id" for i in range(8)]
EMPLOYEE = 7


def at(day: int, hour: int) -> datetime:
    """Local `hour` on day `day` after the first Monday, as the UTC hour the rollup keys."""
    return MONDAY + timedelta(days=day, hours=hour)


def office_weeks(
    weeks: int = 5, employee: int = EMPLOYEE, last_hour: int = 15, per_hour: int = 40 * MB
) -> list[HourlyUse]:
    """Weekdays from 07:00 to `last_hour` on the same hosts, bytes varying ±25 % in a fixed pattern."""
    rows = []
    for day in range(weeks * 7):
        if day % 7 >= 5:
            continue
        for hour in range(7, last_hour + 1):
            down = per_hour * (75 + (day * 7 + hour * 13) % 50) // 100
            for i, host in enumerate(HOSTS):
                rows.append(
                    HourlyUse(
                        at(day, hour),
                        employee,
                        host,
                        "pemerintahan",
                        20,
                        0,
                        down // 160,
                        down // 8 if i else down // 4,
                    )
                )
    return rows


def last_week(rows: list[HourlyUse], weeks: int = 5) -> list[Finding]:
    return scan(rows, at(7 * (weeks - 1), 0), at(7 * weeks, 0), CALENDAR)


def only(findings: list[Finding], detector: str) -> Finding:
    assert [f.detector for f in findings] == [detector], findings
    return findings[0]


def test_a_normal_month_raises_nothing() -> None:
    assert last_week(office_weeks()) == []


def test_a_volume_spike_is_found_with_the_numbers_the_baseline_and_the_top_host() -> None:
    rows = office_weeks()
    spike_at = at(30, 10)  # Wednesday of the last week, 10:00
    rows.append(HourlyUse(spike_at, EMPLOYEE, "unduh.example", "", 50, 0, MB, 3 * 1024 * MB))
    finding = only(last_week(rows), "volume_spike")
    assert (finding.employee_id, finding.window_start, finding.window_end) == (
        EMPLOYEE, spike_at, spike_at + timedelta(hours=1),
    )  # fmt: skip
    evidence = finding.evidence
    assert evidence["value"] > 3 * 1024 * MB
    assert 30 * MB < evidence["baseline"]["median"] < 60 * MB  # the habit: about 40 MB an hour + uploads
    assert evidence["baseline"]["samples"] == 20  # four weeks of workdays at 10:00
    assert evidence["top_hosts"][0]["host"] == "unduh.example"
    assert finding.severity == "high"  # dozens of spreads above the habit
    assert len(evidence["chart"]["hours"]) == 12


def test_an_upload_spike_is_data_leaving_and_is_not_also_a_volume_spike() -> None:
    rows = office_weeks()
    rows.append(HourlyUse(at(29, 14), EMPLOYEE, "simpan.example", "berbagi-file", 30, 0, 800 * MB, 2 * MB))
    finding = only(last_week(rows), "upload_spike")
    assert finding.evidence["reasons"] == ["spike", "ratio"]
    assert finding.evidence["top_hosts"][0]["host"] == "simpan.example"
    assert finding.severity == "high"


def test_more_up_than_down_is_found_even_below_the_spike_threshold() -> None:
    rows = office_weeks()
    # 60 MB up in an hour that downloads little: not a spike of 100 MB, but lopsided for a reader of pages
    day, hour = 29, 6  # 06:00, before office hours: nothing else that hour
    rows.append(HourlyUse(at(day, hour), EMPLOYEE, "x.example", "", 5, 0, 60 * MB, MB))
    found = {f.detector: f for f in last_week(rows)}
    assert found["upload_spike"].evidence["reasons"] == ["ratio"]


def test_after_hours_flags_a_night_online_but_not_a_habit_of_working_late() -> None:
    late_worker = office_weeks(employee=8, last_hour=19)
    rows = office_weeks() + late_worker
    for employee in (EMPLOYEE, 8):
        rows += [HourlyUse(at(30, 18), employee, h, "", 60, 0, 2 * MB, 30 * MB) for h in HOSTS[:3]]
    finding = only(last_week(rows), "after_hours")
    assert finding.employee_id == EMPLOYEE  # employee 8 is online at 18:00 every workday
    assert finding.evidence["baseline"]["median"] == 0
    assert finding.evidence["local_time"] == "Wed 18:00"


def test_a_burst_of_never_seen_domains_is_found_but_not_for_a_newcomer() -> None:
    rows = office_weeks()
    burst_at = at(31, 11)
    new = [f"{i:08x}.xyz" for i in range(NEW_HOSTS_MIN + 20)]
    rows += [HourlyUse(burst_at, EMPLOYEE, h, "", 2, 0, 500, 900) for h in new]
    rows += [HourlyUse(burst_at, 99, h, "", 2, 0, 500, 900) for h in new]  # 99 has no history at all
    finding = only(last_week(rows), "new_domains")
    assert finding.employee_id == EMPLOYEE
    assert finding.evidence["value"] == len(new)
    assert finding.evidence["examples"][0] == new[0]


def test_repeated_blocked_attempts_are_found_with_their_categories() -> None:
    rows = office_weeks()
    rows += [HourlyUse(at(28, 9), EMPLOYEE, f"slot{i}.example", "judi", 10, 10, 8000, 4000) for i in range(4)]
    finding = only(last_week(rows), "blocked_attempts")
    assert finding.evidence["value"] == 40 >= BLOCKED_MIN
    assert finding.evidence["categories"] == {"judi": 40}
    assert {h["host"] for h in finding.evidence["top_hosts"]} == {f"slot{i}.example" for i in range(4)}


def test_heavy_streaming_in_office_hours_but_not_in_the_evening_nor_on_a_holiday() -> None:
    rows = office_weeks()
    video = STREAMING_MIN_BYTES + 100 * MB
    rows.append(HourlyUse(at(28, 13), EMPLOYEE, "video.example", "streaming", 500, 0, 5 * MB, video))
    rows.append(HourlyUse(at(29, 13), EMPLOYEE, "video.example", "streaming", 500, 0, 5 * MB, video))
    holiday = at(29, 13).astimezone(JAKARTA).date()
    calendar = Calendar(JAKARTA, holidays=frozenset({holiday}))
    findings = scan(rows, at(28, 0), at(35, 0), calendar)
    streaming = [f for f in findings if f.detector == "streaming_office_hours"]
    assert [f.window_start for f in streaming] == [at(28, 13)]
    assert streaming[0].evidence["top_hosts"][0]["host"] == "video.example"


def test_the_calendar_reads_office_hours_in_local_time() -> None:
    assert CALENDAR.contains(at(0, 7))  # 07:00-08:00 holds 07:30: office
    assert CALENDAR.contains(at(0, 15))
    assert not CALENDAR.contains(at(0, 16))
    assert not CALENDAR.contains(at(5, 10))  # Saturday
    assert CALENDAR.slot(at(2, 10)) == (True, 10)
    assert Calendar(JAKARTA, holidays=frozenset({date(2026, 3, 2)})).slot(at(0, 10)) == (False, 10)


def test_spread_and_severity() -> None:
    spread = Spread.of([10, 12, 11, 13, 100])
    assert spread.median == 12 and spread.samples == 5
    assert round(spread.spread, 3) == round(1 * 1.4826, 3)  # MAD 1: the outlier does not widen it
    assert spread.score(12 + 10 * 5, floor=5) == 10  # the floor, not the tiny spread, divides
    assert [severity(1.0), severity(2.5), severity(5), severity(1.0, base="medium")] == [
        "low", "medium", "high", "medium",
    ]  # fmt: skip


def test_on_generated_traffic_each_detector_meets_its_target() -> None:
    """The bench's generator at a small size: injected anomalies of each kind, labels known."""
    generated = generate(seed=11, employees=40, injected_per_kind=8)
    findings = scan(generated.rows, generated.window_start, generated.window_end, Calendar(JAKARTA))
    for s in score(findings, generated.labels):
        assert s.labelled == 8
        assert s.recall >= 0.9 and s.precision >= 0.8, s
