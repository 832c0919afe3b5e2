"""The `smedi` command line. Misuse exits 2 with a clear message; runtime failures exit 1."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import dataclasses
import getpass
import json
import os
import shlex
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from smedi.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    import asyncpg

    from admin.quotas import QuotaSpec
    from smedi.gateway_rules import Command as GatewayCommand
    from smedi.gateway_rules import Family

Handler = Callable[[argparse.Namespace, Settings], Awaitable[int]]


class UsageError(Exception):
    """Bad input from the person at the keyboard: printed, exit 2."""


def _local_minute(moment: datetime | None, settings: Settings) -> str:
    """A moment as the person at the keyboard reads it: local time (SMEDI_TZ) to the minute; '-' for none."""
    return "-" if moment is None else f"{moment.astimezone(settings.tz):%Y-%m-%d %H:%M}"


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def with_database(settings: Settings) -> Settings:
    """The settings with a database URL: DATABASE_URL, or the embedded server under SMEDI_HOME."""
    if settings.database_url:
        return settings
    from smedi.embedded import start_embedded

    return dataclasses.replace(settings, database_url=start_embedded(settings.pgdata_dir))


async def _connect(settings: Settings) -> asyncpg.Connection:
    from smedi.db import connect, migrate

    conn = await connect(with_database(settings).database_url or "")
    await migrate(conn)
    return conn


async def cmd_up(_args: argparse.Namespace, settings: Settings) -> int:
    from smedi.supervisor import run_all

    return await run_all(settings)


async def cmd_proxy(args: argparse.Namespace, settings: Settings) -> int:
    from smedi.proxy import run_proxy

    settings = with_database(settings)
    await (await _connect(settings)).close()  # migrated before the first flow
    await run_proxy(settings, accounting=not args.without_accounting)
    return 0


async def cmd_portal(_args: argparse.Namespace, settings: Settings) -> int:
    from admin.app import run_portal
    from smedi.bootstrap import FIRST_ADMIN, bootstrap

    settings = with_database(settings)
    prepared = await bootstrap(settings)  # a portal started alone (e.g. in a container) still has an admin
    if prepared.admin_password:
        print(f"first admin created: {FIRST_ADMIN} / {prepared.admin_password}", flush=True)
    await run_portal(settings)
    return 0


@contextlib.asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    """A migrated connection for one command, closed however the command ends."""
    conn = await _connect(settings)
    try:
        yield conn
    finally:
        await conn.close()


async def cmd_db_migrate(_args: argparse.Namespace, settings: Settings) -> int:
    from smedi.db import connect, migrate

    conn = await connect(with_database(settings).database_url or "")
    try:
        applied = await migrate(conn)
    finally:
        await conn.close()
    print(f"applied {len(applied)} migration(s)" + "".join(f"\n  {m.version:04d} {m.name}" for m in applied))
    return 0


async def cmd_org_add(args: argparse.Namespace, settings: Settings) -> int:
    from admin import audit
    from admin.directory import add_org

    async with _database(settings) as conn:
        async with conn.transaction():
            await add_org(conn, args.code, args.name, args.parent)
            await audit.record(
                conn, _actor(), "org_added", args.code, {"name": args.name, "parent": args.parent}
            )
    print(f"OPD {args.code} added")
    return 0


async def cmd_user_add(args: argparse.Namespace, settings: Settings) -> int:
    from admin import audit
    from admin.directory import add_employee

    if not args.password_stdin:
        raise UsageError("give the password on standard input with --password-stdin (never as an argument)")
    password = sys.stdin.readline().rstrip("\r\n")
    async with _database(settings) as conn:
        async with conn.transaction():
            await add_employee(
                conn,
                args.username,
                password,
                org=args.org,
                full_name=args.name or "",
                nip=args.nip,
                roles=tuple(args.role or ["employee"]),
            )
            await audit.record(
                conn,
                _actor(),
                "employee_added",
                args.username.lower(),
                {"org": args.org, "roles": args.role or ["employee"], "scope_org": args.scope_org},
            )
            if args.scope_org is not None:
                from admin.access import set_scope

                await set_scope(conn, args.username, args.scope_org, _actor())
    print(f"employee {args.username.lower()} added")
    return 0


async def cmd_user_scope(args: argparse.Namespace, settings: Settings) -> int:
    from admin.access import set_scope

    async with _database(settings) as conn:  # argparse has made sure of exactly one of --org, --city
        previous = await set_scope(conn, args.username, args.org, _actor())
    now = f"OPD {args.org} and the OPDs below it" if args.org else "the whole city"
    was = f"OPD {previous}" if previous else "the whole city"
    print(f"{args.username.strip().lower()}: roles now reach {now} (before: {was}); "
          "portal sessions follow at their next request")  # fmt: skip
    return 0


async def cmd_policy(args: argparse.Namespace, settings: Settings) -> int:
    from admin import audit, blocklist
    from proxy_addons.hostnames import InvalidHost

    try:
        domains = blocklist.normalize_domains(args.domains)
    except InvalidHost as exc:
        raise UsageError(f"not a domain: {exc}") from None
    async with _database(settings) as conn:
        async with conn.transaction():
            if args.policy_command == "block":
                changed = await blocklist.block(conn, domains, args.reason, _actor())
                action = "domain_blocked"
            else:
                changed = await blocklist.unblock(conn, domains)
                action = "domain_unblocked"
            for domain in changed:
                await audit.record(conn, _actor(), action, domain, {"reason": getattr(args, "reason", "")})
    verb = "blocked" if args.policy_command == "block" else "unblocked"
    for domain in domains:
        print(f"{domain}: {verb}" if domain in changed else f"{domain}: already {verb}, unchanged")
    return 0


def _input_size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    return path.stat().st_size if path.exists() else 0


async def cmd_lists_import(args: argparse.Namespace, settings: Settings) -> int:
    from admin.category_lists import check_category, import_list
    from admin.list_formats import ListFormatError, parse_list
    from smedi.progress import ProgressBar

    async with _database(settings) as conn:
        await check_category(conn, args.category)  # before minutes of parsing, not after
        path = Path(args.file)
        bar = ProgressBar(f"reading {path.name}", _input_size(path))
        try:
            parsed = await asyncio.to_thread(parse_list, path, args.format, bar.update)
        except ListFormatError as exc:
            raise UsageError(f"{exc} (the current list stays as it is)") from None
        bar.finish(f"{len(parsed.domains):,} domains in {parsed.format} format")
        print(f"saving {len(parsed.domains):,} domains to '{args.category}' ...", file=sys.stderr, flush=True)
        imported = await import_list(conn, args.category, parsed, path.name, _actor())
    print(
        f"{args.category}: {imported.domains:,} domains active (list version {imported.list_id}), "
        f"{len(parsed.urls):,} URLs, {parsed.duplicates:,} duplicates, {parsed.invalid:,} invalid, "
        f"{parsed.unsupported:,} unsupported; the previous list is kept for 'smedi lists rollback'"
    )
    for example in parsed.invalid_examples:
        where = f"{example.file} " if example.file else ""
        print(f"  invalid: {where}line {example.line_number}: {example.text!r}: {example.reason}")
    return 0


async def cmd_lists_rollback(args: argparse.Namespace, settings: Settings) -> int:
    from admin.category_lists import roll_back

    async with _database(settings) as conn:
        previous = await roll_back(conn, args.category, _actor())
    print(f"{args.category}: back to list version {previous['id']} ({previous['source']}, "
          f"imported {previous['imported_at']:%Y-%m-%d %H:%M} UTC)")  # fmt: skip
    return 0


async def cmd_lists_show(_args: argparse.Namespace, settings: Settings) -> int:
    from admin.category_lists import summaries

    async with _database(settings) as conn:
        rows = await summaries(conn)
    print(f"{'category':<14} {'action':<12} {'domains':>10}  source")
    for r in rows:
        source = f"{r['source']} ({r['imported_at']:%Y-%m-%d %H:%M} UTC)" if r["source"] else "-"
        print(f"{r['slug']:<14} {r['default_action']:<12} {r['domains'] or 0:>10,}  {source}")
    return 0


async def cmd_lists_search(args: argparse.Namespace, settings: Settings) -> int:
    from admin.category_lists import search

    async with _database(settings) as conn:
        found = await search(conn, args.domain)
    for r in found:
        print(f"{r['slug']}: listed as {r['domain']}")
    if not found:
        print("not on any active list")
    return 0


async def cmd_rule_add(args: argparse.Namespace, settings: Settings) -> int:
    from admin.policy_rules import RuleSpec, add_rule

    matches = {"category": args.category, "domain": args.domain, "url_prefix": args.url_prefix,
               "url_regex": args.regex}  # fmt: skip
    given = [(m, v) for m, v in matches.items() if v is not None]
    scopes = {"org": args.org, "role": args.role, "employee": args.user}
    scoped = [(s, v) for s, v in scopes.items() if v is not None]
    if len(given) != 1:
        raise UsageError("give exactly one of --category, --domain, --url-prefix, --regex")
    if len(scoped) > 1:
        raise UsageError("give at most one of --org, --role, --user (none: everyone)")
    scope, scope_value = scoped[0] if scoped else ("everyone", None)
    spec = RuleSpec(args.action, given[0][0], given[0][1], scope, scope_value, args.schedule, args.note or "",
                    args.position)  # fmt: skip
    async with _database(settings) as conn:
        rule_id = await add_rule(conn, spec, _actor())
    print(f"rule {rule_id} added; running proxies apply it within seconds")
    return 0


async def cmd_rule_list(_args: argparse.Namespace, settings: Settings) -> int:
    from admin.category_lists import summaries
    from admin.policy_rules import list_rules, rule_flags

    async with _database(settings) as conn:
        rules = await list_rules(conn)
        flags = rule_flags(rules, await summaries(conn), datetime.now(UTC))
    for r in rules:
        who = {"everyone": "everyone", "org": f"OPD {r['org']}", "role": f"role {r['role']}",
               "employee": f"user {r['employee']}"}[r["scope"]]  # fmt: skip
        what = r["category"] if r["match"] == "category" else r["pattern"]
        extra = "".join([
            f" during {r['schedule']}" if r["schedule"] else "",
            f" until {r['expires_at']:%Y-%m-%d %H:%M} UTC" if r["expires_at"] else "",
            "" if r["enabled"] else " (disabled)",
            f"  # {r['note']}" if r["note"] else "",
            # What the portal's rules page flags: a rule that cannot decide, or whose outcome order decides.
            *(f"  !{f.code}" + (f" (rule {f.other})" if f.other else "") for f in flags.get(r["id"], [])),
        ])  # fmt: skip
        print(f"{r['id']:>4}  {r['action']:<11} {r['match']:<10} {what}  for {who}{extra}")
    if not rules:
        print("no rules: blocked domains and category defaults decide")
    return 0


async def cmd_rule_change(args: argparse.Namespace, settings: Settings) -> int:
    from admin.policy_rules import delete_rule, set_enabled

    async with _database(settings) as conn:
        if args.rule_command == "delete":
            await delete_rule(conn, args.id, _actor())
        else:
            await set_enabled(conn, args.id, args.rule_command == "enable", _actor())
    print(f"rule {args.id}: {args.rule_command}d")
    return 0


def _parse_local_time(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M")
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'YYYY-MM-DD HH:MM', got {value!r}") from None


async def cmd_policy_test(args: argparse.Namespace, settings: Settings) -> int:
    from urllib.parse import urlsplit

    from proxy_addons.hostnames import InvalidHost, normalize_host
    from proxy_addons.policy_loader import load_policy
    from proxy_addons.snapshots import Directory
    from smedi.sql import load_queries

    parts = urlsplit(args.url if "://" in args.url else f"http://{args.url}")
    try:
        host = normalize_host(parts.hostname or "")
    except InvalidHost as exc:
        raise UsageError(f"not a URL: {exc}") from None
    now = (args.at.replace(tzinfo=settings.tz) if args.at else datetime.now(settings.tz)).astimezone(UTC)
    async with _database(settings) as conn:
        directory = Directory.from_rows(await conn.fetch(load_queries("proxy").directory))
        policy = await load_policy(conn, settings.tz, only_host=host)
    entry = directory.by_username.get(args.user.lower()) if args.user else None
    if args.user and entry is None:
        raise UsageError(f"no employee {args.user!r}")
    who = entry.employee.requester if entry else None
    url = f"{parts.scheme}://{host}{parts.path or '/'}{'?' + parts.query if parts.query else ''}"
    decision = policy.decide(host, who, url, now)
    categories = sorted(policy.categories[i].slug for i in policy.categories_of(host))
    print(f"{decision.action}  ({decision.rule or 'no rule, list or category matched'})")
    print(f"  url: {url}\n  user: {args.user or '(nobody signed in)'}")
    print(f"  at: {now.astimezone(settings.tz):%Y-%m-%d %H:%M %Z}")
    print(f"  categories: {', '.join(categories) or '-'}")
    return 0


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from None


# `report usage --by`: the groupings of accounting.reports.GROUPINGS, and how the table's title says them.
_USAGE_BY = {"employee": "per pegawai", "org": "per OPD", "host": "per host", "category": "per kategori"}


def _usage_period(args: argparse.Namespace, tz_today: date) -> tuple[date, date]:
    """The local days of `report usage`: --date, or --from/--to (each today when left out)."""
    if args.date and (args.first or args.last):
        raise UsageError("--date DATE is short for --from DATE --to DATE: give --date or --from/--to")
    first = args.date or args.first or tz_today
    last = args.date or args.last or tz_today
    if first > last:
        today_note = "" if args.last else " (today)"
        raise UsageError(f"--from {first} is after --to {last}{today_note}")
    return first, last


def _usage_table(rows: list[dict[str, object]], columns: tuple[str, ...], total: dict[str, int]) -> list[str]:
    """The report for people: sizes such as 1.5 MB, counts right-aligned, a total row."""
    from accounting.reports import COUNTS
    from admin.i18n import human_bytes

    def cell(column: str, value: object) -> str:
        return human_bytes(value) if column.startswith("bytes") and isinstance(value, int) else str(value)

    keys = len(columns) - len(COUNTS)
    body = [[cell(c, r[c]) for c in columns] for r in rows]
    last = ["total", *[""] * (keys - 1), *(cell(c, total[c]) for c in columns[keys:])]
    widths = [max(len(line[i]) for line in [list(columns), *body, last]) for i in range(len(columns))]

    def line(values: list[str]) -> str:
        cells = zip(values, widths, strict=True)
        return "  ".join(v.ljust(w) if i < keys else v.rjust(w) for i, (v, w) in enumerate(cells)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return [line(list(columns)), *map(line, body), rule, line(last)]


async def cmd_report_usage(args: argparse.Namespace, settings: Settings) -> int:
    from accounting.reports import report_columns, report_total, today, usage_report

    first, last = _usage_period(args, today(settings.tz))
    async with _database(settings) as conn:
        rows = await usage_report(conn, first, last, args.by, settings.tz)
    columns = report_columns(args.by)
    total = report_total(rows)
    if args.format == "json":
        report = {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "timezone": settings.tz.key,
            "by": args.by,
            "rows": rows,
            "total": total,
        }
        print(json.dumps(report, indent=2))
    elif args.format == "csv":
        out = csv.writer(sys.stdout)
        out.writerow(columns)
        out.writerows([r[c] for c in columns] for r in rows)
    else:
        days = first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"
        print(f"Penggunaan {days} ({settings.tz.key}), {_USAGE_BY[args.by]}")
        if not rows:
            print("(no usage recorded on this day)" if first == last else "(no usage recorded in these days)")
        else:
            print("\n".join(_usage_table(rows, columns, total)))
    return 0


async def cmd_report_generate(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime

    from accounting.scheduled_reports import SCHEDULED_PERIODS, Subject, generate, last_complete
    from accounting.usage_report import report_period

    now, tz = datetime.now(UTC), settings.tz
    periods = []
    for kind in [args.period] if args.period else SCHEDULED_PERIODS:
        period = report_period(kind, args.date) if args.date else last_complete(kind, now, tz)
        if period.last > last_complete(kind, now, tz).last:
            raise UsageError(f"the {kind} {period.first}..{period.last} has not ended yet ({tz.key})")
        periods.append(period)
    created = kept = 0
    async with _database(settings) as conn:
        for period in periods:
            last = f"..{period.last}" if period.last != period.first else ""
            days = f"{period.kind} {period.first}{last}"

            def progress(n: int, total: int, subject: Subject, made: bool, days: str = days) -> None:
                state = "generated" if made else "kept before"
                print(f"{days}: {n}/{total} {subject.key or 'city'} {state}", file=sys.stderr)

            done = await generate(conn, period, tz, settings.office_hours, by="cli", progress=progress)
            created += sum(g.created for g in done)
            kept += sum(not g.created for g in done)
    print(f"{created} report(s) generated, {kept} kept before (listed on /laporan/arsip)")
    return 0


async def cmd_audit_verify(_args: argparse.Namespace, settings: Settings) -> int:
    from admin.audit import verify_chain

    async with _database(settings) as conn:
        checked, broken = await verify_chain(conn)
    if broken is not None:
        print(
            f"audit chain BROKEN at entry {broken.row_id}: {broken.reason} "
            f"({checked} entries before it are intact)",
            file=sys.stderr,
        )
        return 1
    print(f"audit chain intact: {checked} entries verified")
    return 0


async def cmd_alerts_scan(args: argparse.Namespace, settings: Settings) -> int:
    from accounting.alert_scan import ScanResult, parse_since, scan_alerts

    now = datetime.now(UTC)
    try:
        since = parse_since(args.since, now, settings.tz) if args.since else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None

    def progress(part: ScanResult) -> None:
        local = part.window_start.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        print(f"scanned from {local}: {part.employees} employees, {part.findings} findings, "
              f"{len(part.new_alerts)} new alerts", file=sys.stderr, flush=True)  # fmt: skip

    async with _database(settings) as conn:
        result = await scan_alerts(
            conn, settings.tz, office=settings.office_hours, since=since, now=now, progress=progress
        )
    start, end = (
        t.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M") for t in (result.window_start, result.window_end)
    )
    ids = f" (ids {', '.join(map(str, result.new_alerts))})" if result.new_alerts else ""
    print(f"{start} – {end} ({settings.tz.key}): {result.findings} findings, "
          f"{len(result.new_alerts)} new alerts{ids}")  # fmt: skip
    return 0


async def cmd_ca_export(args: argparse.Namespace, settings: Settings) -> int:
    from certs.authority import ca_certificate_der, ca_certificate_pem, ensure_ca

    ensure_ca(settings.certs_dir)
    if args.der:
        if sys.stdout.isatty():
            raise UsageError(
                "--der writes binary data: redirect it to a file, e.g. smedi ca export --der > ca.cer"
            )
        sys.stdout.buffer.write(ca_certificate_der(settings.certs_dir))
    else:
        sys.stdout.write(ca_certificate_pem(settings.certs_dir).decode("ascii"))
    return 0


NETFILTER_PACKAGES = {"nft": "nftables", "iptables": "iptables", "ip6tables": "iptables"}  # Debian names


class NetfilterFailed(Exception):
    """A firewall tool is missing or refused a command: printed, exit 1."""


async def _netfilter(argv: tuple[str, ...], stdin: str = "", check: bool = False) -> bool:
    """Run one nft/iptables command; True when it succeeded. A check's failure is an answer, not an error."""
    pipe = asyncio.subprocess.PIPE
    try:
        proc = await asyncio.create_subprocess_exec(*argv, stdin=pipe, stdout=pipe, stderr=pipe)
    except FileNotFoundError:
        package = NETFILTER_PACKAGES.get(argv[0], argv[0])
        raise NetfilterFailed(
            f"{argv[0]} is not installed (or not on PATH): install it with 'apt-get install {package}', "
            "or run bin/ensure-netfilter as root"
        ) from None
    out, err = await proc.communicate(stdin.encode())
    if proc.returncode != 0 and not check:
        detail = (err or out).decode(errors="replace").strip()
        hint = "; changing firewall rules needs root" if os.geteuid() != 0 else ""
        raise NetfilterFailed(f"'{shlex.join(argv)}' failed (exit {proc.returncode}){hint}: {detail}")
    return proc.returncode == 0


