"""Submissions as plain data: bodies into rows, the three modes, keys against the merged rows, canonical CSV
and the difference between two versions."""

from __future__ import annotations

import hashlib
import json

import pytest

from admin.samawa.submissions import (
    Body,
    SubmissionError,
    body_from_csv,
    body_from_json,
    canonical_csv,
    check_submission,
    diff_rows,
    merge_rows,
    merged_key_errors,
    parse_flag,
    parse_mode,
    sha256_hex,
)
from admin.samawa.table_schema import parse_schema

SCHEMA = {
    "fields": [
        {"name": "kode", "type": "string", "constraints": {"required": True}},
        {"name": "tahun", "type": "integer"},
        {"name": "jumlah", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "catatan", "type": "string", "constraints": {"unique": True}},
    ],
    "primaryKey": ["kode", "tahun"],
}
NO_KEY = {"fields": [{"name": "nama", "type": "string"}, {"name": "nilai", "type": "number"}]}


def row(kode: str, tahun: int, jumlah: int, catatan: str | None = None) -> dict[str, object]:
    return {"kode": kode, "tahun": tahun, "jumlah": jumlah, "catatan": catatan}


PUBLISHED = [row("33.74.01", 2023, 10, "a"), row("33.74.02", 2023, 20, "b")]


def test_replace_takes_the_submission_alone() -> None:
    new = [row("33.74.03", 2024, 5)]
    assert merge_rows("replace", PUBLISHED, new, ("kode", "tahun")) == new


def test_append_adds_after_the_published_rows() -> None:
    new = [row("33.74.03", 2024, 5)]
    assert merge_rows("append", PUBLISHED, new, ()) == [*PUBLISHED, *new]


def test_upsert_replaces_by_primary_key_in_place_and_adds_new_keys_at_the_end() -> None:
    changed, added = row("33.74.01", 2023, 11, "a2"), row("33.74.09", 2023, 1)
    merged = merge_rows("upsert", PUBLISHED, [added, changed], ("kode", "tahun"))
    assert merged == [changed, PUBLISHED[1], added]


def test_upsert_without_a_primary_key_cannot_merge() -> None:
    with pytest.raises(ValueError, match="without a primary key"):
        merge_rows("upsert", PUBLISHED, [], ())


def test_append_of_a_published_key_is_an_error_of_that_row() -> None:
    schema = parse_schema(SCHEMA)
    new = [row("33.74.05", 2023, 1, "x"), row("33.74.02", 2023, 21, "y")]
    errors = merged_key_errors(schema, "append", PUBLISHED, new)
    assert [(e.row, e.field, e.code) for e in errors] == [(2, "kode,tahun", "primary_key")]
    assert "upsert" in errors[0].message


def test_unique_values_are_checked_against_the_rows_that_stay() -> None:
    schema = parse_schema(SCHEMA)
    # upsert: row 33.74.01 is replaced, so its "a" is free again; "b" stays with 33.74.02
    new = [row("33.74.01", 2023, 1, "b"), row("33.74.07", 2023, 2, "a")]
    errors = merged_key_errors(schema, "upsert", PUBLISHED, new)
    assert [(e.row, e.field, e.code) for e in errors] == [(1, "catatan", "unique")]
    assert merged_key_errors(schema, "replace", PUBLISHED, new) == []


def test_check_submission_reports_every_error_at_once() -> None:
    schema = parse_schema(SCHEMA)
    body = Body(
        rows=[
            {"kode": "33.74.01", "tahun": "2023", "jumlah": "-1", "catatan": "z"},  # minimum
            {"kode": "", "tahun": "dua", "jumlah": "3", "catatan": "w"},  # required, type
            {"kode": "33.74.02", "tahun": "2023", "jumlah": "4", "catatan": "v"},  # published key
        ],
        mode="append",
        dry_run=False,
    )
    checked = check_submission(schema, body, PUBLISHED, {}, public=True)
    codes = [(e.row, e.field, e.code) for e in checked.errors]
    assert (1, "jumlah", "minimum") in codes
    assert (2, "kode", "required") in codes
    assert (2, "tahun", "type_error") in codes
    assert (3, "kode,tahun", "primary_key") in codes
    assert [e.row for e in checked.errors] == sorted(e.row for e in checked.errors)
    assert not checked.valid


def test_a_valid_body_comes_back_typed() -> None:
    schema = parse_schema(SCHEMA)
    body = Body(
        rows=[{"kode": "33.74.03", "tahun": "2024", "jumlah": "7", "catatan": ""}],
        mode="upsert",
        dry_run=False,
    )
    checked = check_submission(schema, body, PUBLISHED, {}, public=True)
    assert checked.valid, checked.errors
    assert checked.rows == [{"kode": "33.74.03", "tahun": 2024, "jumlah": 7, "catatan": None}]


