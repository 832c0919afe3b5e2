"""`smedi dataset create|list|submissions|review|versions|download|diff` as the Walidata runs them: the real
command, a real database."""

from __future__ import annotations

import dataclasses
import getpass
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from admin.directory import add_org
from admin.samawa.datasets import require_dataset
from admin.samawa.submission_store import receive
from smedi.settings import Settings

SMEDI = Path(sys.executable).with_name("smedi")  # the installed command, as in .venv/bin/smedi
ACTOR = f"cli:{getpass.getuser()}"
SCHEMA = {
    "fields": [
        {"name": "kode", "type": "string"},
        {"name": "jumlah_kk", "type": "integer", "constraints": {"minimum": 0}},
    ],
    "primaryKey": ["kode"],
}


def smedi(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SMEDI), *args], env=env, capture_output=True, text=True, check=False)


def smedi_bytes(*args: str, env: dict[str, str]) -> bytes:
    """Standard output as bytes: a CSV download is compared byte for byte (CRLF included)."""
    return subprocess.run([str(SMEDI), *args], env=env, capture_output=True, check=True).stdout


@pytest.fixture
def env(database_url: str, smedi_home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SMEDI_HOME": str(smedi_home),
        "SMEDI_TZ": "Asia/Jakarta",
    }


@pytest.fixture
async def files(db: asyncpg.Pool, tmp_path: Path) -> dict[str, str]:
    await add_org(db, "DINSOS", "Dinas Sosial")
    schema, metadata = tmp_path / "schema.json", tmp_path / "meta.json"
    schema.write_text(json.dumps(SCHEMA))
    metadata.write_text(json.dumps({"konsep": "Keluarga miskin", "satuan": "KK"}))
    nik = tmp_path / "nik.json"
    nik.write_text(json.dumps({"fields": [{"name": "nik", "type": "string", "format": "nik"}]}))
    return {"schema": str(schema), "metadata": str(metadata), "nik": str(nik)}


async def deliver(
    db: asyncpg.Pool, database_url: str, home: Path, mode: str, rows: list[dict[str, object]]
) -> int:
    """A submission as the API stores it (the OPD's side: tests/admin/samawa/test_views_api.py)."""
    settings = dataclasses.replace(Settings(), database_url=database_url, home=home)
    dataset = await require_dataset(db, "keluarga-miskin")
    received = await receive(
        db,
        settings,
        dataset,
        org_unit_id=dataset.org_unit_id,
        jti=None,
        mode=mode,
        sha256=hashlib.sha256(json.dumps(rows).encode()).hexdigest(),
        rows=rows,
        idempotency_key=None,
        actor="opd:DINSOS",
    )
    return received.submission_id


