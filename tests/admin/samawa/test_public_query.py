"""The pure parts of the citizens' side: query parsing, the chart's numbers, what hash may be shown."""

from __future__ import annotations

import pytest

from admin.samawa.public_chart import bar_chart, choose_fields
from admin.samawa.public_export import hidden_cells, public_rows, published_hash
from admin.samawa.public_query import QueryError, api_query, filters_query, searchable_fields
from tests.admin.samawa.public_fixtures import POVERTY_ROWS, POVERTY_SCHEMA, SUPPRESSION

SCHEMA = {
    "fields": [
        {"name": "kode", "type": "string"},
        {"name": "tahun", "type": "year"},
        {"name": "jumlah", "type": "integer"},
        {"name": "rata", "type": "number"},
        {"name": "aktif", "type": "boolean"},
        {"name": "tanggal", "type": "date"},
    ]
}


def test_filters_are_typed_by_the_schema() -> None:
    query = api_query(
        [("jumlah", "7"), ("rata", "2.5"), ("aktif", "true"), ("tanggal", "2024-03-01"), ("kode", "007")],
        SCHEMA,
        None,
    )
    assert query.filters == {"jumlah": 7, "rata": 2.5, "aktif": True, "tanggal": "2024-03-01", "kode": "007"}
    assert (
        query.filter_json
        == '{"jumlah": 7, "rata": 2.5, "aktif": true, "tanggal": "2024-03-01", "kode": "007"}'
    )
    assert (query.sort, query.descending, query.limit, query.offset) == (None, False, 100, 0)


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("jumlah", "tujuh")], "whole number"),
        ([("rata", "nan")], "finite"),
        ([("aktif", "mungkin")], "true or false"),
        ([("tanggal", "01-03-2024")], "YYYY-MM-DD"),
        ([("kode", "a"), ("kode", "b")], "more than once"),
        ([("sort", "jumlah; DROP TABLE datasets")], "unknown field"),
        ([("limit", "5000")], "limit"),
        ([("q", "x" * 201)], "q:"),
    ],
)
def test_bad_queries_say_what_is_wrong(pairs: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        api_query(pairs, SCHEMA, None)


def test_sort_spellings() -> None:
    assert api_query([("sort", "-jumlah")], SCHEMA, None).descending
    assert not api_query([("sort", "jumlah")], SCHEMA, None).descending
    ckan = filters_query({"kode": ["a"], "jumlah": 3}, SCHEMA, None)
    assert ckan == {"kode": "a", "jumlah": 3}
    with pytest.raises(QueryError, match="one value"):
        filters_query({"kode": ["a", "b"]}, SCHEMA, None)


def test_suppressed_fields_cannot_be_filtered_sorted_or_searched() -> None:
    for pairs in ([("jumlah", "3")], [("sort", "jumlah")], [("sort", "-jumlah")]):
        with pytest.raises(QueryError, match="hidden") as refused:
            api_query(pairs, POVERTY_SCHEMA, SUPPRESSION)
        assert refused.value.details == {"field": "jumlah"}
    assert searchable_fields(POVERTY_SCHEMA, SUPPRESSION) == ["kode_kelurahan", "tahun", "catatan"]


def test_hidden_cells_are_told_apart_from_empty_ones() -> None:
    shown = public_rows(POVERTY_ROWS, SUPPRESSION)
    assert [r["jumlah"] for r in shown] == [120, None, 45, None]
    assert hidden_cells(POVERTY_ROWS, shown, SUPPRESSION) == [
        frozenset(),
        {"jumlah"},
        frozenset(),
        {"jumlah"},
    ]
    assert [r["jumlah"] for r in POVERTY_ROWS] == [120, 3, 45, 0]  # the input is left as it was


def test_the_hash_of_full_data_is_not_shown_when_cells_are_hidden() -> None:
    assert published_hash("abc", None) == "abc"
    assert published_hash("abc", SUPPRESSION) is None


def test_chart_by_region_shows_the_latest_year_and_hides_groups_with_small_cells() -> None:
    assert choose_fields(POVERTY_SCHEMA, frozenset()) == ("kode_kelurahan", "jumlah", "region", "tahun")
    rows = [*POVERTY_ROWS, {**POVERTY_ROWS[0], "tahun": 2023, "jumlah": 999}]
    shown = public_rows(rows, SUPPRESSION)
    chart = bar_chart(POVERTY_SCHEMA, shown, hidden_cells(rows, shown, SUPPRESSION), frozenset({"jumlah"}),
                      {"33.74.01.1001": "Miroto"})  # fmt: skip
    assert chart is not None and chart.year == "2024"
    assert [(b.label, b.value) for b in chart.bars] == [
        ("Miroto", 120), ("33.74.01.1002", None), ("33.74.01.1003", 45), ("33.74.01.1004", None),
    ]  # fmt: skip
    assert chart.bars[0].width > chart.bars[2].width > 0 and chart.bars[1].width == 0


def test_chart_by_year_and_no_chart_without_the_shape() -> None:
    rows = [{"tahun": 2022, "jumlah": 5}, {"tahun": 2023, "jumlah": 10}, {"tahun": 2023, "jumlah": 2}]
    schema = {"fields": [{"name": "tahun", "type": "year"}, {"name": "jumlah", "type": "integer"}]}
    chart = bar_chart(schema, rows, [frozenset()] * 3, frozenset(), {})
    assert chart is not None and chart.by == "year"
    assert [(b.label, b.value) for b in chart.bars] == [("2022", 5), ("2023", 12)]
    assert choose_fields({"fields": [{"name": "nama", "type": "string"}, {"name": "n", "type": "integer"}]},
                         frozenset()) is None  # fmt: skip
