"""The token store on a real database: issue (shown once), list with status, revoke at once, uses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from admin.samawa import signing_keys, token_store, tokens
from admin.samawa.token_store import TokenError
from tests.admin.samawa.test_tokens import CLIENT_IP, World, issue, world

__all__ = ["world"]  # the fixture, shared with test_tokens


async def test_issue_signs_records_and_audits_without_keeping_the_token(world: World) -> None:
    issued = await issue(world, datasets=["penerima-bansos", "kemiskinan-kelurahan", "penerima-bansos"],
                         actions=["submit", "read"], days="180", note="  operator SIKS-NG  ",
                         client_ip=CLIENT_IP)  # fmt: skip
    assert issued.datasets == ("penerima-bansos", "kemiskinan-kelurahan")  # once each, in order
    assert issued.actions == ("submit", "read")
    assert issued.expires_at - datetime.now(UTC) > timedelta(days=179, hours=23)
    key = (await signing_keys.public_keys(world.db))[jwt.get_unverified_header(issued.token)["kid"]]
    claims = jwt.decode(issued.token, key, algorithms=["EdDSA"], audience=tokens.AUDIENCE)
    assert claims["sub"] == "DINSOS" and claims["jti"] == issued.jti
    assert claims["scope"] == {
        "datasets": ["penerima-bansos", "kemiskinan-kelurahan"],
        "actions": ["submit", "read"],
    }

    row = await world.db.fetchrow("SELECT * FROM api_tokens")
    assert (
        str(row["jti"]) == issued.jti and row["note"] == "operator SIKS-NG" and row["issued_by"] == "walidata"
    )
    audit = await world.db.fetchrow("SELECT actor, target, details, host(client_ip) AS ip FROM audit_log "
                                    "WHERE action = 'api_token_issued'")  # fmt: skip
    assert (audit["actor"], audit["target"], audit["ip"]) == ("walidata", issued.jti, CLIENT_IP)
    details = json.loads(audit["details"])
    assert details["org"] == "DINSOS" and details["datasets"] == ["penerima-bansos", "kemiskinan-kelurahan"]
    signature = issued.token.split(".")[2]
    dump = await world.db.fetchval(
        "SELECT string_agg(t::text, ' ') FROM (SELECT a::text AS t FROM audit_log a "
        "UNION ALL SELECT k::text FROM api_tokens k) x"
    )
    assert signature not in dump and issued.token.split(".")[1] not in dump


@pytest.mark.parametrize(
    ("changes", "key", "text"),
    [
        ({"days": 181}, "token_days_too_long", "a token may live at most 180 days, not 181"),
        ({"days": 365}, "token_days_too_long", "at most 180 days"),
        ({"days": 0}, "token_days_invalid", "from 1 to 180"),
        ({"days": "-5"}, "token_days_invalid", "from 1 to 180"),
        ({"days": "setahun"}, "token_days_invalid", "'setahun'"),
        ({"org_code": "DINKES"}, "token_unknown_org", "OPD 'DINKES' does not exist"),
        ({"datasets": []}, "token_no_dataset", "at least one dataset"),
        ({"datasets": ["  "]}, "token_no_dataset", "at least one dataset"),
        ({"datasets": ["Data Miskin"]}, "token_bad_slug", "not a dataset name"),
        ({"datasets": ["tidak-ada"]}, "token_unknown_dataset", "dataset 'tidak-ada' does not exist"),
        ({"datasets": ["realisasi-apbd"]}, "token_dataset_of_other_org",
         "dataset 'realisasi-apbd' is produced by OPD BAPPEDA, not by DINSOS"),
        ({"actions": []}, "token_no_action", "submit, read"),
        ({"actions": ["delete"]}, "token_unknown_action", "unknown action 'delete'"),
        ({"note": "x" * 201}, "token_note_too_long", "more than 200"),
    ],
)  # fmt: skip
async def test_issue_refuses_clearly_and_issues_nothing(
    world: World, changes: dict[str, object], key: str, text: str
) -> None:
    with pytest.raises(TokenError, match=text.replace("(", r"\(")) as caught:
        await issue(world, **changes)
    assert caught.value.key == key
    assert await world.db.fetchval("SELECT count(*) FROM api_tokens") == 0
    assert await world.db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'api_token_issued'") == 0


async def test_list_shows_each_tokens_status_newest_first(world: World) -> None:
    active = await issue(world)
    revoked = await issue(world, datasets=["penerima-bansos"])
    expired = await issue(world, days=1)
    await token_store.revoke(world.db, revoked.jti, "admin")
    await world.db.execute(
        "UPDATE api_tokens SET issued_at = now() - interval '3 days', expires_at = now() - interval '2 days' "
        "WHERE jti = $1", expired.jti,
    )  # fmt: skip
    await tokens.record_use(world.db, active.jti, CLIENT_IP, "kemiskinan-kelurahan", "accepted")
    now = datetime.now(UTC)
    listed = await token_store.list_tokens(world.db)
    assert [(t.jti, t.status(now)) for t in listed] == [
        (revoked.jti, "revoked"), (active.jti, "active"), (expired.jti, "expired")  # issued 3 days ago
    ]  # fmt: skip
    by_jti = {t.jti: t for t in listed}
    assert by_jti[active.jti].use_count == 1 and by_jti[active.jti].last_used_at is not None
    assert by_jti[revoked.jti].revoked_by == "admin" and by_jti[revoked.jti].use_count == 0
    as_json = by_jti[active.jti].as_json(now)
    assert as_json["status"] == "active" and as_json["org_code"] == "DINSOS"
    assert json.loads(json.dumps(as_json))["datasets"] == ["kemiskinan-kelurahan"]
    assert await token_store.list_tokens(world.db, "BAPPEDA") == []
    assert len(await token_store.list_tokens(world.db, "DINSOS")) == 3


async def test_revoke_is_audited_once_and_refuses_what_it_cannot_revoke(world: World) -> None:
    issued = await issue(world)
    info = await token_store.revoke(world.db, f"  {issued.jti.upper()} ", "admin", CLIENT_IP)
    assert info.jti == issued.jti and info.revoked_at is not None
    with pytest.raises(TokenError, match=f"token {issued.jti} was already revoked on .* by admin"):
        await token_store.revoke(world.db, issued.jti, "walidata")
    with pytest.raises(TokenError, match="there is no token"):
        await token_store.revoke(world.db, "00000000-0000-4000-8000-000000000000", "admin")
    with pytest.raises(TokenError, match="is not a token id"):
        await token_store.revoke(world.db, "eyJhbGciOi", "admin")
    rows = await world.db.fetch("SELECT actor, target, host(client_ip) AS ip FROM audit_log "
                                "WHERE action = 'api_token_revoked'")  # fmt: skip
    assert [tuple(r) for r in rows] == [("admin", issued.jti, CLIENT_IP)]


async def test_uses_of_a_token_newest_first_and_of_an_unknown_token_refused(world: World) -> None:
    issued = await issue(world)
    other = await issue(world)
    for outcome in ("accepted", "invalid", "dry_run"):
        await tokens.record_use(world.db, issued.jti, CLIENT_IP, "kemiskinan-kelurahan", outcome)
    await tokens.record_use(world.db, other.jti, CLIENT_IP, "kemiskinan-kelurahan", "accepted")
    found = await token_store.uses(world.db, issued.jti)
    assert [u.outcome for u in found] == ["dry_run", "invalid", "accepted"]
    assert all(u.ip == CLIENT_IP and u.dataset == "kemiskinan-kelurahan" for u in found)
    assert len(await token_store.uses(world.db, issued.jti, limit=2)) == 2
    with pytest.raises(TokenError, match="there is no token"):
        await token_store.uses(world.db, "00000000-0000-4000-8000-000000000000")


def test_parse_days() -> None:
    assert token_store.parse_days(None) == token_store.parse_days("") == token_store.DEFAULT_DAYS
    assert token_store.parse_days(" 180 ") == 180
    assert token_store.parse_days(1) == 1