async def _run_iptables(commands: list[GatewayCommand]) -> None:
    """Run the commands one by one, each after its check; stop at the first failure."""
    for command in commands:
        if command.unless and await _netfilter(command.unless, check=True):
            continue
        if command.only_if and not await _netfilter(command.only_if, check=True):
            continue
        await _netfilter(command.argv)


def _gateway_notes(settings: Settings, interface: str, applying: bool) -> list[str]:
    """Warnings about settings that would make the rules useless; S'MEDI changes none of them."""
    notes = []
    listen = settings.transparent_listen
    if listen is not None and listen.host in ("127.0.0.1", "::1", "localhost"):
        notes.append(
            f"SMEDI_TRANSPARENT_LISTEN={listen} is loopback only: redirected connections arrive on "
            f"{interface}'s address, so the proxy must listen there or on 0.0.0.0:{listen.port}"
        )
    try:
        forwarding = Path("/proc/sys/net/ipv4/ip_forward").read_text().strip() if applying else ""
    except OSError:
        forwarding = ""
    if forwarding == "0":
        notes.append(
            "net.ipv4.ip_forward is 0: web traffic reaches the proxy, but nothing else from the employees "
            "is forwarded (sysctl -w net.ipv4.ip_forward=1; see the comments in the printed rules)"
        )
    return notes


