"""The policy pages (lists, rules, schedules) through the real portal and database, signed in as an admin."""

from __future__ import annotations

import io
import re
from datetime import date, time

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from markupsafe import escape

import proxy_addons.rules
from admin.i18n import CATALOGUE
from admin.policy_rules import MATCHES, SCOPES
from admin.routes import STATIC_DIR
from admin.views.lists import UPLOAD_FORMATS
from proxy_addons.rules import ACTIONS, LINT_CODES
from tests.admin.conftest import NewClient, csrf_token, sign_in, signed_in_client

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
LISTS, RULES, SCHEDULES = "/kebijakan/daftar", "/kebijakan/aturan", "/kebijakan/jadwal"
DIRTY_LIST = "\n".join(
    [
        "# judi, diperbarui hari ini",
        "judi-a.test",
        "JUDI-A.test.",  # the same name, written differently
        "http://judi-b.test/halaman",
        "tanpatld",
        "",
        "judi-c.test",
    ]
)


def escaped(text: str) -> str:
    """As Jinja writes text into a page."""
    return str(escape(text))


@pytest.fixture
async def admin(new_client: NewClient) -> tuple[TestClient, str]:
    """A browser signed in as the admin, and its CSRF token."""
    client = await new_client()
    return client, await sign_in(client, "admin")


def upload_form(
    token: str | None, category: str, content: bytes, filename: str = "judi.txt"
) -> aiohttp.FormData:
    form = aiohttp.FormData()
    if token is not None:
        form.add_field("csrf_token", token)
    form.add_field("category", category)
    form.add_field("format", "auto")
    form.add_field("list_file", io.BytesIO(content), filename=filename, content_type="text/plain")
    return form


async def upload(
    client: TestClient, token: str, category: str, content: bytes, filename: str = "judi.txt"
) -> tuple[int, str]:
    response = await client.post(LISTS, data=upload_form(token, category, content, filename))
    return response.status, await response.text()


def count(page: str, name: str) -> int:
    found = re.search(rf'id="count-{name}">(\d+)<', page)
    assert found, f"no {name} count on the page"
    return int(found.group(1))


async def active_domains(db: asyncpg.Pool, slug: str) -> set[str]:
    rows = await db.fetch(
        "SELECT d.domain FROM list_domains d JOIN category_lists l ON l.id = d.list_id AND l.active "
        "JOIN categories c ON c.id = l.category_id WHERE c.slug = $1",
        slug,
    )
    return {r["domain"] for r in rows}


async def audit_actions(db: asyncpg.Pool) -> list[tuple[str, str, str]]:
    rows = await db.fetch("SELECT actor, action, target FROM audit_log WHERE actor <> '' ORDER BY id")
    return [(r["actor"], r["action"], r["target"]) for r in rows if not r["action"].startswith("login")]


async def post(client: TestClient, path: str, form: dict[str, str]) -> tuple[int, str]:
    response = await client.post(path, data=form, allow_redirects=False)
    return response.status, await response.text()


# The pages


@pytest.mark.parametrize("path", [LISTS, RULES, SCHEDULES])
async def test_each_page_renders_and_the_nav_links_to_it(admin: tuple[TestClient, str], path: str) -> None:
    client, _token = admin
    response = await client.get(path)
    assert response.status == 200, await response.text()
    page = await response.text()
    for link in (LISTS, RULES, SCHEDULES):
        assert f'href="{link}"' in page
    assert "style=" not in page and "<script" not in page  # the CSP allows neither


async def test_the_nav_offers_the_policy_pages_to_admins_only(new_client: NewClient) -> None:
    client = await new_client()
    await sign_in(client, "pegawai")
    page = await (await client.get("/ca")).text()
    assert LISTS not in page and RULES not in page and SCHEDULES not in page


async def test_the_lists_page_shows_every_category_with_its_active_list(
    admin: tuple[TestClient, str],
) -> None:
    client, _token = admin
    page = await (await client.get(LISTS)).text()
    assert 'id="category-judi"' in page and "Perjudian" in page and "Blokir" in page
    government = page.split('id="category-pemerintahan"', 1)[1].split("</tr>", 1)[0]
    assert 'data-count="domains">2<' in government and "bawaan (seed)" in government
    assert "/kebijakan/daftar/kembalikan" not in page  # nothing to return to yet


