"""Published rows as citizens get them: small cells hidden, then CSV or JSON. Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from admin.samawa.privacy import suppress_small_cells
from admin.samawa.submissions import canonical_csv, sha256_hex

DEFAULT_BELOW = 5


def public_rows(
    rows: Sequence[Mapping[str, Any]], suppression: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The rows with every small count hidden (None): the only form in which rows leave the portal."""
    if not suppression:
        return [dict(row) for row in rows]
    return suppress_small_cells([dict(row) for row in rows], dict(suppression))


def hidden_below(suppression: Mapping[str, Any] | None) -> int:
    return int((suppression or {}).get("below", DEFAULT_BELOW))


def hidden_cells(
    original: Sequence[Mapping[str, Any]],
    shown: Sequence[Mapping[str, Any]],
    suppression: Mapping[str, Any] | None,
) -> list[frozenset[str]]:
    """Per row, the fields whose value was hidden (so a page can say "hidden" rather than leave it blank)."""
    fields = [str(name) for name in (suppression or {}).get("fields", [])]
    return [
        frozenset(f for f in fields if before.get(f) is not None and after.get(f) is None)
        for before, after in zip(original, shown, strict=True)
    ]


def csv_bytes(field_names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> bytes:
    """The version's canonical CSV (UTF-8, `,`, CRLF): unsuppressed, its bytes hash to the version's."""
    return canonical_csv(field_names, rows)


def json_bytes(rows: Sequence[Mapping[str, Any]]) -> bytes:
    return json.dumps(list(rows), ensure_ascii=False).encode("utf-8")


def sha256(data: bytes) -> str:
    return sha256_hex(data)


def published_hash(sha256_hex_digest: str, suppression: Mapping[str, Any] | None) -> str | None:
    """A version's SHA-256 as citizens may see it: only when what they download is the version's own bytes.

    With small cells hidden, the hash of the full data would let anyone confirm guesses of the hidden
    counts (a few cells of 0-4 are quickly tried), so it is not shown at all.
    """
    return None if suppression and suppression.get("fields") else sha256_hex_digest
