"""Block list files as found in the wild: TRUST+ Positif, hosts, Adblock, UT1; dirty entries and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from admin.list_formats import (
    _CLEAN_NAME,
    CHUNK_SIZE,
    InvalidLine,
    ListFormatError,
    detect_format,
    domain_entry,
    parse_list,
)
from proxy_addons.hostnames import InvalidHost, normalize_host


def write(path: Path, text: str, *, newline: str = "\n") -> Path:
    path.write_bytes(text.replace("\n", newline).encode())
    return path


def test_domains_with_every_kind_of_dirt(tmp_path: Path) -> None:
    text = (
        "# TRUST+ Positif\n"
        "judi.com\n"
        "JUDI.COM.\n"  # duplicate once normalised
        "judionline\n"  # no TLD
        "a.net b.net\n"
        "c.org;judi.com\n"  # the second one is a duplicate
        "d.org,\te.org\n"
        "*.wild.id\n"
        "*.200.10.104.174\n"  # wildcard IP
        "103.10.*.*\n"
        "http://url.co.id/path?x=1\n"
        "\n"
        "bücher.de\n"
        "10.0.0.1\n"
        "bad..com\n"
        "x.1.2.3   # a name cannot end in a number\n"
        "plain.test/landing\n"
    )
    parsed = parse_list(write(tmp_path / "domains", "\ufeff" + text, newline="\r\n"), "domains")
    assert parsed.format == "domains"
    assert parsed.domains == [
        "judi.com", "a.net", "b.net", "c.org", "d.org", "e.org", "wild.id", "url.co.id",
        "xn--bcher-kva.de", "10.0.0.1", "plain.test",
    ]  # fmt: skip
    counts = (parsed.lines, parsed.duplicates, parsed.invalid, parsed.unsupported, parsed.ignored)
    assert counts == (17, 2, 5, 0, 2)
    assert parsed.urls == []
    assert [(e.line_number, e.reason) for e in parsed.invalid_examples] == [
        (4, "no top-level domain"),
        (9, "a wildcard IP address"),
        (10, "a wildcard IP address"),
        (15, "a label is empty, too long or has characters names cannot have"),
        (16, "'x.1.2.3': neither an IP address nor a name (the last label is a number)"),
    ]
    assert parsed.invalid_examples[0] == InvalidLine(4, "judionline", "no top-level domain", "domains")


def test_two_million_trust_positif_lines(tmp_path: Path) -> None:
    """The national list's size and dirt in one file: 50,000 blocks of the 40 lines below."""

    def block(i: int) -> str:
        a, b, c = i >> 16, (i >> 8) & 255, i & 255
        return (
            f"judi{i}.com\r\n"  # new
            f"JUDI{i}.COM.\r\n"  # duplicate
            f"judionline{i}\r\n"  # invalid: no TLD
            f"a{i}.net b{i}.net\r\n"  # 2 new
            f"c{i}.org;judi{i}.com\r\n"  # new + duplicate
            f"d{i}.org,\te{i}.org\r\n"  # 2 new
            f"*.wild{i}.id\r\n"  # new
            f"*.10.{a}.{b}.{c}\r\n"  # invalid: wildcard IP
            f"103.{c}.*.*\r\n"  # invalid: wildcard IP
            f"http://url{i}.co.id/path?x=1\r\n"  # new
            f"# kajian {i}\r\n"  # ignored
            "\r\n"  # ignored
            f"bücher{i}.de\r\n"  # new (IDN)
            f"10.{a}.{b}.{c}\r\n"  # new (IP)
            f"judi{i}.com\r\n"  # duplicate
            f"bad..{i}.com\r\n"  # invalid: empty label
            f"s{i}.semarangkota.go.id\r\n"  # new
            f"wild{i}.id\r\n"  # duplicate
            f"HTTPS://Url{i}.co.id:8443/\r\n"  # duplicate
            f"x{i}.1.2.3\r\n"  # invalid: number as TLD
        ) + "".join(f"p{k}-{i}.net\r\n" for k in range(20))  # 20 new: most of the real list is clean

    blocks = 50_000
    path = tmp_path / "domains"
    path.write_bytes(b"\xef\xbb\xbf" + "".join(block(i) for i in range(blocks)).encode())
    seen: list[int] = []

    parsed = parse_list(path, progress=seen.append)

    assert parsed.format == "domains"
    assert parsed.lines == 2_000_000
    assert len(parsed.domains) == 31 * blocks
    assert (parsed.duplicates, parsed.invalid, parsed.ignored) == (5 * blocks, 5 * blocks, 2 * blocks)
    assert parsed.domains[:12] == [
        "judi0.com", "a0.net", "b0.net", "c0.org", "d0.org", "e0.org", "wild0.id", "url0.co.id",
        "xn--bcher0-3ya.de", "10.0.0.0", "s0.semarangkota.go.id", "p0-0.net",
    ]  # fmt: skip
    assert parsed.domains[-1] == f"p19-{blocks - 1}.net"
    assert [e.line_number for e in parsed.invalid_examples] == [3, 8, 9, 16, 20, 43, 48, 49, 56, 60]
    assert seen[-1] == path.stat().st_size


