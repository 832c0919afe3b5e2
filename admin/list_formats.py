"""Category block lists read from files: TRUST+ Positif domains, hosts files, Adblock rules, UT1 folders."""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from proxy_addons.hostnames import MAX_HOST_LENGTH, InvalidHost, is_ip, normalize_host

FORMATS = ("auto", "domains", "hosts", "adblock", "ut1")
CHUNK_SIZE = 64 * 1024  # also the progress step: the CLI redraws its bar once per chunk
MAX_LINE_BYTES = 1024 * 1024  # a "line" this long means the file is not a list
SNIFF_LINES = 200
MAX_EXAMPLES = 10
EXAMPLE_WIDTH = 200
# A file where more than this share of entries is invalid is refused whole: it is the wrong file or the
# wrong format, and importing it would replace a good list with a few scraps.
MOSTLY_INVALID = 0.5

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Already clean names (lower-case ASCII labels, a top-level label that starts with a letter) are exactly what
# normalize_host would return, so they skip it: that is what makes two million lines fast. Everything else
# takes the exact, slow path.
_CLEAN_NAME = re.compile(r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")
_CLEAN_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")  # one valid label: a name with no TLD
_IPV4_SHAPE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
_NUMERIC_TLD = re.compile(r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[0-9]+")  # 1.2.3, x.1.2.3.4.5
_SEPARATORS = re.compile(r"[\s,;]+")  # TRUST+ has two entries on one line, split by any of these
_INLINE_COMMENT = re.compile(r"\s#")
_WILDCARD_IP = re.compile(r"[0-9*]+(?:\.[0-9*]+)+")
# Addresses as text to compare with, never to bind to (hence noqa S104).
_SINK_ADDRESSES = frozenset({"0.0.0.0", "127.0.0.1", "::", "::1"})  # noqa: S104  nearly every hosts line
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "broadcasthost", "local", "0.0.0.0"})  # noqa: S104
_COSMETIC = ("##", "#@#", "#?#", "#$#", "#%#")  # Adblock element hiding and scriptlets, not comments


