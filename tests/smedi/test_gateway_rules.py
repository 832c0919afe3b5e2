"""`smedi gateway rules`: the generated nft/iptables text, the command line, and the rules in a real kernel.

The kernel tests run as root inside network namespaces they create and always delete; the root
namespace's firewall is never touched.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from smedi.gateway_rules import (
    PUBLIC_DOH_RESOLVERS,
    GatewayRules,
    InvalidInterface,
    deployment_files,
    doh_addresses,
    iptables_apply,
    iptables_removal,
    iptables_script,
    nft_removal,
    nft_ruleset,
    validate_interface,
)

REPO = Path(__file__).resolve().parents[2]
RULES = GatewayRules("eth1", 8081)
RULES_DOH = GatewayRules("eth1", 8081, drop_doh=True)


def nft_chain(text: str, name: str) -> list[str]:
    """The statements of one chain (comments and blank lines left out)."""
    lines = text.splitlines()
    start = lines.index(f"    chain {name} {{")
    end = lines.index("    }", start)
    return [
        line.strip() for line in lines[start + 1 : end] if line.strip() and not line.strip().startswith("#")
    ]


def rule_lines(commands: list[str], tool: str, chain: str) -> list[str]:
    return [c for c in commands if c.startswith(f"{tool} ") and f" -A {chain} " in c]


def shell_lines(rules: GatewayRules) -> list[str]:
    return [c.shell() for c in iptables_apply(rules)]


# --- the nft text -----------------------------------------------------------------------------------


def test_nft_redirects_web_traffic_from_the_interface_to_the_transparent_port() -> None:
    prerouting = nft_chain(nft_ruleset(GatewayRules("lan0", 9090)), "prerouting")
    assert prerouting[0] == "type nat hook prerouting priority dstnat; policy accept;"
    assert prerouting[1] == 'iifname != "lan0" return'
    assert prerouting[-1] == "tcp dport { 80, 443 } redirect to :9090"


def test_nft_never_redirects_traffic_for_the_gateway_itself() -> None:
    prerouting = nft_chain(nft_ruleset(RULES), "prerouting")
    assert prerouting.index("fib daddr type local return") < len(prerouting) - 1  # before the redirect
    text = nft_ruleset(RULES)
    assert "PREROUTING sees incoming" in text and "never redirected" in text  # the proxy's own traffic
    assert "hook output" not in text  # nothing the gateway itself sends is touched


def test_nft_drops_quic_forwarded_and_addressed_to_the_gateway() -> None:
    text = nft_ruleset(RULES)
    for chain, hook in (("forward", "forward"), ("input", "input")):
        statements = nft_chain(text, chain)
        assert statements[0] == f"type filter hook {hook} priority filter; policy accept;"
        assert statements[1:] == ['iifname != "eth1" return', "udp dport 443 drop"]


def test_nft_is_one_inet_table_replaced_as_a_whole() -> None:
    text = nft_ruleset(RULES)
    lines = text.splitlines()
    assert (
        lines.index("table inet smedi")
        < lines.index("delete table inet smedi")
        < lines.index("table inet smedi {")
    )
    assert [line for line in lines if line.startswith("table ")] == ["table inet smedi", "table inet smedi {"]
    assert "flush ruleset" not in text  # the admin's own tables stay
    assert nft_removal() == "table inet smedi\ndelete table inet smedi\n"  # succeeds when already gone


def test_nft_drops_public_doh_resolvers_before_the_redirect_only_when_asked() -> None:
    assert "doh" not in nft_ruleset(RULES)
    text = nft_ruleset(RULES_DOH)
    for address in doh_addresses(4) + doh_addresses(6):
        assert f"            {address}," in text
    prerouting = nft_chain(text, "prerouting")
    redirect = len(prerouting) - 1
    assert prerouting.index("ip daddr @doh_ipv4 return") < redirect
    assert prerouting.index("ip6 daddr @doh_ipv6 return") < redirect
    forward = nft_chain(text, "forward")
    assert "ip daddr @doh_ipv4 meta l4proto { tcp, udp } th dport { 443, 853 } drop" in forward
    assert "ip6 daddr @doh_ipv6 meta l4proto { tcp, udp } th dport { 443, 853 } drop" in forward


# --- the iptables commands --------------------------------------------------------------------------


def test_iptables_redirects_after_the_local_return_in_both_families() -> None:
    lines = shell_lines(GatewayRules("lan0", 9090))
    for tool in ("iptables", "ip6tables"):
        assert rule_lines(lines, tool, "SMEDI_PREROUTING") == [
            f"{tool} -t nat -A SMEDI_PREROUTING '!' -i lan0 -j RETURN",
            f"{tool} -t nat -A SMEDI_PREROUTING -m addrtype --dst-type LOCAL -j RETURN",
            f"{tool} -t nat -A SMEDI_PREROUTING -p tcp -m multiport --dports 80,443 -j REDIRECT"
            " --to-ports 9090",
        ]


def test_iptables_drops_quic_forwarded_and_addressed_to_the_gateway() -> None:
    lines = shell_lines(RULES)
    for tool in ("iptables", "ip6tables"):
        for chain in ("SMEDI_FORWARD", "SMEDI_INPUT"):
            assert rule_lines(lines, tool, chain) == [
                f"{tool} -t filter -A {chain} '!' -i eth1 -j RETURN",
                f"{tool} -t filter -A {chain} -p udp --dport 443 -j DROP",
            ]


def test_iptables_chains_are_refilled_and_jumped_to_once() -> None:
    lines = shell_lines(RULES)
    for tool in ("iptables", "ip6tables"):
        for table, chain, builtin in (
            ("nat", "SMEDI_PREROUTING", "PREROUTING"),
            ("filter", "SMEDI_FORWARD", "FORWARD"),
            ("filter", "SMEDI_INPUT", "INPUT"),
        ):
            t = f"{tool} -t {table}"
            create = f"if ! {t} -S {chain} >/dev/null 2>&1; then {t} -N {chain}; fi"
            jump = f"if ! {t} -C {builtin} -j {chain} >/dev/null 2>&1; then {t} -I {builtin} 1 -j {chain}; fi"
            assert lines.index(create) < lines.index(f"{t} -F {chain}") < lines.index(jump)
            assert all(lines.index(rule) < lines.index(jump) for rule in rule_lines(lines, tool, chain))


def test_iptables_drops_public_doh_resolvers_per_family_before_the_redirect() -> None:
    assert not [line for line in shell_lines(RULES) if "8.8.8.8" in line]
    lines = shell_lines(RULES_DOH)
    for tool, version, other in (("iptables", 4, 6), ("ip6tables", 6, 4)):
        nat = rule_lines(lines, tool, "SMEDI_PREROUTING")
        forward = " ".join(rule_lines(lines, tool, "SMEDI_FORWARD"))
        returns = [line for line in nat if " -d " in line]
        assert len(returns) == len(PUBLIC_DOH_RESOLVERS)
        assert all(nat.index(line) < len(nat) - 1 for line in returns)  # before the redirect
        for address in doh_addresses(version):
            assert address in " ".join(returns) and address in forward
        assert not any(address in " ".join(nat) + forward for address in doh_addresses(other))
        for proto in ("tcp", "udp"):
            assert forward.count(f"-p {proto} -m multiport --dports 443,853 -j DROP") == len(
                PUBLIC_DOH_RESOLVERS
            )


def test_iptables_removal_is_skipped_where_already_gone() -> None:
    removal = [c.shell() for c in iptables_removal()]
    for tool in ("iptables", "ip6tables"):
        assert (
            f"if {tool} -t nat -C PREROUTING -j SMEDI_PREROUTING >/dev/null 2>&1; then "
            f"{tool} -t nat -D PREROUTING -j SMEDI_PREROUTING; fi"
        ) in removal
        assert (
            f"if {tool} -t filter -S SMEDI_INPUT >/dev/null 2>&1; then {tool} -t filter -X SMEDI_INPUT; fi"
            in (removal)
        )
    assert all(line.startswith("if ") for line in removal)


def test_the_iptables_script_is_valid_shell_running_the_same_commands() -> None:
    script = iptables_script(RULES_DOH)
    for line in shell_lines(RULES_DOH) + [c.shell() for c in iptables_removal()]:
        assert f"\n    {line}\n" in script
    check = subprocess.run(["sh", "-n"], input=script, text=True, capture_output=True, check=False)
    assert check.returncode == 0, check.stderr


# --- comments, sysctls, the resolver list -----------------------------------------------------------


@pytest.mark.parametrize(
    "text", [nft_ruleset(RULES_DOH), iptables_script(RULES_DOH)], ids=["nft", "iptables"]
)
def test_rules_carry_the_sysctls_as_comments_only(text: str) -> None:
    for setting in ("net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"):
        lines = [line for line in text.splitlines() if setting in line]
        assert lines and all(line.startswith("#") for line in lines)
    assert "never changes them" in text


def test_every_rule_is_explained() -> None:
    assert all(command.why for command in iptables_apply(RULES_DOH) + iptables_removal())
    text = nft_ruleset(RULES_DOH)
    for chain in ("prerouting", "forward", "input"):
        lines = text.splitlines()
        start = lines.index(f"    chain {chain} {{")
        assert lines[start - 1].strip().startswith("#")
        statements = nft_chain(text, chain)
        rules = [s for s in statements if not s.startswith("type ") and s != 'iifname != "eth1" return']
        body = lines[start : lines.index("    }", start)]
        for rule in rules:
            above = body[[line.strip() for line in body].index(rule) - 1].strip()
            assert above.startswith("#") or above in rules, rule  # a comment, or a rule of the same comment


def test_the_resolver_list_names_five_providers_with_ipv4_and_ipv6() -> None:
    names = " ".join(PUBLIC_DOH_RESOLVERS)
    for provider in ("Google", "Cloudflare", "Quad9", "OpenDNS", "AdGuard"):
        assert provider in names
    everything = [a for addresses in PUBLIC_DOH_RESOLVERS.values() for a in addresses]
    assert len(everything) == len(set(everything))
    for addresses in PUBLIC_DOH_RESOLVERS.values():
        versions = {ipaddress.ip_address(a).version for a in addresses}
        assert versions == {4, 6}
        assert all(ipaddress.ip_address(a).is_global for a in addresses)


# --- interface names --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["eth1", "enp3s0", "br-lan", "eth0.100", "wlp2s0", "veth_gw", "a" * 15])
def test_linux_interface_names_are_accepted(name: str) -> None:
    assert validate_interface(name) == name
    assert GatewayRules(name, 8081).interface == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "empty"),
        ("a" * 16, "longer than 15"),
        ("eth/1", "'/'"),
        ("eth0:1", "':'"),
        ("eth 1", "whitespace"),
        ("eth\t1", "whitespace"),
        ("eth1\n", "whitespace"),
        (".", "not an interface name"),
        ("..", "not an interface name"),
        ('eth"1', "letters, digits"),
        ("eth1;reboot", "letters, digits"),
        ("$(id)", "letters, digits"),
        ("ethé", "letters, digits"),
    ],
)
def test_other_interface_names_are_refused(name: str, reason: str) -> None:
    with pytest.raises(InvalidInterface, match=reason.replace("(", r"\(")):
        validate_interface(name)
    with pytest.raises(InvalidInterface):
        GatewayRules(name, 8081)


# --- the committed deployment files -----------------------------------------------------------------


def test_docker_gateway_files_are_what_the_module_generates() -> None:
    regenerate = (
        ".venv/bin/python -c 'from pathlib import Path; from smedi.gateway_rules import deployment_files; "
        '[Path("docker/gateway", n).write_text(t) for n, t in deployment_files().items()]\''
    )
    for name, text in deployment_files().items():
        committed = (REPO / "docker" / "gateway" / name).read_text()
        assert committed == text, f"docker/gateway/{name} drifted from smedi/gateway_rules.py: {regenerate}"
    assert os.access(REPO / "docker" / "gateway" / "iptables.sh", os.X_OK)


# --- the command line, without a database or root ---------------------------------------------------


def smedi(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smedi", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def gw_env(tmp_path: Path) -> dict[str, str]:
    """No DATABASE_URL: the rules command must never start or reach PostgreSQL."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SMEDI_CONFIG")}
    return {**env, "SMEDI_HOME": str(tmp_path / "home"), "SMEDI_TRANSPARENT_LISTEN": "0.0.0.0:8081"}


