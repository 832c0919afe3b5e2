"""The kept row orders: one computation per question however many ask at once, bounded, failures not kept."""

from __future__ import annotations

import asyncio

import pytest

from admin.samawa.row_orders import RowOrders


async def test_concurrent_askers_share_one_computation_and_later_ones_reuse_it() -> None:
    orders, calls = RowOrders(), []

    async def compute() -> list[int]:
        calls.append(1)
        await asyncio.sleep(0.01)
        return [3, 1, 2]

    answers = await asyncio.gather(*(orders.get("q", compute) for _ in range(20)))
    assert {tuple(a) for a in answers} == {(3, 1, 2)} and len(calls) == 1
    assert list(await orders.get("q", compute)) == [3, 1, 2] and len(calls) == 1
    assert (len(orders), orders.size) == (1, 3)


async def test_the_least_recently_used_go_first_when_the_budget_is_spent() -> None:
    orders = RowOrders(max_row_numbers=10, max_orders=3)

    def numbers(n: int):  # type: ignore[no-untyped-def]
        async def compute() -> list[int]:
            return list(range(n))

        return compute

    await orders.get("a", numbers(4))
    await orders.get("b", numbers(4))
    await orders.get("a", numbers(99))  # kept: not computed again, and now the most recent
    await orders.get("c", numbers(4))  # 12 > 10: the least recent (b) goes
    assert (len(orders), orders.size) == (2, 8)
    assert list(await orders.get("a", numbers(1))) == [0, 1, 2, 3]  # still kept
    assert list(await orders.get("b", numbers(2))) == [0, 1]  # computed again
    await orders.get("huge", numbers(11))  # over the whole budget: answered, never kept
    assert orders.size <= 10 and len(orders) <= 3


async def test_a_failure_reaches_every_waiter_and_is_not_kept() -> None:
    orders, attempts = RowOrders(), []

    async def failing() -> list[int]:
        attempts.append(1)
        await asyncio.sleep(0.01)
        raise ConnectionError("database went away")

    results = await asyncio.gather(*(orders.get("q", failing) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results) and len(attempts) == 1
    with pytest.raises(ConnectionError):
        await orders.get("q", failing)
    assert len(attempts) == 2 and len(orders) == 0