class InvalidEntry(InvalidHost):
    """A list entry that is no host: what a list adds to the reasons normalize_host gives."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        **InvalidHost.MESSAGES,
        "host_not_a_url": "not a URL: {reason}",
        "host_wildcard_ip": "a wildcard IP address",
        "host_wildcard_inside": "a wildcard inside the name",
        "host_no_tld": "no top-level domain",
        "host_number_as_tld": "neither an IP address nor a name (the last label is a number)",
    }


class ListFormatError(ValueError):
    """The whole file is refused; the message says why, for a person."""


@dataclass(frozen=True)
class InvalidLine:
    line_number: int
    text: str  # the line as read, cut to EXAMPLE_WIDTH characters
    reason: str
    file: str = ""  # which file of a ut1 folder ("domains" or "urls"); the file's name otherwise


@dataclass
class ParsedList:
    format: str
    domains: list[str]  # unique, normalised, first-seen order; IP addresses in canonical form
    urls: list[str]  # ut1 only: unique `host/path`, host normalised
    lines: int  # every line read, blank and comment lines included
    duplicates: int  # entries already seen earlier in the list
    invalid: int  # entries that are not a host, IP address or URL; examples below
    unsupported: int  # valid Adblock rules that are not plain domain blocks (##, @@, paths, regexes)
    invalid_examples: list[InvalidLine]  # the first MAX_EXAMPLES
    ignored: int = 0  # blank lines, comments, headers, and localhost-like names in hosts files


def domain_entry(token: str) -> str:
    """One list entry as a normalised host: a URL gives its host, `*.x` gives x; raises InvalidHost."""
    text = token
    if "://" in text:
        try:
            text = urlsplit(text).hostname or ""
        except ValueError as exc:
            raise InvalidEntry("host_not_a_url", reason=exc) from None
    elif "/" in text:
        text = text.split("/", 1)[0]  # example.com/path pasted without a scheme
    wildcard = text.startswith(("*.", "."))
    if wildcard:
        text = text.removeprefix("*").removeprefix(".")
    if "*" in text:
        wildcard_ip = _WILDCARD_IP.fullmatch(text)
        raise InvalidEntry("host_wildcard_ip" if wildcard_ip else "host_wildcard_inside")
    if text.isascii():  # the usual dirt (upper case, trailing dot, URL, wildcard) needs no normalize_host
        lowered = text.lower().removesuffix(".")
        if _CLEAN_NAME.fullmatch(lowered) and len(lowered) <= MAX_HOST_LENGTH:
            return lowered
        if _CLEAN_LABEL.fullmatch(lowered):
            raise InvalidEntry("host_no_tld")
        if _IPV4_SHAPE.fullmatch(lowered):
            try:
                host = str(IPv4Address(lowered))
            except ValueError:
                raise InvalidEntry("host_number_as_tld") from None
            if wildcard:
                raise InvalidEntry("host_wildcard_ip")
            return host
        if _NUMERIC_TLD.fullmatch(lowered):
            raise InvalidEntry("host_number_as_tld")
    host = normalize_host(text)
    if ":" in host or (_IPV4_SHAPE.fullmatch(host) and is_ip(host)):  # names have neither
        if wildcard:
            raise InvalidEntry("host_wildcard_ip")  # `*.1.2.3.4` names nothing a resolver could answer
        return host
    if "." not in host:
        raise InvalidEntry("host_no_tld")
    if host.rpartition(".")[2].isdigit():
        raise InvalidEntry("host_number_as_tld")
    return host


class _Collector:
    """Counts and unique entries across the lines (and, for ut1, the files) of one list."""

    def __init__(self) -> None:
        self.seen: dict[str, None] = {}  # a dict keeps first-seen order
        self.urls: dict[str, None] = {}
        self.lines = self.duplicates = self.invalid = self.unsupported = self.ignored = 0
        self.format_evidence = 0  # hosts: lines with an IP first; adblock: `||` rules
        self.examples: list[InvalidLine] = []
        self.file = ""

    def add(self, host: str) -> None:
        if host in self.seen:
            self.duplicates += 1
        else:
            self.seen[host] = None

    def entry(self, number: int, raw: str, token: str) -> None:
        try:
            self.add(domain_entry(token))
        except InvalidHost as exc:  # name the entry only when the line holds more than it
            reason = str(exc) if token == raw.strip() else f"{token[:EXAMPLE_WIDTH]!r}: {exc}"
            self.reject(number, raw, reason)

    def reject(self, number: int, raw: str, reason: str) -> None:
        self.invalid += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(InvalidLine(number, raw.strip()[:EXAMPLE_WIDTH], reason, self.file))


def _feed_domains(c: _Collector, lines: list[str], first: int) -> None:
    seen, clean = c.seen, _CLEAN_NAME.fullmatch
    for number, raw in enumerate(lines, first):
        line = raw.strip()
        if clean(line) and len(line) <= MAX_HOST_LENGTH:  # the fast path: most of TRUST+
            if line in seen:
                c.duplicates += 1
            else:
                seen[line] = None
            continue
        if not line or line[0] == "#":
            c.ignored += 1
            continue
        if comment := _INLINE_COMMENT.search(line):
            line = line[: comment.start()]
        for token in _SEPARATORS.split(line):
            if token:
                c.entry(number, raw, token)


def _feed_hosts(c: _Collector, lines: list[str], first: int) -> None:
    seen, clean = c.seen, _CLEAN_NAME.fullmatch
    for number, raw in enumerate(lines, first):
        fields = raw.split("#", 1)[0].split()
        if not fields:
            c.ignored += 1
            continue
        if fields[0] not in _SINK_ADDRESSES and not is_ip(fields[0]):
            c.reject(number, raw, "the first field is not an IP address")
            continue
        c.format_evidence += 1
        if len(fields) == 1:
            c.reject(number, raw, "an address without a name")
        for name in fields[1:]:
            if name in _LOCAL_NAMES or name.startswith("ip6-"):
                c.ignored += 1
            elif clean(name) and len(name) <= MAX_HOST_LENGTH:
                if name in seen:
                    c.duplicates += 1
                else:
                    seen[name] = None
            elif (lowered := name.lower().rstrip(".")) in _LOCAL_NAMES or lowered.startswith("ip6-"):
                c.ignored += 1
            else:
                c.entry(number, raw, name)


def _feed_adblock(c: _Collector, lines: list[str], first: int) -> None:
    seen, clean = c.seen, _CLEAN_NAME.fullmatch
    for number, raw in enumerate(lines, first):
        line = raw.strip()
        if line.startswith("||"):
            c.format_evidence += 1
            host = line[2:-1]
            if line[-1] == "^" and clean(host) and len(host) <= MAX_HOST_LENGTH:
                if host in seen:
                    c.duplicates += 1
                else:
                    seen[host] = None
            else:
                _adblock_rule(c, number, raw, line)
        elif not line or line[0] == "!" or (line[0] == "[" and line[-1] == "]"):
            c.ignored += 1  # blank, comment, or the `[Adblock Plus 2.0]` header
        elif line[0] == "#" and not line.startswith(_COSMETIC):
            c.ignored += 1  # hosts-style comment, which AdGuard lists use too
        else:
            c.unsupported += 1  # element hiding, @@ exceptions, regexes, plain-text patterns


def _adblock_rule(c: _Collector, number: int, raw: str, line: str) -> None:
    """A `||` rule that is not already clean: domain rule with options, path rule, or wrong host."""
    rule, _, options = line[2:].partition("$")
    if "badfilter" in options.split(","):
        c.unsupported += 1  # it cancels another rule; taking it as a block would do the opposite
        return
    rule = rule.removesuffix("|")
    host = rule[:-1]
    if not rule.endswith("^") or any(ch in host for ch in "/^|?=&") or "*" in host.removeprefix("*."):
        c.unsupported += 1  # a path, a substring (`||x.com` also matches x.com.evil) or a pattern
        return
    c.entry(number, raw, host)


def _feed_urls(c: _Collector, lines: list[str], first: int) -> None:
    for number, raw in enumerate(lines, first):
        line = raw.strip()
        if not line or line[0] == "#":
            c.ignored += 1
            continue
        host, slash, path = line.split("://", 1)[-1].partition("/")
        if not slash or not path:
            c.reject(number, raw, "a URL without a path; a whole site belongs in the domains file")
            continue
        try:
            url = f"{domain_entry(host)}/{path}"
        except InvalidHost as exc:
            c.reject(number, raw, f"{host[:EXAMPLE_WIDTH]!r}: {exc}")
            continue
        if url in c.urls:
            c.duplicates += 1
        else:
            c.urls[url] = None


_FEEDERS: dict[str, Callable[[_Collector, list[str], int], None]] = {
    "domains": _feed_domains,
    "hosts": _feed_hosts,
    "adblock": _feed_adblock,
}


def _decode(path: Path, data: bytes, lines_before: int) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = lines_before + data.count(b"\n", 0, exc.start) + 1
        raise ListFormatError(f"{path}: line {line} is not UTF-8 text; save the file as UTF-8") from None


def _line_batches(
    path: Path, progress: Callable[[int], None] | None, done_before: int
) -> Generator[list[str]]:
    """The file's lines, decoded, in batches of about CHUNK_SIZE bytes; refuses binary and non-UTF-8 files."""
    carry, read, lines_before = b"", 0, 0
    try:
        file = path.open("rb")
    except OSError as exc:
        raise ListFormatError(f"{path}: cannot be read ({exc.strerror})") from None
    with file:
        while chunk := file.read(CHUNK_SIZE):
            if read == 0:
                if chunk.startswith(_UTF16_BOMS):
                    raise ListFormatError(f"{path}: UTF-16 text; save the file as UTF-8")
                read = len(chunk)
                chunk = chunk.removeprefix(_BOM)
            else:
                read += len(chunk)
            if b"\0" in chunk:
                raise ListFormatError(f"{path}: contains NUL bytes, so it is a binary file, not a text list")
            buffer = carry + chunk
            cut = buffer.rfind(b"\n") + 1
            carry = buffer[cut:]
            if len(carry) > MAX_LINE_BYTES:
                raise ListFormatError(f"{path}: line {lines_before + 1} is longer than 1 MiB; not a list")
            if cut:
                lines = _decode(path, buffer[:cut], lines_before).split("\n")
                lines.pop()  # the empty piece after the last line end
                lines_before += len(lines)
                yield lines
            if progress is not None:
                progress(done_before + read)
    if carry:  # a last line without a line end
        yield [_decode(path, carry, lines_before)]


