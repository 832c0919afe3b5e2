"""The policy's precedence as a table, schedules at fixed times, and rules that are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from proxy_addons.domain_index import DomainIndex
from proxy_addons.rules import Requester, Rule, RuleError, Schedule, Window
from proxy_addons.snapshots import Category, PolicySnapshot

JAKARTA = ZoneInfo("Asia/Jakarta")
JUDI, STREAMING, PERBANKAN, KESEHATAN = 1, 5, 9, 10
CATEGORIES = {
    JUDI: Category(JUDI, "judi", "Perjudian", "Gambling", "block"),
    STREAMING: Category(STREAMING, "streaming", "Streaming video", "Video streaming", "allow"),
    PERBANKAN: Category(PERBANKAN, "perbankan", "Perbankan", "Banking", "passthrough"),
    KESEHATAN: Category(KESEHATAN, "kesehatan", "Kesehatan", "Health", "passthrough"),
}
JAM_KERJA = Schedule(
    "jam-kerja",
    tuple(Window(d, time(7, 30), time(16, 30) if d == 5 else time(16)) for d in range(1, 6)),
)
HOLIDAY = date(2026, 12, 25)
BUDI = Requester(7, org_path=(1, 3), roles=frozenset({"employee"}))  # DISKOMINFO (1) → Bidang TI (3)
SITI = Requester(8, org_path=(2,), roles=frozenset({"employee", "hr"}))


def at(text: str) -> datetime:
    """A local time in Jakarta, as the UTC instant the proxy would see."""
    return datetime.fromisoformat(text).replace(tzinfo=JAKARTA).astimezone(UTC)


MONDAY_10 = at("2026-12-07 10:00")
MONDAY_20 = at("2026-12-07 20:00")
FRIDAY_1620 = at("2026-12-11 16:20")
CHRISTMAS_10 = at("2026-12-25 10:00")

RULES = (
    Rule(1, "allow", "domain", "employee", employee_id=8, pattern="judi.test", note="investigation"),
    Rule(2, "block", "url_prefix", pattern="video.test/shorts", schedule=JAM_KERJA),
    Rule(3, "block", "category", category_id=STREAMING, schedule=JAM_KERJA),
    Rule(4, "allow", "domain", "org", org_unit_id=1, pattern="bank.test"),  # decrypt? no: allow = intercept
    Rule(5, "warn", "url_regex", pattern=r"^https?://forum\.test/.*[?&]topic=gossip"),
    Rule(6, "block", "domain", "role", role="hr", pattern="hr-blocked.test"),
    Rule(7, "allow", "domain", pattern="expired.test", expires_at=at("2026-12-01 00:00")),
)
SNAPSHOT = PolicySnapshot(
    blocked_domains=frozenset({"blocked.test", "expired.test"}),
    categories=CATEGORIES,
    index=DomainIndex.build(
        [
            ("judi.test", JUDI),
            ("video.test", STREAMING),
            ("bank.test", PERBANKAN),
            ("klinik.test", KESEHATAN),
            ("both.test", JUDI),
            ("both.test", PERBANKAN),
        ]
    ),
    rules=RULES,
    holidays=frozenset({HOLIDAY}),
    tz=JAKARTA,
)


@pytest.mark.parametrize(
    ("who", "host", "url", "now", "action", "rule"),
    [
        # No rule matches: blocked list, then category defaults, then allow.
        (BUDI, "news.test", None, MONDAY_10, "allow", ""),
        (
            BUDI,
            "www.blocked.test",
            "https://www.blocked.test/",
            MONDAY_10,
            "block",
            "blocked_domain:blocked.test",
        ),
        (BUDI, "judi.test", "https://judi.test/", MONDAY_10, "block", "category:judi"),
        (BUDI, "m.judi.test", "https://m.judi.test/x", MONDAY_20, "block", "category:judi"),
        (SITI, "klinik.test", None, MONDAY_10, "passthrough", "category:kesehatan"),
        (
            BUDI,
            "both.test",
            "https://both.test/",
            MONDAY_10,
            "block",
            "category:judi",
        ),  # the strictest category wins
        # The first matching rule wins over lists and categories.
        (SITI, "judi.test", None, MONDAY_10, "allow", "rule:1"),  # employee scope
        (BUDI, "bank.test", None, MONDAY_10, "allow", "rule:4"),  # org scope
        (SITI, "bank.test", None, MONDAY_10, "passthrough", "category:perbankan"),  # not in org 1
        (SITI, "hr-blocked.test", "https://hr-blocked.test/", MONDAY_10, "block", "rule:6"),  # role scope
        (BUDI, "hr-blocked.test", None, MONDAY_10, "allow", ""),
        # Schedules: streaming blocked in office hours only; holidays are off; Friday ends at 16:30.
        (BUDI, "video.test", "https://video.test/watch", MONDAY_10, "block", "rule:3"),
        (BUDI, "video.test", "https://video.test/watch", MONDAY_20, "allow", "category:streaming"),
        (BUDI, "video.test", "https://video.test/watch", FRIDAY_1620, "block", "rule:3"),
        (BUDI, "video.test", "https://video.test/watch", CHRISTMAS_10, "allow", "category:streaming"),
        # URL rules after decryption.
        (BUDI, "video.test", "https://video.test/shorts/abc", MONDAY_10, "block", "rule:2"),
        (BUDI, "forum.test", "https://forum.test/t?topic=gossip", MONDAY_10, "warn", "rule:5"),
        (BUDI, "forum.test", "https://forum.test/t?topic=kerja", MONDAY_10, "allow", ""),
        # An expired rule is ignored.
        (BUDI, "expired.test", "https://expired.test/", MONDAY_10, "block", "blocked_domain:expired.test"),
        # Nobody signed in: only everyone-rules apply.
        (None, "judi.test", "https://judi.test/", MONDAY_10, "block", "category:judi"),
    ],
)
def test_precedence(
    who: Requester | None, host: str, url: str | None, now: datetime, action: str, rule: str
) -> None:
    decision = SNAPSHOT.decide(host, who, url, now)
    assert (decision.action, decision.rule) == (action, rule)


def test_before_decryption_a_url_rule_that_may_allow_defers_a_block() -> None:
    allow_docs = Rule(1, "allow", "url_prefix", pattern="judi.test/laporan")
    snapshot = PolicySnapshot(
        frozenset(), CATEGORIES, DomainIndex.build([("judi.test", JUDI)]), (allow_docs,)
    )
    at_sni = snapshot.decide("judi.test", BUDI, None, MONDAY_10)
    assert (at_sni.action, at_sni.final) == ("allow", False)  # intercept, then decide on the URL
    assert snapshot.decide("judi.test", BUDI, "https://judi.test/laporan/2026", MONDAY_10).action == "allow"
    assert snapshot.decide("judi.test", BUDI, "https://judi.test/main", MONDAY_10).action == "block"
    assert snapshot.decide("other.test", BUDI, None, MONDAY_10).final  # another host: nothing to defer


def test_at_the_sni_a_block_waits_for_the_url_when_a_url_rule_above_could_allow() -> None:
    # Rule 5 (warn on some forum URLs) is a regular expression: before decryption it could match any
    # host, so a block is decided on the URL. With lazy connections the site is still never contacted.
    at_sni = SNAPSHOT.decide("judi.test", BUDI, None, MONDAY_10)
    assert (at_sni.action, at_sni.final, at_sni.rule) == ("allow", False, "category:judi")
    without_regex = PolicySnapshot(frozenset(), CATEGORIES, SNAPSHOT.index, RULES[:4], tz=JAKARTA)
    assert without_regex.decide("judi.test", BUDI, None, MONDAY_10).action == "block"


def test_pass_through_is_never_deferred_for_a_url_rule() -> None:
    regex = Rule(1, "block", "url_regex", pattern="/ads/")
    snapshot = PolicySnapshot(
        frozenset(), CATEGORIES, DomainIndex.build([("bank.test", PERBANKAN)]), (regex,)
    )
    assert snapshot.decide("bank.test", BUDI, None, MONDAY_10).action == "passthrough"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"action": "allow", "match": "url_regex", "pattern": r"(a)\1"}, "backreferences"),
        ({"action": "allow", "match": "url_regex", "pattern": r"(?=x)"}, "regular expression refused"),
        ({"action": "allow", "match": "url_regex", "pattern": "a" * 3000}, "longer than"),
        ({"action": "allow", "match": "domain", "pattern": "bad host"}, "domain 'bad host'"),
        ({"action": "explode", "match": "domain", "pattern": "x.test"}, "unknown action"),
        ({"action": "passthrough", "match": "url_prefix", "pattern": "bank.test/x"}, "pass-through needs"),
        ({"action": "allow", "match": "url_prefix", "pattern": "https://bad host/x"}, "URL prefix"),
    ],
)
def test_invalid_rules_are_refused_with_the_reason(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        Rule(1, **kwargs)


def test_patterns_are_normalised() -> None:
    assert Rule(1, "block", "domain", pattern="*.YouTube.COM.").pattern == "youtube.com"
    assert (
        Rule(1, "block", "url_prefix", pattern="https://YouTube.com/Shorts").pattern == "youtube.com/Shorts"
    )


def test_url_entries_of_a_list_decide_once_the_url_is_known() -> None:
    """UT1 `urls` entries (host/path) put one part of a site in a category."""
    snapshot = PolicySnapshot(
        frozenset(), CATEGORIES, DomainIndex.empty(), url_lists={"forum.test": (("/judi", JUDI),)}, tz=JAKARTA
    )
    assert snapshot.decide("forum.test", BUDI, None, MONDAY_10).action == "allow"  # not known before the URL
    blocked = snapshot.decide("forum.test", BUDI, "https://forum.test/judi/online?x=1", MONDAY_10)
    assert (blocked.action, blocked.rule) == ("block", "category:judi")
    assert snapshot.decide("forum.test", BUDI, "https://forum.test/berita", MONDAY_10).action == "allow"
    assert snapshot.decide("www.forum.test", BUDI, "https://www.forum.test/judi", MONDAY_10).action == "allow"