def test_every_word_of_the_policy_pages_is_in_both_languages() -> None:
    templates = STATIC_DIR.parent / "templates"
    used = set()
    for name in ("lists/index.html", "rules/index.html", "schedules/index.html", "base.html"):
        used |= set(re.findall(r"""_\(["']([a-z0-9_]+)["']\)""", (templates / name).read_text()))
    # Keys the templates build from data: "action_" ~ r.action and the like.
    used |= (
        {f"action_{a}" for a in ACTIONS} | {f"match_{m}" for m in MATCHES} | {f"scope_{s}" for s in SCOPES}
    )
    used |= {f"format_{f}" for f in UPLOAD_FORMATS} | {f"weekday_{d}" for d in range(1, 8)}
    used |= {f"lint_{c}" for c in LINT_CODES} | {f"lint_{c}_help" for c in LINT_CODES}
    for key in sorted(used):
        assert key in CATALOGUE, key
        assert CATALOGUE[key].get("id") and CATALOGUE[key].get("en"), key


def test_the_precedence_shown_in_english_is_the_one_the_proxy_documents() -> None:
    doc = proxy_addons.rules.__doc__ or ""
    paragraph = " ".join(doc.split("\n\n", 2)[1].split())
    sentence = paragraph.split(": ", 1)[1]
    assert CATALOGUE["rules_precedence"]["en"] == sentence[0].upper() + sentence[1:]


async def test_the_rules_page_explains_the_precedence_in_the_readers_language(
    admin: tuple[TestClient, str],
) -> None:
    client, token = admin
    page = await (await client.get(RULES)).text()
    assert CATALOGUE["rules_precedence"]["id"] in page
    await client.post("/bahasa", data={"csrf_token": token, "lang": "en", "next": RULES})
    page = await (await client.get(RULES)).text()
    assert escaped(CATALOGUE["rules_precedence"]["en"]) in page


# Lists


async def test_a_dirty_list_is_imported_and_its_counts_shown(
    admin: tuple[TestClient, str], db: asyncpg.Pool
) -> None:
    client, token = admin
    status, page = await upload(client, token, "judi", DIRTY_LIST.encode())

    assert status == 200, page
    assert (count(page, "domains"), count(page, "duplicates"), count(page, "invalid")) == (3, 1, 1)
    assert (count(page, "lines"), count(page, "ignored")) == (7, 2)
    examples = page.split('id="invalid-examples"', 1)[1]
    assert "tanpatld" in examples and "no top-level domain" in examples
    assert await active_domains(db, "judi") == {"judi-a.test", "judi-b.test", "judi-c.test"}
    judi = page.split('id="category-judi"', 1)[1].split("</tr>", 1)[0]
    assert 'data-count="domains">3<' in judi and "judi.txt" in judi and 'data-count="invalid">1<' in judi
    assert await audit_actions(db) == [("admin", "list_imported", "judi")]


async def test_a_binary_file_is_refused_and_the_list_stays(
    admin: tuple[TestClient, str], db: asyncpg.Pool
) -> None:
    client, token = admin
    await upload(client, token, "judi", b"judi-a.test\n")

    status, page = await upload(client, token, "judi", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "foto.png")

    assert status == 400
    assert "foto.png: contains NUL bytes, so it is a binary file, not a text list" in page
    assert "smedi-list-" not in page  # the message names the uploaded file, not our temporary copy
    assert "Tidak ada yang diubah" in page
    assert await active_domains(db, "judi") == {"judi-a.test"}
    assert await db.fetchval("SELECT count(*) FROM category_lists WHERE source = 'foto.png'") == 0


