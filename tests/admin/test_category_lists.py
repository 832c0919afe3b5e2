"""Category lists in PostgreSQL: an import replaces atomically; the previous one stays for rollback."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from admin.category_lists import ListError, import_list, roll_back, search, summaries
from admin.list_formats import parse_list


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


async def active_domains(db: asyncpg.Pool, slug: str) -> set[str]:
    rows = await db.fetch(
        "SELECT d.domain FROM list_domains d JOIN category_lists l ON l.id = d.list_id AND l.active "
        "JOIN categories c ON c.id = l.category_id WHERE c.slug = $1",
        slug,
    )
    return {r["domain"] for r in rows}


async def test_import_replace_rollback_and_search(db: asyncpg.Pool, tmp_path: Path) -> None:
    first = parse_list(write(tmp_path, "a.txt", ["judi-a.test", "judi-b.test"]))
    second = parse_list(write(tmp_path, "b.txt", ["judi-c.test", "JUDI-C.test.", "tanpatld"]))
    async with db.acquire() as conn:
        await import_list(conn, "judi", first, "a.txt", "cli:test")
        assert await active_domains(db, "judi") == {"judi-a.test", "judi-b.test"}
        await import_list(conn, "judi", second, "b.txt", "cli:test")
        assert await active_domains(db, "judi") == {"judi-c.test"}
        summary = {s["slug"]: s for s in await summaries(conn)}["judi"]
        assert (summary["source"], summary["domains"], summary["duplicates"], summary["invalid"]) == (
            "b.txt",
            1,
            1,
            1,
        )
        assert summary["can_roll_back"]

        assert [r["slug"] for r in await search(conn, "WWW.Judi-C.Test")] == ["judi"]
        assert await search(conn, "judi-a.test") == []
        await roll_back(conn, "judi", "cli:test")
        assert await active_domains(db, "judi") == {"judi-a.test", "judi-b.test"}
        assert [r["domain"] for r in await search(conn, "m.judi-a.test")] == ["judi-a.test"]

        third = parse_list(write(tmp_path, "c.txt", ["judi-d.test"]))
        await import_list(conn, "judi", third, "c.txt", "cli:test")
        versions = await conn.fetchval(
            "SELECT count(*) FROM category_lists l JOIN categories c ON c.id = l.category_id "
            "WHERE c.slug = 'judi'"
        )
        assert versions == 2  # the active one and one to return to
        actions = [r["action"] for r in await conn.fetch("SELECT action FROM audit_log ORDER BY id")]
        assert actions == ["list_imported", "list_imported", "list_rolled_back", "list_imported"]


async def test_a_failed_import_leaves_the_active_list_alone(db: asyncpg.Pool, tmp_path: Path) -> None:
    good = parse_list(write(tmp_path, "a.txt", ["judi-a.test"]))
    async with db.acquire() as conn:
        await import_list(conn, "judi", good, "a.txt", "cli:test")
        with pytest.raises(ListError, match="unknown category"):
            await import_list(conn, "tidak-ada", good, "a.txt", "cli:test")
        await conn.execute("ALTER TABLE list_domains ADD CONSTRAINT no_x CHECK (domain <> 'x.test')")
        bad = parse_list(write(tmp_path, "b.txt", ["judi-z.test", "x.test"]))
        with pytest.raises(asyncpg.CheckViolationError):
            await import_list(conn, "judi", bad, "b.txt", "cli:test")
    assert await active_domains(db, "judi") == {"judi-a.test"}
    assert await db.fetchval("SELECT count(*) FROM category_lists WHERE source = 'b.txt'") == 0


async def test_nothing_to_roll_back_to(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        with pytest.raises(ListError, match="no earlier list"):
            await roll_back(conn, "judi", "cli:test")
        with pytest.raises(ListError, match="not a host name"):
            await search(conn, "bad host")


async def test_seeded_categories_and_government_list(db: asyncpg.Pool) -> None:
    rows = {s["slug"]: s for s in await summaries(db)}
    assert {
        "judi",
        "pornografi",
        "malware",
        "media-sosial",
        "streaming",
        "game-online",
        "berbagi-file",
        "bypass",
        "perbankan",
        "kesehatan",
        "pemerintahan",
    } <= set(rows)
    assert rows["perbankan"]["default_action"] == "passthrough" and rows["judi"]["default_action"] == "block"
    found = await search(db, "dinkes.semarangkota.go.id")
    assert [(r["slug"], r["domain"]) for r in found] == [
        ("pemerintahan", "semarangkota.go.id"),
        ("pemerintahan", "go.id"),
    ]