def _sample(path: Path) -> list[str]:
    """Up to SNIFF_LINES lines that are neither blank nor comments, from the start of the file."""
    sample: list[str] = []
    batches = _line_batches(path, None, 0)
    try:
        for lines in batches:
            for raw in lines:
                line = raw.strip()
                if not line or line[0] == "!" or (line[0] == "[" and line[-1] == "]"):
                    continue
                if line[0] == "#" and not line.startswith(_COSMETIC):
                    continue
                sample.append(line)
                if len(sample) == SNIFF_LINES:
                    return sample
    finally:
        batches.close()
    return sample


def _sniff(sample: list[str]) -> str:
    adblock = sum(1 for line in sample if line.startswith(("||", "@@", "|http")) or "##" in line)
    hosts = sum(1 for line in sample if len(fields := line.split()) >= 2 and is_ip(fields[0]))
    if adblock * 2 > len(sample):
        return "adblock"
    if hosts * 2 > len(sample):
        return "hosts"
    return "domains"


def detect_format(path: Path) -> str:
    """A folder is ut1; a file is adblock or hosts when most of its first lines say so, else domains."""
    _check_exists(path)
    return "ut1" if path.is_dir() else _sniff(_sample(path))


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise ListFormatError(f"{path}: no such file or folder")


