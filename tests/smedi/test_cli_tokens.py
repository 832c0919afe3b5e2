"""`smedi token issue|list|revoke|uses|rotate-key` as people run them: the real command, a real database."""

from __future__ import annotations

import getpass
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import asyncpg
import jwt
import pytest

from admin.directory import add_org
from admin.samawa import tokens
from admin.samawa.tokens import TokenRefused

SMEDI = Path(sys.executable).with_name("smedi")
ACTOR = f"cli:{getpass.getuser()}"


def smedi(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SMEDI), *args], env=env, capture_output=True, text=True, check=False)


def ok(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = smedi(*args, env=env)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def env(database_url: str, smedi_home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SMEDI_HOME": str(smedi_home),
        "SMEDI_TZ": "Asia/Jakarta",
    }


@pytest.fixture
async def datasets(db: asyncpg.Pool) -> None:
    for code, name, slugs in [
        ("DINSOS", "Dinas Sosial", ["kemiskinan-kelurahan", "penerima-bansos"]),
        ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", ["realisasi-apbd"]),
    ]:
        org_id = await add_org(db, code, name)
        for slug in slugs:
            await db.execute(
                "INSERT INTO datasets (slug, title, org_unit_id, schema, created_by) "
                "VALUES ($1, $1, $2, '{}'::jsonb, 'uji')",
                slug, org_id,
            )  # fmt: skip


async def test_issue_prints_the_token_alone_and_it_works(
    env: dict[str, str], db: asyncpg.Pool, datasets: None, smedi_home: Path
) -> None:
    result = ok("token", "issue", "--org", "DINSOS", "--dataset", "kemiskinan-kelurahan", "penerima-bansos",
                "--days", "30", "--note", "SIKS-NG", env=env)  # fmt: skip
    token = result.stdout.strip()
    assert result.stdout == token + "\n" and token.count(".") == 2
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    assert f"token {jti} for OPD DINSOS: submit on kemiskinan-kelurahan, penerima-bansos" in result.stderr
    assert "shown only now" in result.stderr
    claims = await tokens.authenticate(
        db, f"Bearer {token}", dataset="penerima-bansos", action="submit", client_ip="127.0.0.1"
    )
    assert (claims.jti, claims.org_code) == (jti, "DINSOS")
    [pem] = (smedi_home / "keys" / "samawa").iterdir()
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600 and pem.stem == claims.kid
    assert await db.fetchval("SELECT actor FROM audit_log WHERE action = 'api_token_issued'") == ACTOR


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "181"], "a token may live at most 180 days, not 181"),
        (["--days", "enam bulan"], "--days must be a whole number of days from 1 to 180"),
        (["--org", "DINKES"], "OPD 'DINKES' does not exist"),
        (
            ["--dataset", "realisasi-apbd"],
            "dataset 'realisasi-apbd' is produced by OPD BAPPEDA, not by DINSOS",
        ),
    ],
)
async def test_issue_refusals_exit_2_with_the_reason(
    env: dict[str, str], db: asyncpg.Pool, datasets: None, args: list[str], message: str
) -> None:
    base = {"--org": "DINSOS", "--dataset": "kemiskinan-kelurahan"}
    for flag in args[::2]:
        base.pop(flag, None)
    command = ["token", "issue", *(x for kv in base.items() for x in kv), *args]
    result = smedi(*command, env=env)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert message in result.stderr
    assert await db.fetchval("SELECT count(*) FROM api_tokens") == 0


async def test_list_revoke_and_uses(env: dict[str, str], db: asyncpg.Pool, datasets: None) -> None:
    first = ok(
        "token", "issue", "--org", "DINSOS", "--dataset", "kemiskinan-kelurahan", env=env
    ).stdout.strip()
    ok(
        "token",
        "issue",
        "--org",
        "BAPPEDA",
        "--dataset",
        "realisasi-apbd",
        "--action",
        "submit",
        "read",
        env=env,
    )
    jti = jwt.decode(first, options={"verify_signature": False})["jti"]

    listed = json.loads(ok("token", "list", "--format", "json", env=env).stdout)["tokens"]
    assert [(t["org_code"], t["status"], t["actions"]) for t in listed] == [
        ("BAPPEDA", "active", ["submit", "read"]),
        ("DINSOS", "active", ["submit"]),
    ]
    table = ok("token", "list", "--org", "DINSOS", env=env).stdout.splitlines()
    assert table[0].split()[:5] == ["jti", "opd", "status", "datasets", "actions"]
    assert len(table) == 2 and table[1].split()[:5] == [
        jti,
        "DINSOS",
        "active",
        "kemiskinan-kelurahan",
        "submit",
    ]

    await tokens.record_use(db, jti, "10.0.0.7", "kemiskinan-kelurahan", "accepted")
    revoked = ok("token", "revoke", jti, env=env)
    assert f"token {jti} of OPD DINSOS revoked" in revoked.stdout
    with pytest.raises(TokenRefused) as caught:
        await tokens.authenticate(db, f"Bearer {first}", dataset="kemiskinan-kelurahan", action="submit",
                                  client_ip="10.0.0.8")  # fmt: skip
    assert caught.value.code == "revoked"
    again = smedi("token", "revoke", jti, env=env)
    assert again.returncode == 2 and "already revoked" in again.stderr and ACTOR in again.stderr

    uses = json.loads(ok("token", "uses", jti, "--format", "json", env=env).stdout)["uses"]
    assert [(u["ip"], u["outcome"]) for u in uses] == [
        ("10.0.0.8", "refused:revoked"),
        ("10.0.0.7", "accepted"),
    ]
    table = ok("token", "uses", jti, env=env).stdout.splitlines()
    assert table[0].split() == ["time", "ip", "dataset", "outcome"] and "refused:revoked" in table[1]
    assert (
        json.loads(ok("token", "list", "--format", "json", env=env).stdout)["tokens"][1]["status"]
        == "revoked"
    )

    unknown = smedi("token", "uses", "bukan-jti", env=env)
    assert unknown.returncode == 2 and "'bukan-jti' is not a token id" in unknown.stderr


async def test_rotate_key_keeps_old_tokens_valid(
    env: dict[str, str], db: asyncpg.Pool, datasets: None
) -> None:
    old = ok("token", "issue", "--org", "DINSOS", "--dataset", "kemiskinan-kelurahan", env=env).stdout.strip()
    rotated = ok("token", "rotate-key", env=env)
    new_kid = rotated.stdout.split()[2]
    assert "tokens signed with older keys stay valid" in rotated.stdout
    new = ok("token", "issue", "--org", "DINSOS", "--dataset", "kemiskinan-kelurahan", env=env).stdout.strip()
    assert jwt.get_unverified_header(new)["kid"] == new_kid != jwt.get_unverified_header(old)["kid"]
    for token in (old, new):
        claims = await tokens.authenticate(
            db, f"Bearer {token}", dataset="kemiskinan-kelurahan", action="submit", client_ip=None
        )
        assert claims.org_code == "DINSOS"
    assert (
        await db.fetchval(
            "SELECT actor FROM audit_log WHERE action = 'api_signing_key_rotated' AND target = $1", new_kid
        )
        == ACTOR
    )


def test_empty_list(env: dict[str, str]) -> None:
    assert ok("token", "list", env=env).stdout.splitlines()[-1] == "(no tokens)"
