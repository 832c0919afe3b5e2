"""KeptHandlers behaves as mitmproxy's own addon manager: the same order, children after their parent,
async hooks awaited, an addon's error logged while the event goes on, AddonHalt stopping it, options
reaching `configure`, and a chain that changes seen at once. Against a real Master."""

from __future__ import annotations

import logging

import pytest
from mitmproxy import exceptions
from mitmproxy.options import Options
from mitmproxy.proxy.layers.http import HttpRequestHook
from mitmproxy.test import tflow

from proxy_addons.dispatch import KeptHandlers, master_with_kept_handlers


class Recorder:
    """An addon with (maybe) child addons, noting when its request hook runs."""

    def __init__(self, name: str, calls: list[str], children: list[object] | None = None) -> None:
        self.name, self.calls = name, calls
        if children is not None:
            self.addons = children

    def request(self, flow: object) -> None:
        self.calls.append(self.name)


class AsyncRecorder(Recorder):
    async def request(self, flow: object) -> None:  # type: ignore[override]
        self.calls.append(self.name)


class Failing(Recorder):
    def request(self, flow: object) -> None:
        raise RuntimeError("a bug in an addon")


class Halting(Recorder):
    def request(self, flow: object) -> None:
        self.calls.append(self.name)
        raise exceptions.AddonHalt


class Configured:
    def __init__(self) -> None:
        self.seen: list[set[str]] = []

    def configure(self, updated: set[str]) -> None:
        self.seen.append(set(updated))


async def test_order_children_async_errors_and_halt(caplog: pytest.LogCaptureFixture) -> None:
    master = master_with_kept_handlers(Options())
    assert isinstance(master.addons, KeptHandlers)
    calls: list[str] = []
    master.addons.add(
        Recorder("a", calls, [Recorder("a.child", calls)]),
        AsyncRecorder("b", calls),
        Failing("c", calls),
        Recorder("d", calls),
    )
    with caplog.at_level(logging.ERROR):
        await master.addons.trigger_event(HttpRequestHook(tflow.tflow()))
    assert calls == ["a", "a.child", "b", "d"]  # c failed, was logged, and d still ran
    assert "Addon error: a bug in an addon" in caplog.text

    calls.clear()
    master.addons.add(Halting("e", calls), Recorder("f", calls))
    await master.addons.trigger_event(HttpRequestHook(tflow.tflow()))
    assert calls == ["a", "a.child", "b", "d", "e"]  # the chain grew: seen at once; e halted before f

    calls.clear()
    master.addons.remove(master.addons.get("e"))
    await master.addons.trigger_event(HttpRequestHook(tflow.tflow()))
    assert calls == ["a", "a.child", "b", "d", "f"]
    assert master.addons.handlers("update") == ()  # an event nobody handles costs a dictionary lookup


async def test_options_reach_configure_once() -> None:
    master = master_with_kept_handlers(Options())
    addon = Configured()
    master.addons.add(addon)
    addon.seen.clear()
    master.options.update(listen_port=18080)
    assert addon.seen == [{"listen_port"}]  # once: the replaced manager no longer listens