@pytest.mark.parametrize(
    ("category", "content", "message"),
    [
        ("tidak-ada", b"judi-a.test\n", "kategori 'tidak-ada' tidak dikenal"),
        ("judi", b"", "judi.txt is empty"),
        ("judi", b"judi-a.test\ntanpatld\nlainnya\n", "2 of 3 entries (66 %) are not valid in the domains"),
        ("judi", b"# hanya komentar\n", "judi.txt has no entries, only blank lines and comments"),
    ],
)
async def test_a_refused_upload_says_why(
    admin: tuple[TestClient, str], db: asyncpg.Pool, category: str, content: bytes, message: str
) -> None:
    client, token = admin
    status, page = await upload(client, token, category, content)
    assert status == 400
    assert escaped(message) in page
    assert await active_domains(db, "judi") == set()


async def test_an_upload_without_a_file_is_a_400(admin: tuple[TestClient, str]) -> None:
    client, token = admin
    status, page = await post(client, LISTS, {"csrf_token": token, "category": "judi", "format": "auto"})
    assert status == 400 and "pilih berkas daftar" in page


async def test_roll_back_returns_to_the_previous_list(
    admin: tuple[TestClient, str], db: asyncpg.Pool
) -> None:
    client, token = admin
    await upload(client, token, "judi", b"judi-lama.test\n", "lama.txt")
    _status, page = await upload(client, token, "judi", b"judi-baru.test\n", "baru.txt")
    assert 'action="/kebijakan/daftar/kembalikan"' in page

    status, _page = await post(client, f"{LISTS}/kembalikan", {"csrf_token": token, "category": "judi"})

    assert status == 303
    assert await active_domains(db, "judi") == {"judi-lama.test"}
    page = await (await client.get(LISTS)).text()
    assert "lama.txt" in page.split('id="category-judi"', 1)[1].split("</tr>", 1)[0]
    assert [a for _actor, a, _target in await audit_actions(db)][-1] == "list_rolled_back"


async def test_roll_back_without_an_earlier_list_is_a_400(admin: tuple[TestClient, str]) -> None:
    client, token = admin
    status, page = await post(client, f"{LISTS}/kembalikan", {"csrf_token": token, "category": "judi"})
    assert status == 400
    assert "tidak punya daftar sebelumnya untuk dikembalikan" in page
    assert 'name="next" value="/kebijakan/daftar"' in page  # the language switch returns to a GET page


async def test_search_shows_which_lists_hold_a_domain(admin: tuple[TestClient, str]) -> None:
    client, token = admin
    await upload(client, token, "judi", b"judi-a.test\n")

    page = await (await client.get(LISTS, params={"domain": "WWW.Semarangkota.go.id"})).text()
    found = page.split('id="search"', 1)[1].split("</section>", 1)[0]
    assert "pemerintahan" in found and "semarangkota.go.id" in found and "judi" not in found

    page = await (await client.get(LISTS, params={"domain": "m.judi-a.test"})).text()
    assert "judi-a.test" in page.split('id="search"', 1)[1].split("</section>", 1)[0]

    page = await (await client.get(LISTS, params={"domain": "tidak-ada.test"})).text()
    assert "Tidak ada daftar aktif yang memuat domain ini." in page

    response = await client.get(LISTS, params={"domain": "bukan nama"})
    assert response.status == 400 and "bukan nama host" in await response.text()


async def test_a_list_larger_than_a_form_may_be_uploaded_but_only_there(
    admin: tuple[TestClient, str], db: asyncpg.Pool, new_client: NewClient
) -> None:
    client, token = admin
    big = "".join(f"judi-{n:07d}.test\n" for n in range(100_000)).encode()  # 1.8 MB: over the 1 MB forms
    assert len(big) > 1024 * 1024

    status, page = await upload(client, token, "judi", big)
    assert status == 200, page[:300]
    assert count(page, "domains") == 100_000
    assert len(await active_domains(db, "judi")) == 100_000

    form = io.BytesIO(f"csrf_token={token}&note=".encode() + b"x" * len(big))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = await client.post(RULES, data=form, headers=headers)
    assert response.status == 413
    assert "Berkas atau formulir terlalu besar" in await response.text()

    stranger = await new_client()  # not signed in: sent to the sign-in page before the body is read
    response = await stranger.post(LISTS, data=upload_form(None, "judi", big), allow_redirects=False)
    assert response.status == 303