def test_upsert_needs_a_primary_key() -> None:
    body = Body(rows=[], mode="upsert", dry_run=False)
    with pytest.raises(SubmissionError) as refused:
        check_submission(parse_schema(NO_KEY), body, [], {}, public=True)
    assert refused.value.code == "upsert_without_primary_key"


def test_json_body_with_mode_and_dry_run() -> None:
    body = body_from_json(b'{"rows": [{"nama": "a"}, 5], "mode": "append", "dry_run": true}')
    assert body.mode == "append" and body.dry_run
    assert body.rows == [{"nama": "a"}, {}]  # the bad row keeps its place, so row numbers stay right
    assert [(e.row, e.code) for e in body.errors] == [(2, "type_error")]
    # parameters fill in what the body leaves out
    assert body_from_json(b'{"rows": []}', mode="upsert", dry_run="true").mode == "upsert"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        (b"[1, 2]", "invalid_body"),
        (b'{"rows": {}}', "invalid_body"),
        (b'{"rows": [], "extra": 1}', "invalid_body"),
        (b'{"rows": [], "mode": "merge"}', "invalid_mode"),
        (b'{"rows": [], "dry_run": "perhaps"}', "invalid_parameter"),
    ],
)
def test_unreadable_json_bodies_are_refused_with_a_code(data: bytes, code: str) -> None:
    with pytest.raises(SubmissionError) as refused:
        body_from_json(data)
    assert refused.value.code == code
    assert refused.value.status == 400


def test_csv_body_as_excel_writes_it() -> None:
    data = '\ufeffnama;nilai\r\nKelurahan "A";1,5\r\nB;2\r\n'.encode()
    body = body_from_csv(data, mode="append", dry_run="1")
    assert body.mode == "append" and body.dry_run
    assert [r["nama"] for r in body.rows] == ['Kelurahan "A"', "B"]


def test_modes_and_flags() -> None:
    assert parse_mode(None) == "replace"
    assert parse_mode("upsert") == "upsert"
    assert parse_flag("TRUE", "dry_run") and not parse_flag("0", "dry_run") and not parse_flag(None, "x")


def test_canonical_csv_is_stable_rfc4180() -> None:
    rows = [
        {"kode": "33.74.01", "tahun": 2023, "rasio": 0.5, "aktif": True, "catatan": 'baris "satu"\nlanjut'},
        {"kode": "33.74.02", "tahun": 2024, "rasio": None, "aktif": False, "catatan": "a,b"},
    ]
    data = canonical_csv(["kode", "tahun", "rasio", "aktif", "catatan"], rows)
    assert data == (
        b"kode,tahun,rasio,aktif,catatan\r\n"
        b'33.74.01,2023,0.5,true,"baris ""satu""\nlanjut"\r\n'
        b'33.74.02,2024,,false,"a,b"\r\n'
    )
    assert sha256_hex(data) == hashlib.sha256(data).hexdigest()
    assert canonical_csv(["kode"], [{"kode": "x", "ignored": 1}]) == b"kode\r\nx\r\n"


def test_diff_by_primary_key() -> None:
    before = [row("a", 1, 1), row("b", 1, 2), row("c", 1, 3)]
    after = [row("a", 1, 1), row("b", 1, 20), row("d", 1, 4)]
    diff = diff_rows(before, after, ("kode", "tahun"))
    assert diff.added == [row("d", 1, 4)]
    assert diff.removed == [row("c", 1, 3)]
    assert [(c.key, c.fields, c.before["jumlah"], c.after["jumlah"]) for c in diff.changed] == [
        (("b", 1), ("jumlah",), 2, 20)
    ]
    assert not diff.same
    assert json.loads(json.dumps(diff.as_json()))["changed"][0]["key"] == ["b", 1]


def test_diff_by_whole_rows_counts_repeats() -> None:
    before = [{"nama": "a", "nilai": 1}, {"nama": "a", "nilai": 1}, {"nama": "b", "nilai": 2}]
    after = [{"nilai": 1, "nama": "a"}, {"nama": "b", "nilai": 3}]
    diff = diff_rows(before, after, ())
    assert diff.by_key == ()
    assert diff.added == [{"nama": "b", "nilai": 3}]
    assert diff.removed == [{"nama": "a", "nilai": 1}, {"nama": "b", "nilai": 2}]
    assert diff.changed == []
    assert diff_rows(before, list(before), ()).same