def parse_list(path: Path, fmt: str = "auto", progress: Callable[[int], None] | None = None) -> ParsedList:
    """Read a block list file (or ut1 folder); raises ListFormatError when it must not replace a list."""
    if fmt not in FORMATS:
        raise ListFormatError(f"{path}: unknown list format {fmt!r}; use one of {', '.join(FORMATS)}")
    _check_exists(path)
    if fmt == "auto":
        fmt = detect_format(path)
    if path.is_dir():
        if fmt != "ut1":
            raise ListFormatError(f"{path} is a folder; only --format ut1 reads a folder (one UT1 category)")
        return _parse_ut1(path, progress)
    if fmt == "ut1":
        raise ListFormatError(f"{path} is a file; --format ut1 takes a UT1 category folder holding `domains`")
    if path.stat().st_size == 0:
        raise ListFormatError(f"{path} is empty")
    if fmt == "domains" and (looks_like := _sniff(_sample(path))) != "domains":
        raise ListFormatError(
            f"{path} looks like a list in {looks_like} format, not one domain per line; "
            f"use --format {looks_like}"
        )
    collector = _Collector()
    _read(path, _FEEDERS[fmt], collector, progress, 0)
    return _finish(path, fmt, collector)


def _parse_ut1(folder: Path, progress: Callable[[int], None] | None) -> ParsedList:
    domains, urls = folder / "domains", folder / "urls"
    if not domains.is_file():
        raise ListFormatError(
            f"{folder} has no `domains` file; --format ut1 takes one category folder such as blacklists/adult"
        )
    collector, done = _Collector(), 0
    for file, feed in ((domains, _feed_domains), (urls, _feed_urls)):
        if file.is_file():
            _read(file, feed, collector, progress, done)
            done += file.stat().st_size
    # UT1 folders also hold `usage` and `expressions`, and the CLI's bar counts them too.
    if progress is not None and (total := sum(p.stat().st_size for p in folder.iterdir() if p.is_file())):
        progress(total)
    return _finish(folder, "ut1", collector)


def _read(
    path: Path,
    feed: Callable[[_Collector, list[str], int], None],
    collector: _Collector,
    progress: Callable[[int], None] | None,
    done_before: int,
) -> None:
    collector.file = path.name
    number = 1
    for lines in _line_batches(path, progress, done_before):
        feed(collector, lines, number)
        number += len(lines)
    collector.lines += number - 1


def _finish(path: Path, fmt: str, c: _Collector) -> ParsedList:
    """The list, unless the file shows it is the wrong one: then ListFormatError with the counts."""
    valid = len(c.seen) + len(c.urls) + c.duplicates
    if valid + c.invalid + c.unsupported == 0:
        raise ListFormatError(f"{path} has no entries, only blank lines and comments")
    if fmt == "hosts" and c.format_evidence == 0:
        raise ListFormatError(f"{path}: no line starts with an IP address, so it is not a hosts file")
    if fmt == "adblock" and c.format_evidence == 0:
        raise ListFormatError(f"{path}: no `||domain^` rule, so it is not an Adblock list of domains")
    if valid == 0:
        raise ListFormatError(
            f"{path}: no usable entries ({c.invalid:,} invalid, {c.unsupported:,} unsupported){_first(c)}"
        )
    if c.invalid > MOSTLY_INVALID * (valid + c.invalid):
        share = 100 * c.invalid // (valid + c.invalid)
        raise ListFormatError(
            f"{path}: {c.invalid:,} of {valid + c.invalid:,} entries ({share} %) are not valid in the {fmt} "
            f"format; refusing it so a wrong file does not replace a good list{_first(c)}"
        )
    return ParsedList(
        format=fmt,
        domains=list(c.seen),
        urls=list(c.urls),
        lines=c.lines,
        duplicates=c.duplicates,
        invalid=c.invalid,
        unsupported=c.unsupported,
        invalid_examples=c.examples,
        ignored=c.ignored,
    )


def _first(c: _Collector) -> str:
    if not c.examples:
        return ""
    example = c.examples[0]
    return f"; first: line {example.line_number} {example.text[:80]!r}: {example.reason}"
