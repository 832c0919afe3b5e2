"""Which listed domain a host falls under, and its categories: compact enough for two million domains.

A `set` of two million names costs well over 100 MB per million; this index keeps no names at all.
Each listed domain is one slot of an open-addressing table in a single `array`: its 64-bit hash,
then its length and the id of its category bitmask. `lookup` hashes the host and each parent in turn
and probes the table, so it never builds the parents list, and it answers with the candidate text
(the host or a parent of it), which is why the names need not be stored.

The hash is Python's own `hash()` of a str: SipHash-1-3 with a 128-bit key drawn at random when the
process starts, computed in C and cached on the string. Two consequences:

- Hashes differ from one process to the next, so an index must be built and used in the same
  process: never pickle it, never share it between processes. The proxy builds it in a thread of
  the process that uses it.
- Nobody outside the process knows the key, so nobody can craft a host whose hash equals a listed
  domain's. With a public hash (an 8-byte blake2b digest, also ~5x slower here) a name colliding with
  one of two million listed domains takes about 2**43 tries, hours on one GPU: enough to dress an
  attacker's host up as a listed domain, and a passthrough (banking) one escapes inspection.
  (Setting PYTHONHASHSEED gives up that secrecy; the gateway must not set it.)

What 64 bits leave to chance: two distinct listed domains sharing a hash (about 1 in 10 million for
two million domains) would pool their categories, and an unlisted name is mistaken for a listed one
with odds of about 1 in 10**13 per candidate looked up. The stored length is the free second check
(it shares the word with the mask id): a match needs equal hash *and* equal length, which cuts both
odds by about ten, and domains of different lengths never pool even when their hashes collide.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable

from proxy_addons.hostnames import MAX_HOST_LENGTH, is_ip

EMPTY = -1  # CPython never returns -1 from hash() (it signals an error in C), so -1 marks a free slot
# Linear probing at half load: ~1.5 probes for a hit, ~2.5 for a miss, mostly within one cache line. The
# first probe's cache miss dominates a lookup: at 2M domains (bench/policy.py) loads of 0.4 and 0.33 gained
# under 0.1 µs per unlisted host, for 8 and 17 MB more per million domains.
MAX_LOAD = 0.5
SPARE_SLOTS = 256  # past the last home slot, for probes that run off the end: growing the array
# would over-allocate it by a sixteenth, and a cluster this long at half load is all but impossible
CATEGORY_IDS = range(64)  # a category is one bit of a 64-bit mask

if sys.hash_info.width < 64:  # 32-bit hashes would collide among two million domains
    raise ImportError("DomainIndex needs a 64-bit Python (sys.hash_info.width is 32)")


class DomainIndex:
    """Immutable: listed domain → bitmask of category ids; a domain covers itself and its subdomains."""

    __slots__ = ("_digit_names", "_digit_tails", "_domains", "_masks", "_one_label", "_size", "_table")

    def __init__(
        self,
        table: array[int],
        masks: tuple[int, ...],
        size: int,
        *,
        domains: int,
        one_label: bool,
        digit_tails: bool,
        digit_names: bool,
    ) -> None:
        # Two words per slot, side by side so that a probe touches one cache line: the domain's hash
        # (EMPTY if the slot is free), then its length | mask id << 8. Reading the table is a cache
        # miss per probe at this size and costs more than all the arithmetic around it.
        self._table = table
        self._masks = masks  # by mask id: a few dozen distinct category combinations
        self._size = size  # a probe starts at slot hash % size; slots past it hold probe overflow
        self._domains = domains
        # Facts about the list that let `lookup` skip work: a name without a dot is listed; an entry
        # ending in a digit is listed (IPv4 addresses are); a name (not an address) ending in one is.
        self._one_label = one_label
        self._digit_tails = digit_tails
        self._digit_names = digit_names

    @classmethod
    def empty(cls) -> DomainIndex:
        return cls.build(())

    @classmethod
    def build(cls, entries: Iterable[tuple[str, int]]) -> DomainIndex:
        """Index (normalised domain or IP, category id 0..63) pairs; a domain may come once per category.

        A pure-Python loop taking seconds for millions of entries: run it in a thread (the event loop
        still gets the GIL every switch interval), never on the loop, and never in another process.
        """
        # Stage the entries at 10 bytes each (hash, length, category) so the table is sized once:
        # `entries` is usually a generator over database rows, and its strings are not kept.
        hashes, lengths, categories = array("q"), array("B"), array("B")
        one_label = digit_tails = digit_names = False
        for domain, category in entries:
            if category not in CATEGORY_IDS:
                raise ValueError(f"category id {category} is not in 0..63")
            if not 0 < len(domain) <= MAX_HOST_LENGTH:
                raise ValueError(f"{domain[:80]!r} is not a normalised host name")
            hashes.append(hash(domain))
            lengths.append(len(domain))
            categories.append(category)
            if "." not in domain and ":" not in domain:  # dotless IPv6 addresses are never parents
                one_label = True
            if domain[-1].isdigit():
                digit_tails = True
                digit_names = digit_names or not is_ip(domain)

        size = max(int(len(hashes) / MAX_LOAD), 1)
        table = array("q", [EMPTY, 0]) * (size + SPARE_SLOTS)
        masks: list[int] = []
        mask_ids: dict[int, int] = {}
        domains = 0
        for key, length, category in zip(hashes, lengths, categories, strict=True):
            i = key % size * 2
            while (found := table[i]) != EMPTY and (found != key or table[i + 1] & 0xFF != length):
                i += 2
                if i == len(table):  # run on past the end rather than wrap: lookups never wrap
                    table.extend((EMPTY, 0))
            mask = 1 << category
            if found == EMPTY:
                domains += 1
            else:
                mask |= masks[table[i + 1] >> 8]  # the same domain in another category
            if (mask_id := mask_ids.get(mask)) is None:
                mask_id = mask_ids[mask] = len(masks)
                masks.append(mask)
            table[i], table[i + 1] = key, length | mask_id << 8
        del hashes, lengths, categories
        if table[-2] != EMPTY:  # a probe stops at a free slot, so one must follow the last used one
            table.extend((EMPTY, 0))
        return cls(
            table,
            tuple(masks),
            size,
            domains=domains,
            one_label=one_label,
            digit_tails=digit_tails,
            digit_names=digit_names,
        )

    def lookup(self, host: str) -> tuple[str, int] | None:
        """The most specific listed domain that is `host` or a parent of it, and its category bitmask.

        Same answer as `matching_domain(host, listed)` for a normalised host, without building
        `domain_and_parents`: this runs for every request and every TLS ClientHello.
        """
        table, size = self._table, self._size
        # Where the walk over parents stops: at the dot whose parent is not looked up.
        if host[-1:].isdigit() and (
            not self._digit_tails or (is_ip(host) if self._digit_names else host.count(".") < 4)
        ):
            # An IP address matches only itself, but `is_ip` costs more than the rest of a lookup, so
            # it is asked only when no cheaper test settles the walk. A parent of a host ending in a
            # digit ends in that digit too: if nothing listed does, no parent can match. If only IP
            # addresses listed do, a parent can match only by being one, with three dots, under a host
            # with four or more: never an address (an IPv4 address has three, an IPv6 one none or three).
            stop = -1
        elif self._one_label:
            stop = len(host)
        else:
            stop = host.rfind(".")  # no top-level name is listed: `com`, `id` need no look-up
        candidate, start = host, 0
        while True:
            key = hash(candidate)
            i = key % size * 2
            while (found := table[i]) != -1:  # EMPTY, spelled as a constant in the hot loop
                if found == key and (meta := table[i + 1]) & 0xFF == len(candidate):
                    return candidate, self._masks[meta >> 8]
                i += 2
            dot = host.find(".", start)
            if dot < 0 or dot >= stop:
                return None
            start = dot + 1
            candidate = host[start:]

    def __len__(self) -> int:
        return self._domains

    def __repr__(self) -> str:
        return f"<DomainIndex of {self._domains} domains>"
