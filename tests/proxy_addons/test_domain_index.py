"""The compact domain index gives the same answers as `matching_domain` over plain sets."""

from __future__ import annotations

import random
from functools import reduce
from operator import or_

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proxy_addons import domain_index, policy_loader
from proxy_addons.domain_index import DomainIndex
from proxy_addons.hostnames import InvalidHost, matching_domain, normalize_host

label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?", fullmatch=True)
# Mostly letter TLDs; names ending in a digit and IP addresses take other paths through `lookup`.
last_label = st.one_of(st.sampled_from(["com", "id", "net", "go.id", "co.id"]), label)
name = st.builds(lambda labels, top: ".".join([*labels, top]), st.lists(label, max_size=3), last_label)
address = st.ip_addresses().map(str)
category = st.integers(min_value=0, max_value=63)


def normalised(text: str) -> bool:
    """What `lookup` is given; "1.2.3.4" built from labels is an address, "a.::1" is nothing at all."""
    try:
        return normalize_host(text) == text
    except InvalidHost:
        return False


host = st.one_of(name, name, name, address).filter(normalised)


@st.composite
def listed_and_hosts(draw: st.DrawFn) -> tuple[list[tuple[str, int]], list[str]]:
    """Entries, and hosts of which many are listed domains or fall under one."""
    entries = draw(st.lists(st.tuples(host, category), max_size=40))
    listed = sorted({domain for domain, _ in entries})
    under_listed = (
        st.builds(
            lambda prefix, domain: ".".join([*prefix, domain]),
            st.lists(label, max_size=2),
            st.sampled_from(listed),
        )
        if listed
        else host
    )
    return entries, draw(st.lists(st.one_of(host, under_listed.filter(normalised)), min_size=1, max_size=20))


def naive(entries: list[tuple[str, int]], host: str) -> tuple[str, int] | None:
    """The reference answer: a set walk, and the OR of every category the matched domain is listed in."""
    listed = matching_domain(host, {domain for domain, _ in entries})
    if listed is None:
        return None
    return listed, reduce(or_, (1 << c for domain, c in entries if domain == listed))


@given(listed_and_hosts())
def test_lookup_agrees_with_matching_domain(case: tuple[list[tuple[str, int]], list[str]]) -> None:
    entries, hosts = case
    index = DomainIndex.build(entries)
    for one in hosts:
        assert index.lookup(one) == naive(entries, one), one
    assert len(index) == len({domain for domain, _ in entries})


@given(st.lists(st.tuples(name, category), min_size=1, max_size=20))
def test_masks_combine_when_a_domain_is_in_several_categories(entries: list[tuple[str, int]]) -> None:
    index = DomainIndex.build(entries)
    for domain, _ in entries:
        assert index.lookup(domain) == (domain, reduce(or_, (1 << c for d, c in entries if d == domain)))


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("judi.test", ("judi.test", 1 << 1)),
        ("www.judi.test", ("judi.test", 1 << 1)),
        ("a.b.c.judi.test", ("judi.test", 1 << 1)),
        ("slot.judi.test", ("slot.judi.test", 1 << 2)),  # the most specific listed domain wins
        ("cdn.slot.judi.test", ("slot.judi.test", 1 << 2)),
        ("notjudi.test", None),  # a parent is a whole label, not a string suffix
        ("test", None),  # a parent of a listed domain is not listed
        ("bank.co.id", ("bank.co.id", 1 << 5 | 1 << 7)),
        ("m.bank.co.id", ("bank.co.id", 1 << 5 | 1 << 7)),
        ("co.id", None),
    ],
)
def test_subdomains_and_the_most_specific_match(host: str, expected: tuple[str, int] | None) -> None:
    index = DomainIndex.build(
        [("judi.test", 1), ("slot.judi.test", 2), ("bank.co.id", 5), ("bank.co.id", 7), ("bank.co.id", 5)]
    )
    assert index.lookup(host) == expected
    assert len(index) == 3


@pytest.mark.parametrize(
    ("entries", "host", "expected"),
    [
        ([("10.0.0.1", 3)], "10.0.0.1", ("10.0.0.1", 1 << 3)),
        ([("10.0.0.1", 3)], "10.0.0.2", None),
        ([("0.0.1", 3)], "10.0.0.1", None),  # an address has no parents, even if a name ends like it
        ([("2.3.4", 3), ("3.4", 4)], "1.2.3.4", None),
        ([("2.3.4", 3), ("3.4", 4)], "1.1.2.3.4", ("2.3.4", 1 << 3)),  # five numbers: a name, not an address
        (
            [("10.0.0.1", 3)],
            "9.10.0.0.1",
            ("10.0.0.1", 1 << 3),
        ),  # `domain_and_parents` says an address can be a parent
        ([("0.0.1", 3), ("10.0.0.1", 0)], "10.0.0.1", ("10.0.0.1", 1)),
        ([("0.0.1", 3), ("10.0.0.1", 0)], "20.0.0.1", None),
        ([("0.0.1", 3), ("10.0.0.1", 0)], "9.9.10.0.0.1", ("10.0.0.1", 1)),
        ([("0.0.1", 3), ("10.0.0.1", 0)], "20.0.0.1.0.0.1", ("0.0.1", 1 << 3)),
        ([("2001:db8::1", 0)], "2001:db8::1", ("2001:db8::1", 1)),
        ([("2001:db8::1", 0)], "2001:db8::2", None),
        ([("::ffff:10.0.0.1", 0), ("0.0.1", 1)], "::ffff:10.0.0.1", ("::ffff:10.0.0.1", 1)),
        ([("0.0.1", 1)], "::ffff:10.0.0.1", None),
        (
            [("net", 2), ("10.0.0.1", 0)],
            "judi.net",
            ("net", 1 << 2),
        ),  # a listed top-level name covers all under it
        ([("router.8", 2)], "admin.router.8", ("router.8", 1 << 2)),  # a name may end in a digit
    ],
)
def test_addresses_and_names_ending_in_digits(
    entries: list[tuple[str, int]], host: str, expected: tuple[str, int] | None
) -> None:
    """An IP address matches only itself; `lookup` skips the slow address test where it can."""
    assert DomainIndex.build(entries).lookup(host) == expected
    assert naive(entries, host) == expected  # the reference agrees, so these cases pin its behaviour too


