"""Which rows of a published version match a query, in the order asked for: computed once, then kept.

A version never changes (a trigger refuses it), so the row numbers matching a filter, a free-text search
and a sort are a fact about the version: the first request asks PostgreSQL for them (row numbers and
the sort key only, never the rows), every later page of the same question is a slice of the kept list
and one index lookup of its rows. Without this, every page of a filtered or sorted view counted and
sorted the whole version again (about a second a request at 100,000 rows under load; bench/samawa.py).
"""

from __future__ import annotations

import asyncio
from array import array
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

MAX_KEPT_ROW_NUMBERS = 8_000_000  # 32 MB of int32 in all: a few hundred sorted views of large versions
MAX_KEPT_ORDERS = 512  # and no more lists than this, however small

type Compute = Callable[[], Awaitable[list[int]]]


class RowOrders:
    """A bounded, least-recently-used map from a question about a version to its ordered row numbers.

    Concurrent requests for a question not yet answered wait for one computation, not one each. What a
    key holds is the caller's business: it must name the dataset, the version and the whole question.
    """

    def __init__(
        self, max_row_numbers: int = MAX_KEPT_ROW_NUMBERS, max_orders: int = MAX_KEPT_ORDERS
    ) -> None:
        self._kept: OrderedDict[Hashable, array[int]] = OrderedDict()
        self._pending: dict[Hashable, asyncio.Future[array[int]]] = {}
        self._size = 0
        self._max_row_numbers, self._max_orders = max_row_numbers, max_orders

    @property
    def size(self) -> int:
        """Row numbers kept, over all questions."""
        return self._size

    def __len__(self) -> int:
        return len(self._kept)

    async def get(self, key: Hashable, compute: Compute) -> array[int]:
        if (kept := self._kept.get(key)) is not None:
            self._kept.move_to_end(key)
            return kept
        if (pending := self._pending.get(key)) is not None:
            return await asyncio.shield(pending)  # one waiter cancelled does not cancel the others' answer
        future: asyncio.Future[array[int]] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            numbers = array("i", await compute())
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here: a failure nobody else waited for is not logged as lost
            raise
        finally:
            del self._pending[key]
        future.set_result(numbers)
        self._keep(key, numbers)
        return numbers

    def _keep(self, key: Hashable, numbers: array[int]) -> None:
        if len(numbers) > self._max_row_numbers:
            return  # larger than the whole budget: answered, not kept
        self._kept[key] = numbers
        self._size += len(numbers)
        while self._size > self._max_row_numbers or len(self._kept) > self._max_orders:
            _, dropped = self._kept.popitem(last=False)
            self._size -= len(dropped)
