"""`smedi gateway bind|unbind|clients` as a person runs them: the real command, a real database."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from admin import clients
from admin.directory import add_employee, add_org

SMEDI = Path(sys.executable).with_name("smedi")  # the installed command, as in .venv/bin/smedi
ACTOR = f"cli:{getpass.getuser()}"


def smedi(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SMEDI), *args], env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def env(database_url: str, smedi_home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SMEDI_HOME": str(smedi_home),
        "SMEDI_TZ": "Asia/Jakarta",
    }


@pytest.fixture
async def people(db: asyncpg.Pool) -> dict[str, int]:
    await add_org(db, "DISKOMINFO", "Dinas Komunikasi dan Informatika")
    return {
        name: await add_employee(db, name, "kata-sandi-uji-1", org="DISKOMINFO", full_name=f"Uji {name}")
        for name in ("budi", "printer-lt2")
    }


def listed(env: dict[str, str]) -> list[dict[str, object]]:
    result = smedi("gateway", "clients", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["timezone"] == "Asia/Jakarta"
    return answer["clients"]


async def test_bind_replace_list_and_unbind(
    env: dict[str, str], db: asyncpg.Pool, people: dict[str, int]
) -> None:
    result = smedi("gateway", "bind", "10.0.0.9", "printer-lt2", "--note", "Printer lantai 2", env=env)
    assert result.returncode == 0, result.stderr
    assert "10.0.0.9 bound to printer-lt2" in result.stdout
    [binding] = listed(env)
    assert binding == {
        "address": "10.0.0.9", "kind": "binding", "username": "printer-lt2", "full_name": "Uji printer-lt2",
        "since": binding["since"], "last_seen": None, "expires_at": None, "note": "Printer lantai 2",
        "created_by": ACTOR,
    }  # fmt: skip

    assert smedi("gateway", "bind", "10.0.0.9", "BUDI", env=env).returncode == 0  # replaces it
    assert [(c["username"], c["note"]) for c in listed(env)] == [("budi", "")]

    result = smedi("gateway", "unbind", "10.0.0.9", env=env)
    assert result.returncode == 0 and "10.0.0.9: binding removed" in result.stdout
    assert listed(env) == []
    table = smedi("gateway", "clients", env=env)
    assert table.returncode == 0 and "(no leases or bindings)" in table.stdout

    rows = await db.fetch("SELECT actor, action, target, details FROM audit_log ORDER BY id")
    assert [(r["actor"], r["action"], r["target"], json.loads(r["details"])["employee"]) for r in rows] == [
        (ACTOR, "client_bound", "10.0.0.9", "printer-lt2"),
        (ACTOR, "client_bound", "10.0.0.9", "budi"),
        (ACTOR, "client_unbound", "10.0.0.9", "budi"),
    ]


async def test_clients_shows_leases_and_bindings(
    env: dict[str, str], db: asyncpg.Pool, people: dict[str, int]
) -> None:
    async with db.acquire() as conn:
        await clients.start_lease(conn, "10.0.5.1", people["budi"], "budi", timedelta(hours=10))
    assert smedi("gateway", "bind", "2001:DB8::7", "printer-lt2", "--note", "kios", env=env).returncode == 0

    found = {c["address"]: c for c in listed(env)}
    assert set(found) == {"10.0.5.1", "2001:db8::7"}
    lease = found["10.0.5.1"]
    assert (lease["kind"], lease["username"], lease["created_by"]) == ("lease", "budi", None)
    assert lease["expires_at"] and lease["last_seen"] and lease["since"]

    result = smedi("gateway", "clients", "--format", "table", env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Leases and bindings (Asia/Jakarta)"
    assert lines[1].split() == ["address", "kind", "username", "since", "last_seen", "expires_at", "note"]
    lease_line = next(line for line in lines if line.startswith("10.0.5.1"))
    assert lease_line.split()[1:3] == ["lease", "budi"]
    binding_line = next(line for line in lines if line.startswith("2001:db8::7"))
    assert binding_line.split()[1:3] == ["binding", "printer-lt2"] and binding_line.endswith("kios")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gateway", "bind", "printer", "budi"], "'printer' is not an IP address"),
        (["gateway", "bind", "10.0.0.0/24", "budi"], "'10.0.0.0/24' is not an IP address"),
        (["gateway", "bind", "0.0.0.0", "budi"], "0.0.0.0 is not the address of a device"),
        (["gateway", "bind", "10.0.0.9", "nobody"], "unknown employee 'nobody'"),
        (["gateway", "bind", "10.0.0.9", "budi", "--note", "x" * 201], "longer than 200 characters"),
        (["gateway", "unbind", "10.0.0.77"], "10.0.0.77 has no binding"),
        (["gateway", "bind", "10.0.0.9"], "the following arguments are required: USERNAME"),
        (["gateway", "clients", "--format", "xml"], "invalid choice"),
    ],
)
async def test_refusals_exit_2_with_the_reason_and_change_nothing(
    env: dict[str, str], db: asyncpg.Pool, people: dict[str, int], args: list[str], message: str
) -> None:
    result = smedi(*args, env=env)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert await db.fetchval("SELECT count(*) FROM client_bindings") == 0
    assert await db.fetchval("SELECT count(*) FROM audit_log") == 0


def test_help() -> None:
    for args in (["gateway"], ["gateway", "bind"], ["gateway", "unbind"], ["gateway", "clients"]):
        result = smedi(*args, "--help", env=dict(os.environ))
        assert result.returncode == 0 and "usage: smedi gateway" in result.stdout
