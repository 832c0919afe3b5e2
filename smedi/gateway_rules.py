"""Firewall rules for a Linux transparent gateway: plain text and commands, built without touching the system.

`smedi gateway rules` prints what these functions return, or hands it to `nft -f -` / runs the iptables
commands one by one. They redirect web traffic (TCP 80 and 443) arriving on the employees' interface to
the transparent proxy, drop QUIC so browsers fall back to TCP, and optionally drop DNS-over-HTTPS/TLS to
well-known public resolvers. Both IPv4 and IPv6; applying again replaces, never duplicates.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
import textwrap
from dataclasses import dataclass
from typing import Literal

Family = Literal["nft", "iptables"]

NFT_TABLE = "smedi"  # `table inet smedi`: removal is `nft delete table inet smedi`
NAT_CHAIN = "SMEDI_PREROUTING"
FORWARD_CHAIN = "SMEDI_FORWARD"
INPUT_CHAIN = "SMEDI_INPUT"
IPTABLES_TOOLS = ("iptables", "ip6tables")

WEB_PORTS = (80, 443)
ENCRYPTED_DNS_PORTS = (443, 853)  # DNS over HTTPS (and HTTP/3) on 443, DNS over TLS / QUIC on 853

# Public resolvers that browsers and operating systems use for DNS over HTTPS / TLS. A device that uses
# them hides its DNS from the city's resolver; dropping them makes browsers fall back to the system DNS.
PUBLIC_DOH_RESOLVERS: dict[str, tuple[str, ...]] = {
    "Google Public DNS": ("8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844"),
    "Cloudflare (1.1.1.1, with its malware and family filters)": (
        "1.1.1.1", "1.0.0.1", "1.1.1.2", "1.0.0.2", "1.1.1.3", "1.0.0.3",
        "2606:4700:4700::1111", "2606:4700:4700::1001", "2606:4700:4700::1112",
        "2606:4700:4700::1002", "2606:4700:4700::1113", "2606:4700:4700::1003",
    ),
    "Quad9 (secure, unsecured, with ECS)": (
        "9.9.9.9", "149.112.112.112", "9.9.9.10", "149.112.112.10", "9.9.9.11", "149.112.112.11",
        "2620:fe::fe", "2620:fe::9", "2620:fe::10", "2620:fe::fe:10", "2620:fe::11", "2620:fe::fe:11",
    ),
    "OpenDNS (Cisco Umbrella, FamilyShield)": (
        "208.67.222.222", "208.67.220.220", "208.67.222.123", "208.67.220.123",
        "2620:119:35::35", "2620:119:53::53", "2620:119:35::123", "2620:119:53::123",
        "2620:0:ccc::2", "2620:0:ccd::2",
    ),
    "AdGuard DNS (default, family, unfiltered)": (
        "94.140.14.14", "94.140.15.15", "94.140.14.15", "94.140.15.16", "94.140.14.140", "94.140.14.141",
        "2a10:50c0::ad1:ff", "2a10:50c0::ad2:ff", "2a10:50c0::bad1:ff", "2a10:50c0::bad2:ff",
        "2a10:50c0::1:ff", "2a10:50c0::2:ff",
    ),
}  # fmt: skip

# What a network admin sets on the gateway; printed as comments, never applied by S'MEDI.
SYSCTL_LINES = (
    "sysctl -w net.ipv4.ip_forward=1             # forward what is not redirected (DNS, other ports)",
    "sysctl -w net.ipv6.conf.all.forwarding=1    # the same for IPv6 (or disable IPv6 on the LAN)",
    "sysctl -w net.ipv4.conf.all.send_redirects=0  # never tell clients to go around the gateway",
)

# Linux refuses names of 16 bytes or more (IFNAMSIZ), '/', ':', whitespace, "." and "..". We also keep to
# characters that need no quoting in nft or a shell script, which every name a distribution makes uses.
_INTERFACE = re.compile(r"[A-Za-z0-9_.\-]{1,15}")


class InvalidInterface(ValueError):
    """The interface name is not one Linux would accept (or needs quoting); the message says why."""


def validate_interface(name: str) -> str:
    """The name itself when Linux would accept it as a network interface name; InvalidInterface otherwise."""
    if not name:
        raise InvalidInterface("an interface name cannot be empty")
    if len(name.encode()) > 15:
        raise InvalidInterface(f"interface name {name!r} is longer than 15 characters (Linux IFNAMSIZ)")
    if name in (".", ".."):
        raise InvalidInterface(f"{name!r} is not an interface name")
    for char, what in (("/", "'/'"), (":", "':'")):
        if char in name:
            raise InvalidInterface(f"interface name {name!r} contains {what}, which Linux refuses")
    if any(c.isspace() for c in name):
        raise InvalidInterface(f"interface name {name!r} contains whitespace, which Linux refuses")
    if not _INTERFACE.fullmatch(name):
        raise InvalidInterface(
            f"interface name {name!r}: use letters, digits, '.', '-' and '_' only, as in eth1 or br-lan"
        )
    return name


@dataclass(frozen=True)
class GatewayRules:
    """What the rules depend on: the employees' interface, the transparent port, DoH dropping."""

    interface: str
    port: int
    drop_doh: bool = False

    def __post_init__(self) -> None:
        validate_interface(self.interface)
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} is out of range")

    def cli_args(self, family: Family) -> str:
        return f"--{family} --interface {self.interface}" + (" --drop-doh" if self.drop_doh else "")

    def summary(self) -> str:
        """One line saying what the rules do, for the person who applied them."""
        doh = len(doh_addresses(4)) + len(doh_addresses(6))
        return (
            f"TCP 80 and 443 arriving on {self.interface} go to port {self.port} (IPv4 and IPv6), except "
            f"traffic for the gateway itself; UDP 443 (QUIC) from {self.interface} is dropped"
            + (f"; DNS over HTTPS/TLS to {doh} public resolver addresses is dropped" if self.drop_doh else "")
        )


