"""smedi token: signed API tokens for the OPDs (SAMAWA): issue, list, revoke, uses, rotate-key."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from smedi.settings import Settings


async def cmd_token_issue(args: argparse.Namespace, settings: Settings) -> int:
    from admin.samawa import token_store
    from smedi.cli import _actor, _database, _local_minute

    async with _database(settings) as conn:
        issued = await token_store.issue(
            conn, settings, org_code=args.org, datasets=args.dataset, actions=args.action or ["submit"],
            days=args.days, note=args.note, actor=_actor(),
        )  # fmt: skip
    # The token alone on stdout, so `TOKEN=$(smedi token issue ...)` works; what it is goes to stderr.
    print(issued.token)
    print(
        f"token {issued.jti} for OPD {issued.org_code}: {', '.join(issued.actions)} on "
        f"{', '.join(issued.datasets)}, until {_local_minute(issued.expires_at, settings)} "
        f"({settings.tz.key}). "
        "It is shown only now: hand it to the OPD over a safe channel.",
        file=sys.stderr,
    )
    return 0


async def cmd_token_list(args: argparse.Namespace, settings: Settings) -> int:
    from admin.samawa import token_store
    from smedi.cli import _database, _local_minute, _print_table

    async with _database(settings) as conn:
        found = await token_store.list_tokens(conn, args.org)
    now = datetime.now(UTC)
    if args.format == "json":
        print(json.dumps({"tokens": [t.as_json(now) for t in found]}, indent=2))
        return 0
    rows = [
        [t.jti, t.org_code, t.status(now), ",".join(t.datasets), ",".join(t.actions),
         _local_minute(t.expires_at, settings), str(t.use_count), _local_minute(t.last_used_at, settings),
         t.note]
        for t in found
    ]  # fmt: skip
    columns = ["jti", "opd", "status", "datasets", "actions", "expires", "uses", "last use", "note"]
    _print_table(columns, rows, frozenset({"uses"}))
    if not found:
        print("(no tokens)")
    return 0


async def cmd_token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from admin.samawa import token_store
    from smedi.cli import _actor, _database

    async with _database(settings) as conn:
        info = await token_store.revoke(conn, args.jti, _actor())
    print(f"token {info.jti} of OPD {info.org_code} revoked: refused from the next request on")
    return 0


async def cmd_token_uses(args: argparse.Namespace, settings: Settings) -> int:
    from admin.samawa import token_store
    from smedi.cli import _database, _local_minute, _print_table

    async with _database(settings) as conn:
        found = await token_store.uses(conn, args.jti, args.limit)
    if args.format == "json":
        uses = [
            {"at": u.at.isoformat(), "ip": u.ip, "dataset": u.dataset, "outcome": u.outcome} for u in found
        ]
        print(json.dumps({"jti": args.jti.strip().lower(), "uses": uses}, indent=2))
        return 0
    rows = [[_local_minute(u.at, settings), u.ip or "-", u.dataset, u.outcome] for u in found]
    _print_table(["time", "ip", "dataset", "outcome"], rows)
    if not found:
        print("(no uses)")
    return 0


async def cmd_token_rotate_key(_args: argparse.Namespace, settings: Settings) -> int:
    from admin.samawa import signing_keys
    from smedi.cli import _actor, _database

    async with _database(settings) as conn:
        kid = await signing_keys.rotate(conn, settings, _actor())
    print(f"signing key {kid} signs from now on; tokens signed with older keys stay valid until they expire")
    return 0


def add_commands(
    sub: argparse._SubParsersAction[Any], command: Callable[..., argparse.ArgumentParser]
) -> None:
    """Add this area's commands; `command(name, handler, help, parent)` is smedi.cli's helper."""
    token = sub.add_parser(
        "token", help="signed API tokens for the OPDs (SAMAWA)", description="Ed25519-signed API tokens "
        "with which an OPD delivers its datasets: scoped to datasets and actions, at most 180 days",
    ).add_subparsers(dest="token_command", required=True)  # fmt: skip
    p = command("issue", cmd_token_issue, "issue a token for an OPD; prints the token alone on stdout", token)
    p.epilog = (
        "Example: smedi token issue --org DINSOS --dataset kemiskinan-kelurahan penerima-bansos --days 90. "
        "The token is shown once and never stored; its id (jti) is what list, uses and revoke take."
    )
    p.add_argument("--org", required=True, metavar="CODE", help="the OPD the token speaks for (sub)")
    p.add_argument("--dataset", required=True, nargs="+", action="extend", metavar="SLUG",
                   help="datasets of that OPD the token may deliver")  # fmt: skip
    p.add_argument("--days", default="90", metavar="N", help="lifetime in days, 1 to 180 (default 90)")
    p.add_argument("--action", nargs="+", action="extend", choices=["submit", "read"],
                   help="what the token may do (default: submit)")  # fmt: skip
    p.add_argument("--note", default="", metavar="TEXT", help="what it is for, for the other Walidata")
    p = command("list", cmd_token_list, "every token with its status, newest first", token)
    p.add_argument("--org", metavar="CODE", help="only this OPD's tokens")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p = command("revoke", cmd_token_revoke, "revoke a token at once (its id is in 'smedi token list')", token)
    p.add_argument("jti", metavar="JTI")
    p = command("uses", cmd_token_uses, "a token's uses, newest first: time, IP, dataset, outcome", token)
    p.add_argument("jti", metavar="JTI")
    p.add_argument("--limit", type=int, default=500, metavar="N", help="at most this many (default 500)")
    p.add_argument("--format", choices=["table", "json"], default="table")
    command(
        "rotate-key", cmd_token_rotate_key, "make a new signing key; tokens signed with the old one stay "
        "valid until they expire", token,
    )  # fmt: skip
