"""What a citizen asks of a published table (filters, sort, page), read against the version's schema.

Pure: the public API and CKAN's datastore_search parse their own spellings into one `RowQuery`; the store
turns it into parameters of fixed SQL (field names and values are never formatted into SQL).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from admin.samawa import SamawaError

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 10_000_000
MAX_QUERY_TEXT = 200
TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no"})


class QueryError(SamawaError):
    """A filter, sort or page a citizen asked for that cannot be answered; `details` names what."""

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.details = details or {}


@dataclass(frozen=True)
class RowQuery:
    filters: dict[str, Any] = field(default_factory=dict)  # field → typed value, equality (jsonb @>)
    sort: str | None = None  # a field name; None: the version's own row order
    descending: bool = False
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    text: str | None = None  # free-text search over the fields citizens may see (CKAN's `q`)

    @property
    def filter_json(self) -> str:
        return json.dumps(self.filters, ensure_ascii=False)


def schema_fields(schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """name → field descriptor, in the schema's order."""
    return {str(f["name"]): f for f in schema.get("fields", []) if isinstance(f, Mapping) and "name" in f}


def suppressed_fields(suppression: Mapping[str, Any] | None) -> frozenset[str]:
    return frozenset(str(name) for name in (suppression or {}).get("fields", []))


def typed_value(descriptor: Mapping[str, Any], raw: object) -> Any:
    """A value typed as the field's type stores it (JSON-ready, as the validation stored the rows)."""
    kind = descriptor.get("type", "string")
    name = descriptor["name"]
    if raw is None:
        return None
    if kind in ("integer", "year"):
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise QueryError(f"{name}: expected a whole number", {"field": name, "value": raw})
        try:
            return int(raw.strip()) if isinstance(raw, str) else int(raw)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            raise QueryError(f"{name}: expected a whole number, not {raw!r}", {"field": name}) from None
    if kind == "number":
        if isinstance(raw, bool):
            raise QueryError(f"{name}: expected a number", {"field": name, "value": raw})
        try:
            number = float(raw) if isinstance(raw, str) else raw
        except ValueError:
            raise QueryError(f"{name}: expected a number, not {raw!r}", {"field": name}) from None
        if not isinstance(number, int | float) or number != number or number in (float("inf"), float("-inf")):
            raise QueryError(f"{name}: expected a finite number", {"field": name})
        return number
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise QueryError(f"{name}: expected true or false, not {raw!r}", {"field": name})
    if not isinstance(raw, str):
        raw = json.dumps(raw) if isinstance(raw, bool | int | float) else str(raw)
    if kind == "date":
        try:
            return date.fromisoformat(raw.strip()).isoformat()
        except ValueError:
            raise QueryError(f"{name}: expected a date as YYYY-MM-DD, not {raw!r}", {"field": name}) from None
    return raw


def checked_field(
    name: str, fields: Mapping[str, Mapping[str, Any]], hidden: frozenset[str], purpose: str
) -> Mapping[str, Any]:
    if name not in fields:
        raise QueryError(
            f"unknown field {name!r}; the fields are {', '.join(fields)}",
            {"field": name, "known": list(fields)},
        )
    if name in hidden:
        # A filter or sort on a small-cell-suppressed field would reveal the hidden values by elimination.
        raise QueryError(
            f"{name!r} holds small counts that are hidden: it cannot be used to {purpose}", {"field": name}
        )
    return fields[name]


def page_bounds(limit: object, offset: object, *, max_limit: int = MAX_LIMIT) -> tuple[int, int]:
    def whole(raw: object, name: str, lowest: int, highest: int, default: int) -> int:
        if raw is None or raw == "":
            return default
        try:
            value = int(str(raw).strip()) if not isinstance(raw, int) or isinstance(raw, bool) else raw
        except ValueError:
            raise QueryError(f"{name}: expected a whole number, not {raw!r}", {"parameter": name}) from None
        if not lowest <= value <= highest:
            raise QueryError(f"{name}: must be from {lowest} to {highest}", {"parameter": name})
        return value

    return (
        whole(limit, "limit", 0, max_limit, min(DEFAULT_LIMIT, max_limit)),
        whole(offset, "offset", 0, MAX_OFFSET, 0),
    )


def sort_order(
    spec: str, fields: Mapping[str, Mapping[str, Any]], hidden: frozenset[str]
) -> tuple[str, bool]:
    """`field`, `-field` (the public API) or `field desc` / `field asc` (CKAN)."""
    spec = spec.strip()
    descending = False
    if spec.startswith("-"):
        descending, spec = True, spec[1:]
    else:
        parts = spec.rsplit(None, 1)
        if len(parts) == 2 and parts[1].lower() in ("asc", "desc"):
            spec, descending = parts[0].strip().strip('"'), parts[1].lower() == "desc"
    checked_field(spec, fields, hidden, "sort")
    return spec, descending


def free_text(raw: object) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise QueryError("q: expected text", {"parameter": "q"})
    text = raw.strip()
    if len(text) > MAX_QUERY_TEXT:
        raise QueryError(f"q: longer than {MAX_QUERY_TEXT} characters", {"parameter": "q"})
    return text or None


RESERVED = frozenset({"sort", "limit", "offset", "q"})


def api_query(
    params: Mapping[str, str] | Sequence[tuple[str, str]], schema: Mapping[str, Any], suppression: object
) -> RowQuery:
    """The public API's query string: `field=value` filters, `sort=field|-field`, `limit`, `offset`, `q`."""
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    fields, hidden = schema_fields(schema), suppressed_fields(suppression)  # type: ignore[arg-type]
    seen: set[str] = set()
    filters: dict[str, Any] = {}
    for key, _value in pairs:
        if key in seen:
            raise QueryError(f"{key}: given more than once", {"parameter": key})
        seen.add(key)
    values = dict(pairs)
    for key, raw in values.items():
        if key in RESERVED:
            continue
        filters[key] = typed_value(checked_field(key, fields, hidden, "filter"), raw)
    sort, descending = (None, False)
    if values.get("sort"):
        sort, descending = sort_order(values["sort"], fields, hidden)
    limit, offset = page_bounds(values.get("limit"), values.get("offset"))
    return RowQuery(filters, sort, descending, limit, offset, free_text(values.get("q")))


def filters_query(
    filters: Mapping[str, Any], schema: Mapping[str, Any], suppression: Mapping[str, Any] | None
) -> dict[str, Any]:
    """CKAN-style `filters`: an object of field → value (a list of one value is that value)."""
    fields, hidden = schema_fields(schema), suppressed_fields(suppression)
    typed: dict[str, Any] = {}
    for key, raw in filters.items():
        descriptor = checked_field(str(key), fields, hidden, "filter")
        if isinstance(raw, list):
            if len(raw) != 1:
                raise QueryError(f"{key}: give one value to match", {"field": key})
            raw = raw[0]
        if isinstance(raw, dict | list):
            raise QueryError(f"{key}: expected a single value", {"field": key})
        typed[str(key)] = typed_value(descriptor, raw)
    return typed


def searchable_fields(schema: Mapping[str, Any], suppression: Mapping[str, Any] | None) -> list[str]:
    """Fields free text may match: never a suppressed one (finding "3" there would reveal a hidden count)."""
    hidden = suppressed_fields(suppression)
    return [name for name in schema_fields(schema) if name not in hidden]