async def cmd_gateway_rules(args: argparse.Namespace, settings: Settings) -> int:
    from smedi import gateway_rules as gw

    tool: Family = "iptables" if args.iptables else "nft"
    interface = args.interface or settings.gateway_interface
    if interface:
        try:
            gw.validate_interface(interface)
        except gw.InvalidInterface as exc:
            raise UsageError(str(exc)) from None
    if args.remove:  # needs neither the interface nor the port: it deletes whatever apply added
        removal = gw.nft_removal() if tool == "nft" else gw.iptables_removal()
        return await _apply_netfilter(tool, removal, f"removed with {tool}: {gw.removal_summary(tool)}")
    if settings.transparent_listen is None:
        raise UsageError(
            "SMEDI_TRANSPARENT_LISTEN is not set: the rules redirect web traffic to the transparent "
            "proxy, so set it as the proxy runs with it, e.g. SMEDI_TRANSPARENT_LISTEN=0.0.0.0:8081"
        )
    if not interface:
        raise UsageError(
            "which interface do the employees' devices reach this gateway on? "
            "Give --interface IF (e.g. eth1) or set SMEDI_GATEWAY_INTERFACE"
        )
    rules = gw.GatewayRules(interface, settings.transparent_listen.port, args.drop_doh)
    for note in _gateway_notes(settings, interface, applying=args.apply):
        print(f"smedi gateway rules: note: {note}", file=sys.stderr)
    if not args.apply:
        sys.stdout.write(gw.nft_ruleset(rules) if tool == "nft" else gw.iptables_script(rules))
        return 0
    ruleset = gw.nft_ruleset(rules) if tool == "nft" else gw.iptables_apply(rules)
    return await _apply_netfilter(tool, ruleset, f"applied with {tool}: {rules.summary()}")


