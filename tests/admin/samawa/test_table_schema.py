"""Table Schemas: parsing refuses what cannot be used; validation types every cell, collects every error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from admin.samawa import SamawaError
from admin.samawa.table_schema import (
    ERROR_REPORT_LIMIT,
    REFERENCE_TABLES,
    RowError,
    SchemaError,
    error_report,
    parse_schema,
    references_from_rows,
    validate_rows,
)

KELURAHAN = frozenset({"33.74.01.1001", "33.74.01.1002", "33.74.16.1007"})
REFS = {"wilayah_kecamatan": frozenset({"33.74.01", "33.74.16"}), "wilayah_kelurahan": KELURAHAN}

POPULATION = {
    "fields": [
        {
            "name": "kode_kelurahan",
            "type": "string",
            "title": "Kode kelurahan",
            "constraints": {"required": True},
        },
        {
            "name": "tahun",
            "type": "year",
            "constraints": {"required": True, "minimum": 2000, "maximum": 2100},
        },
        {"name": "jumlah", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "rasio", "type": "number"},
        {"name": "aktif", "type": "boolean"},
        {"name": "tanggal", "type": "date"},
        {"name": "catatan", "type": "string", "constraints": {"maxLength": 20}},
    ],
    "primaryKey": ["kode_kelurahan", "tahun"],
    "foreignKeys": [
        {"fields": "kode_kelurahan", "reference": {"resource": "wilayah_kelurahan", "fields": "kode"}}
    ],
}


def schema_of(*fields: dict[str, Any], **extra: Any) -> Any:
    return parse_schema({"fields": list(fields), **extra})


def check(
    schema: Any, rows: list[dict[str, object]], *, public: bool = False
) -> list[tuple[int, str | None, str]]:
    return [(e.row, e.field, e.code) for e in validate_rows(schema, rows, REFS, public=public).errors]


def one_field(field: dict[str, Any], raw: object) -> tuple[object, list[str]]:
    result = validate_rows(schema_of(field), [{field["name"]: raw}], REFS, public=False)
    return result.rows[0][field["name"]], [e.code for e in result.errors]


# --- parsing ----------------------------------------------------------------------------------------------


def test_a_full_schema_parses_and_round_trips() -> None:
    schema = parse_schema(POPULATION)
    assert schema.field_names == ("kode_kelurahan", "tahun", "jumlah", "rasio", "aktif", "tanggal", "catatan")
    assert schema.primary_key == ("kode_kelurahan", "tahun")
    assert schema.foreign_keys[0].resource == "wilayah_kelurahan"
    assert schema.field("kode_kelurahan").title == "Kode kelurahan"
    descriptor = schema.to_descriptor()
    assert parse_schema(descriptor) == schema
    assert json.loads(json.dumps(descriptor)) == descriptor
    assert descriptor["missingValues"] == [""]
    assert descriptor["primaryKey"] == ["kode_kelurahan", "tahun"]


def test_the_portable_descriptor_hides_the_nik_format_from_other_tools() -> None:
    schema = schema_of({"name": "nik", "type": "string", "format": "nik"})
    assert schema.to_descriptor()["fields"] == [{"name": "nik", "type": "string", "format": "nik"}]
    portable = schema.to_descriptor(portable=True)
    assert portable["fields"] == [{"name": "nik", "type": "string", "x-samawa-format": "nik"}]


@pytest.mark.parametrize(
    ("descriptor", "message"),
    [
        ([], "must be a JSON object"),
        ({}, "needs `fields`"),
        ({"fields": []}, "needs `fields`"),
        ({"fields": ["a"]}, "field 1 must be an object"),
        ({"fields": [{"type": "string"}]}, "field 1 needs a name"),
        ({"fields": [{"name": "", "type": "string"}]}, "field 1 needs a name"),
        ({"fields": [{"name": "a\nb"}]}, "field 1 needs a name"),
        ({"fields": [{"name": "x" * 101}]}, "field 1 needs a name"),
        ({"fields": [{"name": "a"}, {"name": "a"}]}, "'a' is defined twice"),
        ({"fields": [{"name": "a", "type": "money"}]}, "unknown type 'money'"),
        ({"fields": [{"name": "a", "format": "phone"}]}, "unknown string format 'phone'"),
        ({"fields": [{"name": "a", "type": "integer", "format": "nik"}]}, "type integer has no format"),
        ({"fields": [{"name": "a", "type": "date", "format": "dd-mm"}]}, "a date format is `default`"),
        ({"fields": [{"name": "a", "title": 3}]}, "`title` must be text"),
        ({"fields": [{"name": "a", "constraints": []}]}, "`constraints` must be an object"),
        ({"fields": [{"name": "a", "constraints": {"requird": True}}]}, "unknown constraint 'requird'"),
        ({"fields": [{"name": "a", "constraints": {"required": "yes"}}]}, "`required` is true or false"),
        ({"fields": [{"name": "a", "type": "integer", "constraints": {"maxLength": 3}}]}, "strings only"),
        ({"fields": [{"name": "a", "constraints": {"minLength": -1}}]}, "whole number ≥ 0"),
        (
            {"fields": [{"name": "a", "constraints": {"minLength": 5, "maxLength": 2}}]},
            "greater than maxLength",
        ),
        ({"fields": [{"name": "a", "constraints": {"minimum": 1}}]}, "applies to numbers"),
        (
            {"fields": [{"name": "a", "type": "integer", "constraints": {"minimum": "x"}}]},
            "not a valid integer",
        ),
        (
            {"fields": [{"name": "a", "type": "date", "constraints": {"maximum": "2024-13-01"}}]},
            "not a valid date",
        ),
        ({"fields": [{"name": "a", "constraints": {"pattern": "("}}]}, "not a valid regular expression"),
        ({"fields": [{"name": "a", "type": "integer", "constraints": {"pattern": "1"}}]}, "strings only"),
        ({"fields": [{"name": "a", "constraints": {"enum": []}}]}, "non-empty list"),
        (
            {"fields": [{"name": "a", "type": "integer", "constraints": {"enum": ["one"]}}]},
            "not a valid integer",
        ),
        ({"fields": [{"name": "a", "type": "any", "constraints": {"unique": True}}]}, "needs a typed field"),
        ({"fields": [{"name": "a", "type": "string", "decimalChar": ","}]}, "numbers only"),
        ({"fields": [{"name": "a", "type": "number", "decimalChar": ",", "groupChar": ","}]}, "must differ"),
        ({"fields": [{"name": "a", "type": "boolean", "trueValues": ["ya"], "falseValues": ["ya"]}]}, "both"),
        ({"fields": [{"name": "a"}], "missingValues": "-"}, "`missingValues` must be a list"),
        ({"fields": [{"name": "a"}], "primaryKey": ["b"]}, "primaryKey names 'b'"),
        ({"fields": [{"name": "a"}], "primaryKey": ["a", "a"]}, "names a field twice"),
        ({"fields": [{"name": "a", "type": "any"}], "primaryKey": "a"}, "other than `any`"),
        ({"fields": [{"name": "a"}], "foreignKeys": {}}, "must be a list"),
        ({"fields": [{"name": "a"}], "foreignKeys": [{"fields": "a"}]}, "needs `fields` and a `reference`"),
        (
            {
                "fields": [{"name": "a"}],
                "foreignKeys": [{"fields": "a", "reference": {"resource": "x", "fields": "kode"}}],
            },
            "unknown reference table 'x'",
        ),
        (
            {
                "fields": [{"name": "a"}],
                "foreignKeys": [
                    {"fields": "a", "reference": {"resource": "wilayah_kelurahan", "fields": "id"}}
                ],
            },
            "links one field to `kode`",
        ),
        (
            {
                "fields": [{"name": "a"}],
                "foreignKeys": [
                    {"fields": "b", "reference": {"resource": "wilayah_kelurahan", "fields": "kode"}}
                ],
            },
            "'b', which is not a field",
        ),
        (
            {
                "fields": [{"name": "a", "type": "integer"}],
                "foreignKeys": [
                    {"fields": "a", "reference": {"resource": "wilayah_kelurahan", "fields": "kode"}}
                ],
            },
            "make the field a string",
        ),
    ],
)
def test_bad_descriptors_are_refused_with_a_clear_message(descriptor: object, message: str) -> None:
    with pytest.raises(SchemaError, match=None) as caught:
        parse_schema(descriptor)
    assert message in str(caught.value)
    assert isinstance(caught.value, SamawaError)  # the CLI prints it and exits 2


# --- types ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "raw", "value"),
    [
        ({"name": "s", "type": "string"}, "Semarang", "Semarang"),
        (
            {"name": "s", "type": "string", "format": "email"},
            "walidata@semarangkota.go.id",
            "walidata@semarangkota.go.id",
        ),
        (
            {"name": "s", "type": "string", "format": "uri"},
            "https://data.semarangkota.go.id/x",
            "https://data.semarangkota.go.id/x",
        ),
        ({"name": "s", "type": "string", "format": "nik"}, "3374011201900001", "3374011201900001"),
        ({"name": "i", "type": "integer"}, "42", 42),
        ({"name": "i", "type": "integer"}, "-7", -7),
        ({"name": "i", "type": "integer"}, "+7", 7),
        ({"name": "i", "type": "integer"}, 42, 42),
        ({"name": "i", "type": "integer"}, 42.0, 42),
        ({"name": "n", "type": "number"}, "1.5", 1.5),
        ({"name": "n", "type": "number"}, "10", 10),
        ({"name": "n", "type": "number"}, "10.0", 10),
        ({"name": "n", "type": "number"}, "-.5e2", -50),
        ({"name": "n", "type": "number"}, 2.25, 2.25),
        ({"name": "n", "type": "number"}, 3, 3),
        ({"name": "n", "type": "number", "decimalChar": ",", "groupChar": "."}, "1.234,5", 1234.5),
        ({"name": "b", "type": "boolean"}, "true", True),
        ({"name": "b", "type": "boolean"}, "0", False),
        ({"name": "b", "type": "boolean"}, False, False),
        ({"name": "b", "type": "boolean", "trueValues": ["ya"], "falseValues": ["tidak"]}, "tidak", False),
        ({"name": "d", "type": "date"}, "2024-02-29", "2024-02-29"),
        ({"name": "d", "type": "date", "format": "%d/%m/%Y"}, "17/08/1945", "1945-08-17"),
        ({"name": "t", "type": "datetime"}, "2024-05-01T08:30:00+07:00", "2024-05-01T08:30:00+07:00"),
        ({"name": "t", "type": "datetime"}, "2024-05-01T08:30:00Z", "2024-05-01T08:30:00+00:00"),
        ({"name": "t", "type": "time"}, "08:30:00", "08:30:00"),
        ({"name": "y", "type": "year"}, "2024", 2024),
        ({"name": "y", "type": "year"}, 2024, 2024),
        ({"name": "m", "type": "yearmonth"}, "2024-12", "2024-12"),
        ({"name": "a", "type": "any"}, {"x": [1, 2]}, {"x": [1, 2]}),
        ({"name": "s", "type": "string"}, "", None),  # the default missing value
        ({"name": "i", "type": "integer"}, None, None),
    ],
)
def test_valid_cells_become_json_ready_values(field: dict[str, Any], raw: object, value: object) -> None:
    typed, codes = one_field(field, raw)
    assert codes == []
    assert typed == value
    assert type(typed) is type(value)
    json.dumps(typed)


@pytest.mark.parametrize(
    ("field", "raw", "code"),
    [
        ({"name": "s", "type": "string"}, 5, "type_error"),
        ({"name": "s", "type": "string", "format": "email"}, "walidata@", "type_error"),
        ({"name": "s", "type": "string", "format": "uri"}, "javascript:alert(1)", "type_error"),
        ({"name": "s", "type": "string", "format": "uri"}, "https://a b", "type_error"),
        ({"name": "s", "type": "string", "format": "nik"}, "3374013102900001", "nik_format"),
        ({"name": "s", "type": "string", "format": "nik"}, 3374011201900001, "nik_format"),
        ({"name": "i", "type": "integer"}, "1.5", "type_error"),
        ({"name": "i", "type": "integer"}, "1_000", "type_error"),
        ({"name": "i", "type": "integer"}, " 5", "type_error"),
        ({"name": "i", "type": "integer"}, "٣", "type_error"),  # an Arabic-Indic digit int() would take
        ({"name": "i", "type": "integer"}, True, "type_error"),
        ({"name": "i", "type": "integer"}, 1.5, "type_error"),
        ({"name": "n", "type": "number"}, "nan", "type_error"),
        ({"name": "n", "type": "number"}, "1e999", "type_error"),
        ({"name": "n", "type": "number"}, "1,5", "type_error"),
        ({"name": "n", "type": "number", "decimalChar": ","}, "1.5", "type_error"),
        ({"name": "n", "type": "number"}, True, "type_error"),
        ({"name": "n", "type": "number"}, float("inf"), "type_error"),
        ({"name": "b", "type": "boolean"}, "ya", "type_error"),
        ({"name": "b", "type": "boolean"}, 1, "type_error"),
        ({"name": "d", "type": "date"}, "2023-02-29", "type_error"),
        ({"name": "d", "type": "date"}, "20240101", "type_error"),
        ({"name": "d", "type": "date"}, "01/02/2024", "type_error"),
        ({"name": "d", "type": "date", "format": "%d/%m/%Y"}, "2024-01-02", "type_error"),
        ({"name": "t", "type": "datetime"}, "2024-05-01 08:30:00", "type_error"),
        ({"name": "t", "type": "time"}, "25:00:00", "type_error"),
        ({"name": "y", "type": "year"}, "24", "type_error"),
        ({"name": "m", "type": "yearmonth"}, "2024-13", "type_error"),
        ({"name": "m", "type": "yearmonth"}, "2024/12", "type_error"),
        ({"name": "a", "type": "any"}, float("nan"), "type_error"),
    ],
)
def test_invalid_cells_are_type_errors(field: dict[str, Any], raw: object, code: str) -> None:
    typed, codes = one_field(field, raw)
    assert codes == [code]
    assert typed is None


# --- constraints ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "good", "bad", "code"),
    [
        ({"name": "x", "type": "integer", "constraints": {"minimum": 0}}, "0", "-1", "minimum"),
        ({"name": "x", "type": "number", "constraints": {"maximum": 1.5}}, "1.5", "1.6", "maximum"),
        (
            {"name": "x", "type": "date", "constraints": {"minimum": "2020-01-01"}},
            "2020-01-01",
            "2019-12-31",
            "minimum",
        ),
        ({"name": "x", "type": "year", "constraints": {"maximum": "2030"}}, "2030", "2031", "maximum"),
        (
            {"name": "x", "type": "yearmonth", "constraints": {"minimum": "2020-06"}},
            "2020-06",
            "2020-05",
            "minimum",
        ),
        (
            {"name": "x", "type": "datetime", "constraints": {"maximum": "2024-01-01T00:00:00Z"}},
            "2024-01-01T06:59:59+07:00",
            "2024-01-01T00:00:01",
            "maximum",
        ),
        ({"name": "x", "type": "string", "constraints": {"minLength": 2}}, "ab", "a", "min_length"),
        ({"name": "x", "type": "string", "constraints": {"maxLength": 2}}, "ab", "abc", "max_length"),
        ({"name": "x", "type": "string", "constraints": {"pattern": "[A-Z]{3}"}}, "ABC", "ABCD", "pattern"),
        ({"name": "x", "type": "string", "constraints": {"enum": ["L", "P"]}}, "P", "X", "enum"),
        ({"name": "x", "type": "integer", "constraints": {"enum": ["1", 2]}}, "2", "3", "enum"),
        ({"name": "x", "type": "string", "constraints": {"required": True}}, "a", "", "required"),
    ],
)
def test_each_constraint_accepts_the_edge_and_refuses_past_it(
    field: dict[str, Any], good: str, bad: str, code: str
) -> None:
    assert one_field(field, good)[1] == []
    assert one_field(field, bad)[1] == [code]


def test_missing_values_are_none_and_only_required_fields_mind() -> None:
    schema = schema_of(
        {"name": "a", "type": "integer"},
        {"name": "b", "type": "integer", "constraints": {"required": True}},
        missingValues=["", "-", "NA"],
    )
    result = validate_rows(schema, [{"a": "-", "b": "NA"}, {"a": "NA", "b": "3"}], REFS, public=False)
    assert result.rows == [{"a": None, "b": None}, {"a": None, "b": 3}]
    assert [(e.row, e.field, e.code) for e in result.errors] == [(1, "b", "required")]


def test_unique_primary_and_foreign_keys() -> None:
    schema = parse_schema(
        {
            "fields": [
                {"name": "kode", "type": "string"},
                {"name": "tahun", "type": "year"},
                {"name": "email", "type": "string", "constraints": {"unique": True}},
            ],
            "primaryKey": ["kode", "tahun"],
            "foreignKeys": [
                {"fields": ["kode"], "reference": {"resource": "wilayah_kelurahan", "fields": ["kode"]}}
            ],
        }
    )
    rows: list[dict[str, object]] = [
        {"kode": "33.74.01.1001", "tahun": "2024", "email": "a@x.id"},
        {"kode": "33.74.01.1001", "tahun": "2025", "email": "b@x.id"},
        {"kode": "33.74.01.1001", "tahun": "2024", "email": "a@x.id"},  # both keys again
        {"kode": "33.74.99.1001", "tahun": "2024", "email": ""},  # not a kelurahan of Semarang
        {"kode": "", "tahun": "2024", "email": ""},  # primary key fields are required
    ]
    result = validate_rows(schema, rows, REFS, public=False)
    assert [(e.row, e.field, e.code) for e in result.errors] == [
        (3, "email", "unique"),
        (3, None, "primary_key"),
        (4, "kode", "foreign_key"),
        (5, "kode", "required"),
    ]
    messages = {e.code: e.message for e in result.errors}
    assert "row 1" in messages["unique"] and "row 1" in messages["primary_key"]
    assert "wilayah_kelurahan" in messages["foreign_key"]


def test_a_reference_table_that_is_not_loaded_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="not loaded"):
        validate_rows(parse_schema(POPULATION), [], {}, public=False)


# --- every error, together ------------------------------------------------------------------------------


def test_every_bad_row_and_every_bad_field_is_reported_in_row_order() -> None:
    schema = parse_schema(POPULATION)
    rows: list[dict[str, object]] = [
        {
            "kode_kelurahan": "33.74.01.1001", "tahun": "2024", "jumlah": "10", "rasio": "0.5",
            "aktif": "true", "tanggal": "2024-01-31", "catatan": "",
        },
        {
            "kode_kelurahan": "33.74.01.1002", "tahun": "1999", "jumlah": "-1", "rasio": "x",
            "aktif": "ya", "tanggal": "2024-02-30", "catatan": "x" * 21,
        },
        {"kode_kelurahan": "nope", "tahun": "2024", "jumlah": "1", "rasio": "1", "aktif": "0", "tanggal": "",
         "catatan": "", "kolom_lain": "?"},
        {"kode_kelurahan": "33.74.16.1007", "tahun": "2024", "jumlah": "1", "rasio": "1", "aktif": "0"},
    ]  # fmt: skip
    result = validate_rows(schema, rows, REFS, public=False)
    assert [(e.row, e.field, e.code) for e in result.errors] == [
        (2, "tahun", "minimum"),
        (2, "jumlah", "minimum"),
        (2, "rasio", "type_error"),
        (2, "aktif", "type_error"),
        (2, "tanggal", "type_error"),
        (2, "catatan", "max_length"),
        (3, "kolom_lain", "extra_field"),
        (3, "kode_kelurahan", "foreign_key"),
    ]  # row 4 leaves out two optional fields: missing values, as empty cells are
    assert result.rows[0] == {
        "kode_kelurahan": "33.74.01.1001", "tahun": 2024, "jumlah": 10, "rasio": 0.5,
        "aktif": True, "tanggal": "2024-01-31", "catatan": None,
    }  # fmt: skip
    assert result.rows[1]["tahun"] is None and result.rows[1]["kode_kelurahan"] == "33.74.01.1002"
    assert "kolom_lain" not in result.rows[2]
    assert all(e.message for e in result.errors)
    json.dumps([e.as_dict() for e in result.errors])
    json.dumps(result.rows)


def test_a_column_missing_or_unknown_everywhere_is_one_whole_file_error() -> None:
    schema = schema_of({"name": "a", "type": "integer"}, {"name": "b", "type": "integer"})
    rows: list[dict[str, object]] = [{"a": str(i), "c": "x"} for i in range(1, 1001)]
    rows[10]["a"] = "oops"
    errors = validate_rows(schema, rows, REFS, public=False, table=True).errors  # a CSV without column b
    assert [(e.row, e.field, e.code) for e in errors] == [
        (0, "b", "missing_field"),
        (0, "c", "extra_field"),
        (11, "a", "type_error"),
    ]


def test_json_rows_may_leave_out_optional_fields_but_not_required_ones() -> None:
    schema = schema_of(
        {"name": "a", "type": "integer", "constraints": {"required": True}}, {"name": "b", "type": "integer"}
    )
    assert validate_rows(schema, [{"a": 1}, {"a": 2, "b": 3}], REFS, public=False).errors == []
    errors = validate_rows(schema, [{"b": 1}, {"a": 2}], REFS, public=False).errors
    assert [(e.row, e.field, e.code) for e in errors] == [(1, "a", "missing_field")]
    errors = validate_rows(schema, [{"b": 1}, {"b": 2}], REFS, public=False).errors
    assert [(e.row, e.field, e.code) for e in errors] == [(0, "a", "missing_field")]  # once, not per row


def test_rows_that_are_not_objects_are_errors_not_crashes() -> None:
    schema = schema_of({"name": "a"})
    result = validate_rows(schema, [["x"], {"a": "y"}], REFS, public=False)  # type: ignore[list-item]
    assert [(e.row, e.code) for e in result.errors] == [(1, "type_error")]
    assert result.rows == [{"a": None}, {"a": "y"}]


def test_all_errors_of_a_large_input_are_kept() -> None:
    schema = parse_schema(POPULATION)
    rows: list[dict[str, object]] = [
        {"kode_kelurahan": "33.74.01.1001", "tahun": str(2000 + i % 100), "jumlah": "x" if i % 2 else str(i),
         "rasio": "1.5", "aktif": "1", "tanggal": "2024-01-01", "catatan": "", "id": str(i)}
        for i in range(100_000)
    ]  # fmt: skip
    result = validate_rows(schema, rows, REFS, public=False)
    codes = [e.code for e in result.errors]
    assert codes.count("type_error") == 50_000  # every odd row
    assert codes.count("primary_key") == 100_000 - 100  # only 100 distinct (kode, tahun)
    assert codes.count("extra_field") == 1  # `id` in every row: one whole-file error
    assert len(result.rows) == 100_000
    report = error_report(result.errors)
    assert report["error_count"] == len(result.errors)
    assert len(report["errors"]) == ERROR_REPORT_LIMIT and report["truncated"] is True  # type: ignore[arg-type]
    assert error_report(result.errors[:50_000])["truncated"] is False  # one error in each of 50,000 rows: all


def test_error_report_of_few_errors_is_whole() -> None:
    errors = [RowError(1, "a", "required", "a value is required")]
    assert error_report(errors) == {
        "error_count": 1,
        "errors": [{"row": 1, "field": "a", "code": "required", "message": "a value is required"}],
        "truncated": False,
    }


# --- the privacy gate -------------------------------------------------------------------------------------


def test_a_nik_anywhere_in_a_public_dataset_is_refused() -> None:
    schema = schema_of(
        {"name": "nama", "type": "string"},
        {"name": "catatan", "type": "string"},
        {"name": "angka", "type": "integer"},
        {"name": "bebas", "type": "any"},
    )
    rows: list[dict[str, object]] = [
        {"nama": "3374011201900001", "catatan": "", "angka": "1", "bebas": ""},
        {"nama": "Budi", "catatan": "NIK 3374 0112 0190 0001", "angka": "1", "bebas": ""},
        {"nama": "Budi", "catatan": "lihat NIK3374015201900002.", "angka": "3374011201900001", "bebas": ""},
        {"nama": "Budi", "catatan": "", "angka": 3374011201900001, "bebas": "3374011201900001"},
        {"nama": "Budi", "catatan": "telp 081234567890123", "angka": "1234567890123456", "bebas": ""},
    ]
    public = check(schema, rows, public=True)
    assert public == [
        (1, "nama", "nik_in_public"),
        (3, "catatan", "nik_in_public"),
        (3, "angka", "nik_in_public"),
        (4, "angka", "nik_in_public"),
        (4, "bebas", "nik_in_public"),
    ]
    # "3374 0112 0190 0001" within a longer text is not one run of digits: the grouped form is caught
    # only as a whole cell.
    assert check(
        schema, [{"nama": "3374 0112 0190 0001", "catatan": "", "angka": "", "bebas": ""}], public=True
    ) == [(1, "nama", "nik_in_public")]
    assert check(schema, rows, public=False) == []


def test_a_nik_field_cannot_be_public_but_is_checked_when_restricted() -> None:
    schema = schema_of({"name": "nik", "type": "string", "format": "nik"})
    rows: list[dict[str, object]] = [{"nik": "3374011201900001"}, {"nik": "3374013102900001"}]
    assert check(schema, rows, public=False) == [(2, "nik", "nik_format")]
    assert check(schema, rows, public=True) == [
        (0, "nik", "nik_in_public"),
        (1, "nik", "nik_in_public"),
        (2, "nik", "nik_format"),
    ]


def test_references_from_rows_knows_every_reference_table() -> None:
    refs = references_from_rows(
        [
            {"table_name": "wilayah_kelurahan", "code": "33.74.01.1001"},
            {"table_name": "wilayah_kelurahan", "code": "x"},
        ]
    )
    assert refs == {"wilayah_kecamatan": frozenset(), "wilayah_kelurahan": frozenset({"33.74.01.1001", "x"})}
    assert set(REFERENCE_TABLES) <= set(refs)


# --- properties -------------------------------------------------------------------------------------------


@given(st.integers(-(10**30), 10**30))
def test_integers_round_trip_from_text(value: int) -> None:
    assert one_field({"name": "i", "type": "integer"}, str(value)) == (value, [])


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_round_trip_from_text(value: float) -> None:
    typed, codes = one_field({"name": "n", "type": "number"}, repr(value))
    assert codes == [] and typed == value


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)


@given(st.lists(st.dictionaries(st.sampled_from(["kode_kelurahan", "tahun", "jumlah", "rasio", "aktif",
                                                  "tanggal", "catatan", "zz"]), json_values), max_size=20),
       st.booleans())  # fmt: skip
def test_any_json_rows_give_a_report_never_a_crash(rows: list[dict[str, object]], public: bool) -> None:
    result = validate_rows(parse_schema(POPULATION), rows, REFS, public=public)
    assert len(result.rows) == len(rows)
    assert all(0 <= e.row <= len(rows) for e in result.errors)
    json.dumps(result.rows, allow_nan=False)
    names = set(parse_schema(POPULATION).field_names)
    assert all(set(typed_row) == names for typed_row in result.rows)
