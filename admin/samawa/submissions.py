"""Submissions as plain data: a request body as rows, the modes that merge them into the published rows,
the canonical CSV (and its SHA-256) of a version, and the difference between two versions.

No I/O here: the API view reads the body, the store reads and writes the database; both call these.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from admin.samawa import SamawaError
from admin.samawa.csv_input import read_csv
from admin.samawa.table_schema import RowError, TableSchema, validate_rows

MODES = ("replace", "append", "upsert")
DEFAULT_MODE = "replace"
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})

type Row = dict[str, Any]
type Key = tuple[Any, ...]


class SubmissionError(SamawaError):
    """A body the API cannot read as a submission at all (before any row is checked)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Body:
    """What an OPD sent, before validation: untyped rows and the errors found while reading them."""

    rows: list[Row]
    mode: str
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    table: bool = False  # the rows come from a table with a header (CSV): every field needs its column


@dataclass(frozen=True, slots=True)
class Checked:
    """A body checked against its dataset: the typed rows and every error, in row order."""

    rows: list[Row]
    errors: list[RowError]

    @property
    def valid(self) -> bool:
        return not self.errors


def parse_mode(value: object) -> str:
    mode = DEFAULT_MODE if value is None or value == "" else value
    if mode not in MODES:
        raise SubmissionError("invalid_mode", f"mode: expected one of {', '.join(MODES)}, got {value!r}")
    return str(mode)