async def _apply_netfilter(tool: str, what: str | list[GatewayCommand], done: str) -> int:
    """Hand an nft text to `nft -f -`, or run iptables commands; say what was done, or what failed."""
    try:
        if isinstance(what, str):
            await _netfilter(("nft", "-f", "-"), stdin=what)  # one transaction: all or nothing
        else:
            await _run_iptables(what)
    except NetfilterFailed as exc:
        print(f"smedi gateway rules: {exc}", file=sys.stderr)
        if tool == "iptables":
            print(
                "smedi gateway rules: the iptables rules may be partly changed; fix the cause and run "
                "the same command again (or remove them with --iptables --remove)",
                file=sys.stderr,
            )
        return 1
    print(done)
    return 0


async def cmd_gateway_bind(args: argparse.Namespace, settings: Settings) -> int:
    from admin import clients

    async with _database(settings) as conn:
        address = await clients.bind(conn, args.ip, args.username, args.note, _actor())
    print(f"{address} bound to {args.username.strip().lower()}; running proxies apply it within seconds")
    return 0


async def cmd_gateway_unbind(args: argparse.Namespace, settings: Settings) -> int:
    from admin import clients

    async with _database(settings) as conn:
        address = await clients.unbind(conn, args.ip, _actor())
    print(f"{address}: binding removed")
    return 0