async def test_define_review_and_read_versions(
    env: dict[str, str], db: asyncpg.Pool, files: dict[str, str], database_url: str, smedi_home: Path
) -> None:
    created = smedi(
        "dataset",
        "create",
        "keluarga-miskin",
        "--org",
        "DINSOS",
        "--title",
        "Keluarga miskin",
        "--schema",
        files["schema"],
        "--metadata",
        files["metadata"],
        "--topic",
        "Sosial",
        "--suppress",
        "jumlah_kk",
        "--below",
        "5",
        env=env,
    )
    assert created.returncode == 0, created.stderr
    assert (
        created.stdout.strip() == "dataset keluarga-miskin defined for OPD DINSOS (publik): kode, jumlah_kk"
    )
    stored = await db.fetchrow("SELECT metadata::text, suppression::text, created_by FROM datasets")
    assert json.loads(stored["metadata"]) == {"konsep": "Keluarga miskin", "satuan": "KK"}
    assert json.loads(stored["suppression"]) == {"fields": ["jumlah_kk"], "below": 5}
    assert stored["created_by"] == ACTOR
    assert await db.fetchval("SELECT actor FROM audit_log WHERE action = 'dataset_created'") == ACTOR

    listed = smedi("dataset", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1].split()[:5] == ["keluarga-miskin", "DINSOS", "publik", "-", "0"]

    first = await deliver(
        db,
        database_url,
        smedi_home,
        "replace",
        [{"kode": "a", "jumlah_kk": 1}, {"kode": "b", "jumlah_kk": 2}],
    )
    second = await deliver(db, database_url, smedi_home, "upsert", [{"kode": "b", "jumlah_kk": 3}])
    returned = await deliver(db, database_url, smedi_home, "append", [{"kode": "c", "jumlah_kk": 9}])
    submissions = smedi("dataset", "submissions", "keluarga-miskin", env=env)
    assert submissions.returncode == 0, submissions.stderr
    assert [line.split()[0] for line in submissions.stdout.splitlines()[1:]] == [
        str(returned),
        str(second),
        str(first),
    ]

    approved = smedi("dataset", "review", "keluarga-miskin", str(first), "--approve", env=env)
    assert approved.returncode == 0, approved.stderr
    assert approved.stdout.startswith(f"submission {first} published as version 1 of keluarga-miskin: 2 rows")
    assert smedi("dataset", "review", "keluarga-miskin", str(second), "--approve", env=env).returncode == 0
    back = smedi(
        "dataset", "review", "keluarga-miskin", str(returned), "--return", "Kode c tidak dikenal", env=env
    )
    assert back.returncode == 0, back.stderr
    again = smedi("dataset", "review", "keluarga-miskin", str(first), "--return", "terlambat", env=env)
    assert again.returncode == 2
    assert "cannot be reviewed again" in again.stderr

    as_json = json.loads(
        smedi("dataset", "submissions", "keluarga-miskin", "--format", "json", env=env).stdout
    )
    assert [(s["status"], s["version"], s["review_note"]) for s in as_json["submissions"]] == [
        ("returned", None, "Kode c tidak dikenal"),
        ("approved", 2, ""),
        ("approved", 1, ""),
    ]
    actions = [
        r[0] for r in await db.fetch("SELECT action FROM audit_log WHERE actor = $1 ORDER BY id", ACTOR)
    ]
    assert actions == [
        "dataset_created",
        "dataset_version_published",
        "dataset_version_published",
        "submission_returned",
    ]

    versions = json.loads(smedi("dataset", "versions", "keluarga-miskin", "--format", "json", env=env).stdout)
    assert versions["current_version"] == 2
    assert [(v["version"], v["row_count"]) for v in versions["versions"]] == [(2, 2), (1, 2)]
    csv_out = smedi_bytes("dataset", "download", "keluarga-miskin", "2", env=env)
    assert csv_out == b"kode,jumlah_kk\r\na,1\r\nb,3\r\n"
    assert hashlib.sha256(csv_out).hexdigest() == versions["versions"][0]["sha256"]
    json_out = json.loads(
        smedi("dataset", "download", "keluarga-miskin", "1", "--format", "json", env=env).stdout
    )
    assert json_out["rows"] == [{"kode": "a", "jumlah_kk": 1}, {"kode": "b", "jumlah_kk": 2}]

    diff = smedi("dataset", "diff", "keluarga-miskin", "1", "2", env=env)
    assert diff.returncode == 0, diff.stderr
    assert diff.stdout.splitlines() == [
        "keluarga-miskin version 1 → 2, by primary key kode: 0 added, 0 removed, 1 changed",
        '~ ["b"] jumlah_kk: 2 → 3',
    ]
    missing = smedi("dataset", "diff", "keluarga-miskin", "1", "7", env=env)
    assert missing.returncode == 2 and "no version 7" in missing.stderr


async def test_refusals_exit_2_with_the_reason(
    env: dict[str, str], db: asyncpg.Pool, files: dict[str, str]
) -> None:
    nik = smedi(
        "dataset",
        "create",
        "penduduk",
        "--org",
        "DINSOS",
        "--title",
        "Penduduk",
        "--schema",
        files["nik"],
        env=env,
    )
    assert nik.returncode == 2
    assert "publik dataset may not hold NIKs" in nik.stderr
    secret = smedi(
        "dataset",
        "create",
        "penduduk",
        "--org",
        "DINSOS",
        "--title",
        "Penduduk",
        "--schema",
        files["nik"],
        "--classification",
        "rahasia",
        env=env,
    )
    assert secret.returncode == 0, secret.stderr
    for args, reason in [
        (["--org", "TIDAK-ADA", "--schema", files["schema"]], "unknown OPD"),
        (["--org", "DINSOS", "--schema", "/tidak/ada.json"], "No such file"),
        (["--org", "DINSOS", "--schema", files["schema"], "--suppress", "kode"], "only integer or number"),
    ]:
        refused = smedi("dataset", "create", "lain", "--title", "Lain", *args, env=env)
        assert refused.returncode == 2, refused.stdout
        assert reason in refused.stderr
    unknown = smedi("dataset", "submissions", "tidak-ada", env=env)
    assert unknown.returncode == 2 and "no dataset 'tidak-ada'" in unknown.stderr
    both = smedi("dataset", "review", "penduduk", "1", env=env)
    assert both.returncode == 2 and "--approve" in both.stderr
    assert await db.fetchval("SELECT count(*) FROM datasets") == 1
