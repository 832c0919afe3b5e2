"""What the proxy holds in memory: the employee directory and the policy. Swapped whole, never edited."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo

from proxy_addons.domain_index import DomainIndex
from proxy_addons.hostnames import matching_domain
from proxy_addons.rules import ACTION_STRENGTH, Requester, Rule


@dataclass(frozen=True, slots=True)
class Employee:
    """Who made a request, as accounting and policy need it (no secrets)."""

    id: int
    username: str
    org_unit_id: int | None
    org_code: str
    requester: Requester = field(default_factory=Requester, repr=False)  # what rules see of them


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    employee: Employee
    password_hash: str = field(repr=False)
    active: bool


@dataclass(frozen=True)
class Directory:
    by_username: Mapping[str, DirectoryEntry]
    by_id: Mapping[int, DirectoryEntry] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, object]]) -> Directory:
        entries = {}
        for row in rows:
            path, roles = row.get("org_path") or (), row.get("roles") or ()
            who = Requester(row["id"], tuple(path), frozenset(roles))  # type: ignore[arg-type, call-overload]
            employee = Employee(row["id"], row["username"], row["org_unit_id"], row["org_code"], who)  # type: ignore[arg-type]
            entries[employee.username] = DirectoryEntry(employee, row["password_hash"], row["active"])  # type: ignore[arg-type]
        by_id = {entry.employee.id: entry for entry in entries.values()}
        return cls(MappingProxyType(entries), MappingProxyType(by_id))

    @classmethod
    def empty(cls) -> Directory:
        return cls(MappingProxyType({}))

    def active(self, employee_id: int) -> Employee | None:
        entry = self.by_id.get(employee_id)
        return entry.employee if entry and entry.active else None


@dataclass(frozen=True, slots=True)
class Suspension:
    """An employee's internet suspended by an admin until `ends_at` (UTC), with the reason they read."""

    id: int
    employee_id: int
    reason: str
    ends_at: datetime


def suspensions_from_rows(rows: Iterable[Mapping[str, object]]) -> Mapping[int, Suspension]:
    """employee id → the suspension in force that ends last (the query keeps one per employee)."""
    found = {}
    for row in rows:
        suspension = Suspension(row["id"], row["employee_id"], row["reason"], row["ends_at"])  # type: ignore[arg-type]
        found[suspension.employee_id] = suspension
    return MappingProxyType(found)


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    slug: str
    name_id: str
    name_en: str
    action: str  # the default action for sites in this category


@dataclass(frozen=True, slots=True)
class Decision:
    """The policy's answer for one host or URL; `rule` says what decided, for logs and block pages."""

    host: str
    action: str = "allow"  # allow | block | passthrough | warn
    rule: str = ""  # e.g. "rule:12", "blocked_domain:judi.test", "category:judi"
    category: str = ""  # the slug of the category that decided, if one did
    final: bool = True  # False at the SNI when a URL rule may still decide after decryption

    @property
    def blocked(self) -> bool:
        return self.action == "block"


@dataclass(frozen=True)
class PolicySnapshot:
    blocked_domains: frozenset[str]
    categories: Mapping[int, Category] = field(default_factory=dict)
    index: DomainIndex = field(default_factory=DomainIndex.empty)
    rules: tuple[Rule, ...] = ()
    holidays: frozenset[date] = frozenset()
    tz: ZoneInfo = ZoneInfo("Asia/Jakarta")  # noqa: RUF009  ZoneInfo instances are cached and immutable
    # URL entries of category lists (UT1 `urls` files): host → ((path prefix, category id), ...)
    url_lists: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> PolicySnapshot:
        return cls(frozenset())

    def categories_of(self, host: str, url: str | None = None) -> frozenset[int]:
        """The categories listing the host (or a parent), and, once the URL is known, its URL entries."""
        hit = self.index.lookup(host)
        found = frozenset(i for i in self.categories if hit[1] >> i & 1) if hit else frozenset()
        entries = self.url_lists.get(host)
        if entries and url is not None:
            path = url.split("://", 1)[-1][len(host) :]
            found |= {category for prefix, category in entries if path.startswith(prefix)}
        return found

    def decide(
        self, host: str, who: Requester | None = None, url: str | None = None, now: datetime | None = None
    ) -> Decision:
        """`host` normalised; `url` as scheme://host/path with that host, or None before decryption."""
        now = now or datetime.now(UTC)
        who = who or Requester()
        in_categories = self.categories_of(host, url)
        decision, deferred = None, False
        local = now.astimezone(self.tz) if self.rules else now  # schedules only matter to rules
        for rule in self.rules:
            if not rule.applies_to(who, now, self.holidays, local):
                continue
            matched = rule.matches(host, url, in_categories)
            if matched is None:  # a URL rule, before decryption
                deferred = deferred or rule.action != "block"
            elif matched:
                category = self.categories.get(rule.category_id or 0)
                slug = category.slug if category else ""
                decision = Decision(host, rule.action, f"rule:{rule.id}", slug)
                break
        decision = decision or self._default(host, in_categories)
        if deferred and decision.action == "block":
            # A URL rule above may allow part of this site: decrypt, then decide on the URL. Pass-through
            # stays pass-through: URL rules never apply to sites that are not decrypted.
            return Decision(host, "allow", decision.rule, decision.category, final=False)
        return decision

    def explain(self, decision: Decision) -> tuple[str, str]:
        """Why, in Indonesian and English, for the employee reading a block or warning page."""
        category = next((c for c in self.categories.values() if c.slug == decision.category), None)
        if category is not None:
            return f"kategori {category.name_id}", f"category {category.name_en}"
        if decision.rule.startswith("rule:"):
            number = decision.rule.removeprefix("rule:")
            return f"aturan kebijakan nomor {number}", f"policy rule number {number}"
        if decision.rule.startswith("blocked_domain:"):
            return "daftar situs yang diblokir kota", "the city's list of blocked sites"
        return "alamat situs tidak valid", "an invalid site address"

    def _default(self, host: str, in_categories: frozenset[int]) -> Decision:
        listed = matching_domain(host, self.blocked_domains)
        if listed is not None:
            return Decision(host, "block", f"blocked_domain:{listed}")
        if in_categories:
            strictest = max(
                (self.categories[i] for i in in_categories), key=lambda c: ACTION_STRENGTH[c.action]
            )
            return Decision(host, strictest.action, f"category:{strictest.slug}", strictest.slug)
        return Decision(host)
