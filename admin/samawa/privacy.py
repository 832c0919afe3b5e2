"""Small-cell suppression for aggregated public data: counts below a threshold are shown as hidden.

A dataset declares `suppression = {"fields": ["jumlah_kk", ...], "below": 5}`: in every row that leaves
SAMAWA (page, API, CKAN, downloads) a value of those fields below `below` becomes None. Five households
in a kelurahan with a given poverty desil can be found by their neighbours; the rule hides them.
(The NIK half of the privacy gate is in table_schema.validate_rows: NIK-like values never get in.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from admin.samawa.table_schema import SchemaError, TableSchema

DEFAULT_BELOW = 5
MAX_BELOW = 1000
SUPPRESSION_KEYS = ("fields", "below")
_COUNTABLE_TYPES = ("integer", "number")


def suppress_small_cells(
    rows: Iterable[Mapping[str, object]], suppression: Mapping[str, Any] | None
) -> list[dict[str, object]]:
    """Copies of `rows` where each suppressed field's number below the threshold is None ("hidden")."""
    if not suppression or not suppression.get("fields"):
        return [dict(row) for row in rows]
    fields = tuple(suppression["fields"])
    below = suppression.get("below", DEFAULT_BELOW)
    out = []
    for row in rows:
        copy = dict(row)
        for name in fields:
            value = copy.get(name)
            # bool is an int in Python, but true/false is not a count.
            if type(value) in (int, float) and value < below:  # type: ignore[operator]
                copy[name] = None
        out.append(copy)
    return out


def check_suppression(descriptor: object, schema: TableSchema) -> None:
    """Refuse a suppression rule SAMAWA cannot apply: unknown or non-numeric fields, a bad threshold."""
    if descriptor is None:
        return
    if not isinstance(descriptor, dict):
        raise SchemaError('suppression must be an object such as {"fields": ["jumlah"], "below": 5}')
    unknown = sorted(set(descriptor) - set(SUPPRESSION_KEYS))
    if unknown:
        raise SchemaError(f"suppression: unknown key {unknown[0]!r} (only fields and below)")
    fields = descriptor.get("fields")
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) for f in fields):
        raise SchemaError("suppression needs `fields`: a non-empty list of field names")
    types = {f.name: f.type for f in schema.fields}
    for name in fields:
        if name not in types:
            raise SchemaError(f"suppression names {name!r}, which is not a field of the schema")
        if types[name] not in _COUNTABLE_TYPES:
            raise SchemaError(
                f"suppression field {name!r} is {types[name]}: only integer or number fields hold counts"
            )
    below = descriptor.get("below", DEFAULT_BELOW)
    if type(below) is not int or not 1 <= below <= MAX_BELOW:
        raise SchemaError(f"suppression `below` must be a whole number from 1 to {MAX_BELOW}")