def test_cli_help_lists_the_gateway_group_and_its_options(gw_env: dict[str, str]) -> None:
    assert "gateway" in smedi("--help", env=gw_env).stdout
    assert "rules" in smedi("gateway", "--help", env=gw_env).stdout
    usage = smedi("gateway", "rules", "--help", env=gw_env).stdout
    for option in ("--interface IF", "--nft", "--iptables", "--drop-doh", "--apply", "--remove"):
        assert option in usage


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--interface", "eth1"], nft_ruleset(RULES)),
        (["--nft", "--interface", "eth1", "--drop-doh"], nft_ruleset(RULES_DOH)),
        (["--iptables", "--interface", "eth1"], iptables_script(RULES)),
    ],
)
def test_cli_prints_the_rules_without_a_database(
    gw_env: dict[str, str], args: list[str], expected: str
) -> None:
    result = smedi("gateway", "rules", *args, env=gw_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected
    assert not Path(gw_env["SMEDI_HOME"]).exists()  # no embedded PostgreSQL was started


def test_cli_takes_the_interface_from_the_environment(gw_env: dict[str, str]) -> None:
    result = smedi("gateway", "rules", env={**gw_env, "SMEDI_GATEWAY_INTERFACE": "eth1"})
    assert result.returncode == 0 and result.stdout == nft_ruleset(RULES)
    result = smedi(
        "gateway", "rules", "--interface", "lan0", env={**gw_env, "SMEDI_GATEWAY_INTERFACE": "eth1"}
    )
    assert result.stdout == nft_ruleset(GatewayRules("lan0", 8081))


@pytest.mark.parametrize(
    ("args", "env_change", "message"),
    [
        (["--interface", "eth1"], {"SMEDI_TRANSPARENT_LISTEN": ""}, "SMEDI_TRANSPARENT_LISTEN is not set"),
        (["--interface", "eth1"], {"SMEDI_TRANSPARENT_LISTEN": "off"}, "SMEDI_TRANSPARENT_LISTEN is not set"),
        ([], {}, "--interface IF"),
        (["--interface", "eth 1"], {}, "whitespace"),
        (["--interface", "a" * 16], {}, "longer than 15"),
        ([], {"SMEDI_GATEWAY_INTERFACE": "eth/1"}, "'/'"),
        (["--interface", "eth1;reboot", "--apply"], {}, "letters, digits"),
        (["--interface", "eth1", "--apply", "--remove"], {}, "not allowed with"),
        (["--interface", "eth1", "--nft", "--iptables"], {}, "not allowed with"),
    ],
)
def test_cli_refuses_with_exit_2(
    gw_env: dict[str, str], args: list[str], env_change: dict[str, str], message: str
) -> None:
    result = smedi("gateway", "rules", *args, env={**gw_env, **env_change})
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert result.stdout == ""


def test_cli_warns_when_the_transparent_proxy_listens_on_loopback(gw_env: dict[str, str]) -> None:
    result = smedi(
        "gateway",
        "rules",
        "--interface",
        "eth1",
        env={**gw_env, "SMEDI_TRANSPARENT_LISTEN": "127.0.0.1:8081"},
    )
    assert result.returncode == 0 and "loopback only" in result.stderr and "0.0.0.0:8081" in result.stderr


@pytest.mark.parametrize(("tool", "flag"), [("nft", "--nft"), ("iptables", "--iptables")])
@pytest.mark.parametrize("action", ["--apply", "--remove"])
def test_cli_says_when_the_tool_is_missing(
    gw_env: dict[str, str], tmp_path: Path, tool: str, flag: str, action: str
) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()  # no nft or iptables to find: nothing can change any firewall
    result = smedi(
        "gateway", "rules", flag, "--interface", "eth1", action, env={**gw_env, "PATH": str(empty)}
    )
    assert result.returncode == 1
    assert f"{tool} is not installed" in result.stderr and "bin/ensure-netfilter" in result.stderr


@pytest.mark.parametrize(
    ("tool", "flag", "failed"),
    [
        ("nft", "--nft", "'nft -f -' failed"),
        ("iptables", "--iptables", "'iptables -t nat -N SMEDI_PREROUTING' failed"),
    ],
)
def test_cli_names_the_command_that_failed(
    gw_env: dict[str, str], tmp_path: Path, tool: str, flag: str, failed: str
) -> None:
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    fake = fakes / tool  # a stand-in that refuses everything, as the real one does without privileges
    fake.write_text("#!/bin/sh\necho 'Error: Operation not permitted' >&2\nexit 4\n")
    fake.chmod(0o755)
    result = smedi(
        "gateway", "rules", flag, "--interface", "eth1", "--apply", env={**gw_env, "PATH": str(fakes)}
    )
    assert result.returncode == 1
    assert (
        failed in result.stderr and "(exit 4)" in result.stderr and "Operation not permitted" in result.stderr
    )
    assert ("partly" in result.stderr) == (tool == "iptables")


# --- in a real kernel: network namespaces, root only ------------------------------------------------


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def netns() -> Iterator[str]:
    """A fresh network namespace, deleted whatever happens; its firewall starts empty."""
    if os.geteuid() != 0:
        pytest.skip(
            "network namespaces need root (the gateway rules are checked in a namespace of their own)"
        )
    missing = [tool for tool in ("ip", "nft", "iptables", "ip6tables") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: run bin/ensure-netfilter as root")
    name = f"smedi-gw-test-{secrets.token_hex(3)}"
    _ip("netns", "add", name)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True, timeout=30)


def in_ns(ns: str, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ip", "netns", "exec", ns, *argv], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def smedi_in_ns(ns: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = in_ns(
        ns, sys.executable, "-m", "smedi", "gateway", "rules", "--interface", "smedi-emp0", *args, env=env
    )
    assert result.returncode == 0, result.stderr
    return result


def test_nft_rules_apply_replace_and_remove_in_a_namespace(netns: str, gw_env: dict[str, str]) -> None:
    for _ in range(2):  # twice: replaced, not duplicated
        applied = smedi_in_ns(netns, gw_env, "--nft", "--drop-doh", "--apply")
        assert "applied with nft" in applied.stdout
    ruleset = in_ns(netns, "nft", "list", "ruleset").stdout
    assert ruleset.count("table inet smedi {") == 1
    assert ruleset.count("redirect to :8081") == 1
    assert ruleset.count("fib daddr type local return") == 1
    assert ruleset.count("udp dport 443 drop") == 2  # forwarded and addressed to the gateway
    assert ruleset.count('iifname != "smedi-emp0" return') == 3
    assert "8.8.8.8" in ruleset and "2001:4860:4860::8888" in ruleset
    assert "th dport { 443, 853 } drop" in ruleset

    smedi_in_ns(netns, gw_env, "--nft", "--apply")  # without --drop-doh: the resolver sets go with the rest
    ruleset = in_ns(netns, "nft", "list", "ruleset").stdout
    assert "doh_ipv4" not in ruleset and ruleset.count("redirect to :8081") == 1

    for _ in range(2):  # removing what is already gone is not an error
        assert "removed with nft" in smedi_in_ns(netns, gw_env, "--nft", "--remove").stdout
        assert "smedi" not in in_ns(netns, "nft", "list", "ruleset").stdout


def test_iptables_rules_apply_replace_and_remove_in_a_namespace(netns: str, gw_env: dict[str, str]) -> None:
    for _ in range(2):
        assert (
            "applied with iptables"
            in smedi_in_ns(netns, gw_env, "--iptables", "--drop-doh", "--apply").stdout
        )
    for save, google in (("iptables-save", "8.8.8.8/32"), ("ip6tables-save", "2001:4860:4860::8888/128")):
        rules = in_ns(netns, save).stdout
        for line, count in (
            ("-A PREROUTING -j SMEDI_PREROUTING", 1),
            ("-A FORWARD -j SMEDI_FORWARD", 1),
            ("-A INPUT -j SMEDI_INPUT", 1),
            ("-A SMEDI_PREROUTING ! -i smedi-emp0 -j RETURN", 1),
            ("-A SMEDI_PREROUTING -m addrtype --dst-type LOCAL -j RETURN", 1),
            ("-A SMEDI_PREROUTING -p tcp -m multiport --dports 80,443 -j REDIRECT --to-ports 8081", 1),
            ("-A SMEDI_FORWARD -p udp -m udp --dport 443 -j DROP", 1),
            ("-A SMEDI_INPUT -p udp -m udp --dport 443 -j DROP", 1),
            (f"-A SMEDI_PREROUTING -d {google} -j RETURN", 1),
            (f"-A SMEDI_FORWARD -d {google} -p tcp -m multiport --dports 443,853 -j DROP", 1),
            (f"-A SMEDI_FORWARD -d {google} -p udp -m multiport --dports 443,853 -j DROP", 1),
        ):
            assert rules.count(line + "\n") == count, (save, line)

    smedi_in_ns(netns, gw_env, "--iptables", "--apply")  # without --drop-doh: the chains are refilled
    assert "8.8.8.8" not in in_ns(netns, "iptables-save").stdout

    for _ in range(2):
        assert "removed with iptables" in smedi_in_ns(netns, gw_env, "--iptables", "--remove").stdout
        for save in ("iptables-save", "ip6tables-save"):
            assert "SMEDI" not in in_ns(netns, save).stdout


@pytest.mark.parametrize("name", ["nftables.conf", "iptables.sh"])
def test_committed_files_apply_and_agree_with_the_command(
    netns: str, gw_env: dict[str, str], name: str
) -> None:
    path = REPO / "docker" / "gateway" / name
    loaded = in_ns(netns, "nft", "-f", str(path)) if name.endswith(".conf") else in_ns(netns, "sh", str(path))
    assert loaded.returncode == 0, loaded.stderr
    env = {**gw_env, "SMEDI_GATEWAY_INTERFACE": "eth1"}
    flag = "--nft" if name.endswith(".conf") else "--iptables"
    result = in_ns(
        netns, sys.executable, "-m", "smedi", "gateway", "rules", flag, "--drop-doh", "--apply", env=env
    )
    assert result.returncode == 0, result.stderr
    if name == "nftables.conf":
        assert in_ns(netns, "nft", "list", "ruleset").stdout.count("redirect to :8081") == 1
    else:
        for save in ("iptables-save", "ip6tables-save"):
            rules = in_ns(netns, save).stdout
            assert rules.count("-A PREROUTING -j SMEDI_PREROUTING\n") == 1
            assert rules.count("-j REDIRECT --to-ports 8081\n") == 1
        assert in_ns(netns, "sh", str(path), "remove").returncode == 0
        assert "SMEDI" not in in_ns(netns, "iptables-save").stdout + in_ns(netns, "ip6tables-save").stdout


# --- in a real kernel: a client namespace reaches the proxy port through the gateway namespace -------

# In the gateway namespace: port 8081 stands for the transparent proxy, port 80 for the portal.
LISTENERS = """
import socket, threading
def serve(server, name):
    while True:
        conn, _ = server.accept()
        conn.sendall(name.encode())
        conn.close()
servers = {socket.create_server(("0.0.0.0", 80)): "gateway-port-80",
           socket.create_server(("0.0.0.0", 8081)): "transparent-proxy"}
print("ready", flush=True)
threads = [threading.Thread(target=serve, args=item) for item in servers.items()]
[t.start() for t in threads]
"""

ASK = """
import socket, sys
with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5) as s:
    print(s.recv(100).decode())
"""


@pytest.fixture
def client_ns(netns: str) -> Iterator[str]:
    """A client namespace wired to `netns` (the gateway) by a veth pair: 198.18.1.2 → gateway 198.18.1.1."""
    name = f"{netns}-c"
    suffix = netns.rsplit("-", 1)[1]
    gw_if, client_if = f"smgw{suffix}", f"smcl{suffix}"
    _ip("netns", "add", name)
    try:
        _ip("-n", netns, "link", "add", gw_if, "type", "veth", "peer", "name", client_if, "netns", name)
        _ip("-n", netns, "addr", "add", "198.18.1.1/24", "dev", gw_if)
        _ip("-n", netns, "link", "set", gw_if, "up")
        _ip("-n", netns, "link", "set", "lo", "up")
        _ip("-n", name, "addr", "add", "198.18.1.2/24", "dev", client_if)
        _ip("-n", name, "link", "set", client_if, "up")
        _ip("-n", name, "link", "set", "lo", "up")
        _ip("-n", name, "route", "add", "default", "via", "198.18.1.1")
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True, timeout=30)


