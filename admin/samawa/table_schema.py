"""Frictionless Table Schemas: parse a dataset's schema, then validate rows against it, collecting all errors.

`parse_schema` refuses a bad descriptor with one clear message. `validate_rows` never stops at the first
error: it is the report an OPD acts on. It compiles one checker closure per field once, then loops the rows
in plain Python (100,000 rows per submission must stay fast): no regex compiled per cell, no exception on
the path of a valid cell.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlsplit

from admin.samawa import SamawaError
from admin.samawa.nik import check_nik, looks_like_nik

# The reference tables a foreign key may point to (rows in `reference_codes`, see admin/samawa/regions.py).
REFERENCE_TABLES = ("wilayah_kecamatan", "wilayah_kelurahan")
REFERENCE_FIELD = "kode"

FIELD_TYPES = (
    "string",
    "integer",
    "number",
    "boolean",
    "date",
    "year",
    "datetime",
    "time",
    "yearmonth",
    "any",
)
STRING_FORMATS = ("default", "email", "uri", "nik")
CONSTRAINTS = ("required", "unique", "minimum", "maximum", "minLength", "maxLength", "pattern", "enum")
# Which constraints make sense for which types (as in the Table Schema specification).
_ORDERED_TYPES = ("integer", "number", "date", "year", "datetime", "time", "yearmonth")
_DEFAULT_TRUE = ("true", "True", "TRUE", "1")
_DEFAULT_FALSE = ("false", "False", "FALSE", "0")
MAX_FIELD_NAME = 100
# The API returns every error up to ERROR_REPORT_LIMIT, with the total count (see error_report): a
# 100,000-row file with an error in every row is answered whole (about 10 MB of JSON); past that, a file
# that wrong gains nothing from more of the same, and an answer of hundreds of megabytes would hurt the
# portal. validate_rows itself always returns them all.
ERROR_REPORT_LIMIT = 100_000

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DIGIT_RUN = re.compile(r"(?<!\d)\d{16}(?!\d)")  # a NIK hidden inside a longer text
_NIK_IN_PUBLIC = "a NIK (national ID) cannot be published in a public dataset"


class SchemaError(SamawaError):
    """A Table Schema (or a suppression rule) SAMAWA cannot use; the message says what to fix."""


@dataclass(frozen=True)
class RowError:
    """One problem: `row` is the 1-based data row (header excluded), 0 for the whole file."""

    row: int
    field: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "field": self.field, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    format: str
    title: str
    description: str
    constraints: Mapping[str, Any]
    options: Mapping[str, Any]  # decimalChar, groupChar, trueValues, falseValues

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required", False))


@dataclass(frozen=True)
class ForeignKey:
    field: str
    resource: str  # one of REFERENCE_TABLES


@dataclass(frozen=True)
class TableSchema:
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    missing_values: tuple[str, ...]

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def to_descriptor(self, *, portable: bool = False) -> dict[str, object]:
        """The schema as a normalised descriptor; `parse_schema` reads it back to an equal schema.

        portable=True gives what other Frictionless tools accept: our own `nik` string format becomes the
        custom property `x-samawa-format` (frictionless-py refuses unknown formats).
        """
        fields: list[dict[str, object]] = []
        for f in self.fields:
            out: dict[str, object] = {"name": f.name, "type": f.type}
            if f.format != "default":
                if portable and f.format == "nik":
                    out["x-samawa-format"] = "nik"
                else:
                    out["format"] = f.format
            if f.title:
                out["title"] = f.title
            if f.description:
                out["description"] = f.description
            out.update(copy.deepcopy(dict(f.options)))
            if f.constraints:
                out["constraints"] = copy.deepcopy(dict(f.constraints))
            fields.append(out)
        descriptor: dict[str, object] = {"fields": fields, "missingValues": list(self.missing_values)}
        if self.primary_key:
            descriptor["primaryKey"] = list(self.primary_key)
        if self.foreign_keys:
            descriptor["foreignKeys"] = [
                {"fields": [fk.field], "reference": {"resource": fk.resource, "fields": [REFERENCE_FIELD]}}
                for fk in self.foreign_keys
            ]
        return descriptor


@dataclass
class Validation:
    rows: list[dict[str, object]]  # typed, JSON-ready; a cell in error is None
    errors: list[RowError]

    @property
    def valid(self) -> bool:
        return not self.errors


def error_report(errors: Sequence[RowError], *, limit: int = ERROR_REPORT_LIMIT) -> dict[str, object]:
    """The machine-readable report: the total count and the errors, the first `limit` of them."""
    return {
        "error_count": len(errors),
        "errors": [e.as_dict() for e in errors[:limit]],
        "truncated": len(errors) > limit,
    }


def references_from_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, frozenset[str]]:
    """{table_name: codes} from `reference_codes` rows; every reference table is present, maybe empty."""
    found: dict[str, set[str]] = {name: set() for name in REFERENCE_TABLES}
    for row in rows:
        found.setdefault(row["table_name"], set()).add(row["code"])
    return {name: frozenset(codes) for name, codes in found.items()}


# --- parsing the descriptor -------------------------------------------------------------------------------


def parse_schema(descriptor: object) -> TableSchema:
    """A TableSchema from a Frictionless Table Schema descriptor, or SchemaError naming the problem."""
    if not isinstance(descriptor, dict):
        raise SchemaError("the schema must be a JSON object with a list of fields")
    raw_fields = descriptor.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise SchemaError("the schema needs `fields`: a non-empty list")
    missing = descriptor.get("missingValues", [""])
    if not isinstance(missing, list) or not all(isinstance(v, str) for v in missing):
        raise SchemaError("`missingValues` must be a list of strings")
    fields: list[Field] = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_fields, 1):
        field = _parse_field(raw, position)
        if field.name in seen:
            raise SchemaError(f"field {field.name!r} is defined twice")
        seen.add(field.name)
        fields.append(field)
    primary_key = _name_list(descriptor.get("primaryKey", []), "primaryKey")
    types = {f.name: f.type for f in fields}
    for name in primary_key:
        if name not in seen:
            raise SchemaError(f"primaryKey names {name!r}, which is not a field")
        if types[name] == "any":
            raise SchemaError(f"primaryKey field {name!r} needs a type other than `any`")
    if len(set(primary_key)) != len(primary_key):
        raise SchemaError("primaryKey names a field twice")
    foreign_keys = _parse_foreign_keys(descriptor.get("foreignKeys", []), types)
    schema = TableSchema(tuple(fields), tuple(primary_key), foreign_keys, tuple(missing))
    for f in schema.fields:
        _compile_value_parser(f, schema.missing_values)  # enum and minimum/maximum must parse as the type
    return schema


def _name_list(value: object, what: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SchemaError(f"`{what}` must be a field name or a list of field names")
    return value


def _parse_field(raw: object, position: int) -> Field:
    if not isinstance(raw, dict):
        raise SchemaError(f"field {position} must be an object with a name and a type")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_FIELD_NAME or not name.isprintable():
        raise SchemaError(
            f"field {position} needs a name: printable text of 1 to {MAX_FIELD_NAME} characters"
        )
    ftype = raw.get("type", "string")
    if ftype not in FIELD_TYPES:
        raise SchemaError(f"field {name!r}: unknown type {ftype!r} (one of {', '.join(FIELD_TYPES)})")
    fformat = raw.get("format", "default")
    if not isinstance(fformat, str):
        raise SchemaError(f"field {name!r}: `format` must be text")
    if ftype == "string" and fformat not in STRING_FORMATS:
        raise SchemaError(
            f"field {name!r}: unknown string format {fformat!r} (one of {', '.join(STRING_FORMATS)})"
        )
    if ftype in ("date", "datetime", "time") and fformat not in ("default", "any") and "%" not in fformat:
        raise SchemaError(f"field {name!r}: a {ftype} format is `default` or a pattern such as %d/%m/%Y")
    if ftype not in ("string", "date", "datetime", "time") and fformat != "default":
        raise SchemaError(f"field {name!r}: type {ftype} has no format {fformat!r}")
    for text_key in ("title", "description"):
        if not isinstance(raw.get(text_key, ""), str):
            raise SchemaError(f"field {name!r}: `{text_key}` must be text")
    constraints = raw.get("constraints", {})
    if not isinstance(constraints, dict):
        raise SchemaError(f"field {name!r}: `constraints` must be an object")
    _check_constraints(name, ftype, constraints)
    options = {k: raw[k] for k in ("decimalChar", "groupChar", "trueValues", "falseValues") if k in raw}
    _check_options(name, ftype, options)
    return Field(
        name=name,
        type=ftype,
        format=fformat,
        title=raw.get("title", ""),
        description=raw.get("description", ""),
        constraints=copy.deepcopy(constraints),
        options=copy.deepcopy(options),
    )


def _check_constraints(name: str, ftype: str, constraints: dict[str, Any]) -> None:
    for key, value in constraints.items():
        if key not in CONSTRAINTS:
            raise SchemaError(f"field {name!r}: unknown constraint {key!r} (one of {', '.join(CONSTRAINTS)})")
        if key in ("required", "unique") and not isinstance(value, bool):
            raise SchemaError(f"field {name!r}: `{key}` is true or false")
        if key in ("unique", "enum") and ftype == "any":
            raise SchemaError(f"field {name!r}: `{key}` needs a typed field, not `any`")
        if key in ("minLength", "maxLength"):
            if ftype != "string":
                raise SchemaError(f"field {name!r}: `{key}` applies to strings only")
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise SchemaError(f"field {name!r}: `{key}` must be a whole number ≥ 0")
        if key in ("minimum", "maximum") and ftype not in _ORDERED_TYPES:
            raise SchemaError(f"field {name!r}: `{key}` applies to numbers, years and dates, not {ftype}")
        if key == "pattern":
            if ftype != "string":
                raise SchemaError(f"field {name!r}: `pattern` applies to strings only")
            if not isinstance(value, str):
                raise SchemaError(f"field {name!r}: `pattern` must be a regular expression")
            try:
                re.compile(value)
            except re.error as exc:
                raise SchemaError(
                    f"field {name!r}: `pattern` is not a valid regular expression: {exc}"
                ) from None
        if key == "enum" and (not isinstance(value, list) or not value):
            raise SchemaError(f"field {name!r}: `enum` must be a non-empty list of the allowed values")
    low, high = constraints.get("minLength"), constraints.get("maxLength")
    if low is not None and high is not None and low > high:
        raise SchemaError(f"field {name!r}: minLength is greater than maxLength")


def _check_options(name: str, ftype: str, options: dict[str, Any]) -> None:
    for key in ("decimalChar", "groupChar"):
        if key in options:
            if ftype != "number":
                raise SchemaError(f"field {name!r}: `{key}` applies to numbers only")
            if not isinstance(options[key], str) or len(options[key]) != 1:
                raise SchemaError(f"field {name!r}: `{key}` must be one character")
    if options.get("decimalChar", ".") == options.get("groupChar"):
        raise SchemaError(f"field {name!r}: decimalChar and groupChar must differ")
    for key in ("trueValues", "falseValues"):
        if key in options:
            if ftype != "boolean":
                raise SchemaError(f"field {name!r}: `{key}` applies to booleans only")
            values = options[key]
            if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                raise SchemaError(f"field {name!r}: `{key}` must be a non-empty list of strings")
    if set(options.get("trueValues", _DEFAULT_TRUE)) & set(options.get("falseValues", _DEFAULT_FALSE)):
        raise SchemaError(f"field {name!r}: a value cannot be both true and false")


def _parse_foreign_keys(value: object, types: dict[str, str]) -> tuple[ForeignKey, ...]:
    if not isinstance(value, list):
        raise SchemaError("`foreignKeys` must be a list")
    keys = []
    for raw in value:
        if not isinstance(raw, dict) or not isinstance(raw.get("reference"), dict):
            raise SchemaError("each foreign key needs `fields` and a `reference` object")
        fields = _name_list(raw.get("fields"), "foreignKeys.fields")
        reference = raw["reference"]
        resource = reference.get("resource")
        ref_fields = _name_list(reference.get("fields"), "foreignKeys.reference.fields")
        if len(fields) != 1 or ref_fields != [REFERENCE_FIELD]:
            raise SchemaError(f"a foreign key links one field to `{REFERENCE_FIELD}` of a reference table")
        if fields[0] not in types:
            raise SchemaError(f"foreign key on {fields[0]!r}, which is not a field")
        if types[fields[0]] != "string":
            raise SchemaError(
                f"foreign key on {fields[0]!r}: region codes are strings, make the field a string"
            )
        if resource not in REFERENCE_TABLES:
            raise SchemaError(
                f"foreign key on {fields[0]!r}: unknown reference table {resource!r} "
                f"(one of {', '.join(REFERENCE_TABLES)})"
            )
        keys.append(ForeignKey(fields[0], resource))
    return tuple(keys)


# --- checkers compiled once per field ---------------------------------------------------------------------


class _Invalid:
    """The marker a value parser returns for a cell it cannot read (no exception on the valid path)."""

    __slots__ = ("code", "message")

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message


_MISSING = object()  # the cell is a missing value: None in the typed row


def _compile_value_parser(field: Field, missing_values: tuple[str, ...]) -> Callable[[object], object]:
    """raw cell → typed JSON-ready value | _MISSING | _Invalid. Checks every constraint on the value alone
    (all but unique, primary and foreign keys, which need other rows or the reference tables)."""
    read = _type_reader(field)
    missing = frozenset(missing_values)
    checks = tuple(_value_constraints(field, read))

    if not checks:  # most fields: one call less per cell

        def parse_type(raw: object) -> object:
            if raw is None or (type(raw) is str and raw in missing):
                return _MISSING
            return read(raw)

        return parse_type

    def parse(raw: object) -> object:
        if raw is None or (type(raw) is str and raw in missing):
            return _MISSING
        value = read(raw)
        if type(value) is _Invalid:
            return value
        for check in checks:
            problem = check(value)
            if problem is not None:
                return problem
        return value

    return parse


def _value_constraints(field: Field, read: Callable[[object], object]) -> list[Callable[[Any], object]]:
    """Checks on a typed value; each returns None or an _Invalid. Constraint values are parsed by `read`
    now, so a bad `minimum` or `enum` entry is a SchemaError at definition time."""
    c = field.constraints
    checks: list[Callable[[Any], object]] = []
    key = _order_key(field.type)

    def typed(constraint: str, raw: object) -> object:
        value = read(raw)
        if type(value) is _Invalid:
            raise SchemaError(f"field {field.name!r}: `{constraint}` {raw!r} is not a valid {field.type}")
        return value

    if "minimum" in c:
        low = typed("minimum", c["minimum"])
        low_key = key(low)
        checks.append(
            lambda v: (
                None if key(v) >= low_key else _Invalid("minimum", f"{v!r} is less than the minimum {low!r}")
            )
        )
    if "maximum" in c:
        high = typed("maximum", c["maximum"])
        high_key = key(high)
        checks.append(
            lambda v: (
                None
                if key(v) <= high_key
                else _Invalid("maximum", f"{v!r} is more than the maximum {high!r}")
            )
        )
    if "minLength" in c:
        min_len = c["minLength"]
        checks.append(
            lambda v: (
                None if len(v) >= min_len else _Invalid("min_length", f"shorter than {min_len} characters")
            )
        )
    if "maxLength" in c:
        max_len = c["maxLength"]
        checks.append(
            lambda v: (
                None if len(v) <= max_len else _Invalid("max_length", f"longer than {max_len} characters")
            )
        )
    if "pattern" in c:
        pattern = re.compile(c["pattern"])
        shown = c["pattern"]
        checks.append(
            lambda v: (
                None
                if pattern.fullmatch(v) is not None
                else _Invalid("pattern", f"does not match the pattern {shown}")
            )
        )
    if "enum" in c:
        allowed = frozenset(typed("enum", raw) for raw in c["enum"])
        shown_enum = ", ".join(str(v) for v in c["enum"][:20])
        checks.append(
            lambda v: None if v in allowed else _Invalid("enum", f"{v!r} is not one of: {shown_enum}")
        )
    return checks


def _order_key(ftype: str) -> Callable[[Any], Any]:
    """How typed values compare for minimum/maximum: datetimes as instants (a naive one is taken as UTC)."""
    if ftype == "datetime":
        return lambda v: _as_instant(datetime.fromisoformat(v))
    return lambda v: v  # numbers; ISO dates, times and year-months order correctly as text


def _as_instant(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _type_reader(field: Field) -> Callable[[object], object]:
    """raw (CSV text or a JSON value) → JSON-ready typed value, or _Invalid('type_error' | 'nik_format')."""
    ftype, fformat = field.type, field.format
    if ftype == "string":
        return _string_reader(fformat)
    if ftype == "integer":
        return _read_integer
    if ftype == "number":
        return _number_reader(field.options.get("decimalChar", "."), field.options.get("groupChar"))
    if ftype == "boolean":
        return _boolean_reader(
            frozenset(field.options.get("trueValues", _DEFAULT_TRUE)),
            frozenset(field.options.get("falseValues", _DEFAULT_FALSE)),
        )
    if ftype in ("date", "datetime", "time"):
        return _temporal_reader(ftype, fformat)
    if ftype == "year":
        return _read_year
    if ftype == "yearmonth":
        return _read_yearmonth
    return _read_any


def _type_error(expected: str) -> _Invalid:
    return _Invalid("type_error", f"expected {expected}")


_NOT_TEXT = _type_error("text")
_NOT_WHOLE = _type_error("a whole number")
_NOT_FINITE = _type_error("a finite number")
_NOT_YEAR = _type_error("a year of four digits")
_NOT_YEARMONTH = _type_error("a year and month written as YYYY-MM")


def _string_reader(fformat: str) -> Callable[[object], object]:
    if fformat == "email":
        not_email = _type_error("an e-mail address")

        def read_email(raw: object) -> object:
            if type(raw) is not str:
                return _NOT_TEXT
            return raw if _EMAIL.fullmatch(raw) else not_email

        return read_email
    if fformat == "uri":
        not_uri = _type_error("an http(s) address")

        def read_uri(raw: object) -> object:
            if type(raw) is not str:
                return _NOT_TEXT
            parts = urlsplit(raw)
            return raw if parts.scheme in ("http", "https") and parts.netloc and " " not in raw else not_uri

        return read_uri
    if fformat == "nik":

        def read_nik(raw: object) -> object:
            if type(raw) is not str:
                return _Invalid("nik_format", "a NIK is written as text of 16 digits")
            reason = check_nik(raw)
            return raw if reason is None else _Invalid("nik_format", reason)

        return read_nik

    def read_string(raw: object) -> object:
        return raw if type(raw) is str else _NOT_TEXT

    return read_string


def _read_integer(raw: object) -> object:
    if type(raw) is str:
        digits = raw[1:] if raw[:1] in ("-", "+") else raw
        # Not int() alone: it also takes "1_000", " 5" and non-ASCII digits.
        return int(raw) if digits.isascii() and digits.isdigit() else _NOT_WHOLE
    if type(raw) is int:  # not isinstance: JSON true is not 1
        return raw
    if type(raw) is float and raw.is_integer():
        return int(raw)
    return _NOT_WHOLE


def _number_reader(decimal_char: str, group_char: str | None) -> Callable[[object], object]:
    not_number = _type_error(
        "a number" if decimal_char == "." else f"a number with {decimal_char!r} as decimal mark"
    )

    def read_number(raw: object) -> object:
        if type(raw) is str:
            text = raw
            if group_char is not None:
                text = text.replace(group_char, "")
            if decimal_char != ".":
                if "." in text:
                    return not_number
                text = text.replace(decimal_char, ".")
            if _NUMBER.fullmatch(text) is None:
                return not_number
            return _json_number(float(text))
        if type(raw) is int:
            return raw
        if type(raw) is float:
            return _json_number(raw)
        return not_number

    return read_number


def _json_number(value: float) -> object:
    """One form whatever the input: 10, "10" and "10.0" all become 10 (a CSV and a JSON submission of the
    same data then hash alike); non-integral values stay floats."""
    if not math.isfinite(value):
        return _NOT_FINITE
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _boolean_reader(true_values: frozenset[str], false_values: frozenset[str]) -> Callable[[object], object]:
    expected = _type_error(f"true or false ({', '.join(sorted(true_values | false_values))})")

    def read_boolean(raw: object) -> object:
        if type(raw) is bool:
            return raw
        if type(raw) is str:
            if raw in true_values:
                return True
            if raw in false_values:
                return False
        return expected

    return read_boolean


_ISO_FORMS = {
    "date": "a date written as YYYY-MM-DD",
    "datetime": "a date and time written as YYYY-MM-DDTHH:MM:SS (optionally with Z or +07:00)",
    "time": "a time written as HH:MM:SS",
}


def _temporal_reader(ftype: str, fformat: str) -> Callable[[object], object]:
    """Dates, datetimes and times → ISO text. `format` is `default` (ISO) or a strptime pattern."""
    if "%" in fformat:
        expected = _type_error(f"a {ftype} written as {fformat}")

        def read_pattern(raw: object) -> object:
            if type(raw) is not str:
                return expected
            try:
                parsed = datetime.strptime(raw, fformat)  # naive on purpose: a local date as written
            except ValueError:
                return expected
            if ftype == "date":
                return parsed.date().isoformat()
            return parsed.time().isoformat() if ftype == "time" else parsed.isoformat()

        return read_pattern
    expected_iso = _type_error(_ISO_FORMS[ftype])
    # fromisoformat also takes 20240101, week dates and more: insist on the one Table Schema form first.
    if ftype == "date":

        def read_date(raw: object) -> object:
            if type(raw) is not str or len(raw) != 10 or raw[4] != "-" or raw[7] != "-":
                return expected_iso
            try:
                return date.fromisoformat(raw).isoformat()
            except ValueError:
                return expected_iso

        return read_date
    if ftype == "datetime":

        def read_datetime(raw: object) -> object:
            if type(raw) is not str or len(raw) < 19 or raw[4] != "-" or raw[10] != "T":
                return expected_iso
            try:
                return datetime.fromisoformat(raw).isoformat()
            except ValueError:
                return expected_iso

        return read_datetime

    def read_time(raw: object) -> object:
        if type(raw) is not str or len(raw) < 8 or raw[2] != ":":
            return expected_iso
        try:
            return time.fromisoformat(raw).isoformat()
        except ValueError:
            return expected_iso

    return read_time


def _read_year(raw: object) -> object:
    if type(raw) is int:
        return raw if 0 <= raw <= 9999 else _NOT_YEAR
    if type(raw) is str and len(raw) == 4 and raw.isascii() and raw.isdigit():
        return int(raw)
    return _NOT_YEAR


def _read_yearmonth(raw: object) -> object:
    if type(raw) is not str or len(raw) != 7 or raw[4] != "-" or not raw.isascii():
        return _NOT_YEARMONTH
    year, month = raw[:4], raw[5:]
    if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        return raw
    return _NOT_YEARMONTH


def _read_any(raw: object) -> object:
    if type(raw) is float and not math.isfinite(raw):
        return _NOT_FINITE
    return raw


# --- validating rows --------------------------------------------------------------------------------------


def validate_rows(
    schema: TableSchema,
    rows: Iterable[Mapping[str, object]],
    references: Mapping[str, frozenset[str]],
    *,
    public: bool,
    table: bool = False,
) -> Validation:
    """Type every cell and check every constraint; ALL errors are collected, in row order.

    A field a row leaves out is a missing value, as an empty cell is: an error only where a value is
    required. `table`: the rows come from a table with a header (CSV), where a field of the schema with no
    column is an error even if optional (the file does not have the schema's shape). A field absent from
    every row, or a column the schema does not know present in every row, is reported once as a
    whole-file error (row 0) rather than once per row.
    `public`: the dataset is `publik`, so any NIK-like value is refused (the privacy gate).
    """
    names = schema.field_names
    field_count = len(names)
    name_set = frozenset(names)
    parsers = tuple((f.name, _compile_value_parser(f, schema.missing_values)) for f in schema.fields)
    required = frozenset(f.name for f in schema.fields if f.required) | frozenset(schema.primary_key)
    fk_sets: list[tuple[str, str, frozenset[str]]] = []
    for fk in schema.foreign_keys:
        if fk.resource not in references:
            raise SchemaError(f"reference table {fk.resource} is not loaded")
        fk_sets.append((fk.field, fk.resource, references[fk.resource]))
    unique_fields = [f.name for f in schema.fields if f.constraints.get("unique")]
    unique_seen: dict[str, dict[object, int]] = {name: {} for name in unique_fields}
    pk = schema.primary_key
    pk_seen: dict[tuple[object, ...], int] = {}
    errors: list[RowError] = []
    typed_rows: list[dict[str, object]] = []
    missing_rows: dict[str, int] = {}
    extra_rows: dict[str, int] = {}
    if public:
        errors.extend(
            RowError(0, f.name, "nik_in_public", "a public dataset cannot have a field with the nik format")
            for f in schema.fields
            if f.format == "nik"
        )

    count = 0
    for count, row in enumerate(rows, 1):
        if not isinstance(row, Mapping):
            errors.append(RowError(count, None, "type_error", "a row must be an object of field → value"))
            typed_rows.append(dict.fromkeys(names))
            continue
        out: dict[str, object] = {}
        absent = 0
        for name, parse in parsers:
            raw = row.get(name, _MISSING)
            if raw is _MISSING:
                out[name] = None
                absent += 1
                missing_rows[name] = missing_rows.get(name, 0) + 1
                if name in required:
                    errors.append(RowError(count, name, "missing_field", f"the row has no field {name!r}"))
                continue
            if public:
                # The privacy gate reads every text cell (a NIK can hide in a note) and whole numbers (a NIK
                # stored as a number is still a NIK), whatever the field's type or format.
                text = raw if type(raw) is str else str(raw) if type(raw) is int else ""
                if len(text) >= 16 and _holds_nik(text):
                    errors.append(RowError(count, name, "nik_in_public", _NIK_IN_PUBLIC))
            value = parse(raw)
            if value is _MISSING:
                out[name] = None
                if name in required:
                    errors.append(RowError(count, name, "required", "a value is required"))
            elif type(value) is _Invalid:
                out[name] = None
                errors.append(RowError(count, name, value.code, value.message))
            else:
                out[name] = value
        if len(row) != field_count - absent:
            for key in row:
                if key not in name_set:
                    key_text = str(key)
                    extra_rows[key_text] = extra_rows.get(key_text, 0) + 1
                    errors.append(
                        RowError(count, key_text, "extra_field", f"{key_text!r} is not a field of the schema")
                    )
        for name, resource, codes in fk_sets:
            value = out[name]
            if value is not None and value not in codes:
                errors.append(RowError(count, name, "foreign_key", f"{value!r} is not a code of {resource}"))
        for name in unique_fields:
            value = out[name]
            if value is not None:
                seen = unique_seen[name]
                first = seen.setdefault(value, count)
                if first != count:
                    errors.append(
                        RowError(count, name, "unique", f"{value!r} already appears in row {first}")
                    )
        if pk:
            key_values = tuple(out[name] for name in pk)
            if None not in key_values:
                first = pk_seen.setdefault(key_values, count)
                if first != count:
                    shown = ", ".join(repr(v) for v in key_values)
                    message = f"the primary key ({shown}) already appears in row {first}"
                    errors.append(RowError(count, None, "primary_key", message))
        typed_rows.append(out)

    if not table:  # left out of every row of a JSON body: only a required field's absence is an error
        missing_rows = {name: n for name, n in missing_rows.items() if name in required}
    errors = _fold_whole_file(errors, count, missing_rows, extra_rows)
    return Validation(typed_rows, errors)


def _holds_nik(text: str) -> bool:
    if looks_like_nik(text):
        return True
    return any(check_nik(m.group()) is None for m in _DIGIT_RUN.finditer(text))


def _fold_whole_file(
    errors: list[RowError], row_count: int, missing_rows: dict[str, int], extra_rows: dict[str, int]
) -> list[RowError]:
    """A column missing (or unknown) in every row: one row-0 error instead of one per row."""
    if row_count == 0:
        return errors
    missing_everywhere = {name for name, n in missing_rows.items() if n == row_count}
    extra_everywhere = {name for name, n in extra_rows.items() if n == row_count}
    if not missing_everywhere and not extra_everywhere:
        return errors
    whole = [
        RowError(0, name, "missing_field", f"no row has the field {name!r}")
        for name in sorted(missing_everywhere)
    ] + [
        RowError(0, name, "extra_field", f"{name!r} is not a field of the schema (in every row)")
        for name in sorted(extra_everywhere)
    ]
    kept = [
        e
        for e in errors
        if not (
            (e.code == "missing_field" and e.field in missing_everywhere)
            or (e.code == "extra_field" and e.field in extra_everywhere)
        )
    ]
    head = [e for e in kept if e.row == 0]
    return head + whole + [e for e in kept if e.row != 0]