# Rules


async def test_an_invalid_expression_is_refused_with_the_reason_and_nothing_saved(
    admin: tuple[TestClient, str], db: asyncpg.Pool
) -> None:
    client, token = admin
    form = {
        "csrf_token": token, "action": "block", "match": "url_regex", "value": r"(judi)\1",
        "scope": "role", "scope_value": "employee", "schedule": "jam-kerja", "note": "uji", "position": "",
    }  # fmt: skip
    status, page = await post(client, RULES, form)

    assert status == 400
    assert "backreference dan lookaround tidak didukung" in page
    assert 'value="(judi)\\1"' in page  # kept as typed
    assert '<option value="url_regex" selected>' in page and '<option value="role" selected>' in page
    assert '<option value="jam-kerja" selected>' in page and 'name="scope_value" value="employee"' in page
    assert await db.fetchval("SELECT count(*) FROM rules") == 0
    assert await audit_actions(db) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scope": "org", "scope_value": "TIDAK-ADA"}, "yang disebut tidak ada"),
        ({"match": "category", "value": "tidak-ada"}, "yang disebut tidak ada"),
        ({"schedule": "tidak-ada"}, "yang disebut tidak ada"),
        ({"match": "url_prefix", "action": "passthrough"}, "teruskan tanpa dekripsi hanya untuk kecocokan"),
        ({"position": "0"}, "position: harus bilangan bulat dari 1"),
        ({"position": "99999999999"}, "position: harus bilangan bulat dari 1"),
        ({"value": ""}, "aturan ini tidak cocok dengan apa pun"),
        ({"action": "hapus-semua"}, "tindakan 'hapus-semua' tidak dikenal"),
    ],
)
async def test_a_refused_rule_says_why(
    admin: tuple[TestClient, str], db: asyncpg.Pool, changes: dict[str, str], message: str
) -> None:
    client, token = admin
    form = {
        "csrf_token": token,
        "action": "block",
        "match": "domain",
        "value": "youtube.com",
        "scope": "everyone",
    }
    status, page = await post(client, RULES, {**form, **changes})
    assert status == 400, page
    assert escaped(message) in page
    assert await db.fetchval("SELECT count(*) FROM rules") == 0


async def test_add_disable_enable_and_delete_a_rule(admin: tuple[TestClient, str], db: asyncpg.Pool) -> None:
    client, token = admin
    form = {
        "csrf_token": token, "action": "block", "match": "domain", "value": "WWW.YouTube.com",
        "scope": "everyone", "scope_value": "left over from another scope", "schedule": "jam-kerja",
        "note": "fokus bekerja",
    }  # fmt: skip
    status, _page = await post(client, RULES, form)
    assert status == 303
    rule_id = await db.fetchval("SELECT id FROM rules")
    page = await (await client.get(RULES)).text()
    row = page.split(f'id="rule-{rule_id}"', 1)[1].split("</tr>", 1)[0]
    assert (
        "www.youtube.com" in row and "jam-kerja" in row and "fokus bekerja" in row and "Semua pegawai" in row
    )

    assert (await post(client, f"{RULES}/status", {"csrf_token": token, "id": str(rule_id), "enabled": "0"}))[
        0
    ] == 303
    assert await db.fetchval("SELECT enabled FROM rules WHERE id = $1", rule_id) is False
    page = await (await client.get(RULES)).text()
    assert "Aktifkan" in page.split(f'id="rule-{rule_id}"', 1)[1].split("</tr>", 1)[0]
    assert (await post(client, f"{RULES}/status", {"csrf_token": token, "id": str(rule_id), "enabled": "1"}))[
        0
    ] == 303
    assert await db.fetchval("SELECT enabled FROM rules WHERE id = $1", rule_id) is True

    assert (await post(client, f"{RULES}/hapus", {"csrf_token": token, "id": str(rule_id)}))[0] == 303
    assert await db.fetchval("SELECT count(*) FROM rules") == 0
    assert await audit_actions(db) == [
        ("admin", "rule_added", str(rule_id)),
        ("admin", "rule_disabled", str(rule_id)),
        ("admin", "rule_enabled", str(rule_id)),
        ("admin", "rule_deleted", str(rule_id)),
    ]
    status, page = await post(client, f"{RULES}/hapus", {"csrf_token": token, "id": str(rule_id)})
    assert status == 400 and f"tidak ada aturan nomor {rule_id}" in page


