"""lint_rules as a table: the rules it flags, with which code and which earlier rule; the rules it leaves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from proxy_addons.rules import LINT_CODES, Rule, RuleFacts, lint_rules
from proxy_addons.rules import RuleFlag as Flag  # short: the table below is full of them
from proxy_addons.snapshots import PolicySnapshot

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
PAST, FUTURE = NOW - timedelta(hours=1), NOW + timedelta(hours=1)
WITH_DOMAINS = {"judi", "streaming"}  # categories whose active list holds domains
OPD_A = {"scope": "org", "scope_value": "DISKOMINFO"}
OPD_B = {"scope": "org", "scope_value": "BAPPEDA"}
BUDI = {"scope": "employee", "scope_value": "budi"}
OFFICE = {"schedule": "jam-kerja"}
SECOND_SHADOWED = {2: [Flag("shadowed", 1)]}  # the commonest answer: rule 2 never decides, rule 1 does


def rule(action: str, value: str, match: str = "domain", **kw: object) -> dict[str, object]:
    return {"action": action, "match": match, "value": value, **kw}


def block(value: str, match: str = "domain", **kw: object) -> dict[str, object]:
    return rule("block", value, match, **kw)


def allow(value: str, match: str = "domain", **kw: object) -> dict[str, object]:
    return rule("allow", value, match, **kw)


# (what the case shows, the rules in position order, the flags by rule number)
CASES: list[tuple[str, list[dict[str, object]], dict[int, list[Flag]]]] = [
    ("no rules", [], {}),
    ("different domains", [block("a.test"), block("b.test"), allow("c.test")], {}),
    # shadowed: an earlier rule that always applies and matches as much
    ("same domain", [block("a.test"), allow("a.test")], SECOND_SHADOWED),
    ("same domain and action", [block("a.test"), block("a.test")], SECOND_SHADOWED),
    ("parent domain first", [block("a.test"), allow("m.a.test")], SECOND_SHADOWED),
    ("subdomain first: both decide", [block("m.a.test"), allow("a.test")], {}),
    ("a name ending alike is no parent", [block("a.test"), allow("bukan-a.test")], {}),
    ("shorter URL prefix first", [block("a.test/x", "url_prefix"), allow("a.test/xy", "url_prefix")],
     SECOND_SHADOWED),
    ("longer URL prefix first", [block("a.test/xy", "url_prefix"), allow("a.test/x", "url_prefix")], {}),
    ("domain over a URL prefix on it", [block("a.test"), allow("m.a.test/x", "url_prefix")], SECOND_SHADOWED),
    ("a URL prefix does not cover its domain", [block("a.test/x", "url_prefix"), allow("a.test")], {}),
    ("same category", [block("judi", "category"), allow("judi", "category")], SECOND_SHADOWED),
    ("what a category holds is not known", [block("judi", "category"), allow("judi.test")], {}),
    ("same expression", [block("^https://a", "url_regex"), allow("^https://a", "url_regex")],
     SECOND_SHADOWED),
    ("expressions compare as text", [block("^https://a", "url_regex"), allow("^https://a/b", "url_regex")],
     {}),
    # scope: everyone includes anyone; otherwise only the same OPD, role or employee does
    ("everyone first", [block("a.test"), allow("a.test", **BUDI)], SECOND_SHADOWED),
    ("same OPD", [block("a.test", **OPD_A), allow("a.test", **OPD_A)], SECOND_SHADOWED),
    ("another OPD", [block("a.test", **OPD_A), allow("a.test", **OPD_B)], {}),
    ("an exception first, as approvals do", [allow("a.test", **BUDI), block("a.test")], {}),
    # what cannot decide first shadows nothing
    ("disabled rule above", [block("a.test", enabled=False), allow("a.test")], {}),
    ("rule above expires later", [allow("a.test", expires_at=FUTURE), block("a.test")], {}),
    ("rule above expired", [allow("a.test", expires_at=PAST), block("a.test")], {1: [Flag("expired")]}),
    ("a disabled rule is checked too", [block("a.test"), allow("a.test", enabled=False)], SECOND_SHADOWED),
    # schedules: the same schedule still shadows; another action under a schedule is a conflict
    ("same schedule", [block("a.test", **OFFICE), allow("a.test", **OFFICE)], SECOND_SHADOWED),
    ("scheduled above, another action",
     [block("streaming", "category", **OFFICE), allow("streaming", "category")], {2: [Flag("conflict", 1)]}),
    ("scheduled above, the same action", [block("a.test", **OFFICE), block("a.test")], {}),
    ("scheduled for an OPD, everyone below", [block("a.test", **OFFICE, **OPD_A), allow("a.test")],
     {2: [Flag("conflict", 1)]}),
    ("scheduled, scopes apart", [block("a.test", **OFFICE, **OPD_A), allow("a.test", **OPD_B)], {}),
    ("one conflict per scheduled rule above",
     [block("a.test", **OFFICE), rule("warn", "a.test", schedule="istirahat"), allow("a.test")],
     {2: [Flag("conflict", 1)], 3: [Flag("conflict", 1), Flag("conflict", 2)]}),
    ("shadowed outweighs a conflict", [block("a.test", **OFFICE), block("a.test"), allow("a.test")],
     {3: [Flag("shadowed", 2)]}),
    # pass-through: a URL rule on a site that is never decrypted
    ("pass-through domain above a URL prefix",
     [rule("passthrough", "bank.test"), block("www.bank.test/promo", "url_prefix")],
     {2: [Flag("never_decrypted", 1)]}),
    ("pass-through for one OPD only",
     [rule("passthrough", "bank.test", **OPD_A), block("bank.test/promo", "url_prefix")], {}),
    ("pass-through above a domain", [rule("passthrough", "bank.test"), block("m.bank.test")],
     SECOND_SHADOWED),
    # categories without domains, and expiry
    ("category with a list", [block("judi", "category")], {}),
    ("category without a list", [block("game-online", "category")], {1: [Flag("empty_category")]}),
    ("empty and shadowed", [block("game-online", "category"), allow("game-online", "category")],
     {1: [Flag("empty_category")], 2: [Flag("empty_category"), Flag("shadowed", 1)]}),
    ("expired", [allow("a.test", expires_at=PAST)], {1: [Flag("expired")]}),
    ("expires now", [allow("a.test", expires_at=NOW)], {1: [Flag("expired")]}),
    ("expired says only that", [block("a.test"), allow("a.test", expires_at=PAST)], {2: [Flag("expired")]}),
    ("expires later", [allow("a.test", expires_at=FUTURE)], {}),
]  # fmt: skip


@pytest.mark.parametrize(("given", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_lint_rules(given: list[dict[str, object]], expected: dict[int, list[Flag]]) -> None:
    numbered = [RuleFacts(id=n, **spec) for n, spec in enumerate(given, start=1)]  # type: ignore[arg-type]
    assert lint_rules(numbered, WITH_DOMAINS, NOW) == expected


def test_the_table_shows_every_code() -> None:
    """The rules page translates `lint_<code>`: a new code needs its words, and its rows here."""
    shown = {flag.code for _name, _given, expected in CASES for flags in expected.values() for flag in flags}
    assert shown == set(LINT_CODES)


def test_what_the_flags_claim_is_what_the_proxy_does() -> None:
    """A shadowed rule never decides; a URL rule under a pass-through domain is never reached."""
    snapshot = PolicySnapshot(
        frozenset(),
        rules=(
            Rule(1, "block", "domain", pattern="a.test"),
            Rule(2, "allow", "url_prefix", pattern="m.a.test/x"),  # shadowed by 1
            Rule(3, "passthrough", "domain", pattern="bank.test"),
            Rule(4, "block", "url_prefix", pattern="www.bank.test/promo"),  # never decrypted
        ),
    )
    assert snapshot.decide("m.a.test", url="https://m.a.test/x", now=NOW).rule == "rule:1"
    at_sni = snapshot.decide("www.bank.test", now=NOW)  # before decryption: the only look it gets
    assert (at_sni.action, at_sni.rule, at_sni.final) == ("passthrough", "rule:3", True)
    facts = [RuleFacts(r.id, r.action, r.match, r.pattern) for r in snapshot.rules]
    assert lint_rules(facts, set(), NOW) == {2: [Flag("shadowed", 1)], 4: [Flag("never_decrypted", 3)]}
