"""Rule order in PostgreSQL: a move swaps a rule with its neighbour, in one audited transaction."""

from __future__ import annotations

import json

import asyncpg
import pytest

from admin.policy_rules import RuleSpec, add_rule, move_rule, swapped_positions
from proxy_addons.rules import RuleError

# (id, position) in order, as rule_order_for_update returns them
DISTINCT = [(10, 1), (11, 2), (12, 5)]  # a gap, as deletions leave
TIED = [(10, 1), (11, 3), (12, 3), (13, 4)]  # ties, as two appends at once can leave


@pytest.mark.parametrize(
    ("order", "rule_id", "direction", "expected"),
    [
        (DISTINCT, 11, "up", {11: 1, 10: 2}),
        (DISTINCT, 11, "down", {11: 5, 12: 2}),
        (DISTINCT, 12, "up", {12: 2, 11: 5}),
        # Swapping 3 and 3 would change nothing: the rules are numbered 1..n in the new order instead.
        (TIED, 12, "up", {10: 1, 12: 2, 11: 3, 13: 4}),
        (TIED, 10, "down", {11: 1, 10: 2, 12: 3, 13: 4}),
    ],
)
def test_swapped_positions(
    order: list[tuple[int, int]], rule_id: int, direction: str, expected: dict[int, int]
) -> None:
    assert swapped_positions(order, rule_id, direction) == expected


@pytest.mark.parametrize(
    ("rule_id", "direction", "message"),
    [
        (10, "up", "rule 10 is already the first"),
        (12, "down", "rule 12 is already the last"),
        (99, "up", "no rule 99"),
        (11, "left", "direction: expected up or down, got 'left'"),
    ],
)
def test_a_move_past_either_end_is_refused(rule_id: int, direction: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        swapped_positions(DISTINCT, rule_id, direction)


async def order(db: asyncpg.Pool) -> list[str]:
    return [r["pattern"] for r in await db.fetch("SELECT pattern FROM rules ORDER BY position, id")]


async def test_move_rule_swaps_neighbours_and_audits(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        ids = [await add_rule(conn, RuleSpec("block", "domain", f"{n}.test"), "admin") for n in "abc"]
        await move_rule(conn, ids[2], "up", "admin")
        assert await order(db) == ["a.test", "c.test", "b.test"]
        await move_rule(conn, ids[0], "down", "admin")
        assert await order(db) == ["c.test", "a.test", "b.test"]

        for rule_id, direction in ((ids[2], "up"), (ids[1], "down")):
            with pytest.raises(RuleError, match="already the"):
                await move_rule(conn, rule_id, direction, "admin")
    assert await order(db) == ["c.test", "a.test", "b.test"]
    moves = await db.fetch("SELECT * FROM audit_log WHERE action <> 'rule_added' ORDER BY id")
    assert [(m["action"], m["target"], json.loads(m["details"])["direction"]) for m in moves] == [
        ("rule_moved", str(ids[2]), "up"),
        ("rule_moved", str(ids[0]), "down"),
    ]  # the refused moves left no trace


async def test_move_rule_gets_past_tied_positions(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        ids = [await add_rule(conn, RuleSpec("block", "domain", f"{n}.test"), "admin") for n in "abc"]
        await conn.execute("UPDATE rules SET position = 7")  # all tied: the order is the ids'
        await move_rule(conn, ids[1], "up", "admin")
    assert await order(db) == ["b.test", "a.test", "c.test"]
    positions = await db.fetch("SELECT position FROM rules ORDER BY position")
    assert [r["position"] for r in positions] == [1, 2, 3]