@pytest.mark.parametrize("flag", ["--nft", "--iptables"])
def test_web_traffic_through_the_gateway_reaches_the_transparent_port(
    netns: str, client_ns: str, gw_env: dict[str, str], flag: str
) -> None:
    gw_if = f"smgw{netns.rsplit('-', 1)[1]}"
    args = ("gateway", "rules", flag, "--interface", gw_if, "--apply")
    result = in_ns(netns, sys.executable, "-m", "smedi", *args, env=gw_env)
    assert result.returncode == 0, result.stderr
    listeners = subprocess.Popen(
        ["ip", "netns", "exec", netns, sys.executable, "-c", LISTENERS], stdout=subprocess.PIPE, text=True
    )
    try:
        assert listeners.stdout is not None and listeners.stdout.readline().strip() == "ready"

        def ask(host: str, port: int) -> str:
            answer = in_ns(client_ns, sys.executable, "-c", ASK, host, str(port))
            return answer.stdout.strip() or answer.stderr.strip().splitlines()[-1]

        # Web traffic to any other address is redirected to the transparent port on the gateway.
        assert ask("198.18.200.7", 80) == "transparent-proxy"
        assert ask("198.18.200.7", 443) == "transparent-proxy"
        # Traffic addressed to the gateway itself (its portal, its explicit proxy) is delivered as addressed.
        assert ask("198.18.1.1", 80) == "gateway-port-80"
    finally:
        listeners.kill()
        listeners.communicate(timeout=10)