async def test_a_rule_added_at_a_position_goes_before_the_rules_from_there(
    admin: tuple[TestClient, str], db: asyncpg.Pool
) -> None:
    client, token = admin
    base = {"csrf_token": token, "action": "block", "match": "domain", "scope": "everyone"}
    await post(client, RULES, {**base, "value": "pertama.test"})
    await post(client, RULES, {**base, "value": "kedua.test"})
    await post(client, RULES, {**base, "value": "didahulukan.test", "action": "allow", "position": "1"})
    order = [r["pattern"] for r in await db.fetch("SELECT pattern FROM rules ORDER BY position")]
    assert order == ["didahulukan.test", "pertama.test", "kedua.test"]
    page = await (await client.get(RULES)).text()
    assert page.index("didahulukan.test") < page.index("pertama.test") < page.index("kedua.test")


@pytest.mark.parametrize("form", [{}, {"id": "abc"}, {"id": "-1"}, {"id": "99999999999"}])
async def test_a_rule_button_without_a_usable_id_is_a_400(
    admin: tuple[TestClient, str], form: dict[str, str]
) -> None:
    client, token = admin
    for path in (f"{RULES}/status", f"{RULES}/hapus", f"{RULES}/pindah"):
        status, page = await post(client, path, {"csrf_token": token, **form})
        assert status == 400 and "id:" in page


def rule_row(page: str, rule_id: int) -> str:
    return page.split(f'id="rule-{rule_id}"', 1)[1].split("</tr>", 1)[0]


async def add_rules(client: TestClient, token: str, db: asyncpg.Pool, *values: str) -> list[int]:
    """Domain block rules at the end, in the order given; their ids."""
    for value in values:
        form = {"csrf_token": token, "action": "block", "match": "domain", "value": value}
        assert (await post(client, RULES, {**form, "scope": "everyone"}))[0] == 303
    return [r["id"] for r in await db.fetch("SELECT id FROM rules ORDER BY position, id")]


