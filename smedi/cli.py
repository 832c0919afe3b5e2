"""The `smedi` command line. Misuse exits 2 with a clear message; runtime failures exit 1."""

from __future__ import annotations

import argparse
import asyncio
import csv
import dataclasses
import getpass
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import date

from smedi.settings import Settings, SettingsError, load_settings

Handler = Callable[[argparse.Namespace, Settings], Awaitable[int]]


class UsageError(Exception):
    """Bad input from the person at the keyboard: printed, exit 2."""


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def with_database(settings: Settings) -> Settings:
    """The settings with a database URL: DATABASE_URL, or the embedded server under SMEDI_HOME."""
    if settings.database_url:
        return settings
    from smedi.embedded import start_embedded

    return dataclasses.replace(settings, database_url=start_embedded(settings.pgdata_dir))


async def _connect(settings: Settings):  # type: ignore[no-untyped-def]
    from smedi.db import connect, migrate

    conn = await connect(with_database(settings).database_url or "")
    await migrate(conn)
    return conn


async def cmd_up(_args: argparse.Namespace, settings: Settings) -> int:
    from smedi.supervisor import run_all

    return await run_all(settings)


async def cmd_proxy(_args: argparse.Namespace, settings: Settings) -> int:
    from smedi.proxy import run_proxy

    settings = with_database(settings)
    await _migrate(settings)
    await run_proxy(settings)
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


async def _migrate(settings: Settings) -> None:
    conn = await _connect(settings)
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
    from admin.directory import DirectoryError, add_org

    conn = await _connect(settings)
    try:
        async with conn.transaction():
            await add_org(conn, args.code, args.name, args.parent)
            await audit.record(
                conn, _actor(), "org_added", args.code, {"name": args.name, "parent": args.parent}
            )
    except DirectoryError as exc:
        raise UsageError(str(exc)) from None
    finally:
        await conn.close()
    print(f"OPD {args.code} added")
    return 0


async def cmd_user_add(args: argparse.Namespace, settings: Settings) -> int:
    from admin import audit
    from admin.directory import DirectoryError, add_employee

    if not args.password_stdin:
        raise UsageError("give the password on standard input with --password-stdin (never as an argument)")
    password = sys.stdin.readline().rstrip("\r\n")
    conn = await _connect(settings)
    try:
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
                {"org": args.org, "roles": args.role or ["employee"]},
            )
    except DirectoryError as exc:
        raise UsageError(str(exc)) from None
    finally:
        await conn.close()
    print(f"employee {args.username.lower()} added")
    return 0


async def cmd_policy(args: argparse.Namespace, settings: Settings) -> int:
    from admin import audit, blocklist
    from proxy_addons.hostnames import InvalidHost

    try:
        domains = blocklist.normalize_domains(args.domains)
    except InvalidHost as exc:
        raise UsageError(f"not a domain: {exc}") from None
    conn = await _connect(settings)
    try:
        async with conn.transaction():
            if args.policy_command == "block":
                changed = await blocklist.block(conn, domains, args.reason, _actor())
                action = "domain_blocked"
            else:
                changed = await blocklist.unblock(conn, domains)
                action = "domain_unblocked"
            for domain in changed:
                await audit.record(conn, _actor(), action, domain, {"reason": getattr(args, "reason", "")})
    finally:
        await conn.close()
    verb = "blocked" if args.policy_command == "block" else "unblocked"
    for domain in domains:
        print(f"{domain}: {verb}" if domain in changed else f"{domain}: already {verb}, unchanged")
    return 0


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from None


async def cmd_report_usage(args: argparse.Namespace, settings: Settings) -> int:
    from accounting.reports import today, usage_by_employee

    day = args.date or today(settings.tz)
    conn = await _connect(settings)
    try:
        rows = await usage_by_employee(conn, day, settings.tz)
    finally:
        await conn.close()
    columns = ["username", "full_name", "org_code", "requests", "blocked", "bytes_up", "bytes_down"]
    if args.format == "json":
        print(
            json.dumps(
                {
                    "date": day.isoformat(),
                    "timezone": settings.tz.key,
                    "employees": [{c: r[c] for c in columns} for r in rows],
                },
                indent=2,
            )
        )
    elif args.format == "csv":
        out = csv.writer(sys.stdout)
        out.writerow(columns)
        out.writerows([r[c] for c in columns] for r in rows)
    else:
        print(f"Penggunaan {day.isoformat()} ({settings.tz.key})")
        widths = [max([len(c), *(len(str(r[c])) for r in rows)]) for c in columns]
        print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
        for r in rows:
            print("  ".join(str(r[c]).ljust(w) for c, w in zip(columns, widths, strict=True)))
        if not rows:
            print("(no usage recorded on this day)")
    return 0


async def cmd_audit_verify(_args: argparse.Namespace, settings: Settings) -> int:
    from admin.audit import verify_chain

    conn = await _connect(settings)
    try:
        checked, broken = await verify_chain(conn)
    finally:
        await conn.close()
    if broken is not None:
        print(
            f"audit chain BROKEN at entry {broken.row_id}: {broken.reason} "
            f"({checked} entries before it are intact)",
            file=sys.stderr,
        )
        return 1
    print(f"audit chain intact: {checked} entries verified")
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
    command("proxy", cmd_proxy, "run the proxy alone on SMEDI_PROXY_LISTEN")
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
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

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
    p = command("usage", cmd_report_usage, "usage per employee on one day (SMEDI_TZ)", report)
    p.add_argument("--date", type=_parse_date, help="YYYY-MM-DD (default: today)")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")

    audit = sub.add_parser("audit", help="the audit log").add_subparsers(dest="audit_command", required=True)
    command(
        "verify",
        cmd_audit_verify,
        "check the audit log's hash chain; exit 1 at the first broken entry",
        audit,
    )

    ca = sub.add_parser("ca", help="the organisation's CA").add_subparsers(dest="ca_command", required=True)
    p = command("export", cmd_ca_export, "print the CA certificate (PEM; --der for Windows/Android)", ca)
    p.add_argument("--der", action="store_true", help="DER (binary) instead of PEM")
    return parser


def main(argv: list[str] | None = None) -> int:
    from smedi.db import DatabaseUnavailable
    from smedi.logs import configure_logging

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
    except UsageError as exc:
        print(f"smedi {args.command}: {exc}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as exc:
        print(f"smedi: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
