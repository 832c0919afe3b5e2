"""The command line as a person runs it: real processes, a real database, exit codes and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest


def smedi(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smedi", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def env(database_url: str, smedi_home: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "SMEDI_HOME": str(smedi_home)}


def test_help_is_everywhere() -> None:
    for args in ([], ["policy"], ["user", "add"], ["report", "usage"], ["audit", "verify"], ["ca", "export"]):
        result = smedi(*args, "--help", env=dict(os.environ))
        assert result.returncode == 0 and "usage: smedi" in result.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        ([], "", "required: COMMAND"),
        (["frobnicate"], "", "invalid choice"),
        (["policy", "block"], "", "the following arguments are required: DOMAIN"),
        (["policy", "block", "bad host!"], "", "not a domain: 'bad host!'"),
        (["report", "usage", "--date", "31-12-2026"], "", "expected YYYY-MM-DD"),
        (["report", "usage", "--format", "xml"], "", "invalid choice"),
        (["user", "add", "siti", "--org", "X"], "", "--password-stdin"),
        (
            ["user", "add", "siti", "--org", "NOPE", "--password-stdin"],
            "rahasia-siti\n",
            "OPD 'NOPE' does not exist",
        ),
        (
            ["user", "add", "siti", "--org", "DISKOMINFO", "--role", "raja", "--password-stdin"],
            "rahasia-siti\n",
            "unknown role 'raja'",
        ),
        (
            ["user", "add", "siti", "--org", "DISKOMINFO", "--password-stdin"],
            "pendek\n",
            "at least 8 characters",
        ),
        (["org", "add", "BAD CODE", "Nama"], "", "OPD code 'BAD CODE'"),
        (["lists", "import", "tidak-ada", "/etc/hostname"], "", "unknown category 'tidak-ada'"),
        (["lists", "import", "judi", "/nonexistent/list.txt"], "", "the current list stays as it is"),
        (["lists", "rollback", "judi"], "", "no earlier list to return to"),
        (["lists", "search", "bad host"], "", "not a host name"),
        (["rule", "add", "--action", "block", "--regex", r"(a)\1"], "", "backreferences"),
        (["rule", "add", "--action", "block", "--domain", "x.test", "--regex", "x"], "", "exactly one of"),
        (["rule", "add", "--action", "allow", "--domain", "x.test", "--org", "NOPE"], "", "does not exist"),
        (["rule", "delete", "999"], "", "no rule 999"),
        (["policy", "test", "http://x.test/", "--at", "kemarin"], "", "expected 'YYYY-MM-DD HH:MM'"),
    ],
)
def test_misuse_exits_2_with_a_clear_message(
    env: dict[str, str], args: list[str], stdin: str, message: str
) -> None:
    assert smedi("org", "add", "DISKOMINFO", "Dinas Komunikasi dan Informatika", env=env).returncode == 0
    result = smedi(*args, env=env, stdin=stdin)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_named_and_exits_1(smedi_home: Path) -> None:
    env = {
        **os.environ,
        "SMEDI_HOME": str(smedi_home),
        "DATABASE_URL": "postgresql://smedi:hunter2@127.0.0.1:9/smedi",
    }
    result = smedi("db", "migrate", env=env)
    assert result.returncode == 1
    assert "cannot connect to PostgreSQL at smedi@127.0.0.1:9/smedi" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_a_bad_setting_stops_start_up(env: dict[str, str]) -> None:
    result = smedi("proxy", env={**env, "SMEDI_PROXY_LISTEN": "abc"})
    assert result.returncode == 2
    assert "SMEDI_PROXY_LISTEN: expected HOST:PORT, got 'abc'" in result.stderr


async def test_admin_changes_are_audited_and_the_chain_detects_tampering(
    env: dict[str, str], database_url: str
) -> None:
    assert smedi("org", "add", "BKPP", "Badan Kepegawaian", env=env).returncode == 0
    assert (
        smedi(
            "user",
            "add",
            "Siti",
            "--org",
            "BKPP",
            "--name",
            "Siti Aminah",
            "--role",
            "hr",
            "--password-stdin",
            env=env,
            stdin="rahasia-siti\n",
        ).returncode
        == 0
    )
    block = smedi("policy", "block", "Judi.Example.", "xn--bcher-kva.example", env=env)
    assert block.stdout.splitlines() == ["judi.example: blocked", "xn--bcher-kva.example: blocked"]
    again = smedi("policy", "block", "judi.example", env=env)
    assert "already blocked" in again.stdout
    ok = smedi("audit", "verify", env=env)
    assert ok.returncode == 0 and "4 entries verified" in ok.stdout

    conn = await asyncpg.connect(database_url)
    try:
        actions = [r["action"] for r in await conn.fetch("SELECT action FROM audit_log ORDER BY id")]
        assert actions == ["org_added", "employee_added", "domain_blocked", "domain_blocked"]
        hashes = await conn.fetchval("SELECT count(*) FROM employees WHERE password_hash LIKE '$argon2id$%'")
        assert hashes == 1
        await conn.execute("UPDATE audit_log SET target = 'bersih.example' WHERE id = 3")
        broken = smedi("audit", "verify", env=env)
        assert broken.returncode == 1 and "BROKEN at entry 3" in broken.stderr and "edited" in broken.stderr
        await conn.execute("UPDATE audit_log SET target = 'judi.example' WHERE id = 3")
        assert smedi("audit", "verify", env=env).returncode == 0
        await conn.execute("DELETE FROM audit_log WHERE id = 2")
        removed = smedi("audit", "verify", env=env)
        assert (
            removed.returncode == 1 and "BROKEN at entry 3" in removed.stderr and "removed" in removed.stderr
        )
    finally:
        await conn.close()


async def test_report_usage_formats(env: dict[str, str], database_url: str) -> None:
    assert smedi("org", "add", "DISKOMINFO", "Dinas Kominfo", env=env).returncode == 0
    assert (
        smedi(
            "user", "add", "budi", "--org", "DISKOMINFO", "--password-stdin", env=env, stdin="rahasia-budi\n"
        ).returncode
        == 0
    )
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO usage_hourly (hour, employee_id, host, requests, blocked, bytes_up, bytes_down) "
            "SELECT date_trunc('hour', now()), id, 'news.test', 3, 1, 100, 2000 "
            "FROM employees WHERE username = 'budi'"
        )
    finally:
        await conn.close()
    data = json.loads(smedi("report", "usage", "--format", "json", env=env).stdout)
    assert data["timezone"] == "Asia/Jakarta"
    assert data["employees"] == [
        {
            "username": "budi",
            "full_name": "",
            "org_code": "DISKOMINFO",
            "requests": 3,
            "blocked": 1,
            "bytes_up": 100,
            "bytes_down": 2000,
        }
    ]
    csv_out = smedi("report", "usage", "--format", "csv", env=env).stdout.splitlines()
    assert csv_out == [
        "username,full_name,org_code,requests,blocked,bytes_up,bytes_down",
        "budi,,DISKOMINFO,3,1,100,2000",
    ]
    table = smedi("report", "usage", env=env).stdout
    assert "budi" in table and "2000" in table
    empty = smedi("report", "usage", "--date", "2001-01-01", env=env).stdout
    assert "no usage recorded" in empty


def test_ca_export_pem_and_der(env: dict[str, str]) -> None:
    pem = smedi("ca", "export", env=env)
    assert pem.stdout.startswith("-----BEGIN CERTIFICATE-----") and "PRIVATE" not in pem.stdout
    der = subprocess.run(
        [sys.executable, "-m", "smedi", "ca", "export", "--der"],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert der.returncode == 0 and der.stdout[:1] == b"\x30"  # an ASN.1 SEQUENCE
    key = Path(env["SMEDI_HOME"]) / "certs" / "mitmproxy-ca.pem"
    assert key.stat().st_mode & 0o777 == 0o600
