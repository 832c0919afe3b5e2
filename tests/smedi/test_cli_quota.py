"""`smedi quota add|list|remove|usage` as a person runs them: the real command, a real database."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from admin.directory import add_employee, add_org

SMEDI = Path(sys.executable).with_name("smedi")  # the installed command, as in .venv/bin/smedi
ACTOR = f"cli:{getpass.getuser()}"
JAKARTA = ZoneInfo("Asia/Jakarta")
GB = 1024**3


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
    await add_org(db, "BIDANG-TIK", "Bidang Teknologi Informasi", "DISKOMINFO")
    return {
        "budi": await add_employee(
            db, "budi", "kata-sandi-uji-1", org="DISKOMINFO", full_name="Budi Santoso"
        ),
        "siti": await add_employee(db, "siti", "kata-sandi-uji-1", org="BIDANG-TIK", full_name="Siti Aminah"),
    }


def run_json(*args: str, env: dict[str, str]) -> dict[str, object]:
    result = smedi(*args, "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


async def use_today(db: asyncpg.Pool, employee_id: int, category: str, amount: int) -> None:
    await db.execute(
        "INSERT INTO usage_daily_totals (day, employee_id, org_unit_id, category, bytes_up) "
        "SELECT $1, id, org_unit_id, $3, $4 FROM employees WHERE id = $2",
        datetime.now(UTC).astimezone(JAKARTA).date(), employee_id, category, amount,
    )  # fmt: skip


async def test_add_list_and_remove(env: dict[str, str], db: asyncpg.Pool, people: dict[str, int]) -> None:
    result = smedi("quota", "add", "--employee", "BUDI", "--period", "day", "--limit", "1.5G",
                   "--note", "uji coba", env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("quota 1 added: 1.5 GB (1,610,612,736 bytes) per day for employee budi")
    for args in (["--org", "DISKOMINFO", "--period", "month", "--limit", "500G"],
                 ["--category", "streaming", "--period", "week", "--limit", "2GB"],
                 ["--category", "streaming", "--org", "BIDANG-TIK", "--period", "day", "--limit", "300M"],
                 ["--category", "media-sosial", "--employee", "siti", "--period", "day",
                  "--limit", "1048576"]):  # fmt: skip
        added = smedi("quota", "add", *args, env=env)
        assert added.returncode == 0, added.stderr

    listed = run_json("quota", "list", env=env)["quotas"]
    assert isinstance(listed, list)
    assert listed[0] == {
        "id": 1, "scope": "employee", "employee": "budi", "org": None, "category": None, "period": "day",
        "limit_bytes": 3 * GB // 2, "note": "uji coba", "created_by": ACTOR,
        "created_at": listed[0]["created_at"],
    }  # fmt: skip
    fields = ("scope", "employee", "org", "category", "period", "limit_bytes")
    assert [tuple(q[f] for f in fields) for q in listed] == [
        ("employee", "budi", None, None, "day", 3 * GB // 2),
        ("org", None, "DISKOMINFO", None, "month", 500 * GB),
        ("category", None, None, "streaming", "week", 2 * GB),
        ("category", None, "BIDANG-TIK", "streaming", "day", 300 * 1024**2),
        ("category", "siti", None, "media-sosial", "day", 1048576),
    ]  # fmt: skip

    table = smedi("quota", "list", env=env)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["id", "limit", "period", "for", "by", "note"]
    assert lines[1].split()[:6] == ["1", "1.5", "GB", "per", "day", "employee"]
    assert lines[1].endswith("uji coba")
    assert "category streaming for each employee of OPD BIDANG-TIK" in lines[4]

    removed = smedi("quota", "remove", "1", env=env)
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.startswith("quota 1 removed (1.5 GB per day for employee budi)")
    assert [q["id"] for q in run_json("quota", "list", env=env)["quotas"]] == [2, 3, 4, 5]  # type: ignore[union-attr]

    rows = await db.fetch("SELECT actor, action, target FROM audit_log ORDER BY id")
    assert [(r["actor"], r["action"], r["target"]) for r in rows] == [
        *((ACTOR, "quota_added", str(n)) for n in range(1, 6)),
        (ACTOR, "quota_removed", "1"),
    ]


async def test_nothing_to_list(env: dict[str, str], people: dict[str, int]) -> None:
    result = smedi("quota", "list", env=env)
    assert result.returncode == 0 and "(no quotas)" in result.stdout
    assert run_json("quota", "list", env=env) == {"quotas": []}
    usage = smedi("quota", "usage", env=env)
    assert usage.returncode == 0 and "(no quotas)" in usage.stdout


async def test_usage_of_every_quota_and_of_one_employee(
    env: dict[str, str], db: asyncpg.Pool, people: dict[str, int]
) -> None:
    for args in (["--employee", "budi", "--period", "day", "--limit", "1000"],
                 ["--org", "DISKOMINFO", "--period", "week", "--limit", "10000"],
                 ["--category", "streaming", "--period", "month", "--limit", "1000"]):  # fmt: skip
        assert smedi("quota", "add", *args, env=env).returncode == 0
    await use_today(db, people["budi"], "", 500)
    await use_today(db, people["budi"], "streaming", 350)
    await use_today(db, people["siti"], "streaming", 1200)

    answer = run_json("quota", "usage", env=env)
    assert answer["timezone"] == "Asia/Jakarta"
    found = {q["id"]: q for q in answer["quotas"]}  # type: ignore[union-attr]
    assert found[1]["uses"] == [{"employee": "budi", "org": None, "used_bytes": 850, "limit_bytes": 1000,
                                 "percent": 85}]  # fmt: skip
    assert found[2]["uses"] == [{"employee": None, "org": "DISKOMINFO", "used_bytes": 2050,
                                 "limit_bytes": 10000, "percent": 20}]  # fmt: skip
    assert [(u["employee"], u["used_bytes"], u["percent"]) for u in found[3]["uses"]] == [
        ("siti", 1200, 120), ("budi", 350, 35)
    ]  # fmt: skip
    today = datetime.now(UTC).astimezone(JAKARTA).date()
    assert found[3]["period_start"] == today.replace(day=1).isoformat()
    resets = datetime.fromisoformat(found[1]["resets_at"])
    assert resets.astimezone(JAKARTA).hour == 0 and resets.astimezone(JAKARTA).date() > today

    mine = run_json("quota", "usage", "--user", "Siti", env=env)["quotas"]
    assert [(q["id"], q["uses"][0]["employee"] or q["uses"][0]["org"], q["uses"][0]["used_bytes"])
            for q in mine] == [(2, "DISKOMINFO", 2050), (3, "siti", 1200)]  # type: ignore[union-attr]  # fmt: skip

    table = smedi("quota", "usage", env=env)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].startswith("Quota use at ") and lines[0].endswith("(Asia/Jakarta)")
    assert lines[1].split() == ["id", "quota", "period", "who", "used", "limit", "%", "resets"]
    siti = next(line for line in lines if " siti " in line)
    assert "1.2 KB" in siti and "1000 B" in siti and "120 %" in siti
    only_budi = smedi("quota", "usage", "--user", "budi", env=env)
    assert only_budi.stdout.splitlines()[0].startswith("Quota use of budi at ")
    assert len(only_budi.stdout.splitlines()) == 5  # title, header, three quotas


async def test_a_quota_nobody_has_used_yet_is_named(env: dict[str, str], people: dict[str, int]) -> None:
    assert (
        smedi("quota", "add", "--category", "judi", "--period", "day", "--limit", "1M", env=env).returncode
        == 0
    )
    result = smedi("quota", "usage", env=env)
    assert result.returncode == 0 and "(no use yet in this period: quota 1)" in result.stdout
    none_for = smedi("quota", "usage", "--user", "budi", env=env)
    assert none_for.returncode == 0 and "(no use yet in this period: quota 1)" not in none_for.stdout


ADD = ["quota", "add"]
DAY = ["--period", "day"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([*ADD, "--employee", "nobody", *DAY, "--limit", "1G"], "unknown employee 'nobody'"),
        ([*ADD, "--org", "DINAS-X", *DAY, "--limit", "1G"], "unknown OPD 'DINAS-X'"),
        ([*ADD, "--category", "tiktok", *DAY, "--limit", "1G"], "unknown category 'tiktok'"),
        (["quota", "add", "--employee", "budi", "--period", "day", "--limit", "1,5G"],
         "limit: expected a size such as 500M, 1.5G or 2G, got '1,5G'"),
        (["quota", "add", "--employee", "budi", "--period", "day", "--limit", "0"], "got '0'"),
        ([*ADD, "--employee", "budi", *DAY, "--limit", "2000T"], "limit: at most 1024T"),
        (["quota", "add", "--employee", "budi", "--org", "DISKOMINFO", "--period", "day", "--limit", "1G"],
         "give --employee or --org, not both"),
        (["quota", "add", "--category", "streaming", "--employee", "budi", "--org", "DISKOMINFO", "--period",
          "day", "--limit", "1G"], "at most one OPD or one employee"),
        (["quota", "add", "--period", "day", "--limit", "1G"], "whose quota?"),
        (["quota", "add", "--employee", "budi", "--period", "day", "--limit", "1G", "--note", "x" * 201],
         "the note is longer than 200 characters"),
        ([*ADD, "--employee", "budi", "--period", "year", "--limit", "1G"], "invalid choice: 'year'"),
        ([*ADD, "--employee", "budi", *DAY], "the following arguments are required: --limit"),
        (["quota", "remove", "77"], "no quota 77"),
        (["quota", "remove", "x"], "invalid int value"),
        (["quota", "usage", "--user", "nobody"], "unknown employee 'nobody'"),
        (["quota", "list", "--format", "xml"], "invalid choice"),
    ],
)  # fmt: skip
async def test_refusals_exit_2_with_the_reason_and_change_nothing(
    env: dict[str, str], db: asyncpg.Pool, people: dict[str, int], args: list[str], message: str
) -> None:
    result = smedi(*args, env=env)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert await db.fetchval("SELECT count(*) FROM quotas") == 0
    assert await db.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_the_same_quota_twice_is_refused(env: dict[str, str], people: dict[str, int]) -> None:
    args = ["quota", "add", "--org", "DISKOMINFO", "--period", "week", "--limit", "1G"]
    assert smedi(*args, env=env).returncode == 0
    again = smedi(*args[:-1], "2G", env=env)
    assert again.returncode == 2 and "quota 1 already limits the same for the same period" in again.stderr


def test_help() -> None:
    for args in (["quota"], ["quota", "add"], ["quota", "list"], ["quota", "remove"], ["quota", "usage"]):
        result = smedi(*args, "--help", env=dict(os.environ))
        assert result.returncode == 0 and "usage: smedi quota" in result.stdout
    add_help = smedi("quota", "add", "--help", env=dict(os.environ)).stdout
    assert "1.5G" in add_help and "--category" in add_help and "Monday" in add_help
