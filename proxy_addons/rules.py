"""Policy rules and schedules, compiled for the proxy: pure data and functions, no I/O.

Precedence, in one sentence: the first enabled, unexpired rule (by position) whose scope includes the
employee, whose schedule is on now and whose match fits decides; when none does, the city's blocked
domains block, then the site's categories apply their default action (block, then pass-through, then
warn, then allow when a site is in several); anything else is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import re2

from proxy_addons.hostnames import InvalidHost, matching_domain, normalize_host

ACTIONS = ("allow", "block", "passthrough", "warn")
# When a site is in several categories, the strictest default wins; decryption is skipped only when
# no category asks for a block.
ACTION_STRENGTH = {"block": 3, "passthrough": 2, "warn": 1, "allow": 0}
MAX_PATTERN_LENGTH = 2000

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is reported to the admin, not to stderr


class RuleError(ValueError):
    """A rule that cannot be saved; the message says why, for the admin who wrote it."""


@dataclass(frozen=True, slots=True)
class Window:
    weekday: int  # ISO: 1 Monday .. 7 Sunday
    starts: time
    ends: time


@dataclass(frozen=True)
class Schedule:
    name: str
    windows: tuple[Window, ...]
    except_holidays: bool = True

    def active(self, local: datetime, holidays: frozenset[date]) -> bool:
        """Whether `local` (in SMEDI_TZ) falls in a window; holidays are off when the schedule says so."""
        if self.except_holidays and local.date() in holidays:
            return False
        now = local.time()
        return any(w.weekday == local.isoweekday() and w.starts <= now < w.ends for w in self.windows)


@dataclass(frozen=True)
class Requester:
    """Who asks, as rules see it: the employee, their OPD and the OPDs above it, their roles."""

    employee_id: int | None = None
    org_path: tuple[int, ...] = ()
    roles: frozenset[str] = frozenset()


def compile_regex(pattern: str) -> Any:
    """RE2 runs in time linear in the URL; what RE2 cannot run (backreferences, lookaround) is refused."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RuleError(f"regular expression longer than {MAX_PATTERN_LENGTH} characters")
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise RuleError(
            f"regular expression refused ({reason}); backreferences and lookaround are not supported"
        ) from None


def normalize_url_prefix(prefix: str) -> str:
    """`https://YouTube.com/Shorts` → `youtube.com/Shorts`: the host normalised, the path kept."""
    rest = prefix.strip().split("://", 1)[-1]
    host, slash, path = rest.partition("/")
    try:
        return normalize_host(host) + slash + path
    except InvalidHost as exc:
        raise RuleError(f"URL prefix {prefix!r}: {exc}") from None


@dataclass(frozen=True)
class Rule:
    id: int
    action: str
    match: str  # category | domain | url_prefix | url_regex
    scope: str = "everyone"  # everyone | org | role | employee
    org_unit_id: int | None = None
    role: str | None = None
    employee_id: int | None = None
    category_id: int | None = None
    pattern: str = ""
    schedule: Schedule | None = None
    expires_at: datetime | None = None
    note: str = ""
    _regex: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise RuleError(f"unknown action {self.action!r}; actions are {', '.join(ACTIONS)}")
        if self.match == "url_regex":
            object.__setattr__(self, "_regex", compile_regex(self.pattern))
        elif self.match == "domain":
            try:
                object.__setattr__(self, "pattern", normalize_host(self.pattern.removeprefix("*.")))
            except InvalidHost as exc:
                raise RuleError(f"domain {self.pattern!r}: {exc}") from None
        elif self.match == "url_prefix":
            object.__setattr__(self, "pattern", normalize_url_prefix(self.pattern))
        elif self.match != "category":
            raise RuleError(f"unknown match {self.match!r}")
        if self.match == "url_prefix" and self.action == "passthrough":
            # Pass-through is decided before decryption, when only the host is known.
            raise RuleError(
                "pass-through needs a category or domain match: a URL is only seen after decryption"
            )

    def applies_to(self, who: Requester, now: datetime, holidays: frozenset[date], local: datetime) -> bool:
        if self.expires_at is not None and now >= self.expires_at:
            return False
        if self.scope == "org" and self.org_unit_id not in who.org_path:
            return False
        if self.scope == "role" and self.role not in who.roles:
            return False
        if self.scope == "employee" and self.employee_id != who.employee_id:
            return False
        return self.schedule is None or self.schedule.active(local, holidays)

    def matches(self, host: str, url: str | None, categories: frozenset[int]) -> bool | None:
        """True/False; None when only the full URL could tell (before decryption)."""
        if self.match == "category":
            return self.category_id in categories
        if self.match == "domain":
            return matching_domain(host, {self.pattern}) is not None
        if url is None:
            if self.match == "url_prefix":
                prefix_host = self.pattern.split("/", 1)[0]
                return None if host == prefix_host else False
            return None  # a regular expression may match any host's URLs
        target = url.split("://", 1)[-1]
        if self.match == "url_prefix":
            return target.startswith(self.pattern)
        return self._regex.search(url) is not None
