"""What the proxy holds in memory: the employee directory and the policy. Swapped whole, never edited."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from proxy_addons.hostnames import matching_domain


@dataclass(frozen=True, slots=True)
class Employee:
    """Who made a request, as accounting and policy need it (no secrets)."""

    id: int
    username: str
    org_unit_id: int | None
    org_code: str


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    employee: Employee
    password_hash: str = field(repr=False)
    active: bool


@dataclass(frozen=True)
class Directory:
    by_username: Mapping[str, DirectoryEntry]

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, object]]) -> Directory:
        entries = {}
        for row in rows:
            employee = Employee(row["id"], row["username"], row["org_unit_id"], row["org_code"])  # type: ignore[arg-type]
            entries[employee.username] = DirectoryEntry(employee, row["password_hash"], row["active"])  # type: ignore[arg-type]
        return cls(MappingProxyType(entries))

    @classmethod
    def empty(cls) -> Directory:
        return cls(MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Decision:
    """The policy's answer for one host; `rule` says which entry decided, for logs and block pages."""

    host: str
    blocked: bool
    rule: str = ""


@dataclass(frozen=True)
class PolicySnapshot:
    blocked_domains: frozenset[str]

    @classmethod
    def empty(cls) -> PolicySnapshot:
        return cls(frozenset())

    def decide(self, host: str) -> Decision:
        """`host` is already normalised; a listed domain blocks itself and every subdomain."""
        listed = matching_domain(host, self.blocked_domains)
        if listed is None:
            return Decision(host, blocked=False)
        return Decision(host, blocked=True, rule=f"blocked_domain:{listed}")
