"""Which listed domain a host falls under, and its categories: compact enough for two million domains.

A `set` of two million names costs well over 100 MB per million; this index keeps no names at all.
Each listed domain is one slot of an open-addressing table of 64-bit words: its 64-bit hash, then
its length and the id of its category bitmask. `lookup` hashes the host and each parent in turn and
probes the table, so it never builds the parents list, and it answers with the candidate text (the
host or a parent of it), which is why the names need not be stored. numpy builds the table over whole
columns, mostly outside the GIL (`from_text`); lookups read it through a memoryview, an int per word.

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
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from proxy_addons.hostnames import MAX_HOST_LENGTH, is_ip

EMPTY = -1  # CPython never returns -1 from hash() (it signals an error in C), so -1 marks a free slot
# Linear probing at half load: ~1.5 probes for a hit, ~2.5 for a miss, mostly within one cache line. The
# first probe's cache miss dominates a lookup: at 2M domains (bench/policy.py) loads of 0.4 and 0.33 gained
# under 0.1 µs per unlisted host, for 8 and 17 MB more per million domains.
MAX_LOAD = 0.5
CATEGORY_IDS = range(64)  # a category is one bit of a 64-bit mask
NEWLINE, DOT, COLON, ZERO, NINE = b"\n.:09"

if sys.hash_info.width < 64:  # 32-bit hashes would collide among two million domains
    raise ImportError("DomainIndex needs a 64-bit Python (sys.hash_info.width is 32)")


class DomainIndex:
    """Immutable: listed domain → bitmask of category ids; a domain covers itself and its subdomains."""

    __slots__ = ("_digit_names", "_digit_tails", "_domains", "_masks", "_one_label", "_size", "_table")

    def __init__(
        self,
        table: memoryview,  # of int64 words ('q'): an item is a Python int, read as fast as from an array
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
        return cls.from_text(())

    @classmethod
    def build(cls, entries: Iterable[tuple[str, int]]) -> DomainIndex:
        """Index (normalised domain or IP, category id 0..63) pairs; a domain may come once per category."""
        by_category: defaultdict[int, list[str]] = defaultdict(list)
        for domain, category in entries:
            if not domain or "\n" in domain:
                raise ValueError(f"{domain[:80]!r} is not a normalised host name")
            by_category[category].append(domain)
        return cls.from_text((category, "\n".join(names).encode()) for category, names in by_category.items())

    @classmethod
    def from_text(cls, lists: Iterable[tuple[int, bytes]]) -> DomainIndex:
        """Index lists of normalised domains or IPs, one per line (ASCII, no final newline), each with
        its category id (0..63). A category may come several times, a list in pieces.

        Built with numpy over whole columns: about a second for two million domains, most of it outside
        the GIL (a Python loop took three times that, holding it). `lists` may be a generator: of each
        piece only hashes and lengths are kept once it has been read. Run it in a thread of the process
        that uses the index, never in another process (the hashes would differ).
        """
        keys, metas = [], []  # per piece: hashes, and length | category id << 8
        one_label = digit_tails = digit_names = False
        for category_id, text in lists:
            if category_id not in CATEGORY_IDS:
                raise ValueError(f"category id {category_id} is not in 0..63")
            if not text:
                continue
            try:
                names = text.decode("ascii").split("\n")
            except UnicodeDecodeError:
                raise ValueError("host names must be ASCII (IDNA A-labels)") from None
            raw = np.frombuffer(text, np.uint8)
            ends = np.append(np.flatnonzero(raw == NEWLINE), len(raw))
            starts = np.concatenate(([0], ends[:-1] + 1))
            length = ends - starts
            if (wrong := np.flatnonzero((length < 1) | (length > MAX_HOST_LENGTH))).size:
                raise ValueError(f"{names[wrong[0]][:80]!r} is not a normalised host name")
            keys.append(np.fromiter(map(hash, names), np.int64, len(names)))
            metas.append(length | category_id << 8)
            # Facts that let `lookup` skip work: a name without a dot (IPv6 addresses are never parents),
            # names ending in a digit (IPv4 addresses are; is any of them not an address?).
            one_label = one_label or not np.logical_or.reduceat((raw == DOT) | (raw == COLON), starts).all()
            tail = raw[ends - 1]
            if (digits := np.flatnonzero((tail >= ZERO) & (tail <= NINE))).size:
                digit_tails = True
                digit_names = digit_names or not all(is_ip(names[i]) for i in digits)
        if not keys:
            table = np.array([EMPTY, 0], np.int64)
            return cls(
                memoryview(table).cast("B").cast("q"),
                (),
                1,
                domains=0,
                one_label=False,
                digit_tails=False,
                digit_names=False,
            )
        key, meta = np.concatenate(keys), np.concatenate(metas)
        del keys, metas

        # Linear probing, all at once. Sorted by home slot, each domain lands in the first slot at or after
        # its home that the one before left free: slot[i] = max(home[i], slot[i-1] + 1), which is i + the
        # running maximum of home[j] - j. A valid table whatever the order within a home slot.
        size = max(int(len(key) / MAX_LOAD), 1)
        # Within a home, by the key's low bits: so one domain listed in several categories (equal key and
        # length) sits in one run, merged below into one slot with the union of their masks. Should two
        # different keys share home and low bits, a slower exact sort takes over.
        shift = 63 - size.bit_length()
        low = (1 << shift) - 1
        order = np.argsort(key % size << shift | key & low)
        key, meta = key[order], meta[order]
        home, length, category = key % size, meta & 0xFF, meta >> 8
        same_place = (home[1:] == home[:-1]) & (key[1:] & low == key[:-1] & low)
        if (same_place & ((key[1:] != key[:-1]) | (length[1:] != length[:-1]))).any():
            order = np.lexsort((length, key, home))
            key, home, length, category = key[order], home[order], length[order], category[order]
        first = np.ones(len(key), bool)
        first[1:] = (key[1:] != key[:-1]) | (length[1:] != length[:-1])
        starts = np.flatnonzero(first)
        # Mask ids: 0..63 stand for one category (the id itself), the few combinations follow.
        mask = np.bitwise_or.reduceat(np.uint64(1) << category.astype(np.uint64), starts)
        if len(starts) < len(key):
            key, home, length, category = key[starts], home[starts], length[starts], category[starts]
        several = mask & (mask - np.uint64(1)) != 0
        combined = np.unique(mask[several])
        mask_id = np.where(several, len(CATEGORY_IDS) + np.searchsorted(combined, mask), category)

        step = np.arange(len(key))
        slot = np.maximum.accumulate(home - step) + step
        # Probes never wrap: a lookup starts below `size`, and a free slot follows the last used one.
        table = np.full(
            (max(size, int(slot[-1]) + 1) + 1, 2), EMPTY, np.int64
        )  # a free slot's 2nd word: unread
        table[slot, 0] = key
        table[slot, 1] = length | mask_id << 8
        return cls(
            memoryview(table).cast("B").cast("q"),
            (*(1 << c for c in CATEGORY_IDS), *(int(m) for m in combined)),
            size,
            domains=len(key),
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
