"""SAMAWA from end to end with real processes, as the README walks a newcomer through it: the Walidata
defines a dataset and issues a token (the `smedi` command line), the OPD submits a CSV with curl, the
Walidata returns it and approves the corrected one, and a citizen reads it: page, API, CKAN client,
Frictionless Data Package. Then the token is revoked and refused at once."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import ckanapi
import frictionless
import jwt
import pytest

from tests.e2e.conftest import curl, free_port, stop_child, wait_for_port

pytestmark = pytest.mark.e2e

KELURAHAN = {"resource": "wilayah_kelurahan", "fields": "kode"}  # Kemendagri codes shipped with SAMAWA
SCHEMA = {
    "fields": [
        {"name": "kode_kelurahan", "type": "string", "constraints": {"required": True}},
        {"name": "tahun", "type": "year", "constraints": {"required": True}},
        {"name": "jumlah_kk", "type": "integer", "title": "Jumlah KK miskin", "constraints": {"minimum": 0}},
    ],
    "primaryKey": ["kode_kelurahan", "tahun"],
    "foreignKeys": [{"fields": "kode_kelurahan", "reference": KELURAHAN}],
}
HEADER = "\ufeffkode_kelurahan;tahun;jumlah_kk\r\n"  # as Excel writes it in Indonesia: BOM, ';', CRLF
# Two mistakes: a code that is not a kelurahan of Semarang, and a negative count.
WRONG_CSV = HEADER + "33.74.01.1001;2024;120\r\n33.74.99.9999;2024;7\r\n33.74.01.1003;2024;-1\r\n"
RIGHT_CSV = HEADER + "33.74.01.1001;2024;120\r\n33.74.01.1002;2024;3\r\n33.74.01.1003;2024;45\r\n"


class Samawa:
    def __init__(self, env: dict[str, str], url: str, tmp: Path) -> None:
        self.env, self.url, self.tmp = env, url, tmp

    async def smedi(self, *args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "smedi", *args, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await proc.communicate()
        assert proc.returncode == 0, (args, err.decode())
        return out.decode()

    async def submit(self, token: str, csv_text: str) -> tuple[int, dict]:
        data = self.tmp / "data.csv"
        data.write_text(csv_text, encoding="utf-8")
        _, out, err = await curl(
            "-H", f"Authorization: Bearer {token}", "-H", "Content-Type: text/csv",
            "--data-binary", f"@{data}",
            f"{self.url}/api/v1/datasets/keluarga-miskin/submissions?mode=replace",
        )  # fmt: skip
        body, _, status = out.rpartition(b"\n")
        return int(status), json.loads(body)

    async def get(self, path: str) -> tuple[int, bytes]:
        _, out, _ = await curl(f"{self.url}{path}")
        body, _, status = out.rpartition(b"\n")
        return int(status), body


@pytest.fixture
async def samawa(database_url: str, tmp_path: Path) -> AsyncIterator[Samawa]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SMEDI_HOME": str(tmp_path / "home"),
        "SMEDI_PORTAL_LISTEN": f"127.0.0.1:{port}",
        "SMEDI_ADMIN_PASSWORD": "admin-rahasia-1",
    }
    log = tmp_path / "portal.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "smedi", "portal", env=env, stdout=out, stderr=asyncio.subprocess.STDOUT
        )
    try:
        await wait_for_port(port, proc, log)
        yield Samawa(env, f"http://127.0.0.1:{port}", tmp_path)
    finally:
        await stop_child(proc)


async def test_from_token_to_published_version_and_back_to_revocation(samawa: Samawa, tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    await samawa.smedi("org", "add", "DINSOS", "Dinas Sosial")
    await samawa.smedi(
        "dataset", "create", "keluarga-miskin", "--org", "DINSOS", "--title", "Keluarga miskin per kelurahan",
        "--schema", str(schema), "--topic", "Sosial", "--suppress", "jumlah_kk",
    )  # fmt: skip
    token = (await samawa.smedi("token", "issue", "--org", "DINSOS", "--dataset", "keluarga-miskin")).strip()
    assert token.count(".") == 2 and "\n" not in token  # the token alone on stdout

    status, answer = await samawa.submit(token, WRONG_CSV)
    assert status == 422 and answer["error"]["code"] == "validation_failed"
    found = {(e["row"], e["field"], e["code"]) for e in answer["error"]["details"]["errors"]}
    assert found == {
        (2, "kode_kelurahan", "foreign_key"),
        (3, "jumlah_kk", "minimum"),
    }  # all of them, at once

    status, answer = await samawa.submit(token, RIGHT_CSV)
    assert status == 201 and answer["row_count"] == 3, answer
    first = answer["submission_id"]
    jwks = json.loads((await samawa.get("/api/v1/keys"))[1])  # the OPD checks its receipt on its own
    key = jwt.PyJWK(
        next(k for k in jwks["keys"] if k["kid"] == jwt.get_unverified_header(answer["receipt"])["kid"])
    )
    receipt = jwt.decode(answer["receipt"], key, algorithms=["EdDSA"], options={"verify_aud": False})
    assert (receipt["submission_id"], receipt["sha256"], receipt["row_count"]) == (first, answer["sha256"], 3)

    await samawa.smedi("dataset", "review", "keluarga-miskin", str(first), "--return", "Tambahkan data 2023")
    assert (await samawa.get("/api/v1/public/datasets/keluarga-miskin"))[0] == 404  # nothing published yet
    status, answer = await samawa.submit(token, RIGHT_CSV + "33.74.01.1001;2023;130\r\n")
    assert status == 201
    listing = await samawa.smedi("dataset", "submissions", "keluarga-miskin")
    assert "returned" in listing and "submitted" in listing
    await samawa.smedi("dataset", "review", "keluarga-miskin", str(answer["submission_id"]), "--approve")

    # A citizen, without signing in.
    status, body = await samawa.get(
        "/api/v1/public/datasets/keluarga-miskin/data?tahun=2024&sort=-kode_kelurahan"
    )
    assert status == 200
    rows = json.loads(body)
    assert rows["total"] == 3
    counts = [(r["kode_kelurahan"], r["jumlah_kk"]) for r in rows["rows"]]
    assert counts == [("33.74.01.1003", 45), ("33.74.01.1002", None), ("33.74.01.1001", 120)]  # 3 < 5: hidden
    # Sorting or filtering by a hidden count would tell it: refused.
    assert (await samawa.get("/api/v1/public/datasets/keluarga-miskin/data?sort=jumlah_kk"))[0] == 400
    status, page = await samawa.get("/data/keluarga-miskin")
    assert status == 200 and "Keluarga miskin per kelurahan" in page.decode() and "Miroto" in page.decode()

    ckan = ckanapi.RemoteCKAN(samawa.url)
    package = await asyncio.to_thread(ckan.action.package_show, id="keluarga-miskin")
    search = await asyncio.to_thread(
        ckan.action.datastore_search, resource_id=package["resources"][0]["id"], filters={"tahun": 2023}
    )
    assert [(r["kode_kelurahan"], r["jumlah_kk"]) for r in search["records"]] == [("33.74.01.1001", 130)]

    status, archive = await samawa.get("/data/keluarga-miskin/datapackage.zip")
    assert status == 200
    package_dir = tmp_path / "package"
    zipfile.ZipFile(io.BytesIO(archive)).extractall(package_dir)
    report = await asyncio.to_thread(frictionless.validate, str(package_dir / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])

    # Revoked: refused at once, with the reason, and the refusal is in the audit log.
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    await samawa.smedi("token", "revoke", jti)
    status, answer = await samawa.submit(token, RIGHT_CSV)
    assert status == 401 and answer["error"]["code"] == "revoked"
    uses = await samawa.smedi("token", "uses", jti)
    assert "refused:revoked" in uses and "accepted" in uses
    assert "verified" in (await samawa.smedi("audit", "verify")).lower()
