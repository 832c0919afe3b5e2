"""`smedi user add --scope-org` and `smedi user scope`: roles limited to an OPD or the whole city, audited."""

from __future__ import annotations

import json
import os
from pathlib import Path

import asyncpg
import pytest

from tests.smedi.test_cli import smedi


@pytest.fixture
def env(database_url: str, smedi_home: Path) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "SMEDI_HOME": str(smedi_home)}
    for args in (["DISKOMINFO", "Dinas Komunikasi dan Informatika"], ["DINKES", "Dinas Kesehatan"],
                 ["PUSKESMAS-1", "Puskesmas Satu", "--parent", "DINKES"]):  # fmt: skip
        assert smedi("org", "add", *args, env=env).returncode == 0
    return env


async def scope_of(database_url: str, username: str) -> str | None:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval(
            "SELECT o.code FROM employees e LEFT JOIN org_units o ON o.id = e.scope_org_unit_id"
            " WHERE e.username = $1",
            username,
        )
    finally:
        await conn.close()


async def audit_rows(database_url: str, action: str) -> list[tuple[str, str, dict[str, object]]]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT actor, target, details::text AS details FROM audit_log WHERE action = $1 ORDER BY id",
            action,
        )
    finally:
        await conn.close()
    return [(r["actor"], r["target"], json.loads(r["details"])) for r in rows]


def add_inspector(env: dict[str, str], *extra: str) -> None:
    args = ["user", "add", "ina", "--org", "DISKOMINFO", "--role", "inspector", *extra, "--password-stdin"]
    result = smedi(*args, env=env, stdin="rahasia-ina-1\n")
    assert result.returncode == 0, result.stderr


async def test_user_add_with_a_scope_limits_the_roles_and_is_audited(
    env: dict[str, str], database_url: str
) -> None:
    add_inspector(env, "--scope-org", "DINKES")
    assert await scope_of(database_url, "ina") == "DINKES"
    [(actor, target, details)] = await audit_rows(database_url, "employee_scope_changed")
    assert actor.startswith("cli:") and target == "ina"
    assert details == {"scope_org": "DINKES", "previous_scope_org": None}
    [(_actor, _target, added)] = await audit_rows(database_url, "employee_added")
    assert added["scope_org"] == "DINKES"


async def test_a_user_is_the_whole_city_unless_scoped(env: dict[str, str], database_url: str) -> None:
    add_inspector(env)
    assert await scope_of(database_url, "ina") is None
    assert await audit_rows(database_url, "employee_scope_changed") == []


async def test_user_scope_moves_between_an_opd_and_the_city(env: dict[str, str], database_url: str) -> None:
    add_inspector(env)
    narrowed = smedi("user", "scope", "INA", "--org", "PUSKESMAS-1", env=env)
    assert narrowed.returncode == 0, narrowed.stderr
    assert "ina: roles now reach OPD PUSKESMAS-1" in narrowed.stdout
    assert "(before: the whole city)" in narrowed.stdout
    assert await scope_of(database_url, "ina") == "PUSKESMAS-1"

    widened = smedi("user", "scope", "ina", "--city", env=env)
    assert widened.returncode == 0, widened.stderr
    assert "roles now reach the whole city (before: OPD PUSKESMAS-1)" in widened.stdout
    assert await scope_of(database_url, "ina") is None
    rows = await audit_rows(database_url, "employee_scope_changed")
    changes = [details for _actor, _target, details in rows]
    assert changes == [
        {"scope_org": "PUSKESMAS-1", "previous_scope_org": None},
        {"scope_org": None, "previous_scope_org": "PUSKESMAS-1"},
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["user", "scope", "ina", "--org", "NOPE"], "OPD 'NOPE' does not exist"),
        (["user", "scope", "nobody", "--city"], "no employee 'nobody'"),
        (["user", "scope", "ina"], "one of the arguments --org --city is required"),
        (["user", "scope", "ina", "--org", "DINKES", "--city"], "not allowed with argument"),
    ],
)
async def test_a_wrong_scope_is_refused_clearly_and_changes_nothing(
    env: dict[str, str], database_url: str, args: list[str], message: str
) -> None:
    add_inspector(env)
    result = smedi(*args, env=env)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert await scope_of(database_url, "ina") is None
    assert await audit_rows(database_url, "employee_scope_changed") == []


async def test_user_add_with_an_unknown_scope_adds_nobody(env: dict[str, str], database_url: str) -> None:
    args = ["user", "add", "ina", "--org", "DISKOMINFO", "--scope-org", "NOPE", "--password-stdin"]
    result = smedi(*args, env=env, stdin="rahasia-ina-1\n")
    assert result.returncode == 2 and "OPD 'NOPE' does not exist" in result.stderr
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM employees WHERE username = 'ina'") == 0
    finally:
        await conn.close()
    assert await audit_rows(database_url, "employee_added") == []


def test_scope_has_help() -> None:
    result = smedi("user", "scope", "--help", env=dict(os.environ))
    assert result.returncode == 0 and "--city" in result.stdout and "--org CODE" in result.stdout
