"""Policy rules and schedules, compiled for the proxy: pure data and functions, no I/O.

Precedence, in one sentence: the first enabled, unexpired rule (by position) whose scope includes the
employee, whose schedule is on now and whose match fits decides; when none does, the city's blocked
domains block, then the site's categories apply their default action (block, then pass-through, then
warn, then allow when a site is in several); anything else is allowed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, ClassVar

import re2

from proxy_addons.hostnames import InvalidHost, matching_domain, normalize_host
from smedi.refusals import Refusal

ACTIONS = ("allow", "block", "passthrough", "warn")
# When a site is in several categories, the strictest default wins; decryption is skipped only when
# no category asks for a block.
ACTION_STRENGTH = {"block": 3, "passthrough": 2, "warn": 1, "allow": 0}
MAX_PATTERN_LENGTH = 2000

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is reported to the admin, not to stderr


class RuleError(Refusal):
    """A rule that cannot be saved; the message says why, for the admin who wrote it."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "rule_regex_too_long": "regular expression longer than {max_length} characters",
        "rule_regex_refused": (
            "regular expression refused ({reason}); backreferences and lookaround are not supported"
        ),
        "rule_url_prefix_invalid": "URL prefix {prefix!r}: {reason}",
        "rule_domain_invalid": "domain {pattern!r}: {reason}",
        "rule_unknown_action": "unknown action {action!r}; actions are {actions}",
        "rule_unknown_match_kind": "unknown match {match!r}",
        "rule_passthrough_url": (
            "pass-through needs a category or domain match: a URL is only seen after decryption"
        ),
    }


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
        raise RuleError("rule_regex_too_long", max_length=MAX_PATTERN_LENGTH)
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise RuleError("rule_regex_refused", reason=reason) from None


def normalize_url_prefix(prefix: str) -> str:
    """`https://YouTube.com/Shorts` → `youtube.com/Shorts`: the host normalised, the path kept."""
    rest = prefix.strip().split("://", 1)[-1]
    host, slash, path = rest.partition("/")
    try:
        return normalize_host(host) + slash + path
    except InvalidHost as exc:
        raise RuleError("rule_url_prefix_invalid", prefix=prefix, reason=exc) from None


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
            raise RuleError("rule_unknown_action", action=self.action, actions=", ".join(ACTIONS))
        if self.match == "url_regex":
            object.__setattr__(self, "_regex", compile_regex(self.pattern))
        elif self.match == "domain":
            try:
                object.__setattr__(self, "pattern", normalize_host(self.pattern.removeprefix("*.")))
            except InvalidHost as exc:
                raise RuleError("rule_domain_invalid", pattern=self.pattern, reason=exc) from None
        elif self.match == "url_prefix":
            object.__setattr__(self, "pattern", normalize_url_prefix(self.pattern))
        elif self.match != "category":
            raise RuleError("rule_unknown_match_kind", match=self.match)
        if self.match == "url_prefix" and self.action == "passthrough":
            # Pass-through is decided before decryption, when only the host is known.
            raise RuleError("rule_passthrough_url")

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


# Rules that cannot do what they say. Only certain findings are flagged: a lint that cries wolf is ignored.
LINT_CODES = ("expired", "empty_category", "shadowed", "never_decrypted", "conflict")


@dataclass(frozen=True)
class RuleFacts:
    """What lint_rules reads of a saved rule, with names as the portal lists them."""

    id: int
    action: str
    match: str
    value: str  # category slug, or the domain, URL prefix or expression as saved (normalised)
    scope: str = "everyone"
    scope_value: str | None = None  # OPD code, role or username
    schedule: str | None = None
    expires_at: datetime | None = None
    enabled: bool = True


@dataclass(frozen=True)
class RuleFlag:
    code: str  # one of LINT_CODES
    other: int | None = None  # the id of the earlier rule that causes it, when one does


def _covers(earlier: RuleFacts, later: RuleFacts) -> bool:
    """Whether every request `later` matches is matched by `earlier` too (as far as a rule alone says)."""
    if earlier.match == "domain" and later.match in ("domain", "url_prefix"):
        host = later.value.split("/", 1)[0]
        return host == earlier.value or host.endswith("." + earlier.value)
    if earlier.match == later.match == "url_prefix":
        return later.value.startswith(earlier.value)
    # Categories and expressions: only the same one is known to cover (category contents live in lists).
    return earlier.match == later.match and earlier.value == later.value


def _includes(earlier: RuleFacts, later: RuleFacts) -> bool:
    """Whether `earlier` applies to everyone `later` applies to (OPD sub-units are not followed)."""
    same = (earlier.scope, earlier.scope_value) == (later.scope, later.scope_value)
    return earlier.scope == "everyone" or same


def _overlaps(a: RuleFacts, b: RuleFacts) -> bool:
    return _includes(a, b) or _includes(b, a)


def _decides_first(earlier: RuleFacts, later: RuleFacts) -> bool:
    """`earlier` applies whenever `later` does (no expiry; no schedule, or the same) and matches as much."""
    unconditional = earlier.expires_at is None and earlier.schedule in (None, later.schedule)
    return unconditional and _covers(earlier, later) and _includes(earlier, later)


def _conflicts(earlier: RuleFacts, later: RuleFacts) -> bool:
    """A scheduled `earlier` with another action decides during its windows, `later` outside them."""
    scheduled = earlier.schedule is not None and earlier.action != later.action
    return scheduled and _covers(earlier, later) and _overlaps(earlier, later)


def lint_rules(
    rules: Sequence[RuleFacts], categories_with_domains: Collection[str], now: datetime
) -> dict[int, list[RuleFlag]]:
    """Flags for the rules (in position order) that can never decide, or whose outcome the order decides."""
    flags: dict[int, list[RuleFlag]] = {}
    for i, rule in enumerate(rules):
        if rule.expires_at is not None and rule.expires_at <= now:
            flags[rule.id] = [RuleFlag("expired")]  # it never decides again; anything else would be noise
            continue
        found = []
        if rule.match == "category" and rule.value not in categories_with_domains:
            found.append(RuleFlag("empty_category"))
        # Only enabled, unexpired rules above can decide first.
        earlier = [e for e in rules[:i] if e.enabled and (e.expires_at is None or e.expires_at > now)]
        shadow = next((e for e in earlier if _decides_first(e, rule)), None)
        if shadow is not None:
            # A pass-through site is never decrypted, so a URL rule for it is never even looked at.
            undecrypted = shadow.action == "passthrough" and rule.match == "url_prefix"
            found.append(RuleFlag("never_decrypted" if undecrypted else "shadowed", shadow.id))
        else:
            found += [RuleFlag("conflict", e.id) for e in earlier if _conflicts(e, rule)]
        if found:
            flags[rule.id] = found
    return flags
