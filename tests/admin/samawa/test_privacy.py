"""Small-cell suppression: counts below the threshold leave SAMAWA as hidden; bad rules are refused."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from admin.samawa.privacy import check_suppression, suppress_small_cells
from admin.samawa.table_schema import SchemaError, parse_schema

SCHEMA = parse_schema(
    {
        "fields": [
            {"name": "kelurahan", "type": "string"},
            {"name": "desil", "type": "integer"},
            {"name": "jumlah_kk", "type": "integer"},
            {"name": "persen", "type": "number"},
            {"name": "aktif", "type": "boolean"},
        ]
    }
)


def test_counts_below_five_are_hidden_by_default() -> None:
    rows: list[dict[str, object]] = [
        {"kelurahan": "Tugurejo", "desil": 1, "jumlah_kk": 4, "persen": 0.5},
        {"kelurahan": "Jerakah", "desil": 1, "jumlah_kk": 5, "persen": 4.9},
        {"kelurahan": "Mijen", "desil": 2, "jumlah_kk": 0, "persen": None},
        {"kelurahan": "Wates", "desil": 3, "jumlah_kk": None, "persen": 12.0},
    ]
    out = suppress_small_cells(rows, {"fields": ["jumlah_kk", "persen"]})
    assert out == [
        {"kelurahan": "Tugurejo", "desil": 1, "jumlah_kk": None, "persen": None},
        {"kelurahan": "Jerakah", "desil": 1, "jumlah_kk": 5, "persen": None},
        {"kelurahan": "Mijen", "desil": 2, "jumlah_kk": None, "persen": None},
        {"kelurahan": "Wates", "desil": 3, "jumlah_kk": None, "persen": 12.0},
    ]
    assert rows[0]["jumlah_kk"] == 4  # the stored rows are not touched
    assert out[0] is not rows[0]


def test_the_threshold_can_be_set_and_other_fields_are_left_alone() -> None:
    rows: list[dict[str, object]] = [{"desil": 1, "jumlah_kk": 9}, {"desil": 1, "jumlah_kk": 10}]
    assert suppress_small_cells(rows, {"fields": ["jumlah_kk"], "below": 10}) == [
        {"desil": 1, "jumlah_kk": None},
        {"desil": 1, "jumlah_kk": 10},
    ]


@pytest.mark.parametrize("suppression", [None, {}, {"fields": []}])
def test_no_rule_means_plain_copies(suppression: dict[str, Any] | None) -> None:
    rows: list[dict[str, object]] = [{"jumlah_kk": 1}]
    out = suppress_small_cells(rows, suppression)
    assert out == rows and out[0] is not rows[0]


def test_true_and_false_are_not_counts() -> None:
    assert suppress_small_cells([{"aktif": False}], {"fields": ["aktif"]}) == [{"aktif": False}]


@given(st.lists(st.integers(-10, 100), max_size=30), st.integers(1, 50))
def test_nothing_below_the_threshold_survives(values: list[int], below: int) -> None:
    out = suppress_small_cells([{"n": v} for v in values], {"fields": ["n"], "below": below})
    assert [row["n"] for row in out] == [None if v < below else v for v in values]


def test_a_valid_rule_passes() -> None:
    check_suppression(None, SCHEMA)
    check_suppression({"fields": ["jumlah_kk"]}, SCHEMA)
    check_suppression({"fields": ["jumlah_kk", "persen"], "below": 10}, SCHEMA)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (["jumlah_kk"], "must be an object"),
        ({"fields": ["jumlah_kk"], "min": 5}, "unknown key 'min'"),
        ({}, "non-empty list"),
        ({"fields": "jumlah_kk"}, "non-empty list"),
        ({"fields": [3]}, "non-empty list"),
        ({"fields": ["jumlah"]}, "'jumlah', which is not a field"),
        ({"fields": ["kelurahan"]}, "is string: only integer or number"),
        ({"fields": ["aktif"]}, "is boolean"),
        ({"fields": ["jumlah_kk"], "below": 0}, "from 1 to 1000"),
        ({"fields": ["jumlah_kk"], "below": 5.5}, "from 1 to 1000"),
        ({"fields": ["jumlah_kk"], "below": True}, "from 1 to 1000"),
        ({"fields": ["jumlah_kk"], "below": "5"}, "from 1 to 1000"),
    ],
)
def test_bad_rules_are_refused(rule: object, message: str) -> None:
    with pytest.raises(SchemaError) as caught:
        check_suppression(rule, SCHEMA)
    assert message in str(caught.value)