def test_the_empty_index_matches_nothing() -> None:
    index = DomainIndex.empty()
    assert len(index) == 0
    assert index.lookup("judi.test") is None
    assert index.lookup("10.0.0.1") is None
    assert index.lookup("") is None


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("judi.test", 64)], "category id 64"),
        ([("judi.test", -1)], "category id -1"),
        ([("", 1)], "not a normalised host"),
        ([("a" * 254, 1)], "not a normalised host"),
    ],
)
def test_build_refuses_what_it_cannot_index(entries: list[tuple[str, int]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DomainIndex.build(entries)


def test_many_tiny_indexes() -> None:
    """Small tables often probe past their last home slot: every listed domain must still be found."""
    rng = random.Random(7)  # noqa: S311  # test data, seeded so a failure repeats
    for _ in range(3000):
        domains = [f"{rng.randrange(10**6)}.d{rng.randrange(9)}.test" for _ in range(rng.randrange(1, 6))]
        index = DomainIndex.build((domain, 1) for domain in domains)
        for domain in domains:
            assert index.lookup(domain) == (domain, 2)
            assert index.lookup(f"www.{domain}") == (domain, 2)


def test_a_few_hundred_thousand_domains() -> None:
    rng = random.Random(2024)  # noqa: S311  # test data, seeded so a failure repeats
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    tlds = ["com", "com", "com", "id", "co.id", "net", "org", "xyz"]

    def random_label() -> str:
        return "".join(rng.choices(alphabet, k=rng.randint(3, 12)))

    listed: dict[str, int] = {}
    while len(listed) < 300_000:
        domain = f"{random_label()}.{rng.choice(tlds)}"
        if rng.random() < 0.2:
            domain = f"{random_label()}.{domain}"
        listed[domain] = listed.get(domain, 0) | 1 << rng.randrange(10)
    entries = [(domain, c) for domain, mask in listed.items() for c in range(10) if mask >> c & 1]
    rng.shuffle(entries)
    index = DomainIndex.build(iter(entries))  # a generator, as rows from the database would be
    assert len(index) == len(listed)

    listed_set = set(listed)
    sample = rng.sample(sorted(listed), 20_000)
    hosts = (
        sample
        + [f"www.{domain}" for domain in sample]
        + [f"{random_label()}.{random_label()}.com" for _ in range(20_000)]
    )
    for one in hosts:
        expected = matching_domain(one, listed_set)
        assert index.lookup(one) == (None if expected is None else (expected, listed[expected]))


def test_equal_hashes_pool_only_at_equal_length(monkeypatch: pytest.MonkeyPatch) -> None:
    """A forged hash (the module's `hash`, used to build and to look up) collides on purpose."""
    forged = {"a.test": 4242, "bb.test": 4242, "ccc.test": 4242 + 2**40}
    monkeypatch.setattr(domain_index, "hash", lambda name: forged.get(name, 7), raising=False)
    index = DomainIndex.from_text([(1, b"a.test\nbb.test"), (2, b"a.test\nccc.test")])
    assert len(index) == 3
    assert index.lookup("www.a.test") == ("a.test", 0b110)
    assert index.lookup("bb.test") == ("bb.test", 0b10)
    assert index.lookup("ccc.test") == ("ccc.test", 0b100)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"a.test\n\nb.test", "not a normalised host"),
        ("b\u00fccher.de".encode(), "ASCII"),
        (b"x" * 254, "not a normalised host"),
    ],
)
def test_from_text_refuses_what_it_cannot_index(text: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DomainIndex.from_text([(1, text)])


def test_lists_are_read_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy_loader, "PIECE", 16)  # a few names per piece
    names = [f"n{i}.example{i % 7}.test" for i in range(500)]
    index = policy_loader.index_from_lists([(3, "\n".join(names).encode()), (4, b"n1.example1.test\n")])
    assert len(index) == 500
    assert index.lookup("www.n1.example1.test") == ("n1.example1.test", 0b11000)
    assert all(index.lookup(name) == (name, 0b1000) for name in names if name != "n1.example1.test")
