"""Which rows a connection's socket bytes go to: plain bookkeeping, no proxy and no database.

A connection's meter holds what its socket carried (`up`, `down`, added to by the socket wrappers) and
the parts being metered on it: requests, and TLS tunnels relayed undecrypted. At every settle the bytes
not yet billed are shared among the parts by what each moved since (its heads and bodies), so plain
HTTP keep-alive to several hosts bills each host its own bytes, and every byte is billed exactly once.
A part finished, or running for `interval` seconds, becomes a row (`Share`); bytes that arrive while
no part is open (a CONNECT, a TLS handshake) wait for the next part, or become a row of their own when
the connection closes or has waited for `interval`.
"""

from __future__ import annotations

from dataclasses import dataclass

INTERVAL_SECONDS = 5.0  # long downloads, streams, WebSockets and tunnels are billed at least this often


@dataclass(slots=True)
class Part:
    subject: object  # what the row is about (a flow, a tunnel): the caller's business
    since: float  # start of the time the next row covers
    weight_up: int = 0  # bytes it moved since its last settle (heads estimated, bodies counted)
    weight_down: int = 0
    body_up: int = 0  # body bytes as on the wire since its last row
    body_down: int = 0
    owed_up: int = 0  # socket bytes shared to it, not yet in a row
    owed_down: int = 0
    finished: bool = False


@dataclass(frozen=True, slots=True)
class Share:
    subject: object
    kind: str  # request | interval | connection
    bytes_up: int
    bytes_down: int
    body_up: int
    body_down: int
    since: float
    until: float


class ConnectionMeter:
    __slots__ = ("billed_down", "billed_up", "context", "down", "parts", "requests", "since", "unsent", "up")

    def __init__(self, context: object, now: float) -> None:
        self.up = 0  # bytes read from the device's socket
        self.down = 0  # bytes written to it
        self.billed_up = 0
        self.billed_down = 0
        self.context = context  # what bytes outside any part are about (the connection, its CONNECT)
        self.parts: dict[object, Part] = {}
        self.requests = 0  # request rows so far
        self.since = now
        self.unsent: list[Part] = []  # done, but what the proxy answers them with is not written yet

    def wrote(self, size: int) -> None:
        """Bytes written to the device: the parts waiting for their answer to be written are finished (an
        answer is written whole in one step, so no settle runs between its first write and its last)."""
        self.down += size
        if self.unsent:
            for part in self.unsent:
                part.finished = True
            self.unsent.clear()

    def open(self, key: object, subject: object, now: float) -> Part:
        part = self.parts[key] = Part(subject, now)
        return part

    def idle(self) -> bool:
        return self.up == self.billed_up and self.down == self.billed_down and not self.parts

    def unbilled(self) -> int:
        """Bytes not yet in a row: shared to running parts, or not shared yet."""
        owed = sum(p.owed_up + p.owed_down for p in self.parts.values())
        return owed + self.up - self.billed_up + self.down - self.billed_down

    def settle(self, now: float, *, closing: bool = False, interval: float = INTERVAL_SECONDS) -> list[Share]:
        up, down = self.up - self.billed_up, self.down - self.billed_down
        if not self.parts:
            if not (up or down) or not (closing or now - self.since >= interval):
                return []  # a CONNECT or handshake: it goes with the request that follows
            kind = "connection" if self.requests else "request"  # a connection with no request of its own
            self.requests += kind == "request"
            self._bill(up, down, now)
            return [Share(self.context, kind, up, down, 0, 0, self.since, now)]
        due = [p for p in self.parts.values() if p.finished or closing or now - p.since >= interval]
        if not due:
            return []
        parts = list(self.parts.values())
        for part, share in zip(parts, _split(up, [p.weight_up for p in parts]), strict=True):
            part.owed_up += share
        for part, share in zip(parts, _split(down, [p.weight_down for p in parts]), strict=True):
            part.owed_down += share
        for part in parts:
            part.weight_up = part.weight_down = 0
        self._bill(up, down, now)
        shares = []
        for part in due:
            final = part.finished or closing
            if final or part.owed_up or part.owed_down or part.body_up or part.body_down:
                kind = "request" if final else "interval"
                self.requests += final
                shares.append(
                    Share(part.subject, kind, part.owed_up, part.owed_down, part.body_up, part.body_down,
                          part.since, now)
                )  # fmt: skip
            part.owed_up = part.owed_down = part.body_up = part.body_down = 0
            part.since = now
        self.parts = {k: p for k, p in self.parts.items() if not (p.finished or closing)}
        return shares

    def _bill(self, up: int, down: int, now: float) -> None:
        self.billed_up += up
        self.billed_down += down
        self.since = now


def _split(total: int, weights: list[int]) -> list[int]:
    """`total` in whole bytes in proportion to `weights`; the rounding goes to the heaviest, and with no
    weight at all, everything to the newest part (the one that is moving)."""
    weight = sum(weights)
    if weight <= 0:
        return [0] * (len(weights) - 1) + [total]
    shares = [total * w // weight for w in weights]
    heaviest = max(range(len(weights)), key=weights.__getitem__)
    shares[heaviest] += total - sum(shares)
    return shares