def test_hosts_file(tmp_path: Path) -> None:
    text = (
        "# StevenBlack-style header\n"
        "127.0.0.1 localhost\n"
        "127.0.0.1 localhost.localdomain\n"
        "255.255.255.255 broadcasthost\n"
        "::1 localhost ip6-localhost ip6-loopback\n"
        "fe80::1%lo0 localhost\n"
        "0.0.0.0 0.0.0.0\n"
        "\n"
        "0.0.0.0 ads.example.com\n"
        "127.0.0.1 a.com b.com # two names\n"
        "0.0.0.0\tTracker.Example.NET\n"
        "::1 x.org\n"
        "0.0.0.0 ads.example.com\n"
        "0.0.0.0 intranet\n"  # no TLD
        "ads.example.com\n"  # first field not an address
        "0.0.0.0\n"  # address without a name
    )
    parsed = parse_list(write(tmp_path / "hosts", text), "hosts")
    assert parsed.domains == ["ads.example.com", "a.com", "b.com", "tracker.example.net", "x.org"]
    assert (parsed.lines, parsed.duplicates, parsed.invalid, parsed.ignored) == (16, 1, 3, 10)
    assert [(e.line_number, e.reason) for e in parsed.invalid_examples] == [
        (14, "'intranet': no top-level domain"),
        (15, "the first field is not an IP address"),
        (16, "an address without a name"),
    ]


def test_adblock_domain_rules(tmp_path: Path) -> None:
    text = (
        "[Adblock Plus 2.0]\n"
        "! Title: S'MEDI test\n"
        "||ads.example.com^\n"
        "||track.example.net^$third-party\n"
        "||Mixed.Example.ORG^|\n"
        "||*.wild.example^\n"
        "||ads.example.com^$important\n"  # duplicate
        "||bad..example^\n"  # invalid
        "||x.com^$badfilter\n"  # cancels a rule: unsupported
        "||x.com/ads/*\n"  # path rule
        "||substring.com\n"  # no separator: matches substring.com.evil too
        "##.banner\n"
        "example.com##.ad\n"
        "@@||good.example^\n"
        "/banner[0-9]+/\n"
        "# hosts-style comment\n"
    )
    parsed = parse_list(write(tmp_path / "filters.txt", text), "adblock")
    assert parsed.domains == ["ads.example.com", "track.example.net", "mixed.example.org", "wild.example"]
    assert (parsed.lines, parsed.duplicates, parsed.invalid, parsed.unsupported, parsed.ignored) == (
        16, 1, 1, 7, 3,
    )  # fmt: skip
    assert [(e.line_number, e.text) for e in parsed.invalid_examples] == [(8, "||bad..example^")]


def test_ut1_category_folder(tmp_path: Path) -> None:
    folder = tmp_path / "gambling"
    folder.mkdir()
    write(folder / "domains", "judi.com\nJUDI.com\n1.2.3.4\njudionline\n*.slot.net\n")
    write(
        folder / "urls",
        "Judi.COM/Promo/X\njudi.com/Promo/X\nslot.net:8080/a?b=1\nhttp://c.org/x\nnopath.com\n",
    )
    write(folder / "usage", "black\n")
    seen: list[int] = []

    parsed = parse_list(folder, progress=seen.append)

    assert parsed.format == "ut1"
    assert parsed.domains == ["judi.com", "1.2.3.4", "slot.net"]
    assert parsed.urls == ["judi.com/Promo/X", "slot.net/a?b=1", "c.org/x"]
    assert (parsed.lines, parsed.duplicates, parsed.invalid) == (10, 2, 2)
    assert [(e.file, e.line_number) for e in parsed.invalid_examples] == [("domains", 4), ("urls", 5)]
    assert seen == sorted(seen)
    assert seen[-1] == sum(p.stat().st_size for p in folder.iterdir())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# list\nexample.com\nexample.net\n", "domains"),
        ("0.0.0.0 example.com\n0.0.0.0 example.net\nexample.org\n", "hosts"),
        ("! comment\n[Adblock Plus 2.0]\n||example.com^\n##.ad\nexample.org\n", "adblock"),
        ("1.2.3.4\nexample.com 10.0.0.1\n", "domains"),  # an address alone is a domains entry
    ],
)
def test_detect_format(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path / "list.txt", text)
    assert detect_format(path) == expected
    assert parse_list(path).format == expected


def test_detect_format_of_a_folder(tmp_path: Path) -> None:
    assert detect_format(tmp_path) == "ut1"


def test_progress_reaches_the_file_size(tmp_path: Path) -> None:
    path = write(tmp_path / "big", "".join(f"site{i}.example\n" for i in range(30_000)))
    assert path.stat().st_size > 3 * CHUNK_SIZE
    seen: list[int] = []
    parsed = parse_list(path, "domains", seen.append)
    assert len(parsed.domains) == 30_000
    assert len(seen) > 3
    assert seen == sorted(seen)
    assert seen[-1] == path.stat().st_size


