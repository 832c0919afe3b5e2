"""Signing keys on a real database and a real SMEDI_HOME: made on first use, private half 0600, rotation."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import stat
from pathlib import Path

import asyncpg
import pytest

from admin.samawa import signing_keys
from smedi.settings import Settings


@pytest.fixture
def key_settings(database_url: str, smedi_home: Path) -> Settings:
    return dataclasses.replace(Settings(), database_url=database_url, home=smedi_home)


async def test_the_first_key_is_made_on_first_use_and_kept(db: asyncpg.Pool, key_settings: Settings) -> None:
    assert await signing_keys.public_keys(db) == {}
    first = await signing_keys.current_key(db, key_settings)
    again = await signing_keys.current_key(db, key_settings)
    assert again.kid == first.kid
    path = signing_keys.key_path(key_settings, first.kid)
    assert path == key_settings.home / "keys" / "samawa" / f"{first.kid}.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    stored = await db.fetchval("SELECT public_key FROM api_signing_keys WHERE kid = $1", first.kid)
    assert bytes(stored) == signing_keys.raw_public(first.public_key) and len(stored) == 32
    assert list(await signing_keys.public_keys(db)) == [first.kid]


async def test_processes_starting_together_make_one_key(db: asyncpg.Pool, key_settings: Settings) -> None:
    keys = await asyncio.gather(*(signing_keys.current_key(db, key_settings) for _ in range(5)))
    assert len({k.kid for k in keys}) == 1
    assert await db.fetchval("SELECT count(*) FROM api_signing_keys") == 1
    assert [p.name for p in signing_keys.keys_dir(key_settings).iterdir()] == [f"{keys[0].kid}.pem"]


async def test_rotation_retires_the_old_key_which_still_verifies(
    db: asyncpg.Pool, key_settings: Settings
) -> None:
    old = await signing_keys.current_key(db, key_settings)
    new_kid = await signing_keys.rotate(db, key_settings, "uji-admin", "10.1.2.3")
    assert new_kid != old.kid
    assert (await signing_keys.current_key(db, key_settings)).kid == new_kid
    keys = await signing_keys.list_keys(db)
    assert {k.kid: k.retired_at is None for k in keys} == {old.kid: False, new_kid: True}
    assert set(await signing_keys.public_keys(db)) == {old.kid, new_kid}
    assert signing_keys.key_path(key_settings, old.kid).exists()  # kept: nothing else needs it, but no harm
    row = await db.fetchrow("SELECT actor, target, details, host(client_ip) AS ip FROM audit_log "
                            "WHERE action = 'api_signing_key_rotated'")  # fmt: skip
    assert (row["actor"], row["target"], row["ip"]) == ("uji-admin", new_kid, "10.1.2.3")
    assert json.loads(row["details"]) == {"new_kid": new_kid, "retired_kid": old.kid}


async def test_rotating_before_any_key_exists_makes_the_first(
    db: asyncpg.Pool, key_settings: Settings
) -> None:
    kid = await signing_keys.rotate(db, key_settings, "uji-admin")
    assert [k.kid for k in await signing_keys.list_keys(db)] == [kid]


async def test_a_missing_private_file_is_a_clear_error(db: asyncpg.Pool, key_settings: Settings) -> None:
    key = await signing_keys.current_key(db, key_settings)
    signing_keys.key_path(key_settings, key.kid).unlink()
    with pytest.raises(signing_keys.SigningKeyError, match="rotate-key"):
        await signing_keys.current_key(db, key_settings)


async def test_a_private_file_of_another_key_is_refused(
    db: asyncpg.Pool, key_settings: Settings, tmp_path: Path
) -> None:
    key = await signing_keys.current_key(db, key_settings)
    other = dataclasses.replace(key_settings, home=tmp_path / "other")
    stranger = await signing_keys.rotate(db, other, "uji")  # another home: writes its file there
    path = signing_keys.key_path(key_settings, key.kid)
    path.unlink()
    path.write_bytes(signing_keys.key_path(other, stranger).read_bytes())
    with pytest.raises(signing_keys.SigningKeyError, match="not the private half"):
        signing_keys.read_private_key(key_settings, key.kid, signing_keys.raw_public(key.public_key))
