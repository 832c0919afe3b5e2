"""The token pages on the real portal: issue (shown once), list with status, revoke, uses, key rotation."""

from __future__ import annotations

import ast
import html
import json
import re
import string
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

import admin.i18n
from admin.directory import add_org
from admin.i18n import CATALOGUE, translator
from admin.i18n_access import ACCESS_CATALOGUE
from admin.i18n_alerts import ALERTS_CATALOGUE
from admin.i18n_dashboard import DASHBOARD_CATALOGUE
from admin.i18n_samawa import SAMAWA_CATALOGUE, TOKEN_REFUSALS
from admin.samawa import tokens
from admin.samawa.token_store import TokenError
from admin.samawa.tokens import TokenRefused
from tests.admin.conftest import NewClient, csrf_token, sign_in

TOKEN_BOX = re.compile(r'<textarea id="token-value"[^>]*>([^<]+)</textarea>')
JTI = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
async def datasets(db: asyncpg.Pool, users: dict[str, int]) -> None:
    dinsos = await add_org(db, "DINSOS", "Dinas Sosial <b>Kota</b>")
    bappeda = await add_org(db, "BAPPEDA", "Badan Perencanaan")
    for slug, org, title in [
        ("kemiskinan-kelurahan", dinsos, "Penduduk miskin per kelurahan <script>alert(1)</script>"),
        ("penerima-bansos", dinsos, "Penerima bansos"),
        ("realisasi-apbd", bappeda, "Realisasi APBD"),
    ]:
        await db.execute(
            "INSERT INTO datasets (slug, title, org_unit_id, schema, created_by) "
            "VALUES ($1, $2, $3, '{}', 'uji')",
            slug, title, org,
        )  # fmt: skip


async def walidata(new_client: NewClient, username: str = "walidata") -> tuple[TestClient, str]:
    client = await new_client()
    return client, await sign_in(client, username)


async def issue_form(client: TestClient, token: str, **fields: object) -> tuple[int, str]:
    form = {"csrf_token": token, "org": "DINSOS", "datasets": "kemiskinan-kelurahan", "actions": "submit",
            "days": "90", "note": ""} | fields  # fmt: skip
    data = [(k, v) for k, values in form.items() for v in (values if isinstance(values, list) else [values])]
    response = await client.post("/samawa/token", data=data, allow_redirects=False)
    return response.status, await response.text()


async def test_issue_shows_the_token_once_and_it_works(
    new_client: NewClient, db: asyncpg.Pool, datasets: None
) -> None:
    client, token = await walidata(new_client)
    page = await client.get("/samawa/token")
    assert page.status == 200
    text = await page.text()
    assert "Token API OPD" in text and "Belum ada token." in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert" not in text
    assert "Dinas Sosial &lt;b&gt;Kota&lt;/b&gt;" in text

    status, shown = await issue_form(
        client, token, datasets=["kemiskinan-kelurahan", "penerima-bansos"], actions=["submit", "read"],
        days="30", note="SIKS-NG <i>uji</i>",
    )  # fmt: skip
    assert status == 200, shown
    assert "Token baru — salin sekarang" in shown and "hanya ditampilkan sekali" in shown
    found = TOKEN_BOX.search(shown)
    assert found, shown
    signed = html.unescape(found.group(1)).strip()
    claims = await tokens.authenticate(
        db, f"Bearer {signed}", dataset="penerima-bansos", action="read", client_ip="127.0.0.1"
    )
    assert claims.org_code == "DINSOS" and claims.actions == ("submit", "read")
    assert "/api/v1/datasets/kemiskinan-kelurahan/submissions" in shown

    listed = await (await client.get("/samawa/token")).text()
    assert claims.jti in listed and "aktif" in listed and "SIKS-NG &lt;i&gt;uji&lt;/i&gt;" in listed
    assert signed.split(".")[2] not in listed  # never shown again
    row = await db.fetchrow("SELECT actor, target, host(client_ip) AS ip FROM audit_log "
                            "WHERE action = 'api_token_issued'")  # fmt: skip
    assert (row["actor"], row["target"], row["ip"]) == ("walidata", claims.jti, "127.0.0.1")


