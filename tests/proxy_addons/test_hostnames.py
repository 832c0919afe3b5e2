"""Host normalisation and domain matching, with properties over generated names (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proxy_addons.hostnames import InvalidHost, domain_and_parents, matching_domain, normalize_host

label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
tld = st.from_regex(r"[a-z]{2,10}", fullmatch=True)  # a real TLD has letters: "0.0.0.0" is an address
hostname = st.builds(lambda labels, top: ".".join([*labels, top]), st.lists(label, max_size=4), tld)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("News.Test", "news.test"),
        ("news.test.", "news.test"),
        ("news.test:8080", "news.test"),
        ("  news.test  ", "news.test"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("XN--BCHER-KVA.DE", "xn--bcher-kva.de"),
        ("127.0.0.1:443", "127.0.0.1"),
        ("[::1]:443", "::1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("_dmarc.example.com", "_dmarc.example.com"),
    ],
)
def test_normalize_host(raw: str, expected: str) -> None:
    assert normalize_host(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        ".",
        "..",
        "a..b",
        "-a.test",
        "a-.test",
        "a b.test",
        "x:y",
        "[::1",
        "a" * 64 + ".test",
        ".".join(["a" * 60] * 5),
        "ex\x00ample.test",
        "exa/mple.test",
        "\u200b.test",
    ],
)
def test_rejects_what_is_not_a_host(raw: str) -> None:
    with pytest.raises(InvalidHost):
        normalize_host(raw)


@given(st.text(max_size=300))
def test_any_text_is_normalised_or_rejected_never_crashes(raw: str) -> None:
    try:
        host = normalize_host(raw)
    except InvalidHost:
        return
    assert host == host.lower().strip()
    assert host.isascii()
    assert normalize_host(host) == host  # idempotent


@given(hostname, st.sampled_from(["", ".", ":80", ":8443"]), st.booleans())
def test_decorations_do_not_change_the_name(host: str, suffix: str, upper: bool) -> None:
    decorated = (host.upper() if upper else host) + suffix
    assert normalize_host(decorated) == host


@given(hostname, st.lists(label, max_size=3))
def test_a_listed_domain_matches_itself_and_every_subdomain(domain: str, prefix: list[str]) -> None:
    host = ".".join([*prefix, domain])
    assert matching_domain(host, {domain}) == domain


@given(hostname, hostname)
def test_a_domain_never_matches_a_name_that_only_ends_with_its_text(domain: str, other: str) -> None:
    host = f"{other}{domain}"  # e.g. "notnews.test" must not match "news.test"
    if host != domain and not host.endswith("." + domain):
        assert matching_domain(host, {domain}) is None


def test_most_specific_listed_domain_wins() -> None:
    assert matching_domain("a.b.example.test", {"example.test", "b.example.test"}) == "b.example.test"
    assert domain_and_parents("10.0.0.1") == ["10.0.0.1"]
    assert matching_domain("10.0.0.1", {"0.1"}) is None