async def test_move_a_rule_up_and_down(admin: tuple[TestClient, str], db: asyncpg.Pool) -> None:
    client, token = admin
    first, middle, last = await add_rules(client, token, db, "a.test", "b.test", "c.test")
    page = await (await client.get(RULES)).text()
    # The ends offer no button that would go past them.
    assert 'value="up"' not in rule_row(page, first) and 'value="down"' in rule_row(page, first)
    assert 'value="up"' in rule_row(page, last) and 'value="down"' not in rule_row(page, last)

    up = {"csrf_token": token, "id": str(last), "direction": "up"}
    response = await client.post(f"{RULES}/pindah", data=up, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == f"{RULES}#rule-{last}"
    down = {"csrf_token": token, "id": str(first), "direction": "down"}
    assert (await post(client, f"{RULES}/pindah", down))[0] == 303

    page = await (await client.get(RULES)).text()
    assert page.index("c.test") < page.index("a.test") < page.index("b.test")
    assert [a for a in await audit_actions(db) if a[1] == "rule_moved"] == [
        ("admin", "rule_moved", str(last)),
        ("admin", "rule_moved", str(first)),
    ]


@pytest.mark.parametrize(
    ("which", "direction", "message"),
    [
        (0, "up", "sudah yang pertama"),
        (1, "down", "sudah yang terakhir"),
        (0, "sideways", "arah: harus up atau down"),
        (None, "up", "tidak ada aturan nomor 999"),
    ],
)
async def test_a_move_that_cannot_be_made_is_a_400(
    admin: tuple[TestClient, str], db: asyncpg.Pool, which: int | None, direction: str, message: str
) -> None:
    client, token = admin
    ids = await add_rules(client, token, db, "a.test", "b.test")
    chosen = "999" if which is None else str(ids[which])
    form = {"csrf_token": token, "id": chosen, "direction": direction}
    status, page = await post(client, f"{RULES}/pindah", form)
    assert status == 400 and message in page
    assert [r["id"] for r in await db.fetch("SELECT id FROM rules ORDER BY position, id")] == ids
    assert "rule_moved" not in [a for _actor, a, _target in await audit_actions(db)]


async def test_the_rules_page_flags_rules_that_cannot_decide(
    admin: tuple[TestClient, str], db: asyncpg.Pool
) -> None:
    client, token = admin
    parent, child = await add_rules(client, token, db, "a.test", "m.a.test")
    category = {"csrf_token": token, "action": "block", "match": "category", "value": "game-online",
                "scope": "everyone"}  # fmt: skip
    assert (await post(client, RULES, category))[0] == 303
    empty = await db.fetchval("SELECT max(id) FROM rules")

    page = await (await client.get(RULES)).text()
    assert "data-flag" not in rule_row(page, parent)
    shadowed = rule_row(page, child)
    assert 'data-flag="shadowed"' in shadowed and CATALOGUE["lint_shadowed"]["id"] in shadowed
    assert f'<a href="#rule-{parent}">Urutan 1</a>' in shadowed  # which rule decides instead
    assert 'data-flag="empty_category"' in rule_row(page, empty)

    await client.post("/bahasa", data={"csrf_token": token, "lang": "en", "next": RULES})
    page = await (await client.get(RULES)).text()
    assert escaped(CATALOGUE["lint_empty_category_help"]["en"]) in rule_row(page, empty)


def category_row(page: str, slug: str) -> str:
    return page.split(f'id="category-{slug}"', 1)[1].split("</tr>", 1)[0]


async def test_change_a_category_default_action(admin: tuple[TestClient, str], db: asyncpg.Pool) -> None:
    client, token = admin
    page = await (await client.get(LISTS)).text()
    assert '<option value="allow" selected>' in category_row(page, "streaming")

    form = {"csrf_token": token, "category": "streaming", "action": "block"}
    response = await client.post(f"{LISTS}/tindakan", data=form, allow_redirects=False)

    assert response.status == 303 and response.headers["Location"] == f"{LISTS}#category-streaming"
    assert await db.fetchval("SELECT default_action FROM categories WHERE slug = 'streaming'") == "block"
    page = await (await client.get(LISTS)).text()
    assert '<option value="block" selected>' in category_row(page, "streaming")
    assert await audit_actions(db) == [("admin", "category_action_changed", "streaming")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"action": "hapus"}, "tindakan 'hapus' tidak dikenal"),
        ({"action": ""}, "tindakan '' tidak dikenal"),
        ({"category": "tidak-ada"}, "kategori 'tidak-ada' tidak dikenal"),
        ({"action": "x" * 17}, "action: lebih dari 16 karakter"),
    ],
)
async def test_a_refused_default_action_is_a_400(
    admin: tuple[TestClient, str], db: asyncpg.Pool, changes: dict[str, str], message: str
) -> None:
    client, token = admin
    form = {"csrf_token": token, "category": "streaming", "action": "block", **changes}
    status, page = await post(client, f"{LISTS}/tindakan", form)
    assert status == 400 and escaped(message) in page
    assert await db.fetchval("SELECT default_action FROM categories WHERE slug = 'streaming'") == "allow"
    assert await audit_actions(db) == []


# Schedules and holidays


