"""The login throttle on its own, with a clock the test moves."""

from __future__ import annotations

from admin.throttle import MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_USERNAME, WINDOW_SECONDS, LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_username_is_blocked_after_its_failures_and_freed_when_they_age_out() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock)
    for n in range(MAX_FAILURES_PER_USERNAME):
        assert not throttle.blocked("10.0.0.1", "siti"), n
        throttle.failed("10.0.0.1", "siti")
    assert throttle.blocked("10.0.0.1", "siti")
    assert throttle.blocked("10.0.0.2", "siti")  # another address does not help
    assert not throttle.blocked("10.0.0.1", "budi")
    clock.now += WINDOW_SECONDS + 1
    assert not throttle.blocked("10.0.0.1", "siti")


def test_an_address_is_blocked_after_failures_across_usernames() -> None:
    throttle = LoginThrottle(Clock())
    for n in range(MAX_FAILURES_PER_ADDRESS):
        throttle.failed("10.0.0.9", f"user{n}")
    assert throttle.blocked("10.0.0.9", "fresh-name")
    assert not throttle.blocked("10.0.0.10", "fresh-name")


def test_success_clears_the_username_but_not_the_address() -> None:
    throttle = LoginThrottle(Clock())
    for _ in range(MAX_FAILURES_PER_USERNAME - 1):
        throttle.failed("10.0.0.1", "siti")
    throttle.succeeded("siti")
    throttle.failed("10.0.0.1", "siti")
    assert not throttle.blocked("10.0.0.1", "siti")