def test_invalid_examples_stop_at_ten_and_cut_long_lines(tmp_path: Path) -> None:
    lines = [f"ok{i}.example" for i in range(100)] + ["x" * 300] + [f"bad{i}" for i in range(20)]
    parsed = parse_list(write(tmp_path / "list", "\n".join(lines)), "domains")  # no final line end
    assert parsed.invalid == 21
    assert len(parsed.invalid_examples) == 10
    assert parsed.invalid_examples[0].line_number == 101
    assert parsed.invalid_examples[0].text == "x" * 200
    assert parsed.invalid_examples[-1] == InvalidLine(110, "bad8", "no top-level domain", "list")


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "auto", "contains NUL bytes, so it is a binary file"),
        (b"ok.example\n\xff\xfe\n", "domains", "line 2 is not UTF-8 text"),
        ("ok.example\n".encode("utf-16"), "domains", "UTF-16 text; save the file as UTF-8"),
        (b"", "auto", "is empty"),
        (b"# only a comment\n\n\r\n", "domains", "has no entries, only blank lines and comments"),
        (b"example.com\nexample.net\n", "hosts", "no line starts with an IP address"),
        (b"0.0.0.0 example.com\n", "adblock", "no `||domain^` rule"),
        (b"##.ad\n@@||example.com^\n", "adblock", "no `||domain^` rule"),
        (b"||example.com/ads\n", "adblock", "no usable entries (0 invalid, 1 unsupported)"),
        (b"0.0.0.0 a.com\n0.0.0.0 b.com\n", "domains", "looks like a list in hosts format"),
        (b"||a.com^\n||b.com^\n", "domains", "looks like a list in adblock format"),
        (b"a.com\n", "ut1", "is a file; --format ut1 takes a UT1 category folder"),
        (b"a.com\n", "csv", "unknown list format 'csv'"),
        (
            b"ok.example\nnoTLD\nalso bad\n",
            "domains",
            "3 of 4 entries (75 %) are not valid in the domains format; refusing it so a wrong file "
            "does not replace a good list; first: line 2 'noTLD': no top-level domain",
        ),
    ],
)
def test_refused_files(tmp_path: Path, content: bytes, fmt: str, message: str) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(content)
    with pytest.raises(ListFormatError, match=r"list\.txt") as refused:
        parse_list(path, fmt)
    assert message in str(refused.value)


def test_refused_paths(tmp_path: Path) -> None:
    with pytest.raises(ListFormatError, match="missing: no such file or folder"):
        parse_list(tmp_path / "missing")
    with pytest.raises(ListFormatError, match="missing: no such file or folder"):
        detect_format(tmp_path / "missing")
    (tmp_path / "blacklists" / "adult").mkdir(parents=True)
    with pytest.raises(ListFormatError, match="blacklists has no `domains` file"):
        parse_list(tmp_path / "blacklists")
    with pytest.raises(ListFormatError, match="is a folder; only --format ut1 reads a folder"):
        parse_list(tmp_path / "blacklists", "domains")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("judionline", "no top-level domain"),
        ("*.1.2.3.4", "a wildcard IP address"),
        ("10.*.*.*", "a wildcard IP address"),
        ("a.*.example", "a wildcard inside the name"),
        ("01.2.3.4", "the last label is a number"),
        ("http:///path", "empty host"),
        ("http://[::1", "not a URL"),
    ],
)
def test_domain_entry_refuses(raw: str, reason: str) -> None:
    with pytest.raises(InvalidHost, match=reason):
        domain_entry(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (".example.com", "example.com"),  # SquidGuard's leading-dot wildcard
        ("https://user@Example.com:8443/a", "example.com"),
        ("[2001:DB8::1]", "2001:db8::1"),
        ("straße.id", "xn--strae-oqa.id"),
    ],
)
def test_domain_entry(raw: str, expected: str) -> None:
    assert domain_entry(raw) == expected


@given(st.from_regex(_CLEAN_NAME, fullmatch=True) | st.text(alphabet="abcXZ09-_.*:/ü", max_size=30))
def test_fast_path_agrees_with_normalize_host(raw: str) -> None:
    """A line the fast path accepts as it stands must be exactly what the slow path would make of it."""
    if _CLEAN_NAME.fullmatch(raw) and len(raw) <= 253:
        assert normalize_host(raw) == raw
        assert domain_entry(raw) == raw


@given(st.text(alphabet="abcXYZ019-_.:ü", max_size=40).filter(lambda raw: not raw.startswith(".")))
def test_domain_entry_agrees_with_normalize_host(raw: str) -> None:
    """domain_entry's shortcuts give what normalize_host gives, minus names without a letter TLD."""
    try:
        expected: str | None = normalize_host(raw)
    except InvalidHost:
        expected = None
    try:
        got: str | None = domain_entry(raw)
    except InvalidHost:
        got = None
    if got is not None:
        assert got == expected
    elif expected is not None:
        assert "." not in expected or expected.rpartition(".")[2].isdigit()