async def test_add_a_schedule(admin: tuple[TestClient, str], db: asyncpg.Pool) -> None:
    client, token = admin
    form = {"csrf_token": token, "name": "istirahat", "starts_1": "12:00", "ends_1": "13:00",
            "starts_5": "11:30", "ends_5": "13:00"}  # fmt: skip
    status, _page = await post(client, SCHEDULES, form)

    assert status == 303
    rows = await db.fetch(
        "SELECT s.except_holidays, w.weekday, w.starts, w.ends FROM schedules s "
        "JOIN schedule_windows w ON w.schedule_id = s.id WHERE s.name = 'istirahat' ORDER BY w.weekday"
    )
    assert [tuple(r) for r in rows] == [
        (False, 1, time(12), time(13)),  # the box was not ticked: on during holidays too
        (False, 5, time(11, 30), time(13)),
    ]
    page = await (await client.get(SCHEDULES)).text()
    assert "Senin 12:00–13:00" in page and "Jumat 11:30–13:00" in page
    assert "Senin 07:30–16:00" in page  # the office hours every database starts with
    assert await audit_actions(db) == [("admin", "schedule_added", "istirahat")]
    # The rules page offers the new schedule.
    assert '<option value="istirahat">' in await (await client.get(RULES)).text()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"starts_2": "13:00", "ends_2": "12:00"},
            "hari ke-2: jendela waktu selesai (12:00) sebelum mulai (13:00)",
        ),
        ({"starts_3": "08:00"}, "hari ke-3: isi waktu mulai dan selesai, atau kosongkan keduanya"),
        ({"starts_4": "25:00", "ends_4": "26:00"}, "starts_4: waktu harus berformat JJ:MM"),
        ({"name": "jam-kerja"}, "jadwal bernama 'jam-kerja' sudah ada"),
        ({"name": ""}, "nama jadwal harus 1 sampai 80 karakter"),
        ({"name": "x" * 81}, "name: lebih dari 80 karakter"),
        ({"starts_1": "", "ends_1": ""}, "jadwal perlu setidaknya satu jendela waktu"),
    ],
)
async def test_a_refused_schedule_says_why_and_keeps_the_typed_values(
    admin: tuple[TestClient, str], db: asyncpg.Pool, changes: dict[str, str], message: str
) -> None:
    client, token = admin
    form = {
        "csrf_token": token,
        "name": "uji",
        "starts_1": "09:00",
        "ends_1": "10:00",
        "except_holidays": "1",
    }
    status, page = await post(client, SCHEDULES, {**form, **changes})
    assert status == 400, page
    assert escaped(message) in page
    typed = {**form, **changes}
    assert f'name="starts_1" value="{typed["starts_1"]}"' in page
    assert 'name="except_holidays" value="1" checked' in page
    assert await db.fetchval("SELECT count(*) FROM schedules") == 1  # jam-kerja only


async def test_add_and_remove_a_holiday(admin: tuple[TestClient, str], db: asyncpg.Pool) -> None:
    client, token = admin
    form = {"csrf_token": token, "day": "2025-08-17", "holiday_name": "Hari Kemerdekaan"}
    assert (await post(client, f"{SCHEDULES}/libur", form))[0] == 303
    assert [tuple(r) for r in await db.fetch("SELECT day, name FROM holidays")] == [
        (date(2025, 8, 17), "Hari Kemerdekaan")
    ]
    page = await (await client.get(SCHEDULES)).text()
    assert "Minggu, 2025-08-17" in page and "Hari Kemerdekaan" in page

    status, page = await post(client, f"{SCHEDULES}/libur", form)
    assert status == 400 and "2025-08-17 sudah menjadi hari libur" in page
    status, page = await post(client, f"{SCHEDULES}/libur", {**form, "day": "17-08-2025"})
    assert status == 400 and "tanggal harus berformat TTTT-BB-HH" in page and 'value="17-08-2025"' in page

    assert (await post(client, f"{SCHEDULES}/libur/hapus", {"csrf_token": token, "day": "2025-08-17"}))[
        0
    ] == 303
    assert await db.fetchval("SELECT count(*) FROM holidays") == 0
    status, page = await post(client, f"{SCHEDULES}/libur/hapus", {"csrf_token": token, "day": "2025-08-17"})
    assert status == 400 and "2025-08-17 bukan hari libur" in page
    assert await audit_actions(db) == [
        ("admin", "holiday_added", "2025-08-17"),
        ("admin", "holiday_removed", "2025-08-17"),
    ]


# CSRF and escaping