async def cmd_gateway_clients(args: argparse.Namespace, settings: Settings) -> int:
    from admin import clients

    async with _database(settings) as conn:
        rows = await clients.clients(conn)
    times = ("since", "last_seen", "expires_at")
    if args.format == "json":
        found = [
            {"address": str(r["client_ip"]), "kind": r["kind"], "username": r["username"],
             "full_name": r["full_name"], **{t: r[t].isoformat() if r[t] else None for t in times},
             "note": r["note"], "created_by": r["created_by"] or None}
            for r in rows
        ]  # fmt: skip
        print(json.dumps({"timezone": settings.tz.key, "clients": found}, indent=2))
        return 0
    columns = ["address", "kind", "username", *times, "note"]
    table = [
        [str(r["client_ip"]), r["kind"], r["username"],
         *(f"{r[t].astimezone(settings.tz):%Y-%m-%d %H:%M}" if r[t] else "-" for t in times), r["note"]]
        for r in rows
    ]  # fmt: skip
    widths = [max([len(c), *(len(row[i]) for row in table)]) for i, c in enumerate(columns)]
    print(f"Leases and bindings ({settings.tz.key})")
    for row in [columns, *table]:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    if not rows:
        print("(no leases or bindings)")
    return 0


def _quota_spec(args: argparse.Namespace) -> QuotaSpec:
    """`--employee`, `--org`, `--category` as a quota: the category decides; else the one of the other two."""
    from admin.quotas import QuotaSpec

    if args.category is not None:
        scope = "category"
    elif args.employee is not None and args.org is not None:
        raise UsageError(
            "give --employee or --org, not both (with --category, either narrows a category quota)"
        )
    elif args.employee is None and args.org is None:
        raise UsageError("whose quota? Give --employee USERNAME, --org CODE or --category SLUG")
    else:
        scope = "employee" if args.employee is not None else "org"
    return QuotaSpec(scope, args.period, args.limit, args.employee, args.org, args.category, args.note)


async def cmd_quota_add(args: argparse.Namespace, settings: Settings) -> int:
    from admin import quotas
    from admin.i18n import human_bytes

    spec = _quota_spec(args)
    async with _database(settings) as conn:
        quota_id = await quotas.add_quota(conn, spec, _actor())
        [quota] = [q for q in await quotas.list_quotas(conn) if q.id == quota_id]
    print(f"quota {quota_id} added: {human_bytes(quota.limit_bytes)} ({quota.limit_bytes:,} bytes) per "
          f"{quota.period} for {quota.target}; running proxies apply it within seconds")  # fmt: skip
    return 0


def _print_table(columns: list[str], rows: list[list[str]], right: frozenset[str] = frozenset()) -> None:
    widths = [max([len(c), *(len(row[i]) for row in rows)]) for i, c in enumerate(columns)]
    for row in [columns, *rows]:
        cells = zip(row, widths, columns, strict=True)
        print("  ".join(v.rjust(w) if c in right else v.ljust(w) for v, w, c in cells).rstrip())