def doh_addresses(version: Literal[4, 6]) -> tuple[str, ...]:
    """The public resolvers' addresses of one IP version, in list order."""
    return tuple(a for _, addresses in doh_by_resolver(version) for a in addresses)


def doh_by_resolver(version: Literal[4, 6]) -> list[tuple[str, tuple[str, ...]]]:
    """(resolver, its addresses of one IP version) for each public resolver."""
    return [
        (name, tuple(a for a in addresses if ipaddress.ip_address(a).version == version))
        for name, addresses in PUBLIC_DOH_RESOLVERS.items()
    ]


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}" for line in textwrap.wrap(text, 100 - len(indent))]


def _header(rules: GatewayRules, family: Family, title: str) -> list[str]:
    ports = " and ".join(map(str, WEB_PORTS))
    return [
        f"# S'MEDI transparent gateway: {title}.",
        f"# Generated by `smedi gateway rules {rules.cli_args(family)}`",
        f"# with SMEDI_TRANSPARENT_LISTEN on port {rules.port}: change the options there, not this file.",
        "#",
        f"# - Web traffic (TCP {ports}) arriving on {rules.interface}, the employees' interface, goes to",
        f"#   the transparent proxy on port {rules.port} of this gateway.",
        "# - Traffic addressed to the gateway itself (the portal, the explicit proxy) is left alone.",
        "# - QUIC (UDP 443) from employees is dropped, so browsers use TCP, which the proxy sees.",
        *(
            ["# - DNS over HTTPS/TLS to well-known public resolvers is dropped before the redirect."]
            if rules.drop_doh
            else []
        ),
        "# Nothing is accepted here: what else is forwarded is the admin's own firewall policy.",
        "#",
        "# The gateway must forward packets. Set these yourself (persist them in /etc/sysctl.d/);",
        "# S'MEDI never changes them:",
        *(f"#   {line}" for line in SYSCTL_LINES),
    ]


def _nft_set(name: str, addr_type: str, version: Literal[4, 6]) -> list[str]:
    lines = [f"    set {name} {{", f"        type {addr_type}", "        elements = {"]
    for resolver, addresses in doh_by_resolver(version):
        lines += [f"            # {resolver}", *(f"            {a}," for a in addresses)]
    return [*lines, "        }", "    }"]


