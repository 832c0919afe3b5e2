"""The warning page's continue link: bound to one employee, one host and a time limit."""

from __future__ import annotations

from proxy_addons.warn_pass import PARAM, sign, take_token, verify, with_token

SECRET = b"k" * 32


def test_a_signed_link_round_trips_and_keeps_the_query() -> None:
    token = sign(SECRET, 7, "news.test", 2_000)
    url = with_token("http://news.test/baca?x=1&y=", token)
    assert PARAM in url
    assert take_token(url) == ("http://news.test/baca?x=1&y=", token)
    assert take_token("http://news.test/baca?x=1") == ("http://news.test/baca?x=1", None)
    assert verify(SECRET, token, 7, "news.test", now=1_000)


def test_tampered_expired_or_borrowed_links_fail() -> None:
    token = sign(SECRET, 7, "news.test", 2_000)
    assert not verify(SECRET, token, 7, "news.test", now=2_001)  # expired
    assert not verify(SECRET, token, 8, "news.test", now=1_000)  # another employee
    assert not verify(SECRET, token, 7, "judi.test", now=1_000)  # another host
    assert not verify(b"x" * 32, token, 7, "news.test", now=1_000)  # another proxy's secret
    assert not verify(SECRET, "9999." + token.split(".")[1], 7, "news.test", now=1_000)  # forged expiry
    for junk in ("", ".", "abc", "1e9.x", "-5.abc"):
        assert not verify(SECRET, junk, 7, "news.test", now=1_000)