async def test_posts_without_the_csrf_token_are_refused(
    admin: tuple[TestClient, str], db: asyncpg.Pool
) -> None:
    client, _token = admin
    forms = {
        f"{LISTS}/kembalikan": {"category": "judi"},
        f"{LISTS}/tindakan": {"category": "judi", "action": "allow"},
        RULES: {"action": "block", "match": "domain", "value": "youtube.com", "scope": "everyone"},
        f"{RULES}/status": {"id": "1", "enabled": "0"},
        f"{RULES}/hapus": {"id": "1"},
        f"{RULES}/pindah": {"id": "1", "direction": "down"},
        SCHEDULES: {"name": "uji", "starts_1": "09:00", "ends_1": "10:00"},
        f"{SCHEDULES}/libur": {"day": "2025-08-17", "holiday_name": "Hari Kemerdekaan"},
        f"{SCHEDULES}/libur/hapus": {"day": "2025-08-17"},
    }
    for path, form in forms.items():
        for token in (None, "wrong-token"):
            data = form if token is None else {**form, "csrf_token": token}
            status, page = await post(client, path, data)
            assert status == 403, path
            assert "CSRF" in page
    response = await client.post(LISTS, data=upload_form(None, "judi", b"judi-a.test\n"))
    assert response.status == 403

    assert await db.fetchval("SELECT count(*) FROM rules") == 0
    assert await db.fetchval("SELECT count(*) FROM holidays") == 0
    assert await db.fetchval("SELECT count(*) FROM schedules") == 1
    assert await active_domains(db, "judi") == set()
    assert await db.fetchval("SELECT default_action FROM categories WHERE slug = 'judi'") == "block"
    assert await audit_actions(db) == []


async def test_hostile_values_are_escaped(admin: tuple[TestClient, str]) -> None:
    client, token = admin
    base = {
        "csrf_token": token,
        "action": "block",
        "match": "domain",
        "value": "youtube.com",
        "scope": "everyone",
    }
    assert (await post(client, RULES, {**base, "note": HOSTILE}))[0] == 303
    pages = [await (await client.get(RULES)).text()]
    _status, refused = await post(client, RULES, {**base, "match": "url_regex", "value": f"{HOSTILE}(\\1"})
    pages.append(refused)

    hostile_list = f"judi-a.test\n{HOSTILE}\njudi-b.test\n".encode()
    _status, uploaded = await upload(client, token, "judi", hostile_list, f"{HOSTILE}.txt")
    pages += [uploaded, await (await client.get(LISTS, params={"domain": HOSTILE})).text()]

    schedule = {"csrf_token": token, "name": HOSTILE, "starts_1": "09:00", "ends_1": "10:00"}
    assert (await post(client, SCHEDULES, schedule))[0] == 303
    holiday = {"csrf_token": token, "day": "2025-08-17", "holiday_name": HOSTILE}
    assert (await post(client, f"{SCHEDULES}/libur", holiday))[0] == 303
    pages.append(await (await client.get(SCHEDULES)).text())
    _status, refused = await post(client, SCHEDULES, {**schedule, "starts_2": HOSTILE})
    pages.append(refused)

    for page in pages:
        assert "<script>" not in page
        assert ESCAPED in page


async def test_why_answers_with_the_decision_and_the_rule(new_client: NewClient, db: asyncpg.Pool) -> None:
    admin = await signed_in_client(new_client, "admin")
    token = await csrf_token(admin, "/kebijakan/aturan")
    form = {"csrf_token": token, "action": "block", "match": "url_prefix", "value": "video.test/shorts",
            "scope": "everyone"}  # fmt: skip
    assert (await admin.post("/kebijakan/aturan", data=form)).status == 200
    page = await admin.get(
        "/kebijakan/mengapa", params={"url": "https://video.test/shorts/x", "user": "pegawai"}
    )
    text = await page.text()
    assert page.status == 200 and "Diblokir" in text and "rule:1" in text
    other = await (await admin.get("/kebijakan/mengapa", params={"url": "https://video.test/watch"})).text()
    assert "Diizinkan" in other
    bad = await admin.get("/kebijakan/mengapa", params={"url": "http://bad host/"})
    assert bad.status == 400
    hostile = await admin.get(
        "/kebijakan/mengapa", params={"url": "https://x.test/<script>alert(1)</script>"}
    )
    assert "<script>alert(1)" not in await hostile.text()
