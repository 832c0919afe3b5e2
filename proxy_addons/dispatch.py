"""mitmproxy's addon manager with each hook's handlers looked up once, not for every addon at every event.

mitmproxy walks the whole chain for every event of every flow (and an `update` event after each one),
creating a coroutine and a context manager per addon even where the addon has no such hook: about 30 % of
the proxy's Python calls per request (measured with cProfile on the `make bench` load). Our chain is fixed
when the proxy starts, so the handlers of an event name are found once and kept until the chain changes.
Same order, same error handling (an addon's error is logged and the next addon still runs; AddonHalt
stops the event) as mitmproxy's own `trigger_event`. Pinned with mitmproxy (pyproject.toml);
tests/proxy_addons/test_dispatch.py checks the behaviour against a real Master.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from mitmproxy import exceptions, hooks
from mitmproxy.addonmanager import AddonManager, safecall, traverse
from mitmproxy.master import Master


class KeptHandlers(AddonManager):
    def __init__(self, master: Master) -> None:
        super().__init__(master)
        self._handlers: dict[str, tuple[Callable[..., Any], ...]] = {}

    def register(self, addon: Any) -> Any:
        self._handlers.clear()
        return super().register(addon)

    def add(self, *addons: Any) -> None:
        super().add(*addons)
        self._handlers.clear()  # after the chain holds them: a lookup in between would miss them

    def remove(self, addon: Any) -> None:
        super().remove(addon)
        self._handlers.clear()

    def clear(self) -> None:
        super().clear()
        self._handlers.clear()

    def handlers(self, name: str) -> tuple[Callable[..., Any], ...]:
        found = self._handlers.get(name)
        if found is None:
            found = self._handlers[name] = tuple(
                func for addon in traverse(self.chain) if callable(func := getattr(addon, name, None))
            )
        return found

    async def trigger_event(self, event: hooks.Hook) -> None:
        handlers = self.handlers(event.name)
        if not handlers:
            return
        args = event.args()
        for func in handlers:
            try:
                result = func(*args)
                if result is not None and inspect.isawaitable(result):
                    await result
            except exceptions.AddonHalt:
                return
            except exceptions.OptionsError:
                raise
            except Exception:
                with safecall():  # mitmproxy's own report of an addon's error: logged, the event goes on
                    raise


def master_with_kept_handlers(options: Any) -> Master:
    """A Master whose addon manager is KeptHandlers (made before any addon is added)."""
    master = Master(options)
    master.options.changed.disconnect(master.addons._configure_all)
    master.addons = KeptHandlers(master)
    return master