def nft_ruleset(rules: GatewayRules) -> str:
    """An `nft -f` file: replaces `table inet smedi` in one atomic transaction."""
    iface = rules.interface
    web_ports = ", ".join(map(str, WEB_PORTS))
    dns_ports = ", ".join(map(str, ENCRYPTED_DNS_PORTS))
    lines = [
        "#!/usr/sbin/nft -f",
        *_header(rules, "nft", "nftables rules (IPv4 and IPv6)"),
        "#",
        "# Apply:  nft -f THIS_FILE      (or: smedi gateway rules --nft --apply)",
        f"# Remove: nft delete table inet {NFT_TABLE}   (or: smedi gateway rules --nft --remove)",
        "",
        "# Applying again replaces the table: create it when missing, delete it, define it anew.",
        "# nft -f runs the whole file as one transaction, so no packet ever sees a half-built table.",
        f"table inet {NFT_TABLE}",
        f"delete table inet {NFT_TABLE}",
        "",
        "# One table for IPv4 and IPv6 (family inet). Its chains accept by default: they only add a",
        "# redirect and some drops, and never accept what the admin's own tables drop.",
        f"table inet {NFT_TABLE} {{",
    ]
    if rules.drop_doh:
        lines += [
            "    # Well-known public resolvers offering DNS over HTTPS (443) and over TLS or QUIC (853).",
            *_nft_set("doh_ipv4", "ipv4_addr", 4),
            *_nft_set("doh_ipv6", "ipv6_addr", 6),
            "",
        ]
    lines += [
        "    # Employees' web traffic to the transparent proxy.",
        "    chain prerouting {",
        "        type nat hook prerouting priority dstnat; policy accept;",
        f"        # Only what arrives on the employees' interface ({iface}). PREROUTING sees incoming",
        "        # packets only, so the proxy's own outgoing connections to the web are never redirected",
        "        # back to it.",
        f'        iifname != "{iface}" return',
        "        # Addressed to the gateway itself (the portal, the explicit proxy): delivered as addressed.",
        "        fib daddr type local return",
    ]
    if rules.drop_doh:
        lines += [
            "        # Public DoH resolvers are not redirected, so the forward chain below drops them.",
            "        ip daddr @doh_ipv4 return",
            "        ip6 daddr @doh_ipv6 return",
        ]
    lines += [
        f"        # HTTP and HTTPS to the transparent proxy on this gateway (port {rules.port}).",
        f"        tcp dport {{ {web_ports} }} redirect to :{rules.port}",
        "    }",
        "",
        "    # Employees' traffic the gateway forwards (everything not redirected).",
        "    chain forward {",
        "        type filter hook forward priority filter; policy accept;",
        f'        iifname != "{iface}" return',
        "        # QUIC (HTTP/3) would pass the proxy unseen: dropped, browsers fall back to TCP 443.",
        "        udp dport 443 drop",
    ]
    if rules.drop_doh:
        lines += [
            "        # DNS over HTTPS (443) and over TLS or QUIC (853) to the public resolvers: devices",
            "        # fall back to the DNS server the network gives them.",
            f"        ip daddr @doh_ipv4 meta l4proto {{ tcp, udp }} th dport {{ {dns_ports} }} drop",
            f"        ip6 daddr @doh_ipv6 meta l4proto {{ tcp, udp }} th dport {{ {dns_ports} }} drop",
        ]
    lines += [
        "    }",
        "",
        "    # Employees' traffic addressed to the gateway itself.",
        "    chain input {",
        "        type filter hook input priority filter; policy accept;",
        f'        iifname != "{iface}" return',
        "        # QUIC to the gateway (e.g. HTTP/3 to the portal): dropped, browsers use TCP.",
        "        udp dport 443 drop",
        "    }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def removal_summary(family: Family) -> str:
    if family == "nft":
        return f"table inet {NFT_TABLE} is gone (IPv4 and IPv6)"
    return f"{NAT_CHAIN}, {FORWARD_CHAIN}, {INPUT_CHAIN} and their jumps are gone (iptables and ip6tables)"


def nft_removal() -> str:
    """An `nft -f` text that removes the table, and succeeds when it is already gone."""
    return f"table inet {NFT_TABLE}\ndelete table inet {NFT_TABLE}\n"


@dataclass(frozen=True)
class Command:
    """One iptables command; `unless` / `only_if` is a check run first (exit 0 = true)."""

    argv: tuple[str, ...]
    why: str = ""  # printed as a comment above the command
    unless: tuple[str, ...] | None = None
    only_if: tuple[str, ...] | None = None

    def shell(self) -> str:
        run = shlex.join(self.argv)
        if self.unless:
            return f"if ! {shlex.join(self.unless)} >/dev/null 2>&1; then {run}; fi"
        if self.only_if:
            return f"if {shlex.join(self.only_if)} >/dev/null 2>&1; then {run}; fi"
        return run


def _chain(tool: str, table: str, chain: str, builtin: str, why: str, body: list[Command]) -> list[Command]:
    """Create (once) and refill a chain of ours, then jump to it from the top of the built-in chain."""
    t = (tool, "-t", table)
    return [
        Command((*t, "-N", chain), f"{tool} {table} {chain}: {why}", unless=(*t, "-S", chain)),
        Command((*t, "-F", chain), "applying again replaces the rules: no duplicates"),
        *body,
        Command(
            (*t, "-I", builtin, "1", "-j", chain),
            f"jump to it first from {builtin} (once)",
            unless=(*t, "-C", builtin, "-j", chain),
        ),
    ]


def _iptables_family(rules: GatewayRules, tool: str, version: Literal[4, 6]) -> list[Command]:
    """Our three chains for one IP version: nat SMEDI_PREROUTING, filter SMEDI_FORWARD and SMEDI_INPUT."""
    web_ports = ",".join(map(str, WEB_PORTS))
    dns_ports = ",".join(map(str, ENCRYPTED_DNS_PORTS))
    resolvers = doh_by_resolver(version) if rules.drop_doh else []

    def rule(table: str, chain: str, spec: str, why: str = "") -> Command:
        return Command((tool, "-t", table, "-A", chain, *spec.split()), why)

    def not_ours(table: str, chain: str, why: str) -> Command:
        return rule(table, chain, f"! -i {rules.interface} -j RETURN", why)

    nat_body = [
        not_ours(
            "nat",
            NAT_CHAIN,
            f"only what arrives on {rules.interface}; PREROUTING sees incoming packets only, so the proxy's"
            " own outgoing connections to the web are never redirected back to it",
        ),
        rule(
            "nat",
            NAT_CHAIN,
            "-m addrtype --dst-type LOCAL -j RETURN",
            "addressed to the gateway itself (the portal, the explicit proxy): delivered as addressed",
        ),
        *(
            rule(
                "nat",
                NAT_CHAIN,
                f"-d {','.join(addresses)} -j RETURN",
                f"{resolver}: not redirected, {FORWARD_CHAIN} drops its DNS over HTTPS/TLS",
            )
            for resolver, addresses in resolvers
        ),
        rule(
            "nat",
            NAT_CHAIN,
            f"-p tcp -m multiport --dports {web_ports} -j REDIRECT --to-ports {rules.port}",
            f"HTTP and HTTPS to the transparent proxy on this gateway (port {rules.port})",
        ),
    ]
    forward_body = [
        not_ours("filter", FORWARD_CHAIN, f"only what arrives on {rules.interface}"),
        rule(
            "filter",
            FORWARD_CHAIN,
            "-p udp --dport 443 -j DROP",
            "QUIC (HTTP/3) would pass the proxy unseen: dropped, browsers fall back to TCP 443",
        ),
    ]
    for resolver, addresses in resolvers:
        forward_body += [
            rule(
                "filter",
                FORWARD_CHAIN,
                f"-d {','.join(addresses)} -p {proto} -m multiport --dports {dns_ports} -j DROP",
                f"{resolver}: DNS over HTTPS and TLS dropped; devices fall back to the network's DNS"
                if proto == "tcp"
                else f"{resolver}: the same over UDP (DNS over HTTP/3 and QUIC)",
            )
            for proto in ("tcp", "udp")
        ]
    input_body = [
        not_ours("filter", INPUT_CHAIN, f"only what arrives on {rules.interface}"),
        rule(
            "filter",
            INPUT_CHAIN,
            "-p udp --dport 443 -j DROP",
            "QUIC to the gateway itself (e.g. HTTP/3 to the portal): dropped, browsers use TCP",
        ),
    ]
    return [
        *_chain(tool, "nat", NAT_CHAIN, "PREROUTING", "employees' web traffic to the proxy", nat_body),
        *_chain(tool, "filter", FORWARD_CHAIN, "FORWARD", "traffic the gateway forwards", forward_body),
        *_chain(tool, "filter", INPUT_CHAIN, "INPUT", "traffic addressed to the gateway", input_body),
    ]


def iptables_apply(rules: GatewayRules) -> list[Command]:
    """The commands that add (or replace) our chains, IPv4 (iptables) then IPv6 (ip6tables), in order."""
    return [*_iptables_family(rules, "iptables", 4), *_iptables_family(rules, "ip6tables", 6)]


def iptables_removal() -> list[Command]:
    """The commands that remove our jumps and chains; each is skipped when already gone."""
    commands = []
    for tool in IPTABLES_TOOLS:
        for table, chain, builtin in (
            ("nat", NAT_CHAIN, "PREROUTING"),
            ("filter", FORWARD_CHAIN, "FORWARD"),
            ("filter", INPUT_CHAIN, "INPUT"),
        ):
            t = (tool, "-t", table)
            jump = (builtin, "-j", chain)
            commands += [
                Command(
                    (*t, "-D", *jump),
                    f"{tool} {table} {chain}: the jump from {builtin}",
                    only_if=(*t, "-C", *jump),
                ),
                Command((*t, "-F", chain), "its rules", only_if=(*t, "-S", chain)),
                Command((*t, "-X", chain), "the chain itself", only_if=(*t, "-S", chain)),
            ]
    return commands


def _shell_function(name: str, commands: list[Command]) -> list[str]:
    lines = [f"{name}() {{"]
    for command in commands:
        lines += _comment(command.why, "    ")
        lines.append(f"    {command.shell()}")
    return [*lines, "}"]


def iptables_script(rules: GatewayRules) -> str:
    """A POSIX shell script running the same commands `--apply` runs (and `--remove` with `remove`)."""
    lines = [
        "#!/bin/sh",
        *_header(rules, "iptables", "iptables and ip6tables rules"),
        "#",
        f"# Our rules live in chains of their own ({NAT_CHAIN} in nat, {FORWARD_CHAIN} and {INPUT_CHAIN}",
        "# in filter), jumped to from the built-in chains; applying again refills them, never duplicates.",
        "# iptables changes are not atomic: while re-applying, a connection may meet an empty chain for",
        "# a few milliseconds. nft (`smedi gateway rules --nft`) replaces everything in one transaction.",
        "#",
        "# Usage: sh THIS_FILE [apply|remove]   (default: apply; or smedi gateway rules --iptables --apply)",
        "set -eu",
        "",
        *_shell_function("apply", iptables_apply(rules)),
        "",
        *_shell_function("remove", iptables_removal()),
        "",
        'case "${1:-apply}" in',
        "    apply) apply ;;",
        "    remove) remove ;;",
        '    *) echo "usage: $0 [apply|remove]" >&2; exit 2 ;;',
        "esac",
    ]
    return "\n".join(lines) + "\n"


DEPLOYMENT_INTERFACE = "eth1"
DEPLOYMENT_PORT = 8081


def deployment_files() -> dict[str, str]:
    """The files in docker/gateway/: eth1, port 8081, DoH dropped (a test keeps them equal to these)."""
    rules = GatewayRules(DEPLOYMENT_INTERFACE, DEPLOYMENT_PORT, drop_doh=True)
    return {"nftables.conf": nft_ruleset(rules), "iptables.sh": iptables_script(rules)}
