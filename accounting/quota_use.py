"""What the proxy knows of quota use: the database's daily totals (every proxy's committed rows) plus its
own rows not yet committed, summed per period as they arrive so a check is a few dictionary lookups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from accounting.periods import PERIODS, Period, period_start
from accounting.records import UsageRecord

NOTICE_SHARE = 0.8  # the employee is told once when a quota is 80 % used

type DayKey = tuple[date, int, int, str]  # local day, employee id, OPD id, category
type UseKey = tuple[str, int, str, str, date]  # "e"/"o", employee or OPD id, category or "", period, start


@dataclass(frozen=True, slots=True)
class Quota:
    id: int
    scope: str  # employee | org | category
    period: Period
    limit_bytes: int
    employee_id: int | None = None
    org_unit_id: int | None = None
    category: str | None = None
    note: str = ""

    def applies(self, employee_id: int, org_path: tuple[int, ...], category: str) -> bool:
        if self.scope == "employee":
            return self.employee_id == employee_id
        if self.scope == "org":
            return self.org_unit_id in org_path
        return (
            self.category == category
            and self.employee_id in (None, employee_id)
            and (self.org_unit_id is None or self.org_unit_id in org_path)
        )

    def use_key(self, employee_id: int, start: date) -> UseKey:
        if self.scope == "org":
            return ("o", self.org_unit_id or 0, "", self.period, start)
        return ("e", employee_id, self.category or "", self.period, start)


@dataclass(frozen=True, slots=True)
class QuotaCheck:
    quota: Quota
    used: int
    period_start: date

    @property
    def exceeded(self) -> bool:
        return self.used >= self.quota.limit_bytes

    @property
    def share(self) -> float:
        return self.used / self.quota.limit_bytes


class QuotaUse:
    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.quotas: tuple[Quota, ...] = ()
        self._org_paths: Mapping[int, tuple[int, ...]] = {}  # OPD id → ids from the top down to it
        self._db: dict[DayKey, int] = {}  # the database's totals as last read
        self._local: dict[DayKey, int] = {}  # this process's rows not yet committed
        self._use: dict[UseKey, int] = {}
        self.commits = 0  # a read of the database that overlaps a commit is not applied (see follower)
        # Every record passes here twice (billed, committed): the keys a day key adds to, and the local
        # day of the current instant, are worked out once, not per record.
        self._use_keys: dict[DayKey, tuple[UseKey, ...]] = {}
        self._day = date.min
        self._day_from = self._day_to = datetime(1970, 1, 1, tzinfo=UTC)  # empty: the first record sets it

    @property
    def org_paths(self) -> Mapping[int, tuple[int, ...]]:
        return self._org_paths

    @org_paths.setter
    def org_paths(self, paths: Mapping[int, tuple[int, ...]]) -> None:
        if paths is not self._org_paths:
            self._org_paths = paths
            self._use_keys.clear()  # worked out from the old paths

    def checks(
        self, employee_id: int, org_path: tuple[int, ...], category: str, now: datetime
    ) -> list[QuotaCheck]:
        """Every quota that applies to this employee's traffic in this category, with its use now."""
        day = now.astimezone(self.tz).date()
        found = []
        for quota in self.quotas:
            if quota.applies(employee_id, org_path, category):
                start = period_start(quota.period, day)
                found.append(QuotaCheck(quota, self._use.get(quota.use_key(employee_id, start), 0), start))
        return found

    def add_local(self, record: UsageRecord) -> None:
        key = self._day_key(record)
        amount = record.bytes_up + record.bytes_down
        if key is None or not amount:
            return
        self._local[key] = self._local.get(key, 0) + amount
        self._add(key, amount)

    def committed(self, records: Iterable[UsageRecord]) -> None:
        """These rows are in the database now: counted there, no longer as our own."""
        self.commits += 1
        for record in records:
            key = self._day_key(record)
            amount = record.bytes_up + record.bytes_down
            if key is None or not amount:
                continue
            self._local[key] = self._local.get(key, 0) - amount
            self._db[key] = self._db.get(key, 0) + amount

    def apply_totals(self, rows: Iterable[tuple[date, int, int, str, int]]) -> None:
        """Totals read from usage_daily_totals: (day, employee id, OPD id, category, bytes)."""
        for day, employee_id, org_unit_id, category, total in rows:
            if not employee_id:
                continue  # nobody signed in: no quota applies
            key = (day, employee_id, org_unit_id, category)
            delta = total - self._db.get(key, 0)
            self._db[key] = total
            if delta:
                self._add(key, delta)

    def forget_before(self, day: date) -> None:
        """Drop days and periods that ended before `day` (the earliest start still followed)."""
        self._db = {k: v for k, v in self._db.items() if k[0] >= day}
        self._local = {k: v for k, v in self._local.items() if k[0] >= day and v}
        self._use = {k: v for k, v in self._use.items() if k[4] >= day}
        self._use_keys.clear()  # and the OPD paths may have changed since

    def _day_key(self, record: UsageRecord) -> DayKey | None:
        if not record.employee_id:
            return None  # nobody signed in: no quota applies
        return (self._local_day(record.ts), record.employee_id, record.org_unit_id or 0, record.category)

    def _local_day(self, ts: datetime) -> date:
        if not self._day_from <= ts < self._day_to:
            self._day = ts.astimezone(self.tz).date()
            # In UTC, as the rows' times are: comparing those is cheaper than converting them.
            self._day_from = datetime.combine(self._day, time(), self.tz).astimezone(UTC)
            self._day_to = datetime.combine(self._day + timedelta(days=1), time(), self.tz).astimezone(UTC)
        return self._day

    def _add(self, key: DayKey, amount: int) -> None:
        keys = self._use_keys.get(key)
        if keys is None:
            keys = self._use_keys[key] = self._keys_of(key)
        use = self._use
        for use_key in keys:
            use[use_key] = use.get(use_key, 0) + amount

    def _keys_of(self, key: DayKey) -> tuple[UseKey, ...]:
        """The use a day's bytes count towards: the employee's, their OPDs' (shared), their category's."""
        day, employee_id, org_unit_id, category = key
        orgs = self._org_paths.get(org_unit_id, (org_unit_id,)) if org_unit_id else ()
        keys: list[UseKey] = []
        for period in PERIODS:
            start = period_start(period, day)
            keys += [("e", employee_id, "", period, start), *(("o", org, "", period, start) for org in orgs)]
            if category:
                keys.append(("e", employee_id, category, period, start))
        return tuple(keys)