async def cmd_quota_list(args: argparse.Namespace, settings: Settings) -> int:
    from admin import quotas
    from admin.i18n import human_bytes

    async with _database(settings) as conn:
        found = await quotas.list_quotas(conn)
    if args.format == "json":
        print(json.dumps({"quotas": [q.as_json() for q in found]}, indent=2))
        return 0
    table = [[str(q.id), human_bytes(q.limit_bytes), f"per {q.period}", q.target, q.created_by, q.note]
             for q in found]  # fmt: skip
    _print_table(["id", "limit", "period", "for", "by", "note"], table, frozenset({"id", "limit"}))
    if not found:
        print("(no quotas)")
    return 0


async def cmd_quota_remove(args: argparse.Namespace, settings: Settings) -> int:
    from admin import quotas
    from admin.i18n import human_bytes

    async with _database(settings) as conn:
        removed = await quotas.remove_quota(conn, args.id, _actor())
    print(f"quota {removed.id} removed ({human_bytes(removed.limit_bytes)} per {removed.period} for "
          f"{removed.target}); running proxies drop it within seconds")  # fmt: skip
    return 0


async def cmd_quota_usage(args: argparse.Namespace, settings: Settings) -> int:
    from admin import quotas
    from admin.i18n import human_bytes

    now = datetime.now(UTC)
    async with _database(settings) as conn:
        if args.user is None:
            usages = await quotas.quota_usage(conn, now, settings.tz)
        else:
            employee_id = await quotas.employee_id_of(conn, args.user)
            usages = await quotas.quota_use_for_employee(conn, employee_id, now, settings.tz)
    if args.format == "json":
        found = [
            {**u.quota.as_json(), "period_start": u.period_start.isoformat(),
             "resets_at": u.resets_at.isoformat(),
             "uses": [{"employee": s.employee, "org": s.org, "used_bytes": s.used,
                       "limit_bytes": s.limit_bytes, "percent": s.percent} for s in u.uses]}
            for u in usages
        ]  # fmt: skip
        print(json.dumps({"at": now.isoformat(), "timezone": settings.tz.key, "quotas": found}, indent=2))
        return 0
    table = [
        [str(u.quota.id), u.quota.target, f"per {u.quota.period}", s.employee or f"OPD {s.org}",
         human_bytes(s.used), human_bytes(s.limit_bytes), f"{s.percent} %",
         f"{u.resets_at.astimezone(settings.tz):%Y-%m-%d %H:%M}"]
        for u in usages
        for s in u.uses
    ]  # fmt: skip
    whose = f" of {args.user.strip().lower()}" if args.user else ""
    print(f"Quota use{whose} at {now.astimezone(settings.tz):%Y-%m-%d %H:%M} ({settings.tz.key})")
    columns = ["id", "quota", "period", "who", "used", "limit", "%", "resets"]
    _print_table(columns, table, frozenset({"id", "used", "limit", "%"}))
    unused = [str(u.quota.id) for u in usages if not u.uses]
    if unused:
        print(f"(no use yet in this period: quota {', '.join(unused)})")
    if not usages:
        print("(no quota applies)" if args.user else "(no quotas)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smedi",
        description="S'MEDI internet gateway and SAMAWA open data portal (Pemerintah Kota Semarang).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str, parent=sub) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        p = parent.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    command("up", cmd_up, "start everything: embedded PostgreSQL if needed, migrations, CA, proxy and portal")
    p = command("proxy", cmd_proxy, "run the proxy alone on SMEDI_PROXY_LISTEN")
    p.add_argument(
        "--without-accounting",
        action="store_true",
        help="benchmark baseline only: the same proxy counting no usage (never in production)",
    )
    command("portal", cmd_portal, "run the portal alone on SMEDI_PORTAL_LISTEN")

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    command("migrate", cmd_db_migrate, "apply the migrations not yet applied", db)

    org = sub.add_parser("org", help="OPDs (organisation units)").add_subparsers(
        dest="org_command", required=True
    )
    p = command("add", cmd_org_add, "add an OPD", org)
    p.add_argument("code", help="short code, e.g. DISKOMINFO")
    p.add_argument("name", help='full name, e.g. "Dinas Komunikasi dan Informatika"')
    p.add_argument("--parent", metavar="CODE", help="the OPD this one belongs to")

    user = sub.add_parser("user", help="employees and portal accounts").add_subparsers(
        dest="user_command", required=True
    )
    p = command("add", cmd_user_add, "add an employee; the password is read from standard input", user)
    p.add_argument("username")
    p.add_argument("--org", required=True, metavar="CODE", help="the employee's OPD")
    p.add_argument("--name", help="full name")
    p.add_argument("--nip", help="Nomor Induk Pegawai (18 digits)")
    p.add_argument(
        "--role",
        action="append",
        metavar="ROLE",
        help="admin, hr, inspector, data_operator, walidata or employee (repeatable; default employee)",
    )
    p.add_argument(
        "--scope-org",
        metavar="CODE",
        help="limit the roles (hr, inspector, ...) to this OPD and those below it (default: the whole city)",
    )
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p = command(
        "scope",
        cmd_user_scope,
        "limit an employee's roles to an OPD and the OPDs below it, or give them the whole city; audited",
        user,
    )
    p.add_argument("username", metavar="USERNAME")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--org", metavar="CODE", help="this OPD and the OPDs below it")
    where.add_argument("--city", action="store_true", help="the whole city (no limit)")

    policy = sub.add_parser("policy", help="the blocked list").add_subparsers(
        dest="policy_command", required=True
    )
    p = command(
        "block", cmd_policy, "block domains and all their subdomains (takes effect without a restart)", policy
    )
    p.add_argument("domains", nargs="+", metavar="DOMAIN")
    p.add_argument("--reason", default="", help="why, shown to admins")
    p = command("unblock", cmd_policy, "remove domains from the blocked list", policy)
    p.add_argument("domains", nargs="+", metavar="DOMAIN")

    report = sub.add_parser("report", help="usage reports").add_subparsers(
        dest="report_command", required=True
    )
    p = command(
        "usage",
        cmd_report_usage,
        "usage over local days (SMEDI_TZ) per employee, OPD, host or category, largest first",
        report,
    )
    p.epilog = (
        "DATE is YYYY-MM-DD, a local day in SMEDI_TZ; --from and --to are both included. "
        "Example: smedi report usage --from 2026-12-01 --to 2026-12-31 --by org --format csv"
    )
    p.add_argument("--from", dest="first", type=_parse_date, metavar="DATE", help="first day (default today)")
    p.add_argument("--to", dest="last", type=_parse_date, metavar="DATE", help="last day (default today)")
    p.add_argument("--date", type=_parse_date, metavar="DATE", help="one day: --from DATE --to DATE")
    p.add_argument(
        "--by",
        choices=list(_USAGE_BY),
        default="employee",
        help="one row per employee (nobody signed in is one row), OPD at the time of use, host or category "
        "(default: employee)",
    )
    p.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help="table: sizes such as 1.5 MB and a total row (default); json, csv: exact bytes",
    )

    p = command(
        "generate",
        cmd_report_generate,
        "generate the scheduled reports (the city and each top-level OPD) of an ended day, week or month, "
        "as the portal does by itself; a report kept before is not made again",
        report,
    )
    p.add_argument("--period", choices=["day", "week", "month"], help="only this period (default: all three)")
    p.add_argument(
        "--date",
        type=_parse_date,
        metavar="DATE",
        help="the period holding this local day (YYYY-MM-DD; default: the latest period that has ended)",
    )

    p = command("test", cmd_policy_test, "why: the decision for a URL, and the rule that made it", policy)
    p.add_argument("url")
    p.add_argument("--user", metavar="USERNAME", help="decide as this employee (default: nobody signed in)")
    p.add_argument("--at", type=_parse_local_time, metavar='"YYYY-MM-DD HH:MM"', help="local time (SMEDI_TZ)")

    rule = sub.add_parser("rule", help="ordered policy rules (the first match decides)")
    rule_sub = rule.add_subparsers(dest="rule_command", required=True)
    p = command("add", cmd_rule_add, "add a rule (at the end, or at --position)", rule_sub)
    p.add_argument("--action", required=True, choices=["allow", "block", "passthrough", "warn"])
    p.add_argument("--category", metavar="SLUG")
    p.add_argument("--domain", help="a domain and all its subdomains")
    p.add_argument("--url-prefix", metavar="PREFIX", help="e.g. youtube.com/shorts")
    p.add_argument("--regex", metavar="RE2", help="a regular expression over the full URL (RE2 syntax)")
    p.add_argument("--org", metavar="CODE", help="only for this OPD and the OPDs under it")
    p.add_argument("--role", help="only for employees with this role")
    p.add_argument("--user", metavar="USERNAME", help="only for this employee")
    p.add_argument("--schedule", metavar="NAME", help="only during this schedule, e.g. jam-kerja")
    p.add_argument("--position", type=int, help="where in the order (default: last)")
    p.add_argument("--note", help="why, for the other admins")
    command("list", cmd_rule_list, "the rules in order", rule_sub)
    for verb in ("enable", "disable", "delete"):
        p = command(verb, cmd_rule_change, f"{verb} a rule", rule_sub)
        p.add_argument("id", type=int)

    lists = sub.add_parser("lists", help="category lists (TRUST+ Positif, hosts, Adblock, UT1)")
    lists_sub = lists.add_subparsers(dest="lists_command", required=True)
    p = command("import", cmd_lists_import, "replace a category's list from a file or UT1 folder", lists_sub)
    p.add_argument("category", help="category slug, e.g. judi")
    p.add_argument("file", help="the list file (or UT1/SquidGuard category folder)")
    p.add_argument("--format", choices=["auto", "domains", "hosts", "adblock", "ut1"], default="auto")
    p = command("rollback", cmd_lists_rollback, "return a category to its previous list", lists_sub)
    p.add_argument("category")
    command("show", cmd_lists_show, "every category with its active list", lists_sub)
    p = command("search", cmd_lists_search, "which lists hold a domain (or one of its parents)", lists_sub)
    p.add_argument("domain")

    audit = sub.add_parser("audit", help="the audit log").add_subparsers(dest="audit_command", required=True)
    command(
        "verify",
        cmd_audit_verify,
        "check the audit log's hash chain; exit 1 at the first broken entry",
        audit,
    )

    alerts = sub.add_parser("alerts", help="anomaly alerts").add_subparsers(
        dest="alerts_command", required=True
    )
    p = command(
        "scan", cmd_alerts_scan, "run the anomaly detectors over the hourly usage and store new alerts (the "
        "portal does this every 5 minutes); each alert is stored once, however often this runs", alerts,
    )  # fmt: skip
    p.add_argument("--since", metavar="WHEN", help="from 6h or 7d back, or a local date or time such as "
                   "2026-03-01 or 2026-03-01T08:00 (default: the last 3 hours)")  # fmt: skip

    ca = sub.add_parser("ca", help="the organisation's CA").add_subparsers(dest="ca_command", required=True)
    p = command("export", cmd_ca_export, "print the CA certificate (PEM; --der for Windows/Android)", ca)
    p.add_argument("--der", action="store_true", help="DER (binary) instead of PEM")

    # One group for the transparent gateway; each subcommand is one `command(..., gateway)` line.
    gateway = sub.add_parser("gateway", help="the transparent gateway on Linux").add_subparsers(
        dest="gateway_command", required=True
    )
    p = command(
        "rules",
        cmd_gateway_rules,
        "print the firewall rules that send employees' web traffic to the transparent proxy "
        "(SMEDI_TRANSPARENT_LISTEN); --apply applies them, --remove removes them",
        gateway,
    )
    p.add_argument(
        "--interface", metavar="IF", help="employees' interface (default: SMEDI_GATEWAY_INTERFACE)"
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--nft", action="store_true", help="nftables, table inet smedi (the default)")
    which.add_argument("--iptables", action="store_true", help="iptables and ip6tables, SMEDI_* chains")
    p.add_argument(
        "--drop-doh",
        action="store_true",
        help="also drop DNS over HTTPS/TLS (TCP/UDP 443 and 853) to well-known public resolvers",
    )
    action = p.add_mutually_exclusive_group()
    action.add_argument("--apply", action="store_true", help="apply them (as root); applying again replaces")
    action.add_argument("--remove", action="store_true", help="remove what --apply added")
    # client addresses: who is behind an IP address in transparent mode
    p = command(
        "bind", cmd_gateway_bind, "bind an IP address to an employee or service account (servers, printers, "
        "kiosks); it wins over captive-portal sign-ins from that address", gateway
    )  # fmt: skip
    p.add_argument("ip", metavar="IP", help="one IPv4 or IPv6 address")
    p.add_argument("username", metavar="USERNAME")
    p.add_argument("--note", default="", metavar="TEXT", help="what the device is, for the other admins")
    p = command("unbind", cmd_gateway_unbind, "remove the binding of an IP address", gateway)
    p.add_argument("ip", metavar="IP")
    p = command(
        "clients", cmd_gateway_clients, "captive-portal leases and static bindings, by address", gateway
    )
    p.add_argument("--format", choices=["table", "json"], default="table")

    # byte quotas: the proxies tell the employee at 80 % and refuse at 100 %
    quota = sub.add_parser(
        "quota", help="byte quotas per employee, OPD or category", description="byte quotas per employee, "
        "OPD or category, per day, week or month in local time (SMEDI_TZ)",
    ).add_subparsers(dest="quota_command", required=True)  # fmt: skip
    p = command(
        "add", cmd_quota_add, "add a quota: one employee's traffic, an OPD's traffic (with the OPDs under "
        "it, together), or one category's traffic for each employee", quota,
    )  # fmt: skip
    p.epilog = (
        "Examples: smedi quota add --employee budi --period day --limit 2G; "
        "smedi quota add --org DISKOMINFO --period month --limit 500G; "
        "smedi quota add --category streaming --period day --limit 1.5G (each employee); "
        "smedi quota add --category streaming --org DISDIK --period week --limit 5G. "
        "A day starts at local midnight, a week on Monday, a month on the 1st."
    )
    p.add_argument(
        "--employee", metavar="USERNAME", help="this employee's traffic (with --category: only theirs)"
    )
    p.add_argument("--org", metavar="CODE", help="this OPD's traffic and its sub-units' together (with "
                   "--category: each of their employees)")  # fmt: skip
    p.add_argument("--category", metavar="SLUG", help="this category's traffic, per employee (everyone "
                   "unless --employee or --org narrows it)")  # fmt: skip
    p.add_argument("--period", required=True, choices=["day", "week", "month"], help="when it starts again")
    p.add_argument("--limit", required=True, metavar="SIZE", help="bytes up and down together: 500M, 1.5G, "
                   "2GB, 1T (powers of 1024) or a number of bytes")  # fmt: skip
    p.add_argument("--note", default="", metavar="TEXT", help="why, for the other admins")
    p = command("list", cmd_quota_list, "every quota, oldest first", quota)
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="table: sizes such as 1.5 GB (default); json: exact bytes")  # fmt: skip
    p = command("remove", cmd_quota_remove, "remove a quota (its id is in 'smedi quota list')", quota)
    p.add_argument("id", type=int, metavar="ID")
    p = command(
        "usage",
        cmd_quota_usage,
        "what each quota's employees (or OPD) have used in the current period",
        quota,
    )
    p.add_argument("--user", metavar="USERNAME", help="only the quotas that apply to this employee, as they "
                   "see them (an OPD quota shows the OPD's shared use)")  # fmt: skip
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="table: sizes such as 1.5 GB (default); json: exact bytes")  # fmt: skip

    # SAMAWA: each area's commands live in their own module
    from smedi import cli_datasets, cli_tokens

    cli_tokens.add_commands(sub, command)
    cli_datasets.add_commands(sub, command)
    return parser


def main(argv: list[str] | None = None) -> int:
    from admin.category_lists import ListError
    from admin.clients import ClientError
    from admin.directory import DirectoryError
    from admin.quotas import QuotaError
    from admin.samawa import SamawaError
    from proxy_addons.rules import RuleError
    from smedi.db import DatabaseUnavailable
    from smedi.logs import configure_logging

    # Refusals the stores explain to a person (unknown OPD, invalid rule, ...): said plainly, exit 2.
    refused = (UsageError, DirectoryError, ListError, RuleError, ClientError, QuotaError, SamawaError)

    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging()
    # SIGTERM ends a command like Ctrl-C: exit handlers run (the embedded PostgreSQL is let go of).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        settings = load_settings()
        return asyncio.run(args.handler(args, settings))
    except SettingsError as exc:
        print(f"smedi: {exc}", file=sys.stderr)
        return 2
    except refused as exc:
        print(f"smedi {args.command}: {exc}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as exc:
        print(f"smedi: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