@pytest.mark.parametrize(
    ("fields", "indonesian", "english"),
    [
        ({"days": "181"}, "token paling lama berlaku 180 hari, bukan 181", "may live at most 180 days"),
        ({"days": "abc"}, "masa berlaku harus bilangan bulat hari dari 1 sampai 180", "--days must be"),
        ({"datasets": "realisasi-apbd"}, "diproduksi oleh OPD BAPPEDA, bukan oleh DINSOS",
         "is produced by OPD BAPPEDA, not by DINSOS"),
        ({"datasets": []}, "pilih paling sedikit satu dataset", "name at least one dataset"),
        ({"actions": []}, "pilih paling sedikit satu tindakan", "name at least one action"),
        ({"org": "X" * 40}, "org: lebih dari 32 karakter", "org: longer than 32 characters"),
    ],
)  # fmt: skip
async def test_a_refused_issue_explains_itself_in_either_language_and_keeps_the_form(
    new_client: NewClient, db: asyncpg.Pool, datasets: None, fields: dict[str, object], indonesian: str,
    english: str,
) -> None:  # fmt: skip
    client, token = await walidata(new_client)
    status, text = await issue_form(client, token, note="catatan saya", **fields)
    assert status == 400
    assert html.escape(indonesian, quote=True) in text or indonesian in html.unescape(text), text
    assert 'value="catatan saya"' in text
    assert await db.fetchval("SELECT count(*) FROM api_tokens") == 0
    await client.post("/bahasa", data={"csrf_token": token, "lang": "en", "next": "/samawa/token"})
    status, text = await issue_form(client, token, **fields)
    assert status == 400 and english in html.unescape(text)
    assert TOKEN_BOX.search(text) is None


async def test_revoke_is_immediate_audited_and_shown(
    new_client: NewClient, db: asyncpg.Pool, datasets: None
) -> None:
    client, token = await walidata(new_client, "admin")
    _status, shown = await issue_form(client, token)
    signed = html.unescape(TOKEN_BOX.search(shown).group(1)).strip()  # type: ignore[union-attr]
    jti = JTI.search(shown).group(0)  # type: ignore[union-attr]

    response = await client.post("/samawa/token/cabut", data={"csrf_token": token, "jti": jti},
                                 allow_redirects=False)  # fmt: skip
    assert response.status == 303
    assert response.headers["Location"] == f"/samawa/token?dicabut={jti}#token-{jti}"
    page = await (await client.get(response.headers["Location"])).text()
    assert f"Token {jti} dicabut" in page and "dicabut" in page
    with pytest.raises(TokenRefused) as caught:
        await tokens.authenticate(db, f"Bearer {signed}", dataset="kemiskinan-kelurahan", action="submit",
                                  client_ip="10.9.8.7")  # fmt: skip
    assert caught.value.code == "revoked"
    row = await db.fetchrow("SELECT actor, target FROM audit_log WHERE action = 'api_token_revoked'")
    assert (row["actor"], row["target"]) == ("admin", jti)

    again = await client.post("/samawa/token/cabut", data={"csrf_token": token, "jti": jti})
    assert again.status == 400 and "sudah dicabut" in await again.text()
    nonsense = await client.post("/samawa/token/cabut", data={"csrf_token": token, "jti": "<b>x</b>"})
    assert (
        nonsense.status == 400 and "&#39;&lt;b&gt;x&lt;/b&gt;&#39; bukan nomor token" in await nonsense.text()
    )
    forged_notice = await (await client.get("/samawa/token?dicabut=<b>bukan</b>")).text()
    assert "bukan</b>" not in forged_notice and "&lt;b&gt;bukan" not in forged_notice


