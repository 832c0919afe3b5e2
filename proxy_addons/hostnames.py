"""Host name normalisation and domain matching: pure functions over attacker-controlled text."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import ClassVar

import idna

from smedi.refusals import Refusal

MAX_HOST_LENGTH = 253  # RFC 1035 limit for a name in text form
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")  # underscores occur in real names (_dmarc, SRV)


class InvalidHost(Refusal):
    """The text is not a host name or IP address."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "host_ipv6_bracket": "unclosed IPv6 bracket",
        "host_port": "port is not a number",
        "host_empty": "empty host",
        "host_idna": "not a valid international name: {reason}",
        "host_too_long": "name longer than {max_length} characters",
        "host_label": "a label is empty, too long or has characters names cannot have",
        "host_entry": "{entry!r}: {reason}",  # a list of entries names the one refused
    }


def _strip_port(raw: str) -> str:
    if raw.startswith("["):
        end = raw.find("]")
        if end == -1:
            raise InvalidHost("host_ipv6_bracket")
        return raw[1:end]
    if raw.count(":") == 1:  # host:port; more colons is a bare IPv6 address
        host, _, port = raw.partition(":")
        if not port.isdigit():
            raise InvalidHost("host_port")
        return host
    return raw


def normalize_host(raw: str) -> str:
    """Lower case, no port, no trailing dot, IDN as punycode, IP literals in canonical form."""
    host = _strip_port(raw.strip())
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise InvalidHost("host_empty")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as exc:
            raise InvalidHost("host_idna", reason=exc) from None
    host = host.lower()
    if len(host) > MAX_HOST_LENGTH:
        raise InvalidHost("host_too_long", max_length=MAX_HOST_LENGTH)
    if not all(_LABEL.match(label) for label in host.split(".")):
        raise InvalidHost("host_label")
    return host


def is_ip(host: str) -> bool:
    if ":" not in host and not host[-1:].isdigit():
        return False  # a name: skip ipaddress, which raises twice (microseconds) for every name
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def domain_and_parents(host: str) -> list[str]:
    """`a.b.go.id` → [a.b.go.id, b.go.id, go.id, id]; an IP address matches only itself."""
    if is_ip(host):
        return [host]
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def matching_domain(host: str, domains: frozenset[str] | set[str]) -> str | None:
    """The most specific listed domain that is `host` or one of its parents, if any."""
    for candidate in domain_and_parents(host):
        if candidate in domains:
            return candidate
    return None
