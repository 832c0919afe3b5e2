"""The command line as a person runs it: real processes, a real database, exit codes and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from accounting.reports import COUNTS, GROUPINGS
from smedi.db import create_pool
from tests.usage_fixtures import write_usage


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
        (["report", "usage", "--from", "2026-02-30"], "", "argument --from: expected YYYY-MM-DD"),
        (["report", "usage", "--format", "xml"], "", "invalid choice"),
        (["report", "usage", "--by", "opd"], "", "argument --by: invalid choice: 'opd'"),
        (
            ["report", "usage", "--from", "2026-12-03", "--to", "2026-12-01"],
            "",
            "--from 2026-12-03 is after --to 2026-12-01",
        ),
        (["report", "usage", "--from", "2999-01-01"], "", "is after --to"),  # --to is today
        (
            ["report", "usage", "--date", "2026-12-01", "--to", "2026-12-02"],
            "",
            "give --date or --from/--to",
        ),
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


@pytest.fixture
async def usage_env(env: dict[str, str], database_url: str) -> dict[str, str]:
    """budi (DISKOMINFO) used 1.5 MB of streaming on 1 December 2025 and some news today; nobody signed in
    read news on 3 December 2025; the 4th is outside the range the tests ask for."""
    assert smedi("org", "add", "DISKOMINFO", "Dinas Kominfo", env=env).returncode == 0
    assert (
        smedi(
            "user", "add", "budi", "--org", "DISKOMINFO", "--password-stdin", env=env, stdin="rahasia-budi\n"
        ).returncode
        == 0
    )
    pool = await create_pool(database_url)
    try:
        budi, org = (
            await pool.fetchrow("SELECT id, org_unit_id FROM employees WHERE username = 'budi'")
        ).values()
        today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
        await write_usage(pool, [
            (today, budi, org, "news.test", "", 3, 1, 100, 2000),
            (date(2025, 12, 1), budi, org, "video.test", "streaming", 10, 0, 1024, 1571840),
            (date(2025, 12, 4), budi, org, "video.test", "streaming", 1, 0, 1, 1),
            (date(2025, 12, 3), 0, 0, "news.test", "", 2, 0, 50, 450),
        ])  # fmt: skip
    finally:
        await pool.close()
    return env


DECEMBER = ("--from", "2025-12-01", "--to", "2025-12-03")


def test_report_usage_formats(usage_env: dict[str, str]) -> None:
    data = json.loads(smedi("report", "usage", "--format", "json", env=usage_env).stdout)
    assert data["timezone"] == "Asia/Jakarta" and data["by"] == "employee" and data["from"] == data["to"]
    budi = {"username": "budi", "full_name": "", "org_code": "DISKOMINFO"}
    today = {"requests": 3, "blocked": 1, "bytes_up": 100, "bytes_down": 2000, "bytes": 2100}
    assert data["rows"] == [{**budi, **today}]
    assert data["total"] == today
    csv_out = smedi("report", "usage", "--format", "csv", env=usage_env).stdout.splitlines()
    assert csv_out == [
        "username,full_name,org_code,requests,blocked,bytes_up,bytes_down,bytes",
        "budi,,DISKOMINFO,3,1,100,2000,2100",
    ]
    table = smedi("report", "usage", env=usage_env).stdout
    assert "budi" in table and "2.1 KB" in table and "per pegawai" in table

    empty = smedi("report", "usage", "--date", "2001-01-01", env=usage_env).stdout
    assert empty.splitlines() == [
        "Penggunaan 2001-01-01 (Asia/Jakarta), per pegawai",
        "(no usage recorded on this day)",
    ]
    empty_json = json.loads(
        smedi("report", "usage", "--date", "2001-01-01", "--format", "json", env=usage_env).stdout
    )
    assert empty_json["rows"] == [] and empty_json["total"]["bytes"] == 0
    empty_csv = smedi(
        "report", "usage", "--date", "2001-01-01", "--by", "host", "--format", "csv", env=usage_env
    )
    assert empty_csv.stdout.splitlines() == ["host,requests,blocked,bytes_up,bytes_down,bytes"]


def test_report_usage_table_over_days(usage_env: dict[str, str]) -> None:
    lines = smedi("report", "usage", *DECEMBER, env=usage_env).stdout.splitlines()
    assert lines[0] == "Penggunaan 2025-12-01 – 2025-12-03 (Asia/Jakarta), per pegawai"
    assert lines[1].split() == ["username", "full_name", "org_code", *COUNTS]
    assert lines[2].split() == ["budi", "DISKOMINFO", "10", "0", "1.0", "KB", "1.5", "MB", "1.5", "MB"]
    assert lines[3].split() == ["(not", "signed", "in)", "2", "0", "50", "B", "450", "B", "500", "B"]
    assert lines[5].split() == ["total", "12", "0", "1.0", "KB", "1.5", "MB", "1.5", "MB"]
    assert len(lines) == 6


def test_report_usage_by_host_category_and_org(usage_env: dict[str, str]) -> None:
    hosts = smedi("report", "usage", *DECEMBER, "--by", "host", "--format", "csv", env=usage_env)
    assert hosts.stdout.splitlines() == [
        "host,requests,blocked,bytes_up,bytes_down,bytes",
        "video.test,10,0,1024,1571840,1572864",
        "news.test,2,0,50,450,500",
    ]
    data = json.loads(
        smedi("report", "usage", *DECEMBER, "--by", "host", "--format", "json", env=usage_env).stdout
    )
    assert [r["host"] for r in data["rows"]] == ["video.test", "news.test"]
    assert (data["from"], data["to"], data["by"]) == ("2025-12-01", "2025-12-03", "host")
    assert data["total"] == {
        "requests": 12,
        "blocked": 0,
        "bytes_up": 1074,
        "bytes_down": 1572290,
        "bytes": 1573364,
    }

    data = json.loads(
        smedi("report", "usage", *DECEMBER, "--by", "category", "--format", "json", env=usage_env).stdout
    )
    assert data["rows"] == [
        {
            "category": "streaming",
            "name_id": "Streaming video",
            "name_en": "Video streaming",
            "requests": 10,
            "blocked": 0,
            "bytes_up": 1024,
            "bytes_down": 1571840,
            "bytes": 1572864,
        },
        {
            "category": "",
            "name_id": "(tanpa kategori)",
            "name_en": "(no category)",
            "requests": 2,
            "blocked": 0,
            "bytes_up": 50,
            "bytes_down": 450,
            "bytes": 500,
        },
    ]
    categories = smedi("report", "usage", *DECEMBER, "--by", "category", "--format", "csv", env=usage_env)
    assert (
        categories.stdout.splitlines()[0]
        == "category,name_id,name_en,requests,blocked,bytes_up,bytes_down,bytes"
    )
    assert (
        categories.stdout.splitlines()[1]
        == "streaming,Streaming video,Video streaming,10,0,1024,1571840,1572864"
    )

    orgs = smedi("report", "usage", *DECEMBER, "--by", "org", "--format", "csv", env=usage_env)
    assert orgs.stdout.splitlines() == [
        "org_code,org_name,requests,blocked,bytes_up,bytes_down,bytes",
        "DISKOMINFO,Dinas Kominfo,10,0,1024,1571840,1572864",
        ",(no OPD),2,0,50,450,500",
    ]
    data = json.loads(
        smedi(
            "report", "usage", "--date", "2025-12-03", "--by", "org", "--format", "json", env=usage_env
        ).stdout
    )
    assert data["rows"] == [
        {
            "org_code": "",
            "org_name": "(no OPD)",
            "requests": 2,
            "blocked": 0,
            "bytes_up": 50,
            "bytes_down": 450,
            "bytes": 500,
        }
    ]
    assert data["from"] == data["to"] == "2025-12-03"
    table = smedi("report", "usage", *DECEMBER, "--by", "org", env=usage_env).stdout
    assert table.startswith("Penggunaan 2025-12-01 – 2025-12-03 (Asia/Jakarta), per OPD\n")


def test_report_usage_offers_every_grouping() -> None:
    help_text = smedi("report", "usage", "--help", env=dict(os.environ)).stdout
    assert "{" + ",".join(GROUPINGS) + "}" in help_text


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