async def test_the_uses_page_lists_time_ip_dataset_and_outcome(
    new_client: NewClient, db: asyncpg.Pool, datasets: None
) -> None:
    client, token = await walidata(new_client)
    _status, shown = await issue_form(client, token)
    signed = html.unescape(TOKEN_BOX.search(shown).group(1)).strip()  # type: ignore[union-attr]
    jti = JTI.search(shown).group(0)  # type: ignore[union-attr]
    empty = await client.get(f"/samawa/token/penggunaan?jti={jti}")
    assert empty.status == 200 and "Token ini belum pernah dipakai." in await empty.text()

    await tokens.record_use(db, jti, "10.1.1.5", "kemiskinan-kelurahan", "accepted")
    with pytest.raises(TokenRefused):
        await tokens.authenticate(db, f"Bearer {signed}", dataset="penerima-bansos", action="submit",
                                  client_ip="10.1.1.6")  # fmt: skip
    page = await client.get(f"/samawa/token/penggunaan?jti={jti}")
    text = await page.text()
    assert page.status == 200
    row = re.compile(r'<tr class="(refused|used)"><td>([^<]+)</td><td>([^<]+)</td>'
                     r"<td><code>([^<]+)</code></td><td><code>([^<]+)</code></td></tr>")  # fmt: skip
    rows = row.findall(text)
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("refused", "10.1.1.6", "penerima-bansos", "refused:dataset_not_in_scope"),
        ("used", "10.1.1.5", "kemiskinan-kelurahan", "accepted"),
    ]
    assert all(re.fullmatch(r"\d\d-\d\d-\d{4} \d\d:\d\d", r[1]) for r in rows)

    missing = await client.get("/samawa/token/penggunaan")
    assert missing.status == 400
    unknown = await client.get("/samawa/token/penggunaan?jti=00000000-0000-4000-8000-000000000000")
    assert unknown.status == 404
    bad = await client.get("/samawa/token/penggunaan?jti=<script>")
    assert bad.status == 400 and "<script>" not in await bad.text()


async def test_rotating_the_key_from_the_page(
    new_client: NewClient, db: asyncpg.Pool, datasets: None
) -> None:
    client, token = await walidata(new_client)
    _status, shown = await issue_form(client, token)
    signed = html.unescape(TOKEN_BOX.search(shown).group(1)).strip()  # type: ignore[union-attr]
    response = await client.post("/samawa/token/rotasi-kunci", data={"csrf_token": token},
                                 allow_redirects=False)  # fmt: skip
    assert response.status == 303
    kid = response.headers["Location"].split("kunci=")[1].split("#")[0]
    page = await (await client.get(response.headers["Location"])).text()
    assert f"Kunci baru {kid} kini menandatangani" in page
    assert page.count("pensiun sejak") == 1 and page.count("<strong>menandatangani</strong>") == 1
    claims = await tokens.authenticate(
        db, f"Bearer {signed}", dataset="kemiskinan-kelurahan", action="submit", client_ip=None
    )
    assert claims.kid != kid  # signed by the retired key, still valid
    details = await db.fetchval("SELECT details FROM audit_log WHERE action = 'api_signing_key_rotated'")
    assert json.loads(details)["new_kid"] == kid


@pytest.mark.parametrize("username", ["pegawai", "operator", "hr"])
async def test_other_roles_may_not_open_or_issue(
    new_client: NewClient, datasets: None, username: str
) -> None:
    client = await new_client()
    await sign_in(client, username)
    assert (await client.get("/samawa/token")).status == 403
    token = await csrf_token(client, "/ca")
    status, _text = await issue_form(client, token)
    assert status == 403


def test_every_token_refusal_reads_in_indonesian_with_the_same_fields() -> None:
    def fields(template: str) -> list[str]:
        return sorted(name for _text, name, _spec, _conv in string.Formatter().parse(template) if name)

    assert set(TOKEN_REFUSALS) == set(TokenError.MESSAGES)
    for key, english in TokenError.MESSAGES.items():
        assert fields(TOKEN_REFUSALS[key]) == fields(english), key
    refusal = TokenError("token_days_too_long", maximum=180, days=365)
    assert translator("id")(refusal) == "token paling lama berlaku 180 hari, bukan 365: terbitkan baru nanti"
    assert translator("en")(refusal) == str(refusal)


def test_no_samawa_word_replaces_another_page_word() -> None:
    """CATALOGUE.update would silently replace a word with the same key (admin/i18n.py or a feature file)."""
    module = ast.parse(Path(admin.i18n.__file__).read_text())
    [portal] = [
        n.value for n in module.body if isinstance(n, ast.AnnAssign) and ast.unparse(n.target) == "CATALOGUE"
    ]
    assert isinstance(portal, ast.Dict)
    taken = {ast.literal_eval(key) for key in portal.keys if key}
    taken |= set(ACCESS_CATALOGUE) | set(ALERTS_CATALOGUE) | set(DASHBOARD_CATALOGUE)
    assert not set(SAMAWA_CATALOGUE) & taken
    assert all(
        CATALOGUE[key] is entry and entry["id"] and entry["en"] for key, entry in SAMAWA_CATALOGUE.items()
    )