def parse_flag(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise SubmissionError("invalid_parameter", f"{name}: expected true or false, got {value!r}")


def body_from_json(data: bytes, *, mode: object = None, dry_run: object = None) -> Body:
    """`{"rows": [{...}, ...], "mode": ..., "dry_run": ...}`; mode and dry_run may also come as parameters."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SubmissionError("invalid_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("rows"), list):
        raise SubmissionError("invalid_body", 'expected a JSON object with "rows": a list of objects')
    unknown = sorted(set(document) - {"rows", "mode", "dry_run"})
    if unknown:
        raise SubmissionError("invalid_body", f"unknown key(s) in the body: {', '.join(unknown)}")
    rows: list[Row] = []
    errors: list[RowError] = []
    for number, row in enumerate(document["rows"], start=1):
        if isinstance(row, dict):
            rows.append(row)
        else:
            rows.append({})  # keeps the row numbers of the rows after it right
            errors.append(
                RowError(number, None, "type_error", "a row must be a JSON object of field → value")
            )
    return Body(
        rows=rows,
        mode=parse_mode(document.get("mode", mode)),
        dry_run=parse_flag(document.get("dry_run", dry_run), "dry_run"),
        errors=errors,
    )


def body_from_csv(data: bytes, *, mode: object = None, dry_run: object = None) -> Body:
    """A CSV file as Excel writes it in Indonesia (`;` or `,`, with or without a BOM); raises CsvError."""
    table = read_csv(data)
    return Body(
        rows=[dict(row) for row in table.rows],
        mode=parse_mode(mode),
        dry_run=parse_flag(dry_run, "dry_run"),
        errors=list(table.errors),
        table=True,
    )


def key_of(row: Mapping[str, Any], fields: Sequence[str]) -> Key:
    return tuple(row.get(name) for name in fields)


def merge_rows(
    mode: str, previous: Sequence[Row], new: Sequence[Row], primary_key: Sequence[str]
) -> list[Row]:
    """The rows of the next version: replace takes the submission, append adds it after the published rows,
    upsert replaces the published rows whose primary key comes again (in place) and adds the others."""
    if mode == "replace":
        return list(new)
    if mode == "append":
        return [*previous, *new]
    if mode != "upsert" or not primary_key:
        raise SamawaError(
            f"cannot merge in mode {mode!r}" + ("" if primary_key else " without a primary key")
        )
    merged = list(previous)
    position = {key_of(row, primary_key): i for i, row in enumerate(merged)}
    for row in new:
        key = key_of(row, primary_key)
        if key in position:
            merged[position[key]] = row
        else:
            position[key] = len(merged)
            merged.append(row)
    return merged


def unique_fields(schema: TableSchema) -> list[str]:
    return [f.name for f in schema.fields if f.constraints.get("unique")]


def merged_key_errors(
    schema: TableSchema, mode: str, previous: Sequence[Row], new: Sequence[Row]
) -> list[RowError]:
    """Primary key and unique values the submission would duplicate among the published rows it keeps.

    The submission alone is checked by validate_rows; this is the part only the merged result can show, so
    that an OPD learns it when it submits rather than when the Walidata approves.
    """
    if mode == "replace" or not previous:
        return []
    primary_key = schema.primary_key
    new_keys = {key_of(row, primary_key) for row in new} if primary_key else set()
    # upsert: published rows whose key comes again are replaced, so they cannot clash with anything
    kept = (
        [row for row in previous if key_of(row, primary_key) not in new_keys]
        if mode == "upsert"
        else previous
    )
    errors: list[RowError] = []
    if mode == "append" and primary_key:
        published = {key_of(row, primary_key) for row in previous}
        for number, row in enumerate(new, start=1):
            key = key_of(row, primary_key)
            if None not in key and key in published:
                shown = ", ".join(f"{n}={v!r}" for n, v in zip(primary_key, key, strict=True))
                errors.append(RowError(number, ",".join(primary_key), "primary_key",
                                       f"the primary key ({shown}) is already in the published version; "
                                       "append only adds rows (upsert changes them)"))  # fmt: skip
    for name in unique_fields(schema):
        if list(primary_key) == [name]:
            continue  # reported as primary_key above
        taken = {row.get(name) for row in kept} - {None}
        for number, row in enumerate(new, start=1):
            value = row.get(name)
            if value is not None and value in taken:
                errors.append(
                    RowError(
                        number, name, "unique", f"{name} = {value!r} is already in a published row that stays"
                    )
                )
    return errors


def check_submission(
    schema: TableSchema,
    body: Body,
    previous: Sequence[Row],
    references: Mapping[str, frozenset[str]],
    *,
    public: bool,
) -> Checked:
    """Every error of the body at once: reading, each row against the schema, keys against the merged rows.

    CPU-bound for large bodies: the API runs it in a thread so the event loop keeps serving.
    """
    if body.mode == "upsert" and not schema.primary_key:
        raise SubmissionError(
            "upsert_without_primary_key", "mode upsert needs a primaryKey in the dataset's schema"
        )
    validation = validate_rows(schema, body.rows, references, public=public, table=body.table)
    errors = [*body.errors, *validation.errors]
    if len(validation.rows) == len(body.rows):  # typed rows line up with the row numbers
        errors += merged_key_errors(schema, body.mode, previous, validation.rows)
    errors.sort(key=lambda e: e.row)  # stable: each row's errors keep the order they were found in
    return Checked(rows=validation.rows, errors=errors)


def cell(value: Any) -> str:
    """A typed value as CSV text: empty for missing, JSON's spelling of booleans and numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def canonical_csv(field_names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> bytes:
    """A version as CSV: UTF-8 without BOM, `,`, CRLF (RFC 4180), the schema's field order; its SHA-256 is the
    version's, so the same rows always hash the same."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(field_names)
    writer.writerows([cell(row.get(name)) for name in field_names] for row in rows)
    return out.getvalue().encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class RowChange:
    key: Key
    before: Row
    after: Row
    fields: tuple[str, ...]  # the fields whose value differs


@dataclass(frozen=True, slots=True)
class VersionDiff:
    """Rows added, removed and changed from one version to another; by primary key when there is one,
    else by whole rows (then a changed row is one removed and one added)."""

    by_key: tuple[str, ...]
    added: list[Row]
    removed: list[Row]
    changed: list[RowChange]

    @property
    def same(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def as_json(self) -> dict[str, Any]:
        return {
            "primary_key": list(self.by_key),
            "added": self.added,
            "removed": self.removed,
            "changed": [
                {"key": list(c.key), "fields": list(c.fields), "before": c.before, "after": c.after}
                for c in self.changed
            ],
        }


def _whole(row: Mapping[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def diff_rows(before: Sequence[Row], after: Sequence[Row], primary_key: Sequence[str]) -> VersionDiff:
    if primary_key:
        old = {key_of(row, primary_key): row for row in before}
        new_keys = {key_of(row, primary_key) for row in after}
        changed = []
        added = []
        for row in after:
            key = key_of(row, primary_key)
            if key not in old:
                added.append(row)
            elif old[key] != row:
                names = sorted(set(old[key]) | set(row))
                differ = tuple(n for n in names if old[key].get(n) != row.get(n))
                changed.append(RowChange(key, old[key], row, differ))
        removed = [row for row in before if key_of(row, primary_key) not in new_keys]
        return VersionDiff(tuple(primary_key), added, removed, changed)
    # No key: a multiset of whole rows, so a row repeated twice and now once counts as one removed.
    remaining = Counter(_whole(row) for row in before)
    added = []
    for row in after:
        whole = _whole(row)
        if remaining[whole] > 0:
            remaining[whole] -= 1
        else:
            added.append(row)
    removed = []
    for row in before:
        whole = _whole(row)
        if remaining[whole] > 0:
            remaining[whole] -= 1
            removed.append(row)
    return VersionDiff((), added, removed, [])
